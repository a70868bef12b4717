package sqlite

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/outbox"
	"github.com/seatmap/seatmap/voucher"
)

// TestOrderHistoryImmutable: the database itself refuses to edit or remove
// an order's history, whatever code tries.
func TestOrderHistoryImmutable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, tempPath(t))
	_, err := sellSeat4(t, s)("o1")
	require.NoError(t, err)
	before, err := s.OrderHistory(ctx, "o1")
	require.NoError(t, err)
	require.Len(t, before, 1)

	for _, q := range []string{
		`UPDATE order_events SET actor = 'someone else' WHERE order_id = 'o1'`,
		`UPDATE order_events SET order_id = 'o2'`,
		`DELETE FROM order_events WHERE order_id = 'o1'`,
		`DELETE FROM order_events`,
	} {
		_, err := s.w.ExecContext(ctx, q)
		require.ErrorContains(t, err, "order history cannot be edited", q)
	}
	after, err := s.OrderHistory(ctx, "o1")
	require.NoError(t, err)
	require.Equal(t, before, after)
}

// TestBatchRefusesCodeAlone: in a group commit, an order whose code is used
// up rolls back to its own savepoint; the orders before and after it in the
// batch are written whole, with their history, code use and message.
func TestBatchRefusesCodeAlone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, tempPath(t))
	require.NoError(t, s.CreateHall(ctx, catalog.Hall{ID: "h", Name: "H", Layout: []byte(`{}`), Seats: 10}))
	require.NoError(t, s.CreatePerformance(ctx, catalog.Performance{ID: "p", HallID: "h", Name: "P", Status: catalog.OnSale}))
	require.NoError(t, s.CreatePromotion(ctx, voucher.Code{Code: "ONCE", Name: "Once", Percent: 50, Currency: "EUR", MaxUses: 1,
		State: voucher.Available}))
	order := func(id string, seat uint32, code string) *orderRequest {
		o := order.Order{ID: id, Number: id, PerformanceID: "p", Status: order.Paid, Session: "s", Currency: "EUR",
			Total: 500, VoucherCode: code, CreatedAt: s.now(),
			Tickets: []order.Ticket{{Seat: seat, SeatID: id, Zone: "a", Price: 1000, Status: order.TicketLive}},
			Origin:  order.Change{Actor: "buyer", Notify: &outbox.Message{ID: "m-" + id, Kind: outbox.KindConfirmation, To: "a@example.com"}}}
		if code != "" {
			o.Discount = 500
		}
		order.Issue(&o) // as CreateOrder does; this test writes past it
		return &orderRequest{ctx: ctx, o: o, done: make(chan error, 1)}
	}
	errs := s.writeBatch([]*orderRequest{order("o1", 1, "ONCE"), order("o2", 2, "ONCE"), order("o3", 3, "")})
	require.NoError(t, errs[0])
	var ce *voucher.CodeError
	require.ErrorAs(t, errs[1], &ce)
	require.Equal(t, voucher.Redeemed, ce.Status)
	require.NoError(t, errs[2])

	for id, want := range map[string]int{"o1": 1, "o2": 0, "o3": 1} {
		for _, table := range []string{"orders", "tickets", "order_events", "outbox"} {
			col := "order_id"
			if table == "orders" {
				col = "id"
			}
			var n int
			require.NoError(t, s.r.QueryRowContext(ctx, `SELECT count(*) FROM `+table+` WHERE `+col+` = $1`, id).Scan(&n))
			require.Equal(t, want, n, "%s rows of %s", table, id)
		}
	}
	c, err := s.GetCode(ctx, "ONCE")
	require.NoError(t, err)
	require.Equal(t, 1, c.Uses)
	sold, err := s.SoldSeats(ctx, "p")
	require.NoError(t, err)
	require.Equal(t, []uint32{1, 3}, sold)
}
