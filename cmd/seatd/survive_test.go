package main

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

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
