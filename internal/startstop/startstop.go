// Package startstop is the one shape of seatmap's long-running parts (the
// sales sweeper, the realtime hub, the outbox dispatcher): Start(ctx) starts
// the part's loops in the background and returns, the loops select on their
// context's Done, and Stop ends them and waits for them. Stop is safe before
// Start, twice, and from several goroutines at once; after Stop a part may be
// started again. It imports nothing of seatmap.
//
// A part keeps a Runner and delegates to it:
//
//	func (d *Dispatcher) Start(ctx context.Context) error {
//		// check settings, fail early
//		return d.life.Start(ctx, d.loop)
//	}
//
//	func (d *Dispatcher) Stop() { d.life.Stop() }
package startstop

import (
	"context"
	"errors"
	"sync"
)

// Service is what a long-running part offers its owner (cmd/seatd, a test).
type Service interface {
	// Start checks what the part needs, starts its loops in the background
	// and returns. The loops end when ctx ends or Stop is called.
	Start(ctx context.Context) error
	// Stop ends the loops and returns once they have returned. It does
	// nothing when the part is not started, and may be called any number of
	// times, concurrently.
	Stop()
}

// ErrStarted is what Start returns while the part runs.
var ErrStarted = errors.New("already started")

// ErrStopped is the cause (context.Cause) of the loops' context when Stop
// ended it, telling a stop from the end of the caller's context.
var ErrStopped = errors.New("stopped")

// Runner runs a part's loops: idle, then started by Start, then idle again
// once Stop has waited for the loops. The zero value is idle. It is safe for
// concurrent use.
type Runner struct {
	mu     sync.Mutex // guards cancel and done
	cancel context.CancelCauseFunc
	done   chan struct{} // nil while idle; closed when every loop has returned
}

// Start runs each loop in a goroutine of its own with a context that ends
// when ctx ends or Stop is called. It returns ErrStarted when the runner is
// already started, even when its loops have ended with ctx: Stop first.
func (r *Runner) Start(ctx context.Context, loops ...func(ctx context.Context)) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done != nil {
		return ErrStarted
	}
	ctx, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	r.cancel, r.done = cancel, done
	var wg sync.WaitGroup
	for _, loop := range loops {
		wg.Go(func() { loop(ctx) })
	}
	go func() {
		wg.Wait()
		cancel(nil) // release the context's resources when the loops end first
		close(done)
	}()
	return nil
}

// Stop ends the loops' context and waits for every loop to return; then the
// runner is idle and may be started again. It does nothing when idle. Every
// concurrent call returns only after the loops have returned.
func (r *Runner) Stop() {
	r.mu.Lock()
	cancel, done := r.cancel, r.done
	r.mu.Unlock()
	if done == nil {
		return
	}
	cancel(ErrStopped)
	<-done
	r.mu.Lock()
	if r.done == done { // not already reset by a concurrent Stop
		r.cancel, r.done = nil, nil
	}
	r.mu.Unlock()
}

// Started reports whether the runner was started and not stopped since (its
// loops may have ended with the caller's context).
func (r *Runner) Started() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.done != nil
}

// Done returns a channel closed when the loops of the current start have
// returned, or nil while idle.
func (r *Runner) Done() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.done
}
