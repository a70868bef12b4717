package stripe

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/seatmap/seatmap/payment"
)

// eventBody is a Stripe event as its webhook sends it. Its API version is an
// old one on purpose: an endpoint keeps the version it was made with.
func eventBody(t *testing.T, id, typ string, created int64, object map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"id": id, "object": "event", "type": typ, "created": created, "livemode": false,
		"api_version": "2020-08-27", "pending_webhooks": 1,
		"data": map[string]any{"object": object},
	})
	require.NoError(t, err)
	return b
}

// signed signs body as Stripe would at time at, with stripe-go's helper.
func signed(body []byte, secret string, at time.Time) http.Header {
	sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: at})
	h := http.Header{}
	h.Set("Stripe-Signature", sp.Header)
	return h
}

func newWebhookProvider(t *testing.T) *Provider {
	t.Helper()
	p, err := New(Config{SecretKey: testKey, WebhookSecret: testWebhookSecret})
	require.NoError(t, err)
	return p
}

func TestWebhookReadsEachEvent(t *testing.T) {
	t.Parallel()
	p := newWebhookProvider(t)
	const created = 1767225600 // 2026-01-01T00:00:00Z
	pi := func(status string, extra map[string]any) map[string]any {
		o := map[string]any{
			"id": "pi_1", "object": "payment_intent", "amount": 12050, "amount_received": 0,
			"currency": "eur", "status": status, "metadata": map[string]any{"order_id": "ord_1", "order_number": "A-1"},
		}
		for k, v := range extra {
			o[k] = v
		}
		return o
	}
	re := func(status string, extra map[string]any) map[string]any {
		o := map[string]any{
			"id": "re_1", "object": "refund", "amount": 4000, "currency": "eur", "status": status,
			"payment_intent": "pi_1", "charge": "ch_1",
			"metadata": map[string]any{"order_id": "ord_1", "refund_id": "rf_7"},
		}
		for k, v := range extra {
			o[k] = v
		}
		return o
	}
	at := time.Unix(created, 0).UTC()
	cases := []struct {
		name   string
		typ    string
		object map[string]any
		want   payment.Event
	}{
		{"payment succeeded", "payment_intent.succeeded", pi("succeeded", map[string]any{"amount_received": 12050}),
			payment.Event{Type: payment.PaymentSucceeded, PaymentID: "pi_1", OrderID: "ord_1", Amount: 12050, Currency: "EUR"}},
		{"payment canceled after a declined card", "payment_intent.canceled",
			pi("canceled", map[string]any{"cancellation_reason": "abandoned", "last_payment_error": map[string]any{
				"type": "card_error", "code": "card_declined", "message": "Your card was declined.",
			}}),
			payment.Event{Type: payment.PaymentFailed, PaymentID: "pi_1", OrderID: "ord_1", Amount: 12050, Currency: "EUR", Reason: "Your card was declined."}},
		{"payment canceled", "payment_intent.canceled", pi("canceled", map[string]any{"cancellation_reason": "abandoned"}),
			payment.Event{Type: payment.PaymentFailed, PaymentID: "pi_1", OrderID: "ord_1", Amount: 12050, Currency: "EUR", Reason: "canceled: abandoned"}},
		{"refund updated, succeeded", "refund.updated", re("succeeded", nil),
			payment.Event{Type: payment.RefundSucceeded, PaymentID: "pi_1", RefundID: "re_1", OrderID: "ord_1", Amount: 4000, Currency: "EUR"}},
		{"refund created, succeeded", "refund.created", re("succeeded", nil),
			payment.Event{Type: payment.RefundSucceeded, PaymentID: "pi_1", RefundID: "re_1", OrderID: "ord_1", Amount: 4000, Currency: "EUR"}},
		{"charge refund updated, failed", "charge.refund.updated", re("failed", map[string]any{"failure_reason": "expired_or_canceled_card"}),
			payment.Event{Type: payment.RefundFailed, PaymentID: "pi_1", RefundID: "re_1", OrderID: "ord_1", Amount: 4000, Currency: "EUR", Reason: "expired_or_canceled_card"}},
		{"refund canceled", "refund.updated", re("canceled", nil),
			payment.Event{Type: payment.RefundFailed, PaymentID: "pi_1", RefundID: "re_1", OrderID: "ord_1", Amount: 4000, Currency: "EUR", Reason: "canceled"}},
		{"ISK in Stripe's two decimals", "payment_intent.succeeded",
			pi("succeeded", map[string]any{"amount": 500000, "amount_received": 500000, "currency": "isk"}),
			payment.Event{Type: payment.PaymentSucceeded, PaymentID: "pi_1", OrderID: "ord_1", Amount: 5000, Currency: "ISK"}},
		{"no metadata", "payment_intent.succeeded",
			pi("succeeded", map[string]any{"metadata": map[string]any{}, "amount_received": 12050}),
			payment.Event{Type: payment.PaymentSucceeded, PaymentID: "pi_1", Amount: 12050, Currency: "EUR"}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			id := "evt_" + string(rune('a'+i))
			body := eventBody(t, id, c.typ, created, c.object)
			ev, err := p.Webhook(signed(body, testWebhookSecret, time.Now()), body)
			require.NoError(t, err)
			want := c.want
			want.ID, want.At = id, at
			assert.Equal(t, want, ev)
		})
	}
}

