package order

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/seatmap/seatmap/money"
	"github.com/seatmap/seatmap/outbox"
)

// Order statuses of the online payment step. A web order made while a payment
// provider is configured waits for its payment as pending_payment: it is
// written like a reservation (its tickets are live, so nobody can sell its
// seats, and Deadline is the end of the payment window), and the seats stay
// held until then. Paid, it turns paid; declined or not paid in time, it
// turns payment_failed and its seats go back on sale.
const (
	PendingPayment = "pending_payment"
	PaymentFailed  = "payment_failed"
)

// Order history actions of payments.
const (
	ActionPaymentFailed   = "payment_failed"   // declined, or the payment window ended
	ActionPaymentReturned = "payment_returned" // paid too late for its seats: the money goes back
	ActionRefundSettled   = "refund_settled"   // a provider refund succeeded or failed
)

// Kinds of payment rows.
const (
	KindPayment = "payment"
	KindRefund  = "refund"
)

// Payment is money moved through a payment provider for an order: the payment
// itself, or a refund of it.
type Payment struct {
	ID         string // seatd's id
	OrderID    string
	Provider   string // "test", "stripe"
	ProviderID string // the provider's id ("pi_…", "re_…"); unique per provider
	Kind       string // KindPayment or KindRefund
	RefundID   string // seatd's refund id, for a refund of a seatd refund; empty otherwise
	Amount     int64  // minor units
	Currency   string
	Status     string // pending, succeeded, failed, canceled (package payment's statuses)
	// ClientSecret lets the buyer's page complete the payment (KindPayment
	// only). Secret: shown to the order's buyer only, never logged.
	ClientSecret   string
	IdempotencyKey string
	Reason         string // why it failed, for people
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Payment events a store applies (package payment's event types).
const (
	EventPaymentSucceeded = "payment.succeeded"
	EventPaymentFailed    = "payment.failed"
	EventRefundSucceeded  = "refund.succeeded"
	EventRefundFailed     = "refund.failed"
)

// PaymentEvent asks a store to record a provider's event and apply it, in one
// transaction: an event already recorded is a replay and changes nothing.
type PaymentEvent struct {
	Provider string
	EventID  string
	Type     string // EventPaymentSucceeded …
	// PaymentID is the provider's payment id; RefundID its refund id (refund
	// events).
	PaymentID string
	RefundID  string
	OrderID   string // from the event's metadata; empty: not checked
	Amount    int64
	Currency  string
	Reason    string
	// SellAgain, for a payment that succeeded after its order lapsed: the
	// caller has taken the order's seats in the engine, and the store is to
	// make its tickets live again — the one-live-ticket-per-seat rule decides
	// — and the order paid. If another order has a live ticket for one of
	// them, the payment goes back instead (OutcomeReturn, Sold).
	SellAgain bool
	// Paid is the e-mail queued when the payment pays the order; Returned the
	// one queued when the money must go back. Either may be nil.
	Paid, Returned *outbox.Message
	// Refund is the refund row written when the money goes back (its ID,
	// IdempotencyKey; the store fills in the rest).
	Refund Payment
	Actor  string
}

// Outcomes of a PaymentEvent.
const (
	OutcomePaid          = "paid"           // the order is paid
	OutcomeFailed        = "failed"         // the order failed; its seats are free
	OutcomeReturn        = "return"         // paid too late: the payment must go back (Refund row written)
	OutcomeRefund        = "refund"         // a refund row changed
	OutcomeNone          = "none"           // recorded; nothing else to do
	OutcomeNotApplicable = "not_applicable" // the event does not fit the payment's state (a failure after success); recorded
)

// PaymentResult is what applying a PaymentEvent did.
type PaymentResult struct {
	Outcome  string
	Replayed bool // the event was recorded before: nothing changed
	Order    Order
	Payment  Payment  // the payment (or refund) row the event is about, after it
	Refund   *Payment // the refund row written (OutcomeReturn)
	Sold     []uint32 // SellAgain refused: the seats with another order's live ticket
}

var (
	// ErrPaymentNotFound: no payment with that provider id, or it belongs to
	// another order than the event names. Nothing was written.
	ErrPaymentNotFound = errors.New("payment not found")
	// ErrPaymentMismatch: the event's amount or currency is not the
	// payment's. Nothing was written.
	ErrPaymentMismatch = errors.New("payment event does not match the payment")
)

// PaymentPlan is what a PaymentEvent does to a payment row and its order,
// decided by PlanPayment; both stores carry it out in the transaction that
// records the event.
type PaymentPlan struct {
	Outcome       string
	PaymentStatus string // the payment (or refund) row's new status; "" unchanged
	Reason        string // recorded with a failed payment or refund
	// OrderStatus is the order's new status; "" unchanged. Paid also sets its
	// payment method online and clears its deadline; PaymentFailed voids its
	// tickets and gives its code's use back.
	OrderStatus string
	// SellAgain: make the order's void tickets live again first (a lapsed
	// order paid late). Refused by the one-live-ticket-per-seat rule, the
	// store plans again without it.
	SellAgain bool
	Action    string // history entry; "" none
	Detail    string
	Notify    *outbox.Message
	Refund    *Payment // a refund row to write (OutcomeReturn)
}

// lapsed reports whether o ended unpaid, its seats given back.
func lapsed(o Order) bool { return o.Status == PaymentFailed || o.Status == Expired }

// PlanPayment checks a provider's event against the payment row it names (p,
// found by the event's payment or refund id) and its order o, both locked, and
// says what applying it does. Money that arrives for an order that cannot take
// it any more is planned back (OutcomeReturn): never kept without a ticket.
func PlanPayment(o Order, p Payment, e PaymentEvent, at time.Time) (PaymentPlan, error) {
	refundEvent := e.Type == EventRefundSucceeded || e.Type == EventRefundFailed
	switch {
	case e.OrderID != "" && e.OrderID != p.OrderID:
		return PaymentPlan{}, fmt.Errorf("event for order %s, payment of order %s: %w", e.OrderID, p.OrderID, ErrPaymentNotFound)
	case refundEvent != (p.Kind == KindRefund):
		return PaymentPlan{}, fmt.Errorf("%s event for a %s: %w", e.Type, p.Kind, ErrPaymentNotFound)
	case e.Amount != p.Amount || !strings.EqualFold(e.Currency, p.Currency):
		return PaymentPlan{}, fmt.Errorf("event says %d %s, payment is %d %s: %w", e.Amount, e.Currency, p.Amount, p.Currency, ErrPaymentMismatch)
	}
	amount := money.Format(p.Amount, p.Currency)
	switch e.Type {
	case EventPaymentSucceeded:
		if p.Status == StatusSucceeded {
			return PaymentPlan{Outcome: OutcomeNone}, nil
		}
		pl := PaymentPlan{PaymentStatus: StatusSucceeded}
		switch {
		case o.Status == PendingPayment:
			pl.Outcome, pl.OrderStatus, pl.Action, pl.Notify = OutcomePaid, Paid, ActionPaid, e.Paid
			pl.Detail = amount + " by online (" + p.Provider + " " + p.ProviderID + ")"
		case lapsed(o) && e.SellAgain:
			pl.Outcome, pl.OrderStatus, pl.SellAgain, pl.Action, pl.Notify = OutcomePaid, Paid, true, ActionPaid, e.Paid
			pl.Detail = amount + " by online (" + p.Provider + " " + p.ProviderID + "), after the payment window: seats sold again"
		default:
			rf := e.Refund
			rf.OrderID, rf.Provider, rf.Kind, rf.Amount, rf.Currency = p.OrderID, p.Provider, KindRefund, p.Amount, p.Currency
			rf.Status, rf.Reason, rf.CreatedAt, rf.UpdatedAt = StatusPending, "paid after the order ended ("+o.Status+")", at, at
			pl.Outcome, pl.Refund, pl.Action, pl.Notify = OutcomeReturn, &rf, ActionPaymentReturned, e.Returned
			pl.Detail = amount + " paid after the order ended (" + o.Status + "): given back"
		}
		return pl, nil
	case EventPaymentFailed:
		if p.Status != StatusPending {
			return PaymentPlan{Outcome: OutcomeNotApplicable}, nil
		}
		pl := PaymentPlan{Outcome: OutcomeNone, PaymentStatus: StatusFailed, Reason: e.Reason}
		if o.Status == PendingPayment {
			pl.Outcome, pl.OrderStatus, pl.Action = OutcomeFailed, PaymentFailed, ActionPaymentFailed
			pl.Detail = fmt.Sprintf("%s not paid (%s): %d seat(s) freed", amount, e.Reason, len(o.Tickets))
		}
		return pl, nil
	case EventRefundSucceeded, EventRefundFailed:
		if p.Status != StatusPending {
			return PaymentPlan{Outcome: OutcomeNotApplicable}, nil
		}
		pl := PaymentPlan{Outcome: OutcomeRefund, PaymentStatus: StatusSucceeded, Action: ActionRefundSettled,
			Detail: "refund of " + amount + " succeeded (" + p.Provider + " " + p.ProviderID + ")"}
		if e.Type == EventRefundFailed {
			pl.PaymentStatus, pl.Reason = StatusFailed, e.Reason
			pl.Detail = "refund of " + amount + " FAILED (" + p.Provider + " " + p.ProviderID + "): " + e.Reason
		}
		return pl, nil
	}
	return PaymentPlan{Outcome: OutcomeNotApplicable}, nil
}

// Payment statuses (as package payment names them; order imports no
// services).
const (
	StatusPending   = "pending"
	StatusSucceeded = "succeeded"
	StatusFailed    = "failed"
	StatusCanceled  = "canceled"
)

// PaymentReader is what CompletePaymentResult reads: a store.
type PaymentReader interface {
	PaymentByProviderID(ctx context.Context, provider, id string) (Payment, error)
	GetOrder(ctx context.Context, id string) (Order, error)
	Payments(ctx context.Context, orderID string) ([]Payment, error)
}

// CompletePaymentResult reads back what an applied event left, after its
// transaction: the payment row (the provider's id ref), its order, and the
// refund row a returned payment wrote. Both store adapters answer
// ApplyPaymentEvent with it.
func CompletePaymentResult(ctx context.Context, r PaymentReader, res PaymentResult, provider, ref string) (PaymentResult, error) {
	p, err := r.PaymentByProviderID(ctx, provider, ref)
	if err != nil {
		return PaymentResult{}, err
	}
	res.Payment = p
	if res.Order, err = r.GetOrder(ctx, p.OrderID); err != nil {
		return PaymentResult{}, err
	}
	if res.Outcome == OutcomeReturn {
		all, err := r.Payments(ctx, p.OrderID)
		if err != nil {
			return PaymentResult{}, err
		}
		for i := range all {
			if all[i].Kind == KindRefund && all[i].RefundID == "" {
				res.Refund = &all[i]
			}
		}
	}
	return res, nil
}
