package stripe

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/internal/faultproxy"
	"github.com/seatmap/seatmap/internal/stripemock"
	"github.com/seatmap/seatmap/payment"
)

// TestStripeUnreachableOrHanging puts a fault proxy between the provider and
// stripe-mock: a call to a Stripe that is down fails (after stripe-go's own
// retries), one to a Stripe that hangs ends with its context, and the same
// call with the same idempotency key goes through once Stripe is back.
func TestStripeUnreachableOrHanging(t *testing.T) {
	base := stripemock.Start(t)
	u, err := url.Parse(base)
	require.NoError(t, err)
	px, err := faultproxy.New(u.Host)
	require.NoError(t, err)
	t.Cleanup(px.Close)
	f := newFixture(t, "http://"+px.Addr(), testKey)
	req := payment.Request{OrderID: "ord_1", Amount: 1000, Currency: "EUR", IdempotencyKey: "pay-ord_1"}

	px.SetDown(true)
	_, err = f.p.Create(context.Background(), req)
	require.Error(t, err)
	var ae *APIError
	assert.False(t, errors.As(err, &ae), "no answer from Stripe, so no APIError: %v", err)
	assert.NotContains(t, err.Error(), testKey)
	px.SetDown(false)

	px.Freeze()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	_, err = f.p.Create(ctx, req)
	cancel()
	require.ErrorIs(t, err, context.DeadlineExceeded)
	px.Thaw()

	in, err := f.p.Create(context.Background(), req)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(in.ID, "pi_"))
	for _, r := range f.rec.sent() {
		assert.Equal(t, "pay-ord_1", r.IdempotencyKey, "every attempt, retries included, carries the key")
	}
}
