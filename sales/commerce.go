package sales

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/internal/ids"
	"github.com/seatmap/seatmap/money"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/outbox"
	"github.com/seatmap/seatmap/report"
	"github.com/seatmap/seatmap/store"
	"github.com/seatmap/seatmap/voucher"
)

// label is how the order history names an actor.
func (a Actor) label() string {
	if a.Staff() {
		return "staff:" + a.Login
	}
	return "buyer"
}

// applyCode prices a voucher or promotion into o. The code is checked here
// against the booking for its reasons; the store checks its state and counts
// its use in the transaction that writes the order, so a code blocked or used
// up since is refused there.
func (s *Service) applyCode(ctx context.Context, p *perf, o *order.Order, code string) error {
	c, err := s.codes.Code(ctx, code)
	if errors.Is(err, voucher.ErrNotFound) {
		return &voucher.InvalidError{Code: voucher.Normalize(code), Reason: voucher.ReasonUnknown}
	}
	if err != nil {
		return err
	}
	value, reason := voucher.Evaluate(c, s.booking(p, o.Total, o.Currency))
	if reason != "" {
		return &voucher.InvalidError{Code: c.Code, Reason: reason}
	}
	o.VoucherCode, o.Discount, o.Total = c.Code, value, o.Total-value
	return nil
}

// ---- e-mails ----

// subjects are the e-mails' subjects by kind, around the order number.
var subjects = map[string]string{
	outbox.KindConfirmation: "Your tickets: order %s",
	outbox.KindReservation:  "Your reservation: order %s",
	outbox.KindRefund:       "Your refund: order %s",
	outbox.KindResend:       "Your order %s (sent again)",
	outbox.KindLapsed:       "Your reservation %s has ended",
	outbox.KindReminder:     "Your reservation %s ends soon",
}

// message renders an e-mail about o. Buyers without an address get none.
func (s *Service) message(p *perf, o order.Order, kind, intro string) *outbox.Message {
	if o.BuyerEmail == "" {
		return nil
	}
	meta := p.meta.Load()
	var b strings.Builder
	if o.BuyerName != "" {
		fmt.Fprintf(&b, "Hello %s,\n\n", o.BuyerName)
	}
	b.WriteString(intro)
	fmt.Fprintf(&b, "\n\nOrder %s\n%s, %s\n\n", o.Number, meta.Name, meta.StartsAt.In(s.loc).Format("Mon 2 Jan 2006 15:04 MST"))
	var gross int64
	for _, t := range o.Tickets {
		state := ""
		if t.Status == order.TicketRefunded {
			state = "  (refunded)"
		}
		fmt.Fprintf(&b, "  Seat %-14s %-10s %14s%s\n", t.SeatID, t.Zone, money.Format(t.Price, o.Currency), state)
		gross += t.Price
	}
	if o.Discount > 0 {
		fmt.Fprintf(&b, "  %-25s %14s\n", "Discount "+o.VoucherCode, "-"+money.Format(o.Discount, o.Currency))
	}
	fmt.Fprintf(&b, "  %-25s %14s\n", "Total", money.Format(o.Total, o.Currency))
	if o.Refunded > 0 {
		fmt.Fprintf(&b, "  %-25s %14s\n", "Refunded", "-"+money.Format(o.Refunded, o.Currency))
	}
	if !o.Deadline.IsZero() && o.Status == order.Reserved {
		fmt.Fprintf(&b, "\nPlease pay by %s, or the reservation lapses and the seats go back on sale.\n", o.Deadline.In(s.loc).Format("Mon 2 Jan 2006 15:04 MST"))
	}
	return &outbox.Message{
		ID: ids.New("m", 12), Kind: kind, To: o.BuyerEmail,
		Subject: fmt.Sprintf(subjects[kind], o.Number), Body: b.String(),
	}
}

const confirmationIntro = "Thank you for your order. Your tickets:"

// confirmationMessage is the e-mail queued with a paid order, without its
// body: every web order writes one, in its own transaction, so the outbox
// row names the order and RenderMessage writes the text when it goes out.
// The rendered text would be a tenth of what the order's commit writes
// (BenchmarkCreateOrderParallel/grouped+mail) and rendering it on the order's
// path a few per cent of seatd's CPU in a surge; a confirmation shows the
// order as it stands anyway.
func (s *Service) confirmationMessage(p *perf, o order.Order) *outbox.Message {
	if o.BuyerEmail == "" {
		return nil
	}
	return &outbox.Message{ID: ids.New("m", 12), Kind: outbox.KindConfirmation, To: o.BuyerEmail,
		Subject: fmt.Sprintf(subjects[outbox.KindConfirmation], o.Number)}
}

