package engine

import (
	"errors"
	"fmt"
)

var (
	// ErrNotFound: no live hold has the token (it never existed, was released,
	// confirmed, or expired).
	ErrNotFound = errors.New("hold not found or expired")
	// ErrNotOwner: the hold belongs to another session.
	ErrNotOwner = errors.New("hold belongs to another session")
	// ErrPinned: the hold is being confirmed and cannot be released or pinned again.
	ErrPinned = errors.New("hold is being confirmed")
	// ErrTokenInUse: a live hold already has this token.
	ErrTokenInUse = errors.New("hold token already in use")
	// ErrNoSeats: best-available found no block of seats that fits.
	ErrNoSeats = errors.New("not enough seats available together")
	// ErrEmpty: a hold must name at least one seat.
	ErrEmpty = errors.New("no seats requested")
	// ErrTooMany: more seats than one hold may take.
	ErrTooMany = errors.New("too many seats for one hold")
	// ErrPast: the requested deadline is not in the future.
	ErrPast = errors.New("deadline is not in the future")
	// ErrUnknownZone: the zone index is out of range.
	ErrUnknownZone = errors.New("unknown zone")
)

// SeatError names a seat index that is out of range or listed twice in one request.
type SeatError struct {
	Seat   uint32
	Reason string
}

func (e *SeatError) Error() string { return fmt.Sprintf("seat %d: %s", e.Seat, e.Reason) }

// TakenError lists the requested seats that are not available to the holder: held,
// sold, blocked or in a channel the holder may not sell. Nothing was changed.
type TakenError struct {
	Seats []uint32
}

func (e *TakenError) Error() string { return fmt.Sprintf("%d seat(s) not available", len(e.Seats)) }
