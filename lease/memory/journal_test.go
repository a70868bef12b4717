package memory

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/internal/testkit"
	"github.com/seatmap/seatmap/lease"
	"github.com/seatmap/seatmap/lease/leasetest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// open opens a journaled store on dir with clock c, closed when the test ends
// unless crash ended it first.
func open(t *testing.T, dir string, c *testkit.Clock, opts ...func(*Options)) *Store {
	t.Helper()
	o := Options{Now: c.Now, Logger: quiet}
	for _, f := range opts {
		f(&o)
	}
	s, err := Open(dir, o)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

// crash ends s as kill -9 would: the journal's goroutine stops, and its file
// and lock are closed without an fsync, so the journal holds exactly what
// was written to it. Later calls on s fail.
func crash(s *Store) {
	j := s.j
	j.once.Do(func() { close(j.stop) })
	<-j.done
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.closed {
		j.closed = true
		j.f.Close()
		j.lock.Close()
	}
}

// dump is every live lease of s by performance and token, seats ascending.
func dump(s *Store) map[string]lease.Lease {
	now := s.now()
	out := map[string]lease.Lease{}
	s.perfs.Range(func(_, v any) bool {
		p := v.(*perf)
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, l := range p.leases {
			if l.Expires.After(now) {
				l.Expires = l.Expires.UTC()
				out[l.Performance+"/"+l.Token] = l
			}
		}
		return true
	})
	return out
}

// journals lists the journal files in dir.
func journals(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "leases-*.journal"))
	require.NoError(t, err)
	return files
}

// TestConformanceJournaled runs the suite on a journaled store, and at the end
// of every case crashes it and replays the journal: the replayed store holds
// exactly the live leases the crashed one held.
func TestConformanceJournaled(t *testing.T) {
	leasetest.Run(t, leasetest.Harness{
		New: func(t *testing.T) leasetest.Subject {
			c := newClock()
			dir := t.TempDir()
			s, err := Open(dir, Options{Now: c.Now, Logger: quiet})
			require.NoError(t, err)
			t.Cleanup(func() {
				before := dump(s)
				crash(s)
				again, err := Open(dir, Options{Now: c.Now, Logger: quiet})
				require.NoError(t, err)
				defer again.Close()
				require.Equal(t, before, dump(again), "the journal replays to the state before the crash")
			})
			return leasetest.Subject{Store: s, Now: c.Now, Advance: c.Add}
		},
		Short: 2 * time.Minute,
	})
}

