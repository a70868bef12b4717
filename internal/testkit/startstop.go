package testkit

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/seatmap/seatmap/internal/startstop"
)

// stopWithin bounds each Start and Stop of StartStop: a part that hangs fails
// the test instead of the run.
const stopWithin = 20 * time.Second

// StartStop checks that a long-running part keeps the start/stop contract,
// each case on a fresh part from newPart: Stop before Start and twice
// returns; Start, then Stop twice; several Stops at once all return; when
// Start's context ends, a later Stop still returns. The package's goleak
// check then finds any goroutine a case left behind.
func StartStop(t *testing.T, newPart func(t *testing.T) startstop.Service) {
	t.Helper()
	t.Run("StopBeforeStart", func(t *testing.T) {
		p := newPart(t)
		returns(t, "Stop before Start", p.Stop)
		returns(t, "a second Stop", p.Stop)
	})
	t.Run("StopTwice", func(t *testing.T) {
		p := newPart(t)
		start(t, p, context.Background())
		returns(t, "Stop", p.Stop)
		returns(t, "a second Stop", p.Stop)
	})
	t.Run("ConcurrentStops", func(t *testing.T) {
		p := newPart(t)
		start(t, p, context.Background())
		returns(t, "four Stops at once", func() {
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(p.Stop)
			}
			wg.Wait()
		})
	})
	t.Run("ContextEnds", func(t *testing.T) {
		p := newPart(t)
		ctx, cancel := context.WithCancel(context.Background())
		start(t, p, ctx)
		cancel()
		returns(t, "Stop after the context ended", p.Stop)
	})
}

func start(t *testing.T, p startstop.Service, ctx context.Context) {
	t.Helper()
	var err error
	returns(t, "Start", func() { err = p.Start(ctx) })
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
}

// returns runs f and fails the test when it has not returned within
// stopWithin.
func returns(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(stopWithin):
		t.Fatalf("%s did not return within %s", what, stopWithin)
	}
}
