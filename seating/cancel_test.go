package seating_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/seating"
)

// TestEndHoldsOfCancelled: a cancelled performance refuses new holds and
// sales of old ones, and sales do not start again; EndHolds ends the live
// holds, leaves a hold pinned by a sale under way (and says so), and ends
// it once that sale is refused.
func TestEndHoldsOfCancelled(t *testing.T) {
	t.Parallel()
	for _, s := range stacks(t) {
		t.Run(s.name, func(t *testing.T) {
			n := start(t, s)
			defer n.close()
			ctx := context.Background()
			perf := createPerformance(t, n.svc)
			one, two := seating.Actor{Session: "one"}, seating.Actor{Session: "two"}
			h1, err := n.svc.Hold(ctx, perf, one, seating.HoldInput{Seats: []string{"S-R1-S1", "S-R1-S2"}})
			require.NoError(t, err)
			h2, err := n.svc.Hold(ctx, perf, two, seating.HoldInput{Seats: []string{"S-R2-S1"}})
			require.NoError(t, err)
			p, _, err := n.svc.PinForSale(ctx, h2.Token, two) // a sale under way
			require.NoError(t, err)

			require.NoError(t, n.svc.SetStatus(ctx, perf, catalog.Cancelled))
			_, err = n.svc.Hold(ctx, perf, one, seating.HoldInput{Seats: []string{"S-R3-S1"}})
			require.ErrorIs(t, err, seating.ErrCancelled)
			_, _, err = n.svc.PinForSale(ctx, h1.Token, one)
			require.ErrorIs(t, err, seating.ErrCancelled)
			require.ErrorIs(t, n.svc.SetStatus(ctx, perf, catalog.OnSale), seating.ErrCancelled)
			require.NoError(t, n.svc.SetStatus(ctx, perf, catalog.Cancelled), "cancelled again: no change")

			ended, pinned, err := n.svc.EndHolds(ctx, perf)
			require.NoError(t, err)
			require.Equal(t, [2]int{1, 1}, [2]int{ended, pinned})
			n.svc.Unpin(p, h2.Token) // the sale was refused
			ended, pinned, err = n.svc.EndHolds(ctx, perf)
			require.NoError(t, err)
			require.Equal(t, [2]int{1, 0}, [2]int{ended, pinned})
			holds, _, err := n.svc.OpenHolds(ctx, perf)
			require.NoError(t, err)
			require.Zero(t, holds)
			_, _, err = n.svc.EndHolds(ctx, "missing")
			require.ErrorIs(t, err, seating.ErrPerformanceNotFound)
		})
	}
}