func TestWebhookIgnoresWhatSeatdDoesNotActOn(t *testing.T) {
	t.Parallel()
	p := newWebhookProvider(t)
	for name, body := range map[string][]byte{
		"unknown type": eventBody(t, "evt_1", "customer.created", 1767225600, map[string]any{"id": "cus_1", "object": "customer"}),
		"refund still pending": eventBody(t, "evt_2", "refund.created", 1767225600, map[string]any{
			"id": "re_1", "object": "refund", "amount": 100, "currency": "eur", "status": "pending", "payment_intent": "pi_1",
		}),
		"payment processing": eventBody(t, "evt_3", "payment_intent.processing", 1767225600, map[string]any{
			"id": "pi_1", "object": "payment_intent", "amount": 100, "currency": "eur", "status": "processing",
		}),
		// A declined card is an attempt, not the end: the buyer may try
		// another card on the same intent until the window ends.
		"card declined": eventBody(t, "evt_4", "payment_intent.payment_failed", 1767225600, map[string]any{
			"id": "pi_1", "object": "payment_intent", "amount": 100, "currency": "eur", "status": "requires_payment_method",
			"last_payment_error": map[string]any{"type": "card_error", "code": "card_declined", "message": "Your card was declined."},
		}),
	} {
		_, err := p.Webhook(signed(body, testWebhookSecret, time.Now()), body)
		assert.ErrorIs(t, err, payment.ErrIgnored, name)
		assert.NotErrorIs(t, err, payment.ErrBadSignature, name)
	}
}

func TestWebhookRefusesWhatDoesNotVerify(t *testing.T) {
	t.Parallel()
	p := newWebhookProvider(t)
	body := eventBody(t, "evt_1", "payment_intent.succeeded", 1767225600, map[string]any{
		"id": "pi_1", "object": "payment_intent", "amount": 100, "amount_received": 100, "currency": "eur", "status": "succeeded",
		"metadata": map[string]any{"order_id": "ord_1"},
	})
	tampered := append([]byte(nil), body...)
	tampered[len(tampered)-3] = ' '
	cases := map[string]struct {
		h    http.Header
		body []byte
	}{
		"another secret":      {signed(body, "whsec_someone_else", time.Now()), body},
		"body changed":        {signed(body, testWebhookSecret, time.Now()), tampered},
		"ten minutes old":     {signed(body, testWebhookSecret, time.Now().Add(-10*time.Minute)), body},
		"no signature":        {http.Header{}, body},
		"garbage signature":   {http.Header{"Stripe-Signature": {"t=abc,v1=zz"}}, body},
		"signature elsewhere": {http.Header{"X-Signature": signed(body, testWebhookSecret, time.Now())["Stripe-Signature"]}, body},
	}
	for name, c := range cases {
		ev, err := p.Webhook(c.h, c.body)
		require.ErrorIs(t, err, payment.ErrBadSignature, name)
		assert.Zero(t, ev, name)
		assert.NotContains(t, err.Error(), testWebhookSecret, name)
		assert.NotContains(t, err.Error(), testKey, name)
	}
	// The same delivery, fresh and well signed, is read.
	ev, err := p.Webhook(signed(body, testWebhookSecret, time.Now()), body)
	require.NoError(t, err)
	assert.Equal(t, "ord_1", ev.OrderID)
}
