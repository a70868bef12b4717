// Package leasetest is the conformance suite every lease.Store runs: the same
// cases, the same answers, whichever store is under test.
package leasetest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/internal/testkit"
	"github.com/seatmap/seatmap/lease"
)

// MaxSeats is the bound on the seats of one lease every store keeps.
const MaxSeats = 1000

// Harness gives the suite fresh stores.
type Harness struct {
	// New returns an empty store for one test and cleans up after it.
	New func(t *testing.T) Subject
	// Short is a lease life the store expires reliably: any duration for a fake
	// clock, a few hundred milliseconds for a store on real time.
	Short time.Duration
}

// Subject is a store under test and the clock it judges expiry by.
type Subject struct {
	lease.Store
	// Now is the store's clock.
	Now func() time.Time
	// Advance moves a fake clock forward by d. Nil means the store runs on real
	// time, and the suite waits for deadlines to pass.
	Advance func(d time.Duration)
}

// patience bounds every wait for an asynchronous effect.
const patience = 5 * time.Second

// Run runs the suite; every case runs in parallel with a store of its own.
func Run(t *testing.T, h Harness) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, &suite{Subject: h.New(t), short: h.Short})
		})
	}
}

// suite is one case's store with helpers.
type suite struct {
	Subject
	short time.Duration
}

var cases = []struct {
	name string
	run  func(t *testing.T, s *suite)
}{
	{"AcquireListRelease", testAcquireListRelease},
	{"AllOrNothing", testAllOrNothing},
	{"SameTokenReplaces", testSameTokenReplaces},
	{"ReplaceIsAllOrNothing", testReplaceIsAllOrNothing},
	{"PerformancesAreIndependent", testPerformancesAreIndependent},
	{"ExpiryFreesSeats", testExpiryFreesSeats},
	{"ExtendMovesDeadline", testExtendMovesDeadline},
	{"ExtendEarlier", testExtendEarlier},
	{"ExtendMissing", testExtendMissing},
	{"BadInput", testBadInput},
	{"MaxSeats", testMaxSeats},
	{"CanceledContext", testCanceledContext},
	{"ListMany", testListMany},
	{"OneWinnerOfMany", testOneWinnerOfMany},
	{"Storm", testStorm},
}

// perf returns a fresh performance id.
func perf() string { return fmt.Sprintf("p%016x", rand.Uint64()) }

// newLease returns a lease of seats for tok that ends d from now.
func (s *suite) newLease(p, tok string, d time.Duration, seats ...uint32) lease.Lease {
	return lease.Lease{Performance: p, Token: tok, Owner: "owner-" + tok, Seats: seats, Expires: s.Now().Add(d)}
}

// leases lists the live leases of p by token.
func (s *suite) leases(t *testing.T, p string) map[string]lease.Lease {
	t.Helper()
	ls, err := s.List(t.Context(), p)
	require.NoError(t, err)
	out := make(map[string]lease.Lease, len(ls))
	for _, l := range ls {
		require.Equal(t, p, l.Performance)
		_, dup := out[l.Token]
		require.False(t, dup, "List names token %s twice", l.Token)
		out[l.Token] = l
	}
	return out
}

// requireLease checks that p has a live lease like want.
func (s *suite) requireLease(t *testing.T, p string, want lease.Lease) {
	t.Helper()
	got, ok := s.leases(t, p)[want.Token]
	require.True(t, ok, "lease %s is not listed", want.Token)
	require.Equal(t, want.Owner, got.Owner)
	requireSameSeats(t, want.Seats, got.Seats)
	require.WithinDuration(t, want.Expires, got.Expires, time.Millisecond)
}

// requireSameSeats checks that two lists hold the same seats in any order.
func requireSameSeats(t *testing.T, want, got []uint32, msgAndArgs ...any) {
	t.Helper()
	require.Equal(t, slices.Sorted(slices.Values(want)), slices.Sorted(slices.Values(got)), msgAndArgs...)
}

