package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/seatmap/seatmap/store"
)

// TEMPORARY: replaced by the real implementations in this change.
var errTODO = errors.New("not implemented yet")

func (s *Store) ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.Message, error) {
	return nil, errTODO
}
func (s *Store) MarkSent(ctx context.Context, id string, at time.Time) error { return errTODO }
func (s *Store) MarkFailed(ctx context.Context, id, reason string, retry time.Time) error {
	return errTODO
}
func (s *Store) OrderMessages(ctx context.Context, orderID string) ([]store.Message, error) {
	return nil, errTODO
}
