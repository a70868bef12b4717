package store

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/seatmap/seatmap/money"
	"github.com/seatmap/seatmap/outbox"
)

// Order statuses after payment: a paid order that gave back part of its money
// is partially refunded, one that gave back all of it (or all its seats) is
// refunded.
const (
	OrderPartRefunded = "partially_refunded"
	OrderRefunded     = "refunded"
)

// Change says who changed an order and why. It is written to the order's
// history in the same transaction as the change, and so is its Notify message
// to the outbox: the change and its e-mail land together or not at all.
type Change struct {
	Actor  string          // "buyer", "system", or "staff:<login>"
	Reason string          // free text, may be empty
	Notify *outbox.Message // queued in the outbox with the change; nil: none
}

// Order history actions.
const (
	ActionCreated  = "created"  // reserved or paid, see Status
	ActionPaid     = "paid"     // a reservation paid
	ActionExtended = "extended" // a reservation's deadline moved
	ActionAnnulled = "annulled"
	ActionExpired  = "expired"
	ActionRefunded = "refunded"
	ActionResent   = "resent"   // the order e-mail sent again
	ActionReminded = "reminded" // the buyer reminded of a reservation's deadline
)

// OrderEvent is one entry of an order's history. The stores refuse to update
// or delete these rows: the trail cannot be edited.
type OrderEvent struct {
	OrderID string
	At      time.Time
	Action  string
	Actor   string
	Reason  string
	Status  string // the order's status after the event
	Detail  string // what changed, for people ("deadline 2026-12-09T10:00:00Z", "2 seats, 50.00")
}

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

// ErrExceedsPaid is returned when a refund would give back more than the order
// has left to refund. Nothing was written.
var ErrExceedsPaid = errors.New("refund exceeds what is left of the payment")

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
		return OrderRefunded
	case o.Refunded > 0 || refunded:
		return OrderPartRefunded
	}
	return OrderPaid
}

// SalesFilter selects what a sales report counts: orders made, and refunds
// given, in [From, To) (zero: unbounded), of one performance or all.
type SalesFilter struct {
	PerformanceID string
	From, To      time.Time
}

// SalesFigures are the counts and sums of a report line. Money is in minor
// units; Net is Gross - Discounts - Refunded.
type SalesFigures struct {
	Reservations  int   `json:"reservations"`   // orders reserved now
	ReservedSeats int   `json:"reserved_seats"` // their live tickets
	PaidOrders    int   `json:"paid_orders"`    // paid, partially refunded or refunded
	Seats         int   `json:"seats"`          // live tickets of paid orders
	RefundedSeats int   `json:"refunded_seats"`
	Refunds       int   `json:"refunds"`
	Gross         int64 `json:"gross"` // ticket prices of paid orders
	Discounts     int64 `json:"discounts"`
	Refunded      int64 `json:"refunded"`
	Net           int64 `json:"net"`
}

// SalesLine is the figures of one zone or channel.
type SalesLine struct {
	Key string // zone id or channel name
	SalesFigures
}

// SalesReport is a sales report: the total, by zone and by channel. The
// total and the channels count the refunds given in the period; a zone counts
// its tickets of the orders made in the period: their share of the orders'
// discounts and, for refunded tickets, what their refund gave back (refunds
// of an amount, not of seats, belong to no zone).
type SalesReport struct {
	Currency string
	Total    SalesFigures
	Zones    []SalesLine
	Channels []SalesLine
}

// CreatedDetail is the history detail of a new order.
// Every order writes one, so it is built by hand, not with fmt.
func CreatedDetail(o Order) string {
	d := strconv.Itoa(len(o.Tickets)) + " seat(s), " + money.Format(o.Total, o.Currency)
	if o.VoucherCode != "" {
		d += " after " + money.Format(o.Discount, o.Currency) + " off with " + o.VoucherCode
	}
	if !o.Deadline.IsZero() {
		d += ", reserved until " + o.Deadline.UTC().Format(time.RFC3339)
	}
	return d
}

// PlanRefund checks a refund request against o, a locked order with its
// tickets, and applies it to o: the refunded tickets, Refunded and Status.
// Both stores call it inside the transaction that writes the result, so the
// rules are the same everywhere.
func PlanRefund(o *Order, r RefundRequest, at time.Time) (Refund, error) {
	if o.Status != OrderPaid && o.Status != OrderPartRefunded {
		return Refund{}, fmt.Errorf("order is %s: %w", o.Status, ErrConflict)
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
				return Refund{}, fmt.Errorf("seat %d is not a live ticket of the order: %w", seat, ErrConflict)
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

// SalesBuilder sums the rows a store's report queries return into a report.
type SalesBuilder struct {
	currency string
	total    SalesFigures
	zones    map[string]*SalesFigures
	channels map[string]*SalesFigures
}

// NewSalesBuilder returns an empty builder.
func NewSalesBuilder() *SalesBuilder {
	return &SalesBuilder{zones: map[string]*SalesFigures{}, channels: map[string]*SalesFigures{}}
}

func (b *SalesBuilder) line(m map[string]*SalesFigures, key string) *SalesFigures {
	f := m[key]
	if f == nil {
		f = &SalesFigures{}
		m[key] = f
	}
	return f
}

// Orders adds a channel's orders: reserved and paid counts and discounts.
func (b *SalesBuilder) Orders(channel, currency string, reserved, paid int, discounts int64) {
	if b.currency == "" {
		b.currency = currency
	}
	for _, f := range []*SalesFigures{&b.total, b.line(b.channels, channel)} {
		f.Reservations += reserved
		f.PaidOrders += paid
		f.Discounts += discounts
	}
}

// TicketDiscountSQL is a ticket's share of its order's discount, in SQL over
// tickets t and orders o: the price's share of the order's gross, rounded
// down, as SeatRefundAmount divides it.
const TicketDiscountSQL = `coalesce(t.price * o.discount / nullif(o.total + o.discount, 0), 0)`

// Tickets adds the tickets of one channel and zone. The zone's discounts
// and refunded are its tickets' shares (see TicketDiscountSQL); the total's
// and the channels' come from Orders and Refunds.
func (b *SalesBuilder) Tickets(channel, zone string, reservedSeats, seats, refundedSeats int, gross, discounts, refunded int64) {
	for _, f := range []*SalesFigures{&b.total, b.line(b.channels, channel), b.line(b.zones, zone)} {
		f.ReservedSeats += reservedSeats
		f.Seats += seats
		f.RefundedSeats += refundedSeats
		f.Gross += gross
	}
	z := b.line(b.zones, zone)
	z.Discounts += discounts
	z.Refunded += refunded
}

// Refunds adds a channel's refunds.
func (b *SalesBuilder) Refunds(channel string, n int, amount int64) {
	for _, f := range []*SalesFigures{&b.total, b.line(b.channels, channel)} {
		f.Refunds += n
		f.Refunded += amount
	}
}

// Report returns the sums, lines sorted by key.
func (b *SalesBuilder) Report() SalesReport {
	r := SalesReport{Currency: b.currency, Total: b.total, Zones: lines(b.zones), Channels: lines(b.channels)}
	r.Total.Net = r.Total.Gross - r.Total.Discounts - r.Total.Refunded
	return r
}

func lines(m map[string]*SalesFigures) []SalesLine {
	out := make([]SalesLine, 0, len(m))
	for k, f := range m {
		f.Net = f.Gross - f.Discounts - f.Refunded
		out = append(out, SalesLine{Key: k, SalesFigures: *f})
	}
	slices.SortFunc(out, func(a, b SalesLine) int { return strings.Compare(a.Key, b.Key) })
	return out
}