// requireTaken checks that acquiring seats for a new token fails naming exactly
// want, the ones held by others, and returns the tokens said to hold them.
func (s *suite) requireTaken(t *testing.T, p string, want []uint32, seats ...uint32) []string {
	t.Helper()
	err := s.Acquire(t.Context(), s.newLease(p, "probe", time.Hour, seats...))
	var c *lease.ConflictError
	require.ErrorAs(t, err, &c)
	require.Equal(t, want, c.Seats)
	require.Len(t, c.Tokens, len(c.Seats), "a holder for every seat taken")
	return c.Tokens
}

// requireFree checks that seats can be leased, and frees them again.
func (s *suite) requireFree(t *testing.T, p string, seats ...uint32) {
	t.Helper()
	require.NoError(t, s.Acquire(t.Context(), s.newLease(p, "probe", time.Hour, seats...)))
	require.NoError(t, s.Release(t.Context(), p, "probe"))
}

// pass lets the store's clock pass deadline: a fake clock is moved; a store
// on real time (Redis expires keys on its own clock) is waited for, and the
// suite then polls, since that store may see its deadline a moment after ours.
func (s *suite) pass(deadline time.Time) {
	d := deadline.Sub(s.Now()) + time.Millisecond
	if d <= 0 {
		return
	}
	if s.Advance != nil {
		s.Advance(d)
		return
	}
	time.Sleep(d)
}

func testAcquireListRelease(t *testing.T, s *suite) {
	ctx, p := t.Context(), perf()
	require.Empty(t, s.leases(t, p), "a performance never leased has no leases")
	a := s.newLease(p, "a", time.Hour, 3, 1, 2)
	require.NoError(t, s.Acquire(ctx, a))
	require.Len(t, s.leases(t, p), 1)
	s.requireLease(t, p, a)
	require.Equal(t, []string{"a"}, s.requireTaken(t, p, []uint32{2}, 2, 4))

	require.NoError(t, s.Release(ctx, p, "a"))
	require.Empty(t, s.leases(t, p))
	s.requireFree(t, p, 1, 2, 3)
	require.NoError(t, s.Release(ctx, p, "a"), "releasing twice is fine")
	require.NoError(t, s.Release(ctx, p, "never"), "releasing a missing lease is fine")
	require.NoError(t, s.Ping(ctx))

	// A released token may lease again.
	again := s.newLease(p, "a", time.Hour, 7)
	require.NoError(t, s.Acquire(ctx, again))
	s.requireLease(t, p, again)
}

func testAllOrNothing(t *testing.T, s *suite) {
	ctx, p := t.Context(), perf()
	a := s.newLease(p, "a", time.Hour, 5, 6)
	z := s.newLease(p, "z", time.Hour, 9)
	require.NoError(t, s.Acquire(ctx, a))
	require.NoError(t, s.Acquire(ctx, z))

	err := s.Acquire(ctx, s.newLease(p, "b", time.Hour, 7, 9, 6, 4, 5))
	var c *lease.ConflictError
	require.ErrorAs(t, err, &c)
	require.Equal(t, []uint32{5, 6, 9}, c.Seats, "exactly the overlapping seats, ascending")
	require.Equal(t, []string{"a", "a", "z"}, c.Tokens, "the lease on each seat")
	require.NotErrorIs(t, err, lease.ErrNotFound)

	// Nothing of b was written; a and z are as they were.
	got := s.leases(t, p)
	require.Len(t, got, 2)
	require.NotContains(t, got, "b")
	s.requireLease(t, p, a)
	s.requireLease(t, p, z)
	require.ErrorIs(t, s.Extend(ctx, p, "b", s.Now().Add(time.Hour)), lease.ErrNotFound)
	// The seats b did not get are still free.
	s.requireFree(t, p, 4, 7)
}

