// Command baseline serves one of the textbook seat-holding designs behind the
// load tester's API subset, for side-by-side runs (make bench-compare):
//
//	baseline -kind pg    -database-url postgres://…
//	baseline -kind redis -database-url postgres://… -redis-url redis://…
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/seatmap/seatmap/loadtest/baseline"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "baseline:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer, ready func(string)) error {
	fs := flag.NewFlagSet("baseline", flag.ContinueOnError)
	fs.SetOutput(stderr)
	kind := fs.String("kind", "pg", "pg (Postgres row locks) or redis (Lua scripts plus a Postgres insert)")
	addr := fs.String("addr", "localhost:8090", "listen address")
	dsn := fs.String("database-url", getenv("DATABASE_URL"), "Postgres URL (DATABASE_URL)")
	redisURL := fs.String("redis-url", getenv("REDIS_URL"), "Redis URL for -kind redis (REDIS_URL)")
	prefix := fs.String("redis-prefix", "baseline:", "prefix of every Redis key")
	token := fs.String("token", getenv("SEATD_ADMIN_TOKEN"), "staff bearer token for set-up and the audit (SEATD_ADMIN_TOKEN)")
	ttl := fs.Duration("hold-ttl", 10*time.Minute, "how long a hold lasts")
	conns := fs.Int("conns", 32, "Postgres connections")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *dsn == "" || *token == "" {
		return errors.New("-database-url and -token are required")
	}
	var b baseline.Backend
	switch *kind {
	case "pg":
		pg, err := baseline.NewPG(ctx, *dsn, int32(*conns))
		if err != nil {
			return err
		}
		defer pg.Close()
		b = pg
	case "redis":
		opt, err := goredis.ParseURL(*redisURL)
		if err != nil {
			return fmt.Errorf("-redis-url: %w", err)
		}
		c := goredis.NewClient(opt)
		defer c.Close()
		r, err := baseline.NewRedis(ctx, c, *dsn, *prefix, int32(*conns))
		if err != nil {
			return err
		}
		defer r.Close()
		b = r
	default:
		return fmt.Errorf("unknown -kind %q: use pg or redis", *kind)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: baseline.NewServer(b, *token, *ttl), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	url := "http://" + ln.Addr().String()
	slog.New(slog.NewTextHandler(stderr, nil)).Info("baseline listening", "kind", *kind, "url", url)
	if ready != nil {
		ready(url)
	}
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
