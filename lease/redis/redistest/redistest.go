// Package redistest gives tests their own Redis key prefix, so that tests against
// the real Redis run in parallel without seeing each other's keys.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	goredis "github.com/redis/go-redis/v9"
)

// URL is the test Redis: TEST_REDIS_URL, or the local default that `make test`
// starts.
func URL() string {
	if v := os.Getenv("TEST_REDIS_URL"); v != "" {
		return v
	}
	return "redis://127.0.0.1:6379/0"
}

// Options parses URL.
func Options(t testing.TB) *goredis.Options {
	t.Helper()
	opt, err := goredis.ParseURL(URL())
	if err != nil {
		t.Fatalf("TEST_REDIS_URL: %v", err)
	}
	return opt
}

// Prefix returns a key prefix of the test's own; its keys are deleted when the
// test ends.
func Prefix(t testing.TB) string {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	prefix := "test:" + hex.EncodeToString(b) + ":"
	t.Cleanup(func() {
		c := goredis.NewClient(Options(t))
		defer c.Close()
		ctx := context.Background()
		iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
	})
	return prefix
}

// Client returns a client closed when the test ends; it fails the test when
// Redis does not answer.
func Client(t testing.TB) *goredis.Client {
	t.Helper()
	c := goredis.NewClient(Options(t))
	t.Cleanup(func() { c.Close() })
	if err := c.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("redis at %s (make test starts it): %v", URL(), err)
	}
	return c
}