func testSameTokenReplaces(t *testing.T, s *suite) {
	ctx, p := t.Context(), perf()
	require.NoError(t, s.Acquire(ctx, s.newLease(p, "a", time.Hour, 1, 2)))
	next := s.newLease(p, "a", 2*time.Hour, 2, 3)
	next.Owner = "someone else"
	require.NoError(t, s.Acquire(ctx, next))
	require.Len(t, s.leases(t, p), 1)
	s.requireLease(t, p, next)
	s.requireFree(t, p, 1) // given up by the replacement
	s.requireTaken(t, p, []uint32{2, 3}, 1, 2, 3)

	// Replacing with the same seats only moves the deadline.
	same := s.newLease(p, "a", 30*time.Minute, 3, 2)
	require.NoError(t, s.Acquire(ctx, same))
	s.requireLease(t, p, same)
}

func testReplaceIsAllOrNothing(t *testing.T, s *suite) {
	ctx, p := t.Context(), perf()
	a := s.newLease(p, "a", time.Hour, 1, 2)
	require.NoError(t, s.Acquire(ctx, a))
	require.NoError(t, s.Acquire(ctx, s.newLease(p, "b", time.Hour, 3)))
	var c *lease.ConflictError
	require.ErrorAs(t, s.Acquire(ctx, s.newLease(p, "a", 2*time.Hour, 2, 3, 4)), &c)
	require.Equal(t, []uint32{3}, c.Seats)
	require.Equal(t, []string{"b"}, c.Tokens, "a token's own seats are no conflict")
	// a keeps its old lease whole, and gains nothing.
	s.requireLease(t, p, a)
	s.requireTaken(t, p, []uint32{1}, 1)
	s.requireFree(t, p, 4)
}

func testPerformancesAreIndependent(t *testing.T, s *suite) {
	ctx, p1, p2 := t.Context(), perf(), perf()
	a1 := s.newLease(p1, "a", time.Hour, 1, 2)
	a2 := s.newLease(p2, "a", 2*time.Hour, 2, 3)
	b2 := s.newLease(p2, "b", time.Hour, 1)
	require.NoError(t, s.Acquire(ctx, a1))
	require.NoError(t, s.Acquire(ctx, a2), "same token, same seat, other performance")
	require.NoError(t, s.Acquire(ctx, b2))
	require.Len(t, s.leases(t, p1), 1)
	require.Len(t, s.leases(t, p2), 2)
	s.requireLease(t, p1, a1)
	s.requireLease(t, p2, a2)

	require.NoError(t, s.Release(ctx, p1, "a"))
	require.Empty(t, s.leases(t, p1))
	s.requireLease(t, p2, a2)
	s.requireLease(t, p2, b2)
}

func testExpiryFreesSeats(t *testing.T, s *suite) {
	ctx, p := t.Context(), perf()
	a := s.newLease(p, "a", s.short, 1, 2)
	long := s.newLease(p, "long", time.Hour, 9)
	require.NoError(t, s.Acquire(ctx, a))
	require.NoError(t, s.Acquire(ctx, long))
	s.pass(a.Expires)

	b := s.newLease(p, "b", time.Hour, 2, 3)
	testkit.WaitFor(t, patience, "acquire seat 2 after its lease lapsed", func() error { return s.Acquire(ctx, b) })
	got := s.leases(t, p)
	require.NotContains(t, got, "a", "List omits a lapsed lease")
	require.Len(t, got, 2)
	s.requireLease(t, p, long)
	s.requireLease(t, p, b)
	s.requireFree(t, p, 1)
	require.ErrorIs(t, s.Extend(ctx, p, "a", s.Now().Add(time.Hour)), lease.ErrNotFound)
	require.NoError(t, s.Release(ctx, p, "a"))
	s.requireLease(t, p, b) // releasing a lapsed token frees nothing of others

	// The lapsed token may lease again.
	again := s.newLease(p, "a", time.Hour, 1)
	require.NoError(t, s.Acquire(ctx, again))
	s.requireLease(t, p, again)
}

