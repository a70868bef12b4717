package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/store"
)

const (
	// A replace job restarts the performance's one replace job unless it
	// runs: no row comes back then.
	upsertReplaceJob = `INSERT INTO jobs (` + jobColumns + `) VALUES (?1, ?2, ?3, 'running', 0, 0, 0, ?4, '', ?5, ?6, ?6)
ON CONFLICT (kind, performance_id) DO UPDATE SET state = 'running', done = 0, total = 0, failed = 0, error = '',
  reason = excluded.reason, created_by = excluded.created_by, updated_at = excluded.updated_at
WHERE jobs.state <> 'running'
RETURNING ` + jobColumns
	// The performance changes only from the values the caller read.
	replacePerformance = `UPDATE performances SET name = ?2, starts_at = ?3
WHERE id = ?1 AND name = ?4 AND starts_at = ?5 AND status <> 'cancelled'`
	replacementColumns = `id, performance_id, old_name, new_name, old_starts_at, new_starts_at, refund_deadline, created_by, created_at`
	insertReplacement  = `INSERT INTO replacements (` + replacementColumns + `) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)`
	latestReplacement  = `SELECT ` + replacementColumns + ` FROM replacements WHERE performance_id = ?1
ORDER BY created_at DESC, id DESC LIMIT 1`
	insertNotified = `INSERT INTO replacement_orders (replacement_id, order_id, notified_at) VALUES (?1, ?2, ?3)
ON CONFLICT (replacement_id, order_id) DO NOTHING`
	// The first choice stands, but "attend" may become "refund".
	upsertChoice = `INSERT INTO replacement_orders (replacement_id, order_id, choice, chosen_at) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (replacement_id, order_id) DO UPDATE SET choice = excluded.choice, chosen_at = excluded.chosen_at
WHERE replacement_orders.choice IS NULL OR (replacement_orders.choice = 'attend' AND excluded.choice = 'refund')`
	selectChoice = `SELECT replacement_id, order_id, COALESCE(choice, ''), notified_at, chosen_at FROM replacement_orders
WHERE replacement_id = ?1 AND order_id = ?2`
	countChoices = `SELECT count(notified_at), COALESCE(sum(choice = 'attend'), 0), COALESCE(sum(choice = 'refund'), 0)
FROM replacement_orders WHERE replacement_id = ?1`
)

// ReplacePerformance changes a performance's name and start from the values
// r names as old ones, records r and (re)starts the performance's replace
// job j, in one transaction. A performance changed since, or cancelled, is
// ErrConflict; a replace job still running is ErrDuplicate; neither changes
// anything.
func (s *Store) ReplacePerformance(ctx context.Context, r catalog.Replacement, j catalog.Job) (catalog.Job, error) {
	var out catalog.Job
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, replacePerformance, r.PerformanceID, r.NewName, micros(r.NewStartsAt), r.OldName, micros(r.OldStartsAt))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			var exists bool
			if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM performances WHERE id = ?1)`, r.PerformanceID).Scan(&exists); err != nil {
				return err
			}
			if !exists {
				return store.ErrNotFound
			}
			return store.ErrConflict
		}
		out, err = scanJob(tx.QueryRowContext(ctx, upsertReplaceJob, j.ID, catalog.JobReplace, r.PerformanceID, r.ID, j.CreatedBy, micros(r.CreatedAt)))
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrDuplicate
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, insertReplacement, r.ID, r.PerformanceID, r.OldName, r.NewName, micros(r.OldStartsAt),
			micros(r.NewStartsAt), nullMicros(r.RefundDeadline), r.CreatedBy, micros(r.CreatedAt))
		return err
	})
	if err != nil {
		return catalog.Job{}, fmt.Errorf("replace performance %s: %w", r.PerformanceID, err)
	}
	return out, nil
}

func scanReplacement(row scanner) (catalog.Replacement, error) {
	var r catalog.Replacement
	var oldAt, newAt, created int64
	var deadline sql.NullInt64
	err := row.Scan(&r.ID, &r.PerformanceID, &r.OldName, &r.NewName, &oldAt, &newAt, &deadline, &r.CreatedBy, &created)
	r.OldStartsAt, r.NewStartsAt, r.CreatedAt = fromMicros(oldAt), fromMicros(newAt), fromMicros(created)
	if deadline.Valid {
		r.RefundDeadline = fromMicros(deadline.Int64)
	}
	return r, err
}

// LatestReplacement returns a performance's last replacement, or ErrNotFound.
func (s *Store) LatestReplacement(ctx context.Context, performanceID string) (catalog.Replacement, error) {
	r, err := scanReplacement(s.r.QueryRowContext(ctx, latestReplacement, performanceID))
	switch {
	case errors.Is(err, sql.ErrNoRows):
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
	err := s.tx(ctx, func(tx *sql.Tx) error {
		at := s.now()
		res, err := tx.ExecContext(ctx, insertNotified, replacementID, orderID, micros(at))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		told = true
		if _, err := tx.ExecContext(ctx, insertEventAsIs, orderID, micros(at), order.ActionReplacementOffered, c.Actor, c.Reason, replacementID); err != nil {
			return err
		}
		return notify(ctx, tx, orderID, at, c)
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
	err := s.tx(ctx, func(tx *sql.Tx) error {
		at := s.now()
		res, err := tx.ExecContext(ctx, upsertChoice, replacementID, orderID, choice, micros(at))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 1 {
			if _, err := tx.ExecContext(ctx, insertEventAsIs, orderID, micros(at), order.ActionReplacementChosen, actor, "", choice); err != nil {
				return err
			}
		}
		out, err = scanChoice(tx.QueryRowContext(ctx, selectChoice, replacementID, orderID))
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

func scanChoice(row scanner) (catalog.ReplacementChoice, error) {
	var c catalog.ReplacementChoice
	var notified, chosen sql.NullInt64
	err := row.Scan(&c.ReplacementID, &c.OrderID, &c.Choice, &notified, &chosen)
	if notified.Valid {
		c.NotifiedAt = fromMicros(notified.Int64)
	}
	if chosen.Valid {
		c.ChosenAt = fromMicros(chosen.Int64)
	}
	return c, err
}

// ReplacementChoice returns what an order's buyer was told and chose, or
// ErrNotFound.
func (s *Store) ReplacementChoice(ctx context.Context, replacementID, orderID string) (catalog.ReplacementChoice, error) {
	c, err := scanChoice(s.r.QueryRowContext(ctx, selectChoice, replacementID, orderID))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return c, fmt.Errorf("choice of order %s: %w", orderID, store.ErrNotFound)
	case err != nil:
		return c, fmt.Errorf("choice of order %s: %w", orderID, err)
	}
	return c, nil
}

// ReplacementCounts counts a replacement's buyers told and their choices.
func (s *Store) ReplacementCounts(ctx context.Context, replacementID string) (catalog.ReplacementCounts, error) {
	var c catalog.ReplacementCounts
	if err := s.r.QueryRowContext(ctx, countChoices, replacementID).Scan(&c.Notified, &c.Attend, &c.Refund); err != nil {
		return c, fmt.Errorf("counts of %s: %w", replacementID, err)
	}
	return c, nil
}
