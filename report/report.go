// Package report owns the sales report: what it counts and how the rows a
// store's queries return add up to it.
package report

import (
	"slices"
	"strings"
	"time"
)

// Filter selects what a sales report counts: orders made, and refunds
// given, in [From, To) (zero: unbounded), of one performance or all.
type Filter struct {
	PerformanceID string
	From, To      time.Time
}

// Figures are the counts and sums of a report line. Money is in minor
// units; Net is Gross - Discounts - Refunded.
type Figures struct {
	Reservations  int `json:"reservations"`   // orders reserved now
	ReservedSeats int `json:"reserved_seats"` // their live tickets
	PaidOrders    int `json:"paid_orders"`    // paid, partially refunded or refunded
	Seats         int `json:"seats"`          // live tickets of paid orders
	RefundedSeats int `json:"refunded_seats"`
	// Passes are the live passes of paid orders (access products, issue
	// 14), RefundedPasses those refunded; their prices are in Gross.
	Passes         int   `json:"passes"`
	RefundedPasses int   `json:"refunded_passes"`
	Refunds        int   `json:"refunds"`
	Gross          int64 `json:"gross"` // ticket and pass prices of paid orders
	Discounts      int64 `json:"discounts"`
	Refunded       int64 `json:"refunded"`
	Net            int64 `json:"net"`
}

// Line is the figures of one zone or channel.
type Line struct {
	Key string // zone id or channel name
	Figures
}

// Sales is a sales report: the total, by zone, by channel and by product
// (the passes sold, keyed by the product's name at the time of sale). The
// total and the channels count the refunds given in the period; a zone counts
// its tickets of the orders made in the period: their share of the orders'
// discounts and, for refunded tickets, what their refund gave back (refunds
// of an amount, not of seats, belong to no zone).
type Sales struct {
	Currency string
	Total    Figures
	Zones    []Line
	Channels []Line
	Products []Line
	// Fares are the tickets by the fare they were sold at (issue 16),
	// keyed by fare id, figured as zones are: a breakdown of the tickets,
	// not added to the total again.
	Fares []Line
	// Codes are the voucher and promotion codes used by the paid orders
	// made in the period (issue 17): how many orders, and what they took
	// off. A breakdown of the total's discounts, sorted by code.
	Codes []CodeLine
}

// CodeLine is one code's use in a sales report.
type CodeLine struct {
	Code     string
	Uses     int   // paid orders made with it
	Discount int64 // what it took off them
}

// Builder sums the rows a store's report queries return into a report.
type Builder struct {
	currency string
	total    Figures
	zones    map[string]*Figures
	channels map[string]*Figures
	products map[string]*Figures
	fares    map[string]*Figures
	codes    map[string]*CodeLine
}

// NewBuilder returns an empty builder.
func NewBuilder() *Builder {
	return &Builder{zones: map[string]*Figures{}, channels: map[string]*Figures{}, products: map[string]*Figures{}, fares: map[string]*Figures{}, codes: map[string]*CodeLine{}}
}

func (b *Builder) line(m map[string]*Figures, key string) *Figures {
	f := m[key]
	if f == nil {
		f = &Figures{}
		m[key] = f
	}
	return f
}

// Orders adds a channel's orders: reserved and paid counts and discounts.
func (b *Builder) Orders(channel, currency string, reserved, paid int, discounts int64) {
	if b.currency == "" {
		b.currency = currency
	}
	for _, f := range []*Figures{&b.total, b.line(b.channels, channel)} {
		f.Reservations += reserved
		f.PaidOrders += paid
		f.Discounts += discounts
	}
}

// Tickets adds the tickets of one channel and zone. The zone's discounts
// and refunded are its tickets' shares (store.TicketDiscountSQL in the stores); the total's
// and the channels' come from Orders and Refunds.
func (b *Builder) Tickets(channel, zone string, reservedSeats, seats, refundedSeats int, gross, discounts, refunded int64) {
	for _, f := range []*Figures{&b.total, b.line(b.channels, channel), b.line(b.zones, zone)} {
		f.ReservedSeats += reservedSeats
		f.Seats += seats
		f.RefundedSeats += refundedSeats
		f.Gross += gross
	}
	z := b.line(b.zones, zone)
	z.Discounts += discounts
	z.Refunded += refunded
}

// Fare adds the tickets of one fare (any channel and zone), as Tickets adds
// a zone's, to the fares breakdown only: Tickets counts the same tickets
// for the total.
func (b *Builder) Fare(fare string, reservedSeats, seats, refundedSeats int, gross, discounts, refunded int64) {
	f := b.line(b.fares, fare)
	f.ReservedSeats += reservedSeats
	f.Seats += seats
	f.RefundedSeats += refundedSeats
	f.Gross += gross
	f.Discounts += discounts
	f.Refunded += refunded
}

// Passes adds the passes of one channel and product, as Tickets adds a
// zone's tickets: the product's discounts and refunded are its passes'
// shares; the total's and the channels' come from Orders and Refunds.
func (b *Builder) Passes(channel, product string, passes, refundedPasses int, gross, discounts, refunded int64) {
	for _, f := range []*Figures{&b.total, b.line(b.channels, channel), b.line(b.products, product)} {
		f.Passes += passes
		f.RefundedPasses += refundedPasses
		f.Gross += gross
	}
	pr := b.line(b.products, product)
	pr.Discounts += discounts
	pr.Refunded += refunded
}

// Code adds the paid orders made with one voucher or promotion code.
func (b *Builder) Code(code string, uses int, discount int64) {
	c := b.codes[code]
	if c == nil {
		c = &CodeLine{Code: code}
		b.codes[code] = c
	}
	c.Uses += uses
	c.Discount += discount
}

// Refunds adds a channel's refunds.
func (b *Builder) Refunds(channel string, n int, amount int64) {
	for _, f := range []*Figures{&b.total, b.line(b.channels, channel)} {
		f.Refunds += n
		f.Refunded += amount
	}
}

// Report returns the sums, lines sorted by key.
func (b *Builder) Report() Sales {
	r := Sales{Currency: b.currency, Total: b.total, Zones: lines(b.zones), Channels: lines(b.channels), Products: lines(b.products), Fares: lines(b.fares)}
	r.Total.Net = r.Total.Gross - r.Total.Discounts - r.Total.Refunded
	r.Codes = make([]CodeLine, 0, len(b.codes))
	for _, c := range b.codes {
		r.Codes = append(r.Codes, *c)
	}
	slices.SortFunc(r.Codes, func(a, b CodeLine) int { return strings.Compare(a.Code, b.Code) })
	return r
}

func lines(m map[string]*Figures) []Line {
	out := make([]Line, 0, len(m))
	for k, f := range m {
		f.Net = f.Gross - f.Discounts - f.Refunded
		out = append(out, Line{Key: k, Figures: *f})
	}
	slices.SortFunc(out, func(a, b Line) int { return strings.Compare(a.Key, b.Key) })
	return out
}
