// Package pgtest gives tests their own Postgres schema, so that tests against
// the real database run in parallel without seeing each other's rows.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// URL is the test database: TEST_DATABASE_URL, or the local default that
// `make test` starts.
func URL() string {
	if v := os.Getenv("TEST_DATABASE_URL"); v != "" {
		return v
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// Schema creates an empty schema, drops it when the test ends, and returns a DSN
// that uses it. hostPort, when not empty, replaces the server address (to route
// through a fault proxy).
func Schema(t testing.TB, hostPort string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, URL())
	if err != nil {
		t.Fatalf("postgres at %s (make test starts it): %v", URL(), err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	name := "t_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+name); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), URL())
		if err == nil {
			_, _ = conn.Exec(context.Background(), "DROP SCHEMA "+name+" CASCADE")
			conn.Close(context.Background())
		}
	})
	cfg, err := pgx.ParseConfig(URL())
	if err != nil {
		t.Fatalf("TEST_DATABASE_URL: %v", err)
	}
	if hostPort == "" {
		hostPort = fmt.Sprintf("%s:%d", cfg.Host, cfg.Port)
	}
	return fmt.Sprintf("postgres://%s@%s/%s?sslmode=disable&search_path=%s", cfg.User, hostPort, cfg.Database, name)
}
