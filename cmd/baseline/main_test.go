package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/lease/redis/redistest"
	"github.com/seatmap/seatmap/loadtest"
	"github.com/seatmap/seatmap/store/postgres/pgtest"
)

const token = "baseline-admin-token-0123456789"

// start runs a baseline until the test ends.
func start(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	urls, done := make(chan string, 1), make(chan error, 1)
	vars := map[string]string{"SEATD_ADMIN_TOKEN": token, "DATABASE_URL": pgtest.Schema(t, ""), "REDIS_URL": redistest.URL()}
	env := func(k string) string { return vars[k] }
	go func() {
		done <- run(ctx, append([]string{"-addr", "127.0.0.1:0", "-redis-prefix", redistest.Prefix(t)}, args...), env, &bytes.Buffer{}, func(u string) { urls <- u })
	}()
	var url string
	select {
	case url = <-urls:
	case err := <-done:
		t.Fatalf("baseline stopped: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("baseline did not start")
	}
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	return url
}

// surge drives a baseline like seatd and audits it: the baselines are correct,
// so comparisons with them are fair.
func surge(t *testing.T, url string) {
	t.Helper()
	ctx := context.Background()
	api := loadtest.NewAPI(url, token, 64)
	defer api.Close()
	v, err := loadtest.Setup(ctx, api, loadtest.Presets["theatre"])
	require.NoError(t, err)
	rec := loadtest.NewRecorder(time.Now())
	confirmed, err := loadtest.Surge(ctx, loadtest.Options{
		Buyers: 1200, Duration: 10 * time.Second, Curve: "all", Concurrency: 48, BestShare: 0.5,
		Retries: 3, ConfirmShare: 0.7, ReleaseShare: 0.1, SeatsPerBuyer: 4, Seed: 7,
	}, api, v, rec)
	require.NoError(t, err)
	res := rec.Result(time.Second)
	require.Positive(t, res.Holds)
	require.Positive(t, res.Orders)
	require.Empty(t, res.Errors)
	in, err := api.Gather(ctx, v.Performance)
	require.NoError(t, err)
	in.Confirmed, in.Grace = confirmed, 2*time.Second
	a := loadtest.Check(in)
	require.True(t, a.OK, "%v", a.Violations)
	require.Equal(t, res.Orders, a.Orders)
}

func TestPostgresRowLockingBaseline(t *testing.T) {
	if testing.Short() {
		t.Skip("load")
	}
	surge(t, start(t, "-kind", "pg"))
}

func TestRedisScriptBaseline(t *testing.T) {
	if testing.Short() {
		t.Skip("load")
	}
	surge(t, start(t, "-kind", "redis"))
}

func TestBadFlags(t *testing.T) {
	require.Error(t, run(context.Background(), []string{"-kind", "pg"}, func(string) string { return "" }, &bytes.Buffer{}, nil))
	require.Error(t, run(context.Background(), []string{"-kind", "mongo", "-database-url", "x", "-token", "y"}, func(string) string { return "" }, &bytes.Buffer{}, nil))
}
