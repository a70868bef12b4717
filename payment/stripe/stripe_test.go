package stripe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/internal/stripemock"
	"github.com/seatmap/seatmap/payment"
)

// sent is one request as it left for stripe-mock.
type sent struct {
	Method, Path, IdempotencyKey string
	Form                         url.Values
}

// recorder sits between the provider and stripe-mock and keeps what was
// sent: stripe-mock answers fixtures and echoes few parameters (metadata not
// at all), so what was sent is checked here, and that Stripe's spec takes
// it, by stripe-mock's answer.
type recorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	reqs []sent
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, sent{req.Method, req.URL.Path, req.Header.Get("Idempotency-Key"), form})
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

func (r *recorder) sent() []sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sent(nil), r.reqs...)
}

const (
	testKey           = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"
	testWebhookSecret = "whsec_test_0123456789abcdef"
)

type fixture struct {
	p   *Provider
	rec *recorder
	log *bytes.Buffer
}

func newFixture(t *testing.T, baseURL, key string) fixture {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	rec := &recorder{next: tr}
	var log lockedBuf
	p, err := New(Config{
		SecretKey:     key,
		WebhookSecret: testWebhookSecret,
		BaseURL:       baseURL,
		HTTPClient:    &http.Client{Transport: rec},
		Logger:        slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	require.NoError(t, err)
	return fixture{p: p, rec: rec, log: &log.b}
}

type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func TestNewRefusesMissingSecrets(t *testing.T) {
	t.Parallel()
	_, err := New(Config{WebhookSecret: testWebhookSecret})
	require.Error(t, err)
	_, err = New(Config{SecretKey: testKey})
	require.Error(t, err)
	p, err := New(Config{SecretKey: testKey, WebhookSecret: testWebhookSecret})
	require.NoError(t, err)
	assert.Equal(t, payment.ModeStripe, p.Name())
}

func TestAgainstStripeMock(t *testing.T) {
	base := stripemock.Start(t)
	ctx := context.Background()

	t.Run("create sends the order, the amount and the idempotency key", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, base, testKey)
		req := payment.Request{
			OrderID: "ord_1", OrderNumber: "A-1001", Amount: 12050, Currency: "EUR",
			Email: "buyer@example.com", IdempotencyKey: "pay-ord_1",
		}
		in, err := f.p.Create(ctx, req)
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(in.ID, "pi_"), in.ID)
		assert.Contains(t, in.ClientSecret, "_secret_")
		assert.Equal(t, payment.StatusPending, in.Status, "a new intent waits for the buyer")

		// The retry carries the same key, and stripe-mock (Stripe's spec)
		// takes it; that Stripe answers it with the first intent is Stripe's
		// promise, which a stateless mock cannot show.
		_, err = f.p.Create(ctx, req)
		require.NoError(t, err)

		reqs := f.rec.sent()
		require.Len(t, reqs, 2)
		for _, r := range reqs {
			assert.Equal(t, "POST", r.Method)
			assert.Equal(t, "/v1/payment_intents", r.Path)
			assert.Equal(t, "pay-ord_1", r.IdempotencyKey)
			assert.Equal(t, "12050", r.Form.Get("amount"))
			assert.Equal(t, "eur", r.Form.Get("currency"))
			assert.Equal(t, "ord_1", r.Form.Get("metadata[order_id]"))
			assert.Equal(t, "A-1001", r.Form.Get("metadata[order_number]"))
			assert.Equal(t, "buyer@example.com", r.Form.Get("receipt_email"))
			assert.Equal(t, "true", r.Form.Get("automatic_payment_methods[enabled]"))
		}
		assert.NotContains(t, f.log.String(), in.ClientSecret, "no client secret in the log")
		assert.Contains(t, f.log.String(), "/v1/payment_intents", "stripe-go's requests are logged")
	})

	t.Run("create counts amounts as Stripe does", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, base, testKey)
		for _, c := range []struct {
			currency string
			amount   int64
			want     string
		}{
			{"JPY", 5000, "5000"},   // zero-decimal both ways
			{"ISK", 5000, "500000"}, // ISO 0 decimals, Stripe 2 (always 00)
			{"KWD", 1250, "1250"},   // three-decimal, last digit 0
		} {
			_, err := f.p.Create(ctx, payment.Request{OrderID: "o", Amount: c.amount, Currency: c.currency, IdempotencyKey: "k-" + c.currency})
			require.NoError(t, err, c.currency)
			reqs := f.rec.sent()
			assert.Equal(t, c.want, reqs[len(reqs)-1].Form.Get("amount"), c.currency)
			assert.Equal(t, strings.ToLower(c.currency), reqs[len(reqs)-1].Form.Get("currency"))
		}
		n := len(f.rec.sent())
		_, err := f.p.Create(ctx, payment.Request{OrderID: "o", Amount: 1255, Currency: "KWD", IdempotencyKey: "k"})
		require.Error(t, err, "1.255 KWD has a last digit Stripe refuses")
		assert.Contains(t, err.Error(), "KWD")
		assert.Len(t, f.rec.sent(), n, "refused before calling Stripe")
	})

	t.Run("create refuses a request without key, order or amount", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, base, testKey)
		good := payment.Request{OrderID: "o", Amount: 100, Currency: "EUR", IdempotencyKey: "k"}
		for name, mut := range map[string]func(*payment.Request){
			"no key":   func(r *payment.Request) { r.IdempotencyKey = "" },
			"no order": func(r *payment.Request) { r.OrderID = "" },
			"zero":     func(r *payment.Request) { r.Amount = 0 },
			"long key": func(r *payment.Request) { r.IdempotencyKey = strings.Repeat("k", 256) },
			"negative": func(r *payment.Request) { r.Amount = -1 },
		} {
			r := good
			mut(&r)
			_, err := f.p.Create(ctx, r)
			assert.Error(t, err, name)
		}
		assert.Empty(t, f.rec.sent())
	})

	t.Run("cancel sends the key and a reason", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, base, testKey)
		require.NoError(t, f.p.Cancel(ctx, "pi_3MtwBwLkdIwHu7ix28a3tqPa", "cancel-ord_1"))
		require.NoError(t, f.p.Cancel(ctx, "pi_3MtwBwLkdIwHu7ix28a3tqPa", "cancel-ord_1"), "a retry with the same key")
		reqs := f.rec.sent()
		require.Len(t, reqs, 2)
		for _, r := range reqs {
			assert.Equal(t, "/v1/payment_intents/pi_3MtwBwLkdIwHu7ix28a3tqPa/cancel", r.Path)
			assert.Equal(t, "cancel-ord_1", r.IdempotencyKey)
			assert.Equal(t, "abandoned", r.Form.Get("cancellation_reason"))
		}
		require.Error(t, f.p.Cancel(ctx, "pi_1", ""), "no key")
	})

	t.Run("refund sends the order, the refund and the key", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, base, testKey)
		req := payment.RefundRequest{
			PaymentID: "pi_3MtwBwLkdIwHu7ix28a3tqPa", OrderID: "ord_1", RefundID: "rf_7",
			Amount: 4000, Currency: "EUR", IdempotencyKey: "refund-rf_7", Reason: "event cancelled",
		}
		rf, err := f.p.Refund(ctx, req)
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(rf.ID, "re_"), rf.ID)
		// stripe-mock's refund fixture is a succeeded refund.
		assert.Equal(t, payment.StatusSucceeded, rf.Status)
		_, err = f.p.Refund(ctx, req)
		require.NoError(t, err, "a retry with the same key")

		reqs := f.rec.sent()
		require.Len(t, reqs, 2)
		for _, r := range reqs {
			assert.Equal(t, "/v1/refunds", r.Path)
			assert.Equal(t, "refund-rf_7", r.IdempotencyKey)
			assert.Equal(t, "pi_3MtwBwLkdIwHu7ix28a3tqPa", r.Form.Get("payment_intent"))
			assert.Equal(t, "4000", r.Form.Get("amount"))
			assert.Equal(t, "ord_1", r.Form.Get("metadata[order_id]"))
			assert.Equal(t, "rf_7", r.Form.Get("metadata[refund_id]"))
			assert.Equal(t, "event cancelled", r.Form.Get("metadata[reason]"))
		}
	})

	t.Run("an error never holds the secret key", func(t *testing.T) {
		t.Parallel()
		// stripe-mock refuses a key that does not look like a test key and
		// quotes the Authorization header, key and all, in its message.
		const key = "rk_bogus_T0pS3cr3tValue"
		f := newFixture(t, base, key)
		_, err := f.p.Create(ctx, payment.Request{OrderID: "o", Amount: 100, Currency: "EUR", IdempotencyKey: "k"})
		require.Error(t, err)
		err2 := f.p.Cancel(ctx, "pi_1", "k2")
		require.Error(t, err2)
		_, err3 := f.p.Refund(ctx, payment.RefundRequest{PaymentID: "pi_1", Amount: 1, Currency: "EUR", IdempotencyKey: "k3"})
		require.Error(t, err3)
		for _, err := range []error{err, err2, err3} {
			var ae *APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, http.StatusUnauthorized, ae.HTTPStatus)
			assert.Contains(t, ae.Message, "[secret key]", "stripe-mock's message, redacted")
			for e := error(err); e != nil; e = errors.Unwrap(e) {
				assert.NotContains(t, e.Error(), key)
				assert.NotContains(t, fmt.Sprintf("%+v %#v", e, e), key)
			}
		}
		assert.NotContains(t, f.log.String(), key)
	})

	t.Run("a canceled context is reported as such", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, base, testKey)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := f.p.Create(cctx, payment.Request{OrderID: "o", Amount: 100, Currency: "EUR", IdempotencyKey: "k"})
		require.ErrorIs(t, err, context.Canceled)
	})
}
