// Package memory keeps hold leases in process: the embedded default. A store
// made by Open journals every change to a file before the call returns, so the
// leases survive a crash of the process (see journal.go); one made by New
// keeps them only in memory.
package memory

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/seatmap/seatmap/lease"
)

// MaxSeats bounds the seats of one lease, as lease/redis does.
const MaxSeats = 1000

// Options configure a Store.
type Options struct {
	// Now is the clock that decides expiry; nil means time.Now.
	Now func() time.Time
	// SyncInterval is how far the journal's fsync may lag behind its writes
	// (Open only); default 1 s. See journal.go for what a power cut loses.
	SyncInterval time.Duration
	// Logger reports journal trouble (Open only); nil means slog.Default().
	Logger *slog.Logger

	// compactAt overrides minCompact, for tests.
	compactAt int64
}

// Store is an in-process lease store, safe for concurrent use. Each
// performance has its own lock; finding a performance takes none.
//
// Lock order: addMu, then a perf's mu (several only in compaction, which alone
// holds more than one), then the journal's mu.
type Store struct {
	now   func() time.Time
	perfs sync.Map   // performance id → *perf; entries stay for the process's life
	addMu sync.Mutex // held while a performance is added, so a compaction sees them all
	j     *journal   // nil for a store made by New
}

// perf holds the leases of one performance. A lease past its deadline counts
// as absent everywhere; it is removed when next touched, or by a sweep.
type perf struct {
	mu      sync.Mutex             // guards the fields below
	seats   map[uint32]string      // seat → token of the lease holding it
	leases  map[string]lease.Lease // token → lease; Seats ascending, never modified
	sweepAt int                    // sweep lapsed leases when leases reaches this size
}

// minSweep keeps sweeps rare while a performance has few leases.
const minSweep = 64

// New returns an empty store.
func New(opts Options) *Store {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Store{now: opts.Now}
}

// perf returns the leases of id, nil when it has none and create is false.
func (s *Store) perf(id string, create bool) *perf {
	if p, ok := s.perfs.Load(id); ok {
		return p.(*perf)
	}
	if !create {
		return nil
	}
	s.addMu.Lock()
	defer s.addMu.Unlock()
	p, _ := s.perfs.LoadOrStore(id, &perf{seats: map[uint32]string{}, leases: map[string]lease.Lease{}, sweepAt: minSweep})
	return p.(*perf)
}

// live returns the lease of token if it has not lapsed, removing it otherwise.
// The caller holds p.mu.
func (p *perf) live(token string, now time.Time) (lease.Lease, bool) {
	l, ok := p.leases[token]
	if !ok {
		return lease.Lease{}, false
	}
	if !l.Expires.After(now) {
		p.drop(l)
		return lease.Lease{}, false
	}
	return l, true
}

// drop removes l and frees its seats. The caller holds p.mu.
func (p *perf) drop(l lease.Lease) {
	for _, seat := range l.Seats {
		if p.seats[seat] == l.Token {
			delete(p.seats, seat)
		}
	}
	delete(p.leases, l.Token)
}

// sweep removes lapsed leases whenever their number doubles: leases that lapse
// without a Release, on seats nobody asks for again, would stay otherwise.
// The caller holds p.mu.
func (p *perf) sweep(now time.Time) {
	if len(p.leases) < p.sweepAt {
		return
	}
	for _, l := range p.leases {
		if !l.Expires.After(now) {
			p.drop(l)
		}
	}
	p.sweepAt = max(2*len(p.leases), minSweep)
}

func check(perf, token string) error {
	switch {
	case perf == "":
		return fmt.Errorf("performance is empty: %w", lease.ErrInvalid)
	case token == "":
		return fmt.Errorf("token is empty: %w", lease.ErrInvalid)
	}
	return nil
}

func checkDeadline(t, now time.Time) error {
	if !t.After(now) {
		return fmt.Errorf("deadline %s is not in the future: %w", t.Format(time.RFC3339Nano), lease.ErrInvalid)
	}
	return nil
}

// sortedSeats returns the seats ascending in a new slice, refusing an empty
// list, a long one and repeats.
func sortedSeats(seats []uint32) ([]uint32, error) {
	switch {
	case len(seats) == 0:
		return nil, fmt.Errorf("no seats: %w", lease.ErrInvalid)
	case len(seats) > MaxSeats:
		return nil, fmt.Errorf("%d seats, at most %d: %w", len(seats), MaxSeats, lease.ErrInvalid)
	}
	out := slices.Clone(seats)
	slices.Sort(out)
	for i := 1; i < len(out); i++ {
		if out[i] == out[i-1] {
			return nil, fmt.Errorf("seat %d listed twice: %w", out[i], lease.ErrInvalid)
		}
	}
	return out, nil
}

