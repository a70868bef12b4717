package checkout

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/seatmap/seatmap/internal/ids"
	"github.com/seatmap/seatmap/money"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/outbox"
	"github.com/seatmap/seatmap/payment"
	"github.com/seatmap/seatmap/seating"
	"github.com/seatmap/seatmap/store"
)

// How buyers pay online. With a payment provider configured (Config.Payments),
// a web buyer's Confirm does not sell at once: the order is written as
// pending_payment, like a reservation — its tickets are live, so nobody can
// sell its seats, its Deadline is the end of the payment window, and the
// engine keeps its seats in a hold that runs to that deadline
// (seating.Reserved) — and the provider is asked for a payment. This is how
// the hold is extended to cover the payment window: the buyer's hold becomes
// the pending order's, and a rebuild restores it from the store as it
// restores reservations.
//
// The provider's events then decide (PaymentEvent): succeeded pays the order
// (tickets, the confirmation e-mail, seats sold); failed ends it as
// payment_failed and frees the seats (written first, then the engine). A
// window that ends first ends the order the same way (the lapse loop), and
// cancels the payment at the provider. A payment that succeeds after its
// order ended sells the same seats again if nobody has taken them — the
// engine takes them first, then the store's one-live-ticket-per-seat rule
// decides — and is otherwise given back through the provider at once, the
// buyer told: never a double sale, never money kept without a ticket.
//
// PaymentProvider is what the checkout needs of a payment provider: package
// payment's Provider without its webhook, which package api reads and hands
// the events of here (PaymentEvent).
type PaymentProvider interface {
	Name() string
	Create(ctx context.Context, r payment.Request) (payment.Intent, error)
	Cancel(ctx context.Context, paymentID, idempotencyKey string) error
	Refund(ctx context.Context, r payment.RefundRequest) (payment.Refund, error)
}

var (
	// ErrProvider: the payment provider failed or could not be reached.
	// Nothing the buyer asked for happened (a payment not started ended its
	// order); a retry may succeed.
	ErrProvider = errors.New("payment provider failed")
	// ErrNoPayments: no payment provider is configured, or not the one named.
	ErrNoPayments = errors.New("no such payment provider")
	// ErrPaymentSecret: the client secret does not open the payment.
	ErrPaymentSecret = errors.New("client secret does not match the payment")
)

// eventTimeout bounds the applying of one payment event.
const eventTimeout = 30 * time.Second

// DefaultPaymentWindow is how long a buyer has to pay by default.
const DefaultPaymentWindow = 15 * time.Minute

// PaymentsOn reports whether buyers pay through a provider, and which.
func (s *Service) PaymentsOn() (provider string, on bool) {
	if s.pay == nil {
		return "", false
	}
	return s.pay.Name(), true
}

func paymentKey(orderID string) string { return "seatd-pay-" + orderID }
func returnKey(orderID string) string  { return "seatd-return-" + orderID }
func cancelKey(orderID string) string  { return "seatd-cancel-" + orderID }

// confirmPending writes o (pinned hold, priced, code applied; p nil for
// products alone) as an order waiting for its payment and starts the payment. A payment that cannot be
// started ends the order and frees its seats.
func (s *Service) confirmPending(ctx context.Context, p *seating.Perf, o order.Order, in ConfirmInput) (order.Order, error) {
	deadline := s.now().Add(s.cfg.PaymentWindow).UTC().Truncate(time.Microsecond)
	o.Status, o.Deadline, o.PaymentMethod = order.PendingPayment, deadline, ""
	o.Origin = order.Change{Actor: in.Actor.Label()}
	stored, err := s.createOrder(ctx, o)
	if err != nil {
		if p != nil {
			s.seats.Unpin(p, in.Token)
		}
		return order.Order{}, s.refusedOrder(p, "store order", err)
	}
	if p != nil {
		s.seats.Reserved(p, in.Token, seating.Reservation{OrderID: stored.ID, Number: stored.Number, Buyer: stored.BuyerName,
			Email: stored.BuyerEmail, Deadline: deadline})
	}
	// The order is written: see its payment through whatever becomes of
	// the request (a buyer gone between the payment's commit and its
	// read-back left a payment_failed order with a payment still pending).
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), eventTimeout)
	defer cancel()
	intent, err := s.pay.Create(ctx, payment.Request{OrderID: stored.ID, OrderNumber: stored.Number, Amount: stored.Total,
		Currency: stored.Currency, Email: stored.BuyerEmail, IdempotencyKey: paymentKey(stored.ID), ExpiresAt: deadline})
	if err != nil {
		s.log.Warn("start a payment", "order", stored.ID, "provider", s.pay.Name(), "err", err)
		s.endPending(ctx, p, stored, "the payment could not be started")
		return order.Order{}, fmt.Errorf("start the payment of order %s: %w", stored.Number, ErrProvider)
	}
	pay, err := s.store.SavePayment(ctx, order.Payment{ID: ids.New("pay", 12), OrderID: stored.ID, Provider: s.pay.Name(),
		ProviderID: intent.ID, Kind: order.KindPayment, Amount: stored.Total, Currency: stored.Currency, Status: order.StatusPending,
		ClientSecret: intent.ClientSecret, IdempotencyKey: paymentKey(stored.ID)})
	if err != nil {
		if cerr := s.pay.Cancel(ctx, intent.ID, cancelKey(stored.ID)); cerr != nil {
			s.log.Warn("cancel a payment not recorded", "order", stored.ID, "err", cerr)
		}
		s.endPending(ctx, p, stored, "the payment could not be recorded")
		return order.Order{}, fmt.Errorf("record the payment of order %s: %w", stored.Number, err)
	}
	stored.Payments = []order.Payment{pay}
	return stored, nil
}

