package stripe

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"

	stripego "github.com/stripe/stripe-go/v82"

	"github.com/seatmap/seatmap/payment"
)

// Config is what New needs. SecretKey and WebhookSecret come from the
// environment (STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET) and are never logged.
type Config struct {
	SecretKey     string // "sk_live_…" or "sk_test_…"
	WebhookSecret string // "whsec_…", the signing secret of the webhook endpoint
	// BaseURL is the API's address; empty is Stripe's own. Tests point it at
	// stripe-mock ("http://127.0.0.1:port").
	BaseURL string
	// HTTPClient makes the calls; nil is stripe-go's (80 s timeout). Each call
	// is bounded by its context as well.
	HTTPClient *http.Client
	// Logger gets stripe-go's own messages (requests at DEBUG, retries and
	// failures at WARN); nil logs nothing.
	Logger *slog.Logger
}

// Provider is payment.Provider for Stripe. It is safe for concurrent use:
// stripe-go's client is.
type Provider struct {
	client  *stripego.Client
	redact  *strings.Replacer
	webhook string
}

var _ payment.Provider = (*Provider)(nil)

// New returns a Provider. It calls nothing at Stripe: a wrong key shows on
// the first call.
func New(cfg Config) (*Provider, error) {
	if cfg.SecretKey == "" {
		return nil, errors.New("stripe: the secret key is empty (STRIPE_SECRET_KEY)")
	}
	if cfg.WebhookSecret == "" {
		return nil, errors.New("stripe: the webhook signing secret is empty (STRIPE_WEBHOOK_SECRET)")
	}
	redact := strings.NewReplacer(cfg.SecretKey, "[secret key]", cfg.WebhookSecret, "[webhook secret]")
	bc := &stripego.BackendConfig{
		HTTPClient:    cfg.HTTPClient,
		LeveledLogger: &logger{l: cfg.Logger, redact: redact},
	}
	if cfg.BaseURL != "" {
		bc.URL = stripego.String(strings.TrimRight(cfg.BaseURL, "/"))
	}
	return &Provider{
		client:  stripego.NewClient(cfg.SecretKey, stripego.WithBackends(stripego.NewBackendsWithConfig(bc))),
		redact:  redact,
		webhook: cfg.WebhookSecret,
	}, nil
}

// Name is payment.ModeStripe.
func (p *Provider) Name() string { return payment.ModeStripe }

// Create creates a PaymentIntent for the order. Its ExpiresAt is not sent:
// a PaymentIntent does not expire by itself, so seatd cancels it (Cancel)
// when the payment window ends.
func (p *Provider) Create(ctx context.Context, r payment.Request) (payment.Intent, error) {
	if err := checkKey(r.IdempotencyKey); err != nil {
		return payment.Intent{}, fmt.Errorf("stripe: create payment: %w", err)
	}
	if r.Amount <= 0 {
		return payment.Intent{}, fmt.Errorf("stripe: create payment: amount %d is not positive", r.Amount)
	}
	if r.OrderID == "" {
		return payment.Intent{}, errors.New("stripe: create payment: no order id")
	}
	amount, err := toStripe(r.Amount, r.Currency)
	if err != nil {
		return payment.Intent{}, fmt.Errorf("stripe: create payment: %w", err)
	}
	params := &stripego.PaymentIntentCreateParams{
		Amount:   stripego.Int64(amount),
		Currency: stripego.String(strings.ToLower(r.Currency)),
		// The Payment Element offers whatever methods the account has
		// switched on in Stripe's dashboard.
		AutomaticPaymentMethods: &stripego.PaymentIntentCreateAutomaticPaymentMethodsParams{
			Enabled: stripego.Bool(true),
		},
		Metadata: map[string]string{"order_id": r.OrderID, "order_number": r.OrderNumber},
	}
	if r.OrderNumber != "" {
		params.Description = stripego.String("Order " + r.OrderNumber)
	}
	if r.Email != "" {
		params.ReceiptEmail = stripego.String(r.Email)
	}
	params.SetIdempotencyKey(r.IdempotencyKey)
	pi, err := p.client.V1PaymentIntents.Create(ctx, params)
	if err != nil {
		return payment.Intent{}, p.wrap("create payment", err)
	}
	return payment.Intent{ID: pi.ID, ClientSecret: pi.ClientSecret, Status: intentStatus(pi.Status)}, nil
}

