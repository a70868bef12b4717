package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/seatmap/seatmap/store"
)

// ---- reservations ----

// ReservedOrders lists the reserved orders of a performance, with tickets.
func (s *Store) ReservedOrders(ctx context.Context, perf string) ([]store.Order, error) {
	return s.orders(ctx, "reserved orders of "+perf, `SELECT `+orderColumns+` FROM orders WHERE performance_id = $1 AND status = 'reserved' ORDER BY created_at`, perf)
}

func (s *Store) orders(ctx context.Context, what, query string, args ...any) ([]store.Order, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	var out []store.Order
	var ids []string
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, o)
		ids = append(ids, o.ID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	ts, err := s.tickets(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	for i := range out {
		out[i].Tickets = ts[out[i].ID]
	}
	return out, nil
}

// transition changes a reserved order in one transaction, or reports
// ErrConflict when it is not reserved any more.
func (s *Store) transition(ctx context.Context, id string, f func(tx *sql.Tx) error) (store.Order, error) {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var status string
		err := tx.QueryRowContext(ctx, `SELECT status FROM orders WHERE id = $1`, id).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		if status != store.OrderReserved {
			return fmt.Errorf("order is %s: %w", status, store.ErrConflict)
		}
		return f(tx)
	})
	if err != nil {
		return store.Order{}, fmt.Errorf("order %s: %w", id, err)
	}
	return s.GetOrder(ctx, id)
}

// PayReservation turns a reserved order paid.
func (s *Store) PayReservation(ctx context.Context, id, method, by string) (store.Order, error) {
	return s.transition(ctx, id, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE orders SET status = 'paid', payment_method = $2, sold_by = CASE WHEN $3 = '' THEN sold_by ELSE $3 END, deadline = NULL, updated_at = $4 WHERE id = $1`, id, method, by, micros(now()))
		return err
	})
}

// EndReservation turns a reserved order expired or annulled and voids its tickets.
func (s *Store) EndReservation(ctx context.Context, id, status string) (store.Order, error) {
	if status != store.OrderExpired && status != store.OrderAnnulled {
		return store.Order{}, fmt.Errorf("end reservation %s: status %q: %w", id, status, store.ErrConflict)
	}
	return s.transition(ctx, id, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE orders SET status = $2, updated_at = $3 WHERE id = $1`, id, status, micros(now())); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE tickets SET status = 'void' WHERE order_id = $1 AND status = 'live'`, id)
		return err
	})
}

// ExtendReservation moves a reserved order's deadline.
func (s *Store) ExtendReservation(ctx context.Context, id string, deadline time.Time) (store.Order, error) {
	return s.transition(ctx, id, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE orders SET deadline = $2, updated_at = $3 WHERE id = $1`, id, micros(deadline), micros(now()))
		return err
	})
}

// SearchOrders finds orders by number, hold token, buyer name or e-mail.
func (s *Store) SearchOrders(ctx context.Context, q, perf string, limit int) ([]store.Order, error) {
	return s.orders(ctx, "search orders", `SELECT `+orderColumns+` FROM orders
WHERE ($2 = '' OR performance_id = $2)
  AND (upper(number) = upper($1) OR hold_token = $1
       OR lower(buyer_name) LIKE '%' || $3 || '%' ESCAPE '\' OR lower(buyer_email) LIKE '%' || $3 || '%' ESCAPE '\')
ORDER BY created_at DESC, id DESC LIMIT $4`, q, perf, store.LikePattern(q), store.ClampLimit(limit))
}

// ---- halls, channels, blocks, templates ----

