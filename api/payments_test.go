package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/payment"
	"github.com/seatmap/seatmap/payment/testpay"
)

// hookPay is the test provider with a webhook: a delivery verifies when its
// X-Test-Signature header says "good", and its body is the event as JSON.
type hookPay struct{ *testpay.Provider }

func (h hookPay) Webhook(hd payment.Header, body []byte) (payment.Event, error) {
	if hd.Get("X-Test-Signature") != "good" {
		return payment.Event{}, payment.ErrBadSignature
	}
	var ev payment.Event
	if err := json.Unmarshal(body, &ev); err != nil || ev.Type == "" {
		return payment.Event{}, payment.ErrIgnored
	}
	return ev, nil
}

type payOrder struct {
	fullOrder
	Payment *struct {
		Method       string `json:"method"`
		ID           string `json:"id"`
		Provider     string `json:"provider"`
		ClientSecret string `json:"client_secret"`
		ExpiresAt    string `json:"expires_at"`
	} `json:"payment"`
	Payments []struct {
		ID         string `json:"id"`
		Kind       string `json:"kind"`
		Provider   string `json:"provider"`
		ProviderID string `json:"provider_id"`
		Status     string `json:"status"`
		Amount     int64  `json:"amount"`
	} `json:"payments"`
}

// TestPaymentsOverHTTP: in test mode an order waits for its payment and the
// buyer's page approves or declines it; a refund goes back through the
// provider; webhooks are verified, applied once, and foreign ones refused.
func TestPaymentsOverHTTP(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b, func(o *envOptions) { o.payments = hookPay{testpay.New()} })
			p := e.performance(hall.Theatre(), true)
			buyer := e.buyer()
			order := func(seat string) payOrder {
				t.Helper()
				r := buyer.do("POST", "/api/v1/performances/"+p.ID+"/holds", map[string]any{"seats": []string{seat}})
				require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
				var h hold
				r.decode(t, &h)
				r = buyer.do("POST", "/api/v1/orders", map[string]any{"hold_token": h.Token, "buyer": map[string]string{"name": "Vera", "email": "vera@example.com"}})
				require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
				var o payOrder
				r.decode(t, &o)
				return o
			}
			o := order("S-R1-S1")
			require.Equal(t, "pending_payment", o.Status)
			require.NotNil(t, o.Payment)
			require.Equal(t, "test", o.Payment.Provider)
			require.True(t, strings.HasPrefix(o.Payment.ID, "tp_"))
			require.NotEmpty(t, o.Payment.ClientSecret)
			require.NotEmpty(t, o.Payment.ExpiresAt)
			_, held, _, _ := e.counts(p.ID)
			require.Equal(t, 1, held, "the seat stays held while the buyer pays")

			// The buyer sees the secret again; staff never do.
			var again payOrder
			buyer.do("GET", "/api/v1/orders/"+o.ID, nil).decode(t, &again)
			require.Equal(t, o.Payment.ClientSecret, again.Payment.ClientSecret)
			var seen payOrder
			e.staff().do("GET", "/api/v1/orders/"+o.ID, nil).decode(t, &seen)
			require.Empty(t, seen.Payment.ClientSecret)
			require.Len(t, seen.Payments, 1)
			require.Equal(t, "pending", seen.Payments[0].Status)

			approve := "/api/v1/payments/test/" + o.Payment.ID + "/approve"
			r := buyer.do("POST", approve, map[string]string{"client_secret": "wrong"})
			require.Equal(t, http.StatusForbidden, r.status)
			require.Contains(t, r.problem(t).Type, "payment-secret")
			r = buyer.do("POST", approve, map[string]string{"client_secret": o.Payment.ClientSecret})
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			var paid payOrder
			r.decode(t, &paid)
			require.Equal(t, "paid", paid.Status)
			require.Equal(t, "succeeded", paid.Payments[0].Status)
			r = buyer.do("POST", approve, map[string]string{"client_secret": o.Payment.ClientSecret})
			require.Equal(t, http.StatusOK, r.status, "a repeated answer is harmless")
			_, _, sold, _ := e.counts(p.ID)
			require.Equal(t, 1, sold)

			d := order("S-R1-S2")
			r = buyer.do("POST", "/api/v1/payments/test/"+d.Payment.ID+"/decline", map[string]string{"client_secret": d.Payment.ClientSecret})
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			var failed payOrder
			r.decode(t, &failed)
			require.Equal(t, "payment_failed", failed.Status)
			_, held, _, _ = e.counts(p.ID)
			require.Equal(t, 0, held, "the declined order's seat is free")

			// Webhooks: verified, once, ours only.
			w := order("S-R1-S3")
			ev := payment.Event{ID: "evt_1", Type: payment.PaymentSucceeded, PaymentID: w.Payment.ID, OrderID: w.ID, Amount: w.Total, Currency: w.Currency}
			hook := e.buyer()
			hook.http.Jar = nil
			post := func(ev payment.Event, sig string) response {
				t.Helper()
				return hook.do("POST", "/api/v1/payments/test/webhook", ev, "X-Test-Signature", sig)
			}
			require.Equal(t, http.StatusBadRequest, post(ev, "forged").status)
			foreign := ev
			foreign.PaymentID = "tp_someone_else"
			require.Equal(t, http.StatusNotFound, post(foreign, "good").status)
			other := ev
			other.OrderID = d.ID
			require.Equal(t, http.StatusNotFound, post(other, "good").status, "the payment of another order")
			cheap := ev
			cheap.Amount = 1
			r = post(cheap, "good")
			require.Equal(t, http.StatusUnprocessableEntity, r.status)
			require.Contains(t, r.problem(t).Type, "payment-mismatch")
			var still payOrder
			buyer.do("GET", "/api/v1/orders/"+w.ID, nil).decode(t, &still)
			require.Equal(t, "pending_payment", still.Status, "nothing changed")

			r = post(ev, "good")
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			var ack struct{ Received, Replayed bool }
			r.decode(t, &ack)
			require.True(t, ack.Received)
			require.False(t, ack.Replayed)
			post(ev, "good").decode(t, &ack)
			require.True(t, ack.Replayed)
			buyer.do("GET", "/api/v1/orders/"+w.ID, nil).decode(t, &still)
			require.Equal(t, "paid", still.Status)
			r = hook.do("POST", "/api/v1/payments/test/webhook", map[string]string{"type": ""}, "X-Test-Signature", "good")
			require.Equal(t, http.StatusOK, r.status, "an event seatd does not act on")
			r = hook.do("POST", "/api/v1/payments/test/webhook", strings.Repeat(" ", 65<<10), "X-Test-Signature", "good")
			require.Equal(t, http.StatusRequestEntityTooLarge, r.status)
			require.Equal(t, http.StatusNotFound, hook.do("POST", "/api/v1/payments/stripe/webhook", ev).status, "not this server's provider")

			// A refund of the paid order goes back to the card.
			r = e.staff().do("POST", "/api/v1/orders/"+o.ID+"/refunds", map[string]any{"seats": []string{"S-R1-S1"}, "reason": "ill"}, "Idempotency-Key", "r1")
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			var refunded payOrder
			e.staff().do("GET", "/api/v1/orders/"+o.ID, nil).decode(t, &refunded)
			require.Len(t, refunded.Payments, 2)
			kinds := map[string]string{}
			for _, pr := range refunded.Payments {
				kinds[pr.Kind] = pr.Status
			}
			require.Equal(t, map[string]string{"payment": "succeeded", "refund": "succeeded"}, kinds)
		})
	}
}

