package lease

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrNotFound is returned when a lease does not exist or has expired.
var ErrNotFound = errors.New("lease not found")

// ErrInvalid wraps refusals of bad input (no seats, a past deadline…): the
// caller's mistake, not a failure of the lease store.
var ErrInvalid = errors.New("invalid lease")

// ErrUnavailable marks an error that says the lease store could not be used
// at all: unreachable, the connection lost, out of time, loading, shutting
// down or out of memory. Only such errors are outages: circuit breakers count
// them and nothing else. Classify adds the mark.
var ErrUnavailable = errors.New("lease store unavailable")

// ConflictError says that seats are leased to another token. Nothing was written.
type ConflictError struct {
	Seats []uint32 // ascending
	// Tokens names the lease on each seat: Tokens[i] holds Seats[i]. A caller
	// that knows a token is no live hold (a lease write that landed after the
	// caller had given up on it) may release that lease and try again.
	Tokens []string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%d seat(s) leased by another hold", len(e.Seats))
}

// Lease is a hold on seats of one performance until Expires.
type Lease struct {
	Performance string
	Token       string
	Owner       string // buyer session or staff user that made the hold
	Seats       []uint32
	Expires     time.Time
}

// Store keeps leases. Implementations are safe for concurrent use.
type Store interface {
	// Acquire takes every seat of l or none. Seats held by an expired lease count as
	// free. Acquiring again with the same token replaces that token's lease.
	Acquire(ctx context.Context, l Lease) error
	// Extend moves a live lease's deadline; ErrNotFound if it is gone or expired.
	Extend(ctx context.Context, performance, token string, expires time.Time) error
	// Release drops a lease and frees its seats. Releasing a missing lease is not an error.
	Release(ctx context.Context, performance, token string) error
	// List returns the live leases of a performance, in no particular order.
	List(ctx context.Context, performance string) ([]Lease, error)
	Ping(ctx context.Context) error
	// Classify marks an error this store returned with ErrUnavailable when it
	// is one (errors.Is finds the mark, and the driver's error too); any
	// other error comes back as it is.
	Classify(err error) error
}
