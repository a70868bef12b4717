package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/seatmap/seatmap/checkout"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/payment"
	"github.com/seatmap/seatmap/payment/testpay"
)

// maxWebhookBody bounds a provider's webhook delivery.
const maxWebhookBody = 64 << 10

// paymentRowJSON is a payment or refund at the provider, as an order shows it.
type paymentRowJSON struct {
	ID         string `json:"id"`
	Kind       string `json:"kind"`
	Provider   string `json:"provider"`
	ProviderID string `json:"provider_id"`
	RefundID   string `json:"refund_id,omitempty"`
	Status     string `json:"status"`
	Amount     int64  `json:"amount"`
	Currency   string `json:"currency"`
	Reason     string `json:"reason,omitempty"`
	CreatedAt  string `json:"created_at"`
	UpdatedAt  string `json:"updated_at"`
}

// withPayments adds o's payments to out: the list, and for an order waiting
// for its payment what the buyer's page pays with. The client secret goes to
// the order's buyer (owner) only, never to staff.
func withPayments(out *orderJSON, o order.Order, owner bool) {
	for _, p := range o.Payments {
		out.Payments = append(out.Payments, paymentRowJSON{ID: p.ID, Kind: p.Kind, Provider: p.Provider, ProviderID: p.ProviderID,
			RefundID: p.RefundID, Status: p.Status, Amount: p.Amount, Currency: p.Currency, Reason: p.Reason,
			CreatedAt: rfc3339(p.CreatedAt), UpdatedAt: rfc3339(p.UpdatedAt)})
		if o.Status != order.PendingPayment || p.Kind != order.KindPayment || p.Status != order.StatusPending {
			continue
		}
		pj := &paymentJSON{Method: checkout.PayOnline, ID: p.ProviderID, Provider: p.Provider, Status: p.Status}
		if !o.Deadline.IsZero() {
			pj.ExpiresAt = rfc3339(o.Deadline)
		}
		if owner {
			pj.ClientSecret = p.ClientSecret
		}
		out.Payment = pj
	}
}

// paymentWebhook answers POST /payments/{provider}/webhook: the provider's
// delivery, verified by the provider (400 if it does not verify), applied once
// (200 also for a replay and for events seatd does not act on). No session:
// the provider is not a browser.
func (s *Server) paymentWebhook(c *echo.Context) error {
	name := c.Param("provider")
	p := s.cfg.Payments
	if p == nil || p.Name() != name {
		return fmt.Errorf("payment provider %q: %w", name, checkout.ErrNoPayments)
	}
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, maxWebhookBody+1))
	if err != nil {
		return problem(http.StatusBadRequest, "bad-body", "Unreadable body", err.Error())
	}
	if len(body) > maxWebhookBody {
		return problem(http.StatusRequestEntityTooLarge, "too-large", "Request body too large", fmt.Sprintf("the body may have at most %d bytes", maxWebhookBody))
	}
	ev, err := p.Webhook(c.Request().Header, body)
	switch {
	case errors.Is(err, payment.ErrIgnored):
		return c.JSON(http.StatusOK, webhookJSON{Received: true})
	case err != nil:
		return err
	}
	res, err := s.checkout.PaymentEvent(c.Request().Context(), name, ev)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, webhookJSON{Received: true, Replayed: res.Replayed})
}

type webhookJSON struct {
	Received bool `json:"received"`
	Replayed bool `json:"replayed"`
}

// answerTestPayment answers POST /payments/test/{id}/approve|decline: the
// test provider's page, which proves it is the buyer's with the payment's
// client secret, settles the payment as a webhook would. The answer is the
// order after it.
func (s *Server) answerTestPayment(outcome string) echo.HandlerFunc {
	return func(c *echo.Context) error {
		var in struct {
			ClientSecret string `json:"client_secret"`
		}
		if err := decode(c, &in, 1<<10); err != nil {
			return err
		}
		ctx := c.Request().Context()
		pay, err := s.checkout.PaymentForAnswer(ctx, testpay.Name, c.Param("id"), in.ClientSecret)
		if err != nil {
			return err
		}
		ev, err := testpay.Event(pay.ProviderID, pay.OrderID, outcome, pay.Amount, pay.Currency, s.now())
		if err != nil {
			return err
		}
		res, err := s.checkout.PaymentEvent(ctx, testpay.Name, ev)
		if err != nil {
			return err
		}
		o := res.Order
		if o.Payments, err = s.checkout.Payments(ctx, o.ID); err != nil {
			return err
		}
		out := s.orderPageJSON(ctx, o, false) // just paid: its numbers come after
		withPayments(&out, o, true)
		return c.JSON(http.StatusOK, out)
	}
}
