package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testAdminToken = "test-admin-token-0123456789"

// startSeatd runs seatd as `go run ./cmd/seatd` would, on a fresh data directory
// and a free port, and stops it when the test ends.
func startSeatd(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	s := startSeatdIn(t, env, t.TempDir(), args...)
	t.Cleanup(s.stop)
	return s.base
}

type running struct {
	base string
	stop func()
}

// startSeatdIn runs seatd on data directory dir until stop is called.
func startSeatdIn(t *testing.T, env map[string]string, dir string, args ...string) running {
	t.Helper()
	getenv := func(k string) string {
		if k == "SEATD_ADMIN_TOKEN" {
			return testAdminToken
		}
		return env[k]
	}
	args = append([]string{"-addr", "127.0.0.1:0", "-data", dir, "-log-level", "warn"}, args...)
	cfg, err := parseConfig(args, getenv, io.Discard)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	urls := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, io.Discard, io.Discard, func(u string) { urls <- u }) }()
	var base string
	select {
	case base = <-urls:
	case err := <-done:
		t.Fatalf("seatd stopped: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("seatd did not start")
	}
	var once sync.Once
	return running{base: base, stop: func() {
		once.Do(func() {
			cancel()
			require.NoError(t, <-done)
		})
	}}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(v))
}

// demoPerformance returns the id of the demo performance seeded at first start.
func demoPerformance(t *testing.T, base string) string {
	t.Helper()
	var list struct {
		Items []struct {
			ID, Name, Status string
		}
	}
	getJSON(t, base+"/api/v1/performances", &list)
	require.Len(t, list.Items, 1)
	require.Equal(t, "on_sale", list.Items[0].Status)
	return list.Items[0].ID
}

func TestEmbeddedDefaultStartsWithDemo(t *testing.T) {
	base := startSeatd(t, nil)
	id := demoPerformance(t, base)
	var p struct {
		Counts struct{ Free int }
		Limits struct {
			MaxSeatsPerHold int `json:"max_seats_per_hold"`
		}
	}
	getJSON(t, base+"/api/v1/performances/"+id, &p)
	require.Equal(t, 800, p.Counts.Free)
	require.Equal(t, 10, p.Limits.MaxSeatsPerHold)
	resp, err := http.Get(base + "/")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(body), "<script")
}

func TestConfigRejectsBadSettings(t *testing.T) {
	for _, args := range [][]string{
		{"-hold-ttl", "1s"},
		{"-max-seats", "0"},
		{"-live-frame-rate", "10"},
		{"-log-level", "loud"},
		{"-tz", "Mars/Olympus_Mons"},
		{"-mail-rate", "0"},
		{"-nope"},
	} {
		_, err := parseConfig(args, func(string) string { return "" }, io.Discard)
		require.Error(t, err, "%v", args)
	}
	_, err := parseConfig(nil, func(k string) string {
		if k == "SEATD_ADMIN_TOKEN" {
			return "short"
		}
		return ""
	}, io.Discard)
	require.ErrorContains(t, err, "at least 16")
	zurich, err := parseConfig([]string{"-tz", "Europe/Zurich"}, func(string) string { return "" }, io.Discard)
	require.NoError(t, err)
	require.Equal(t, "Europe/Zurich", zurich.location.String())
	cfg, err := parseConfig(nil, func(k string) string {
		return map[string]string{"SEATD_ADDR": "0.0.0.0:9999", "SEATD_DEMO": "false", "DATABASE_URL": "postgres://x"}[k]
	}, io.Discard)
	require.NoError(t, err)
	require.Equal(t, "0.0.0.0:9999", cfg.addr)
	require.False(t, cfg.demo)
	require.Equal(t, "postgres://x", cfg.databaseURL)
}
