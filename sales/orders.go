package sales

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"

	"github.com/seatmap/seatmap/engine"
	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/outbox"
	"github.com/seatmap/seatmap/store"
	"github.com/seatmap/seatmap/voucher"
)

// Payment methods. Buyers on the web pay online (no payment provider here); the
// box office records cash or card.
const (
	PayOnline = "online"
	PayCash   = "cash"
	PayCard   = "card"
)

// ConfirmInput turns a hold into an order.
type ConfirmInput struct {
	Token          string
	Actor          Actor
	BuyerName      string
	BuyerEmail     string
	IdempotencyKey string // optional; a retry with the same key returns the first order
	PaymentMethod  string // staff: cash or card; buyers: empty (online)
	VoucherCode    string // optional voucher or promotion
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
	switch {
	case in.Token == "":
		return &input.Error{Field: "hold_token", Reason: "is empty"}
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
	if p, err := s.load(ctx, o.PerformanceID); err == nil && o.Status == order.Paid {
		if p.shard.Confirm(in.Token) != nil {
			_, _, _ = p.shard.MarkSold(ticketSeats(o))
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

// order prices a pinned hold's seats into an order. The caller holds p.mu for
// reading, so zones do not move under the prices.
func (s *Service) order(p *perf, v engine.HoldView, a Actor) (order.Order, error) {
	zoneOf := p.shard.ZonesOf(v.Seats, make([]uint16, 0, len(v.Seats)))
	zones := p.zones()
	o := order.Order{
		ID: newOrderID(), Number: newOrderNumber(), PerformanceID: p.id,
		Session: a.Session, HoldToken: v.Token, SoldBy: a.StaffID,
		Channel: ChannelWeb,
	}
	if names := p.channelNames(v.Channels); a.Staff() && len(names) > 0 {
		o.Channel = names[len(names)-1] // the most specific channel sold from
	}
	for i, seat := range v.Seats {
		if zoneOf[i] == hall.NoZone || int(zoneOf[i]) >= len(zones) {
			return order.Order{}, &TakenError{Seats: p.ids([]uint32{seat})}
		}
		z := zones[zoneOf[i]]
		o.Tickets = append(o.Tickets, order.Ticket{Seat: seat, SeatID: p.hall.Seats[seat].ID, Zone: z.ID, Price: z.Price, Status: order.TicketLive})
		o.Total += z.Price
		o.Currency = z.Currency
	}
	return o, nil
}

// refusedOrder turns the store's refusal of an order into the caller's
// answer: seats sold meanwhile, or a code refused.
func refusedOrder(p *perf, what string, err error) error {
	var sold *order.SeatsSoldError
	var code *voucher.CodeError
	switch {
	case errors.As(err, &code):
		return &voucher.InvalidError{Code: code.Code, Reason: voucher.ReasonFor(code.Status)}
	case errors.As(err, &sold):
		// The store knows sales this shard does not (another node, or a
		// retry that landed): believe the store.
		_, _, _ = p.shard.MarkSold(sold.Seats)
		return &TakenError{Seats: p.ids(sold.Seats)}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// createOrder stores an order, drawing a new number in the unlikely case one is
// taken.
func (s *Service) createOrder(ctx context.Context, o order.Order) (order.Order, error) {
	var stored order.Order
	var err error
	for attempt := 0; ; attempt++ {
		stored, err = s.store.CreateOrder(ctx, o)
		if errors.Is(err, store.ErrDuplicate) && attempt < 3 {
			o.ID, o.Number = newOrderID(), newOrderNumber()
			continue
		}
		return stored, err
	}
}

func (s *Service) confirm(ctx context.Context, in ConfirmInput) (order.Order, error) {
	p, err := s.shardOf(ctx, in.Token)
	if err != nil {
		return order.Order{}, err
	}
	if p.reserved(in.Token) {
		return order.Order{}, ErrReserved
	}
	v, err := p.shard.Pin(in.Token, in.Actor.may())
	if err != nil {
		return order.Order{}, err
	}
	p.mu.RLock()
	o, err := s.order(p, v, in.Actor)
	p.mu.RUnlock()
	if err != nil {
		p.shard.Unpin(in.Token)
		return order.Order{}, err
	}
	o.Status, o.PaymentMethod = order.Paid, in.PaymentMethod
	o.BuyerName, o.BuyerEmail, o.IdempotencyKey = in.BuyerName, in.BuyerEmail, in.IdempotencyKey
	if in.VoucherCode != "" {
		if err := s.applyCode(ctx, p, &o, in.VoucherCode); err != nil {
			p.shard.Unpin(in.Token)
			return order.Order{}, err
		}
	}
	o.Origin = order.Change{Actor: in.Actor.label(), Notify: s.confirmationMessage(p, o)}
	stored, err := s.createOrder(ctx, o)
	if err != nil {
		p.shard.Unpin(in.Token)
		return order.Order{}, refusedOrder(p, "store order", err)
	}
	if err := p.shard.Confirm(in.Token); err != nil {
		s.log.Error("confirm stored order in engine", "order", stored.ID, "err", err)
	}
	s.caps.drop(in.Token)
	s.dropLease(p, in.Token) // the order is committed: no waiting for the lease store
	return stored, nil
}

// GetOrder returns an order to the session that made it, or to staff.
func (s *Service) GetOrder(ctx context.Context, id string, a Actor) (order.Order, error) {
	var o order.Order
	o, err := s.store.GetOrder(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !a.Staff() && o.Session != a.Session) {
		return order.Order{}, fmt.Errorf("order %s: %w", id, ErrOrderNotFound)
	}
	return o, err
}

// ListOrders lists orders for staff.
func (s *Service) ListOrders(ctx context.Context, f order.Filter) ([]order.Order, error) {
	var out []order.Order
	out, err := s.store.ListOrders(ctx, f)
	return out, err
}

// ---- reservations (pay-later bookings, "бронь") ----

// MaxReservationDays bounds how far ahead a reservation may run.
const MaxReservationDays = 60

func validDays(days int) error {
	if days < 1 || days > MaxReservationDays {
		return &input.Error{Field: "days", Reason: fmt.Sprintf("must be from 1 to %d", MaxReservationDays)}
	}
	return nil
}

// Reserve turns a hold into a reservation for a buyer: an order that keeps the
// seats until days from now, paid later at the box office or let expire. A
// voucher or promotion code (optional) is counted now and given back if the
// reservation ends unpaid.
func (s *Service) Reserve(ctx context.Context, token string, a Actor, days int, buyerName, buyerEmail, code string) (order.Order, error) {
	if err := validDays(days); err != nil {
		return order.Order{}, err
	}
	if len(code) > 2*(voucher.MaxCodeLen+voucher.MaxPrefix) {
		return order.Order{}, &input.Error{Field: "voucher_code", Reason: "is too long to be a code"}
	}
	if err := validateBuyer(&buyerName, &buyerEmail, true); err != nil {
		return order.Order{}, err
	}
	p, err := s.shardOf(ctx, token)
	if err != nil {
		return order.Order{}, err
	}
	if p.reserved(token) {
		return order.Order{}, ErrReserved
	}
	v, err := p.shard.Pin(token, a.may())
	if err != nil {
		return order.Order{}, err
	}
	deadline := s.now().Add(time.Duration(days) * 24 * time.Hour).UTC().Truncate(time.Microsecond)
	p.mu.Lock() // the reservation map changes with the order
	defer p.mu.Unlock()
	o, err := s.order(p, v, a)
	if err != nil {
		p.shard.Unpin(token)
		return order.Order{}, err
	}
	o.Status, o.Deadline, o.BuyerName, o.BuyerEmail = order.Reserved, deadline, buyerName, buyerEmail
	if code != "" {
		if err := s.applyCode(ctx, p, &o, code); err != nil {
			p.shard.Unpin(token)
			return order.Order{}, err
		}
	}
	o.Origin = order.Change{Actor: a.label(), Notify: s.message(p, o, outbox.KindReservation, "Your seats are reserved for you.")}
	stored, err := s.createOrder(ctx, o)
	if err != nil {
		p.shard.Unpin(token)
		return order.Order{}, refusedOrder(p, "store reservation", err)
	}
	// The store now holds the reservation; the engine hold runs to the deadline.
	// A lease would only duplicate it: a rebuild restores reservations from the
	// store.
	p.reservations[token] = &reservation{OrderID: stored.ID, Number: stored.Number, Buyer: buyerName, Email: buyerEmail, Deadline: deadline}
	if err := p.shard.Extend(token, engine.AnyOwner, deadline); err != nil {
		s.log.Error("extend reserved hold", "order", stored.ID, "err", err)
	}
	p.shard.Unpin(token)
	p.shard.Touch()
	s.caps.drop(token)
	s.dropLease(p, token)
	return stored, nil
}

// reservationOf finds a reserved order and its performance.
func (s *Service) reservationOf(ctx context.Context, id string) (order.Order, *perf, error) {
	var o order.Order
	o, err := s.store.GetOrder(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return order.Order{}, nil, fmt.Errorf("order %s: %w", id, ErrOrderNotFound)
	}
	if err != nil {
		return order.Order{}, nil, err
	}
	if o.Status != order.Reserved {
		return order.Order{}, nil, fmt.Errorf("order %s is %s: %w", o.Number, o.Status, ErrNotReserved)
	}
	p, err := s.load(ctx, o.PerformanceID)
	return o, p, err
}

func reservationErr(err error) error {
	if errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("%w: %v", ErrNotReserved, err)
	}
	return err
}

// ExtendReservation moves a reservation's deadline days later.
func (s *Service) ExtendReservation(ctx context.Context, id string, days int, a Actor, reason string) (order.Order, error) {
	if err := validateReason(&reason, false); err != nil {
		return order.Order{}, err
	}
	if err := validDays(days); err != nil {
		return order.Order{}, err
	}
	o, p, err := s.reservationOf(ctx, id)
	if err != nil {
		return order.Order{}, err
	}
	deadline := o.Deadline.Add(time.Duration(days) * 24 * time.Hour)
	if limit := s.now().Add(MaxReservationDays * 24 * time.Hour); deadline.After(limit) {
		return order.Order{}, &input.Error{Field: "days", Reason: fmt.Sprintf("a reservation may run at most %d days ahead", MaxReservationDays)}
	}
	after := o
	after.Deadline = deadline
	c := order.Change{Actor: a.label(), Reason: reason,
		Notify: s.message(p, after, outbox.KindReservation, "Your reservation has been extended.")}
	o, err = s.store.ExtendReservation(ctx, id, deadline, c)
	if err != nil {
		return order.Order{}, reservationErr(err)
	}
	p.mu.Lock()
	if r := p.reservations[o.HoldToken]; r != nil {
		r.Deadline = o.Deadline
	}
	p.mu.Unlock()
	if err := p.shard.Extend(o.HoldToken, engine.AnyOwner, o.Deadline); err != nil {
		s.log.Error("extend reserved hold", "order", id, "err", err)
	}
	return o, nil
}

// AnnulReservation cancels a reservation and frees its seats.
func (s *Service) AnnulReservation(ctx context.Context, id string, a Actor, reason string) (order.Order, error) {
	if err := validateReason(&reason, false); err != nil {
		return order.Order{}, err
	}
	return s.endReservation(ctx, id, func(ctx context.Context, o order.Order, p *perf) (order.Order, error) {
		o.Status = order.Annulled
		c := order.Change{Actor: a.label(), Reason: reason,
			Notify: s.message(p, o, outbox.KindLapsed, "Your reservation has been annulled, and its seats are back on sale.")}
		return s.store.EndReservation(ctx, id, order.Annulled, c)
	}, func(p *perf, token string) error { return p.shard.Release(token, engine.AnyOwner) })
}

// PayReservation takes payment for a reservation: its seats are sold.
func (s *Service) PayReservation(ctx context.Context, id, method string, a Actor) (order.Order, error) {
	if method != PayCash && method != PayCard {
		return order.Order{}, &input.Error{Field: "method", Reason: "must be cash or card"}
	}
	return s.endReservation(ctx, id, func(ctx context.Context, o order.Order, p *perf) (order.Order, error) {
		paid := o
		paid.Status, paid.Deadline, paid.PaymentMethod = order.Paid, time.Time{}, method
		c := order.Change{Actor: a.label(), Notify: s.confirmationMessage(p, paid)}
		return s.store.PayReservation(ctx, id, method, a.StaffID, c)
	}, func(p *perf, token string) error { return p.shard.Confirm(token) })
}

// endReservation writes the order's new state, then moves the seats: the store
// decides, the engine follows.
func (s *Service) endReservation(ctx context.Context, id string, write func(context.Context, order.Order, *perf) (order.Order, error), seats func(*perf, string) error) (order.Order, error) {
	o, p, err := s.reservationOf(ctx, id)
	if err != nil {
		return order.Order{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	o, err = write(ctx, o, p)
	if err != nil {
		return order.Order{}, reservationErr(err)
	}
	delete(p.reservations, o.HoldToken)
	if err := seats(p, o.HoldToken); err != nil {
		s.log.Error("seats of an ended reservation", "order", id, "err", err)
		if o.Status == order.Paid {
			_, _, _ = p.shard.MarkSold(ticketSeats(o))
		}
	}
	p.shard.Touch()
	return o, nil
}

// endReservationLater queues a reservation whose deadline passed; the sweeper
// marks it expired, retrying while the store is down.
func (s *Service) endReservationLater(orderID string) {
	s.pendMu.Lock()
	s.pending[orderID] = struct{}{}
	s.pendMu.Unlock()
}

func (s *Service) expirePending(ctx context.Context) {
	s.pendMu.Lock()
	ids := make([]string, 0, len(s.pending))
	for id := range s.pending {
		ids = append(ids, id)
	}
	s.pendMu.Unlock()
	for _, id := range ids {
		c := order.Change{Actor: "system", Reason: "deadline passed", Notify: s.lapsedMessage(ctx, id)}
		_, err := s.store.EndReservation(ctx, id, order.Expired, c)
		if err != nil && !errors.Is(err, store.ErrConflict) && !errors.Is(err, store.ErrNotFound) {
			continue // retry on the next sweep
		}
		s.pendMu.Lock()
		delete(s.pending, id)
		s.pendMu.Unlock()
	}
}

// lapsedMessage tells the buyer a reservation expired; nil when the order
// cannot be read (the expiry goes ahead without it).
func (s *Service) lapsedMessage(ctx context.Context, id string) *outbox.Message {
	o, err := s.store.GetOrder(ctx, id)
	if err != nil || o.Status != order.Reserved {
		return nil
	}
	p, err := s.load(ctx, o.PerformanceID)
	if err != nil {
		return nil
	}
	o.Status = order.Expired
	return s.message(p, o, outbox.KindLapsed, "Your reservation was not paid by its deadline, so it has expired and its seats are back on sale.")
}
