package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/store"
)

const (
	// A replace job restarts the performance's one replace job unless it
	// runs: no row comes back then.
	upsertReplaceJob = `INSERT INTO jobs (` + jobColumns + `) VALUES ($1, $2, $3, 'running', 0, 0, 0, $4, '', $5, $6, $6)
ON CONFLICT (kind, performance_id) DO UPDATE SET state = 'running', done = 0, total = 0, failed = 0, error = '',
  reason = EXCLUDED.reason, created_by = EXCLUDED.created_by, updated_at = EXCLUDED.updated_at
WHERE jobs.state <> 'running'
RETURNING ` + jobColumns
	// The performance changes only from the values the caller read.
	replacePerformance = `UPDATE performances SET name = $2, starts_at = $3
WHERE id = $1 AND name = $4 AND starts_at = $5 AND status <> 'cancelled'`
	replacementColumns = `id, performance_id, old_name, new_name, old_starts_at, new_starts_at, refund_deadline, created_by, created_at`
	insertReplacement  = `INSERT INTO replacements (` + replacementColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`
	latestReplacement  = `SELECT ` + replacementColumns + ` FROM replacements WHERE performance_id = $1
ORDER BY created_at DESC, id DESC LIMIT 1`
	insertNotified = `INSERT INTO replacement_orders (replacement_id, order_id, notified_at) VALUES ($1, $2, $3)
ON CONFLICT (replacement_id, order_id) DO NOTHING`
	// The first choice stands, but "attend" may become "refund".
	upsertChoice = `INSERT INTO replacement_orders (replacement_id, order_id, choice, chosen_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (replacement_id, order_id) DO UPDATE SET choice = EXCLUDED.choice, chosen_at = EXCLUDED.chosen_at
WHERE replacement_orders.choice IS NULL OR (replacement_orders.choice = 'attend' AND EXCLUDED.choice = 'refund')`
	selectChoice = `SELECT replacement_id, order_id, COALESCE(choice, ''), notified_at, chosen_at FROM replacement_orders
WHERE replacement_id = $1 AND order_id = $2`
	countChoices = `SELECT count(notified_at), count(*) FILTER (WHERE choice = 'attend'), count(*) FILTER (WHERE choice = 'refund')
FROM replacement_orders WHERE replacement_id = $1`
)

// ReplacePerformance changes a performance's name and start from the values
// r names as old ones, records r and (re)starts the performance's replace
// job j, in one transaction. A performance changed since, or cancelled, is
// ErrConflict; a replace job still running is ErrDuplicate; neither changes
// anything.
func (s *Store) ReplacePerformance(ctx context.Context, r catalog.Replacement, j catalog.Job) (catalog.Job, error) {
	var out catalog.Job
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, replacePerformance, r.PerformanceID, r.NewName, r.NewStartsAt, r.OldName, r.OldStartsAt)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			var exists bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM performances WHERE id = $1)`, r.PerformanceID).Scan(&exists); err != nil {
				return err
			}
			if !exists {
				return store.ErrNotFound
			}
			return store.ErrConflict
		}
		out, err = scanJob(tx.QueryRow(ctx, upsertReplaceJob, j.ID, catalog.JobReplace, r.PerformanceID, r.ID, j.CreatedBy, r.CreatedAt))
		if errors.Is(err, pgx.ErrNoRows) {
			return store.ErrDuplicate
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, insertReplacement, r.ID, r.PerformanceID, r.OldName, r.NewName, r.OldStartsAt, r.NewStartsAt,
			nullTime(r.RefundDeadline), r.CreatedBy, r.CreatedAt)
		return err
	})
	if err != nil {
		return catalog.Job{}, fmt.Errorf("replace performance %s: %w", r.PerformanceID, err)
	}
	return out, nil
}

func scanReplacement(row pgx.Row) (catalog.Replacement, error) {
	var r catalog.Replacement
	var deadline *time.Time
	err := row.Scan(&r.ID, &r.PerformanceID, &r.OldName, &r.NewName, &r.OldStartsAt, &r.NewStartsAt, &deadline, &r.CreatedBy, &r.CreatedAt)
	r.OldStartsAt, r.NewStartsAt, r.CreatedAt = r.OldStartsAt.UTC(), r.NewStartsAt.UTC(), r.CreatedAt.UTC()
	if deadline != nil {
		r.RefundDeadline = deadline.UTC()
	}
	return r, err
}

