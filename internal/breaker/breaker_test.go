package breaker

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
)

// errNotFound is an answer of the service: it found nothing.
var errNotFound = errors.New("not found")

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

// errDown is what the test's adapter marks an outage with, as store and lease
// do with their ErrUnavailable.
var errDown = errors.New("service unavailable")

// errRefused marks a value the service refused: an answer, not an outage.
var errRefused = errors.New("value refused")

func newTest() (*Breaker, *logBuffer) {
	var logs logBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return New(Options{Service: "postgres", Timeout: time.Second, Logger: log,
		Outage: func(err error) bool { return errors.Is(err, errDown) }}), &logs
}

// TestCountsOnlyUnavailability: errors that are answers (bad input, a
// bug) pass through and never open the breaker, however many; three
// unavailable calls in a row open it, once, with one ERROR line that says
// why. (Issue 10, item 4: every unknown error counted as an outage.)
func TestCountsOnlyUnavailability(t *testing.T) {
	t.Parallel()
	g, logs := newTest()
	ctx := context.Background()
	bug := errors.New("can't scan into *int")
	refused := fmt.Errorf("%w: invalid byte sequence for encoding UTF8: 0x00", errRefused)
	for range 50 {
		require.Equal(t, bug, g.Do(ctx, func(context.Context) error { return bug }))
		require.Equal(t, refused, g.Do(ctx, func(context.Context) error { return refused }))
		require.ErrorIs(t, g.Do(ctx, func(context.Context) error { return errNotFound }), errNotFound)
	}

	down := fmt.Errorf("%w: dial tcp: connection refused", errDown)
	for range 3 {
		var u *UnavailableError
		require.ErrorAs(t, g.Do(ctx, func(context.Context) error { return down }), &u)
	}
	ran := false
	err := g.Do(ctx, func(context.Context) error { ran = true; return nil })
	var u *UnavailableError
	require.ErrorAs(t, err, &u)
	require.False(t, ran, "an open breaker refuses without calling")
	require.Equal(t, "postgres", u.Service)

	errs := logs.lines("ERROR")
	require.Len(t, errs, 1, "%v", errs)
	require.Contains(t, errs[0], `msg="service unavailable; circuit breaker open" service=postgres failures=3`)
	require.Contains(t, errs[0], "connection refused")
}

// TestTimeoutIsUnavailability: the guard's own deadline counts as an
// outage, as a service that hangs is one.
func TestTimeoutIsUnavailability(t *testing.T) {
	t.Parallel()
	g, _ := newTest()
	err := g.DoWithin(context.Background(), 10*time.Millisecond, func(ctx context.Context) error {
		<-ctx.Done()
		return fmt.Errorf("get order: %w", ctx.Err())
	})
	var u *UnavailableError
	require.ErrorAs(t, err, &u)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

// TestIgnoresAbandonedCalls: a call whose caller left is neither an
// outage nor an answer, whatever the service said meanwhile: it comes back
// as context.Canceled and never opens the breaker. (Issue 10, item 9.)
func TestIgnoresAbandonedCalls(t *testing.T) {
	t.Parallel()
	g, logs := newTest()
	for range 10 {
		ctx, cancel := context.WithCancel(context.Background())
		err := g.Do(ctx, func(context.Context) error {
			cancel()
			return fmt.Errorf("%w: read: connection reset", errDown)
		})
		require.ErrorIs(t, err, context.Canceled)
		var u *UnavailableError
		require.NotErrorAs(t, err, &u)
	}
	require.NoError(t, g.Do(context.Background(), func(context.Context) error { return nil }))
	require.Empty(t, logs.lines("ERROR"))
}

// TestLogsRecoveryOnce: after an outage the breaker probes, and the
// first success closes it with one line that says how long it was open and
// how many calls it refused meanwhile.
func TestLogsRecoveryOnce(t *testing.T) {
	t.Parallel()
	g, logs := newTest()
	ctx := context.Background()
	down := fmt.Errorf("%w: EOF", errDown)
	for range 3 {
		_ = g.Do(ctx, func(context.Context) error { return down })
	}
	for range 5 {
		require.Error(t, g.Do(ctx, func(context.Context) error { return nil }))
	}
	// The breaker probes again 2 s after it opened.
	require.Eventually(t, func() bool { return g.Do(ctx, func(context.Context) error { return nil }) == nil },
		5*time.Second, 20*time.Millisecond)
	infos := logs.lines("INFO")
	require.Len(t, infos, 1, "%v", infos)
	require.Regexp(t, `msg="service available again; circuit breaker closed" service=postgres open_for=\S+ refused=(\d+) failed_probes=0`, infos[0])
	require.NotContains(t, infos[0], "refused=0 ")
	require.Len(t, logs.lines("ERROR"), 1)
}

// TestCallReturnsTheResult: Call runs through the breaker and hands back what
// the call returned, or the breaker's refusal.
func TestCallReturnsTheResult(t *testing.T) {
	t.Parallel()
	g, _ := newTest()
	ctx := context.Background()
	n, err := Call(ctx, g, func(context.Context) (int, error) { return 42, nil })
	require.NoError(t, err)
	require.Equal(t, 42, n)
	for range 3 {
		_, _ = Call(ctx, g, func(context.Context) (int, error) { return 0, errDown })
	}
	n, err = Call(ctx, g, func(context.Context) (int, error) { return 7, nil })
	require.True(t, IsUnavailable(err), "open: %v", err)
	require.Zero(t, n)
}