func testExtendMovesDeadline(t *testing.T, s *suite) {
	ctx, p := t.Context(), perf()
	a := s.newLease(p, "a", s.short, 1, 2)
	require.NoError(t, s.Acquire(ctx, a))
	later := s.Now().Add(time.Hour)
	require.NoError(t, s.Extend(ctx, p, "a", later))
	s.pass(a.Expires.Add(s.short / 2))

	s.requireTaken(t, p, []uint32{2}, 2, 3)
	a.Expires = later
	s.requireLease(t, p, a)
	require.NoError(t, s.Release(ctx, p, "a"))
	require.ErrorIs(t, s.Extend(ctx, p, "a", later), lease.ErrNotFound, "extend after release")
	s.requireFree(t, p, 1, 2)
}

func testExtendEarlier(t *testing.T, s *suite) {
	ctx, p := t.Context(), perf()
	a := s.newLease(p, "a", time.Hour, 1, 2)
	require.NoError(t, s.Acquire(ctx, a))
	sooner := s.Now().Add(s.short)
	require.NoError(t, s.Extend(ctx, p, "a", sooner))
	s.pass(sooner)
	testkit.WaitFor(t, patience, "acquire seats after their lease lapsed early", func() error {
		return s.Acquire(ctx, s.newLease(p, "b", time.Hour, 1, 2))
	})
	require.NotContains(t, s.leases(t, p), "a")
}

func testExtendMissing(t *testing.T, s *suite) {
	ctx, p := t.Context(), perf()
	later := s.Now().Add(time.Hour)
	require.ErrorIs(t, s.Extend(ctx, p, "missing", later), lease.ErrNotFound, "never leased performance")
	require.NoError(t, s.Acquire(ctx, s.newLease(p, "a", time.Hour, 1)))
	require.ErrorIs(t, s.Extend(ctx, p, "missing", later), lease.ErrNotFound)
	require.ErrorIs(t, s.Extend(ctx, perf(), "a", later), lease.ErrNotFound, "token of another performance")
	require.NotContains(t, s.leases(t, p), "missing", "a failed extend creates nothing")
}

func testBadInput(t *testing.T, s *suite) {
	ctx, p := t.Context(), perf()
	tooMany := make([]uint32, MaxSeats+1)
	for i := range tooMany {
		tooMany[i] = uint32(i)
	}
	withPerf := func(perf string) lease.Lease {
		l := s.newLease(p, "a", time.Hour, 1)
		l.Performance = perf
		return l
	}
	for _, c := range []struct {
		name string
		err  func() error
	}{
		{"AcquireEmptyPerformance", func() error { return s.Acquire(ctx, withPerf("")) }},
		{"AcquireEmptyToken", func() error { return s.Acquire(ctx, s.newLease(p, "", time.Hour, 1)) }},
		{"AcquireNoSeats", func() error { return s.Acquire(ctx, s.newLease(p, "a", time.Hour)) }},
		{"AcquireTooManySeats", func() error { return s.Acquire(ctx, s.newLease(p, "a", time.Hour, tooMany...)) }},
		{"AcquireSeatTwice", func() error { return s.Acquire(ctx, s.newLease(p, "a", time.Hour, 4, 5, 4)) }},
		{"AcquirePastDeadline", func() error { return s.Acquire(ctx, s.newLease(p, "a", -time.Second, 1)) }},
		{"AcquireZeroDeadline", func() error {
			l := s.newLease(p, "a", 0, 1)
			l.Expires = time.Time{}
			return s.Acquire(ctx, l)
		}},
		{"ExtendEmptyToken", func() error { return s.Extend(ctx, p, "", s.Now().Add(time.Hour)) }},
		{"ExtendEmptyPerformance", func() error { return s.Extend(ctx, "", "a", s.Now().Add(time.Hour)) }},
		{"ReleaseEmptyToken", func() error { return s.Release(ctx, p, "") }},
		{"ReleaseEmptyPerformance", func() error { return s.Release(ctx, "", "a") }},
		{"ListEmptyPerformance", func() error { _, err := s.List(ctx, ""); return err }},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.err()
			require.ErrorIs(t, err, lease.ErrInvalid, "bad input is the caller's mistake, not a store failure")
			var conflict *lease.ConflictError
			require.NotErrorAs(t, err, &conflict)
			require.NotErrorIs(t, err, lease.ErrNotFound)
		})
	}
	require.Empty(t, s.leases(t, p), "bad input writes nothing")

	// A deadline in the past is refused, not taken as "expire now".
	a := s.newLease(p, "a", time.Hour, 1)
	require.NoError(t, s.Acquire(ctx, a))
	err := s.Extend(ctx, p, "a", s.Now().Add(-time.Second))
	require.Error(t, err)
	require.NotErrorIs(t, err, lease.ErrNotFound)
	s.requireLease(t, p, a)
}

