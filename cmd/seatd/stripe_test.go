package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/seatmap/seatmap/internal/stripemock"
)

// TestStripeThroughStripeMock runs the built binary with -payment stripe as a
// venue would (keys in the environment), against stripe-mock, Stripe's own
// mock of its API: an order waits for its PaymentIntent; a webhook that does
// not verify changes nothing; Stripe's signed payment_intent.succeeded pays
// the order once however often it comes; a refund goes back through Stripe;
// no key reaches the logs. The buyer's page gets the publishable key.
func TestStripeThroughStripeMock(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary and stripe-mock")
	}
	mock := stripemock.Start(t)
	const (
		secretKey = "sk_test_seatdStripeMockKey"
		whsec     = "whsec_seatdStripeMockSecret"
	)
	p := startBinary(t, t.TempDir(), map[string]string{
		"SEATD_ADMIN_TOKEN": testAdminToken, "SEATD_PAYMENT": "stripe", "STRIPE_API_BASE": mock,
		"STRIPE_SECRET_KEY": secretKey, "STRIPE_WEBHOOK_SECRET": whsec, "STRIPE_PUBLISHABLE_KEY": "pk_test_seatd",
	})
	perf := demoPerformance(t, p.Base)
	// The buyer's page is told to pay by Stripe with the publishable key,
	// and may load Stripe.js.
	page, err := http.Get(p.Base + "/")
	require.NoError(t, err)
	html, err := io.ReadAll(page.Body)
	page.Body.Close()
	require.NoError(t, err)
	require.Contains(t, string(html), `"payment":{"provider":"stripe","publishable_key":"pk_test_seatd"}`)
	require.Regexp(t, `script-src 'self'( 'sha256-[A-Za-z0-9+/=]+')+ https://js\.stripe\.com;`, page.Header.Get("Content-Security-Policy"),
		"Stripe.js may load, and the page's own inline scripts (early.js, firstdraw.js) run by their hashes")
	buyer := newAPIClient(t, p.Base)
	staffAuth := []string{"Authorization", "Bearer " + testAdminToken}

	var hold struct{ Token string }
	require.Equal(t, 201, buyer.call("POST", "/api/v1/performances/"+perf+"/holds", map[string]any{"seats": []string{"S-R7-S1", "S-R7-S2"}}, &hold))
	type orderView struct {
		ID, Status, Currency string
		Total                int64
		Payment              struct {
			ID, Provider string
			ClientSecret string `json:"client_secret"`
		}
		Tickets []struct {
			Code *string
		}
		Payments []struct {
			Kind, Provider, Status string
			Amount                 int64
		}
	}
	var o orderView
	require.Equal(t, 201, buyer.call("POST", "/api/v1/orders", map[string]any{"hold_token": hold.Token, "buyer": map[string]string{"name": "Ada", "email": "ada@example.com"}}, &o))
	require.Equal(t, "pending_payment", o.Status)
	require.Equal(t, "stripe", o.Payment.Provider)
	require.True(t, strings.HasPrefix(o.Payment.ID, "pi_"), o.Payment.ID)
	require.NotEmpty(t, o.Payment.ClientSecret, "the buyer's page pays with it")

	deliver := func(typ string, secret string, at time.Time) int {
		t.Helper()
		body, err := json.Marshal(map[string]any{
			"id": "evt_" + typ + "_" + o.ID, "object": "event", "type": typ, "created": at.Unix(), "livemode": false,
			"api_version": "2020-08-27", "pending_webhooks": 1,
			"data": map[string]any{"object": map[string]any{
				"id": o.Payment.ID, "object": "payment_intent", "status": "succeeded",
				"amount": o.Total, "amount_received": o.Total, "currency": strings.ToLower(o.Currency),
				"metadata": map[string]string{"order_id": o.ID},
			}},
		})
		require.NoError(t, err)
		signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: at})
		req, err := http.NewRequest("POST", p.Base+"/api/v1/payments/stripe/webhook", bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Stripe-Signature", signed.Header)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	status := func() orderView {
		var v orderView
		require.Equal(t, 200, buyer.call("GET", "/api/v1/orders/"+o.ID, nil, &v))
		return v
	}

	require.Equal(t, 400, deliver("payment_intent.succeeded", "whsec_someoneElse", time.Now()), "signed with another secret")
	require.Equal(t, 400, deliver("payment_intent.succeeded", whsec, time.Now().Add(-time.Hour)), "an old delivery replayed")
	require.Equal(t, "pending_payment", status().Status, "nothing changed")

	for range 5 {
		require.Equal(t, 200, deliver("payment_intent.succeeded", whsec, time.Now()))
	}
	paid := status()
	require.Equal(t, "paid", paid.Status)
	require.Len(t, paid.Tickets, 2)
	for _, tk := range paid.Tickets {
		require.NotNil(t, tk.Code, "a paid order's tickets have codes")
	}
	succeeded := 0
	for _, py := range paid.Payments {
		if py.Kind == "payment" && py.Status == "succeeded" {
			succeeded++
			require.Equal(t, o.Total, py.Amount)
		}
	}
	require.Equal(t, 1, succeeded, "five deliveries, one payment")

	var refund struct {
		Order orderView
	}
	require.Equal(t, 201, buyer.call("POST", "/api/v1/orders/"+o.ID+"/refunds", map[string]any{"seats": []string{"S-R7-S1"}, "reason": "Buyer is ill"}, &refund, append(staffAuth, "Idempotency-Key", "refund-"+o.ID)...))
	var back []string
	for _, py := range refund.Order.Payments {
		if py.Kind == "refund" {
			back = append(back, py.Provider+" "+py.Status)
		}
	}
	require.Len(t, back, 1, "the refund went back through Stripe")
	require.Contains(t, []string{"stripe succeeded", "stripe pending"}, back[0])
	require.Equal(t, refund.Order.Payments, status().Payments, "the refund's answer shows the order as it is stored")

	p.Stop()
	logs := p.Stdout.String() + p.Stderr.String()
	for _, secret := range []string{secretKey, whsec, o.Payment.ClientSecret} {
		require.NotContains(t, logs, secret, "a secret in seatd's log")
	}
}