// Acquire takes every seat of l or none.
func (s *Store) Acquire(ctx context.Context, l lease.Lease) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("acquire lease of %s: %w", l.Performance, err)
	}
	if err := check(l.Performance, l.Token); err != nil {
		return err
	}
	seats, err := sortedSeats(l.Seats)
	if err != nil {
		return err
	}
	now := s.now()
	if err := checkDeadline(l.Expires, now); err != nil {
		return err
	}
	p := s.perf(l.Performance, true)
	p.mu.Lock()
	defer p.mu.Unlock()
	var taken []uint32
	var holders []string
	for _, seat := range seats {
		tok, ok := p.seats[seat]
		if !ok || tok == l.Token {
			continue
		}
		if _, live := p.live(tok, now); live {
			taken = append(taken, seat) // ascending, as seats are
			holders = append(holders, tok)
		}
	}
	if taken != nil {
		return &lease.ConflictError{Seats: taken, Tokens: holders}
	}
	l.Seats = seats
	// Journaled before it takes effect, under the performance's lock, so the
	// journal's order is the state's; a failed write changes nothing.
	if err := s.j.acquire(l); err != nil {
		return fmt.Errorf("acquire lease of %s: %w", l.Performance, err)
	}
	if old, ok := p.leases[l.Token]; ok {
		p.drop(old)
	}
	for _, seat := range seats {
		p.seats[seat] = l.Token
	}
	p.leases[l.Token] = l
	p.sweep(now)
	return nil
}

// Extend moves a live lease's deadline.
func (s *Store) Extend(ctx context.Context, performance, token string, expires time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("extend lease of %s: %w", performance, err)
	}
	if err := check(performance, token); err != nil {
		return err
	}
	now := s.now()
	if err := checkDeadline(expires, now); err != nil {
		return err
	}
	p := s.perf(performance, false)
	if p == nil {
		return fmt.Errorf("extend lease of %s: %w", performance, lease.ErrNotFound)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	l, ok := p.live(token, now)
	if !ok {
		return fmt.Errorf("extend lease of %s: %w", performance, lease.ErrNotFound)
	}
	if err := s.j.extend(performance, token, expires); err != nil {
		return fmt.Errorf("extend lease of %s: %w", performance, err)
	}
	l.Expires = expires
	p.leases[token] = l
	return nil
}

// Release drops a lease; a missing one is not an error.
func (s *Store) Release(ctx context.Context, performance, token string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("release lease of %s: %w", performance, err)
	}
	if err := check(performance, token); err != nil {
		return err
	}
	p := s.perf(performance, false)
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	l, ok := p.leases[token]
	if !ok {
		return nil
	}
	// A lapsed lease needs no record: a replay drops it by its deadline.
	if s.j != nil && l.Expires.After(s.now()) {
		if err := s.j.release(performance, token); err != nil {
			return fmt.Errorf("release lease of %s: %w", performance, err)
		}
	}
	p.drop(l)
	return nil
}

// List returns the live leases of a performance.
func (s *Store) List(ctx context.Context, performance string) ([]lease.Lease, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list leases of %s: %w", performance, err)
	}
	if performance == "" {
		return nil, fmt.Errorf("performance is empty: %w", lease.ErrInvalid)
	}
	p := s.perf(performance, false)
	if p == nil {
		return nil, nil
	}
	now := s.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []lease.Lease
	for tok := range p.leases {
		if l, ok := p.live(tok, now); ok {
			l.Seats = slices.Clone(l.Seats) // the caller may write to it
			out = append(out, l)
		}
	}
	return out, nil
}

// Ping reports a journal that takes no more records (closed, or damaged until
// a compaction succeeds); a store without one always answers.
func (s *Store) Ping(context.Context) error { return s.j.health() }

// Classify marks the journal's failures (it could not write: a full or
// failing disk, or the store is closed) as unavailability; every other error
// is an answer: the store itself is in process.
func (s *Store) Classify(err error) error {
	if errors.Is(err, errJournal) && !errors.Is(err, lease.ErrUnavailable) {
		return fmt.Errorf("%w: %w", lease.ErrUnavailable, err)
	}
	return err
}
