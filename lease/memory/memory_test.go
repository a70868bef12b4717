package memory

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/seatmap/seatmap/lease"
	"github.com/seatmap/seatmap/lease/leasetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeClock is a clock that moves only when told; safe for concurrent use.
type fakeClock struct {
	mu sync.Mutex // guards t
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 3, 1, 19, 30, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestConformance(t *testing.T) {
	leasetest.Run(t, leasetest.Harness{
		New: func(*testing.T) leasetest.Subject {
			c := newClock()
			return leasetest.Subject{Store: New(Options{Now: c.Now}), Now: c.Now, Advance: c.Add}
		},
		Short: 2 * time.Minute,
	})
}

func TestMaxSeatsMatchesSuite(t *testing.T) {
	require.Equal(t, leasetest.MaxSeats, MaxSeats)
}

func TestSaveLoad(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := newClock()
	s := New(Options{Now: c.Now})
	keep := lease.Lease{Performance: "p1", Token: "keep", Owner: "buyer|1", Seats: []uint32{2, 1}, Expires: c.Now().Add(time.Hour)}
	other := lease.Lease{Performance: "p2", Token: "other", Owner: "box office", Seats: []uint32{1}, Expires: c.Now().Add(2 * time.Hour)}
	lapse := lease.Lease{Performance: "p1", Token: "lapse", Owner: "o", Seats: []uint32{3}, Expires: c.Now().Add(time.Minute)}
	gone := lease.Lease{Performance: "p1", Token: "gone", Owner: "o", Seats: []uint32{4}, Expires: c.Now().Add(time.Hour)}
	for _, l := range []lease.Lease{keep, other, lapse, gone} {
		require.NoError(t, s.Acquire(ctx, l))
	}
	require.NoError(t, s.Release(ctx, "p1", "gone"))
	dir := t.TempDir()
	path := filepath.Join(dir, "leases.json")
	require.NoError(t, s.Save(path))
	info, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "tokens are secrets")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary file left behind")

	// The restarted process starts after lapse's deadline.
	c.Add(2 * time.Minute)
	s2 := New(Options{Now: c.Now})
	require.NoError(t, s2.Load(path))
	p1, err := s2.List(ctx, "p1")
	require.NoError(t, err)
	require.Len(t, p1, 1)
	require.Equal(t, "keep", p1[0].Token)
	require.Equal(t, "buyer|1", p1[0].Owner)
	require.Equal(t, []uint32{1, 2}, p1[0].Seats)
	require.True(t, keep.Expires.Equal(p1[0].Expires))
	p2, err := s2.List(ctx, "p2")
	require.NoError(t, err)
	require.Len(t, p2, 1)
	require.Equal(t, "other", p2[0].Token)

	// The loaded leases hold their seats.
	var conflict *lease.ConflictError
	require.ErrorAs(t, s2.Acquire(ctx, lease.Lease{Performance: "p1", Token: "x", Seats: []uint32{2, 3}, Expires: c.Now().Add(time.Hour)}), &conflict)
	require.Equal(t, []uint32{2}, conflict.Seats)

	// Saving again replaces the file.
	require.NoError(t, s2.Release(ctx, "p2", "other"))
	require.NoError(t, s2.Save(path))
	s3 := New(Options{Now: c.Now})
	require.NoError(t, s3.Load(path))
	p2, err = s3.List(ctx, "p2")
	require.NoError(t, err)
	require.Empty(t, p2)
}

func TestSaveEmpty(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "leases.json")
	require.NoError(t, New(Options{}).Save(path))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.JSONEq(t, "[]", string(data))
	require.NoError(t, New(Options{}).Load(path))
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.ErrorIs(t, New(Options{}).Load(filepath.Join(dir, "none.json")), os.ErrNotExist)
	broken := filepath.Join(dir, "broken.json")
	require.NoError(t, os.WriteFile(broken, []byte("{broken"), 0o600))
	require.Error(t, New(Options{}).Load(broken))
	require.Error(t, New(Options{}).Save(filepath.Join(dir, "missing-dir", "leases.json")))
}

