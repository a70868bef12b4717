package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/seatmap/seatmap/store"
	"github.com/seatmap/seatmap/store/backend"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is a backend.Store on PostgreSQL. It is safe for concurrent use; the
// pool serialises nothing, the database does. New orders queue for the order
// writers, which commit them in batches (see writeOrders).
type Store struct {
	pool *pgxpool.Pool

	queue     chan *orderRequest // to the writers; unbuffered, so none is stranded at Close
	closing   chan struct{}      // closed by Close
	writers   sync.WaitGroup     // the writers running
	closeOnce sync.Once
	stats     batchStats

	clock func() time.Time // Options.Now
}

// Options configure a Store. Zero values take the defaults.
type Options struct {
	// Now is the clock of the times the store writes itself (created,
	// updated, queued, refunded; expired sessions are cleared by it); nil:
	// time.Now. Times a caller passes in are stored as given.
	Now func() time.Time
}

var _ backend.Store = (*Store)(nil)

// minConns is the pool size Open asks for unless the DSN sets pool_max_conns:
// pgxpool's default (the CPU count, at least 4) makes an on-sale surge queue
// for connections on small machines while Postgres itself is idle.
const minConns = 16

// Open connects to dsn (a postgres:// URL or key=value string) and migrates the
// schema. Unknown DSN parameters such as search_path are passed to the server
// as run-time parameters, which is how tests give each store its own schema.
func Open(ctx context.Context, dsn string) (*Store, error) {
	return OpenWith(ctx, dsn, Options{})
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, dsn string, o Options) (*Store, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	if !strings.Contains(dsn, "pool_max_conns") && cfg.MaxConns < minConns {
		cfg.MaxConns = minConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	s := &Store{pool: pool, queue: make(chan *orderRequest), closing: make(chan struct{}), clock: o.Now}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("migrate postgres: %w", err)
	}
	for range max(1, min(maxOrderWriters, int(cfg.MaxConns)/2)) {
		s.writers.Go(s.writeOrders)
	}
	return s, nil
}

// Close waits for the order writers to answer the orders they took and closes
// the pool, which waits for connections in use to be returned. Orders that
// arrive later are refused. Calling it again does nothing.
func (s *Store) Close() {
	s.closeOnce.Do(func() {
		close(s.closing)
		s.writers.Wait()
		s.pool.Close()
	})
}

// Pool exposes the pool to adapter tests and operator tools, which need SQL
// the backend.Store interface does not offer.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

const (
	// The lock key includes the schema, so stores in other schemas of the same
	// database (tests, tenants) do not wait for each other's migrations.
	lockMigrations        = `SELECT pg_advisory_xact_lock(hashtext('seatmap.migrate.' || coalesce(current_schema(), '')))`
	createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    applied_at timestamptz NOT NULL
)`
	migrationApplied = `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`
	recordMigration  = `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, now())`
)

type migration struct {
	version int
	name    string
	body    string
}

// readMigrations returns the embedded migrations by version. Their names
// start with the version: 0001_init.sql.
func readMigrations() ([]migration, error) {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	out := make([]migration, 0, len(names))
	for _, name := range names {
		m := migration{name: path.Base(name)}
		if _, err := fmt.Sscanf(m.name, "%04d_", &m.version); err != nil || m.version <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive number", m.name)
		}
		if len(out) > 0 && out[len(out)-1].version == m.version {
			return nil, fmt.Errorf("migrations %s and %s share a version", out[len(out)-1].name, m.name)
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return nil, err
		}
		m.body = string(body)
		out = append(out, m)
	}
	return out, nil
}

func (s *Store) migrate(ctx context.Context) error {
	ms, err := readMigrations()
	if err != nil {
		return err
	}
	// Under the lock, because two sessions racing on CREATE TABLE IF NOT EXISTS
	// can still collide in the catalog.
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lockMigrations); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, createMigrationsTable)
		return err
	})
	if err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	for _, m := range ms {
		if err := s.apply(ctx, m); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}

// apply runs one migration in its own transaction under the advisory lock, so
// nodes starting together apply it once and a failed migration leaves nothing.
func (s *Store) apply(ctx context.Context, m migration) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lockMigrations); err != nil {
			return err
		}
		var done bool
		if err := tx.QueryRow(ctx, migrationApplied, m.version).Scan(&done); err != nil {
			return err
		}
		if done {
			return nil
		}
		if _, err := tx.Exec(ctx, m.body); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, recordMigration, m.version)
		return err
	})
}

// now is the store's clock for created and updated times: UTC, and truncated
// to what timestamptz keeps, so the value returned equals the value read back.
func (s *Store) now() time.Time { return s.clock().UTC().Truncate(time.Microsecond) }

// nullTime stores the zero time as NULL: "no deadline", "unbounded".
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// bound is t as a query bound, or the given infinity when t is zero: an
// unbounded filter is then one more range condition that an index can use.
func bound(t time.Time, inf pgtype.InfinityModifier) pgtype.Timestamptz {
	if t.IsZero() {
		return pgtype.Timestamptz{InfinityModifier: inf, Valid: true}
	}
	return pgtype.Timestamptz{Time: t, Valid: true}
}

func utc(t *time.Time) { *t = t.UTC() }

// SQLSTATE codes the adapter translates.
const (
	codeUniqueViolation     = "23505"
	codeForeignKeyViolation = "23503"
	codeNotNullViolation    = "23502"
)

// violation returns the constraint a write violated, if err is a violation of
// the given class.
func violation(err error, code string) (constraint string, ok bool) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == code {
		return pe.ConstraintName, true
	}
	return "", false
}

func isUnique(err error) bool {
	_, ok := violation(err, codeUniqueViolation)
	return ok
}

// isMissingParent: a foreign key points at a row that does not exist, which
// the caller sees as the parent not being found.
func isMissingParent(err error) bool {
	_, ok := violation(err, codeForeignKeyViolation)
	return ok
}

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping postgres: %w", err)
	}
	return nil
}

const (
	selectSetting = `SELECT value FROM settings WHERE key = $1`
	// The no-op update makes RETURNING yield the row that won on conflict, in
	// one statement; DO NOTHING would return no row and need a second query.
	initSetting = `INSERT INTO settings (key, value) VALUES ($1, $2)
ON CONFLICT (key) DO UPDATE SET value = settings.value
RETURNING value`
)

// Setting returns a setting.
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := s.pool.QueryRow(ctx, selectSetting, key).Scan(&v)
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
	if err := s.pool.QueryRow(ctx, initSetting, key, value).Scan(&v); err != nil {
		return "", fmt.Errorf("init setting %s: %w", key, err)
	}
	return v, nil
}
