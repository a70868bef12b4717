package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/store/postgres/pgtest"
)

// staffGet is an authenticated GET's status.
func staffGet(t *testing.T, base, token, path string) int {
	t.Helper()
	req, err := http.NewRequest("GET", base+path, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

// TestSecondStartKeepsAdminToken starts the binary twice on one data
// directory without SEATD_ADMIN_TOKEN, as the README's first command does:
// the second start works, and the token the first printed still works.
// (Issue 10, item 1: the second start failed with "stored admin token hash is
// damaged", and with Postgres the leases had no -data directory to go to.)
func TestSecondStartKeepsAdminToken(t *testing.T) {
	t.Parallel()
	for name, env := range map[string]func(t *testing.T) map[string]string{
		"embedded": func(*testing.T) map[string]string { return nil },
		"postgres": func(t *testing.T) map[string]string {
			return map[string]string{"DATABASE_URL": pgtest.Schema(t, "")}
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir, env := t.TempDir(), env(t)
			first := startBinary(t, dir, env)
			token := first.AdminToken()
			require.NotEmpty(t, token, "the first start prints the admin token; stdout:\n%s", first.Stdout)
			require.Equal(t, 200, staffGet(t, first.Base, token, "/api/v1/users"))
			first.Stop()
			require.NotContains(t, first.Stderr.String(), "level=ERROR", "a clean stop logs no error")

			second := startBinary(t, dir, env)
			require.Empty(t, second.AdminToken(), "the token is shown once")
			require.Equal(t, 200, staffGet(t, second.Base, token, "/api/v1/users"))
			require.Equal(t, 401, staffGet(t, second.Base, strings.Repeat("x", 40), "/api/v1/users"))
			second.Stop()
			require.NotContains(t, second.Stderr.String(), "level=ERROR")
		})
	}
}

// TestMetricsAreNotPublic: the main port's /metrics needs an admin token, and
// -metrics-addr (off by default) serves them on a listener of their own.
// (Issue 10, item 10: /metrics was public on the main port.)
func TestMetricsAreNotPublic(t *testing.T) {
	t.Parallel()
	p := startBinary(t, t.TempDir(), map[string]string{"SEATD_METRICS_ADDR": "127.0.0.1:0"})
	resp, err := http.Get(p.Base + "/metrics")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.Equal(t, http.StatusOK, staffGet(t, p.Base, p.AdminToken(), "/metrics"))

	m := regexp.MustCompile(`flag=-metrics-addr url=(\S+)`).FindStringSubmatch(p.Stderr.String())
	require.NotNil(t, m, "the metrics listener is logged; stderr:\n%s", p.Stderr)
	resp, err = http.Get(m[1])
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(body), "seatmap_http_request_duration_seconds")

	// Off by default: the plain start logs no metrics listener.
	plain := startBinary(t, t.TempDir(), nil)
	require.NotContains(t, plain.Stderr.String(), "-metrics-addr")
}

// clientFrom is an HTTP client whose connections leave from a loopback
// address of its own (127.0.0.x), so that seatd sees another client address.
func clientFrom(t *testing.T, local string, jar bool) *http.Client {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
	if jar {
		c.Jar, _ = cookiejar.New(nil)
	}
	return c
}

// holdBest asks for n seats together, with extra headers; it returns the
// status and the problem or hold.
func holdBest(t *testing.T, c *http.Client, base, perf string, n int, header ...string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest("POST", base+"/api/v1/performances/"+perf+"/holds", strings.NewReader(fmt.Sprintf(`{"best":{"count":%d}}`, n)))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	if resp.StatusCode == http.StatusTooManyRequests {
		require.NotEmpty(t, resp.Header.Get("Retry-After"))
	}
	return resp.StatusCode, out
}

// TestOneClientCannotHoldTheHall: best-available 10 in a loop, with or
// without keeping the cookie, stops at the caps, with a 429 that names the
// cap and when the oldest hold ends. (Issue 10, item 5: without the cookie
// one client held all 800 demo seats in about a second.)
func TestOneClientCannotHoldTheHall(t *testing.T) {
	t.Parallel()
	p := startBinary(t, t.TempDir(), nil)
	perf := demoPerformance(t, p.Base)
	free := func() int {
		var pf struct{ Counts struct{ Free int } }
		getJSON(t, p.Base+"/api/v1/performances/"+perf, &pf)
		return pf.Counts.Free
	}

	// No cookie kept, and a forged X-Forwarded-For (not trusted by default):
	// every request is a new session of the same address.
	anon := clientFrom(t, "127.0.0.1", false)
	held := 0
	var last map[string]any
	for i := 0; i < 80; i++ {
		status, body := holdBest(t, anon, p.Base, perf, 10, "X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i))
		if status != http.StatusCreated {
			require.Equal(t, http.StatusTooManyRequests, status, "%v", body)
			last = body
			break
		}
		held += 10
	}
	require.Equal(t, 100, held, "the default -max-held-per-address")
	require.Equal(t, 700, free())
	require.Equal(t, "https://seatmap.dev/problems/hold-limit", last["type"])
	require.Contains(t, last["detail"], "address")
	require.Contains(t, last["detail"], "at most 100")
	require.Contains(t, last["detail"], "oldest hold ends at")
	require.Greater(t, last["retry_after"], float64(500), "the oldest hold ends about -hold-ttl (10 min) from now")

	// One session kept, from another address: the session's cap.
	ann := clientFrom(t, "127.0.0.2", true)
	for range 2 {
		status, body := holdBest(t, ann, p.Base, perf, 10)
		require.Equal(t, http.StatusCreated, status, "%v", body)
	}
	status, body := holdBest(t, ann, p.Base, perf, 1)
	require.Equal(t, http.StatusTooManyRequests, status)
	require.Contains(t, body["detail"], "session")
	require.Contains(t, body["detail"], "at most 20")
	require.Equal(t, 680, free())
}

// TestHoldCapsHonourTrustProxy: behind a proxy (-trust-proxy) the address
// that counts is the one in X-Forwarded-For.
func TestHoldCapsHonourTrustProxy(t *testing.T) {
	t.Parallel()
	p := startBinary(t, t.TempDir(), nil, "-trust-proxy", "-max-held-per-address", "20")
	perf := demoPerformance(t, p.Base)
	proxy := clientFrom(t, "127.0.0.1", false)
	for _, addr := range []string{"198.51.100.1", "198.51.100.2"} {
		for range 2 {
			status, body := holdBest(t, proxy, p.Base, perf, 10, "X-Forwarded-For", addr)
			require.Equal(t, http.StatusCreated, status, "%v", body)
		}
		status, body := holdBest(t, proxy, p.Base, perf, 10, "X-Forwarded-For", addr)
		require.Equal(t, http.StatusTooManyRequests, status, "%v", body)
		require.Contains(t, body["detail"], "address")
	}
}
