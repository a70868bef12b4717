package redis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"

	goredis "github.com/redis/go-redis/v9"

	"github.com/seatmap/seatmap/lease"
)

// Classify marks the errors that mean Redis could not be used with
// lease.ErrUnavailable. Everything else (a refused lease, a script error) is
// not an outage.
func (s *Store) Classify(err error) error {
	if err == nil || errors.Is(err, lease.ErrUnavailable) || !unavailable(err) {
		return err
	}
	return fmt.Errorf("%w: %w", lease.ErrUnavailable, err)
}

// unavailable: Redis never answered (the line is cut, refused or timed out,
// the client's pool is exhausted or closed), or it answered that it cannot
// serve now (loading its data, busy with a script, a replica without its
// master, out of memory, unable to persist, a cluster that is down).
func unavailable(err error) bool {
	var ne net.Error
	switch {
	case errors.As(err, &ne),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, goredis.ErrClosed), errors.Is(err, goredis.ErrPoolTimeout), errors.Is(err, goredis.ErrPoolExhausted),
		goredis.IsLoadingError(err), goredis.IsMasterDownError(err), goredis.IsClusterDownError(err),
		goredis.IsTryAgainError(err), goredis.IsReadOnlyError(err), goredis.IsMaxClientsError(err),
		goredis.IsOOMError(err), goredis.IsNoReplicasError(err),
		goredis.HasErrorPrefix(err, "BUSY "), goredis.HasErrorPrefix(err, "MISCONF "):
		return true
	}
	return false
}
