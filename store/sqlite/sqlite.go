// Package sqlite is the embedded store: one SQLite file, no server, no cgo
// (modernc.org/sqlite). Writes go through one connection in WAL mode, reads
// through a small pool, so readers never wait for a writer and writers never see
// "database is locked".
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is a store.Store on SQLite.
type Store struct {
	w *sql.DB // one connection: SQLite has one writer at a time anyway
	r *sql.DB
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the database file at path and migrates it.
func Open(ctx context.Context, path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("create directory for %s: %w", path, err)
	}
	dsn := func(extra string) string {
		q := url.Values{}
		for _, p := range []string{"journal_mode(WAL)", "busy_timeout(10000)", "foreign_keys(1)", "synchronous(NORMAL)"} {
			q.Add("_pragma", p)
		}
		return "file:" + path + "?" + q.Encode() + extra
	}
	w, err := sql.Open("sqlite", dsn("&_txlock=immediate"))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	r, err := sql.Open("sqlite", dsn("&_pragma=query_only(1)"))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	r.SetMaxOpenConns(4)
	s := &Store{w: w, r: r}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() {
	s.r.Close()
	s.w.Close()
}

func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		var version int
		if _, err := fmt.Sscanf(filepath.Base(name), "%04d_", &version); err != nil {
			return fmt.Errorf("migration %s: name must start with a number", name)
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		if err := s.apply(ctx, version, string(body)); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	return nil
}

// apply runs one migration in its own transaction unless it is recorded already.
func (s *Store) apply(ctx context.Context, version int, body string) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, body); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`, version, time.Now().UnixMicro()); err != nil {
		return err
	}
	return tx.Commit()
}

func micros(t time.Time) int64     { return t.UnixMicro() }
func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }
func now() time.Time               { return time.Now().UTC().Truncate(time.Microsecond) }

// uniqueViolation reports the constraint of a unique violation: SQLite names
// the columns, "UNIQUE constraint failed: tickets.performance_id, ...".
func uniqueViolation(err error) (string, bool) {
	if err == nil {
		return "", false
	}
	msg := err.Error()
	i := strings.Index(msg, "UNIQUE constraint failed: ")
	if i < 0 {
		return "", false
	}
	return msg[i+len("UNIQUE constraint failed: "):], true
}

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.r.PingContext(ctx); err != nil {
		return fmt.Errorf("ping sqlite: %w", err)
	}
	return nil
}

const (
	selectSetting = `SELECT value FROM settings WHERE key = $1`
	insertSetting = `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`
)

// Setting returns a setting.
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := s.r.QueryRowContext(ctx, selectSetting, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("setting %s: %w", key, store.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("setting %s: %w", key, err)
	}
	return v, nil
}

// InitSetting stores value unless key exists and returns the stored value.
func (s *Store) InitSetting(ctx context.Context, key, value string) (string, error) {
	var v string
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, insertSetting, key, value); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, selectSetting, key).Scan(&v)
	})
	if err != nil {
		return "", fmt.Errorf("init setting %s: %w", key, err)
	}
	return v, nil
}

func (s *Store) tx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// CreateHall stores a hall.
func (s *Store) CreateHall(ctx context.Context, h store.Hall) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO halls (id, name, layout, seats, created_at) VALUES ($1, $2, $3, $4, $5)`,
		h.ID, h.Name, h.Layout, h.Seats, micros(now()))
	if _, ok := uniqueViolation(err); ok {
		return fmt.Errorf("create hall %s: %w", h.ID, store.ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("create hall %s: %w", h.ID, err)
	}
	return nil
}

