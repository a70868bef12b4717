package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// TestProductionModeRestart runs seatd on Postgres and Redis (DATABASE_URL,
// REDIS_URL): the empty store gets the demo, and a restart keeps a live hold,
// which now lives in Redis.
func TestProductionModeRestart(t *testing.T) {
	ctx := context.Background()
	pgURL := envOr("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	redisURL := envOr("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
	b := make([]byte, 6)
	rand.Read(b)
	schema := "seatd_" + hex.EncodeToString(b)
	conn, err := pgx.Connect(ctx, pgURL)
	require.NoError(t, err, "postgres at %s (make test starts it)", pgURL)
	_, err = conn.Exec(ctx, "CREATE SCHEMA "+schema)
	require.NoError(t, err)
	conn.Close(ctx)
	prefix := "seatd-test:" + hex.EncodeToString(b) + ":"
	t.Cleanup(func() {
		if conn, err := pgx.Connect(ctx, pgURL); err == nil {
			_, _ = conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			conn.Close(ctx)
		}
		opt, _ := goredis.ParseURL(redisURL)
		c := goredis.NewClient(opt)
		defer c.Close()
		iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
	})
	env := map[string]string{
		"DATABASE_URL":       pgURL + "&search_path=" + schema,
		"REDIS_URL":          redisURL,
		"SEATD_REDIS_PREFIX": prefix,
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
