package startstop

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// waiter is a loop that records why its context ended.
type waiter struct {
	cause atomic.Value // error
}

func (w *waiter) loop(ctx context.Context) {
	<-ctx.Done()
	w.cause.Store(context.Cause(ctx))
}

func TestStopEndsTheLoopsAndWaits(t *testing.T) {
	t.Parallel()
	var r Runner
	var a, b waiter
	require.NoError(t, r.Start(context.Background(), a.loop, b.loop))
	require.True(t, r.Started())
	done := r.Done()
	r.Stop()
	select {
	case <-done:
	default:
		t.Fatal("Stop returned before the loops did")
	}
	require.ErrorIs(t, a.cause.Load().(error), ErrStopped)
	require.ErrorIs(t, b.cause.Load().(error), ErrStopped)
	require.False(t, r.Started())
	require.Nil(t, r.Done())
}

func TestStopIsSafeBeforeStartAndTwice(t *testing.T) {
	t.Parallel()
	var r Runner
	r.Stop()
	r.Stop()
	require.NoError(t, r.Start(context.Background(), (&waiter{}).loop))
	r.Stop()
	r.Stop()
}

func TestStartTwiceIsRefused(t *testing.T) {
	t.Parallel()
	var r Runner
	require.NoError(t, r.Start(context.Background(), (&waiter{}).loop))
	defer r.Stop()
	require.ErrorIs(t, r.Start(context.Background(), (&waiter{}).loop), ErrStarted)
}

func TestStartAgainAfterStop(t *testing.T) {
	t.Parallel()
	var r Runner
	for range 3 {
		w := &waiter{}
		require.NoError(t, r.Start(context.Background(), w.loop))
		r.Stop()
		require.ErrorIs(t, w.cause.Load().(error), ErrStopped)
	}
}

func TestContextEndEndsTheLoops(t *testing.T) {
	t.Parallel()
	var r Runner
	w := &waiter{}
	ctx, cancel := context.WithCancel(context.Background())
	require.NoError(t, r.Start(ctx, w.loop))
	cancel()
	select {
	case <-r.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the loop did not end with its context")
	}
	require.ErrorIs(t, w.cause.Load().(error), context.Canceled)
	require.True(t, r.Started(), "started until stopped")
	require.ErrorIs(t, r.Start(context.Background(), w.loop), ErrStarted)
	r.Stop()
	require.False(t, r.Started())
}

// TestConcurrentStops: every Stop returns only after the loops have,
// however many run at once.
func TestConcurrentStops(t *testing.T) {
	t.Parallel()
	var r Runner
	var running atomic.Int32
	loop := func(ctx context.Context) {
		running.Add(1)
		defer running.Add(-1)
		<-ctx.Done()
	}
	for range 20 {
		require.NoError(t, r.Start(context.Background(), loop, loop))
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				r.Stop()
				if n := running.Load(); n != 0 {
					t.Errorf("Stop returned with %d loops running", n)
				}
			})
		}
		wg.Wait()
	}
}

// TestStartRacingStop: a Start that meets Stops either is refused or starts
// anew, and the runner is never left half-started.
func TestStartRacingStop(t *testing.T) {
	t.Parallel()
	var r Runner
	loop := func(ctx context.Context) { <-ctx.Done() }
	for range 50 {
		require.NoError(t, r.Start(context.Background(), loop))
		var wg sync.WaitGroup
		wg.Go(r.Stop)
		wg.Go(r.Stop)
		wg.Go(func() {
			if err := r.Start(context.Background(), loop); err != nil && !errors.Is(err, ErrStarted) {
				t.Errorf("Start: %v", err)
			}
		})
		wg.Wait()
		r.Stop()
		require.False(t, r.Started())
	}
}

func TestNoLoops(t *testing.T) {
	t.Parallel()
	var r Runner
	require.NoError(t, r.Start(context.Background()))
	<-r.Done()
	r.Stop()
}
