// Package stripe is the payment.Provider for Stripe, on stripe-go's v82
// client (stripe.NewClient).
//
// A payment is a PaymentIntent: seatd creates it for the order's amount
// (which comes from the server's order, never from a client) with automatic
// payment methods, and hands its client secret to the buyer's page, which
// pays with Stripe's own Payment Element. Card data goes from the buyer's
// browser to Stripe and never touches seatd, and whatever the card needs
// (3-D Secure, a wallet, a bank redirect) is Stripe's page's business; seatd
// learns the outcome from the webhook (payment_intent.succeeded,
// payment_intent.payment_failed, payment_intent.canceled). PaymentIntents,
// not Checkout Sessions or bare Charges, because they are what the Payment
// Element confirms, carry seatd's order id as metadata into every event, and
// can be cancelled when the buyer's hold ends. A refund is a Refund of the
// PaymentIntent, its outcome read from refund.* and charge.refund.updated
// events.
//
// Every call that changes something at Stripe carries the caller's idempotency
// key (Idempotency-Key), so a retry is answered with the first result. The
// secret key and the webhook secret are never logged and never appear in an
// error: errors from Stripe are rewritten (see APIError) and stripe-go's
// debug log, which prints response bodies with client secrets, is dropped.
//
// Amounts: seatd counts minor units in the ISO exponent (money.Digits);
// Stripe counts them in its own, which differs for some currencies (see
// currency.go). This package converts at the boundary and refuses an amount
// that Stripe cannot take exactly.
//
// It imports payment and money of seatmap, nothing else.
package stripe