// TestLoadSkipsBadEntries keeps what fits of a hand-edited or stale file.
func TestLoadSkipsBadEntries(t *testing.T) {
	t.Parallel()
	c := newClock()
	later := c.Now().Add(time.Hour)
	entries := []fileLease{
		{Performance: "p", Token: "a", Seats: []uint32{1, 2}, Expires: later},
		{Performance: "p", Token: "b", Seats: []uint32{2, 3}, Expires: later}, // overlaps a
		{Performance: "p", Token: "", Seats: []uint32{4}, Expires: later},
		{Performance: "p", Token: "c", Seats: nil, Expires: later},
		{Performance: "p", Token: "d", Seats: []uint32{5}, Expires: later},
	}
	data, err := json.Marshal(entries)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "leases.json")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	s := New(Options{Now: c.Now})
	require.NoError(t, s.Load(path))
	got, err := s.List(t.Context(), "p")
	require.NoError(t, err)
	var tokens []string
	for _, l := range got {
		tokens = append(tokens, l.Token)
	}
	require.ElementsMatch(t, []string{"a", "d"}, tokens)
}

// TestSaveWhileBusy saves while leases change: the race detector watches, and
// the file always holds leases that were live together.
func TestSaveWhileBusy(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := New(Options{})
	path := filepath.Join(t.TempDir(), "leases.json")
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 500 {
				tok := fmt.Sprintf("g%d-%d", g, i)
				if err := s.Acquire(ctx, lease.Lease{Performance: fmt.Sprint("p", i%3), Token: tok, Seats: []uint32{uint32(g*1000 + i)}, Expires: time.Now().Add(time.Hour)}); err != nil {
					t.Error(err)
					return
				}
				if i%2 == 0 {
					if err := s.Release(ctx, fmt.Sprint("p", i%3), tok); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	for range 10 {
		require.NoError(t, s.Save(path))
		require.NoError(t, New(Options{}).Load(path))
	}
	wg.Wait()
	require.NoError(t, s.Save(path))
	s2 := New(Options{})
	require.NoError(t, s2.Load(path))
	n := 0
	for i := range 3 {
		got, err := s2.List(ctx, fmt.Sprint("p", i))
		require.NoError(t, err)
		n += len(got)
	}
	require.Equal(t, 4*250, n)
}

// TestSweep checks that leases which lapse on seats nobody asks for again do
// not pile up.
func TestSweep(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := newClock()
	s := New(Options{Now: c.Now})
	for i := range 10_000 {
		l := lease.Lease{Performance: "p", Token: fmt.Sprint("t", i), Seats: []uint32{uint32(i)}, Expires: c.Now().Add(time.Minute)}
		require.NoError(t, s.Acquire(ctx, l))
		c.Add(time.Second)
	}
	p := s.perf("p", false)
	p.mu.Lock()
	defer p.mu.Unlock()
	require.Less(t, len(p.leases), 200, "about a minute of live leases, at most twice over")
	require.Len(t, p.seats, len(p.leases))
}

// TestListCopiesSeats checks a caller cannot write into the store.
func TestListCopiesSeats(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := New(Options{})
	seats := []uint32{1, 2}
	require.NoError(t, s.Acquire(ctx, lease.Lease{Performance: "p", Token: "a", Seats: seats, Expires: time.Now().Add(time.Hour)}))
	seats[0] = 9
	got, err := s.List(ctx, "p")
	require.NoError(t, err)
	got[0].Seats[1] = 9
	got, err = s.List(ctx, "p")
	require.NoError(t, err)
	require.Equal(t, []uint32{1, 2}, got[0].Seats)
}

func BenchmarkAcquireRelease4(b *testing.B) {
	ctx := context.Background()
	s := New(Options{})
	l := lease.Lease{Performance: "p", Token: "t", Owner: "o", Seats: []uint32{1, 2, 3, 4}, Expires: time.Now().Add(time.Hour)}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Acquire(ctx, l); err != nil {
			b.Fatal(err)
		}
		if err := s.Release(ctx, "p", "t"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAcquireRelease4Parallel spreads goroutines over 64 performances, as
// an on-sale surge spreads over shows.
func BenchmarkAcquireRelease4Parallel(b *testing.B) {
	ctx := context.Background()
	s := New(Options{})
	var next sync.Mutex
	n := 0
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		next.Lock()
		id := n
		n++
		next.Unlock()
		l := lease.Lease{Performance: fmt.Sprint("p", id%64), Token: fmt.Sprint("t", id), Owner: "o", Seats: []uint32{uint32(4 * id), uint32(4*id + 1), uint32(4*id + 2), uint32(4*id + 3)}, Expires: time.Now().Add(time.Hour)}
		for pb.Next() {
			if err := s.Acquire(ctx, l); err != nil {
				b.Error(err)
				return
			}
			if err := s.Release(ctx, l.Performance, l.Token); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
