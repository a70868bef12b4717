package testpay_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/payment"
	"github.com/seatmap/seatmap/payment/testpay"
)

func TestCreateIsIdempotentAndSecret(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := testpay.New()
	r := payment.Request{OrderID: "o1", Amount: 2500, Currency: "EUR", IdempotencyKey: "seatd-pay-o1"}
	a, err := p.Create(ctx, r)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(a.ID, "tp_"), a.ID)
	require.Equal(t, payment.StatusPending, a.Status)
	// base32 of 32 bytes: 52 symbols, 256 bits.
	require.Len(t, strings.TrimPrefix(a.ClientSecret, "tps_"), 52)

	again, err := p.Create(ctx, r)
	require.NoError(t, err)
	require.Equal(t, a, again, "the same key gives the same payment")

	r.IdempotencyKey = "seatd-pay-o2"
	other, err := p.Create(ctx, r)
	require.NoError(t, err)
	require.NotEqual(t, a.ID, other.ID)
	require.NotEqual(t, a.ClientSecret, other.ClientSecret)

	// Another process (another key) gives other ids for the same key.
	elsewhere, err := testpay.New().Create(ctx, payment.Request{Amount: 1, Currency: "EUR", IdempotencyKey: "seatd-pay-o1"})
	require.NoError(t, err)
	require.NotEqual(t, a.ClientSecret, elsewhere.ClientSecret)

	_, err = p.Create(ctx, payment.Request{Amount: 1, Currency: "EUR"})
	require.Error(t, err, "no key")
	_, err = p.Create(ctx, payment.Request{Amount: 0, Currency: "EUR", IdempotencyKey: "k"})
	require.Error(t, err, "no amount")
}

func TestRefundSucceedsAtOnce(t *testing.T) {
	t.Parallel()
	p := testpay.New()
	rf, err := p.Refund(context.Background(), payment.RefundRequest{PaymentID: "tp_x", Amount: 100, Currency: "EUR", IdempotencyKey: "r1"})
	require.NoError(t, err)
	require.Equal(t, payment.StatusSucceeded, rf.Status)
	require.True(t, strings.HasPrefix(rf.ID, "tr_"), rf.ID)
	again, err := p.Refund(context.Background(), payment.RefundRequest{PaymentID: "tp_x", Amount: 100, Currency: "EUR", IdempotencyKey: "r1"})
	require.NoError(t, err)
	require.Equal(t, rf, again)
	require.NoError(t, p.Cancel(context.Background(), "tp_x", "c1"))
}

func TestWebhookIgnored(t *testing.T) {
	t.Parallel()
	_, err := testpay.New().Webhook(http.Header{}, []byte(`{}`))
	require.True(t, errors.Is(err, payment.ErrIgnored))
}

func TestEvent(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	ok, err := testpay.Event("tp_a", "o1", testpay.Approve, 2500, "EUR", at)
	require.NoError(t, err)
	require.Equal(t, payment.PaymentSucceeded, ok.Type)
	no, err := testpay.Event("tp_a", "o1", testpay.Decline, 2500, "EUR", at)
	require.NoError(t, err)
	require.Equal(t, payment.PaymentFailed, no.Type)
	require.NotEqual(t, ok.ID, no.ID, "one event per payment and outcome")
	again, err := testpay.Event("tp_a", "o1", testpay.Approve, 2500, "EUR", at.Add(time.Minute))
	require.NoError(t, err)
	require.Equal(t, ok.ID, again.ID, "a repeated answer is a replay")
	_, err = testpay.Event("tp_a", "o1", "maybe", 2500, "EUR", at)
	require.Error(t, err)
}
