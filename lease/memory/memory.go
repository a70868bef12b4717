// Package memory keeps hold leases in process: the embedded default. Save and
// Load carry live leases across a graceful restart in a JSON file.
package memory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/seatmap/seatmap/lease"
)

// MaxSeats bounds the seats of one lease.
const MaxSeats = 1000

// Options configure a Store.
type Options struct {
	// Now is the clock that decides expiry; nil means time.Now.
	Now func() time.Time
}

// Store is an in-process lease store, safe for concurrent use. Each performance
// has its own lock; the map of performances is guarded separately.
type Store struct {
	now func() time.Time

	mu    sync.RWMutex // guards perfs
	perfs map[string]*perf
}

type perf struct {
	mu     sync.Mutex // guards the fields below
	seats  map[uint32]string
	leases map[string]lease.Lease
}

// New returns an empty store.
func New(o Options) *Store {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Store{now: o.Now, perfs: map[string]*perf{}}
}

func (s *Store) perf(id string) *perf {
	s.mu.RLock()
	p := s.perfs[id]
	s.mu.RUnlock()
	if p != nil {
		return p
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p = s.perfs[id]; p == nil {
		p = &perf{seats: map[uint32]string{}, leases: map[string]lease.Lease{}}
		s.perfs[id] = p
	}
	return p
}

// live returns the lease of token if it has not expired, pruning it otherwise.
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

func (p *perf) drop(l lease.Lease) {
	for _, seat := range l.Seats {
		if p.seats[seat] == l.Token {
			delete(p.seats, seat)
		}
	}
	delete(p.leases, l.Token)
}

func validate(l lease.Lease, now time.Time) error {
	switch {
	case l.Performance == "":
		return errors.New("lease: empty performance")
	case l.Token == "":
		return errors.New("lease: empty token")
	case len(l.Seats) == 0:
		return errors.New("lease: no seats")
	case len(l.Seats) > MaxSeats:
		return fmt.Errorf("lease: %d seats is more than %d", len(l.Seats), MaxSeats)
	case !l.Expires.After(now):
		return fmt.Errorf("lease: deadline %s is not in the future", l.Expires.Format(time.RFC3339Nano))
	}
	return nil
}

// Acquire takes every seat of l or none.
func (s *Store) Acquire(_ context.Context, l lease.Lease) error {
	now := s.now()
	if err := validate(l, now); err != nil {
		return err
	}
	p := s.perf(l.Performance)
	p.mu.Lock()
	defer p.mu.Unlock()
	var conflict []uint32
	for _, seat := range l.Seats {
		tok, ok := p.seats[seat]
		if !ok || tok == l.Token {
			continue
		}
		if _, live := p.live(tok, now); live {
			conflict = append(conflict, seat)
		}
	}
	if conflict != nil {
		slices.Sort(conflict)
		return &lease.ConflictError{Seats: slices.Compact(conflict)}
	}
	if old, ok := p.leases[l.Token]; ok {
		p.drop(old)
	}
	l.Seats = slices.Clone(l.Seats)
	for _, seat := range l.Seats {
		p.seats[seat] = l.Token
	}
	p.leases[l.Token] = l
	return nil
}

// Extend moves a live lease's deadline.
func (s *Store) Extend(_ context.Context, performance, token string, expires time.Time) error {
	now := s.now()
	if !expires.After(now) {
		return fmt.Errorf("lease: deadline %s is not in the future", expires.Format(time.RFC3339Nano))
	}
	p := s.perf(performance)
	p.mu.Lock()
	defer p.mu.Unlock()
	l, ok := p.live(token, now)
	if !ok {
		return fmt.Errorf("extend lease: %w", lease.ErrNotFound)
	}
	l.Expires = expires
	p.leases[token] = l
	return nil
}

// Release drops a lease; a missing one is not an error.
func (s *Store) Release(_ context.Context, performance, token string) error {
	p := s.perf(performance)
	p.mu.Lock()
	defer p.mu.Unlock()
	if l, ok := p.leases[token]; ok {
		p.drop(l)
	}
	return nil
}

// List returns the live leases of a performance.
func (s *Store) List(_ context.Context, performance string) ([]lease.Lease, error) {
	now := s.now()
	p := s.perf(performance)
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]lease.Lease, 0, len(p.leases))
	for tok := range p.leases {
		if l, ok := p.live(tok, now); ok {
			l.Seats = slices.Clone(l.Seats)
			out = append(out, l)
		}
	}
	return out, nil
}

// Ping always succeeds: the store is in process.
func (s *Store) Ping(context.Context) error { return nil }

type fileLease struct {
	Performance string    `json:"performance"`
	Token       string    `json:"token"`
	Owner       string    `json:"owner"`
	Seats       []uint32  `json:"seats"`
	Expires     time.Time `json:"expires"`
}

// Save writes the live leases to path atomically (a temporary file renamed into
// place), readable only by the owner: tokens are secrets.
func (s *Store) Save(path string) error {
	now := s.now()
	var all []fileLease
	s.mu.RLock()
	perfs := make([]*perf, 0, len(s.perfs))
	for _, p := range s.perfs {
		perfs = append(perfs, p)
	}
	s.mu.RUnlock()
	for _, p := range perfs {
		p.mu.Lock()
		for _, l := range p.leases {
			if l.Expires.After(now) {
				all = append(all, fileLease(l))
			}
		}
		p.mu.Unlock()
	}
	data, err := json.Marshal(all)
	if err != nil {
		return fmt.Errorf("save leases: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".leases-*")
	if err != nil {
		return fmt.Errorf("save leases: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("save leases: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("save leases: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save leases: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save leases: %w", err)
	}
	return nil
}

// Load adds the live leases saved at path, skipping expired and conflicting
// ones. A missing file gives an error matching os.ErrNotExist.
func (s *Store) Load(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("load leases: %w", err)
	}
	var all []fileLease
	if err := json.Unmarshal(data, &all); err != nil {
		return fmt.Errorf("load leases from %s: %w", path, err)
	}
	now := s.now()
	for _, fl := range all {
		l := lease.Lease(fl)
		if !l.Expires.After(now) {
			continue
		}
		// A lease that no longer fits (overlapping, malformed) is dropped: the
		// engine rebuild would refuse it anyway.
		_ = s.Acquire(context.Background(), l)
	}
	return nil
}
