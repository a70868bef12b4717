package seating_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/checkout"
	"github.com/seatmap/seatmap/engine"
	"github.com/seatmap/seatmap/lease"
	"github.com/seatmap/seatmap/seating"
)

// seatIndex is the dense index of a seat id in perf's hall.
func seatIndex(t *testing.T, svc *seating.Service, perf, id string) uint32 {
	t.Helper()
	m, err := svc.Seatmap(context.Background(), perf)
	require.NoError(t, err)
	idx, ok := m.Hall.Lookup(id)
	require.True(t, ok, id)
	return idx
}

// leaseOf returns the live lease of token, if any.
func leaseOf(t *testing.T, ls lease.Store, perf, token string) (lease.Lease, bool) {
	t.Helper()
	all, err := ls.List(context.Background(), perf)
	require.NoError(t, err)
	for _, l := range all {
		if l.Token == token {
			return l, true
		}
	}
	return lease.Lease{}, false
}

// TestHoldReleasesStaleLeases plants leases of no hold (writes that landed
// after seatd had given up on them) on seats the engine shows free: holds on
// those seats, named or best-available, succeed and the stale leases go.
func TestHoldReleasesStaleLeases(t *testing.T) {
	t.Parallel()
	for _, s := range stacks(t) {
		t.Run(s.name, func(t *testing.T) {
			ctx := context.Background()
			n := start(t, s)
			defer n.close()
			perf := createPerformance(t, n.svc)
			plant := func(token string, ids ...string) {
				seats := make([]uint32, len(ids))
				for i, id := range ids {
					seats[i] = seatIndex(t, n.svc, perf, id)
				}
				require.NoError(t, n.leases.Acquire(ctx, lease.Lease{Performance: perf, Token: perf + "." + token, Owner: "gone", Seats: seats, Expires: time.Now().Add(time.Hour)}))
			}
			plant("late1", "S-R1-S1")
			plant("late2", "S-R1-S2", "S-R1-S3")

			h, err := n.svc.Hold(ctx, perf, seating.Actor{Session: "ann"}, seating.HoldInput{Seats: []string{"S-R1-S1", "S-R1-S2"}})
			require.NoError(t, err, "seats the engine shows free are bookable")
			_, ok := leaseOf(t, n.leases, perf, perf+".late1")
			require.False(t, ok)
			_, ok = leaseOf(t, n.leases, perf, perf+".late2")
			require.False(t, ok, "a stale lease goes whole, also its seats the hold did not ask for")
			l, ok := leaseOf(t, n.leases, perf, h.Token)
			require.True(t, ok)
			require.Len(t, l.Seats, 2)

			// Best-available picks the best seats; a stale lease there is no obstacle.
			best, err := n.svc.Hold(ctx, perf, seating.Actor{Session: "ben"}, seating.HoldInput{BestCount: 2})
			require.NoError(t, err)
			require.NoError(t, n.svc.Release(ctx, best.Token, seating.Actor{Session: "ben"}))
			plant("late3", best.Seats...)
			again, err := n.svc.Hold(ctx, perf, seating.Actor{Session: "ben"}, seating.HoldInput{BestCount: 2})
			require.NoError(t, err)
			require.Equal(t, best.Seats, again.Seats)
		})
	}
}

