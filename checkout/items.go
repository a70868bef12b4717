package checkout

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/pass"
	"github.com/seatmap/seatmap/seating"
	"github.com/seatmap/seatmap/voucher"
)

// Selling products (issue 14). An order takes items — products and how many
// of each — alone or with a hold's seats: one order, one history entry, one
// e-mail, one payment. Each unit becomes passes (pass.Sell: a block card's
// cards, the first at the price and the others at 0), priced by the product
// as stored, never by the client. They are written with the order in its
// transaction and share its fate: live codes once it is paid (codes are
// shown as tickets' are, order.CodesShown), void when it ends unpaid.

// Item asks for Quantity units of a product.
type Item struct {
	ProductID string
	Quantity  int
}

// Products is what the checkout needs to sell products: package pass's
// Service.
type Products interface {
	Product(ctx context.Context, id string) (pass.Product, error)
	Facility(ctx context.Context) (pass.Facility, error)
}

// ErrNoProducts: the checkout was wired without products.
var ErrNoProducts = errors.New("products are not sold here")

func validateItems(items []Item) error {
	if len(items) > pass.MaxItems {
		return &input.Error{Field: "items", Reason: fmt.Sprintf("at most %d items per order", pass.MaxItems)}
	}
	for i, it := range items {
		switch {
		case it.ProductID == "" || len(it.ProductID) > 64:
			return &input.Error{Field: fmt.Sprintf("items[%d].product_id", i), Reason: "must be a product id"}
		case it.Quantity < 1 || it.Quantity > pass.MaxQuantity:
			return &input.Error{Field: fmt.Sprintf("items[%d].quantity", i), Reason: fmt.Sprintf("must be from 1 to %d", pass.MaxQuantity)}
		}
	}
	return nil
}

// itemChannel is the channel products are sold on: the web for buyers; for
// staff the hold's channel with seats, else the named one (box_office by
// default).
func itemChannel(a seating.Actor, named string) (string, error) {
	switch {
	case !a.Staff() && named != "":
		return "", &input.Error{Field: "channel", Reason: "only staff may sell from a named channel"}
	case !a.Staff():
		return seating.ChannelWeb, nil
	case named == "":
		return seating.ChannelBoxOffice, nil
	}
	return named, nil
}

// sellItems prices items on channel in currency (empty: the products'
// own, which must agree) and returns their passes, the first line numbered
// from line. Nothing is written.
func (s *Service) sellItems(ctx context.Context, items []Item, channel, currency string, at time.Time) ([]pass.Pass, string, error) {
	if len(items) == 0 {
		return nil, currency, nil
	}
	if s.products == nil {
		return nil, "", ErrNoProducts
	}
	f, err := s.products.Facility(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("facility settings: %w", err)
	}
	var out []pass.Pass
	for i, it := range items {
		field := fmt.Sprintf("items[%d].product_id", i)
		p, err := s.products.Product(ctx, it.ProductID)
		switch {
		case errors.Is(err, pass.ErrNotFound):
			return nil, "", &input.Error{Field: field, Reason: fmt.Sprintf("no product %q", it.ProductID)}
		case err != nil:
			return nil, "", err
		case p.Kind == pass.KindStaff:
			return nil, "", &input.Error{Field: field, Reason: "a staff card is given to a staff user, never sold"}
		case !p.SoldOn(channel):
			return nil, "", &input.Error{Field: field, Reason: fmt.Sprintf("%q is not on sale on the %s channel", p.Name, channel)}
		case currency != "" && p.Currency != currency:
			return nil, "", &input.Error{Field: field, Reason: fmt.Sprintf("%q is priced in %s, the order in %s", p.Name, p.Currency, currency)}
		}
		currency = p.Currency
		out = append(out, pass.Sell(p, i, it.Quantity, at, s.loc, f)...)
	}
	return out, currency, nil
}

// passTotal is what passes add to an order.
func passTotal(ps []pass.Pass) int64 {
	var t int64
	for _, p := range ps {
		t += p.Price
	}
	return t
}

