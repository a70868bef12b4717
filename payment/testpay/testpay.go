// Package testpay is the built-in test payment provider of the embedded
// default (-payment test): no account, no network. A payment it starts waits
// until the buyer's page approves or declines it
// (POST /api/v1/payments/test/{id}/approve|decline), and checkout turns that
// answer into the same payment.Event a real provider's webhook delivers.
// Refunds succeed at once. It imports nothing of seatmap but package payment.
package testpay

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"time"

	"github.com/seatmap/seatmap/payment"
)

// Name is the provider's name in routes and records.
const Name = "test"

// Outcomes the buyer's page chooses.
const (
	Approve = "approve"
	Decline = "decline"
)

var encoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Provider is the test provider. It keeps no state: ids and client secrets
// are keyed hashes of the idempotency key under a key drawn at New, so that
// the same idempotency key returns the same payment (as a real provider's
// idempotency does) and nobody can guess a secret. It is safe for concurrent
// use.
type Provider struct {
	key [32]byte
}

// New returns a test provider with a fresh key.
func New() *Provider {
	p := &Provider{}
	rand.Read(p.key[:])
	return p
}

// derive is a keyed hash of what and key, base32 encoded, n bytes long
// before encoding (at most 32).
func (p *Provider) derive(what, key string, n int) string {
	m := hmac.New(sha256.New, p.key[:])
	m.Write([]byte(what))
	m.Write([]byte{0})
	m.Write([]byte(key))
	return encoding.EncodeToString(m.Sum(nil)[:n])
}

// Name is "test".
func (p *Provider) Name() string { return Name }

// Create starts a payment: id "tp_…", a 256-bit client secret, pending.
func (p *Provider) Create(ctx context.Context, r payment.Request) (payment.Intent, error) {
	if err := ctx.Err(); err != nil {
		return payment.Intent{}, err
	}
	switch {
	case r.IdempotencyKey == "":
		return payment.Intent{}, fmt.Errorf("testpay: create: no idempotency key")
	case r.Amount <= 0:
		return payment.Intent{}, fmt.Errorf("testpay: create: amount %d is not above zero", r.Amount)
	}
	return payment.Intent{
		ID:           "tp_" + p.derive("payment", r.IdempotencyKey, 16),
		ClientSecret: "tps_" + p.derive("secret", r.IdempotencyKey, 32),
		Status:       payment.StatusPending,
	}, nil
}

// Cancel does nothing: an unanswered test payment simply never succeeds.
func (p *Provider) Cancel(ctx context.Context, paymentID, idempotencyKey string) error {
	return ctx.Err()
}

// Refund succeeds at once: id "tr_…", the same for the same idempotency key.
func (p *Provider) Refund(ctx context.Context, r payment.RefundRequest) (payment.Refund, error) {
	if err := ctx.Err(); err != nil {
		return payment.Refund{}, err
	}
	switch {
	case r.IdempotencyKey == "":
		return payment.Refund{}, fmt.Errorf("testpay: refund: no idempotency key")
	case r.Amount <= 0:
		return payment.Refund{}, fmt.Errorf("testpay: refund: amount %d is not above zero", r.Amount)
	}
	return payment.Refund{ID: "tr_" + p.derive("refund", r.IdempotencyKey, 16), Status: payment.StatusSucceeded}, nil
}

// Webhook acts on nothing: the test provider's events come from the buyer's
// approve and decline, not from deliveries.
func (p *Provider) Webhook(h payment.Header, body []byte) (payment.Event, error) {
	return payment.Event{}, payment.ErrIgnored
}

// Event is the event the buyer's answer makes of a test payment: approve
// succeeds it, decline fails it. Its id is one per payment and outcome, so a
// repeated answer is a replay.
func Event(paymentID, orderID, outcome string, amount int64, currency string, at time.Time) (payment.Event, error) {
	e := payment.Event{ID: "tpe_" + paymentID + "_" + outcome, PaymentID: paymentID, OrderID: orderID,
		Amount: amount, Currency: currency, At: at}
	switch outcome {
	case Approve:
		e.Type = payment.PaymentSucceeded
	case Decline:
		e.Type, e.Reason = payment.PaymentFailed, "declined by the buyer"
	default:
		return payment.Event{}, fmt.Errorf("testpay: outcome %q is neither approve nor decline", outcome)
	}
	return e, nil
}
