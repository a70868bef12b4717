// Package paybridge hands a payment.Provider to the checkout. Package checkout
// knows no HTTP, and package payment's Provider reads webhooks from an
// http.Header, so checkout declares the part it uses (checkout.PaymentProvider)
// with types that are package payment's field for field; this package
// converts one to the other, and webhook events back. cmd/seatd and the tests
// wire providers through it.
package paybridge

import (
	"context"

	"github.com/seatmap/seatmap/checkout"
	"github.com/seatmap/seatmap/payment"
)

// Checkout adapts p for checkout.Config.Payments; nil stays nil (no payment
// step).
func Checkout(p payment.Provider) checkout.PaymentProvider {
	if p == nil {
		return nil
	}
	return provider{p}
}

type provider struct{ p payment.Provider }

func (a provider) Name() string { return a.p.Name() }

func (a provider) Create(ctx context.Context, r checkout.PayRequest) (checkout.PayIntent, error) {
	in, err := a.p.Create(ctx, payment.Request(r))
	return checkout.PayIntent(in), err
}

func (a provider) Cancel(ctx context.Context, paymentID, idempotencyKey string) error {
	return a.p.Cancel(ctx, paymentID, idempotencyKey)
}

func (a provider) Refund(ctx context.Context, r checkout.PayRefundRequest) (checkout.PayRefund, error) {
	rf, err := a.p.Refund(ctx, payment.RefundRequest(r))
	return checkout.PayRefund(rf), err
}

// Event is a provider's event as the checkout takes it.
func Event(e payment.Event) checkout.PayEvent { return checkout.PayEvent(e) }