// TestJournalReplay crashes a store after acquires, replacements, extensions
// and releases, then again after more changes on the replayed store: every
// acknowledged lease is back with its owner, seats and deadline, and no
// released, replaced or lapsed one ever is.
func TestJournalReplay(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := newClock()
	dir := t.TempDir()
	s := open(t, dir, c)
	in := func(d time.Duration) time.Time { return c.Now().Add(d) }
	keep := lease.Lease{Performance: "p1", Token: "keep", Owner: "buyer|1", Seats: []uint32{2, 1, 70_000}, Expires: in(time.Hour)}
	other := lease.Lease{Performance: "p2", Token: "other", Owner: "staff:desk", Seats: []uint32{1}, Expires: in(2 * time.Hour)}
	lapse := lease.Lease{Performance: "p1", Token: "lapse", Owner: "o", Seats: []uint32{3}, Expires: in(time.Minute)}
	gone := lease.Lease{Performance: "p1", Token: "gone", Owner: "o", Seats: []uint32{4}, Expires: in(time.Hour)}
	moved := lease.Lease{Performance: "p1", Token: "moved", Owner: "o", Seats: []uint32{5, 6}, Expires: in(time.Minute)}
	for _, l := range []lease.Lease{keep, other, lapse, gone, moved} {
		require.NoError(t, s.Acquire(ctx, l))
	}
	require.NoError(t, s.Release(ctx, "p1", "gone"))
	require.NoError(t, s.Extend(ctx, "p1", "moved", in(3*time.Hour)))
	moved.Expires = in(3 * time.Hour)
	replaced := moved
	replaced.Seats = []uint32{6, 7}
	require.NoError(t, s.Acquire(ctx, replaced))
	crash(s)

	// The restart comes after lapse's deadline.
	c.Add(2 * time.Minute)
	s2 := open(t, dir, c)
	got := dump(s2)
	require.ElementsMatch(t, []string{"p1/keep", "p2/other", "p1/moved"}, slices.Collect(maps.Keys(got)))
	require.Equal(t, "buyer|1", got["p1/keep"].Owner)
	require.Equal(t, []uint32{1, 2, 70_000}, got["p1/keep"].Seats)
	require.True(t, keep.Expires.Equal(got["p1/keep"].Expires))
	require.Equal(t, []uint32{6, 7}, got["p1/moved"].Seats)
	require.True(t, moved.Expires.Equal(got["p1/moved"].Expires))
	var conflict *lease.ConflictError
	require.ErrorAs(t, s2.Acquire(ctx, lease.Lease{Performance: "p1", Token: "x", Seats: []uint32{2, 3, 4, 5, 6}, Expires: in(time.Hour)}), &conflict)
	require.Equal(t, []uint32{2, 6}, conflict.Seats, "replayed leases hold their seats; released, lapsed and given-up ones do not")

	// One generation on disk, readable by its owner only: tokens are secrets.
	files := journals(t, dir)
	require.Len(t, files, 1)
	info, err := os.Stat(files[0])
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	// Released after the restart, then a second crash: it stays released.
	require.NoError(t, s2.Release(ctx, "p1", "keep"))
	crash(s2)
	s3 := open(t, dir, c)
	require.ElementsMatch(t, []string{"p2/other", "p1/moved"}, slices.Collect(maps.Keys(dump(s3))))
}

// TestJournalTornTail cuts the journal inside its last record at every byte,
// as a crash mid-write could: the replay keeps every record before it.
func TestJournalTornTail(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := newClock()
	dir := t.TempDir()
	s := open(t, dir, c)
	a := lease.Lease{Performance: "p", Token: "a", Owner: "o", Seats: []uint32{1, 2}, Expires: c.Now().Add(time.Hour)}
	b := lease.Lease{Performance: "p", Token: "b", Owner: "o", Seats: []uint32{3}, Expires: c.Now().Add(time.Hour)}
	require.NoError(t, s.Acquire(ctx, a))
	require.NoError(t, s.Acquire(ctx, b))
	path := journals(t, dir)[0]
	before, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, s.Release(ctx, "p", "a"))
	crash(s)
	full, err := os.ReadFile(path)
	require.NoError(t, err)
	last := len(full) - len(before)
	require.Positive(t, last)

	for cut := range last {
		torn := filepath.Join(t.TempDir(), filepath.Base(path))
		require.NoError(t, os.WriteFile(torn, full[:len(before)+cut], 0o600))
		r, err := replay(torn, 1)
		require.NoError(t, err)
		require.True(t, r.whole)
		require.Equal(t, cut, r.torn)
		require.Len(t, r.leases, 2, "cut %d bytes into the release: a is still leased", cut)
	}
	// Garbage after whole records (a reused block, a partial page) is no record.
	junk := filepath.Join(t.TempDir(), filepath.Base(path))
	require.NoError(t, os.WriteFile(junk, append(slices.Clone(full), 0x09, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef, 'R', 1, 'p'), 0o600))
	r, err := replay(junk, 1)
	require.NoError(t, err)
	require.Len(t, r.leases, 1)
	require.Equal(t, "b", r.leases[0].Token)

	// A store opened on a torn file keeps what is whole and starts a clean one.
	require.NoError(t, os.WriteFile(path, full[:len(full)-1], 0o600))
	s2 := open(t, dir, c)
	require.ElementsMatch(t, []string{"p/a", "p/b"}, slices.Collect(maps.Keys(dump(s2))))
	require.NoError(t, s2.Release(ctx, "p", "a"))
	crash(s2)
	s3 := open(t, dir, c)
	require.ElementsMatch(t, []string{"p/b"}, slices.Collect(maps.Keys(dump(s3))))
}

