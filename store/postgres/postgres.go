// Package postgres is the production store on PostgreSQL through pgx. Every
// write that must be whole is one statement or one transaction; a partial unique
// index on live tickets makes a double sale impossible whatever happens above it.
package postgres

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is a store.Store on PostgreSQL.
type Store struct {
	pool *pgxpool.Pool
}

var _ store.Store = (*Store)(nil)

// Open connects to dsn and migrates the schema. Unknown DSN parameters such as
// search_path are passed to the server as run-time parameters.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	if cfg.MaxConns < 16 {
		cfg.MaxConns = 16
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	s := &Store{pool: pool}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the pool.
func (s *Store) Close() { s.pool.Close() }

// Pool exposes the pool to tests and tools of this package's users.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL)`); err != nil {
		// Two processes creating the table at once: one wins, the other sees a
		// unique violation on the catalog; the table exists either way.
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "23505" {
			return fmt.Errorf("migrate: %w", err)
		}
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

// apply runs one migration in its own transaction under an advisory lock, so
// nodes starting together apply it once.
func (s *Store) apply(ctx context.Context, version int, body string) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('seatmap.migrate'))`); err != nil {
			return err
		}
		var done bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`, version).Scan(&done); err != nil {
			return err
		}
		if done {
			return nil
		}
		if _, err := tx.Exec(ctx, body); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, now())`, version)
		return err
	})
}

func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// constraint returns the name of the unique constraint err violated.
func constraint(err error) (string, bool) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return pe.ConstraintName, true
	}
	return "", false
}

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping postgres: %w", err)
	}
	return nil
}

// Setting returns a setting.
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := s.pool.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
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
	// The no-op update makes RETURNING yield the existing row on conflict.
	err := s.pool.QueryRow(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)
ON CONFLICT (key) DO UPDATE SET value = settings.value RETURNING value`, key, value).Scan(&v)
	if err != nil {
		return "", fmt.Errorf("init setting %s: %w", key, err)
	}
	return v, nil
}

// CreateHall stores a hall.
func (s *Store) CreateHall(ctx context.Context, h store.Hall) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO halls (id, name, layout, seats, created_at) VALUES ($1, $2, $3, $4, $5)`,
		h.ID, h.Name, string(h.Layout), h.Seats, now())
	if _, ok := constraint(err); ok {
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
	var layout string
	err := s.pool.QueryRow(ctx, `SELECT name, layout::text, seats, created_at FROM halls WHERE id = $1`, id).Scan(&h.Name, &layout, &h.Seats, &h.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Hall{}, fmt.Errorf("hall %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Hall{}, fmt.Errorf("get hall %s: %w", id, err)
	}
	h.Layout, h.CreatedAt = []byte(layout), h.CreatedAt.UTC()
	return h, nil
}

func zonesJSON(z []hall.Zone) (string, error) {
	if z == nil {
		z = []hall.Zone{}
	}
	b, err := json.Marshal(z)
	return string(b), err
}

// CreatePerformance stores a performance.
func (s *Store) CreatePerformance(ctx context.Context, p store.Performance) error {
	zones, err := zonesJSON(p.Zones)
	if err != nil {
		return err
	}
	channels, err := json.Marshal(store.ChannelsOrWeb(p.Channels))
	if err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO performances (id, hall_id, name, starts_at, status, zones, seat_zones, channels, seat_channels, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		p.ID, p.HallID, p.Name, p.StartsAt, p.Status, zones, store.EncodeSeatZones(p.SeatZones), string(channels), nonNil(p.SeatChannels), now())
	if _, ok := constraint(err); ok {
		return fmt.Errorf("create performance %s: %w", p.ID, store.ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("create performance %s: %w", p.ID, err)
	}
	return nil
}

const performanceColumns = `id, hall_id, name, starts_at, status, zones::text, channels::text, created_at`

func scanPerformance(row pgx.Row, withSeats bool) (store.Performance, error) {
	var p store.Performance
	var zones, channels string
	var seatZones []byte
	dest := []any{&p.ID, &p.HallID, &p.Name, &p.StartsAt, &p.Status, &zones, &channels, &p.CreatedAt}
	if withSeats {
		dest = append(dest, &seatZones, &p.SeatChannels)
	}
	if err := row.Scan(dest...); err != nil {
		return store.Performance{}, err
	}
	p.StartsAt, p.CreatedAt = p.StartsAt.UTC(), p.CreatedAt.UTC()
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

// GetPerformance returns a performance with its zone map.
func (s *Store) GetPerformance(ctx context.Context, id string) (store.Performance, error) {
	p, err := scanPerformance(s.pool.QueryRow(ctx, `SELECT `+performanceColumns+`, seat_zones, seat_channels FROM performances WHERE id = $1`, id), true)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Performance{}, fmt.Errorf("performance %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Performance{}, fmt.Errorf("get performance %s: %w", id, err)
	}
	return p, nil
}

const listPerformances = `SELECT ` + performanceColumns + ` FROM performances
WHERE ($1::timestamptz IS NULL OR starts_at >= $1)
  AND ($2::timestamptz IS NULL OR starts_at < $2)
  AND ($3::timestamptz IS NULL OR (starts_at, id) > ($3, $4))
