package nodeauth_test

import (
	"net/http/httptest"
	"testing"

	"github.com/seatmap/seatmap/internal/nodeauth"
)

// FuzzVerify: whatever a client puts in the node headers, Verify does not
// panic and accepts nothing it did not sign.
func FuzzVerify(f *testing.F) {
	f.Add("node-b", "1796619600", "AAAA", "203.0.113.9", "body")
	f.Add("", "", "", "", "")
	f.Add("n", "-1", "!!", "a b", "")
	f.Fuzz(func(t *testing.T, node, ts, sig, addr, body string) {
		r := httptest.NewRequest("POST", "/api/v1/orders", nil)
		r.Header.Set(nodeauth.HeaderNode, node)
		r.Header.Set(nodeauth.HeaderTime, ts)
		r.Header.Set(nodeauth.HeaderSignature, sig)
		r.Header.Set(nodeauth.HeaderClientAddr, addr)
		if id, err := nodeauth.Verify(r, secret, now, []byte(body)); err == nil {
			t.Fatalf("forged request accepted as %q", id)
		}
	})
}
