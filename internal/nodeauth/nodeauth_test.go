package nodeauth_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/seatmap/seatmap/internal/nodeauth"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var (
	secret = []byte("0123456789abcdef0123456789abcdef")
	other  = []byte("fedcba9876543210fedcba9876543210")
	now    = time.Date(2026, 12, 7, 5, 0, 0, 0, time.UTC)
)

// signed is a request as a node sends it, then as the owner's server reads
// it (RequestURI set from the request line).
func signed(t *testing.T, method, target, body, addr string, at time.Time) *http.Request {
	t.Helper()
	out, err := http.NewRequest(method, "http://owner:8080"+target, strings.NewReader(body))
	require.NoError(t, err)
	if addr != "" {
		out.Header.Set(nodeauth.HeaderClientAddr, addr)
	}
	nodeauth.Sign(out, "node-b", secret, at, nodeauth.BodyHash([]byte(body)))
	in := httptest.NewRequest(method, target, strings.NewReader(body))
	in.Header = out.Header.Clone()
	return in
}

func TestVerifyAcceptsWhatSignSigned(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, method, target, body, addr string
		skew                             time.Duration
	}{
		{"post with body", "POST", "/api/v1/performances/p1/holds", `{"seats":["A-1"]}`, "203.0.113.9", 0},
		{"get with query", "GET", "/api/v1/performances/p1/seatmap?format=packed", "", "2001:db8::/64", 0},
		{"no client address", "DELETE", "/api/v1/holds/p1.abc", "", "", 0},
		{"clock behind by 29 s", "POST", "/x", "b", "198.51.100.1", -29 * time.Second},
		{"clock ahead by 29 s", "POST", "/x", "b", "198.51.100.1", 29 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := signed(t, tc.method, tc.target, tc.body, tc.addr, now.Add(tc.skew))
			require.True(t, nodeauth.Claims(r))
			id, err := nodeauth.Verify(r, secret, now, []byte(tc.body))
			require.NoError(t, err)
			require.Equal(t, "node-b", id)
			require.Equal(t, tc.addr, nodeauth.ClientAddr(r))
		})
	}
}

