package lease

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/internal/breaker"
)

// downStore is a lease store that is down; it counts the calls reaching it.
type downStore struct{ calls int }

var errDown = fmt.Errorf("%w: EOF", ErrUnavailable)

func (d *downStore) Acquire(context.Context, Lease) error { d.calls++; return errDown }
func (d *downStore) Extend(context.Context, string, string, time.Time) error {
	d.calls++
	return errDown
}
func (d *downStore) Release(context.Context, string, string) error { d.calls++; return errDown }
func (d *downStore) List(context.Context, string) ([]Lease, error) { d.calls++; return nil, errDown }
func (d *downStore) Ping(context.Context) error                    { d.calls++; return errDown }
func (d *downStore) Classify(err error) error                      { return err }

// TestGuardOpensOnOutages: three outages open the breaker, and then every
// call is answered *breaker.UnavailableError without reaching the store.
func TestGuardOpensOnOutages(t *testing.T) {
	inner := &downStore{}
	g := Guard(inner, "redis", time.Second, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx := context.Background()
	for range 3 {
		require.True(t, breaker.IsUnavailable(g.Acquire(ctx, Lease{})))
	}
	for _, err := range []error{
		g.Extend(ctx, "p", "t", time.Now()), g.Release(ctx, "p", "t"), g.Ping(ctx),
		func() error { _, err := g.List(ctx, "p"); return err }(),
	} {
		require.True(t, breaker.IsUnavailable(err), "%v", err)
	}
	require.Equal(t, 3, inner.calls, "an open breaker calls nothing")
}
