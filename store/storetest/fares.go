package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/pricing"
	"github.com/seatmap/seatmap/report"
	"github.com/seatmap/seatmap/store"
	"github.com/seatmap/seatmap/store/backend"
)

// runFares checks a performance's fares (issue 16): none until set, set
// whole in their order and replaced whole, ErrNotFound without the
// performance; and a ticket's fare written and read with its order, the
// normal fare when it has none.
func runFares(t *testing.T, f *fixture, open func(t *testing.T) backend.Store) {
	ctx := context.Background()
	t.Run("Fares", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := f.perf(t, s, f.hall(t, s), time.Now().Add(48*time.Hour))
		got, err := s.PerformanceFares(ctx, p.ID)
		require.NoError(t, err)
		require.Empty(t, got, "a new performance has no fares stored: the normal fare alone")

		fares := []pricing.Fare{
			{ID: "student", Name: "Student", Kind: pricing.FareReduced, Prices: map[string]int64{"a": 2500, "b": 0}},
			{ID: pricing.NormalFareID, Name: pricing.NormalFareName, Kind: pricing.FareNormal},
			{ID: "vortermin", Name: "gedruckt Vortermin", Kind: pricing.FareFree, StaffOnly: true},
		}
		require.NoError(t, s.SetPerformanceFares(ctx, p.ID, fares))
		got, err = s.PerformanceFares(ctx, p.ID)
		require.NoError(t, err)
		require.Len(t, got, 3)
		require.Equal(t, []string{"student", "normal", "vortermin"}, []string{got[0].ID, got[1].ID, got[2].ID}, "in the order given")
		require.Equal(t, fares[0], got[0])
		require.Equal(t, "Normal", got[1].Name)
		require.Empty(t, got[1].Prices)
		require.True(t, got[2].StaffOnly)
		require.Equal(t, pricing.FareFree, got[2].Kind)
		require.False(t, got[0].StaffOnly)

		// Replaced whole: a fare left out is gone.
		require.NoError(t, s.SetPerformanceFares(ctx, p.ID, fares[1:2]))
		got, err = s.PerformanceFares(ctx, p.ID)
		require.NoError(t, err)
		require.Len(t, got, 1)
		require.Equal(t, pricing.NormalFareID, got[0].ID)

		require.ErrorIs(t, s.SetPerformanceFares(ctx, "missing", fares), store.ErrNotFound)
		none, err := s.PerformanceFares(ctx, "missing")
		require.NoError(t, err)
		require.Empty(t, none)
	})

	t.Run("TicketFares", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := f.perf(t, s, f.hall(t, s), time.Now().Add(48*time.Hour))
		o := f.order(p, "sess", "", 1, 2, 3)
		o.Tickets[0].Fare, o.Tickets[0].FareName, o.Tickets[0].Price = "student", "Student", 2500
		o.Tickets[1].Fare, o.Tickets[1].FareName = "", "" // no fare given: normal
		_, err := s.CreateOrder(ctx, o)
		require.NoError(t, err)
		got, err := s.GetOrder(ctx, o.ID)
		require.NoError(t, err)
		byseat := map[uint32]order.Ticket{}
		for _, tk := range got.Tickets {
			byseat[tk.Seat] = tk
		}
		require.Equal(t, "student", byseat[1].Fare)
		require.Equal(t, "Student", byseat[1].FareName)
		require.Equal(t, int64(2500), byseat[1].Price)
		require.Equal(t, pricing.NormalFareID, byseat[2].Fare, "a ticket without a fare is normal")
		require.Equal(t, pricing.NormalFareName, byseat[2].FareName)
		require.Equal(t, pricing.NormalFareID, byseat[3].Fare)

		list, err := s.ListOrders(ctx, order.Filter{PerformanceID: p.ID, Limit: 10})
		require.NoError(t, err)
		require.Len(t, list, 1)
		require.ElementsMatch(t, got.Tickets, list[0].Tickets, "lists read fares as GetOrder does")

		// The sales report counts the tickets by fare; the total is not
		// counted twice.
		r, err := s.SalesReport(ctx, report.Filter{PerformanceID: p.ID})
		require.NoError(t, err)
		require.Equal(t, int64(2500+5000+5000), r.Total.Gross)
		require.Equal(t, 3, r.Total.Seats)
		require.Len(t, r.Fares, 2)
		require.Equal(t, "normal", r.Fares[0].Key)
		require.Equal(t, 2, r.Fares[0].Seats)
		require.Equal(t, int64(10000), r.Fares[0].Gross)
		require.Equal(t, "student", r.Fares[1].Key)
		require.Equal(t, 1, r.Fares[1].Seats)
		require.Equal(t, int64(2500), r.Fares[1].Net)
	})
}
