package sales

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/lease"
	"github.com/seatmap/seatmap/store"
)

// logBuffer is a log that tests read while the guard writes it.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) lines(level string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range strings.Split(l.b.String(), "\n") {
		if strings.Contains(line, "level="+level+" ") {
			out = append(out, line)
		}
	}
	return out
}

func newTestGuard() (*guard, *logBuffer) {
	var logs logBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return newGuard("postgres", time.Second, func(err error) error { return err }, log), &logs
}

// TestGuardCountsOnlyUnavailability: errors that are answers (bad input, a
// bug) pass through and never open the breaker, however many; three
// unavailable calls in a row open it, once, with one ERROR line that says
// why. (Issue 10, item 4: every unknown error counted as an outage.)
func TestGuardCountsOnlyUnavailability(t *testing.T) {
	t.Parallel()
	g, logs := newTestGuard()
	ctx := context.Background()
	bug := errors.New("can't scan into *int")
	refused := fmt.Errorf("%w: invalid byte sequence for encoding UTF8: 0x00", store.ErrInvalid)
	for range 50 {
		require.Equal(t, bug, g.do(ctx, func(context.Context) error { return bug }))
		require.Equal(t, refused, g.do(ctx, func(context.Context) error { return refused }))
		require.ErrorIs(t, g.do(ctx, func(context.Context) error { return lease.ErrNotFound }), lease.ErrNotFound)
	}

	down := fmt.Errorf("%w: dial tcp: connection refused", store.ErrUnavailable)
	for range 3 {
		var u *UnavailableError
		require.ErrorAs(t, g.do(ctx, func(context.Context) error { return down }), &u)
	}
	ran := false
	err := g.do(ctx, func(context.Context) error { ran = true; return nil })
	var u *UnavailableError
	require.ErrorAs(t, err, &u)
	require.False(t, ran, "an open breaker refuses without calling")
	require.Equal(t, "postgres", u.Service)

	errs := logs.lines("ERROR")
	require.Len(t, errs, 1, "%v", errs)
	require.Contains(t, errs[0], `msg="service unavailable; circuit breaker open" service=postgres failures=3`)
	require.Contains(t, errs[0], "connection refused")
}

// TestGuardTimeoutIsUnavailability: the guard's own deadline counts as an
// outage, as a service that hangs is one.
func TestGuardTimeoutIsUnavailability(t *testing.T) {
	t.Parallel()
	g, _ := newTestGuard()
	err := g.doWithin(context.Background(), 10*time.Millisecond, func(ctx context.Context) error {
		<-ctx.Done()
		return fmt.Errorf("get order: %w", ctx.Err())
	})
	var u *UnavailableError
	require.ErrorAs(t, err, &u)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

// TestGuardIgnoresAbandonedCalls: a call whose caller left is neither an
// outage nor an answer, whatever the service said meanwhile: it comes back
// as context.Canceled and never opens the breaker. (Issue 10, item 9.)
func TestGuardIgnoresAbandonedCalls(t *testing.T) {
	t.Parallel()
	g, logs := newTestGuard()
	for range 10 {
		ctx, cancel := context.WithCancel(context.Background())
		err := g.do(ctx, func(context.Context) error {
			cancel()
			return fmt.Errorf("%w: read: connection reset", store.ErrUnavailable)
		})
		require.ErrorIs(t, err, context.Canceled)
		var u *UnavailableError
		require.NotErrorAs(t, err, &u)
	}
	require.NoError(t, g.do(context.Background(), func(context.Context) error { return nil }))
	require.Empty(t, logs.lines("ERROR"))
}

// TestGuardLogsRecoveryOnce: after an outage the breaker probes, and the
// first success closes it with one line that says how long it was open and
// how many calls it refused meanwhile.
func TestGuardLogsRecoveryOnce(t *testing.T) {
	t.Parallel()
	g, logs := newTestGuard()
	ctx := context.Background()
	down := fmt.Errorf("%w: EOF", lease.ErrUnavailable)
	for range 3 {
		_ = g.do(ctx, func(context.Context) error { return down })
	}
	for range 5 {
		require.Error(t, g.do(ctx, func(context.Context) error { return nil }))
	}
	// The breaker probes again 2 s after it opened.
	require.Eventually(t, func() bool { return g.do(ctx, func(context.Context) error { return nil }) == nil },
		5*time.Second, 20*time.Millisecond)
	infos := logs.lines("INFO")
	require.Len(t, infos, 1, "%v", infos)
	require.Regexp(t, `msg="service available again; circuit breaker closed" service=postgres open_for=\S+ refused=(\d+) failed_probes=0`, infos[0])
	require.NotContains(t, infos[0], "refused=0 ")
	require.Len(t, logs.lines("ERROR"), 1)
}