// TestNoPaymentStep: without a provider an order is paid at once and the
// test provider's routes are not there.
func TestNoPaymentStep(t *testing.T) {
	t.Parallel()
	e := newEnv(t, embedded)
	p := e.performance(hall.Theatre(), true)
	o, r := e.buy(p.ID, "", "S-R2-S1")
	require.Equal(t, http.StatusCreated, r.status)
	require.Equal(t, "paid", o.Status)
	require.Equal(t, http.StatusNotFound, e.buyer().do("POST", "/api/v1/payments/test/tp_x/approve", map[string]string{"client_secret": "x"}).status)
	require.Equal(t, http.StatusNotFound, e.buyer().do("POST", "/api/v1/payments/test/webhook", map[string]string{}).status)
}

// downPay is a provider that cannot start payments.
type downPay struct{ *testpay.Provider }

func (downPay) Create(context.Context, payment.Request) (payment.Intent, error) {
	return payment.Intent{}, errors.New("connection refused")
}

// TestPaymentProviderDown: an order whose payment cannot be started is a
// 502, and its seats are for sale again.
func TestPaymentProviderDown(t *testing.T) {
	t.Parallel()
	e := newEnv(t, embedded, func(o *envOptions) { o.payments = downPay{testpay.New()} })
	p := e.performance(hall.Theatre(), true)
	_, r := e.buy(p.ID, "", "S-R3-S1", "S-R3-S2")
	require.Equal(t, http.StatusBadGateway, r.status, "%s", r.body)
	require.Contains(t, r.problem(t).Type, "payment-provider")
	require.NotContains(t, string(r.body), "connection refused", "the provider's words stay in the log")
	free, held, sold, _ := e.counts(p.ID)
	require.Equal(t, 0, held)
	require.Equal(t, 0, sold)
	require.Equal(t, 800, free)
}

