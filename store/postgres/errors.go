package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/seatmap/seatmap/store"
)

// Classify marks the errors that mean Postgres could not be used with
// store.ErrUnavailable, and values it refused as data with store.ErrInvalid.
// Everything else (a constraint the adapter did not translate, a scan into
// the wrong type) is neither: a bug to see, not an outage to wait out.
func (s *Store) Classify(err error) error { return classify(err) }

func classify(err error) error {
	switch {
	case err == nil, errors.Is(err, store.ErrUnavailable), errors.Is(err, store.ErrInvalid):
		return err
	case unavailable(err):
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	case refusedValue(err):
		return fmt.Errorf("%w: %w", store.ErrInvalid, err)
	}
	return err
}

// unavailable: the server said it cannot serve (connection exceptions,
// shutdown, out of resources, a statement cut by its timeout), or it never
// answered (the line is cut, refused or timed out).
func unavailable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case strings.HasPrefix(pe.Code, "08"), // connection exception
			strings.HasPrefix(pe.Code, "53"),                           // insufficient resources: disk, memory, connections
			strings.HasPrefix(pe.Code, "58"),                           // system error: I/O
			pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03", // shutting down, starting up
			pe.Code == "57014": // query canceled: statement_timeout
			return true
		}
		return false
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	switch {
	case errors.As(err, &ce), errors.As(err, &ne),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, context.DeadlineExceeded),
		pgconn.Timeout(err),
		// Nothing was sent: the connection was closed or lost before.
		pgconn.SafeToRetry(err):
		return true
	}
	return false
}

// refusedValue: the server refused a value as data (class 22: bytes that are
// not UTF-8 or contain NUL, a number, date or text out of range) or as too
// large for it (class 54, e.g. an index row too big).
func refusedValue(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (strings.HasPrefix(pe.Code, "22") || strings.HasPrefix(pe.Code, "54"))
}