// codeValue is what code c takes off o. A code applies to a line as it
// would to that line booked alone: seat lines are the performance's booking
// (its id is the offering, its start the time its date, weekday and time
// rules read), product lines are their product's (the product id is the
// offering, the time of sale the time). A code naming offerings therefore
// takes off only the lines it names (a performance, or products by id); one
// naming none applies to every line. The value is the code's on the lines it
// applies to, together: a percentage of their sum, or the amount up to it.
func (s *Service) codeValue(c voucher.Code, p *seating.Perf, o order.Order) (int64, string) {
	var groups []voucher.Booking
	if p != nil && len(o.Tickets) > 0 {
		var seats int64
		for _, t := range o.Tickets {
			seats += t.Price
		}
		groups = append(groups, s.booking(p, seats, o.Currency))
	}
	now := s.now().In(s.loc)
	at := map[string]int{}
	for _, ps := range o.Passes {
		i, ok := at[ps.ProductID]
		if !ok {
			i = len(groups)
			at[ps.ProductID] = i
			groups = append(groups, voucher.Booking{Offering: ps.ProductID, StartsAt: now, Currency: o.Currency})
		}
		groups[i].Amount += ps.Price
	}
	if len(groups) == 0 {
		return voucher.Evaluate(c, voucher.Booking{StartsAt: now, Currency: o.Currency})
	}
	var eligible int64
	first, reason := -1, ""
	for i, g := range groups {
		_, why := voucher.Evaluate(c, g)
		if why != "" {
			if reason == "" {
				reason = why
			}
			continue
		}
		if first < 0 {
			first = i
		}
		eligible += g.Amount
	}
	if first < 0 {
		return 0, reason
	}
	b := groups[first]
	b.Amount = eligible
	return voucher.Evaluate(c, b)
}

// perfOf is the performance of o's seats, or nil for an order of products
// alone, which has none.
func (s *Service) perfOf(ctx context.Context, o order.Order) (*seating.Perf, error) {
	if o.PerformanceID == "" {
		return nil, nil
	}
	return s.seats.Performance(ctx, o.PerformanceID)
}

// lapseItemOrders ends the orders of products alone whose payment window
// passed unpaid. Orders with seats lapse with their engine hold
// (expireLapsed); these hold no seats, so nothing is lost by ending them at
// the reminders' pace, and a payment arriving meanwhile simply pays them.
func (s *Service) lapseItemOrders(ctx context.Context, now time.Time) {
	pending, err := s.store.ListOrders(ctx, order.Filter{Status: order.PendingPayment, Limit: 1000})
	if err != nil {
		s.log.Warn("look for lapsed orders of products", "err", err)
		return
	}
	for _, o := range pending {
		if o.PerformanceID == "" && !o.Deadline.IsZero() && !o.Deadline.After(now) && s.endPaymentWindow(ctx, o) {
			// Best effort, as for seats: a payment that still succeeds sells
			// the order again.
			s.cancelPayment(ctx, o.ID)
		}
	}
}

// ChannelStaff is the channel of the orders that issue staff cards: given,
// never sold.
const ChannelStaff = "staff"

// IssueStaffCard gives a staff card of product (kind staff) to the staff
// member holder (seed 002: a staff card is not sold but assigned in the
// user administration). It is written as an order of its own on the staff
// channel, at 0, paid with no payment, so that the card has the history,
// the code and the QR code every pass has; it is handed over at once.
func (s *Service) IssueStaffCard(ctx context.Context, productID, holder string, a seating.Actor) (order.Order, error) {
	if s.products == nil {
		return order.Order{}, ErrNoProducts
	}
	if productID == "" || len(productID) > 64 {
		return order.Order{}, &input.Error{Field: "product_id", Reason: "must be a product id"}
	}
	p, err := s.products.Product(ctx, productID)
	switch {
	case errors.Is(err, pass.ErrNotFound):
		return order.Order{}, &input.Error{Field: "product_id", Reason: fmt.Sprintf("no product %q", productID)}
	case err != nil:
		return order.Order{}, err
	case p.Kind != pass.KindStaff:
		return order.Order{}, &input.Error{Field: "product_id", Reason: fmt.Sprintf("%q is a %s product, not a staff card", p.Name, p.Kind)}
	}
	f, err := s.products.Facility(ctx)
	if err != nil {
		return order.Order{}, fmt.Errorf("facility settings: %w", err)
	}
	passes := pass.Sell(p, 0, 1, s.now(), s.loc, f)
	for i := range passes {
		passes[i].Holder.Name = holder
	}
	o := order.Order{ID: NewOrderID(), Number: NewOrderNumber(), Session: a.Session, SoldBy: a.StaffID, Channel: ChannelStaff,
		Passes: passes, Currency: p.Currency, BuyerName: holder}
	order.Issue(&o)
	o.Status, o.PaymentMethod = order.Paid, PayNone
	o.Origin = order.Change{Actor: a.Label()}
	stored, err := s.createOrder(ctx, o)
	if err != nil {
		return order.Order{}, fmt.Errorf("issue staff card: %w", err)
	}
	return stored, nil
}
