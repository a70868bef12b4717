package sales

import (
	"context"
	"errors"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/seatmap/seatmap/lease"
	"github.com/seatmap/seatmap/store"
)

// guard runs calls to one backing service through a circuit breaker with a
// per-call timeout. Domain answers (not found, conflicts) count as successes:
// only failures of the service itself open the breaker.
type guard struct {
	service string
	timeout time.Duration
	cb      *gobreaker.CircuitBreaker[struct{}]
}

func newGuard(service string, timeout time.Duration) *guard {
	return &guard{
		service: service,
		timeout: timeout,
		cb: gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{
			Name:        service,
			MaxRequests: 1,
			Interval:    10 * time.Second,
			Timeout:     2 * time.Second, // open → half-open: try again soon
			ReadyToTrip: func(c gobreaker.Counts) bool {
				return c.ConsecutiveFailures >= 3
			},
			IsSuccessful: func(err error) bool { return err == nil || !isFailure(err) },
			IsExcluded:   func(err error) bool { return errors.Is(err, context.Canceled) },
		}),
	}
}

// do runs f with a deadline. Service failures come back as *UnavailableError.
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
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		return struct{}{}, f(ctx)
	})
	if err == nil {
		return nil
	}
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) || isFailure(err) {
		return &UnavailableError{Service: g.service, Err: err}
	}
	return err
}

// isFailure tells service failures from domain answers. A request the client
// abandoned is neither: it must not open the breaker.
func isFailure(err error) bool {
	var sold *store.SeatsSoldError
	var conflict *lease.ConflictError
	var code *store.CodeError
	switch {
	case errors.Is(err, context.Canceled),
		errors.Is(err, store.ErrNotFound),
		errors.Is(err, store.ErrDuplicate),
		errors.Is(err, store.ErrIdempotencyKey),
		errors.Is(err, store.ErrConflict),
		errors.Is(err, store.ErrExceedsPaid),
		errors.As(err, &code),
		errors.As(err, &sold),
		errors.Is(err, lease.ErrNotFound),
		errors.As(err, &conflict):
		return false
	}
	return true
}
