package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/store"
	"github.com/seatmap/seatmap/store/backend"
)

// runReschedule checks a reschedule's rows (issue 16): one per original,
// concurrent creators all get it; an order's move written once, in one
// transaction with the new order (its discount and code as given, the code
// not redeemed again), both notes, the original's history and the
// replacement's blocks; a pending move decided once; a seat sold already
// refuses the move whole.
func runReschedule(t *testing.T, f *fixture, open func(t *testing.T) backend.Store) {
	ctx := context.Background()
	t.Run("Reschedule", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := f.hall(t, s)
		p := f.perf(t, s, h, day)
		repl := f.perf(t, s, h, day.Add(30*24*time.Hour))
		starts := day.Add(30 * 24 * time.Hour).UTC()

		_, _, err := s.CreateReschedule(ctx, catalog.Reschedule{OriginID: "missing", ReplacementID: f.id("p"), JobID: f.id("j"),
			StartsAt: starts, Reservations: catalog.KeepReservations, OriginStatus: catalog.OnSale})
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = s.GetReschedule(ctx, p.ID)
		require.ErrorIs(t, err, store.ErrNotFound)

		var wg sync.WaitGroup
		got := make([]catalog.Reschedule, 8)
		made := make([]bool, 8)
		for i := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := repl.ID
				if i > 0 {
					id = f.id("p")
				}
				var err error
				got[i], made[i], err = s.CreateReschedule(ctx, catalog.Reschedule{OriginID: p.ID, ReplacementID: id, JobID: f.id("j"),
					StartsAt: starts, Reservations: catalog.DecideReservations, OriginStatus: catalog.OnSale})
				require.NoError(t, err)
			}()
		}
		wg.Wait()
		created := 0
		for i := range got {
			require.Equal(t, got[0], got[i])
			if made[i] {
				created++
			}
		}
		require.Equal(t, 1, created)
		r := got[0]
		require.True(t, starts.Equal(r.StartsAt))
		require.False(t, r.SetUp)
		requireUTC(t, r.StartsAt, r.CreatedAt)
		require.NoError(t, s.MarkRescheduleSetUp(ctx, p.ID))
		byRepl, err := s.GetReschedule(ctx, r.ReplacementID)
		require.NoError(t, err)
		require.True(t, byRepl.SetUp)
		require.Equal(t, p.ID, byRepl.OriginID)
		target := repl
		if r.ReplacementID != repl.ID { // another creator won: its replacement is not stored, use ours
			target.ID = repl.ID
		}

		// A paid order with a code, two seats, one printed.
		code := f.promotion(t, s, 1)
		o := f.order(p, "s", "", 1, 2)
		o.VoucherCode, o.Discount, o.Total = code.Code, 1000, o.Total-1000
		o, err = s.CreateOrder(ctx, o)
		require.NoError(t, err)
		require.NoError(t, s.SetBlocks(ctx, target.ID, []uint32{1, 2}, catalog.BlockMoving))
		no := o
		no.ID, no.Number, no.PerformanceID, no.Notes = f.id("o"), f.id("N-"), target.ID, "moved from "+o.Number
		no.Tickets = []order.Ticket{{Seat: 1, SeatID: "S1", Zone: "a", Price: 5000, Status: order.TicketLive}}
		no.IdempotencyKey, no.AccessKey = "", ""
		m := order.Move{OriginOrderID: o.ID, OriginID: p.ID, ReplacementID: target.ID, Kind: order.MovePaid, NewOrder: &no,
			OriginNote: "moved to " + no.Number, Clear: []uint32{1}, Block: []uint32{2}, BlockReason: catalog.BlockPrintedPrevious,
			Seats: 2, Printed: 1, Actor: "staff:reschedule"}
		stored, moved, err := s.MoveOrder(ctx, m)
		require.NoError(t, err)
		require.True(t, moved)
		require.Equal(t, no.ID, stored.NewOrderID)
		requireUTC(t, stored.CreatedAt)

		newOrder, err := s.GetOrder(ctx, no.ID)
		require.NoError(t, err)
		require.Equal(t, "moved from "+o.Number, newOrder.Notes)
		require.Equal(t, code.Code, newOrder.VoucherCode)
		require.Equal(t, int64(1000), newOrder.Discount)
		require.Equal(t, o.Total, newOrder.Total)
		require.Len(t, newOrder.Tickets, 1)
		require.NotEmpty(t, newOrder.Tickets[0].Code)
		orig, err := s.GetOrder(ctx, o.ID)
		require.NoError(t, err)
		require.Equal(t, "moved to "+no.Number, orig.Notes)
		require.Equal(t, order.Paid, orig.Status)
		hist, err := s.OrderHistory(ctx, o.ID)
		require.NoError(t, err)
		require.Equal(t, order.ActionRescheduled, hist[len(hist)-1].Action)
		blocks, err := s.Blocks(ctx, target.ID)
		require.NoError(t, err)
		require.Equal(t, []catalog.Block{{Seat: 2, Reason: catalog.BlockPrintedPrevious}}, blocks)
		require.Equal(t, []uint32{1}, soldSeats(t, s, target.ID))
		c, err := s.GetCode(ctx, code.Code)
		require.NoError(t, err)
		require.Equal(t, 1, c.Uses, "the code is not redeemed again")

		// Again (a resumed job): nothing written, the stored move back.
		again := m
		no2 := no
		no2.ID, no2.Number = f.id("o"), f.id("N-")
		again.NewOrder = &no2
		stored2, moved, err := s.MoveOrder(ctx, again)
		require.NoError(t, err)
		require.False(t, moved)
		require.Equal(t, no.ID, stored2.NewOrderID)
		require.Equal(t, 1, countOrders(t, s, target.ID))

		// A reservation pending, decided once.
		res, err := s.CreateOrder(ctx, reserved(f.order(p, "s2", "", 5)))
		require.NoError(t, err)
		pend := order.Move{OriginOrderID: res.ID, OriginID: p.ID, ReplacementID: target.ID, Kind: order.MovePending,
			OriginNote: "waits", Block: []uint32{5}, BlockReason: catalog.BlockReservedPrevious, Seats: 1, Actor: "staff:reschedule"}
		_, moved, err = s.MoveOrder(ctx, pend)
		require.NoError(t, err)
		require.True(t, moved)
		_, moved, err = s.MoveOrder(ctx, pend)
		require.NoError(t, err)
		require.False(t, moved, "pending again changes nothing")
		rel := order.Move{OriginOrderID: res.ID, OriginID: p.ID, ReplacementID: target.ID, Kind: order.MoveReleased,
			OriginNote: "released", Clear: []uint32{5}, Seats: 1, Actor: "staff:org"}
		_, moved, err = s.MoveOrder(ctx, rel)
		require.NoError(t, err)
		require.True(t, moved)
		_, moved, err = s.MoveOrder(ctx, rel)
		require.NoError(t, err)
		require.False(t, moved, "decided once")
		got1, err := s.GetOrderMove(ctx, res.ID)
		require.NoError(t, err)
		require.Equal(t, order.MoveReleased, got1.Kind)
		_, err = s.GetOrderMove(ctx, "missing")
		require.ErrorIs(t, err, store.ErrNotFound)

		// A seat sold on the replacement already refuses the move whole.
		other, err := s.CreateOrder(ctx, f.order(target, "buyer", "", 7))
		require.NoError(t, err)
		_ = other
		o3, err := s.CreateOrder(ctx, f.order(p, "s3", "", 7))
		require.NoError(t, err)
		no3 := o3
		no3.ID, no3.Number, no3.PerformanceID = f.id("o"), f.id("N-"), target.ID
		no3.IdempotencyKey, no3.AccessKey = "", ""
		no3.Tickets = []order.Ticket{{Seat: 7, SeatID: "S7", Zone: "a", Price: 5000, Status: order.TicketLive}}
		_, _, err = s.MoveOrder(ctx, order.Move{OriginOrderID: o3.ID, OriginID: p.ID, ReplacementID: target.ID, Kind: order.MovePaid,
			NewOrder: &no3, OriginNote: "x", Clear: []uint32{7}, Seats: 1, Actor: "staff:reschedule"})
		var sold *order.SeatsSoldError
		require.ErrorAs(t, err, &sold)
		_, err = s.GetOrderMove(ctx, o3.ID)
		require.ErrorIs(t, err, store.ErrNotFound, "nothing written")
		o3again, err := s.GetOrder(ctx, o3.ID)
		require.NoError(t, err)
		require.Empty(t, o3again.Notes)

		moves, err := s.OrderMoves(ctx, p.ID)
		require.NoError(t, err)
		require.Len(t, moves, 2)
	})
}