// RenderMessage gives a message from the outbox its text: a confirmation
// queued without one gets the order as it is now. Messages that have a text
// come back as they are.
func (s *Service) RenderMessage(ctx context.Context, m outbox.Message) (outbox.Message, error) {
	if m.Body != "" {
		return m, nil
	}
	if m.Kind != outbox.KindConfirmation {
		return outbox.Message{}, fmt.Errorf("message %s (%s) has no text", m.ID, m.Kind)
	}
	var o order.Order
	o, err := s.store.GetOrder(ctx, m.OrderID)
	if err != nil {
		return outbox.Message{}, fmt.Errorf("render message %s: %w", m.ID, err)
	}
	p, err := s.load(ctx, o.PerformanceID)
	if err != nil {
		return outbox.Message{}, fmt.Errorf("render message %s: %w", m.ID, err)
	}
	if r := s.message(p, o, m.Kind, confirmationIntro); r != nil {
		m.Body = r.Body
	}
	return m, nil
}

// ---- refunds ----

// MaxReason bounds reasons given for refunds and other changes.
const MaxReason = 500

// RefundInput asks for a refund of seats (their share of what was paid) or of
// an amount.
type RefundInput struct {
	OrderID        string
	Seats          []string // public seat ids; empty: Amount
	Amount         int64
	Reason         string
	Method         string // cash, card or online; default: how the order was paid
	IdempotencyKey string
	Actor          Actor
}

func validateReason(r *string, required bool) error {
	*r = strings.TrimSpace(*r)
	switch {
	case required && *r == "":
		return &input.Error{Field: "reason", Reason: "is empty; say why"}
	case len(*r) > MaxReason:
		return &input.Error{Field: "reason", Reason: fmt.Sprintf("is longer than %d characters", MaxReason)}
	}
	return nil
}

func (in *RefundInput) validate() error {
	switch {
	case in.IdempotencyKey == "":
		return &input.Error{Field: "Idempotency-Key", Reason: "is required for refunds, so that a retry never refunds twice"}
	case len(in.IdempotencyKey) > MaxIdempotencyKey:
		return &input.Error{Field: "Idempotency-Key", Reason: fmt.Sprintf("is longer than %d characters", MaxIdempotencyKey)}
	case len(in.Seats) > 0 && in.Amount != 0:
		return &input.Error{Field: "amount", Reason: "give seats or an amount, not both"}
	case len(in.Seats) == 0 && in.Amount <= 0:
		return &input.Error{Field: "amount", Reason: "give the seats to refund, or an amount above zero in minor units"}
	case in.Amount > maxBookingAmount:
		return &input.Error{Field: "amount", Reason: "is larger than any order"}
	case len(in.Seats) > 1000:
		return &input.Error{Field: "seats", Reason: "at most 1000 seats per refund"}
	case in.Method != "" && in.Method != PayCash && in.Method != PayCard && in.Method != PayOnline:
		return &input.Error{Field: "method", Reason: "must be cash, card or online"}
	}
	return validateReason(&in.Reason, true)
}

// Refund gives back seats or money of a paid order. Refunded seats are for
// sale again at once, and every open seat map sees them free. With the same
// idempotency key a retry — also a concurrent one — returns the first refund.
func (s *Service) Refund(ctx context.Context, in RefundInput) (order.Order, order.Refund, bool, error) {
	if err := in.validate(); err != nil {
		return order.Order{}, order.Refund{}, false, err
	}
	o, err := s.GetOrder(ctx, in.OrderID, in.Actor)
	if err != nil {
		return order.Order{}, order.Refund{}, false, err
	}
	p, err := s.load(ctx, o.PerformanceID)
	if err != nil {
		return order.Order{}, order.Refund{}, false, err
	}
	req := order.RefundRequest{
		ID: ids.New("r", 12), OrderID: o.ID, Amount: in.Amount, Reason: in.Reason, Method: in.Method,
		IdempotencyKey: in.IdempotencyKey, Change: order.Change{Actor: in.Actor.label()},
	}
	if req.Method == "" {
		req.Method = o.PaymentMethod
	}
	if len(in.Seats) > 0 {
		idx, err := p.indices(in.Seats)
		if err != nil {
			return order.Order{}, order.Refund{}, false, err
		}
		req.Seats = idx
	}
	// The e-mail shows the order after the refund; the store decides the
	// figures, so it is rendered from the same rules it applies.
	after := o
	after.Tickets = append([]order.Ticket(nil), o.Tickets...)
	if rf, err := order.PlanRefund(&after, req, s.now()); err == nil {
		m := s.message(p, after, outbox.KindRefund, fmt.Sprintf("We have refunded %s (%s).", money.Format(rf.Amount, o.Currency), in.Reason))
		req.Change.Notify = m
	}
	var rf order.Refund
	var replayed bool
	o, rf, replayed, err = s.store.RefundOrder(ctx, req)
	switch {
	case err != nil:
		return order.Order{}, order.Refund{}, false, err
	case replayed && !sameRefund(rf, req):
		// The key names another refund: a client bug, and answering with the
		// first refund would let it believe this one happened.
		return order.Order{}, order.Refund{}, false, fmt.Errorf("%w: the key was used for the refund %s", ErrIdempotencyMismatch, rf.ID)
	}
	if len(rf.Seats) > 0 {
		// Also on a replay: the first attempt may have failed between its
		// commit and here. Seats already free are skipped.
		if _, _, err := p.shard.Refund(rf.Seats); err != nil {
			s.log.Error("free refunded seats", "order", o.ID, "err", err)
		}
	}
	return o, rf, replayed, nil
}