// TestPaymentSecretForKeyHolder: the order's key (the e-mail's link) is as
// good as the buyer's session for paying: on another device, without the
// session, the page gets the client secret and pays with it; staff get it
// only with the key, and a stranger gets nothing.
func TestPaymentSecretForKeyHolder(t *testing.T) {
	t.Parallel()
	e := newEnv(t, embedded, func(o *envOptions) { o.payments = testpay.New() })
	p := e.performance(hall.Theatre(), true)
	buyer := e.buyer()
	r := buyer.do("POST", "/api/v1/performances/"+p.ID+"/holds", map[string]any{"seats": []string{"S-R3-S1"}})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	var h hold
	r.decode(t, &h)
	r = buyer.do("POST", "/api/v1/orders", map[string]any{"hold_token": h.Token, "buyer": map[string]string{"name": "Vera", "email": "vera@example.com"}})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	var o struct {
		payOrder
		AccessKey string `json:"access_key"`
	}
	r.decode(t, &o)
	require.Equal(t, "pending_payment", o.Status)
	require.NotEmpty(t, o.AccessKey)
	secret := o.Payment.ClientSecret
	require.NotEmpty(t, secret)

	path := "/api/v1/orders/" + o.ID
	var seen payOrder
	phone := e.buyer() // another device: no cookie of the sale
	r = phone.do("GET", path+"?key="+o.AccessKey, nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	r.decode(t, &seen)
	require.Equal(t, secret, seen.Payment.ClientSecret, "the key holder may pay")
	seen = payOrder{}
	e.staff().do("GET", path+"?key="+o.AccessKey, nil).decode(t, &seen)
	require.Equal(t, secret, seen.Payment.ClientSecret, "staff with the buyer's key act for the buyer")
	seen = payOrder{}
	e.staff().do("GET", path, nil).decode(t, &seen)
	require.NotNil(t, seen.Payment)
	require.Empty(t, seen.Payment.ClientSecret, "staff without the key do not")
	require.Equal(t, http.StatusNotFound, e.buyer().do("GET", path+"?key=wrong", nil).status)

	r = phone.do("POST", "/api/v1/payments/test/"+seen.Payment.ID+"/approve", map[string]string{"client_secret": secret})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var paid payOrder
	phone.do("GET", path+"?key="+o.AccessKey, nil).decode(t, &paid)
	require.Equal(t, "paid", paid.Status)
	require.Len(t, paid.Payments, 1)
	require.Equal(t, "succeeded", paid.Payments[0].Status)
}

// stripeNamed is the test provider under Stripe's name: what the pages are
// told and allowed depends on the name only.
type stripeNamed struct{ *testpay.Provider }

func (stripeNamed) Name() string { return payment.ModeStripe }

// TestPagesKnowHowBuyersPay: index.html's boot data names the provider (and
// Stripe's publishable key), and only with Stripe may the pages load
// Stripe.js, show its frames and reach its API.
func TestPagesKnowHowBuyersPay(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, provider, key string
		pay                 payment.Provider
	}{
		{name: "none", provider: "none"},
		{name: "test", provider: "test", pay: testpay.New()},
		{name: "stripe", provider: "stripe", key: "pk_test_abc", pay: stripeNamed{testpay.New()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			files := fstest.MapFS{"index.html": {Data: []byte(`<script type="application/json" id="boot"></script>`)}}
			e := newEnv(t, embedded, func(o *envOptions) {
				o.static, o.payments, o.publishableKey = files, tc.pay, tc.key
			})
			index := raw(t, e, "/")
			require.Equal(t, http.StatusOK, index.status)
			text := strings.TrimSuffix(strings.TrimPrefix(string(index.body), `<script type="application/json" id="boot">`), `</script>`)
			var boot struct {
				Payment struct {
					Provider       string `json:"provider"`
					PublishableKey string `json:"publishable_key"`
				} `json:"payment"`
			}
			require.NoError(t, json.Unmarshal([]byte(text), &boot), text)
			require.Equal(t, tc.provider, boot.Payment.Provider)
			require.Equal(t, tc.key, boot.Payment.PublishableKey)
			csp := index.header.Get("Content-Security-Policy")
			if tc.provider == "stripe" {
				require.Contains(t, csp, "script-src 'self' https://js.stripe.com;")
				require.Contains(t, csp, "frame-src 'self' blob: https://js.stripe.com https://hooks.stripe.com;")
				require.Contains(t, csp, "https://api.stripe.com")
			} else {
				require.NotContains(t, csp, "stripe")
				require.Contains(t, csp, "script-src 'self';")
			}
		})
	}
}
