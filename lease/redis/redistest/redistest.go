// Package redistest gives tests their own Redis key prefix, so that tests against
// the real Redis run in parallel without seeing each other's keys.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"slices"
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

// Prefix returns a key prefix of the test's own, named after it for whoever
// reads the keys; its keys are deleted when the test ends.
func Prefix(t testing.TB) string {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	prefix := "test:" + label(t.Name()) + ":" + hex.EncodeToString(b) + ":"
	t.Cleanup(func() {
		c := goredis.NewClient(Options(t))
		defer c.Close()
		ctx := context.Background()
		var keys []string
		iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if err := iter.Err(); err != nil {
			t.Errorf("find the keys of %s: %v", prefix, err)
		}
		for batch := range slices.Chunk(keys, 500) {
			if err := c.Unlink(ctx, batch...).Err(); err != nil {
				t.Errorf("delete the keys of %s: %v", prefix, err)
				return
			}
		}
	})
	return prefix
}

// label shortens a test name to letters, digits, '_', '-' and '/': no braces,
// which would change the keys' hash tags, and no glob characters.
func label(name string) string {
	b := []byte(name)
	for i, c := range b {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '/') {
			b[i] = '_'
		}
	}
	if len(b) > 40 {
		b = b[len(b)-40:]
	}
	return string(b)
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