ORDER BY starts_at, id LIMIT $5`

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// ListPerformances lists performances by start time, keyset-paged.
func (s *Store) ListPerformances(ctx context.Context, f store.PerformanceFilter) ([]store.Performance, error) {
	after := nullTime(f.AfterStartsAt)
	if after == nil && f.AfterID != "" {
		t := time.Time{}.UTC()
		after = &t
	}
	rows, err := s.pool.Query(ctx, listPerformances, nullTime(f.From), nullTime(f.To), after, f.AfterID, store.ClampLimit(f.Limit))
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
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list performances: %w", err)
	}
	return out, nil
}

func (s *Store) updatePerformance(ctx context.Context, id, what, query string, args ...any) error {
	tag, err := s.pool.Exec(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("%s of %s: %w", what, id, err)
	}
	if tag.RowsAffected() == 0 {
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
	zj, err := zonesJSON(zones)
	if err != nil {
		return err
	}
	return s.updatePerformance(ctx, id, "set zones", `UPDATE performances SET zones = $2, seat_zones = $3 WHERE id = $1`, id, zj, store.EncodeSeatZones(seatZones))
}

// createOrder inserts the order and all its tickets in one statement: atomic
// without an explicit transaction, and one round trip.
const createOrder = `WITH o AS (
  INSERT INTO orders (id, number, performance_id, status, buyer_name, buyer_email, session, hold_token, idempotency_key,
                      total, currency, channel, sold_by, payment_method, deadline, created_at, updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)
  RETURNING id
)
INSERT INTO tickets (order_id, performance_id, seat_index, seat_id, zone, price, status)
SELECT (SELECT id FROM o), $3, t.seat, t.seat_id, t.zone, t.price, t.status
FROM unnest($17::int[], $18::text[], $19::text[], $20::bigint[], $21::text[]) AS t(seat, seat_id, zone, price, status)`

// CreateOrder writes an order and its tickets atomically.
func (s *Store) CreateOrder(ctx context.Context, o store.Order) (store.Order, error) {
	o.CreatedAt = now()
	o.UpdatedAt = o.CreatedAt
	n := len(o.Tickets)
	seats, ids, zones, prices, statuses := make([]int32, n), make([]string, n), make([]string, n), make([]int64, n), make([]string, n)
	for i, t := range o.Tickets {
		seats[i], ids[i], zones[i], prices[i], statuses[i] = int32(t.Seat), t.SeatID, t.Zone, t.Price, t.Status
	}
	_, err := s.pool.Exec(ctx, createOrder, o.ID, o.Number, o.PerformanceID, o.Status, o.BuyerName, o.BuyerEmail,
		o.Session, o.HoldToken, o.IdempotencyKey, o.Total, o.Currency, channelOrWeb(o.Channel), o.SoldBy, o.PaymentMethod,
		nullTime(o.Deadline), o.CreatedAt, seats, ids, zones, prices, statuses)
	if cons, ok := constraint(err); ok {
		switch cons {
		case "tickets_live_seat":
			sold, err := s.soldAmong(ctx, o.PerformanceID, seats)
			if err != nil {
				return store.Order{}, fmt.Errorf("create order %s: %w", o.ID, err)
			}
			return store.Order{}, &store.SeatsSoldError{Seats: sold}
		case "orders_idempotency":
			return store.Order{}, fmt.Errorf("create order %s: %w", o.ID, store.ErrIdempotencyKey)
		default:
			return store.Order{}, fmt.Errorf("create order %s (%s): %w", o.ID, cons, store.ErrDuplicate)
		}
	}
	if err != nil {
		return store.Order{}, fmt.Errorf("create order %s: %w", o.ID, err)
	}
	o.Channel = channelOrWeb(o.Channel)
	return o, nil
}

func channelOrWeb(c string) string {
	if c == "" {
		return "web"
	}
	return c
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func (s *Store) soldAmong(ctx context.Context, perf string, seats []int32) ([]uint32, error) {
	rows, err := s.pool.Query(ctx, `SELECT seat_index FROM tickets WHERE performance_id = $1 AND status = 'live' AND seat_index = ANY($2) ORDER BY seat_index`, perf, seats)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[uint32])
}

const orderColumns = `id, number, performance_id, status, buyer_name, buyer_email, session, hold_token, idempotency_key,
total, currency, channel, sold_by, payment_method, deadline, created_at, updated_at`

func scanOrder(row pgx.Row) (store.Order, error) {
	var o store.Order
	var deadline *time.Time
	err := row.Scan(&o.ID, &o.Number, &o.PerformanceID, &o.Status, &o.BuyerName, &o.BuyerEmail, &o.Session, &o.HoldToken, &o.IdempotencyKey,
		&o.Total, &o.Currency, &o.Channel, &o.SoldBy, &o.PaymentMethod, &deadline, &o.CreatedAt, &o.UpdatedAt)
	o.CreatedAt, o.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	if deadline != nil {
		o.Deadline = deadline.UTC()
	}
	return o, err
}

func (s *Store) tickets(ctx context.Context, ids []string) (map[string][]store.Ticket, error) {
	out := make(map[string][]store.Ticket, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT order_id, seat_index, seat_id, zone, price, status FROM tickets WHERE order_id = ANY($1) ORDER BY order_id, seat_index`, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var t store.Ticket
		var seat int32
		if err := rows.Scan(&id, &seat, &t.SeatID, &t.Zone, &t.Price, &t.Status); err != nil {
			return nil, err
		}
		t.Seat = uint32(seat)
		out[id] = append(out[id], t)
	}
	return out, rows.Err()
}