// ListHalls lists halls, newest first, without their layouts.
func (s *Store) ListHalls(ctx context.Context) ([]store.Hall, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, name, seats, created_at FROM halls ORDER BY created_at DESC, id LIMIT 1000`)
	if err != nil {
		return nil, fmt.Errorf("list halls: %w", err)
	}
	defer rows.Close()
	var out []store.Hall
	for rows.Next() {
		var h store.Hall
		var created int64
		if err := rows.Scan(&h.ID, &h.Name, &h.Seats, &created); err != nil {
			return nil, fmt.Errorf("list halls: %w", err)
		}
		h.CreatedAt = fromMicros(created)
		out = append(out, h)
	}
	return out, rows.Err()
}

// SetChannels replaces a performance's channel names and seat channels.
func (s *Store) SetChannels(ctx context.Context, id string, channels []string, seatChannels []uint8) error {
	cj, err := json.Marshal(store.ChannelsOrWeb(channels))
	if err != nil {
		return err
	}
	return s.updatePerformance(ctx, id, "set channels", `UPDATE performances SET channels = $2, seat_channels = $3 WHERE id = $1`, id, string(cj), nonNil(seatChannels))
}

// SetBlocks blocks seats with a reason.
func (s *Store) SetBlocks(ctx context.Context, perf string, seats []uint32, reason string) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO blocks (performance_id, seat_index, reason) VALUES ($1, $2, $3)
ON CONFLICT (performance_id, seat_index) DO UPDATE SET reason = excluded.reason`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, seat := range seats {
			if _, err := stmt.ExecContext(ctx, perf, seat, reason); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("set blocks of %s: %w", perf, err)
	}
	return nil
}

// ClearBlocks unblocks seats.
func (s *Store) ClearBlocks(ctx context.Context, perf string, seats []uint32) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `DELETE FROM blocks WHERE performance_id = $1 AND seat_index = $2`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, seat := range seats {
			if _, err := stmt.ExecContext(ctx, perf, seat); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("clear blocks of %s: %w", perf, err)
	}
	return nil
}

// Blocks lists a performance's blocked seats, by seat.
func (s *Store) Blocks(ctx context.Context, perf string) ([]store.Block, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT seat_index, reason FROM blocks WHERE performance_id = $1 ORDER BY seat_index`, perf)
	if err != nil {
		return nil, fmt.Errorf("blocks of %s: %w", perf, err)
	}
	defer rows.Close()
	var out []store.Block
	for rows.Next() {
		var b store.Block
		if err := rows.Scan(&b.Seat, &b.Reason); err != nil {
			return nil, fmt.Errorf("blocks of %s: %w", perf, err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// CreateTemplate stores a template.
func (s *Store) CreateTemplate(ctx context.Context, t store.Template) error {
	zones, channels, blocks, err := store.EncodeTemplate(t)
	if err != nil {
		return err
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO templates (id, hall_id, name, zones, seat_zones, channels, seat_channels, blocks, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, t.ID, t.HallID, t.Name, zones, store.EncodeSeatZones(t.SeatZones), channels, nonNil(t.SeatChannels), blocks, micros(now()))
	if _, ok := uniqueViolation(err); ok {
		return fmt.Errorf("create template %s: %w", t.ID, store.ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("create template %s: %w", t.ID, err)
	}
	return nil
}

// GetTemplate returns a template with its seat maps.
func (s *Store) GetTemplate(ctx context.Context, id string) (store.Template, error) {
	t := store.Template{ID: id}
	var zones, channels, blocks string
	var seatZones []byte
	var created int64
	err := s.r.QueryRowContext(ctx, `SELECT hall_id, name, zones, seat_zones, channels, seat_channels, blocks, created_at FROM templates WHERE id = $1`, id).
		Scan(&t.HallID, &t.Name, &zones, &seatZones, &channels, &t.SeatChannels, &blocks, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Template{}, fmt.Errorf("template %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Template{}, fmt.Errorf("get template %s: %w", id, err)
	}
	t.CreatedAt = fromMicros(created)
	if err := store.DecodeTemplate(&t, zones, seatZones, channels, blocks); err != nil {
		return store.Template{}, fmt.Errorf("template %s: %w", id, err)
	}
	return t, nil
}

// ListTemplates lists a hall's templates, newest first, without seat maps.
func (s *Store) ListTemplates(ctx context.Context, hallID string) ([]store.Template, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, hall_id, name, created_at FROM templates WHERE hall_id = $1 ORDER BY created_at DESC, id LIMIT 1000`, hallID)
	if err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	defer rows.Close()
	var out []store.Template
	for rows.Next() {
		var t store.Template
		var created int64
		if err := rows.Scan(&t.ID, &t.HallID, &t.Name, &created); err != nil {
			return nil, fmt.Errorf("list templates: %w", err)
		}
		t.CreatedAt = fromMicros(created)
		out = append(out, t)
	}
	return out, rows.Err()
}

// ---- users, tokens, sessions ----

const userColumns = `id, login, name, role, password_hash, disabled, created_at`

