package checkout

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode"

	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/seating"
	"github.com/seatmap/seatmap/store"
	"github.com/seatmap/seatmap/voucher"
)

// Payment methods. Buyers on the web pay online, through the payment
// provider (see payments.go); with no payment step (-payment none: free
// events, venues that collect elsewhere) or nothing to pay, a web order is
// recorded as none, unpaid by design. The box office records cash or card.
const (
	PayOnline = "online"
	PayNone   = "none"
	PayCash   = "cash"
	PayCard   = "card"
)

// ConfirmInput turns a hold into an order.
type ConfirmInput struct {
	Token          string
	Actor          seating.Actor
	BuyerName      string
	BuyerEmail     string
	IdempotencyKey string // optional; a retry with the same key returns the first order
	PaymentMethod  string // staff: cash or card; buyers: empty (online)
	VoucherCode    string // optional voucher or promotion
	// Items are products sold with the hold's seats, or alone (no Token).
	Items []Item
	// Channel (staff, products alone) is the channel they are sold on;
	// empty: box_office. With a hold, the hold's channel.
	Channel string
	// Fares chooses a fare per seat of the hold: public seat id → fare id
	// (pricing.Fare); seats not named are sold at the normal fare.
	Fares map[string]string
}

// MaxIdempotencyKey bounds the Idempotency-Key header.
const MaxIdempotencyKey = 200

// validateBuyer checks a buyer's name and e-mail; required says whether they may
// be empty (walk-in customers at the counter give neither).
func validateBuyer(name, email *string, required bool) error {
	*name = strings.TrimSpace(*name)
	*email = strings.TrimSpace(*email)
	switch {
	case required && *name == "":
		return &input.Error{Field: "buyer.name", Reason: "is empty"}
	case len(*name) > hall.MaxNameLen:
		return &input.Error{Field: "buyer.name", Reason: fmt.Sprintf("is longer than %d characters", hall.MaxNameLen)}
	case strings.IndexFunc(*name, unicode.IsControl) >= 0:
		return &input.Error{Field: "buyer.name", Reason: "contains control characters"}
	case len(*email) > 254:
		return &input.Error{Field: "buyer.email", Reason: "is longer than 254 characters"}
	case *email == "" && !required:
		return nil
	}
	if a, err := mail.ParseAddress(*email); err != nil || a.Address != *email || !strings.Contains(a.Address, "@") {
		return &input.Error{Field: "buyer.email", Reason: fmt.Sprintf("%q is not an e-mail address", *email)}
	}
	return nil
}

func (in *ConfirmInput) validate() error {
	if err := validateItems(in.Items); err != nil {
		return err
	}
	switch {
	case in.Token == "" && len(in.Items) == 0:
		return &input.Error{Field: "hold_token", Reason: "is empty; give a hold's token, items, or both"}
	case in.Token == "" && len(in.Fares) > 0:
		return &input.Error{Field: "fares", Reason: "fares are chosen for a hold's seats; give its hold_token"}
	case len(in.IdempotencyKey) > MaxIdempotencyKey:
		return &input.Error{Field: "Idempotency-Key", Reason: fmt.Sprintf("is longer than %d characters", MaxIdempotencyKey)}
	case len(in.VoucherCode) > 2*(voucher.MaxCodeLen+voucher.MaxPrefix):
		return &input.Error{Field: "voucher_code", Reason: "is too long to be a code"}
	}
	switch {
	case in.Actor.Staff() && in.PaymentMethod == "":
		in.PaymentMethod = PayCash
	case !in.Actor.Staff() && in.PaymentMethod != "":
		return &input.Error{Field: "payment", Reason: "buyers pay online; payment methods are for the box office"}
	case !in.Actor.Staff():
		in.PaymentMethod = PayOnline
	}
	if in.PaymentMethod != PayOnline && in.PaymentMethod != PayCash && in.PaymentMethod != PayCard {
		return &input.Error{Field: "payment.method", Reason: "must be cash or card"}
	}
	return validateBuyer(&in.BuyerName, &in.BuyerEmail, !in.Actor.Staff())
}

