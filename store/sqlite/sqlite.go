package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	msqlite "modernc.org/sqlite" // registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/seatmap/seatmap/store"
	"github.com/seatmap/seatmap/store/backend"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is a backend.Store on SQLite. It is safe for concurrent use: writes
// queue for the one write connection, reads share a pool.
type Store struct {
	w *sql.DB // one connection; every write and every transaction
	r *sql.DB // read-only connections for queries outside transactions

	queue      chan *orderRequest // to writeOrders; unbuffered, so none is stranded at Close
	closing    chan struct{}      // closed by Close
	writerDone chan struct{}      // closed when writeOrders returns
	closeOnce  sync.Once

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

// busyTimeout is how long a connection waits for another process's lock
// before it reports "database is locked". Within the process writers never
// meet: they queue for the write connection.
const busyTimeout = 10 * time.Second

// Open opens the database file at path, creating it and its directory when
// missing, and migrates it.
func Open(ctx context.Context, path string) (*Store, error) {
	return OpenWith(ctx, path, Options{})
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, path string, o Options) (*Store, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("open sqlite %q: the path may not contain ? or #", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	pragmas := func(extra ...string) string {
		q := url.Values{}
		q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
		q.Add("_pragma", "foreign_keys(1)")
		for _, p := range extra {
			q.Add("_pragma", p)
		}
		return "file:" + path + "?" + q.Encode()
	}
	// synchronous(FULL): in WAL mode NORMAL may lose the last commits on power
	// loss, and a lost commit here is a ticket a buyer holds that the venue
	// does not know. _txlock=immediate takes the write lock at BEGIN, so a
	// transaction never fails half-way on upgrading a read lock.
	// temp_store(MEMORY): each order of a batch runs in a savepoint, whose
	// sub-journal keeps the first copy of every page it changes; on disk that
	// was a third of an order's CPU in write syscalls (BenchmarkCreateOrder),
	// in memory it is a copy. The sub-journal only ever undoes a savepoint of
	// a live transaction, so it never needs to survive a crash.
	// cache_size: 64 MiB of pages for the one writer (the default 2 MiB is
	// outgrown by a stadium's tickets and their indexes, and every page that
	// falls out is read back with a syscall while the write lock is held).
	w, err := sql.Open("sqlite", pragmas("journal_mode(WAL)", "synchronous(FULL)", "temp_store(MEMORY)", "cache_size(-65536)")+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite", pragmas("query_only(1)"))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	s := &Store{w: w, r: r, queue: make(chan *orderRequest), closing: make(chan struct{}), writerDone: make(chan struct{}), clock: o.Now}
	if err := s.migrate(ctx); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("migrate sqlite %s: %w", path, err)
	}
	go s.writeOrders()
	return s, nil
}

// Close waits for the orders being written and closes the database; the last
// connection to close checkpoints the write-ahead log into the main file.
// Calling it again does nothing.
func (s *Store) Close() {
	s.closeOnce.Do(func() {
		close(s.closing)
		<-s.writerDone
		s.r.Close()
		s.w.Close()
	})
}

const (
	createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    applied_at INTEGER NOT NULL -- unix microseconds
)`
	migrationApplied = `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`
	recordMigration  = `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`
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
	if _, err := s.w.ExecContext(ctx, createMigrationsTable); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	for _, m := range ms {
		if err := s.apply(ctx, m); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}

// apply runs one migration in its own transaction unless it is recorded. The
// transaction begins IMMEDIATE, so another process opening the same file
// waits for it and then finds the migration recorded.
func (s *Store) apply(ctx context.Context, m migration) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var done bool
		if err := tx.QueryRowContext(ctx, migrationApplied, m.version).Scan(&done); err != nil {
			return err
		}
		if done {
			return nil
		}
		if _, err := tx.ExecContext(ctx, m.body); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, recordMigration, m.version, micros(s.now()))
		return err
	})
}

// tx runs f in a transaction on the write connection. f must not use s.w
// itself: the connection is f's until it returns.
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

// now is the store's clock for created and updated times: UTC, and truncated
// to what the INTEGER columns keep, so the value returned equals the value
// read back.
func (s *Store) now() time.Time { return s.clock().UTC().Truncate(time.Microsecond) }

func micros(t time.Time) int64     { return t.UnixMicro() }
func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

// nullMicros stores the zero time as NULL: "no deadline".
func nullMicros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return micros(t)
}

// constraint describes a constraint violation: its kind and, for unique
// violations, the columns SQLite names ("tickets.performance_id,
// tickets.seat_index"), which is all it says about which index it was.
type constraint struct {
	code    int
	columns string
}

func violation(err error) (constraint, bool) {
	var se *msqlite.Error
	if !errors.As(err, &se) {
		return constraint{}, false
	}
	c := constraint{code: se.Code()}
	switch c.code {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		const marker = "UNIQUE constraint failed: "
		msg := se.Error()
		if i := strings.Index(msg, marker); i >= 0 {
			c.columns, _, _ = strings.Cut(msg[i+len(marker):], " (")
		}
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
	default:
		return constraint{}, false
	}
	return c, true
}

func (c constraint) unique() bool {
	return c.code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c.code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

func isUnique(err error) bool {
	c, ok := violation(err)
	return ok && c.unique()
}

// isMissingParent: a foreign key points at a row that does not exist, which
// the caller sees as the parent not being found.
func isMissingParent(err error) bool {
	c, ok := violation(err)
	return ok && c.code == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

type scanner interface{ Scan(dest ...any) error }

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
// Insert and read share a write transaction, so no other writer comes
// between them.
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