func scanUser(row scanner) (store.User, error) {
	var u store.User
	var created int64
	err := row.Scan(&u.ID, &u.Login, &u.Name, &u.Role, &u.PasswordHash, &u.Disabled, &created)
	u.CreatedAt = fromMicros(created)
	return u, err
}

func (s *Store) user(ctx context.Context, what, query string, args ...any) (store.User, error) {
	u, err := scanUser(s.r.QueryRowContext(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return store.User{}, fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	if err != nil {
		return store.User{}, fmt.Errorf("%s: %w", what, err)
	}
	return u, nil
}

// CreateUser stores a user.
func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO users (`+userColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		u.ID, strings.ToLower(u.Login), u.Name, u.Role, u.PasswordHash, u.Disabled, micros(now()))
	if _, ok := uniqueViolation(err); ok {
		return fmt.Errorf("create user %s: %w", u.Login, store.ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("create user %s: %w", u.Login, err)
	}
	return nil
}

// GetUser returns a user.
func (s *Store) GetUser(ctx context.Context, id string) (store.User, error) {
	return s.user(ctx, "user "+id, `SELECT `+userColumns+` FROM users WHERE id = $1`, id)
}

// UserByLogin returns a user by login.
func (s *Store) UserByLogin(ctx context.Context, login string) (store.User, error) {
	return s.user(ctx, "user by login", `SELECT `+userColumns+` FROM users WHERE login = $1`, strings.ToLower(login))
}

// ListUsers lists users by login.
func (s *Store) ListUsers(ctx context.Context) ([]store.User, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY login LIMIT 10000`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []store.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// CreateAPIToken stores a token by its hash.
func (s *Store) CreateAPIToken(ctx context.Context, t store.APIToken) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO api_tokens (id, user_id, name, hash, created_at) VALUES ($1, $2, $3, $4, $5)`, t.ID, t.UserID, t.Name, t.Hash, micros(now()))
	if _, ok := uniqueViolation(err); ok {
		return fmt.Errorf("create token: %w", store.ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	return nil
}

// UserByToken returns the enabled owner of a token.
func (s *Store) UserByToken(ctx context.Context, hash string) (store.User, error) {
	return s.user(ctx, "user by token", `SELECT u.id, u.login, u.name, u.role, u.password_hash, u.disabled, u.created_at
FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = $1 AND NOT u.disabled`, hash)
}

// DeleteAPIToken removes a user's token.
func (s *Store) DeleteAPIToken(ctx context.Context, userID, id string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM api_tokens WHERE id = $1 AND user_id = $2`, id, userID)
	if err != nil {
		return fmt.Errorf("delete token: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("token %s: %w", id, store.ErrNotFound)
	}
	return nil
}

// CreateSession stores a staff session, dropping expired ones on the way.
func (s *Store) CreateSession(ctx context.Context, ss store.StaffSession) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM staff_sessions WHERE expires_at < $1`, micros(now())); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO staff_sessions (hash, user_id, csrf, expires_at) VALUES ($1, $2, $3, $4)`, ss.Hash, ss.UserID, ss.CSRF, micros(ss.Expires))
		return err
	})
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// SessionUser returns a live session and its enabled user.
func (s *Store) SessionUser(ctx context.Context, hash string, at time.Time) (store.StaffSession, store.User, error) {
	ss := store.StaffSession{Hash: hash}
	var u store.User
	var expires, created int64
	err := s.r.QueryRowContext(ctx, `SELECT s.user_id, s.csrf, s.expires_at, u.id, u.login, u.name, u.role, u.password_hash, u.disabled, u.created_at
FROM staff_sessions s JOIN users u ON u.id = s.user_id WHERE s.hash = $1 AND s.expires_at > $2 AND NOT u.disabled`, hash, micros(at)).
		Scan(&ss.UserID, &ss.CSRF, &expires, &u.ID, &u.Login, &u.Name, &u.Role, &u.PasswordHash, &u.Disabled, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return store.StaffSession{}, store.User{}, fmt.Errorf("session: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.StaffSession{}, store.User{}, fmt.Errorf("session: %w", err)
	}
	ss.Expires, u.CreatedAt = fromMicros(expires), fromMicros(created)
	return ss, u, nil
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM staff_sessions WHERE hash = $1`, hash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}
