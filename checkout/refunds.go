package checkout

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/internal/ids"
	"github.com/seatmap/seatmap/money"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/outbox"
	"github.com/seatmap/seatmap/pass"
	"github.com/seatmap/seatmap/seating"
)

// MaxReason bounds reasons given for refunds and other changes.
const MaxReason = 500

// RefundInput asks for a refund of seats (their share of what was paid) or of
// an amount.
type RefundInput struct {
	OrderID        string
	Seats          []string // public seat ids
	Passes         []string // pass ids; no seats and no passes: Amount
	Amount         int64
	Reason         string
	Method         string // cash, card or online; default: how the order was paid
	IdempotencyKey string
	Actor          seating.Actor
	// Notice opens the e-mail before what was refunded, and makes it a
	// message of kind outbox.KindCancelled (a cancel's one e-mail per
	// buyer); empty: a refund's e-mail.
	Notice string
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
	case (len(in.Seats) > 0 || len(in.Passes) > 0) && in.Amount != 0:
		return &input.Error{Field: "amount", Reason: "give seats and passes or an amount, not both"}
	case len(in.Seats) == 0 && len(in.Passes) == 0 && in.Amount <= 0:
		return &input.Error{Field: "amount", Reason: "give the seats or passes to refund, or an amount above zero in minor units"}
	case len(in.Passes) > 1000:
		return &input.Error{Field: "passes", Reason: "at most 1000 passes per refund"}
	case in.Amount > maxBookingAmount:
		return &input.Error{Field: "amount", Reason: "is larger than any order"}
	case len(in.Seats) > 1000:
		return &input.Error{Field: "seats", Reason: "at most 1000 seats per refund"}
	case in.Method != "" && in.Method != PayCash && in.Method != PayCard && in.Method != PayOnline && in.Method != PayNone:
		return &input.Error{Field: "method", Reason: "must be cash, card, online or none (no money moves through seatd)"}
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
	p, err := s.perfOf(ctx, o)
	if err != nil {
		return order.Order{}, order.Refund{}, false, err
	}
	req := order.RefundRequest{
		ID: ids.New("r", 12), OrderID: o.ID, Amount: in.Amount, Reason: in.Reason, Method: in.Method,
		IdempotencyKey: in.IdempotencyKey, Change: order.Change{Actor: in.Actor.Label()},
	}
	if req.Method == "" {
		req.Method = o.PaymentMethod
	}
	req.Passes = in.Passes
	if len(in.Seats) > 0 && p == nil {
		return order.Order{}, order.Refund{}, false, &input.Error{Field: "seats", Reason: "the order has no seats"}
	}
	if len(in.Seats) > 0 {
		idx, err := p.SeatIndices(in.Seats)
		if err != nil {
			return order.Order{}, order.Refund{}, false, err
		}
		req.Seats = idx
		if err := s.movedSeats(ctx, p, o, idx); err != nil {
			return order.Order{}, order.Refund{}, false, err
		}
	}
	// The e-mail shows the order after the refund; the store decides the
	// figures, so it is rendered from the same rules it applies.
	after := o
	after.Tickets = append([]order.Ticket(nil), o.Tickets...)
	after.Passes = append([]pass.Pass(nil), o.Passes...)
	if rf, err := order.PlanRefund(&after, req, s.now()); err == nil {
		intro := fmt.Sprintf("We have refunded %s (%s).", money.Format(rf.Amount, o.Currency), in.Reason)
		if after.Payments, err = s.store.Payments(ctx, o.ID); err != nil {
			return order.Order{}, order.Refund{}, false, err
		}
		if paid, ok := s.paidOnline(after.Payments); ok && req.Method == PayOnline && rf.Amount > 0 {
			// The refund is sent to the provider once stored: pending as the
			// e-mail is written.
			intro += " The money goes back to the card you paid with; it may take a few days to show."
			after.Payments = append(after.Payments, order.Payment{Kind: order.KindRefund, Provider: paid.Provider,
				Amount: rf.Amount, Currency: o.Currency, Status: order.StatusPending})
		}
		kind := outbox.KindRefund
		if in.Notice != "" {
			kind, intro = outbox.KindCancelled, in.Notice+" "+intro
		}
		m := s.message(p, after, kind, intro)
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
	if len(rf.Seats) > 0 && p != nil {
		// Also on a replay: the first attempt may have failed between its
		// commit and here. Seats already free are skipped.
		s.seats.Refunded(p, rf.Seats)
		s.freePrintedPrevious(ctx, p, rf.Seats) // a rescheduled date's printed tickets (issue 16)
	}
	// Money paid online goes back through the provider; also on a replay,
	// which asks the provider again with the same key if the first attempt
	// did not reach it.
	if err := s.refundOnline(ctx, o, rf); err != nil {
		return order.Order{}, order.Refund{}, false, err
	}
	if s.pay != nil && rf.Method == PayOnline {
		// The answer shows the payments as stored, the refund's own row
		// written just now among them.
		if pays, err := s.store.Payments(ctx, o.ID); err == nil {
			o.Payments = pays
		}
	}
	return o, rf, replayed, nil
}

// sameRefund reports whether rf is what req asks for: the same seats, or
// the same amount.
func sameRefund(rf order.Refund, req order.RefundRequest) bool {
	if len(req.Seats) == 0 && len(req.Passes) == 0 {
		return len(rf.Seats) == 0 && len(rf.Passes) == 0 && rf.Amount == req.Amount
	}
	want := slices.Sorted(slices.Values(req.Seats))
	passes := slices.Sorted(slices.Values(req.Passes))
	return slices.Equal(rf.Seats, slices.Compact(want)) && slices.Equal(rf.Passes, slices.Compact(passes))
}
