package store

import (
	"errors"
)

var (
	// ErrNotFound is returned when the requested row does not exist.
	ErrNotFound = errors.New("not found")
	// ErrDuplicate is returned when an id or order number is already taken.
	ErrDuplicate = errors.New("already exists")
	// ErrConflict is returned when a row is not in the state a change needs (an
	// order that is no longer reserved, say). Nothing was written.
	ErrConflict = errors.New("not in the required state")
	// ErrUnavailable marks an error that says the database could not be used
	// at all: unreachable, the connection lost, out of time, shutting down or
	// out of resources. Only such errors are outages: circuit breakers count
	// them and nothing else. Classify adds the mark.
	ErrUnavailable = errors.New("store unavailable")
	// ErrInvalid marks a value the database refused as data (bytes that are
	// not UTF-8 text, a number or a date out of its range): the request's
	// fault, never an outage. Classify adds the mark.
	ErrInvalid = errors.New("value refused by the store")
)
