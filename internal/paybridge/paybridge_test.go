package paybridge_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/checkout"
	"github.com/seatmap/seatmap/internal/paybridge"
	"github.com/seatmap/seatmap/payment"
	"github.com/seatmap/seatmap/payment/testpay"
)

// TestBridgeCarriesEveryField: what the checkout asks reaches the provider
// field for field, and the provider's answers and events come back whole.
func TestBridgeCarriesEveryField(t *testing.T) {
	t.Parallel()
	require.Nil(t, paybridge.Checkout(nil), "no provider, no payment step")
	tp := testpay.New()
	p := paybridge.Checkout(tp)
	require.Equal(t, "test", p.Name())
	ctx := context.Background()
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	req := checkout.PayRequest{OrderID: "o1", OrderNumber: "N1", Amount: 2500, Currency: "EUR", Email: "a@example.com",
		IdempotencyKey: "seatd-pay-o1", ExpiresAt: at}
	got, err := p.Create(ctx, req)
	require.NoError(t, err)
	want, err := tp.Create(ctx, payment.Request(req))
	require.NoError(t, err)
	require.Equal(t, checkout.PayIntent(want), got)
	rf, err := p.Refund(ctx, checkout.PayRefundRequest{PaymentID: got.ID, Amount: 100, Currency: "EUR", IdempotencyKey: "r1"})
	require.NoError(t, err)
	require.Equal(t, payment.StatusSucceeded, rf.Status)
	require.NoError(t, p.Cancel(ctx, got.ID, "c1"))
	ev := payment.Event{ID: "e", Type: payment.PaymentSucceeded, PaymentID: "p", RefundID: "r", OrderID: "o", Amount: 1,
		Currency: "EUR", Reason: "why", At: at}
	require.Equal(t, checkout.PayEvent{ID: "e", Type: payment.PaymentSucceeded, PaymentID: "p", RefundID: "r", OrderID: "o",
		Amount: 1, Currency: "EUR", Reason: "why", At: at}, paybridge.Event(ev))
}
