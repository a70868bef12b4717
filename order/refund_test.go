package order

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/pass"
)

// paidOrder has three seats of 30.00, 20.00 and 10.00 EUR, 6.00 off.
func paidOrder() Order {
	return Order{ID: "o1", Status: Paid, Currency: "EUR", Total: 5400, Discount: 600, Tickets: []Ticket{
		{Seat: 1, Price: 3000, Status: TicketLive},
		{Seat: 2, Price: 2000, Status: TicketLive},
		{Seat: 3, Price: 1000, Status: TicketLive},
	}}
}

// TestRefundsGiveBackWhatWasPaid: a seat gives back its price less its share
// of the discount, rounded down; the last seats take what is left, so that
// refunding every seat gives back exactly the total.
func TestRefundsGiveBackWhatWasPaid(t *testing.T) {
	o := paidOrder()
	at := time.Date(2030, 3, 1, 12, 0, 0, 0, time.UTC)
	var back int64
	for i, seat := range []uint32{2, 3, 1} {
		rf, err := PlanRefund(&o, RefundRequest{ID: "r", OrderID: o.ID, Seats: []uint32{seat}}, at)
		require.NoError(t, err)
		back += rf.Amount
		if i < 2 {
			require.Equal(t, PartRefunded, o.Status)
		}
	}
	require.Equal(t, int64(1800+900+2700), back, "2000·0.9 + 1000·0.9, then the rest")
	require.Equal(t, o.Total, back)
	require.Equal(t, Refunded, o.Status)

	_, err := PlanRefund(&o, RefundRequest{ID: "r", Amount: 1}, at)
	require.True(t, errors.Is(err, ErrNotRefundable), "a refunded order: %v", err)
}

func TestRefundRefusals(t *testing.T) {
	at := time.Now()
	for name, c := range map[string]struct {
		r    RefundRequest
		want error
	}{
		"nothing":         {RefundRequest{Amount: 0}, ErrExceedsPaid},
		"more than paid":  {RefundRequest{Amount: 5401}, ErrExceedsPaid},
		"seat not sold":   {RefundRequest{Seats: []uint32{9}}, ErrNotRefundable},
		"seat twice":      {RefundRequest{Seats: []uint32{1, 1}}, ErrNotRefundable},
		"a reservation":   {RefundRequest{Amount: 100}, ErrNotRefundable},
		"all of it is ok": {RefundRequest{Amount: 5400}, nil},
	} {
		t.Run(name, func(t *testing.T) {
			o := paidOrder()
			if name == "a reservation" {
				o.Status = Reserved
			}
			before := o
			_, err := PlanRefund(&o, c.r, at)
			if c.want == nil {
				require.NoError(t, err)
				require.Equal(t, Refunded, o.Status)
				return
			}
			require.ErrorIs(t, err, c.want)
			require.Equal(t, before.Status, o.Status, "a refused refund changes nothing")
			require.Equal(t, before.Refunded, o.Refunded)
		})
	}
}

// A block card refunds whole: some of its cards are refused, all of them
// give back its price; a pass refund shares the discount like seats.
func TestRefundPassesOfABlock(t *testing.T) {
	at := time.Date(2030, 3, 1, 12, 0, 0, 0, time.UTC)
	o := Order{ID: "o1", Status: Paid, Currency: "EUR", Total: 9000, Discount: 1000}
	for i := range 4 {
		price := int64(0)
		if i == 0 {
			price = 8000
		}
		o.Passes = append(o.Passes, pass.Pass{ID: fmt.Sprintf("b%d", i), Kind: pass.KindBlock, Price: price, State: pass.StateHandedOver})
	}
	o.Passes = append(o.Passes, pass.Pass{ID: "day", Kind: pass.KindDay, Line: 1, Price: 2000, State: pass.StateHandedOver})

	_, err := PlanRefund(&o, RefundRequest{ID: "r", Passes: []string{"b1", "b2"}}, at)
	require.ErrorIs(t, err, ErrBlockSplit)
	require.Zero(t, o.Refunded)

	rf, err := PlanRefund(&o, RefundRequest{ID: "r", Passes: []string{"b3", "b0", "b2", "b1"}}, at)
	require.NoError(t, err)
	require.Equal(t, int64(8000*9000/10000), rf.Amount, "its price less its share of the discount")
	require.Equal(t, []string{"b0", "b1", "b2", "b3"}, rf.Passes)
	require.Equal(t, PartRefunded, o.Status)

	_, err = PlanRefund(&o, RefundRequest{ID: "r", Passes: []string{"b0"}}, at)
	require.ErrorIs(t, err, ErrNotRefundable, "a void pass")
	rf, err = PlanRefund(&o, RefundRequest{ID: "r", Passes: []string{"day"}}, at)
	require.NoError(t, err)
	require.Equal(t, int64(9000-7200), rf.Amount, "the last pass takes what is left")
	require.Equal(t, Refunded, o.Status)
}

// A pass replaced by another (a voucher exchanged, a card moved to another
// medium) is not refunded itself: its successor, on the receipt at 0, is,
// and gives back the unit's price.
func TestRefundReplacedPass(t *testing.T) {
	at := time.Date(2030, 3, 1, 12, 0, 0, 0, time.UTC)
	o := Order{ID: "o1", Status: Paid, Currency: "EUR", Total: 8900 + 1500}
	o.Passes = []pass.Pass{
		{ID: "voucher", Kind: pass.KindPassVoucher, Price: 8900, State: pass.StateReplaced, ReplacedBy: "annual"},
		{ID: "annual", Kind: pass.KindAnnual, Price: 0, State: pass.StateHandedOver},
		{ID: "day", Kind: pass.KindDay, Line: 1, Price: 1500, State: pass.StateHandedOver},
	}
	_, err := PlanRefund(&o, RefundRequest{ID: "r", Passes: []string{"voucher"}}, at)
	require.ErrorIs(t, err, ErrNotRefundable)
	require.ErrorContains(t, err, "replaced by pass annual")
	require.Zero(t, o.Refunded)

	rf, err := PlanRefund(&o, RefundRequest{ID: "r", Passes: []string{"annual"}}, at)
	require.NoError(t, err)
	require.Equal(t, int64(8900), rf.Amount, "the exchanged pass gives back the voucher's price")
	require.Equal(t, PartRefunded, o.Status)
	rf, err = PlanRefund(&o, RefundRequest{ID: "r", Passes: []string{"day"}}, at)
	require.NoError(t, err)
	require.Equal(t, int64(1500), rf.Amount)
	require.Equal(t, Refunded, o.Status, "a replaced pass does not keep the order live")
}
