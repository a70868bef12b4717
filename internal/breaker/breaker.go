// Package breaker runs calls to one backing service (Postgres, SQLite, Redis)
// through a circuit breaker with a deadline per call, so that an outage is
// answered at once with a clear error instead of piling up requests, and the
// breaker closes again by itself. It imports nothing of seatmap: the adapter
// of each service says which of its errors are an outage (Options).
package breaker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"
)

// UnavailableError says a backing service (postgres, redis, sqlite, memory)
// could not be used, or its circuit breaker is open. Nothing was
// half-written.
type UnavailableError struct {
	Service string
	Err     error
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("%s is unavailable: %v", e.Service, e.Err)
}

func (e *UnavailableError) Unwrap() error { return e.Err }

// IsUnavailable reports whether err says a backing service is unavailable
// (its breaker has logged the outage).
func IsUnavailable(err error) bool {
	var u *UnavailableError
	return errors.As(err, &u)
}

// BulkTimeout bounds calls that write or read thousands of rows (a batch of
// 10,000 vouchers, a rebuild), which may take longer than one order.
const BulkTimeout = 60 * time.Second

// Options describe the service a Breaker guards.
type Options struct {
	// Service names it in answers and logs ("postgres", "redis").
	Service string
	// Timeout bounds each call; running out counts as an outage.
	Timeout time.Duration
	// Classify is the adapter's: it marks the errors that mean the service
	// could not be used (and others it knows, such as refused values), and
	// the caller gets the marked error.
	Classify func(error) error
	// Outage tells a marked error that means unavailability. Only those, and
	// running out of Timeout, count against the breaker: an answer (not
	// found, a conflict), a refused value, even a bug, is the service
	// working.
	Outage func(error) bool
	Logger *slog.Logger
}

// Breaker guards one service. It is safe for concurrent use.
//
// The breaker's state changes are logged once each, with counts, rather than
// every refused call: an outage of 10 s under load is two lines, not tens of
// thousands.
type Breaker struct {
	o  Options
	cb *gobreaker.CircuitBreaker[struct{}]

	// refused counts the calls refused while the breaker was open or probing.
	refused atomic.Int64

	// mu guards the outage's record below. Lock order: the breaker's own
	// mutex (held while it calls ReadyToTrip and OnStateChange), then mu.
	mu       sync.Mutex
	lastErr  error     // the last outage error
	failures uint32    // consecutive failures that opened the breaker
	openedAt time.Time // when the outage began; zero while closed
	probes   int       // probes that failed while open
}

// New returns a closed breaker.
func New(o Options) *Breaker {
	if o.Classify == nil {
		o.Classify = func(err error) error { return err }
	}
	if o.Outage == nil {
		o.Outage = func(error) bool { return false }
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	b := &Breaker{o: o}
	b.cb = gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        o.Service,
		MaxRequests: 1,
		Interval:    10 * time.Second,
		Timeout:     2 * time.Second, // open → half-open: try again soon
		ReadyToTrip: func(c gobreaker.Counts) bool {
			if c.ConsecutiveFailures < 3 {
				return false
			}
			b.mu.Lock()
			b.failures = c.ConsecutiveFailures
			b.mu.Unlock()
			return true
		},
		IsSuccessful:  func(err error) bool { return !b.outage(err) },
		IsExcluded:    func(err error) bool { return errors.Is(err, context.Canceled) },
		OnStateChange: b.changed,
	})
	return b
}

// Service is the name of the guarded service.
func (b *Breaker) Service() string { return b.o.Service }

// outage tells unavailability from every other error.
func (b *Breaker) outage(err error) bool {
	return err != nil && (b.o.Outage(err) || errors.Is(err, context.DeadlineExceeded))
}

// Do runs f with the breaker's deadline. Unavailability comes back as
// *UnavailableError; other errors as the adapter's Classify marked them.
func (b *Breaker) Do(ctx context.Context, f func(ctx context.Context) error) error {
	return b.DoWithin(ctx, b.o.Timeout, f)
}

// DoWithin is Do with a deadline of its own.
func (b *Breaker) DoWithin(ctx context.Context, timeout time.Duration, f func(ctx context.Context) error) error {
	_, err := b.cb.Execute(func() (struct{}, error) {
		cctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		err := f(cctx)
		if err == nil {
			return struct{}{}, nil
		}
		if errors.Is(ctx.Err(), context.Canceled) {
			// The caller left: whatever the service said after that is
			// neither an outage nor an answer anyone waits for.
			return struct{}{}, fmt.Errorf("%w: %w", context.Canceled, err)
		}
		err = b.o.Classify(err)
		if b.outage(err) {
			b.mu.Lock()
			b.lastErr = err
			b.mu.Unlock()
		}
		return struct{}{}, err
	})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.Canceled):
		return err
	case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
		b.refused.Add(1)
		return &UnavailableError{Service: b.o.Service, Err: err}
	case b.outage(err):
		return &UnavailableError{Service: b.o.Service, Err: err}
	}
	return err
}

// Call runs f through b and returns its result: what a guarded adapter's
// methods are made of.
func Call[T any](ctx context.Context, b *Breaker, f func(context.Context) (T, error)) (T, error) {
	return CallWithin(ctx, b, b.o.Timeout, f)
}

// CallWithin is Call with a deadline of its own.
func CallWithin[T any](ctx context.Context, b *Breaker, timeout time.Duration, f func(context.Context) (T, error)) (T, error) {
	var out T
	err := b.DoWithin(ctx, timeout, func(ctx context.Context) (err error) {
		out, err = f(ctx)
		return err
	})
	return out, err
}

// changed logs a transition of the breaker. It runs under the breaker's lock.
func (b *Breaker) changed(_ string, from, to gobreaker.State) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	log := b.o.Logger
	switch {
	case from == gobreaker.StateClosed && to == gobreaker.StateOpen:
		b.openedAt, b.probes = now, 0
		b.refused.Store(0)
		log.Error("service unavailable; circuit breaker open", "service", b.o.Service,
			"failures", b.failures, "err", b.lastErr, "retry_every", 2*time.Second)
	case from == gobreaker.StateHalfOpen && to == gobreaker.StateOpen:
		b.probes++
		log.Debug("service still unavailable; circuit breaker open again", "service", b.o.Service, "err", b.lastErr)
	case to == gobreaker.StateHalfOpen:
		log.Debug("circuit breaker half-open; probing", "service", b.o.Service)
	case to == gobreaker.StateClosed:
		log.Info("service available again; circuit breaker closed", "service", b.o.Service,
			"open_for", now.Sub(b.openedAt).Round(time.Millisecond), "refused", b.refused.Load(), "failed_probes", b.probes)
		b.openedAt, b.lastErr = time.Time{}, nil
	}
}
