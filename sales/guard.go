package sales

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/seatmap/seatmap/lease"
	"github.com/seatmap/seatmap/store"
)

// guard runs calls to one backing service through a circuit breaker with a
// per-call timeout. Only unavailability counts against the breaker: errors
// the service's adapter marks store.ErrUnavailable or lease.ErrUnavailable,
// and the guard's own timeout. Everything else, a domain answer (not found, a
// conflict), a value the database refused, even a bug, is the service
// answering; a call the caller abandoned is neither.
//
// The breaker's state changes are logged once each, with counts, rather than
// every refused call: an outage of 10 s under load is two lines, not tens of
// thousands.
type guard struct {
	service  string
	timeout  time.Duration
	classify func(error) error // the adapter's
	log      *slog.Logger
	cb       *gobreaker.CircuitBreaker[struct{}]

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

func newGuard(service string, timeout time.Duration, classify func(error) error, log *slog.Logger) *guard {
	g := &guard{service: service, timeout: timeout, classify: classify, log: log}
	g.cb = gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        service,
		MaxRequests: 1,
		Interval:    10 * time.Second,
		Timeout:     2 * time.Second, // open → half-open: try again soon
		ReadyToTrip: func(c gobreaker.Counts) bool {
			if c.ConsecutiveFailures < 3 {
				return false
			}
			g.mu.Lock()
			g.failures = c.ConsecutiveFailures
			g.mu.Unlock()
			return true
		},
		IsSuccessful:  func(err error) bool { return !isOutage(err) },
		IsExcluded:    func(err error) bool { return errors.Is(err, context.Canceled) },
		OnStateChange: g.changed,
	})
	return g
}

// isOutage tells unavailability from every other error.
func isOutage(err error) bool {
	return err != nil && (errors.Is(err, store.ErrUnavailable) || errors.Is(err, lease.ErrUnavailable) ||
		errors.Is(err, context.DeadlineExceeded))
}

// do runs f with a deadline. Unavailability comes back as *UnavailableError.
func (g *guard) do(ctx context.Context, f func(ctx context.Context) error) error {
	return g.doWithin(ctx, g.timeout, f)
}

// bulkTimeout bounds calls that write thousands of rows (a batch of 10,000
// vouchers), which may take longer than one order.
const bulkTimeout = 60 * time.Second

// doBulk is do for calls that write or read thousands of rows.
func (g *guard) doBulk(ctx context.Context, f func(ctx context.Context) error) error {
	return g.doWithin(ctx, max(g.timeout, bulkTimeout), f)
}

// doWithin is do with a deadline of its own.
func (g *guard) doWithin(ctx context.Context, timeout time.Duration, f func(ctx context.Context) error) error {
	_, err := g.cb.Execute(func() (struct{}, error) {
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
		err = g.classify(err)
		if isOutage(err) {
			g.mu.Lock()
			g.lastErr = err
			g.mu.Unlock()
		}
		return struct{}{}, err
	})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.Canceled):
		return err
	case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
		g.refused.Add(1)
		return &UnavailableError{Service: g.service, Err: err}
	case isOutage(err):
		return &UnavailableError{Service: g.service, Err: err}
	}
	return err
}

// changed logs a transition of the breaker. It runs under the breaker's lock.
func (g *guard) changed(_ string, from, to gobreaker.State) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := time.Now()
	switch {
	case from == gobreaker.StateClosed && to == gobreaker.StateOpen:
		g.openedAt, g.probes = now, 0
		g.refused.Store(0)
		g.log.Error("service unavailable; circuit breaker open", "service", g.service,
			"failures", g.failures, "err", g.lastErr, "retry_every", 2*time.Second)
	case from == gobreaker.StateHalfOpen && to == gobreaker.StateOpen:
		g.probes++
		g.log.Debug("service still unavailable; circuit breaker open again", "service", g.service, "err", g.lastErr)
	case to == gobreaker.StateHalfOpen:
		g.log.Debug("circuit breaker half-open; probing", "service", g.service)
	case to == gobreaker.StateClosed:
		g.log.Info("service available again; circuit breaker closed", "service", g.service,
			"open_for", now.Sub(g.openedAt).Round(time.Millisecond), "refused", g.refused.Load(), "failed_probes", g.probes)
		g.openedAt, g.lastErr = time.Time{}, nil
	}
}
