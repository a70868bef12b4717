package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/lease/redis/redistest"
	"github.com/seatmap/seatmap/loadtest"
	"github.com/seatmap/seatmap/store/postgres/pgtest"
)

const token = "loadtest-admin-token-0123456789"

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

// seatd builds and starts the real server with env and returns its base URL.
// Buyers confirm and are done (-payment none).
func seatd(t *testing.T, env ...string) string {
	t.Helper()
	return seatdWith(t, []string{"-payment", "none"}, env...)
}

// seatdWith starts seatd with args added to the flags every run uses.
func seatdWith(t *testing.T, args []string, env ...string) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "seatd")
	build := exec.Command("go", "build", "-o", bin, "../seatd")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())
	args = append([]string{"-addr", "127.0.0.1:0", "-data", filepath.Join(dir, "data"), "-rate-limit=false", "-demo=false", "-hold-ttl", "10s"}, args...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(append(os.Environ(), "SEATD_ADMIN_TOKEN="+token), env...)
	var logs syncBuffer
	cmd.Stderr = &logs
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	var base string
	require.Eventually(t, func() bool {
		for _, line := range strings.Split(logs.String(), "\n") {
			if i := strings.Index(line, "url=http://"); i >= 0 {
				base = strings.Fields(line[i+4:])[0]
				return true
			}
		}
		return false
	}, 60*time.Second, 50*time.Millisecond, "seatd did not start: %s", logs.String())
	return base
}

// surge runs a short theatre surge with the audit on and returns the results.
func surge(t *testing.T, base string, extra ...string) loadtest.Result {
	t.Helper()
	out := filepath.Join(t.TempDir(), "r.json")
	html := filepath.Join(t.TempDir(), "r.html")
	args := append([]string{"-target", base, "-token", token, "-preset", "theatre", "-buyers", "1500", "-quiet",
		"-concurrency", "64", "-watchers", "8", "-json", out, "-html", html}, extra...)
	var stdout, stderr bytes.Buffer
	code, err := run(context.Background(), args, func(string) string { return "" }, &stdout, &stderr)
	require.NoError(t, err, "stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	require.Zero(t, code)
	var r loadtest.Result
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &r))
	page, err := os.ReadFile(html)
	require.NoError(t, err)
	require.Contains(t, string(page), "<svg")
	t.Logf("%s", stdout.String())
	return r
}

func checkSurge(t *testing.T, r loadtest.Result) {
	t.Helper()
	require.True(t, r.Audit.OK, "%v", r.Audit.Violations)
	require.False(t, r.Unfinished, "served %d of %d buyers", r.BuyersServed, r.Buyers)
	require.Positive(t, r.Holds)
	require.Positive(t, r.Orders)
	require.Equal(t, r.Orders, r.Audit.Orders, "every order a buyer got is in the store")
	require.Positive(t, r.HoldLatencyMs.N)
	require.Positive(t, r.DeltaLagMs.N, "watchers saw holds arrive")
	require.Empty(t, r.Errors)
}

// TestShortSurgeEmbedded runs a short surge against seatd on its embedded
// default (SQLite, in-process leases) with the audit on.
func TestShortSurgeEmbedded(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a real server under load")
	}
	checkSurge(t, surge(t, seatd(t)))
}

// TestShortSurgePostgresRedis runs the same surge against seatd on Postgres and
// Redis.
func TestShortSurgePostgresRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a real server under load")
	}
	base := seatd(t, "DATABASE_URL="+pgtest.Schema(t, ""), "REDIS_URL="+redistest.URL(), "SEATD_REDIS_PREFIX="+redistest.Prefix(t))
	// Half the buyers try a promotion of 50 uses: the audit checks every use
	// is one order, and none beyond the limit.
	r := surge(t, base, "-curve", "ramp", "-duration", "2s", "-promo-share", "0.5", "-promo-uses", "50")
	checkSurge(t, r)
	require.Contains(t, r.Settings["promo"], "50 of 50 uses", "buyers used it up")
}

// TestSurgeThenReschedule (issue 16): a theatre sold in a surge moves to a
// replacement date while buyers use best-available on it; both dates'
// audits pass and their reconciliation is equal.
func TestSurgeThenReschedule(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a real server under load")
	}
	r := surge(t, seatd(t), "-reschedule", "-reschedule-buyers", "100")
	checkSurge(t, r)
	require.Contains(t, r.Settings["reschedule"], "reconciliation equal true")
	require.Contains(t, r.Settings["reschedule_original"], "audit ok true")
	require.Contains(t, r.Settings["reschedule_replacement"], "audit ok true")
}