// Cancel cancels a PaymentIntent. One already canceled is not an error; one
// that succeeded meanwhile is (an *APIError with Code
// "payment_intent_unexpected_state"): its money must be refunded, not dropped.
func (p *Provider) Cancel(ctx context.Context, paymentID, idempotencyKey string) error {
	if err := checkKey(idempotencyKey); err != nil {
		return fmt.Errorf("stripe: cancel payment %s: %w", paymentID, err)
	}
	if paymentID == "" {
		return errors.New("stripe: cancel payment: no payment id")
	}
	params := &stripego.PaymentIntentCancelParams{
		CancellationReason: stripego.String(string(stripego.PaymentIntentCancellationReasonAbandoned)),
	}
	params.SetIdempotencyKey(idempotencyKey)
	_, err := p.client.V1PaymentIntents.Cancel(ctx, paymentID, params)
	if err == nil {
		return nil
	}
	var se *stripego.Error
	if errors.As(err, &se) && se.Code == stripego.ErrorCodePaymentIntentUnexpectedState {
		// Stripe answers a cancel of a canceled intent with this code, and
		// usually the intent with it; ask for the intent if not.
		if se.PaymentIntent != nil && se.PaymentIntent.ID == paymentID {
			if se.PaymentIntent.Status == stripego.PaymentIntentStatusCanceled {
				return nil
			}
		} else if pi, gerr := p.client.V1PaymentIntents.Retrieve(ctx, paymentID, nil); gerr == nil &&
			pi.Status == stripego.PaymentIntentStatusCanceled {
			return nil
		}
	}
	return p.wrap("cancel payment "+paymentID, err)
}

// Refund creates a Refund of a PaymentIntent. Stripe refunds in the
// payment's currency; r.Currency says how to count r.Amount.
func (p *Provider) Refund(ctx context.Context, r payment.RefundRequest) (payment.Refund, error) {
	if err := checkKey(r.IdempotencyKey); err != nil {
		return payment.Refund{}, fmt.Errorf("stripe: refund payment %s: %w", r.PaymentID, err)
	}
	if r.PaymentID == "" {
		return payment.Refund{}, errors.New("stripe: refund: no payment id")
	}
	if r.Amount <= 0 {
		return payment.Refund{}, fmt.Errorf("stripe: refund payment %s: amount %d is not positive", r.PaymentID, r.Amount)
	}
	amount, err := toStripe(r.Amount, r.Currency)
	if err != nil {
		return payment.Refund{}, fmt.Errorf("stripe: refund payment %s: %w", r.PaymentID, err)
	}
	params := &stripego.RefundCreateParams{
		PaymentIntent: stripego.String(r.PaymentID),
		Amount:        stripego.Int64(amount),
		Metadata:      map[string]string{"order_id": r.OrderID, "refund_id": r.RefundID},
	}
	// Stripe's reason field takes three fixed words only; seatd's free text
	// goes into the metadata (values up to 500 characters).
	if r.Reason != "" {
		params.Metadata["reason"] = truncate(r.Reason, 500)
	}
	params.SetIdempotencyKey(r.IdempotencyKey)
	rf, err := p.client.V1Refunds.Create(ctx, params)
	if err != nil {
		return payment.Refund{}, p.wrap("refund payment "+r.PaymentID, err)
	}
	return payment.Refund{ID: rf.ID, Status: refundStatus(rf.Status)}, nil
}

