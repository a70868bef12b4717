package main

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/lease/redis/redistest"
	"github.com/seatmap/seatmap/store/postgres/pgtest"
)

// TestProductionModeRestart runs seatd on Postgres and Redis (DATABASE_URL,
// REDIS_URL): the empty store gets the demo, and a restart keeps a live hold,
// which now lives in Redis.
func TestProductionModeRestart(t *testing.T) {
	env := map[string]string{
		"DATABASE_URL":       pgtest.Schema(t, ""),
		"REDIS_URL":          redistest.URL(),
		"SEATD_REDIS_PREFIX": redistest.Prefix(t),
	}

	dir := t.TempDir()
	start := func() (string, func()) {
		r := startSeatdIn(t, env, dir)
		return r.base, r.stop
	}
	base, stop := start()
	perf := demoPerformance(t, base)
	buyer := newAPIClient(t, base)
	var h struct{ Token string }
	require.Equal(t, 201, buyer.call("POST", "/api/v1/performances/"+perf+"/holds", map[string]any{"seats": []string{"S-R3-S3", "S-R3-S4"}}, &h))
	stop()

	base, stop = start()
	defer stop()
	buyer.base = base
	require.Equal(t, perf, demoPerformance(t, base))
	require.Equal(t, 200, buyer.call("GET", "/api/v1/holds/"+h.Token, nil, nil))
	var p struct{ Counts struct{ Held int } }
	require.Equal(t, 200, buyer.call("GET", "/api/v1/performances/"+perf, nil, &p))
	require.Equal(t, 2, p.Counts.Held)
}