// TestJournalFallsBackToWholeGeneration finds a newer generation whose
// snapshot is cut short (a power cut before it was synced): the older
// generation, whole up to the switch, is replayed instead.
func TestJournalFallsBackToWholeGeneration(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := newClock()
	dir := t.TempDir()
	s := open(t, dir, c)
	require.NoError(t, s.Acquire(ctx, lease.Lease{Performance: "p", Token: "a", Seats: []uint32{1}, Expires: c.Now().Add(time.Hour)}))
	gen := s.j.gen
	crash(s)

	// The next generation's header and half of a snapshot record.
	next := appendFrame(nil, func(b []byte) []byte {
		b = append(b, recHeader)
		b = appendString(b, journalMagic)
		return binary.AppendUvarint(b, gen+1)
	})
	rec := appendFrame(nil, func(b []byte) []byte {
		return appendAcquire(b, lease.Lease{Performance: "p", Token: "a", Seats: []uint32{1}, Expires: c.Now().Add(time.Hour)})
	})
	next = append(next, rec[:len(rec)/2]...)
	require.NoError(t, os.WriteFile(filepath.Join(dir, fmt.Sprintf("leases-%010d.journal", gen+1)), next, 0o600))

	s2 := open(t, dir, c)
	require.Contains(t, dump(s2), "p/a")
	files := journals(t, dir)
	require.Len(t, files, 1, "older and incomplete generations are removed once a new one is written")
	require.Equal(t, filepath.Join(dir, fmt.Sprintf("leases-%010d.journal", gen+2)), files[0])
}

// TestJournalCompaction writes far more records than live leases from many
// goroutines, so that generations follow each other while leases change: the
// files stay small, and a crash at the end replays to the live leases.
func TestJournalCompaction(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := newClock()
	dir := t.TempDir()
	s := open(t, dir, c, func(o *Options) { o.compactAt = 16 << 10 })
	const workers, rounds = 8, 2000
	var wg sync.WaitGroup
	for g := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			perf := fmt.Sprint("p", g%3)
			for i := range rounds {
				tok := fmt.Sprintf("g%d-%d", g, i)
				seat := uint32(g*rounds + i)
				if err := s.Acquire(ctx, lease.Lease{Performance: perf, Token: tok, Owner: "o", Seats: []uint32{seat}, Expires: c.Now().Add(time.Hour)}); err != nil {
					t.Error(err)
					return
				}
				if rng.IntN(10) == 0 {
					continue // kept
				}
				var err error
				if rng.IntN(2) == 0 {
					err = s.Extend(ctx, perf, tok, c.Now().Add(2*time.Hour))
				}
				if err == nil {
					err = s.Release(ctx, perf, tok)
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	require.Eventually(t, func() bool {
		s.j.mu.Lock()
		defer s.j.mu.Unlock()
		return s.j.size < s.j.compactAt
	}, 10*time.Second, 10*time.Millisecond, "the journal is compacted below its threshold")
	s.j.mu.Lock()
	gen := s.j.gen // a compaction kicked before the last append may still run
	s.j.mu.Unlock()
	require.Greater(t, gen, uint64(5), "many generations were begun")
	require.LessOrEqual(t, len(journals(t, dir)), 2)
	before := dump(s)
	require.NotEmpty(t, before)
	crash(s)
	s2 := open(t, dir, c)
	require.Equal(t, before, dump(s2))
}

// TestJournalMigratesLegacyFile reads the leases.json of earlier versions
// once, keeping what fits, and removes it: a lease released afterwards does
// not come back from it after a crash.
func TestJournalMigratesLegacyFile(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := newClock()
	dir := t.TempDir()
	later := c.Now().Add(time.Hour)
	entries := []legacyLease{
		{Performance: "p", Token: "a", Seats: []uint32{1, 2}, Expires: later},
		{Performance: "p", Token: "b", Seats: []uint32{2, 3}, Expires: later}, // overlaps a
		{Performance: "p", Token: "", Seats: []uint32{4}, Expires: later},
		{Performance: "p", Token: "c", Seats: nil, Expires: later},
		{Performance: "p", Token: "d", Seats: []uint32{5}, Expires: later},
		{Performance: "p", Token: "lapsed", Seats: []uint32{6}, Expires: c.Now().Add(-time.Minute)},
	}
	data, err := json.Marshal(entries)
	require.NoError(t, err)
	legacy := filepath.Join(dir, legacyFile)
	require.NoError(t, os.WriteFile(legacy, data, 0o600))

	s := open(t, dir, c)
	require.ElementsMatch(t, []string{"p/a", "p/d"}, slices.Collect(maps.Keys(dump(s))))
	require.NoFileExists(t, legacy)
	require.NoError(t, s.Release(ctx, "p", "a"))
	crash(s)
	s2 := open(t, dir, c)
	require.ElementsMatch(t, []string{"p/d"}, slices.Collect(maps.Keys(dump(s2))))

	// A leases.json found beside a journal is older than it: removed unread.
	require.NoError(t, os.WriteFile(legacy, data, 0o600))
	crash(s2)
	s3 := open(t, dir, c)
	require.ElementsMatch(t, []string{"p/d"}, slices.Collect(maps.Keys(dump(s3))))
	require.NoFileExists(t, legacy)

	broken := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(broken, legacyFile), []byte("{broken"), 0o600))
	_, err = Open(broken, Options{Logger: quiet})
	require.Error(t, err, "a legacy file that cannot be read is not silently dropped")
}

