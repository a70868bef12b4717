package lease

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/seatmap/seatmap/internal/breaker"
)

// Guard returns s with every call run through one circuit breaker of its
// own, named service, with a deadline per call: only unavailability, as s's
// Classify marks it with ErrUnavailable, and running out of time count
// against the breaker. An outage comes back as *breaker.UnavailableError.
func Guard(s Store, service string, timeout time.Duration, log *slog.Logger) Store {
	return &guarded{s: s, b: breaker.New(breaker.Options{
		Service: service, Timeout: timeout, Classify: s.Classify, Logger: log,
		Outage: func(err error) bool { return errors.Is(err, ErrUnavailable) },
	})}
}

type guarded struct {
	s Store
	b *breaker.Breaker
}

func (g *guarded) Acquire(ctx context.Context, l Lease) error {
	return g.b.Do(ctx, func(ctx context.Context) error { return g.s.Acquire(ctx, l) })
}

func (g *guarded) Extend(ctx context.Context, performance, token string, expires time.Time) error {
	return g.b.Do(ctx, func(ctx context.Context) error { return g.s.Extend(ctx, performance, token, expires) })
}

func (g *guarded) Release(ctx context.Context, performance, token string) error {
	return g.b.Do(ctx, func(ctx context.Context) error { return g.s.Release(ctx, performance, token) })
}

func (g *guarded) List(ctx context.Context, performance string) ([]Lease, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) ([]Lease, error) { return g.s.List(ctx, performance) })
}

func (g *guarded) Ping(ctx context.Context) error { return g.b.Do(ctx, g.s.Ping) }
func (g *guarded) Classify(err error) error       { return g.s.Classify(err) }