// Confirm sells the seats of a hold. The hold is pinned (it cannot expire or be
// released) while the order is written; only a stored order turns the seats
// sold. With an idempotency key, retries — also concurrent ones — return the
// first order and never sell twice. replayed reports a retry.
func (s *Service) Confirm(ctx context.Context, in ConfirmInput) (o order.Order, replayed bool, err error) {
	if err := in.validate(); err != nil {
		return order.Order{}, false, err
	}
	if in.IdempotencyKey == "" {
		o, err := s.confirm(ctx, in)
		return o, false, err
	}
	type result struct {
		o        order.Order
		replayed bool
	}
	v, err, shared := s.confirms.Do(in.Actor.Session+"\x00"+in.IdempotencyKey, func() (any, error) {
		// The first attempt is the common case, so it goes first and costs no
		// look-up. A retry shows itself by failing — its hold is gone (the
		// first attempt sold it), or the store refuses the key (the first
		// attempt's order is stored) — and only then is the earlier order
		// looked up; a key reused for another hold is refused whatever that
		// hold's own error. Concurrent retries on this node share this call;
		// across nodes the key's unique index decides.
		o, err := s.confirm(ctx, in)
		if err == nil {
			return result{o, false}, nil
		}
		if ctx.Err() != nil {
			return result{}, err
		}
		prev, replayed, rerr := s.replay(ctx, in)
		switch {
		case errors.Is(rerr, ErrIdempotencyMismatch):
			return result{}, rerr
		case rerr != nil || !replayed:
			return result{}, err // no earlier order: this attempt's own error stands
		}
		return result{prev, true}, nil
	})
	if err != nil {
		return order.Order{}, false, err
	}
	r := v.(result)
	return r.o, r.replayed || shared, nil
}

// replay returns the order already made with in's idempotency key, if any, and
// makes sure the engine shows its seats sold.
func (s *Service) replay(ctx context.Context, in ConfirmInput) (order.Order, bool, error) {
	var o order.Order
	o, err := s.store.OrderByIdempotencyKey(ctx, in.Actor.Session, in.IdempotencyKey)
	if errors.Is(err, store.ErrNotFound) {
		return order.Order{}, false, nil
	}
	if err != nil {
		return order.Order{}, false, fmt.Errorf("look up idempotency key: %w", err)
	}
	if o.HoldToken != in.Token {
		return order.Order{}, false, ErrIdempotencyMismatch
	}
	// A first attempt may have stored the order and then failed before the seats
	// turned sold (a timeout after commit): converge now.
	if p, err := s.seats.Performance(ctx, o.PerformanceID); err == nil && o.Status == order.Paid {
		s.seats.SoldAgain(p, in.Token, ticketSeats(o))
	}
	if o.Status == order.PendingPayment {
		if o.Payments, err = s.store.Payments(ctx, o.ID); err != nil {
			return order.Order{}, false, err
		}
	}
	return o, true, nil
}

func ticketSeats(o order.Order) []uint32 {
	seats := make([]uint32, len(o.Tickets))
	for i, t := range o.Tickets {
		seats[i] = t.Seat
	}
	return seats
}