// TestLeaseOfLiveHoldStillConflicts gives a live hold's lease a seat more than
// its engine hold has: a hold on that seat is refused, since the lease belongs
// to a hold that is live here, and the lease is left alone.
func TestLeaseOfLiveHoldStillConflicts(t *testing.T) {
	t.Parallel()
	for _, s := range stacks(t) {
		t.Run(s.name, func(t *testing.T) {
			ctx := context.Background()
			n := start(t, s)
			defer n.close()
			perf := createPerformance(t, n.svc)
			a, err := n.svc.Hold(ctx, perf, seating.Actor{Session: "ann"}, seating.HoldInput{Seats: []string{"S-R2-S1"}})
			require.NoError(t, err)
			wide := []uint32{seatIndex(t, n.svc, perf, "S-R2-S1"), seatIndex(t, n.svc, perf, "S-R2-S2")}
			require.NoError(t, n.leases.Acquire(ctx, lease.Lease{Performance: perf, Token: a.Token, Owner: "ann", Seats: wide, Expires: a.Expires}))

			_, err = n.svc.Hold(ctx, perf, seating.Actor{Session: "ben"}, seating.HoldInput{Seats: []string{"S-R2-S2"}})
			var taken *seating.TakenError
			require.ErrorAs(t, err, &taken)
			require.Equal(t, []string{"S-R2-S2"}, taken.Seats)
			l, ok := leaseOf(t, n.leases, perf, a.Token)
			require.True(t, ok)
			require.ElementsMatch(t, wide, l.Seats)
			require.Equal(t, []engine.State{engine.Held, engine.Free}, states(t, n.svc, perf, "S-R2-S1", "S-R2-S2"), "the refused hold is undone")
		})
	}
}

// TestExtendRewritesMissingLease loses a live hold's lease: extending the
// hold writes the lease again instead of ending the hold.
func TestExtendRewritesMissingLease(t *testing.T) {
	t.Parallel()
	for _, s := range stacks(t) {
		t.Run(s.name, func(t *testing.T) {
			ctx := context.Background()
			n := start(t, s)
			defer n.close()
			perf := createPerformance(t, n.svc)
			ann := seating.Actor{Session: "ann"}
			h, err := n.svc.Hold(ctx, perf, ann, seating.HoldInput{Seats: []string{"S-R3-S1", "S-R3-S2"}})
			require.NoError(t, err)
			require.NoError(t, n.leases.Release(ctx, perf, h.Token))

			ext, err := n.svc.Extend(ctx, h.Token, ann, 0)
			require.NoError(t, err)
			require.True(t, ext.Expires.After(h.Expires))
			l, ok := leaseOf(t, n.leases, perf, h.Token)
			require.True(t, ok, "the lease is written again")
			require.Equal(t, "ann", l.Owner)
			require.Len(t, l.Seats, 2)
			require.WithinDuration(t, ext.Expires, l.Expires, time.Millisecond)
			_, err = n.svc.GetHold(ctx, h.Token, ann)
			require.NoError(t, err)
		})
	}
}

// TestOrderReleasesLeaseInBackground confirms a hold and reserves another:
// their leases are released without the answer waiting for it.
func TestOrderReleasesLeaseInBackground(t *testing.T) {
	t.Parallel()
	for _, s := range stacks(t) {
		t.Run(s.name, func(t *testing.T) {
			ctx := context.Background()
			n := start(t, s)
			defer n.close()
			perf := createPerformance(t, n.svc)
			ann := seating.Actor{Session: "ann"}
			h, err := n.svc.Hold(ctx, perf, ann, seating.HoldInput{Seats: []string{"S-R4-S1"}})
			require.NoError(t, err)
			_, _, err = n.co.Confirm(ctx, checkout.ConfirmInput{Token: h.Token, Actor: ann, BuyerName: "Ann", BuyerEmail: "ann@example.com"})
			require.NoError(t, err)
			desk := seating.Actor{Session: "desk", StaffID: "u1", Login: "desk", Role: "box_office"}
			r, err := n.svc.Hold(ctx, perf, desk, seating.HoldInput{Seats: []string{"S-R4-S2"}})
			require.NoError(t, err)
			_, err = n.co.Reserve(ctx, r.Token, desk, 2, "Rosa", "rosa@example.com", "")
			require.NoError(t, err)
			require.Eventually(t, func() bool {
				all, err := n.leases.List(ctx, perf)
				return err == nil && len(all) == 0
			}, 5*time.Second, 10*time.Millisecond)
			require.Equal(t, []engine.State{engine.Sold, engine.Held}, states(t, n.svc, perf, "S-R4-S1", "S-R4-S2"))
		})
	}
}
