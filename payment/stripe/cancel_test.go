package stripe

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stripe-mock is stateless: every intent it cancels was waiting. What Stripe
// answers when the intent was already canceled, or has succeeded, is replayed
// here as Stripe's API reference gives it: HTTP 400, code
// payment_intent_unexpected_state, with the intent (and its client secret) in
// the error.
func TestCancelOfAnIntentThatIsNoLongerWaiting(t *testing.T) {
	t.Parallel()
	const secret = "pi_3Mtw_secret_Zq7YvT0pS3cr3t"
	cases := []struct {
		name         string
		status       string // the intent's status in Stripe's error
		inError      bool   // whether the error carries the intent
		retrieved    string // the status a retrieve answers, if asked
		wantErr      bool
		wantRetrieve bool
	}{
		{name: "already canceled", status: "canceled", inError: true},
		{name: "already canceled, found by retrieving it", inError: false, retrieved: "canceled", wantRetrieve: true},
		{name: "succeeded meanwhile", status: "succeeded", inError: true, wantErr: true},
		{name: "succeeded, found by retrieving it", inError: false, retrieved: "succeeded", wantErr: true, wantRetrieve: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var retrieved atomic.Bool
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				if r.Method == http.MethodGet && r.URL.Path == "/v1/payment_intents/pi_3Mtw" {
					retrieved.Store(true)
					_ = json.NewEncoder(w).Encode(map[string]any{
						"id": "pi_3Mtw", "object": "payment_intent", "status": c.retrieved, "client_secret": secret,
					})
					return
				}
				if r.Method != http.MethodPost || r.URL.Path != "/v1/payment_intents/pi_3Mtw/cancel" {
					http.NotFound(w, r)
					return
				}
				e := map[string]any{
					"code": "payment_intent_unexpected_state",
					"message": "You cannot cancel this PaymentIntent because it has a status of " + c.status +
						". Only a PaymentIntent with one of the following statuses may be canceled: " +
						"requires_payment_method, requires_capture, requires_confirmation, requires_action, processing.",
					"type":       "invalid_request_error",
					"request_id": "req_1",
				}
				if c.inError {
					e["payment_intent"] = map[string]any{
						"id": "pi_3Mtw", "object": "payment_intent", "status": c.status, "client_secret": secret,
					}
				}
				w.WriteHeader(http.StatusBadRequest)
				_ = json.NewEncoder(w).Encode(map[string]any{"error": e})
			}))
			t.Cleanup(srv.Close)
			f := newFixture(t, srv.URL, testKey)
			err := f.p.Cancel(context.Background(), "pi_3Mtw", "cancel-1")
			assert.Equal(t, c.wantRetrieve, retrieved.Load(), "retrieved the intent")
			if !c.wantErr {
				require.NoError(t, err)
				return
			}
			var ae *APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, "payment_intent_unexpected_state", ae.Code)
			assert.Equal(t, http.StatusBadRequest, ae.HTTPStatus)
			assert.False(t, strings.Contains(err.Error(), secret), "no client secret in %q", err)
			assert.NotContains(t, f.log.String(), secret)
		})
	}
}