// indices maps public seat ids of p's hall to dense indices.
func (p *perf) indices(ids []string) ([]uint32, error) {
	out := make([]uint32, 0, len(ids))
	var unknown []string
	for _, id := range ids {
		i, ok := p.hall.Lookup(id)
		if !ok {
			unknown = append(unknown, id)
			continue
		}
		out = append(out, i)
	}
	if len(unknown) > 0 {
		return nil, &UnknownSeatsError{IDs: unknown}
	}
	return out, nil
}

// sameRefund reports whether rf is what req asks for: the same seats, or
// the same amount.
func sameRefund(rf order.Refund, req order.RefundRequest) bool {
	if len(req.Seats) == 0 {
		return len(rf.Seats) == 0 && rf.Amount == req.Amount
	}
	want := slices.Sorted(slices.Values(req.Seats))
	return slices.Equal(rf.Seats, slices.Compact(want))
}

// ---- the order page ----

// OrderDetails is everything the order page shows.
type OrderDetails struct {
	Order    order.Order
	History  []order.Event
	Refunds  []order.Refund
	Messages []outbox.Message
}

// OrderDetails returns an order with its history, refunds and e-mails, for
// staff.
func (s *Service) OrderDetails(ctx context.Context, id string, a Actor) (OrderDetails, error) {
	o, err := s.GetOrder(ctx, id, a)
	if err != nil {
		return OrderDetails{}, err
	}
	d := OrderDetails{Order: o}
	if d.History, err = s.store.OrderHistory(ctx, id); err != nil {
		return OrderDetails{}, err
	}
	if d.Refunds, err = s.store.Refunds(ctx, id); err != nil {
		return OrderDetails{}, err
	}
	d.Messages, err = s.store.OrderMessages(ctx, id)
	return d, err
}

// Resend queues the order's e-mail again.
func (s *Service) Resend(ctx context.Context, id string, a Actor) (outbox.Message, error) {
	o, err := s.GetOrder(ctx, id, a)
	if err != nil {
		return outbox.Message{}, err
	}
	if o.BuyerEmail == "" {
		return outbox.Message{}, &input.Error{Field: "buyer.email", Reason: "the order has no e-mail address to send to"}
	}
	p, err := s.load(ctx, o.PerformanceID)
	if err != nil {
		return outbox.Message{}, err
	}
	m := s.message(p, o, outbox.KindResend, "As asked, here is your order again.")
	err = s.store.RecordOrderEvent(ctx, id, order.ActionResent, "to "+o.BuyerEmail, order.Change{Actor: a.label(), Notify: m})
	if err != nil {
		return outbox.Message{}, err
	}
	m.OrderID = o.ID
	return *m, nil
}

// ---- statistics ----

// SalesReport is a store report plus the holds open now.
type SalesReport struct {
	report.Sales
	Holds     int // open holds of the performance (0 for reports over all)
	HeldSeats int
}

// SalesReport sums orders made and refunds given in [from, to) (zero:
// unbounded), for one performance or all.
func (s *Service) SalesReport(ctx context.Context, performanceID string, from, to time.Time) (SalesReport, error) {
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		return SalesReport{}, &input.Error{Field: "to", Reason: "must be after from"}
	}
	var out SalesReport
	if performanceID != "" {
		p, err := s.load(ctx, performanceID)
		if err != nil {
			return SalesReport{}, err
		}
		st := p.shard.Stats()
		out.Holds, out.HeldSeats = p.shard.HoldCount(), st.Total.Held
	}
	var err error
	out.Sales, err = s.store.SalesReport(ctx, report.Filter{PerformanceID: performanceID, From: from, To: to})
	return out, err
}

// remindDue queues a reminder for each reservation whose deadline is within
// ReminderLead, once: the store refuses a second reminder of an order, so
// nodes sweeping side by side cannot both send one.
func (s *Service) remindDue(ctx context.Context, now time.Time) {
	var due []order.Order
	due, err := s.store.RemindersDue(ctx, now, s.cfg.ReminderLead, 100)
	if err != nil {
		s.log.Warn("look for reservations to remind", "err", err)
		return
	}
	for _, o := range due {
		p, err := s.load(ctx, o.PerformanceID)
		if err != nil {
			continue
		}
		deadline := o.Deadline.In(s.loc).Format("Mon 2 Jan 2006 15:04 MST")
		m := s.message(p, o, outbox.KindReminder, "A reminder: your reservation ends on "+deadline+".")
		err = s.store.RecordOrderEvent(ctx, o.ID, order.ActionReminded, "deadline "+o.Deadline.UTC().Format(time.RFC3339),
			order.Change{Actor: "system", Notify: m})
		if err != nil && !errors.Is(err, store.ErrDuplicate) {
			s.log.Warn("remind of a reservation", "order", o.ID, "err", err)
		}
	}
}
