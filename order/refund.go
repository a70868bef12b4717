package order

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/seatmap/seatmap/money"
	"github.com/seatmap/seatmap/pass"
)

// Refund is money (and perhaps seats) given back on a paid order.
type Refund struct {
	ID             string
	OrderID        string
	Amount         int64
	Seats          []uint32 // dense seat indices whose tickets it refunded
	Passes         []string // ids of the passes it refunded, ascending; no seats and no passes: money only
	Reason         string
	Method         string // how the money goes back: online, cash, card
	Actor          string
	IdempotencyKey string
	CreatedAt      time.Time
}

// RefundRequest asks for a refund of seats and passes (their share of what
// was paid) or, when both are empty, of Amount.
type RefundRequest struct {
	ID             string
	OrderID        string
	Seats          []uint32
	Passes         []string // pass ids; a block card's passes only all together
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
	// ErrBlockSplit: a refund names some cards of a block card but not all
	// its live cards; a block refunds whole (seed 002). Nothing was written.
	ErrBlockSplit = errors.New("a block card's cards cannot be refunded singly")
)

// SeatRefundAmount is what refunding seats of o gives back: their prices less
// their share of the order's discount, rounded down; the last seats refunded
// take whatever is left, so refunding every seat gives back exactly what was
// paid. It never exceeds o.Total - o.Refunded.
func SeatRefundAmount(o Order, seats []uint32) int64 { return RefundAmount(o, seats, nil) }

// RefundAmount is SeatRefundAmount of seats and passes (by id) together: a
// pass's share is its price on the receipt, so a block's free cards add
// nothing and its first card its price.
func RefundAmount(o Order, seats []uint32, passes []string) int64 {
	left := o.Total - o.Refunded
	want := make(map[uint32]bool, len(seats))
	for _, s := range seats {
		want[s] = true
	}
	wantPass := make(map[string]bool, len(passes))
	for _, id := range passes {
		wantPass[id] = true
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
	type unit struct{ line, unit int }
	wantUnit := map[unit]bool{}
	for _, p := range o.Passes {
		if wantPass[p.ID] {
			wantUnit[unit{p.Line, p.Unit}] = true
		}
	}
	for _, p := range o.Passes {
		switch {
		case wantPass[p.ID]:
			price += p.Price
		case p.State == pass.StateReplaced && wantUnit[unit{p.Line, p.Unit}]:
			// A pass that replaced another (a voucher exchanged, a card
			// moved or replaced) is on the receipt at 0, in its place: the
			// unit's price is the replaced one's.
			price += p.Price
		case standing(p):
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
	for _, p := range o.Passes {
		live = live || standing(p)
		refunded = refunded || !p.Live()
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
	d := ""
	if len(o.Tickets) > 0 || len(o.Passes) == 0 {
		d = strconv.Itoa(len(o.Tickets)) + " seat(s), "
	}
	if len(o.Passes) > 0 {
		d += strconv.Itoa(len(o.Passes)) + " pass(es), "
	}
	d += money.Format(o.Total, o.Currency)
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
	if len(r.Seats) == 0 && len(r.Passes) == 0 {
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
		passes, err := refundPasses(*o, r.Passes)
		if err != nil {
			return Refund{}, err
		}
		rf.Amount = RefundAmount(*o, r.Seats, passes)
		if len(r.Seats) > 0 {
			rf.Seats = append([]uint32(nil), r.Seats...)
			slices.Sort(rf.Seats)
		}
		rf.Passes = passes
		for i := range o.Tickets {
			if seen[o.Tickets[i].Seat] {
				o.Tickets[i].Status = TicketRefunded
			}
		}
		for i := range o.Passes {
			if slices.Contains(passes, o.Passes[i].ID) {
				o.Passes[i].State = pass.StateVoid
			}
		}
	}
	o.Refunded += rf.Amount
	o.Status = RefundedStatus(*o)
	return rf, nil
}

// standing says a pass still stands for what was sold: live, and not
// replaced by another pass (which then stands for it).
func standing(p pass.Pass) bool { return p.Live() && p.State != pass.StateReplaced }

// refundPasses checks the passes a refund names against o: each a live pass
// of it, not replaced (its successor is refunded instead), named once, and
// a block card's live cards all or none. It returns them sorted.
func refundPasses(o Order, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	type unit struct{ line, unit int }
	byID := make(map[string]pass.Pass, len(o.Passes))
	for _, p := range o.Passes {
		byID[p.ID] = p
	}
	seen := make(map[string]bool, len(ids))
	blocks := map[unit]int{} // cards of each block asked for
	for _, id := range ids {
		p, ok := byID[id]
		if !ok || !p.Live() || seen[id] {
			return nil, fmt.Errorf("pass %s is not a live pass of the order: %w", id, ErrNotRefundable)
		}
		if p.State == pass.StateReplaced {
			return nil, fmt.Errorf("pass %s was replaced by pass %s: refund that one: %w", id, p.ReplacedBy, ErrNotRefundable)
		}
		seen[id] = true
		if p.Kind == pass.KindBlock {
			blocks[unit{p.Line, p.Unit}]++
		}
	}
	for u, asked := range blocks {
		live := 0
		for _, p := range o.Passes {
			if p.Kind == pass.KindBlock && p.Line == u.line && p.Unit == u.unit && standing(p) {
				live++
			}
		}
		if asked != live {
			return nil, fmt.Errorf("%d of the %d cards of a block card asked for; refund all of them together: %w", asked, live, ErrBlockSplit)
		}
	}
	out := slices.Clone(ids)
	slices.Sort(out)
	return out, nil
}

// RefundDetail is the history detail of a refund.
func RefundDetail(o Order, rf Refund) string {
	d := money.Format(rf.Amount, o.Currency)
	if len(rf.Passes) > 0 {
		d = fmt.Sprintf("%d pass(es), %s", len(rf.Passes), d)
	}
	if len(rf.Seats) > 0 {
		d = fmt.Sprintf("%d seat(s), %s", len(rf.Seats), d)
	}
	if rf.Method != "" {
		d += " by " + rf.Method
	}
	return d
}
