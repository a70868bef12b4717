package main

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestPaymentConfig: the embedded default pays through the test provider;
// SEATD_PAYMENT and -payment choose; stripe needs its keys from the
// environment and says which is missing without echoing any.
func TestPaymentConfig(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	cfg, err := parseConfig(nil, env(nil), io.Discard)
	require.NoError(t, err)
	require.Equal(t, "test", cfg.payment.mode, "the embedded default")
	require.Equal(t, 15*time.Minute, cfg.payment.window)
	cfg, err = parseConfig([]string{"-payment-window", "20s"}, env(nil), io.Discard)
	require.NoError(t, err)
	require.Equal(t, 20*time.Second, cfg.payment.window)
	_, err = parseConfig([]string{"-payment-window", "0s"}, env(nil), io.Discard)
	require.ErrorContains(t, err, "-payment-window")
	cfg, err = parseConfig(nil, env(map[string]string{"SEATD_PAYMENT": "none"}), io.Discard)
	require.NoError(t, err)
	require.Equal(t, "none", cfg.payment.mode)
	cfg, err = parseConfig([]string{"-payment", "test"}, env(map[string]string{"SEATD_PAYMENT": "none"}), io.Discard)
	require.NoError(t, err)
	require.Equal(t, "test", cfg.payment.mode, "the flag wins over the environment")

	_, err = parseConfig([]string{"-payment", "paypal"}, env(nil), io.Discard)
	require.ErrorContains(t, err, "want none, test or stripe")
	_, err = parseConfig([]string{"-payment", "stripe"}, env(nil), io.Discard)
	require.ErrorContains(t, err, "STRIPE_SECRET_KEY")
	require.ErrorContains(t, err, "STRIPE_WEBHOOK_SECRET")
	require.ErrorContains(t, err, "STRIPE_PUBLISHABLE_KEY")
	const secret = "sk_test_secretvalue123"
	_, err = parseConfig([]string{"-payment", "stripe"}, env(map[string]string{"STRIPE_SECRET_KEY": secret}), io.Discard)
	require.ErrorContains(t, err, "STRIPE_WEBHOOK_SECRET")
	require.False(t, strings.Contains(err.Error(), secret), "a key is never echoed")
	keys := map[string]string{"STRIPE_SECRET_KEY": secret, "STRIPE_WEBHOOK_SECRET": "whsec_x"}
	_, err = parseConfig([]string{"-payment", "stripe"}, env(keys), io.Discard)
	require.ErrorContains(t, err, "STRIPE_PUBLISHABLE_KEY", "the buyer's page needs the publishable key")
	keys["STRIPE_PUBLISHABLE_KEY"] = "pk_test_x"
	cfg, err = parseConfig([]string{"-payment", "stripe"}, env(keys), io.Discard)
	require.NoError(t, err)
	require.Equal(t, secret, cfg.payment.secretKey)
	require.Equal(t, "pk_test_x", cfg.payment.publishableKey)
}

// TestDefaultPaysThroughTestProvider: go run ./cmd/seatd shows the whole
// flow: an order waits for its payment, the test provider's page approves it,
// and the order is paid.
func TestDefaultPaysThroughTestProvider(t *testing.T) {
	base := startSeatd(t, nil)
	perf := demoPerformance(t, base)
	buyer := newAPIClient(t, base)
	var hold struct{ Token string }
	require.Equal(t, 201, buyer.call("POST", "/api/v1/performances/"+perf+"/holds", map[string]any{"seats": []string{"S-R9-S1"}}, &hold))
	var o struct {
		ID      string
		Status  string
		Payment struct {
			ID           string
			Provider     string
			ClientSecret string `json:"client_secret"`
		}
	}
	require.Equal(t, 201, buyer.call("POST", "/api/v1/orders", map[string]any{"hold_token": hold.Token, "buyer": map[string]string{"name": "Ada", "email": "ada@example.com"}}, &o))
	require.Equal(t, "pending_payment", o.Status)
	require.Equal(t, "test", o.Payment.Provider)
	var paid struct{ Status string }
	require.Equal(t, 200, buyer.call("POST", "/api/v1/payments/test/"+o.Payment.ID+"/approve", map[string]string{"client_secret": o.Payment.ClientSecret}, &paid))
	require.Equal(t, "paid", paid.Status)
}
