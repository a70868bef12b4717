package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/seatmap/seatmap/internal/fence"
)

// Fencing (issue 18, migration 0020). A write that carries an owner's token
// on its context (fence.With) runs seatmap_fence first, in its own
// transaction; the function fails with codeFenced unless the token is the
// performance's current one.

const (
	codeFenced  = "SMF01"
	checkFence  = `SELECT seatmap_fence($1, $2)`
	upsertFence = `INSERT INTO performance_fences (performance_id, token, node, taken_at)
VALUES ($1, $2, $3, now())
ON CONFLICT (performance_id) DO UPDATE SET token = EXCLUDED.token, node = EXCLUDED.node, taken_at = EXCLUDED.taken_at
WHERE performance_fences.token < EXCLUDED.token`
	selectFence = `SELECT token FROM performance_fences WHERE performance_id = $1`
)

// AdvanceFence makes token the performance's current one, for node, which has
// just taken the performance over. It waits for the writes of the former
// owner that are under way (they hold the row FOR SHARE) and is refused with
// fence.ErrStale when a newer token is stored already.
func (s *Store) AdvanceFence(ctx context.Context, perf string, token uint64, node string) error {
	if token == 0 || token > 1<<62 {
		return fmt.Errorf("advance fence of %s: token %d out of range", perf, token)
	}
	tag, err := s.pool.Exec(ctx, upsertFence, perf, int64(token), node)
	if err != nil {
		return fmt.Errorf("advance fence of %s: %w", perf, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("advance fence of %s to %d: %w", perf, token, fence.ErrStale)
	}
	return nil
}

// Fence returns the performance's current token, 0 when it never had an
// owner.
func (s *Store) Fence(ctx context.Context, perf string) (uint64, error) {
	var tok int64
	err := s.pool.QueryRow(ctx, selectFence, perf).Scan(&tok)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("fence of %s: %w", perf, err)
	}
	return uint64(tok), nil
}

// fenced translates seatmap_fence's refusal into fence.ErrStale.
func fenced(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == codeFenced {
		return fmt.Errorf("%w: %s", fence.ErrStale, pe.Message)
	}
	return err
}

// fencedExec runs one statement about performance perf: as it is when ctx
// carries no token of perf, else in a transaction behind seatmap_fence.
func (s *Store) fencedExec(ctx context.Context, perf, query string, args ...any) (pgconn.CommandTag, error) {
	tok, ok := fence.From(ctx, perf)
	if !ok {
		return s.pool.Exec(ctx, query, args...)
	}
	var tag pgconn.CommandTag
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, checkFence, perf, int64(tok)); err != nil {
			return err
		}
		var err error
		tag, err = tx.Exec(ctx, query, args...)
		return err
	})
	return tag, fenced(err)
}
