package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/internal/testkit"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/store/backend"
)

// runPaymentList checks the list of payment rows that staff reconcile: a
// window of creation times, newest first, keyset pages, each row with its
// order, never a client secret.
func runPaymentList(t *testing.T, f *fixture, openWith func(t *testing.T, now func() time.Time) backend.Store) {
	ctx := context.Background()

	t.Run("ListPayments", func(t *testing.T) {
		t.Parallel()
		start := time.Date(2030, 6, 1, 0, 0, 0, 0, time.UTC)
		clock := testkit.NewClock(start)
		s := openWith(t, clock.Now)
		p := f.perf(t, s, f.hall(t, s), day)

		// Seven orders an hour apart, each with its payment; the fourth
		// also refunded a minute later. Rows at start+0h … start+6h.
		var want []order.Payment
		var orders []order.Order
		for i := range 7 {
			o := f.order(p, "web", "", uint32(10+i))
			pay := f.pendingPayment(t, s, o)
			stored, err := s.GetOrder(ctx, o.ID)
			require.NoError(t, err)
			orders = append(orders, stored)
			want = append(want, pay)
			if i == 3 {
				clock.Add(time.Minute)
				rf, err := s.SavePayment(ctx, order.Payment{ID: f.id("pay"), OrderID: o.ID, Provider: "test", ProviderID: f.id("tr_"),
					Kind: order.KindRefund, RefundID: "rf1", Amount: 2000, Currency: "EUR", Status: order.StatusSucceeded, IdempotencyKey: "rf1"})
				require.NoError(t, err)
				want = append(want, rf)
			}
			clock.Add(time.Hour)
		}
		// Another store's rows are not ours; a row before the window and
		// after it are left out below.
		from, to := start.Add(time.Hour), start.Add(5*time.Hour) // rows of orders 1…4 and the refund

		var got []order.PaymentLine
		filter := order.PaymentFilter{From: from, To: to, Limit: 2}
		for {
			page, err := s.ListPayments(ctx, filter)
			require.NoError(t, err)
			require.LessOrEqual(t, len(page), filter.Limit)
			got = append(got, page...)
			if len(page) < filter.Limit {
				break
			}
			last := page[len(page)-1]
			filter.Before, filter.BeforeID = last.CreatedAt, last.ID
		}
		require.Len(t, got, 5, "four payments and one refund in [from, to)")
		for i, l := range got {
			requireUTC(t, l.CreatedAt, l.UpdatedAt)
			require.False(t, l.CreatedAt.Before(from) || !l.CreatedAt.Before(to), "row at %v", l.CreatedAt)
			require.Empty(t, l.ClientSecret, "a list carries no client secret")
			if i > 0 {
				prev := got[i-1]
				require.True(t, prev.CreatedAt.After(l.CreatedAt) || (prev.CreatedAt.Equal(l.CreatedAt) && prev.ID > l.ID),
					"newest first: %v then %v", prev.CreatedAt, l.CreatedAt)
			}
		}
		byID := map[string]order.Payment{}
		for _, w := range want {
			w.ClientSecret = ""
			byID[w.ID] = w
		}
		ordersByID := map[string]order.Order{}
		for _, o := range orders {
			ordersByID[o.ID] = o
		}
		for _, l := range got {
			w, ok := byID[l.ID]
			require.True(t, ok, "row %s", l.ID)
			require.Equal(t, w, l.Payment)
			o := ordersByID[l.OrderID]
			require.Equal(t, o.Number, l.OrderNumber)
			require.Equal(t, order.PendingPayment, l.OrderStatus)
			require.Equal(t, o.Total, l.OrderTotal)
			require.Equal(t, o.Currency, l.OrderCurrency)
			require.Zero(t, l.OrderRefunded)
		}
		require.Equal(t, orders[4].ID, got[0].OrderID, "newest first")
		require.Equal(t, order.KindRefund, got[1].Kind, "the refund, a minute after its order")
		require.Equal(t, orders[3].ID, got[1].OrderID)

		all, err := s.ListPayments(ctx, order.PaymentFilter{})
		require.NoError(t, err)
		require.Len(t, all, 8, "no window: every row")
		none, err := s.ListPayments(ctx, order.PaymentFilter{From: start.Add(-time.Hour), To: start})
		require.NoError(t, err)
		require.Empty(t, none)
	})
}