// TestTraceReplay records a surge and replays it at 10× on a fresh performance.
func TestTraceReplay(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a real server under load")
	}
	base := seatd(t)
	trace := filepath.Join(t.TempDir(), "trace.jsonl")
	first := surge(t, base, "-buyers", "300", "-record", trace)
	checkSurge(t, first)
	f, err := os.Open(trace)
	require.NoError(t, err)
	events, err := loadtest.ReadTrace(f)
	f.Close()
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(events), 300)
	replay := surge(t, base, "-trace", trace, "-speed", "10", "-watchers", "0")
	require.True(t, replay.Audit.OK, "%v", replay.Audit.Violations)
	require.Positive(t, replay.Holds)
}

// checkPaidSurge checks a -pay test surge: every kind of payment step
// happened, each approval is one paid order with one payment, and the audit
// of payments against orders is clean.
func checkPaidSurge(t *testing.T, r loadtest.Result, abandoned bool) {
	t.Helper()
	checkSurge(t, r)
	require.Equal(t, "test", r.Settings["pay"])
	require.Equal(t, "0 findings", r.Settings["reconciliation"], "seatd's own reconciliation agrees")
	require.Positive(t, r.Payments[loadtest.PaidApproved])
	require.Positive(t, r.Payments[loadtest.PaidDeclined])
	require.Equal(t, r.Payments[loadtest.PaidApproved], r.Orders, "an order counts once it is paid")
	require.Equal(t, r.Orders, r.Audit.Payments, "one succeeded payment per paid order")
	require.Equal(t, r.Payments[loadtest.PaidApproved], r.LatencyMs[loadtest.OpApprove].N)
	require.Equal(t, r.Payments[loadtest.PaidDeclined], r.LatencyMs[loadtest.OpDecline].N)
	require.Equal(t, r.Payments[loadtest.PaidApproved]+r.Payments[loadtest.PaidDeclined]+r.Payments[loadtest.PaidAbandoned]+r.Payments[loadtest.PaidLate],
		r.LatencyMs[loadtest.OpConfirm].N, "every confirmation went on to its payment")
	if abandoned {
		require.Positive(t, r.Payments[loadtest.PaidAbandoned])
		require.Zero(t, r.Audit.Pending, "the load tester waited for the abandoned payments' window to end")
	}
}

// TestShortSurgePayingEmbedded runs a short surge whose buyers pay through
// seatd's test provider, a tenth declining and a tenth abandoning with a
// payment window of 3 s, which the run waits out before its audit.
func TestShortSurgePayingEmbedded(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a real server under load")
	}
	base := seatdWith(t, []string{"-payment", "test", "-payment-window", "3s"})
	r := surge(t, base, "-pay", "test", "-decline", "0.1", "-abandon", "0.1")
	checkPaidSurge(t, r, true)
}

// TestShortSurgePayingPostgresRedis: the same on Postgres and Redis, with a
// window longer than the run: the abandoned payments are still pending at the
// audit, inside their window, and their seats held.
func TestShortSurgePayingPostgresRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a real server under load")
	}
	base := seatdWith(t, []string{"-payment", "test"},
		"DATABASE_URL="+pgtest.Schema(t, ""), "REDIS_URL="+redistest.URL(), "SEATD_REDIS_PREFIX="+redistest.Prefix(t))
	r := surge(t, base, "-buyers", "800", "-pay", "test", "-decline", "0.1", "-abandon", "0.05", "-settle", "0s")
	checkPaidSurge(t, r, false)
	require.Positive(t, r.Payments[loadtest.PaidAbandoned])
	require.Equal(t, r.Payments[loadtest.PaidAbandoned], r.Audit.Pending, "abandoned payments wait inside their window")
}

// TestPayingAgainstInstantOrders: buyers who expect to pay, against a seatd
// that confirms at once, are told nothing to pay, and the run fails.
func TestPayingAgainstInstantOrders(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a real server")
	}
	base := seatd(t)
	var stdout, stderr bytes.Buffer
	code, err := run(context.Background(), []string{"-target", base, "-token", token, "-preset", "theatre", "-buyers", "100", "-quiet",
		"-concurrency", "16", "-watchers", "0", "-pay", "test"}, func(string) string { return "" }, &stdout, &stderr)
	require.Error(t, err)
	require.Equal(t, 1, code)
	require.Contains(t, stdout.String(), "order paid at once, with no payment to make: does seatd run -payment test?")
	require.Contains(t, stdout.String(), "has 0 succeeded payments, not one", "the audit finds paid orders nobody paid")
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-preset", "moon"},
		{"-curve", "zigzag", "-token", "x"},
		{"-confirm-share", "0.9", "-release-share", "0.5", "-token", "x"},
		{"-map-lag", "-1s", "-token", "x"},
		{"-pay", "cash", "-token", "x"},
		{"-pay", "test", "-decline", "0.6", "-abandon", "0.5", "-token", "x"},
		{"-pay", "test", "-record", "t.jsonl", "-token", "x"},
		{}, // no token
	} {
		code, err := run(context.Background(), args, func(string) string { return "" }, &bytes.Buffer{}, &bytes.Buffer{})
		require.Error(t, err, "%v", args)
		require.Equal(t, 2, code)
	}
}