// TestJournalOneProcessPerDirectory refuses a second store on a directory in
// use: it would compact the first one's journal away.
func TestJournalOneProcessPerDirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, err := Open(dir, Options{Logger: quiet})
	require.NoError(t, err)
	_, err = Open(dir, Options{Logger: quiet})
	require.ErrorContains(t, err, "in use by another process")
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "closing twice is fine")
	s2, err := Open(dir, Options{Logger: quiet})
	require.NoError(t, err)
	require.NoError(t, s2.Close())
}

// TestJournalWriteFailure makes the journal's writes fail: every change is
// refused and changes nothing, Ping says so once the file is damaged, and a
// new generation brings the store back.
func TestJournalWriteFailure(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := newClock()
	dir := t.TempDir()
	s := open(t, dir, c)
	a := lease.Lease{Performance: "p", Token: "a", Seats: []uint32{1}, Expires: c.Now().Add(time.Hour)}
	require.NoError(t, s.Acquire(ctx, a))

	// Writes to a file opened for reading fail, as on a full or failing disk.
	s.j.mu.Lock()
	good := s.j.f
	ro, err := os.Open(good.Name())
	require.NoError(t, err)
	s.j.f = ro
	s.j.mu.Unlock()
	err = s.Acquire(ctx, lease.Lease{Performance: "p", Token: "b", Seats: []uint32{2}, Expires: c.Now().Add(time.Hour)})
	require.Error(t, err)
	require.ErrorIs(t, s.Classify(err), lease.ErrUnavailable, "a disk that fails is unavailability: the breaker counts it")
	require.NotErrorIs(t, s.Classify(&lease.ConflictError{}), lease.ErrUnavailable, "an answer is not")
	require.Error(t, s.Extend(ctx, "p", "a", c.Now().Add(2*time.Hour)))
	require.Error(t, s.Release(ctx, "p", "a"))
	require.Equal(t, map[string]lease.Lease{"p/a": {Performance: "p", Token: "a", Seats: []uint32{1}, Expires: a.Expires.UTC()}}, dump(s), "a refused change changes nothing")

	s.j.mu.Lock()
	s.j.f = good
	s.j.mu.Unlock()
	ro.Close()
	require.NoError(t, s.compact())
	require.NoError(t, s.Ping(ctx))
	require.NoError(t, s.Release(ctx, "p", "a"))
	crash(s)
	s2 := open(t, dir, c)
	require.Empty(t, dump(s2))
}