// GetHall returns a hall.
func (s *Store) GetHall(ctx context.Context, id string) (store.Hall, error) {
	h := store.Hall{ID: id}
	var created int64
	err := s.r.QueryRowContext(ctx, `SELECT name, layout, seats, created_at FROM halls WHERE id = $1`, id).Scan(&h.Name, &h.Layout, &h.Seats, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Hall{}, fmt.Errorf("hall %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Hall{}, fmt.Errorf("get hall %s: %w", id, err)
	}
	h.CreatedAt = fromMicros(created)
	return h, nil
}

// CreatePerformance stores a performance.
func (s *Store) CreatePerformance(ctx context.Context, p store.Performance) error {
	zones, err := json.Marshal(zonesOrEmpty(p.Zones))
	if err != nil {
		return err
	}
	channels, err := json.Marshal(store.ChannelsOrWeb(p.Channels))
	if err != nil {
		return err
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO performances (id, hall_id, name, starts_at, status, zones, seat_zones, channels, seat_channels, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		p.ID, p.HallID, p.Name, micros(p.StartsAt), p.Status, string(zones), store.EncodeSeatZones(p.SeatZones), string(channels), nonNil(p.SeatChannels), micros(now()))
	if _, ok := uniqueViolation(err); ok {
		return fmt.Errorf("create performance %s: %w", p.ID, store.ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("create performance %s: %w", p.ID, err)
	}
	return nil
}

func zonesOrEmpty(z []hall.Zone) []hall.Zone {
	if z == nil {
		return []hall.Zone{}
	}
	return z
}

type scanner interface{ Scan(dest ...any) error }

func scanPerformance(row scanner, withSeats bool) (store.Performance, error) {
	var p store.Performance
	var starts, created int64
	var zones, channels string
	var seatZones []byte
	dest := []any{&p.ID, &p.HallID, &p.Name, &starts, &p.Status, &zones, &channels, &created}
	if withSeats {
		dest = append(dest, &seatZones, &p.SeatChannels)
	}
	if err := row.Scan(dest...); err != nil {
		return store.Performance{}, err
	}
	p.StartsAt, p.CreatedAt = fromMicros(starts), fromMicros(created)
	if err := json.Unmarshal([]byte(zones), &p.Zones); err != nil {
		return store.Performance{}, fmt.Errorf("zones of %s: %w", p.ID, err)
	}
	if err := json.Unmarshal([]byte(channels), &p.Channels); err != nil {
		return store.Performance{}, fmt.Errorf("channels of %s: %w", p.ID, err)
	}
	if withSeats {
		if len(p.SeatChannels) == 0 {
			p.SeatChannels = nil
		}
		var err error
		if p.SeatZones, err = store.DecodeSeatZones(seatZones); err != nil {
			return store.Performance{}, fmt.Errorf("performance %s: %w", p.ID, err)
		}
	}
	return p, nil
}

const performanceColumns = `id, hall_id, name, starts_at, status, zones, channels, created_at`

// GetPerformance returns a performance with its zone map.
func (s *Store) GetPerformance(ctx context.Context, id string) (store.Performance, error) {
	p, err := scanPerformance(s.r.QueryRowContext(ctx, `SELECT `+performanceColumns+`, seat_zones, seat_channels FROM performances WHERE id = $1`, id), true)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Performance{}, fmt.Errorf("performance %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Performance{}, fmt.Errorf("get performance %s: %w", id, err)
	}
	return p, nil
}

const listPerformances = `SELECT ` + performanceColumns + ` FROM performances
WHERE starts_at >= $1 AND starts_at < $2 AND (starts_at > $3 OR (starts_at = $3 AND id > $4))
ORDER BY starts_at, id LIMIT $5`

// ListPerformances lists performances by start time, keyset-paged.
func (s *Store) ListPerformances(ctx context.Context, f store.PerformanceFilter) ([]store.Performance, error) {
	from, to, after := int64(-1<<62), int64(1<<62), int64(-1<<62)
	if !f.From.IsZero() {
		from = micros(f.From)
	}
	if !f.To.IsZero() {
		to = micros(f.To)
	}
	if !f.AfterStartsAt.IsZero() || f.AfterID != "" {
		after = micros(f.AfterStartsAt)
	}
	rows, err := s.r.QueryContext(ctx, listPerformances, from, to, after, f.AfterID, store.ClampLimit(f.Limit))
	if err != nil {
		return nil, fmt.Errorf("list performances: %w", err)
	}
	defer rows.Close()
	var out []store.Performance
	for rows.Next() {
		p, err := scanPerformance(rows, false)
		if err != nil {
			return nil, fmt.Errorf("list performances: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func (s *Store) updatePerformance(ctx context.Context, id, what, query string, args ...any) error {
	res, err := s.w.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("%s of %s: %w", what, id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("performance %s: %w", id, store.ErrNotFound)
	}
	return nil
}

// SetPerformanceStatus changes a performance's status.
func (s *Store) SetPerformanceStatus(ctx context.Context, id, status string) error {
	return s.updatePerformance(ctx, id, "set status", `UPDATE performances SET status = $2 WHERE id = $1`, id, status)
}

// SetZones replaces a performance's zones and zone map.
func (s *Store) SetZones(ctx context.Context, id string, zones []hall.Zone, seatZones []uint16) error {
	zj, err := json.Marshal(zonesOrEmpty(zones))
	if err != nil {
		return err
	}
	return s.updatePerformance(ctx, id, "set zones", `UPDATE performances SET zones = $2, seat_zones = $3 WHERE id = $1`, id, string(zj), store.EncodeSeatZones(seatZones))
}

const (
	insertOrder = `INSERT INTO orders (id, number, performance_id, status, buyer_name, buyer_email, session, hold_token, idempotency_key,
total, currency, channel, sold_by, payment_method, deadline, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)`
	insertTicket = `INSERT INTO tickets (order_id, performance_id, seat_index, seat_id, zone, price, status) VALUES ($1, $2, $3, $4, $5, $6, $7)`
	orderColumns = `id, number, performance_id, status, buyer_name, buyer_email, session, hold_token, idempotency_key,
total, currency, channel, sold_by, payment_method, deadline, created_at, updated_at`
)

// CreateOrder writes an order and its tickets in one transaction.
func (s *Store) CreateOrder(ctx context.Context, o store.Order) (store.Order, error) {
	o.CreatedAt = now()
	o.UpdatedAt = o.CreatedAt
	if o.Channel == "" {
		o.Channel = "web"
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, insertOrder, o.ID, o.Number, o.PerformanceID, o.Status, o.BuyerName, o.BuyerEmail,
			o.Session, o.HoldToken, o.IdempotencyKey, o.Total, o.Currency, o.Channel, o.SoldBy, o.PaymentMethod,
			nullMicros(o.Deadline), micros(o.CreatedAt)); err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, insertTicket)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, t := range o.Tickets {
			if _, err := stmt.ExecContext(ctx, o.ID, o.PerformanceID, t.Seat, t.SeatID, t.Zone, t.Price, t.Status); err != nil {
				return err
			}
		}
		return nil
	})
	if cons, ok := uniqueViolation(err); ok {
		switch {
		case strings.HasPrefix(cons, "tickets."):
			seats := make([]uint32, len(o.Tickets))
			for i, t := range o.Tickets {
				seats[i] = t.Seat
			}
			sold, err := s.soldAmong(ctx, o.PerformanceID, seats)
			if err != nil {
				return store.Order{}, fmt.Errorf("create order %s: %w", o.ID, err)
			}
			return store.Order{}, &store.SeatsSoldError{Seats: sold}
		case strings.Contains(cons, "orders.session"):
			return store.Order{}, fmt.Errorf("create order %s: %w", o.ID, store.ErrIdempotencyKey)
		default:
			return store.Order{}, fmt.Errorf("create order %s (%s): %w", o.ID, cons, store.ErrDuplicate)
		}
	}
	if err != nil {
		return store.Order{}, fmt.Errorf("create order %s: %w", o.ID, err)
	}
	return o, nil
}

// soldAmong returns which of seats have a live ticket (paid or reserved), ascending.
func (s *Store) soldAmong(ctx context.Context, perf string, seats []uint32) ([]uint32, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT seat_index FROM tickets WHERE performance_id = $1 AND status = 'live' ORDER BY seat_index`, perf)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var all []uint32
	for rows.Next() {
		var seat uint32
		if err := rows.Scan(&seat); err != nil {
			return nil, err
		}
		all = append(all, seat)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []uint32
	for _, seat := range all {
		if slices.Contains(seats, seat) {
			out = append(out, seat)
		}
	}
	return out, nil
}

func (s *Store) tickets(ctx context.Context, ids []string) (map[string][]store.Ticket, error) {
	out := make(map[string][]store.Ticket, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args, marks := make([]any, len(ids)), make([]string, len(ids))
	for i, id := range ids {
		args[i], marks[i] = id, fmt.Sprintf("$%d", i+1)
	}
	// Placeholders only: the ids never become SQL text.
	rows, err := s.r.QueryContext(ctx, `SELECT order_id, seat_index, seat_id, zone, price, status FROM tickets WHERE order_id IN (`+strings.Join(marks, ",")+`) ORDER BY order_id, seat_index`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var t store.Ticket
		if err := rows.Scan(&id, &t.Seat, &t.SeatID, &t.Zone, &t.Price, &t.Status); err != nil {
			return nil, err
		}
		out[id] = append(out[id], t)
	}
	return out, rows.Err()
}

func scanOrder(row scanner) (store.Order, error) {
	var o store.Order
	var created, updated int64
	var deadline sql.NullInt64
	err := row.Scan(&o.ID, &o.Number, &o.PerformanceID, &o.Status, &o.BuyerName, &o.BuyerEmail, &o.Session, &o.HoldToken, &o.IdempotencyKey,
		&o.Total, &o.Currency, &o.Channel, &o.SoldBy, &o.PaymentMethod, &deadline, &created, &updated)
	o.CreatedAt, o.UpdatedAt = fromMicros(created), fromMicros(updated)
	if deadline.Valid {
		o.Deadline = fromMicros(deadline.Int64)
	}
	return o, err
}

func nullMicros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return micros(t)
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func (s *Store) oneOrder(ctx context.Context, what, query string, args ...any) (store.Order, error) {
	o, err := scanOrder(s.r.QueryRowContext(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Order{}, fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	if err != nil {
		return store.Order{}, fmt.Errorf("%s: %w", what, err)
	}
	ts, err := s.tickets(ctx, []string{o.ID})
	if err != nil {
		return store.Order{}, fmt.Errorf("%s: %w", what, err)
	}
	o.Tickets = ts[o.ID]
	return o, nil
}

// GetOrder returns an order with its tickets.
func (s *Store) GetOrder(ctx context.Context, id string) (store.Order, error) {
	return s.oneOrder(ctx, "order "+id, `SELECT `+orderColumns+` FROM orders WHERE id = $1`, id)
}

// OrderByIdempotencyKey returns the order a session made with a key.
func (s *Store) OrderByIdempotencyKey(ctx context.Context, session, key string) (store.Order, error) {
	return s.oneOrder(ctx, "order by idempotency key", `SELECT `+orderColumns+` FROM orders WHERE session = $1 AND idempotency_key = $2 AND idempotency_key <> ''`, session, key)
}

const listOrders = `SELECT ` + orderColumns + ` FROM orders
WHERE ($1 = '' OR performance_id = $1) AND ($2 = '' OR status = $2)
  AND (created_at < $3 OR (created_at = $3 AND id < $4))
ORDER BY created_at DESC, id DESC LIMIT $5`

// ListOrders lists orders newest first, keyset-paged.
func (s *Store) ListOrders(ctx context.Context, f store.OrderFilter) ([]store.Order, error) {
	before, beforeID := int64(1<<62), ""
	if !f.Before.IsZero() {
		before, beforeID = micros(f.Before), f.BeforeID
	}
	rows, err := s.r.QueryContext(ctx, listOrders, f.PerformanceID, f.Status, before, beforeID, store.ClampLimit(f.Limit))
	if err != nil {
		return nil, fmt.Errorf("list orders: %w", err)
	}
	var out []store.Order
	var ids []string
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("list orders: %w", err)
		}
		out = append(out, o)
		ids = append(ids, o.ID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list orders: %w", err)
	}
	ts, err := s.tickets(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("list orders: %w", err)
	}
	for i := range out {
		out[i].Tickets = ts[out[i].ID]
	}
	return out, nil
}

// SoldSeats lists the seats with a live ticket, ascending.
func (s *Store) SoldSeats(ctx context.Context, perf string) ([]uint32, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT t.seat_index FROM tickets t JOIN orders o ON o.id = t.order_id
WHERE t.performance_id = $1 AND t.status = 'live' AND o.status = 'paid' ORDER BY t.seat_index`, perf)
	if err != nil {
		return nil, fmt.Errorf("sold seats of %s: %w", perf, err)
	}
	defer rows.Close()
	var out []uint32
	for rows.Next() {
		var seat uint32
		if err := rows.Scan(&seat); err != nil {
			return nil, fmt.Errorf("sold seats of %s: %w", perf, err)
		}
		out = append(out, seat)
	}
	return out, rows.Err()
}
