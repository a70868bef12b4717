package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type apiClient struct {
	t    *testing.T
	base string
	http *http.Client
}

func newAPIClient(t *testing.T, base string) *apiClient {
	jar, _ := cookiejar.New(nil)
	return &apiClient{t: t, base: base, http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// call sends JSON and decodes the answer into out, returning the status.
func (c *apiClient) call(method, path string, body, out any, header ...string) int {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		require.NoError(c.t, err)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	require.NoError(c.t, err)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.http.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	if out != nil && resp.StatusCode < 300 {
		require.NoError(c.t, json.Unmarshal(data, out), "%s", data)
	}
	return resp.StatusCode
}

// runSeatd is a seatd on a given data directory that the test can stop and
// start again, with -payment none: its tests count on a buyer's order being
// paid at once.
func runSeatd(t *testing.T, dir string) (base string, stop func()) {
	t.Helper()
	cfg, err := parseConfig([]string{"-addr", "127.0.0.1:0", "-data", dir, "-log-level", "warn", "-payment", "none"}, func(k string) string {
		if k == "SEATD_ADMIN_TOKEN" {
			return testAdminToken
		}
		return ""
	}, io.Discard)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	urls, done := make(chan string, 1), make(chan error, 1)
	go func() { done <- serve(ctx, cfg, io.Discard, io.Discard, func(u string) { urls <- u }) }()
	select {
	case base = <-urls:
	case err := <-done:
		t.Fatalf("seatd stopped: %v", err)
	}
	return base, func() {
		cancel()
		require.NoError(t, <-done)
	}
}

// TestRestartKeepsSalesAndHolds stops the embedded server gracefully and starts
// it again on the same data directory: sold seats stay sold, and a buyer's live
// hold is still theirs, with the same deadline.
func TestRestartKeepsSalesAndHolds(t *testing.T) {
	dir := t.TempDir()
	base, stop := runSeatd(t, dir)
	perf := demoPerformance(t, base)
	buyer := newAPIClient(t, base)

	type hold struct {
		Token     string
		Seats     []string
		ExpiresAt string `json:"expires_at"`
	}
	var sold, kept hold
	require.Equal(t, 201, buyer.call("POST", "/api/v1/performances/"+perf+"/holds", map[string]any{"seats": []string{"S-R7-S1", "S-R7-S2"}}, &sold))
	require.Equal(t, 201, buyer.call("POST", "/api/v1/orders", map[string]any{"hold_token": sold.Token, "buyer": map[string]string{"name": "Ada", "email": "ada@example.com"}}, nil))
	require.Equal(t, 201, buyer.call("POST", "/api/v1/performances/"+perf+"/holds", map[string]any{"best": map[string]any{"count": 3}}, &kept))
	stop()

	base, stop = runSeatd(t, dir)
	defer stop()
	buyer.base = base
	var again hold
	require.Equal(t, 200, buyer.call("GET", "/api/v1/holds/"+kept.Token, nil, &again))
	require.Equal(t, kept.Seats, again.Seats)
	require.Equal(t, kept.ExpiresAt, again.ExpiresAt)
	var p struct {
		Counts struct{ Free, Held, Sold int }
	}
	require.Equal(t, 200, buyer.call("GET", "/api/v1/performances/"+perf, nil, &p))
	require.Equal(t, 2, p.Counts.Sold)
	require.Equal(t, 3, p.Counts.Held)
	// Only one demo performance: a second start does not seed again.
	demoPerformance(t, base)
}

// TestSIGTERMShutsDownGracefully builds the real binary, runs it, and sends it
// SIGTERM: it exits 0 and leaves its live holds in the lease journal for the
// next start.
func TestSIGTERMShutsDownGracefully(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "seatd")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())

	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-data", filepath.Join(dir, "data"))
	cmd.Env = append(os.Environ(), "SEATD_ADMIN_TOKEN="+testAdminToken)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	var base string
	require.Eventually(t, func() bool {
		for _, line := range strings.Split(stderr.String(), "\n") {
			if i := strings.Index(line, "url=http://"); i >= 0 {
				base = strings.Fields(line[i+4:])[0]
				return true
			}
		}
		return false
	}, 30*time.Second, 50*time.Millisecond)
	perf := demoPerformance(t, base)
	buyer := newAPIClient(t, base)
	require.Equal(t, 201, buyer.call("POST", "/api/v1/performances/"+perf+"/holds", map[string]any{"seats": []string{"S-R9-S9"}}, nil))

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		require.NoError(t, err, "exit status; stderr:\n%s", stderr.String())
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("seatd did not stop within 20 s of SIGTERM")
	}
	require.Contains(t, stderr.String(), "shutting down")
	journals, err := filepath.Glob(filepath.Join(dir, "data", "leases-*.journal"))
	require.NoError(t, err)
	require.Len(t, journals, 1)
	saved, err := os.ReadFile(journals[0])
	require.NoError(t, err)
	require.Contains(t, string(saved), perf)
}

// syncBuffer is a bytes.Buffer safe to read while a process writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
