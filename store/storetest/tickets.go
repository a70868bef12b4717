package storetest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/store"
	"github.com/seatmap/seatmap/store/backend"
)

// runTickets checks tickets' ids and codes and orders' access keys: written
// with the order, read back by every read, unique, and kept (not deleted)
// when a ticket is refunded or voided.
func runTickets(t *testing.T, f *fixture, open func(t *testing.T) backend.Store) {
	ctx := context.Background()

	t.Run("PrintTickets", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := f.perf(t, s, f.hall(t, s), day)
		o, err := s.CreateOrder(ctx, f.order(p, "s", "", 1, 2))
		require.NoError(t, err)
		got, err := s.PrintTickets(ctx, o.ID, order.Change{Actor: "staff:u1"})
		require.NoError(t, err)
		require.False(t, got.Tickets[0].PrintedAt.IsZero())
		first := got.Tickets[0].PrintedAt
		got, err = s.PrintTickets(ctx, o.ID, order.Change{Actor: "staff:u1"})
		require.NoError(t, err)
		require.True(t, first.Equal(got.Tickets[0].PrintedAt), "a reprint keeps the first time")
		h, err := s.OrderHistory(ctx, o.ID)
		require.NoError(t, err)
		printed := 0
		for _, e := range h {
			if e.Action == order.ActionPrinted {
				printed++
			}
		}
		require.Equal(t, 2, printed)
		_, err = s.PrintTickets(ctx, "missing", order.Change{Actor: "staff:u1"})
		require.ErrorIs(t, err, store.ErrNotFound)
		res, err := s.CreateOrder(ctx, reserved(f.order(p, "s", "", 3)))
		require.NoError(t, err)
		_, err = s.PrintTickets(ctx, res.ID, order.Change{Actor: "staff:u1"})
		require.ErrorIs(t, err, store.ErrConflict)
	})

	t.Run("TicketCodes", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := f.perf(t, s, f.hall(t, s), day)

		// Given codes are stored as they are.
		o := f.order(p, "s", "", 1, 2)
		o.AccessKey = "key-" + o.ID
		o.Tickets[0].ID, o.Tickets[0].Code = "t-"+o.ID+"-1", "CODE"+o.ID+"A"
		o.Tickets[1].ID, o.Tickets[1].Code = "t-"+o.ID+"-2", "CODE"+o.ID+"B"
		created, err := s.CreateOrder(ctx, o)
		require.NoError(t, err)
		got, err := s.GetOrder(ctx, o.ID)
		require.NoError(t, err)
		require.Equal(t, created, got)
		require.Equal(t, o.AccessKey, got.AccessKey)
		require.Equal(t, []string{o.Tickets[0].Code, o.Tickets[1].Code}, []string{got.Tickets[0].Code, got.Tickets[1].Code})
		require.Equal(t, o.Tickets[1].ID, got.Tickets[1].ID)
		list, err := s.ListOrders(ctx, order.Filter{PerformanceID: p.ID, Limit: 10})
		require.NoError(t, err)
		require.Len(t, list, 1)
		require.Equal(t, got.Tickets, list[0].Tickets)

		// An order without them gets them: every stored ticket has a code.
		bare := f.order(p, "s", "", 3, 4)
		stored, err := s.CreateOrder(ctx, bare)
		require.NoError(t, err)
		require.NotEmpty(t, stored.AccessKey)
		got, err = s.GetOrder(ctx, bare.ID)
		require.NoError(t, err)
		require.Equal(t, stored.AccessKey, got.AccessKey)
		require.Len(t, got.Tickets[0].Code, order.TicketCodeLen)
		require.NotEqual(t, got.Tickets[0].Code, got.Tickets[1].Code)
		require.NotEqual(t, got.Tickets[0].ID, got.Tickets[1].ID)
		require.Equal(t, stored.Tickets, got.Tickets)

		// A code is unique: an order repeating one is refused, and nothing
		// of it is written.
		dup := f.order(p, "s", "", 5)
		dup.Tickets[0].Code = o.Tickets[0].Code
		_, err = s.CreateOrder(ctx, dup)
		require.Error(t, err)
		require.Equal(t, 2, countOrders(t, s, p.ID))
		require.Equal(t, []uint32{1, 2, 3, 4}, soldSeats(t, s, p.ID))
	})

	t.Run("TicketCodesKeptWhenRefunded", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := f.perf(t, s, f.hall(t, s), day)
		o, err := s.CreateOrder(ctx, f.order(p, "s", "", 1, 2))
		require.NoError(t, err)
		got, _, _, err := s.RefundOrder(ctx, order.RefundRequest{ID: f.id("rf"), OrderID: o.ID, Seats: []uint32{2},
			Method: "card", IdempotencyKey: "k", Change: order.Change{Actor: "staff:anna"}})
		require.NoError(t, err)
		require.Len(t, got.Tickets, 2, "a refunded ticket is kept")
		require.Equal(t, order.TicketLive, got.Tickets[0].Status)
		require.Equal(t, order.TicketRefunded, got.Tickets[1].Status)
		require.Equal(t, o.Tickets[1].Code, got.Tickets[1].Code)
		require.Equal(t, o.Tickets[1].ID, got.Tickets[1].ID)
		require.Equal(t, o.AccessKey, got.AccessKey)

		// A reservation's codes are drawn with it and kept when it is paid;
		// an ended one's tickets are void, with their codes.
		r, err := s.CreateOrder(ctx, reserved(f.order(p, "s", "", 5)))
		require.NoError(t, err)
		paid, err := s.PayReservation(ctx, r.ID, "cash", "u1", order.Change{Actor: "staff:anna"})
		require.NoError(t, err)
		require.Equal(t, r.Tickets, paid.Tickets)
		require.Equal(t, r.AccessKey, paid.AccessKey)
		e, err := s.CreateOrder(ctx, reserved(f.order(p, "s", "", 6)))
		require.NoError(t, err)
		ended, err := s.EndReservation(ctx, e.ID, order.Annulled, order.Change{Actor: "staff:anna"})
		require.NoError(t, err)
		require.Equal(t, order.TicketVoid, ended.Tickets[0].Status)
		require.Equal(t, e.Tickets[0].Code, ended.Tickets[0].Code)
	})
}
