package order

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/seatmap/seatmap/money"
)

// Refund is money (and perhaps seats) given back on a paid order.
type Refund struct {
	ID             string
	OrderID        string
	Amount         int64
	Seats          []uint32 // dense seat indices whose tickets it refunded; empty: money only
	Reason         string
	Method         string // how the money goes back: online, cash, card
	Actor          string
	IdempotencyKey string
	CreatedAt      time.Time
}

// RefundRequest asks for a refund of seats (their share of what was paid) or,
// when Seats is empty, of Amount.
type RefundRequest struct {
	ID             string
	OrderID        string
	Seats          []uint32
	Amount         int64
	Reason         string
	Method         string
	IdempotencyKey string // required; a second request with it returns the first refund
	Change         Change // Actor and Notify; Reason is the request's
}

var (
	// ErrExceedsPaid: a refund would give back more than the order has left
	// to refund (or nothing at all). Nothing was written.
	ErrExceedsPaid = errors.New("refund exceeds what is left of the payment")
	// ErrNotRefundable: the order is not paid, or a seat asked for is not a
	// live ticket of it. Nothing was written.
	ErrNotRefundable = errors.New("order cannot be refunded so")
)

// SeatRefundAmount is what refunding seats of o gives back: their prices less
// their share of the order's discount, rounded down; the last seats refunded
// take whatever is left, so refunding every seat gives back exactly what was
// paid. It never exceeds o.Total - o.Refunded.
func SeatRefundAmount(o Order, seats []uint32) int64 {
	left := o.Total - o.Refunded
	want := make(map[uint32]bool, len(seats))
	for _, s := range seats {
		want[s] = true
	}
	var price int64
	liveOthers := false
	for _, t := range o.Tickets {
		switch {
		case want[t.Seat]:
			price += t.Price
		case t.Status == TicketLive:
			liveOthers = true
		}
	}
	if !liveOthers {
		return max(left, 0)
	}
	gross := o.Total + o.Discount
	if gross <= 0 {
		return 0
	}
	// price*Total fits: both are bounded far below 2^31 minor units per order.
	amount := price * o.Total / gross
	return min(amount, max(left, 0))
}

// RefundedStatus is the status of a paid order after refunds: refunded once
// all its money or all its tickets went back, partially refunded before.
func RefundedStatus(o Order) string {
	live, refunded := false, false
	for _, t := range o.Tickets {
		live = live || t.Status == TicketLive
		refunded = refunded || t.Status == TicketRefunded
	}
	switch {
	case !live || (o.Total > 0 && o.Refunded >= o.Total):
		return Refunded
	case o.Refunded > 0 || refunded:
		return PartRefunded
	}
	return Paid
}

// CreatedDetail is the history detail of a new order.
// Every order writes one, so it is built by hand, not with fmt.
func CreatedDetail(o Order) string {
	d := strconv.Itoa(len(o.Tickets)) + " seat(s), " + money.Format(o.Total, o.Currency)
	if o.VoucherCode != "" {
		d += " after " + money.Format(o.Discount, o.Currency) + " off with " + o.VoucherCode
	}
	switch {
	case o.Status == PendingPayment:
		d += ", to be paid by " + o.Deadline.UTC().Format(time.RFC3339)
	case !o.Deadline.IsZero():
		d += ", reserved until " + o.Deadline.UTC().Format(time.RFC3339)
	}
	return d
}

// PlanRefund checks a refund request against o, a locked order with its
// tickets, and applies it to o: the refunded tickets, Refunded and Status.
// Both stores call it inside the transaction that writes the result, so the
// rules are the same everywhere.
func PlanRefund(o *Order, r RefundRequest, at time.Time) (Refund, error) {
	if o.Status != Paid && o.Status != PartRefunded {
		return Refund{}, fmt.Errorf("order is %s: %w", o.Status, ErrNotRefundable)
	}
	rf := Refund{ID: r.ID, OrderID: o.ID, Reason: r.Reason, Method: r.Method, Actor: r.Change.Actor,
		IdempotencyKey: r.IdempotencyKey, CreatedAt: at}
	left := o.Total - o.Refunded
	if len(r.Seats) == 0 {
		switch {
		case r.Amount <= 0:
			return Refund{}, fmt.Errorf("amount %d: %w", r.Amount, ErrExceedsPaid)
		case r.Amount > left:
			return Refund{}, fmt.Errorf("%s asked, %s left: %w", money.Format(r.Amount, o.Currency), money.Format(left, o.Currency), ErrExceedsPaid)
		}
		rf.Amount = r.Amount
	} else {
		live := make(map[uint32]bool, len(o.Tickets))
		for _, t := range o.Tickets {
			if t.Status == TicketLive {
				live[t.Seat] = true
			}
		}
		seen := make(map[uint32]bool, len(r.Seats))
		for _, seat := range r.Seats {
			if !live[seat] || seen[seat] {
				return Refund{}, fmt.Errorf("seat %d is not a live ticket of the order: %w", seat, ErrNotRefundable)
			}
			seen[seat] = true
		}
		rf.Amount = SeatRefundAmount(*o, r.Seats)
		rf.Seats = append([]uint32(nil), r.Seats...)
		slices.Sort(rf.Seats)
		for i := range o.Tickets {
			if seen[o.Tickets[i].Seat] {
				o.Tickets[i].Status = TicketRefunded
			}
		}
	}
	o.Refunded += rf.Amount
	o.Status = RefundedStatus(*o)
	return rf, nil
}

// RefundDetail is the history detail of a refund.
func RefundDetail(o Order, rf Refund) string {
	d := money.Format(rf.Amount, o.Currency)
	if len(rf.Seats) > 0 {
		d = fmt.Sprintf("%d seat(s), %s", len(rf.Seats), d)
	}
	if rf.Method != "" {
		d += " by " + rf.Method
	}
	return d
}
