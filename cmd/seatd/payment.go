package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/seatmap/seatmap/checkout"
	"github.com/seatmap/seatmap/payment"
	"github.com/seatmap/seatmap/payment/stripe"
	"github.com/seatmap/seatmap/payment/testpay"
)

// paymentConfig is -payment and, for Stripe, its keys. The keys come from
// the environment only (never a flag, which ps would show) and are never
// logged.
type paymentConfig struct {
	mode string
	// window is how long a buyer has to pay (-payment-window); the hold
	// runs to its end.
	window        time.Duration
	secretKey     string // STRIPE_SECRET_KEY
	webhookSecret string // STRIPE_WEBHOOK_SECRET
	// publishableKey is Stripe's public key (STRIPE_PUBLISHABLE_KEY, pk_…)
	// the buyer's page loads Stripe.js with: not a secret, it goes into
	// every page.
	publishableKey string
	// stripeURL is where Stripe's API is (STRIPE_API_BASE): empty for
	// Stripe itself; stripe-mock in tests.
	stripeURL string
}

func (p *paymentConfig) register(fs *flag.FlagSet, getenv func(string) string) {
	def := getenv("SEATD_PAYMENT")
	if def == "" {
		def = payment.ModeTest
	}
	fs.StringVar(&p.mode, "payment", def, "how buyers pay: none (an order is confirmed at once, unpaid by design: free events, venues that collect elsewhere), test (the built-in test provider: the buyer's page approves or declines), or stripe (keys from STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET and STRIPE_PUBLISHABLE_KEY) (SEATD_PAYMENT)")
	fs.DurationVar(&p.window, "payment-window", checkout.DefaultPaymentWindow, "how long a buyer has to pay an order before it ends as payment_failed and its seats go back on sale")
}

// resolve checks the mode and reads the keys it needs.
func (p *paymentConfig) resolve(getenv func(string) string) error {
	if p.window < time.Second || p.window > 24*time.Hour {
		return errors.New("-payment-window must be between 1s and 24h")
	}
	switch p.mode {
	case payment.ModeNone, payment.ModeTest:
		return nil
	case payment.ModeStripe:
		p.secretKey, p.webhookSecret = getenv("STRIPE_SECRET_KEY"), getenv("STRIPE_WEBHOOK_SECRET")
		p.publishableKey = getenv("STRIPE_PUBLISHABLE_KEY")
		p.stripeURL = getenv("STRIPE_API_BASE")
		var missing []error
		if p.secretKey == "" {
			missing = append(missing, errors.New("-payment stripe needs STRIPE_SECRET_KEY in the environment (the account's secret key, sk_…)"))
		}
		if p.webhookSecret == "" {
			missing = append(missing, errors.New("-payment stripe needs STRIPE_WEBHOOK_SECRET in the environment (the webhook endpoint's signing secret, whsec_…)"))
		}
		if p.publishableKey == "" {
			missing = append(missing, errors.New("-payment stripe needs STRIPE_PUBLISHABLE_KEY in the environment (the account's publishable key, pk_…, for the buyer's page)"))
		}
		return errors.Join(missing...)
	}
	return fmt.Errorf("-payment %q: want none, test or stripe", p.mode)
}

// provider makes the configured provider; nil for none. log gets the
// provider's own messages (never a key).
func (p *paymentConfig) provider(log *slog.Logger) (payment.Provider, error) {
	switch p.mode {
	case payment.ModeTest:
		return testpay.New(), nil
	case payment.ModeStripe:
		return stripe.New(stripe.Config{SecretKey: p.secretKey, WebhookSecret: p.webhookSecret, BaseURL: p.stripeURL, Logger: log})
	}
	return nil, nil
}