func (s *Store) oneOrder(ctx context.Context, what, query string, args ...any) (store.Order, error) {
	o, err := scanOrder(s.pool.QueryRow(ctx, query, args...))
	if errors.Is(err, pgx.ErrNoRows) {
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
  AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4))
ORDER BY created_at DESC, id DESC LIMIT $5`

// ListOrders lists orders newest first, keyset-paged.
func (s *Store) ListOrders(ctx context.Context, f store.OrderFilter) ([]store.Order, error) {
	rows, err := s.pool.Query(ctx, listOrders, f.PerformanceID, f.Status, nullTime(f.Before), f.BeforeID, store.ClampLimit(f.Limit))
	if err != nil {
		return nil, fmt.Errorf("list orders: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Order, error) { return scanOrder(r) })
	if err != nil {
		return nil, fmt.Errorf("list orders: %w", err)
	}
	ids := make([]string, len(out))
	for i, o := range out {
		ids[i] = o.ID
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
	rows, err := s.pool.Query(ctx, `SELECT t.seat_index FROM tickets t JOIN orders o ON o.id = t.order_id
WHERE t.performance_id = $1 AND t.status = 'live' AND o.status = 'paid' ORDER BY t.seat_index`, perf)
	if err != nil {
		return nil, fmt.Errorf("sold seats of %s: %w", perf, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[uint32])
	if err != nil {
		return nil, fmt.Errorf("sold seats of %s: %w", perf, err)
	}
	return out, nil
}
