// Package leasetest is the conformance suite every lease.Store runs.
package leasetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/lease"
)

// Harness gives the suite fresh stores.
type Harness struct {
	// New returns an empty store for one test, with its clock; it cleans up after itself.
	New func(t *testing.T) Subject
	// Short is a lease life the store can expire reliably (e.g. 200 ms for Redis).
	Short time.Duration
}

// Subject is a store under test and the clock it judges expiry by.
type Subject struct {
	lease.Store
	Now  func() time.Time
	Wait func(d time.Duration) // lets d pass: a fake clock moves, a real one sleeps
}

// Run runs the suite.
func Run(t *testing.T, h Harness) {
	ctx := context.Background()
	perf := func() string { return fmt.Sprintf("p%d", rand.Uint64()) }
	maker := func(s Subject) func(p, tok string, d time.Duration, seats ...uint32) lease.Lease {
		return func(p, tok string, d time.Duration, seats ...uint32) lease.Lease {
			return lease.Lease{Performance: p, Token: tok, Owner: "owner-" + tok, Seats: seats, Expires: s.Now().Add(d)}
		}
	}
	byToken := func(t *testing.T, s Subject, p string) map[string]lease.Lease {
		t.Helper()
		ls, err := s.List(ctx, p)
		require.NoError(t, err)
		out := map[string]lease.Lease{}
		for _, l := range ls {
			out[l.Token] = l
		}
		return out
	}

	t.Run("AcquireListRelease", func(t *testing.T) {
		t.Parallel()
		s, p := h.New(t), perf()
		mk := maker(s)
		l := mk(p, "a", time.Hour, 3, 1, 2)
		require.NoError(t, s.Acquire(ctx, l))
		got := byToken(t, s, p)
		require.Len(t, got, 1)
		require.Equal(t, "owner-a", got["a"].Owner)
		require.ElementsMatch(t, []uint32{1, 2, 3}, got["a"].Seats)
		require.WithinDuration(t, l.Expires, got["a"].Expires, time.Millisecond)
		require.NoError(t, s.Release(ctx, p, "a"))
		require.Empty(t, byToken(t, s, p))
		require.NoError(t, s.Release(ctx, p, "a"), "releasing twice is fine")
		require.NoError(t, s.Release(ctx, p, "never"), "releasing a missing lease is fine")
		require.NoError(t, s.Ping(ctx))
	})

	t.Run("AllOrNothing", func(t *testing.T) {
		t.Parallel()
		s, p := h.New(t), perf()
		mk := maker(s)
		require.NoError(t, s.Acquire(ctx, mk(p, "a", time.Hour, 5, 6)))
		err := s.Acquire(ctx, mk(p, "b", time.Hour, 7, 6, 4, 5))
		var c *lease.ConflictError
		require.ErrorAs(t, err, &c)
		require.Equal(t, []uint32{5, 6}, c.Seats)
		require.Len(t, byToken(t, s, p), 1)
		// The seats b did not get are still free.
		require.NoError(t, s.Acquire(ctx, mk(p, "c", time.Hour, 4, 7)))
	})

	t.Run("SameTokenReplaces", func(t *testing.T) {
		t.Parallel()
		s, p := h.New(t), perf()
		mk := maker(s)
		require.NoError(t, s.Acquire(ctx, mk(p, "a", time.Hour, 1, 2)))
		require.NoError(t, s.Acquire(ctx, mk(p, "a", time.Hour, 2, 3)))
		got := byToken(t, s, p)
		require.ElementsMatch(t, []uint32{2, 3}, got["a"].Seats)
		// Seat 1 was given up by the replacement.
		require.NoError(t, s.Acquire(ctx, mk(p, "b", time.Hour, 1)))
	})

	t.Run("PerformancesAreIndependent", func(t *testing.T) {
		t.Parallel()
		s := h.New(t)
		mk := maker(s)
		p1, p2 := perf(), perf()
		require.NoError(t, s.Acquire(ctx, mk(p1, "a", time.Hour, 1)))
		require.NoError(t, s.Acquire(ctx, mk(p2, "b", time.Hour, 1)))
		require.Len(t, byToken(t, s, p1), 1)
		require.Len(t, byToken(t, s, p2), 1)
	})

	t.Run("Expiry", func(t *testing.T) {
		t.Parallel()
		s, p := h.New(t), perf()
		mk := maker(s)
		require.NoError(t, s.Acquire(ctx, mk(p, "a", h.Short, 1, 2)))
		require.NoError(t, s.Acquire(ctx, mk(p, "long", time.Hour, 9)))
		s.Wait(h.Short + h.Short/2)
		require.Eventually(t, func() bool { return s.Acquire(ctx, mk(p, "b", time.Hour, 2, 3)) == nil }, 5*time.Second, 10*time.Millisecond)
		got := byToken(t, s, p)
		require.NotContains(t, got, "a")
		require.Contains(t, got, "long")
		require.ErrorIs(t, s.Extend(ctx, p, "a", s.Now().Add(time.Hour)), lease.ErrNotFound)
	})

	t.Run("Extend", func(t *testing.T) {
		t.Parallel()
		s, p := h.New(t), perf()
		mk := maker(s)
		require.NoError(t, s.Acquire(ctx, mk(p, "a", h.Short, 1, 2)))
		later := s.Now().Add(time.Hour)
		require.NoError(t, s.Extend(ctx, p, "a", later))
		s.Wait(h.Short + h.Short/2)
		var c *lease.ConflictError
		require.ErrorAs(t, s.Acquire(ctx, mk(p, "b", time.Hour, 2)), &c)
		require.WithinDuration(t, later, byToken(t, s, p)["a"].Expires, time.Millisecond)
		require.ErrorIs(t, s.Extend(ctx, p, "missing", later), lease.ErrNotFound)
	})

	t.Run("BadInput", func(t *testing.T) {
		t.Parallel()
		s, p := h.New(t), perf()
		mk := maker(s)
		require.Error(t, s.Acquire(ctx, mk(p, "", time.Hour, 1)), "empty token")
		require.Error(t, s.Acquire(ctx, mk(p, "a", -time.Second, 1)), "past deadline")
		require.Error(t, s.Acquire(ctx, mk(p, "a", time.Hour)), "no seats")
		many := make([]uint32, 1001)
		for i := range many {
			many[i] = uint32(i)
		}
		require.Error(t, s.Acquire(ctx, mk(p, "a", time.Hour, many...)), "too many seats")
		require.NoError(t, s.Acquire(ctx, mk(p, "a", time.Hour, 1)))
		require.Error(t, s.Extend(ctx, p, "a", s.Now().Add(-time.Second)), "past deadline")
		require.Empty(t, byToken(t, s, p)["x"].Token)
	})

	t.Run("OneWinnerOfMany", func(t *testing.T) {
		t.Parallel()
		s, p := h.New(t), perf()
		mk := maker(s)
		var wins atomic.Int32
		var wg sync.WaitGroup
		for g := 0; g < 200; g++ {
			wg.Go(func() {
				err := s.Acquire(ctx, mk(p, fmt.Sprint("t", g), time.Hour, 10, 11, 12, 13))
				var c *lease.ConflictError
				switch {
				case err == nil:
					wins.Add(1)
				case errors.As(err, &c):
				default:
					t.Error(err)
				}
			})
		}
		wg.Wait()
		require.Equal(t, int32(1), wins.Load())
	})

	t.Run("Storm", func(t *testing.T) {
		t.Parallel()
		s, p := h.New(t), perf()
		mk := maker(s)
		var wg sync.WaitGroup
		for g := 0; g < 20; g++ {
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(g), 7))
				var mine []string
				for k := 0; k < 200; k++ {
					if len(mine) > 0 && rng.IntN(3) == 0 {
						i := rng.IntN(len(mine))
						if err := s.Release(ctx, p, mine[i]); err != nil {
							t.Error(err)
						}
						mine = slices.Delete(mine, i, i+1)
						continue
					}
					n := 1 + rng.IntN(6)
					seats := make([]uint32, 0, n)
					for len(seats) < n {
						x := uint32(rng.IntN(100))
						if !slices.Contains(seats, x) {
							seats = append(seats, x)
						}
					}
					tok := fmt.Sprintf("g%d-%d", g, k)
					err := s.Acquire(ctx, mk(p, tok, time.Hour, seats...))
					var c *lease.ConflictError
					if err == nil {
						mine = append(mine, tok)
					} else if !errors.As(err, &c) {
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()
		owner := map[uint32]string{}
		for _, l := range byToken(t, s, p) {
			for _, seat := range l.Seats {
				prev, dup := owner[seat]
				require.False(t, dup, "seat %d in leases %s and %s", seat, prev, l.Token)
				owner[seat] = l.Token
			}
		}
	})
}