func testMaxSeats(t *testing.T, s *suite) {
	ctx, p := t.Context(), perf()
	seats := make([]uint32, MaxSeats)
	for i := range seats {
		seats[i] = uint32(MaxSeats - i) // 1..1000, descending
	}
	a := s.newLease(p, "a", time.Hour, seats...)
	require.NoError(t, s.Acquire(ctx, a))
	s.requireLease(t, p, a)
	require.Equal(t, []string{"a", "a"}, s.requireTaken(t, p, []uint32{1, 1000}, 0, 1, 1000, 1001))
	require.NoError(t, s.Release(ctx, p, "a"))
	s.requireFree(t, p, seats...)
}

func testCanceledContext(t *testing.T, s *suite) {
	p := perf()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	require.ErrorIs(t, s.Acquire(ctx, s.newLease(p, "a", time.Hour, 1)), context.Canceled)
	require.Empty(t, s.leases(t, p), "a canceled acquire writes nothing")
	b := s.newLease(p, "b", time.Hour, 2)
	require.NoError(t, s.Acquire(t.Context(), b))
	require.ErrorIs(t, s.Extend(ctx, p, "b", s.Now().Add(2*time.Hour)), context.Canceled)
	require.ErrorIs(t, s.Release(ctx, p, "b"), context.Canceled)
	_, err := s.List(ctx, p)
	require.ErrorIs(t, err, context.Canceled)
	s.requireLease(t, p, b)
}

// testListMany lists more leases than one read of a store may fetch at once.
func testListMany(t *testing.T, s *suite) {
	ctx, p := t.Context(), perf()
	const n = 1234
	for i := range n {
		require.NoError(t, s.Acquire(ctx, s.newLease(p, fmt.Sprint("t", i), time.Hour, uint32(i))))
	}
	got := s.leases(t, p)
	require.Len(t, got, n)
	for tok, l := range got {
		require.Len(t, l.Seats, 1, tok)
		require.Equal(t, fmt.Sprint("t", l.Seats[0]), tok)
		require.Equal(t, "owner-"+tok, l.Owner)
	}
}

