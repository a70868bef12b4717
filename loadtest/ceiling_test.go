package loadtest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkCeilingTrivialServer is the most requests per second this machine
// serves at all: a net/http server that answers every POST with a fixed
// 201 hold-sized JSON and does nothing else, driven by the buyers' own client
// (http1) over 256 keep-alive connections, both on the same cores as in a load
// test. No seat server can beat it; seatd's figures are read against it.
func BenchmarkCeilingTrivialServer(b *testing.B) {
	answer := []byte(`{"token":"pabcdefghijklmnopq.abcdefghijklmnopqrstuvwxyz","performance_id":"pabcdefghijklmnopq","seats":["S-R1-S1","S-R1-S2"],"expires_at":"2026-12-01T19:00:00.000Z"}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(answer)
	}))
	defer srv.Close()
	h, err := newHTTP1(srv.URL, 0)
	if err != nil {
		b.Fatal(err)
	}
	h.timeout = 1 << 62
	defer h.closeIdle()
	body := []byte(`{"seats":["S-R1-S1","S-R1-S2"]}`)
	headers := []string{"Cookie", "seatmap_session=abcdefghijklmnopqrstuvwxyz"}
	b.SetParallelism(128) // 256 callers on 2 cores, as the surges run
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			status, _, err := h.do(context.Background(), "POST", "/api/v1/performances/p/holds", headers, body)
			if err != nil || status != http.StatusCreated {
				b.Errorf("status %d, err %v", status, err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