func checkKey(key string) error {
	switch {
	case key == "":
		return errors.New("no idempotency key")
	case len(key) > 255: // Stripe's limit
		return fmt.Errorf("idempotency key of %d characters; Stripe takes at most 255", len(key))
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Cut on a rune boundary.
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

func intentStatus(s stripego.PaymentIntentStatus) string {
	switch s {
	case stripego.PaymentIntentStatusSucceeded:
		return payment.StatusSucceeded
	case stripego.PaymentIntentStatusCanceled:
		return payment.StatusCanceled
	}
	// requires_payment_method, requires_confirmation, requires_action,
	// processing, requires_capture: the buyer or the bank has yet to act.
	return payment.StatusPending
}

func refundStatus(s stripego.RefundStatus) string {
	switch s {
	case stripego.RefundStatusSucceeded:
		return payment.StatusSucceeded
	case stripego.RefundStatusFailed, stripego.RefundStatusCanceled:
		// A canceled refund gave nothing back: for the order it failed.
		return payment.StatusFailed
	}
	// pending, requires_action.
	return payment.StatusPending
}

// APIError is an error Stripe answered. It carries what is safe to log:
// stripe-go's own error prints its whole JSON, which for some answers holds
// the PaymentIntent and its client secret, so it is not wrapped.
type APIError struct {
	Op          string // what seatd was doing: "create payment", …
	HTTPStatus  int
	Type        string // "card_error", "invalid_request_error", "api_error", …
	Code        string // "payment_intent_unexpected_state", "amount_too_small", …
	DeclineCode string
	Message     string // Stripe's message, with any secret taken out
	RequestID   string // "req_…", for Stripe's support
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "stripe: %s: %s", e.Op, e.Type)
	if e.Code != "" {
		b.WriteString("/" + e.Code)
	}
	if e.DeclineCode != "" {
		b.WriteString("/" + e.DeclineCode)
	}
	fmt.Fprintf(&b, " (HTTP %d): %s", e.HTTPStatus, e.Message)
	if e.RequestID != "" {
		b.WriteString(" [" + e.RequestID + "]")
	}
	return b.String()
}

// clientSecret matches a PaymentIntent's or SetupIntent's client secret.
var clientSecret = regexp.MustCompile(`\b(pi|seti)_[A-Za-z0-9]+_secret_[A-Za-z0-9]+`)

func (p *Provider) clean(s string) string {
	return clientSecret.ReplaceAllString(p.redact.Replace(s), "[client secret]")
}

// wrap turns an error of stripe-go into one that is safe to log: no key, no
// webhook secret, no client secret. Context errors stay visible to errors.Is.
func (p *Provider) wrap(op string, err error) error {
	var se *stripego.Error
	if errors.As(err, &se) {
		return &APIError{
			Op:          op,
			HTTPStatus:  se.HTTPStatusCode,
			Type:        string(se.Type),
			Code:        string(se.Code),
			DeclineCode: string(se.DeclineCode),
			Message:     p.clean(se.Msg),
			RequestID:   se.RequestID,
		}
	}
	if msg := err.Error(); p.clean(msg) != msg {
		return fmt.Errorf("stripe: %s: %s", op, p.clean(msg))
	}
	return fmt.Errorf("stripe: %s: %w", op, err)
}

// logger gives stripe-go's log to slog. Debugf is dropped: stripe-go writes
// whole response bodies there, client secrets included.
type logger struct {
	l      *slog.Logger
	redact *strings.Replacer
}

func (g *logger) log(level slog.Level, format string, v []any) {
	if g.l == nil || !g.l.Enabled(context.Background(), level) {
		return
	}
	msg := clientSecret.ReplaceAllString(g.redact.Replace(fmt.Sprintf(format, v...)), "[client secret]")
	g.l.Log(context.Background(), level, msg, "component", "stripe")
}

func (g *logger) Debugf(string, ...any)          {}
func (g *logger) Infof(format string, v ...any)  { g.log(slog.LevelDebug, format, v) }
func (g *logger) Warnf(format string, v ...any)  { g.log(slog.LevelWarn, format, v) }
func (g *logger) Errorf(format string, v ...any) { g.log(slog.LevelWarn, format, v) }