// refusedOrder turns the store's refusal of an order into the caller's
// answer: seats sold meanwhile, or a code refused.
func (s *Service) refusedOrder(p *seating.Perf, what string, err error) error {
	var sold *order.SeatsSoldError
	var code *voucher.CodeError
	switch {
	case errors.As(err, &code):
		return &voucher.InvalidError{Code: code.Code, Reason: voucher.ReasonFor(code.Status)}
	case p != nil && errors.As(err, &sold):
		// The store knows sales the shard does not (another node, or a
		// retry that landed): believe the store.
		s.seats.MarkSold(p, sold.Seats)
		return &seating.TakenError{Seats: p.SeatIDs(sold.Seats)}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// createOrder stores an order, drawing a new number in the unlikely case one is
// taken.
func (s *Service) createOrder(ctx context.Context, o order.Order) (order.Order, error) {
	// Several nodes (issue 18): the order is written under the fencing
	// token of the shard that pinned its seats, so an owner that lost the
	// performance meanwhile cannot sell.
	ctx, err := s.seats.Fenced(ctx, o.PerformanceID)
	if err != nil {
		return order.Order{}, err
	}
	var stored order.Order
	for attempt := 0; ; attempt++ {
		stored, err = s.store.CreateOrder(ctx, o)
		if errors.Is(err, store.ErrDuplicate) && attempt < 3 {
			o.ID, o.Number = NewOrderID(), NewOrderNumber()
			continue
		}
		return stored, err
	}
}

func (s *Service) confirm(ctx context.Context, in ConfirmInput) (order.Order, error) {
	if in.Token == "" {
		return s.confirmItems(ctx, in)
	}
	if in.Channel != "" {
		return order.Order{}, &input.Error{Field: "channel", Reason: "with a hold, products are sold on the hold's channel"}
	}
	p, q, err := s.seats.PinForSale(ctx, in.Token, in.Actor)
	if err != nil {
		return order.Order{}, err
	}
	if err := s.applyFares(ctx, p, &q, in.Fares, in.Actor); err != nil {
		s.seats.Unpin(p, in.Token)
		return order.Order{}, err
	}
	o := s.newOrder(p, q, in.Actor)
	if len(in.Items) > 0 {
		o.Passes, _, err = s.sellItems(ctx, in.Items, q.Channel, o.Currency, s.now())
		if err != nil {
			s.seats.Unpin(p, in.Token)
			return order.Order{}, err
		}
		o.Total += passTotal(o.Passes)
		order.Issue(&o)
	}
	o.Status, o.PaymentMethod = order.Paid, in.PaymentMethod
	o.BuyerName, o.BuyerEmail, o.IdempotencyKey = in.BuyerName, in.BuyerEmail, in.IdempotencyKey
	if in.VoucherCode != "" {
		if err := s.applyCode(ctx, p, &o, in.VoucherCode); err != nil {
			s.seats.Unpin(p, in.Token)
			return order.Order{}, err
		}
	}
	if s.pay != nil && !in.Actor.Staff() && o.Total > 0 {
		return s.confirmPending(ctx, p, o, in)
	}
	if !in.Actor.Staff() {
		o.PaymentMethod = PayNone // confirmed with no payment: unpaid by design
	}
	o.Origin = order.Change{Actor: in.Actor.Label(), Notify: s.confirmationMessage(o)}
	stored, err := s.createOrder(ctx, o)
	if err != nil {
		s.seats.Unpin(p, in.Token)
		return order.Order{}, s.refusedOrder(p, "store order", err)
	}
	s.seats.Sold(p, in.Token)
	s.sold.Add(1)
	return stored, nil
}

// confirmItems sells products alone: no seats, no performance. The order
// is written paid (box office, or no payment step) or pending_payment (a
// web buyer with a payment provider), as with seats.
func (s *Service) confirmItems(ctx context.Context, in ConfirmInput) (order.Order, error) {
	channel, err := itemChannel(in.Actor, in.Channel)
	if err != nil {
		return order.Order{}, err
	}
	passes, currency, err := s.sellItems(ctx, in.Items, channel, "", s.now())
	if err != nil {
		return order.Order{}, err
	}
	o := order.Order{ID: NewOrderID(), Number: NewOrderNumber(), Session: in.Actor.Session, SoldBy: in.Actor.StaffID,
		Channel: channel, Passes: passes, Total: passTotal(passes), Currency: currency}
	order.Issue(&o)
	o.Status, o.PaymentMethod = order.Paid, in.PaymentMethod
	o.BuyerName, o.BuyerEmail, o.IdempotencyKey = in.BuyerName, in.BuyerEmail, in.IdempotencyKey
	if in.VoucherCode != "" {
		if err := s.applyCode(ctx, nil, &o, in.VoucherCode); err != nil {
			return order.Order{}, err
		}
	}
	if s.pay != nil && !in.Actor.Staff() && o.Total > 0 {
		return s.confirmPending(ctx, nil, o, in)
	}
	if !in.Actor.Staff() {
		o.PaymentMethod = PayNone
	}
	o.Origin = order.Change{Actor: in.Actor.Label(), Notify: s.confirmationMessage(o)}
	stored, err := s.createOrder(ctx, o)
	if err != nil {
		return order.Order{}, s.refusedOrder(nil, "store order", err)
	}
	return stored, nil
}

// newOrder is the order a quote makes, before its status, buyer and code.
// Its tickets get their ids and codes here, from crypto/rand, and are
// written with it; a reservation's codes are shown once it is paid.
func (s *Service) newOrder(p *seating.Perf, q seating.Quote, a seating.Actor) order.Order {
	o := order.Order{
		ID: NewOrderID(), Number: NewOrderNumber(), PerformanceID: p.ID(),
		Session: a.Session, HoldToken: q.Token, SoldBy: a.StaffID, Channel: q.Channel,
		Tickets: append([]order.Ticket(nil), q.Tickets...), Total: q.Total, Currency: q.Currency,
	}
	order.Issue(&o)
	return o
}
