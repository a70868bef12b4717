package stripemock

import (
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestListenPort(t *testing.T) {
	t.Parallel()
	for line, want := range map[string]string{
		"Listening for HTTP at address: [::]:44179":       "44179",
		"Listening for HTTP at address: 127.0.0.1:12111":  "12111",
		"Listening for HTTP on port: 12111":               "12111",
		"Listening for HTTPS at address: 127.0.0.1:12112": "",
		"stripe-mock master":                              "",
	} {
		got, ok := listenPort(line)
		assert.Equal(t, want != "", ok, line)
		assert.Equal(t, want, got, line)
	}
}

func TestStartServesStripesAPIAndStops(t *testing.T) {
	var base string
	t.Run("running", func(t *testing.T) {
		base = Start(t)
		tr := &http.Transport{}
		defer tr.CloseIdleConnections()
		req, err := http.NewRequest(http.MethodGet, base+"/v1/payment_intents/pi_1", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer sk_test_123")
		res, err := (&http.Client{Transport: tr}).Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(res.Body)
		require.NoError(t, res.Body.Close())
		assert.Equal(t, http.StatusOK, res.StatusCode, string(body))
		assert.Contains(t, string(body), `"object":"payment_intent"`)
	})
	// The subtest's cleanup killed it.
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	_, err := (&http.Client{Transport: tr}).Get(base + "/v1/payment_intents/pi_1")
	assert.Error(t, err, "stripe-mock still answers after the test")
}