func TestVerifyRefuses(t *testing.T) {
	t.Parallel()
	const body = `{"hold_token":"p1.abc"}`
	for _, tc := range []struct {
		name   string
		change func(r *http.Request) (secret []byte, at time.Time, body []byte)
		want   error
	}{
		{"unsigned", func(r *http.Request) ([]byte, time.Time, []byte) {
			for _, h := range nodeauth.Headers {
				r.Header.Del(h)
			}
			return secret, now, []byte(body)
		}, nodeauth.ErrUnsigned},
		{"other secret", func(r *http.Request) ([]byte, time.Time, []byte) { return other, now, []byte(body) }, nodeauth.ErrBadSignature},
		{"short secret", func(r *http.Request) ([]byte, time.Time, []byte) { return secret[:31], now, []byte(body) }, nodeauth.ErrShortSecret},
		{"expired", func(r *http.Request) ([]byte, time.Time, []byte) {
			return secret, now.Add(31 * time.Second), []byte(body)
		}, nodeauth.ErrExpired},
		{"from the future", func(r *http.Request) ([]byte, time.Time, []byte) {
			return secret, now.Add(-31 * time.Second), []byte(body)
		}, nodeauth.ErrExpired},
		{"body altered", func(r *http.Request) ([]byte, time.Time, []byte) {
			return secret, now, []byte(`{"hold_token":"p2.abc"}`)
		}, nodeauth.ErrBadSignature},
		{"path altered", func(r *http.Request) ([]byte, time.Time, []byte) {
			r.RequestURI = "/api/v1/orders?x=1"
			return secret, now, []byte(body)
		}, nodeauth.ErrBadSignature},
		{"method altered", func(r *http.Request) ([]byte, time.Time, []byte) {
			r.Method = "PUT"
			return secret, now, []byte(body)
		}, nodeauth.ErrBadSignature},
		{"client address altered", func(r *http.Request) ([]byte, time.Time, []byte) {
			r.Header.Set(nodeauth.HeaderClientAddr, "192.0.2.1")
			return secret, now, []byte(body)
		}, nodeauth.ErrBadSignature},
		{"client address added", func(r *http.Request) ([]byte, time.Time, []byte) {
			r.Header.Add(nodeauth.HeaderClientAddr, "192.0.2.1")
			return secret, now, []byte(body)
		}, nodeauth.ErrMalformed},
		{"node renamed", func(r *http.Request) ([]byte, time.Time, []byte) {
			r.Header.Set(nodeauth.HeaderNode, "node-c")
			return secret, now, []byte(body)
		}, nodeauth.ErrBadSignature},
		{"time moved", func(r *http.Request) ([]byte, time.Time, []byte) {
			r.Header.Set(nodeauth.HeaderTime, "1796619601")
			return secret, now, []byte(body)
		}, nodeauth.ErrBadSignature},
		{"signature missing", func(r *http.Request) ([]byte, time.Time, []byte) {
			r.Header.Del(nodeauth.HeaderSignature)
			return secret, now, []byte(body)
		}, nodeauth.ErrMalformed},
		{"node header alone", func(r *http.Request) ([]byte, time.Time, []byte) {
			r.Header = http.Header{nodeauth.HeaderNode: {"node-b"}}
			return secret, now, []byte(body)
		}, nodeauth.ErrMalformed},
		{"forged signature", func(r *http.Request) ([]byte, time.Time, []byte) {
			r.Header.Set(nodeauth.HeaderSignature, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
			return secret, now, []byte(body)
		}, nodeauth.ErrBadSignature},
		{"signature not base64", func(r *http.Request) ([]byte, time.Time, []byte) {
			r.Header.Set(nodeauth.HeaderSignature, "!!!")
			return secret, now, []byte(body)
		}, nodeauth.ErrMalformed},
		{"bad node id", func(r *http.Request) ([]byte, time.Time, []byte) {
			r.Header.Set(nodeauth.HeaderNode, "node b\n")
			return secret, now, []byte(body)
		}, nodeauth.ErrMalformed},
		{"time not a number", func(r *http.Request) ([]byte, time.Time, []byte) {
			r.Header.Set(nodeauth.HeaderTime, "soon")
			return secret, now, []byte(body)
		}, nodeauth.ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := signed(t, "POST", "/api/v1/orders", body, "203.0.113.9", now)
			s, at, b := tc.change(r)
			id, err := nodeauth.Verify(r, s, at, b)
			require.ErrorIs(t, err, tc.want)
			require.Empty(t, id)
			require.NotContains(t, err.Error(), string(secret))
		})
	}
}

func TestSignatureCoversTheWholeRequestLine(t *testing.T) {
	t.Parallel()
	// Length-prefixed fields: moving bytes between method and path changes
	// the MAC.
	a := signed(t, "GET", "/ab", "", "", now)
	b := signed(t, "GET", "/a", "", "", now)
	require.NotEqual(t, a.Header.Get(nodeauth.HeaderSignature), b.Header.Get(nodeauth.HeaderSignature))
}

func TestSecretAndNodeID(t *testing.T) {
	t.Parallel()
	require.ErrorIs(t, nodeauth.CheckSecret(bytes.Repeat([]byte("x"), 31)), nodeauth.ErrShortSecret)
	require.NoError(t, nodeauth.CheckSecret(secret))
	for id, ok := range map[string]bool{"a": true, "node-1.eu_west": true, "": false, "a b": false, strings.Repeat("n", 65): false, "é": false} {
		require.Equal(t, ok, nodeauth.ValidNodeID(id), "%q", id)
	}
	r := httptest.NewRequest("GET", "/", nil)
	require.False(t, nodeauth.Claims(r))
	r.Header.Set(nodeauth.HeaderClientAddr, "203.0.113.9")
	require.True(t, nodeauth.Claims(r), "a client address alone claims a node sent it")
	require.Panics(t, func() { nodeauth.Sign(r, "bad id", secret, now, nodeauth.BodyHash(nil)) })
}