// endPending ends an order waiting for its payment as payment_failed: the
// store first, then the seats.
func (s *Service) endPending(ctx context.Context, p *seating.Perf, o order.Order, reason string) {
	ended, err := s.store.EndReservation(ctx, o.ID, order.PaymentFailed, order.Change{Actor: "system", Reason: reason})
	if err != nil {
		if !errors.Is(err, store.ErrConflict) {
			// The deadline still ends it: the lapse loop retries.
			s.log.Error("end an order whose payment failed", "order", o.ID, "err", err)
		}
		return
	}
	if p != nil {
		s.seats.ReservationEnded(p, ended.HoldToken, false, ticketSeats(ended))
	}
}

// endPaymentWindow ends, in the store, an order whose payment window passed
// unpaid. It reports whether the store could be written (or found the order
// paid or ended meanwhile); the caller then frees the seats (afterLapse) and
// cancels the payment at the provider, in that order: a provider's slowness
// keeps no seat off sale.
func (s *Service) endPaymentWindow(ctx context.Context, o order.Order) bool {
	_, err := s.store.EndReservation(ctx, o.ID, order.PaymentFailed, order.Change{Actor: "system", Reason: "payment window ended"})
	return err == nil || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound)
}

// cancelPayment cancels an order's open payment at the provider, best
// effort (logged, not returned): one still pending, recorded canceled, or one
// that failed, which some providers leave open for another try — the order
// has ended, so another try would only pay for nothing (and be given back).
func (s *Service) cancelPayment(ctx context.Context, orderID string) {
	if s.pay == nil {
		return
	}
	pays, err := s.store.Payments(ctx, orderID)
	if err != nil {
		s.log.Warn("cancel a payment: read it", "order", orderID, "err", err)
		return
	}
	for _, pay := range pays {
		open := pay.Status == order.StatusPending || pay.Status == order.StatusFailed
		if pay.Kind != order.KindPayment || !open || pay.Provider != s.pay.Name() {
			continue
		}
		if err := s.pay.Cancel(ctx, pay.ProviderID, cancelKey(orderID)); err != nil {
			s.log.Warn("cancel a payment at the provider", "order", orderID, "provider", pay.Provider, "err", err)
			continue
		}
		if pay.Status != order.StatusPending {
			continue
		}
		pay.Status = order.StatusCanceled
		if _, err := s.store.SavePayment(ctx, pay); err != nil {
			s.log.Warn("record a canceled payment", "order", orderID, "err", err)
		}
	}
}

// Payments lists an order's payments and refunds at the provider.
func (s *Service) Payments(ctx context.Context, orderID string) ([]order.Payment, error) {
	var out []order.Payment
	out, err := s.store.Payments(ctx, orderID)
	return out, err
}

// PaymentForAnswer finds a payment of the provider by its id for the buyer's
// page that answers it (the test provider's approve and decline): secret must
// be the payment's client secret, compared in constant time.
func (s *Service) PaymentForAnswer(ctx context.Context, provider, id, secret string) (order.Payment, error) {
	if s.pay == nil || s.pay.Name() != provider {
		return order.Payment{}, ErrNoPayments
	}
	pay, err := s.store.PaymentByProviderID(ctx, provider, id)
	if err != nil {
		return order.Payment{}, err
	}
	if pay.Kind != order.KindPayment || pay.ClientSecret == "" ||
		subtle.ConstantTimeCompare([]byte(pay.ClientSecret), []byte(secret)) != 1 {
		return order.Payment{}, ErrPaymentSecret
	}
	return pay, nil
}

