package testkit

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/seatmap/seatmap/internal/startstop"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestClockMovesOnlyWhenTold(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2030, 3, 1, 19, 30, 0, 0, time.UTC)
	c := NewClock(t0)
	require.Equal(t, t0, c.Now())
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() { c.Add(time.Second) })
	}
	wg.Wait()
	require.Equal(t, t0.Add(10*time.Second), c.Now())
}

func TestSkewedRunsWithTheWallClock(t *testing.T) {
	t.Parallel()
	var c Skewed
	require.WithinDuration(t, time.Now(), c.Now(), time.Minute)
	c.Add(48 * time.Hour)
	require.WithinDuration(t, time.Now().Add(48*time.Hour), c.Now(), time.Minute)
	a := c.Now()
	Eventually(t, 5*time.Second, "the clock to move on its own", func() bool { return c.Now().After(a) })
}

func TestEventuallyPollsUntilTheConditionHolds(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	Eventually(t, 5*time.Second, "the third look", func() bool { return n.Add(1) == 3 })
	require.Equal(t, int32(3), n.Load())
}

func TestWithinGivesUp(t *testing.T) {
	t.Parallel()
	require.False(t, Within(20*time.Millisecond, func() bool { return false }))
	require.True(t, Within(0, func() bool { return true }), "a condition that holds at once needs no time")
}

func TestWaitForKeepsTheLastError(t *testing.T) {
	t.Parallel()
	var n int
	WaitFor(t, 5*time.Second, "the second try", func() error {
		if n++; n < 2 {
			return errors.New("not yet")
		}
		return nil
	})
	require.Equal(t, 2, n)
}

func TestFreeAddrHasNoListener(t *testing.T) {
	t.Parallel()
	addr := FreeAddr(t)
	require.NotEmpty(t, addr)
}

// loop is the smallest start/stop part: one loop on a Runner.
type loop struct{ life startstop.Runner }

func (l *loop) Start(ctx context.Context) error {
	return l.life.Start(ctx, func(ctx context.Context) { <-ctx.Done() })
}
func (l *loop) Stop() { l.life.Stop() }

func TestStartStopContract(t *testing.T) {
	t.Parallel()
	StartStop(t, func(*testing.T) startstop.Service { return &loop{} })
}
