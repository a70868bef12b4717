package seating

import (
	"errors"
	"fmt"
	"strings"

	"github.com/seatmap/seatmap/engine"
	"github.com/seatmap/seatmap/input"
)

var (
	// ErrNotOnSale: the performance does not take new holds (draft or stopped).
	ErrNotOnSale = errors.New("performance is not on sale")
	// ErrCancelled: the performance is cancelled (issue 16): no hold is made
	// or sold, no reservation paid, and sales do not start again.
	ErrCancelled = errors.New("performance is cancelled")
	// ErrPerformanceNotFound wraps store.ErrNotFound for performances.
	ErrPerformanceNotFound = errors.New("performance not found")
	// ErrHallNotFound wraps store.ErrNotFound for halls.
	ErrHallNotFound = errors.New("hall not found")
	// ErrHoldLifetime: the hold may not be extended past its maximum lifetime.
	ErrHoldLifetime = errors.New("hold has reached its maximum lifetime")
	// ErrReserved: the hold belongs to a reservation; pay, extend or annul its order.
	ErrReserved = errors.New("hold belongs to a reservation; change it through its order")
	// ErrNotOwner: several nodes (issue 18) and another node owns the
	// performance's shard, or none does just now. The request may be
	// retried: it will be forwarded to the owner.
	ErrNotOwner = errors.New("another node serves this performance")
)

// IsNotFound reports whether err means the performance does not exist.
func IsNotFound(err error) bool { return errors.Is(err, ErrPerformanceNotFound) }

// UnknownSeatsError lists seat ids that the performance's hall does not have.
type UnknownSeatsError struct {
	IDs []string
}

func (e *UnknownSeatsError) Error() string {
	return fmt.Sprintf("unknown seat id(s): %s", strings.Join(e.IDs, ", "))
}

// TakenError lists requested seats that are held, sold, blocked or not for sale
// to the caller. Nothing was changed.
type TakenError struct {
	Seats []string
}

func (e *TakenError) Error() string {
	return fmt.Sprintf("seat(s) not available: %s", strings.Join(e.Seats, ", "))
}

// publicError turns engine errors that carry seat indices into errors that carry
// the seats' public ids.
func (p *Perf) publicError(err error) error {
	var taken *engine.TakenError
	if errors.As(err, &taken) {
		return &TakenError{Seats: p.ids(taken.Seats)}
	}
	var se *engine.SeatError
	if errors.As(err, &se) && int(se.Seat) < p.hall.N() {
		return &input.Error{Field: "seats", Reason: fmt.Sprintf("seat %q is %s", p.hall.Seats[se.Seat].ID, se.Reason)}
	}
	return err
}

func (p *Perf) ids(seats []uint32) []string {
	out := make([]string, len(seats))
	for i, seat := range seats {
		out[i] = p.hall.Seats[seat].ID
	}
	return out
}