// PaymentEvent applies one verified event of the configured provider.
// Deliveries of one event share one call on this node, and the store applies
// an event once whatever the number of nodes: a replay reports Replayed and
// changes nothing. An event of a payment that is not ours, or of another
// order, is order.ErrPaymentNotFound; one whose amount or currency is not the
// payment's is order.ErrPaymentMismatch; neither changes anything.
func (s *Service) PaymentEvent(ctx context.Context, provider string, ev payment.Event) (order.PaymentResult, error) {
	if s.pay == nil || s.pay.Name() != provider {
		return order.PaymentResult{}, ErrNoPayments
	}
	// An event is applied whole once begun, whatever becomes of the request
	// that brought it: a caller gone between the store's commit and the
	// engine's step would leave a paid order whose seats are on sale, and
	// its redelivery is a replay that changes nothing.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), eventTimeout)
	defer cancel()
	v, err, _ := s.events.Do(provider+"\x00"+ev.ID, func() (any, error) {
		return s.applyEvent(ctx, provider, ev)
	})
	if err != nil {
		return order.PaymentResult{}, err
	}
	return v.(order.PaymentResult), nil
}

func (s *Service) applyEvent(ctx context.Context, provider string, ev payment.Event) (order.PaymentResult, error) {
	e := order.PaymentEvent{Provider: provider, EventID: ev.ID, Type: ev.Type, PaymentID: ev.PaymentID, RefundID: ev.RefundID,
		OrderID: ev.OrderID, Amount: ev.Amount, Currency: strings.ToUpper(ev.Currency), Reason: ev.Reason, Actor: "system:" + provider}
	ref := ev.PaymentID
	if ev.Type == order.EventRefundSucceeded || ev.Type == order.EventRefundFailed {
		ref = ev.RefundID
	}
	pay, err := s.store.PaymentByProviderID(ctx, provider, ref)
	if err != nil {
		return order.PaymentResult{}, err
	}
	o, err := s.store.GetOrder(ctx, pay.OrderID)
	if err != nil {
		return order.PaymentResult{}, err
	}
	p, err := s.perfOf(ctx, o)
	if err != nil {
		return order.PaymentResult{}, err
	}
	// A late payment: take the seats in the engine before the store sells
	// them again. Seats someone holds or bought mean the money goes back.
	// An order of products alone has no seats to take: it sells again.
	var token string
	late := ev.Type == order.EventPaymentSucceeded && pay.Status != order.StatusSucceeded && pay.Kind == order.KindPayment &&
		(o.Status == order.PaymentFailed || o.Status == order.Expired) && e.Amount == pay.Amount && e.Currency == pay.Currency
	switch {
	case late && p == nil:
		e.SellAgain = true
	case late:
		if token, err = s.seats.TakeForSale(p, ticketSeats(o)); err == nil {
			e.SellAgain = true
		} else {
			s.log.Info("late payment: the order's seats are taken", "order", o.ID, "err", err)
		}
	}
	paid := o
	paid.Status = order.Paid
	e.Paid = s.confirmationMessage(paid)
	e.Returned = s.message(p, o, outbox.KindRefund, fmt.Sprintf(
		"Your payment of %s arrived after your order had ended, and its seats were no longer free. We are returning the money to you; no tickets were issued.",
		money.Format(pay.Amount, pay.Currency)))
	e.Refund = order.Payment{ID: ids.New("pay", 12), IdempotencyKey: returnKey(o.ID)}
	res, err := s.store.ApplyPaymentEvent(ctx, e)
	if err != nil {
		if token != "" {
			s.seats.ReleaseTaken(p, token)
		}
		if errors.Is(err, order.ErrPaymentMismatch) {
			s.log.Warn("payment event does not match its payment", "provider", provider, "event", ev.ID, "order", o.ID, "err", err)
		}
		return order.PaymentResult{}, err
	}
	soldAgain := false
	switch {
	case res.Replayed:
	case res.Outcome == order.OutcomePaid && token != "":
		s.seats.Sold(p, token)
		soldAgain = true
	case res.Outcome == order.OutcomePaid && p != nil:
		s.seats.ReservationEnded(p, o.HoldToken, true, ticketSeats(o))
	case res.Outcome == order.OutcomeFailed:
		if p != nil {
			s.seats.ReservationEnded(p, o.HoldToken, false, ticketSeats(o))
		}
		s.cancelPayment(ctx, o.ID)
	}
	if token != "" && !soldAgain {
		s.seats.ReleaseTaken(p, token)
	}
	if len(res.Sold) > 0 && p != nil {
		s.seats.MarkSold(p, res.Sold) // sold by another node, maybe
	}
	// Money to give back: now, and again on a replay if an earlier attempt
	// could not reach the provider (the provider's retry comes here).
	if err := s.returnPayments(ctx, res.Order.ID); err != nil {
		return order.PaymentResult{}, err
	}
	return res, nil
}