func testOneWinnerOfMany(t *testing.T, s *suite) {
	ctx, p := t.Context(), perf()
	seats := []uint32{10, 11, 12, 13}
	var (
		wins    atomic.Int32
		winner  atomic.Value
		wg      sync.WaitGroup
		start   = make(chan struct{})
		mu      sync.Mutex // guards holders
		holders = map[string]bool{}
	)
	for g := range 200 {
		wg.Go(func() {
			tok := fmt.Sprint("t", g)
			<-start
			err := s.Acquire(ctx, s.newLease(p, tok, time.Hour, seats...))
			var c *lease.ConflictError
			switch {
			case err == nil:
				wins.Add(1)
				winner.Store(tok)
			case errors.As(err, &c):
				if !slices.Equal(c.Seats, seats) {
					t.Errorf("loser %s told %v are taken, want %v", tok, c.Seats, seats)
				}
				mu.Lock()
				for _, h := range c.Tokens {
					holders[h] = true
				}
				mu.Unlock()
			default:
				t.Error(err)
			}
		})
	}
	close(start)
	wg.Wait()
	require.Equal(t, int32(1), wins.Load())
	if len(holders) > 0 {
		require.Equal(t, map[string]bool{winner.Load().(string): true}, holders, "every loser lost to the winner")
	}
	got := s.leases(t, p)
	require.Len(t, got, 1)
	require.Contains(t, got, winner.Load())
	requireSameSeats(t, seats, got[winner.Load().(string)].Seats)
}

// testStorm runs random acquires, replacements, extends and releases from many
// goroutines, then checks that the store holds exactly what the successful
// calls left, with no seat in two leases.
func testStorm(t *testing.T, s *suite) {
	ctx, p := t.Context(), perf()
	const workers, steps, seatCount = 20, 200, 100
	models := make([]map[string][]uint32, workers) // per worker: its live tokens
	var wg sync.WaitGroup
	for g := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			mine := map[string][]uint32{}
			models[g] = mine
			randomSeats := func() []uint32 {
				seats := make([]uint32, 0, 6)
				for n := 1 + rng.IntN(6); len(seats) < n; {
					if x := uint32(rng.IntN(seatCount)); !slices.Contains(seats, x) {
						seats = append(seats, x)
					}
				}
				return seats
			}
			for k := range steps {
				tokens := slices.Sorted(maps.Keys(mine))
				op := rng.IntN(10)
				switch {
				case op < 3 && len(tokens) > 0:
					tok := tokens[rng.IntN(len(tokens))]
					if err := s.Release(ctx, p, tok); err != nil {
						t.Error(err)
						return
					}
					delete(mine, tok)
				case op == 3 && len(tokens) > 0:
					tok := tokens[rng.IntN(len(tokens))]
					if err := s.Extend(ctx, p, tok, s.Now().Add(time.Hour+time.Duration(k)*time.Second)); err != nil {
						t.Error(err)
						return
					}
				default:
					tok := fmt.Sprintf("g%d-%d", g, k)
					if op == 4 && len(tokens) > 0 {
						tok = tokens[rng.IntN(len(tokens))] // replace one of mine
					}
					seats := randomSeats()
					err := s.Acquire(ctx, s.newLease(p, tok, time.Hour, seats...))
					var c *lease.ConflictError
					switch {
					case err == nil:
						mine[tok] = seats
					case errors.As(err, &c):
						if len(c.Seats) == 0 || !slices.IsSorted(c.Seats) || len(c.Tokens) != len(c.Seats) {
							t.Errorf("conflict names %v held by %v", c.Seats, c.Tokens)
						}
						for _, h := range c.Tokens {
							if h == tok || h == "" {
								t.Errorf("conflict names the token %q asking", h)
							}
						}
					default:
						t.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	want := map[string][]uint32{}
	for _, m := range models {
		maps.Copy(want, m)
	}
	got := s.leases(t, p)
	require.Equal(t, slices.Sorted(maps.Keys(want)), slices.Sorted(maps.Keys(got)))
	holder := map[uint32]string{}
	for tok, l := range got {
		requireSameSeats(t, want[tok], l.Seats, tok)
		for _, seat := range l.Seats {
			prev, dup := holder[seat]
			require.False(t, dup, "seat %d in leases %s and %s", seat, prev, tok)
			holder[seat] = tok
		}
	}
	// Every seat nobody holds is free.
	var free []uint32
	for seat := range uint32(seatCount) {
		if _, held := holder[seat]; !held {
			free = append(free, seat)
		}
	}
	if len(free) > 0 {
		s.requireFree(t, p, free...)
	}
}