// TestJournalClosed refuses changes after Close.
func TestJournalClosed(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, err := Open(t.TempDir(), Options{Logger: quiet})
	require.NoError(t, err)
	require.NoError(t, s.Ping(ctx))
	require.NoError(t, s.Close())
	require.ErrorIs(t, s.Acquire(ctx, lease.Lease{Performance: "p", Token: "a", Seats: []uint32{1}, Expires: time.Now().Add(time.Hour)}), errClosed)
	require.ErrorIs(t, s.Ping(ctx), errClosed)
	require.ErrorIs(t, s.Classify(s.Ping(ctx)), lease.ErrUnavailable)
}

// TestJournalRandomCrashes runs random changes on a few performances and
// crashes at random points, checking each replay against a model of what
// every acknowledged call left, with the clock moving so that leases lapse.
func TestJournalRandomCrashes(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := newClock()
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(42, 10))
	s := open(t, dir, c, func(o *Options) { o.compactAt = 2 << 10 })
	model := map[string]lease.Lease{}
	live := func() map[string]lease.Lease {
		out := map[string]lease.Lease{}
		for k, l := range model {
			if l.Expires.After(c.Now()) {
				out[k] = l
			}
		}
		return out
	}
	for step := range 3000 {
		perf := fmt.Sprint("p", rng.IntN(3))
		tok := fmt.Sprint("t", rng.IntN(40))
		key := perf + "/" + tok
		switch op := rng.IntN(10); {
		case op < 5:
			seats := []uint32{uint32(rng.IntN(60)), uint32(60 + rng.IntN(60))}
			l := lease.Lease{Performance: perf, Token: tok, Owner: "o" + tok, Seats: seats, Expires: c.Now().Add(time.Duration(1+rng.IntN(60)) * time.Second).UTC()}
			if s.Acquire(ctx, l) == nil {
				model[key] = l
			}
		case op < 7:
			exp := c.Now().Add(time.Duration(1+rng.IntN(60)) * time.Second).UTC()
			if s.Extend(ctx, perf, tok, exp) == nil {
				l := model[key]
				l.Expires = exp
				model[key] = l
			}
		case op < 9:
			require.NoError(t, s.Release(ctx, perf, tok))
			delete(model, key)
		default:
			c.Add(time.Duration(rng.IntN(5)) * time.Second)
		}
		if rng.IntN(100) == 0 || step == 2999 {
			crash(s)
			s = open(t, dir, c, func(o *Options) { o.compactAt = 2 << 10 })
			require.Equal(t, live(), dump(s), "after step %d", step)
		}
	}
}

func benchStore(b *testing.B, journaled bool) *Store {
	if !journaled {
		return New(Options{})
	}
	s, err := Open(b.TempDir(), Options{Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkAcquireRelease4 is one 4-seat lease taken and given back, in
// memory only and with the journal (two records written per op, fsynced once
// a second by the journal's goroutine).
func BenchmarkAcquireRelease4(b *testing.B) {
	for _, journaled := range []bool{false, true} {
		b.Run(map[bool]string{false: "memory", true: "journal"}[journaled], func(b *testing.B) {
			ctx := context.Background()
			s := benchStore(b, journaled)
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
		})
	}
}

// BenchmarkAcquireRelease4Parallel spreads goroutines over 64 performances, as
// an on-sale surge spreads over shows.
func BenchmarkAcquireRelease4Parallel(b *testing.B) {
	for _, journaled := range []bool{false, true} {
		b.Run(map[bool]string{false: "memory", true: "journal"}[journaled], func(b *testing.B) {
			ctx := context.Background()
			s := benchStore(b, journaled)
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
		})
	}
}