// returnPayments gives back, through the provider, the late payments of an
// order that are recorded to go back and have not reached it yet. The
// idempotency key is one per order: a retry never refunds twice.
func (s *Service) returnPayments(ctx context.Context, orderID string) error {
	pays, err := s.store.Payments(ctx, orderID)
	if err != nil {
		return err
	}
	var paymentID string
	for _, pay := range pays {
		if pay.Kind == order.KindPayment && pay.Status == order.StatusSucceeded && pay.Provider == s.pay.Name() {
			paymentID = pay.ProviderID
		}
	}
	for _, rf := range pays {
		if rf.Kind != order.KindRefund || rf.RefundID != "" || rf.ProviderID != "" || rf.Status != order.StatusPending || paymentID == "" {
			continue
		}
		if err := s.refundAtProvider(ctx, rf, paymentID, ""); err != nil {
			return err
		}
	}
	return nil
}

// refundAtProvider asks the provider for a refund recorded as rf (pending,
// no provider id yet) and records its answer; a refund that succeeded at once
// is written to the order's history.
func (s *Service) refundAtProvider(ctx context.Context, rf order.Payment, paymentID, reason string) error {
	got, err := s.pay.Refund(ctx, payment.RefundRequest{PaymentID: paymentID, OrderID: rf.OrderID, RefundID: rf.RefundID,
		Amount: rf.Amount, Currency: rf.Currency, IdempotencyKey: rf.IdempotencyKey, Reason: reason})
	if err != nil {
		s.log.Error("refund at the payment provider; retried with the same key", "order", rf.OrderID, "provider", s.pay.Name(), "err", err)
		return fmt.Errorf("refund %s of order %s: %w", rf.IdempotencyKey, rf.OrderID, ErrProvider)
	}
	rf.ProviderID, rf.Status = got.ID, got.Status
	saved, err := s.store.SavePayment(ctx, rf)
	if err != nil {
		return fmt.Errorf("record refund %s of order %s: %w", got.ID, rf.OrderID, err)
	}
	if saved.Status == order.StatusSucceeded || saved.Status == order.StatusFailed {
		detail := fmt.Sprintf("refund of %s %s (%s %s)", money.Format(saved.Amount, saved.Currency), saved.Status, saved.Provider, saved.ProviderID)
		if err := s.store.RecordOrderEvent(ctx, rf.OrderID, order.ActionRefundSettled, detail, order.Change{Actor: "system:" + saved.Provider}); err != nil {
			s.log.Warn("record a settled refund in the history", "order", rf.OrderID, "err", err)
		}
	}
	return nil
}

// refundOnline sends a seatd refund of an order paid through the provider
// back to the card: a refund row (pending) is written first, so that the
// order shows it whatever the provider answers; a retry of the refund (the
// same idempotency key) asks the provider again with the same key.
// paidOnline is the succeeded payment at this server's provider among pays,
// the one a refund goes back through.
func (s *Service) paidOnline(pays []order.Payment) (order.Payment, bool) {
	if s.pay == nil {
		return order.Payment{}, false
	}
	for _, p := range pays {
		if p.Kind == order.KindPayment && p.Status == order.StatusSucceeded && p.Provider == s.pay.Name() {
			return p, true
		}
	}
	return order.Payment{}, false
}

func (s *Service) refundOnline(ctx context.Context, o order.Order, rf order.Refund) error {
	if s.pay == nil || rf.Method != PayOnline || rf.Amount <= 0 {
		return nil
	}
	pays, err := s.store.Payments(ctx, o.ID)
	if err != nil {
		return err
	}
	var paid *order.Payment
	for i := range pays {
		if pays[i].Kind == order.KindPayment && pays[i].Status == order.StatusSucceeded && pays[i].Provider == s.pay.Name() {
			paid = &pays[i]
		}
	}
	if paid == nil {
		return nil // paid before payments were online (-payment none): nothing to send back
	}
	row, err := s.store.SavePayment(ctx, order.Payment{ID: ids.New("pay", 12), OrderID: o.ID, Provider: paid.Provider,
		Kind: order.KindRefund, RefundID: rf.ID, Amount: rf.Amount, Currency: o.Currency, Status: order.StatusPending,
		IdempotencyKey: rf.ID})
	if err != nil {
		return err
	}
	if row.ProviderID != "" {
		return nil // sent on an earlier attempt
	}
	return s.refundAtProvider(ctx, row, paid.ProviderID, rf.Reason)
}
