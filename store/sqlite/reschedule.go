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

// Reschedule to a replacement date (issue 16, seed 003): the reschedule's
// row and each order's move, one transaction a move.

// notMovedOrder leaves out of the sales report an order moved to a
// replacement date as paid (issue 16): its sale is the original's, counted
// there. A reservation kept there is the replacement's sale once paid.
const notMovedOrder = `NOT EXISTS (SELECT 1 FROM order_moves mv WHERE mv.new_order_id = o.id AND mv.kind = 'paid')`

const (
	rescheduleColumns = `origin_id, replacement_id, job_id, starts_at, reservations, origin_status, set_up, created_at`
	insertReschedule  = `INSERT INTO reschedules (` + rescheduleColumns + `) VALUES ($1, $2, $3, $4, $5, $6, 0, $7)
ON CONFLICT (origin_id) DO NOTHING`
	selectReschedule = `SELECT ` + rescheduleColumns + ` FROM reschedules WHERE origin_id = $1 OR replacement_id = $1
ORDER BY (origin_id = $1) DESC LIMIT 1`
	markSetUp = `UPDATE reschedules SET set_up = 1 WHERE origin_id = $1`

	moveColumns = `origin_order_id, origin_id, replacement_id, kind, coalesce(new_order_id, ''), seats, printed, created_at, updated_at`
	upsertMove  = `INSERT INTO order_moves (origin_order_id, origin_id, replacement_id, kind, new_order_id, seats, printed, created_at, updated_at)
VALUES ($1, $2, $3, $4, NULLIF($5, ''), $6, $7, $8, $8)
ON CONFLICT (origin_order_id) DO UPDATE SET kind = excluded.kind, new_order_id = excluded.new_order_id, updated_at = excluded.updated_at
WHERE order_moves.kind = 'pending' AND excluded.kind <> 'pending'`
	selectMoves     = `SELECT ` + moveColumns + ` FROM order_moves WHERE origin_id = $1 ORDER BY created_at, origin_order_id`
	selectMove      = `SELECT ` + moveColumns + ` FROM order_moves WHERE origin_order_id = $1`
	movedOrderNotes = `UPDATE orders SET discount = $2, voucher_code = $3, refunded = $4, notes = $5 WHERE id = $1`
	addOrderNote    = `UPDATE orders SET notes = CASE WHEN notes = '' THEN $2 ELSE notes || char(10) || $2 END, updated_at = $3
WHERE id = $1 RETURNING status`
)

func scanReschedule(r scanner) (catalog.Reschedule, error) {
	var x catalog.Reschedule
	var starts, created int64
	err := r.Scan(&x.OriginID, &x.ReplacementID, &x.JobID, &starts, &x.Reservations, &x.OriginStatus, &x.SetUp, &created)
	x.StartsAt, x.CreatedAt = fromMicros(starts), fromMicros(created)
	return x, err
}

// CreateReschedule stores a reschedule unless the performance has one, and
// returns the stored one; created says whether it is r. ErrNotFound without
// the performance.
func (s *Store) CreateReschedule(ctx context.Context, r catalog.Reschedule) (catalog.Reschedule, bool, error) {
	var out catalog.Reschedule
	var created bool
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, insertReschedule, r.OriginID, r.ReplacementID, r.JobID, micros(r.StartsAt),
			r.Reservations, r.OriginStatus, micros(s.now()))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		created = n == 1
		out, err = scanReschedule(tx.QueryRowContext(ctx, selectReschedule, r.OriginID))
		return err
	})
	if isMissingParent(err) {
		return catalog.Reschedule{}, false, fmt.Errorf("create reschedule: performance %s: %w", r.OriginID, store.ErrNotFound)
	}
	if err != nil {
		return catalog.Reschedule{}, false, fmt.Errorf("create reschedule of %s: %w", r.OriginID, err)
	}
	return out, created, nil
}

// GetReschedule returns the reschedule of a performance, as its original or
// its replacement; ErrNotFound if none.
func (s *Store) GetReschedule(ctx context.Context, performanceID string) (catalog.Reschedule, error) {
	x, err := scanReschedule(s.r.QueryRowContext(ctx, selectReschedule, performanceID))
	if errors.Is(err, sql.ErrNoRows) {
		return catalog.Reschedule{}, fmt.Errorf("reschedule of %s: %w", performanceID, store.ErrNotFound)
	}
	if err != nil {
		return catalog.Reschedule{}, fmt.Errorf("reschedule of %s: %w", performanceID, err)
	}
	return x, nil
}

