package seating_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/seating"
)

// TestOpenHoldsOfEveryPerformance holds seats in two performances: the count
// over all performances (the sales report's "held now" without a performance)
// is the sum of both, and drops when a hold is released; checkout's report
// answers the same.
func TestOpenHoldsOfEveryPerformance(t *testing.T) {
	t.Parallel()
	for _, s := range stacks(t) {
		t.Run(s.name, func(t *testing.T) {
			n := start(t, s)
			defer n.close()
			ctx := context.Background()
			a, b := createPerformance(t, n.svc), createPerformance(t, n.svc)
			holdsBefore, seatsBefore := n.svc.AllOpenHolds()

			ha, err := n.svc.Hold(ctx, a, seating.Actor{Session: "one"}, seating.HoldInput{Seats: []string{"S-R1-S1", "S-R1-S2"}})
			require.NoError(t, err)
			_, err = n.svc.Hold(ctx, b, seating.Actor{Session: "two"}, seating.HoldInput{Seats: []string{"S-R2-S1", "S-R2-S2", "S-R2-S3"}})
			require.NoError(t, err)

			holds, seats := n.svc.AllOpenHolds()
			require.Equal(t, holdsBefore+2, holds)
			require.Equal(t, seatsBefore+5, seats)
			r, err := n.co.SalesReport(ctx, "", time.Time{}, time.Time{})
			require.NoError(t, err)
			require.Equal(t, holds, r.Holds)
			require.Equal(t, seats, r.HeldSeats)
			one, err := n.co.SalesReport(ctx, a, time.Time{}, time.Time{})
			require.NoError(t, err)
			require.Equal(t, 1, one.Holds)
			require.Equal(t, 2, one.HeldSeats)

			require.NoError(t, n.svc.Release(ctx, ha.Token, seating.Actor{Session: "one"}))
			holds, seats = n.svc.AllOpenHolds()
			require.Equal(t, holdsBefore+1, holds)
			require.Equal(t, seatsBefore+3, seats)
		})
	}
}
