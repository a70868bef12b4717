package store

import (
	"slices"
	"strings"
	"time"
)

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