// LatestReplacement returns a performance's last replacement, or ErrNotFound.
func (s *Store) LatestReplacement(ctx context.Context, performanceID string) (catalog.Replacement, error) {
	r, err := scanReplacement(s.pool.QueryRow(ctx, latestReplacement, performanceID))
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return r, fmt.Errorf("replacement of %s: %w", performanceID, store.ErrNotFound)
	case err != nil:
		return r, fmt.Errorf("replacement of %s: %w", performanceID, err)
	}
	return r, nil
}

// NotifyReplacement records that an order's buyer is told of a replacement,
// with the order's history event and c's e-mail, once: false when told
// before (nothing written).
func (s *Store) NotifyReplacement(ctx context.Context, replacementID, orderID string, c order.Change) (bool, error) {
	var told bool
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		at := s.now()
		tag, err := tx.Exec(ctx, insertNotified, replacementID, orderID, at)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		told = true
		o, err := scanOrder(tx.QueryRow(ctx, selectOrder, orderID))
		if err != nil {
			return err
		}
		return record(ctx, tx, o, at, order.ActionReplacementOffered, replacementID, c)
	})
	switch {
	case isMissingParent(err):
		return false, fmt.Errorf("notify order %s of %s: %w", orderID, replacementID, store.ErrNotFound)
	case err != nil:
		return false, fmt.Errorf("notify order %s of %s: %w", orderID, replacementID, err)
	}
	return told, nil
}

// ChooseReplacement records a buyer's choice: the first stands, except that
// "attend" may become "refund". It returns the choice stored afterwards; a
// change is written to the order's history.
func (s *Store) ChooseReplacement(ctx context.Context, replacementID, orderID, choice, actor string) (catalog.ReplacementChoice, error) {
	var out catalog.ReplacementChoice
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		at := s.now()
		tag, err := tx.Exec(ctx, upsertChoice, replacementID, orderID, choice, at)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 1 {
			o, err := scanOrder(tx.QueryRow(ctx, selectOrder, orderID))
			if err != nil {
				return err
			}
			if err := record(ctx, tx, o, at, order.ActionReplacementChosen, choice, order.Change{Actor: actor}); err != nil {
				return err
			}
		}
		out, err = scanChoice(tx.QueryRow(ctx, selectChoice, replacementID, orderID))
		return err
	})
	switch {
	case isMissingParent(err):
		return out, fmt.Errorf("choice of order %s: %w", orderID, store.ErrNotFound)
	case err != nil:
		return out, fmt.Errorf("choice of order %s: %w", orderID, err)
	}
	return out, nil
}

func scanChoice(row pgx.Row) (catalog.ReplacementChoice, error) {
	var c catalog.ReplacementChoice
	var notified, chosen *time.Time
	err := row.Scan(&c.ReplacementID, &c.OrderID, &c.Choice, &notified, &chosen)
	if notified != nil {
		c.NotifiedAt = notified.UTC()
	}
	if chosen != nil {
		c.ChosenAt = chosen.UTC()
	}
	return c, err
}

// ReplacementChoice returns what an order's buyer was told and chose, or
// ErrNotFound.
func (s *Store) ReplacementChoice(ctx context.Context, replacementID, orderID string) (catalog.ReplacementChoice, error) {
	c, err := scanChoice(s.pool.QueryRow(ctx, selectChoice, replacementID, orderID))
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return c, fmt.Errorf("choice of order %s: %w", orderID, store.ErrNotFound)
	case err != nil:
		return c, fmt.Errorf("choice of order %s: %w", orderID, err)
	}
	return c, nil
}

// ReplacementCounts counts a replacement's buyers told and their choices.
func (s *Store) ReplacementCounts(ctx context.Context, replacementID string) (catalog.ReplacementCounts, error) {
	var c catalog.ReplacementCounts
	if err := s.pool.QueryRow(ctx, countChoices, replacementID).Scan(&c.Notified, &c.Attend, &c.Refund); err != nil {
		return c, fmt.Errorf("counts of %s: %w", replacementID, err)
	}
	return c, nil
}