// MarkRescheduleSetUp records that the replacement is set up.
func (s *Store) MarkRescheduleSetUp(ctx context.Context, originID string) error {
	if _, err := s.w.ExecContext(ctx, markSetUp, originID); err != nil {
		return fmt.Errorf("reschedule of %s: %w", originID, err)
	}
	return nil
}

func scanMove(r scanner) (order.Move, error) {
	var m order.Move
	var created, updated int64
	err := r.Scan(&m.OriginOrderID, &m.OriginID, &m.ReplacementID, &m.Kind, &m.NewOrderID, &m.Seats, &m.Printed, &created, &updated)
	m.CreatedAt, m.UpdatedAt = fromMicros(created), fromMicros(updated)
	return m, err
}

// OrderMoves lists the moves of a performance's orders, oldest first.
func (s *Store) OrderMoves(ctx context.Context, originID string) ([]order.Move, error) {
	rows, err := s.r.QueryContext(ctx, selectMoves, originID)
	if err != nil {
		return nil, fmt.Errorf("moves of %s: %w", originID, err)
	}
	defer rows.Close()
	var out []order.Move
	for rows.Next() {
		m, err := scanMove(rows)
		if err != nil {
			return nil, fmt.Errorf("moves of %s: %w", originID, err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("moves of %s: %w", originID, err)
	}
	return out, nil
}

// GetOrderMove returns the move of an original order; ErrNotFound if none.
func (s *Store) GetOrderMove(ctx context.Context, originOrderID string) (order.Move, error) {
	m, err := scanMove(s.r.QueryRowContext(ctx, selectMove, originOrderID))
	if errors.Is(err, sql.ErrNoRows) {
		return order.Move{}, fmt.Errorf("move of %s: %w", originOrderID, store.ErrNotFound)
	}
	if err != nil {
		return order.Move{}, fmt.Errorf("move of %s: %w", originOrderID, err)
	}
	return m, nil
}

// errMoved ends a move's transaction when the order was moved before.
var errMoved = errors.New("order moved already")

// MoveOrder writes one order's move in one transaction (see the Postgres
// adapter): the move's row, keyed by the original order, the new order, both
// orders' notes and history, the replacement's blocks.
func (s *Store) MoveOrder(ctx context.Context, m order.Move) (order.Move, bool, error) {
	at := s.now()
	var no order.Order
	if m.NewOrder != nil {
		no = *m.NewOrder
		order.Issue(&no)
		no.CreatedAt, no.UpdatedAt = at, at
		if no.Channel == "" {
			no.Channel = "web"
		}
		m.NewOrderID = no.ID
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, upsertMove, m.OriginOrderID, m.OriginID, m.ReplacementID, m.Kind, m.NewOrderID,
			m.Seats, m.Printed, micros(at))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return errMoved
		}
		if m.NewOrder != nil {
			st, err := prepareOrderStmts(ctx, tx)
			if err != nil {
				return err
			}
			defer st.close()
			written := no
			written.VoucherCode, written.Discount = "", 0 // the code was redeemed by the original
			if err := insertOrderRows(ctx, tx, st, written); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, movedOrderNotes, no.ID, no.Discount, no.VoucherCode, no.Refunded, no.Notes); err != nil {
				return err
			}
		}
		var status string
		if err := tx.QueryRowContext(ctx, addOrderNote, m.OriginOrderID, m.OriginNote, micros(at)).Scan(&status); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return store.ErrNotFound
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, insertEvent, m.OriginOrderID, micros(at), order.ActionRescheduled, m.Actor, "", status, m.OriginNote); err != nil {
			return err
		}
		if len(m.Clear) > 0 {
			if _, err := tx.ExecContext(ctx, deleteBlocks, m.ReplacementID, seatArray(m.Clear)); err != nil {
				return err
			}
		}
		if len(m.Block) > 0 {
			if _, err := tx.ExecContext(ctx, upsertBlocks, m.ReplacementID, seatArray(m.Block), m.BlockReason); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, errMoved) {
		stored, err := s.GetOrderMove(ctx, m.OriginOrderID)
		return stored, false, err
	}
	if err != nil {
		return order.Move{}, false, fmt.Errorf("move order %s: %w", m.OriginOrderID, err)
	}
	m.CreatedAt, m.UpdatedAt = at, at
	if m.NewOrder != nil {
		*m.NewOrder = no
	}
	return m, true, nil
}
