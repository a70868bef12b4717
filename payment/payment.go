// Package payment is how seatd takes money: a small Provider interface that a
// payment service implements (package payment/stripe for Stripe, package
// payment/testpay for the built-in test provider of the embedded default), and
// the events their webhooks deliver. It knows nothing of orders or seats:
// package checkout decides what a payment does to an order.
//
// Amounts are integer minor units in the currency's own exponent (money.Digits),
// and always come from the server's order, never from a client. Every call that
// changes something at the provider carries an idempotency key: a retry of a
// call with the same key is answered with the first result.
package payment

import (
	"context"
	"errors"
	"time"
)

// Modes of -payment (SEATD_PAYMENT).
const (
	ModeNone   = "none"   // no payment step: an order is confirmed at once, unpaid by design
	ModeTest   = "test"   // the built-in test provider: the buyer approves or declines
	ModeStripe = "stripe" // Stripe; STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET
)

// Payment and refund statuses, as seatd records them.
const (
	StatusPending   = "pending"
	StatusSucceeded = "succeeded"
	StatusFailed    = "failed"
	StatusCanceled  = "canceled"
)

// Event types a webhook delivers. Others are acknowledged and ignored
// (ErrIgnored).
const (
	PaymentSucceeded = "payment.succeeded"
	PaymentFailed    = "payment.failed"
	RefundSucceeded  = "refund.succeeded"
	RefundFailed     = "refund.failed"
)

// ErrBadSignature: a webhook delivery whose signature does not verify (or is
// too old to be anything but a replay). Answer 400; change nothing.
var ErrBadSignature = errors.New("payment: webhook signature does not verify")

// ErrIgnored: a well-signed webhook delivery of an event seatd does not act on.
// Answer 200 so that the provider stops sending it.
var ErrIgnored = errors.New("payment: event not acted on")

// Request starts a payment of an order.
type Request struct {
	OrderID        string // seatd's order id; sent as metadata and read back from events
	OrderNumber    string // for the buyer's statement and the provider's dashboard
	Amount         int64  // minor units, > 0
	Currency       string // ISO 4217, upper case
	Email          string // the buyer's receipt address; may be empty
	IdempotencyKey string // one per order: a retry returns the same payment
	ExpiresAt      time.Time
}

// Intent is a payment started at the provider, waiting for the buyer.
type Intent struct {
	ID           string // the provider's payment id ("pi_…")
	ClientSecret string // handed to the buyer's page only; never logged
	Status       string // StatusPending, or StatusSucceeded if the provider settled it at once
}

// RefundRequest gives money of a succeeded payment back.
type RefundRequest struct {
	PaymentID      string // the provider's payment id
	OrderID        string // metadata, read back from refund events
	RefundID       string // seatd's refund id, metadata as well
	Amount         int64  // minor units, > 0, at most what is left of the payment
	Currency       string
	IdempotencyKey string // one per seatd refund
	Reason         string // free text for people; may be empty
}

// Refund is a refund as the provider answered it.
type Refund struct {
	ID     string // the provider's refund id ("re_…")
	Status string // StatusPending, StatusSucceeded or StatusFailed
}

// Event is one verified webhook delivery.
type Event struct {
	ID        string // the provider's event id: a replay carries the same one
	Type      string // PaymentSucceeded, PaymentFailed, RefundSucceeded, RefundFailed
	PaymentID string // the provider's payment id
	RefundID  string // the provider's refund id (refund events)
	OrderID   string // seatd's order id from the metadata; empty if none
	Amount    int64  // minor units: what was paid or refunded
	Currency  string
	Reason    string // why a payment or refund failed, for people
	At        time.Time
}

// Header is what a webhook's verification reads of the request's header
// (http.Header satisfies it): package payment, and with it the checkout
// that uses its types, knows no HTTP.
type Header interface {
	Get(key string) string
}

// Provider is a payment service.
type Provider interface {
	// Name is the provider's name in routes and records: "test", "stripe".
	Name() string
	// Create starts a payment. The same IdempotencyKey returns the same intent.
	Create(ctx context.Context, r Request) (Intent, error)
	// Cancel cancels a payment that has not succeeded (the buyer released the
	// seats, or the payment window ended). Cancelling a canceled payment is
	// not an error.
	Cancel(ctx context.Context, paymentID, idempotencyKey string) error
	// Refund gives money of a succeeded payment back. Its outcome may come
	// later, by webhook (RefundSucceeded, RefundFailed).
	Refund(ctx context.Context, r RefundRequest) (Refund, error)
	// Webhook verifies and reads one delivery of the provider's webhook.
	// It returns ErrBadSignature for a delivery that does not verify and
	// ErrIgnored for one seatd does not act on.
	Webhook(h Header, body []byte) (Event, error)
}
