package stripe

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	stripego "github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/seatmap/seatmap/payment"
)

// SignatureHeader is the header Stripe signs its webhook deliveries in.
const SignatureHeader = "Stripe-Signature"

// Webhook verifies one delivery (signature and timestamp, with stripe-go's
// default tolerance of five minutes against replays) and reads it:
//
//	payment_intent.succeeded                      → payment.PaymentSucceeded
//	payment_intent.canceled                       → payment.PaymentFailed
//	payment_intent.payment_failed                 → payment.ErrIgnored: an attempt
//	  failed (a card declined), not the payment: the Payment Element lets
//	  the buyer try another card on the same intent until the window ends,
//	  when seatd cancels it (and payment_intent.canceled ends the order)
//	refund.created, refund.updated, refund.failed,
//	charge.refund.updated, refund succeeded       → payment.RefundSucceeded
//	  … refund failed or canceled                 → payment.RefundFailed
//	anything else, and refunds still pending      → payment.ErrIgnored
//
// One refund may arrive in more than one event (refund.updated and
// charge.refund.updated, each with its own event id).
func (p *Provider) Webhook(h payment.Header, body []byte) (payment.Event, error) {
	ev, err := webhook.ConstructEventWithOptions(body, h.Get(SignatureHeader), p.webhook, webhook.ConstructEventOptions{
		// An event's payload is rendered in the API version of the webhook
		// endpoint (chosen in Stripe's dashboard when it was made), not in
		// the version stripe-go v82 is pinned to; by default stripe-go
		// refuses every event of another version, and Stripe would retry
		// them for days. The fields read here (ids, metadata, amount,
		// currency, status, last_payment_error.message, created) are the
		// same in every version since 2019.
		IgnoreAPIVersionMismatch: true,
	})
	if err != nil {
		for _, bad := range []error{webhook.ErrNotSigned, webhook.ErrInvalidHeader, webhook.ErrNoValidSignature, webhook.ErrTooOld} {
			if errors.Is(err, bad) {
				// stripe-go's sentinels say which check failed and hold no
				// secret; the payment sentinel is what callers match.
				return payment.Event{}, fmt.Errorf("%w: %s", payment.ErrBadSignature, bad.Error())
			}
		}
		return payment.Event{}, fmt.Errorf("stripe: webhook: read event: %s", p.clean(err.Error()))
	}
	if ev.Data == nil {
		return payment.Event{}, fmt.Errorf("stripe: webhook: event %s has no data", ev.ID)
	}
	at := time.Unix(ev.Created, 0).UTC()
	switch ev.Type {
	case stripego.EventTypePaymentIntentPaymentFailed:
		return payment.Event{}, fmt.Errorf("%w: %s (%s): the buyer may try again until the payment window ends",
			payment.ErrIgnored, ev.Type, ev.ID)
	case stripego.EventTypePaymentIntentSucceeded, stripego.EventTypePaymentIntentCanceled:
		var pi stripego.PaymentIntent
		if err := json.Unmarshal(ev.Data.Raw, &pi); err != nil {
			return payment.Event{}, fmt.Errorf("stripe: webhook: event %s: read payment intent: %w", ev.ID, err)
		}
		out := payment.Event{
			ID: ev.ID, Type: payment.PaymentFailed, PaymentID: pi.ID, OrderID: pi.Metadata["order_id"],
			Currency: strings.ToUpper(string(pi.Currency)), At: at,
		}
		amount := pi.Amount
		if ev.Type == stripego.EventTypePaymentIntentSucceeded {
			out.Type = payment.PaymentSucceeded
			if pi.AmountReceived > 0 {
				amount = pi.AmountReceived
			}
		} else {
			out.Reason = paymentFailure(&pi)
		}
		if out.Amount, err = fromStripe(amount, out.Currency); err != nil {
			return payment.Event{}, fmt.Errorf("stripe: webhook: event %s: %w", ev.ID, err)
		}
		return out, nil

	case stripego.EventTypeRefundCreated, stripego.EventTypeRefundUpdated, stripego.EventTypeRefundFailed,
		stripego.EventTypeChargeRefundUpdated:
		var rf stripego.Refund
		if err := json.Unmarshal(ev.Data.Raw, &rf); err != nil {
			return payment.Event{}, fmt.Errorf("stripe: webhook: event %s: read refund: %w", ev.ID, err)
		}
		out := payment.Event{
			ID: ev.ID, RefundID: rf.ID, OrderID: rf.Metadata["order_id"],
			Currency: strings.ToUpper(string(rf.Currency)), At: at,
		}
		if rf.PaymentIntent != nil {
			out.PaymentID = rf.PaymentIntent.ID
		}
		switch refundStatus(rf.Status) {
		case payment.StatusSucceeded:
			out.Type = payment.RefundSucceeded
		case payment.StatusFailed:
			out.Type = payment.RefundFailed
			out.Reason = string(rf.FailureReason)
			if out.Reason == "" {
				out.Reason = string(rf.Status)
			}
		default:
			return payment.Event{}, fmt.Errorf("%w: %s of refund %s, still %s", payment.ErrIgnored, ev.Type, rf.ID, rf.Status)
		}
		if out.Amount, err = fromStripe(rf.Amount, out.Currency); err != nil {
			return payment.Event{}, fmt.Errorf("stripe: webhook: event %s: %w", ev.ID, err)
		}
		return out, nil
	}
	return payment.Event{}, fmt.Errorf("%w: %s", payment.ErrIgnored, ev.Type)
}

// paymentFailure says for people why a PaymentIntent failed or was canceled.
func paymentFailure(pi *stripego.PaymentIntent) string {
	if e := pi.LastPaymentError; e != nil && e.Msg != "" {
		return e.Msg
	}
	if pi.CancellationReason != "" {
		return "canceled: " + string(pi.CancellationReason)
	}
	if pi.Status == stripego.PaymentIntentStatusCanceled {
		return "canceled"
	}
	return "payment failed"
}
