package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/store"
)

const (
	refundColumns     = `id, order_id, amount, seats, passes, reason, method, actor, idempotency_key, created_at`
	insertRefund      = `INSERT INTO refunds (` + refundColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`
	selectRefundByKey = `SELECT ` + refundColumns + ` FROM refunds WHERE order_id = $1 AND idempotency_key = $2`
	selectRefunds     = `SELECT ` + refundColumns + ` FROM refunds WHERE order_id = $1 ORDER BY created_at, rowid`
	selectTickets     = `SELECT seat_index, seat_id, zone, price, status, id, code, printed_at, fare, fare_name FROM tickets WHERE order_id = $1 ORDER BY seat_index`
	refundTickets     = `UPDATE tickets SET status = 'refunded'
WHERE order_id = $1 AND status = 'live' AND seat_index IN (SELECT value FROM json_each($2))`
	setRefunded = `UPDATE orders SET refunded = $2, status = $3, updated_at = $4 WHERE id = $1`
)

func scanRefund(row scanner) (order.Refund, error) {
	var rf order.Refund
	var seats, passes string
	var created int64
	err := row.Scan(&rf.ID, &rf.OrderID, &rf.Amount, &seats, &passes, &rf.Reason, &rf.Method, &rf.Actor, &rf.IdempotencyKey, &created)
	if err != nil {
		return order.Refund{}, err
	}
	if err := json.Unmarshal([]byte(seats), &rf.Seats); err != nil {
		return order.Refund{}, fmt.Errorf("refund %s: seats: %w", rf.ID, err)
	}
	if len(rf.Seats) == 0 {
		rf.Seats = nil
	}
	if err := json.Unmarshal([]byte(passes), &rf.Passes); err != nil {
		return order.Refund{}, fmt.Errorf("refund %s: passes: %w", rf.ID, err)
	}
	if len(rf.Passes) == 0 {
		rf.Passes = nil
	}
	rf.CreatedAt = fromMicros(created)
	return rf, nil
}

// orderIn reads an order and its tickets inside tx, so that what a change
// checks is what it changes.
func orderIn(ctx context.Context, tx *sql.Tx, id string) (order.Order, error) {
	o, err := scanOrder(tx.QueryRowContext(ctx, selectOrder, id))
	if errors.Is(err, sql.ErrNoRows) {
		return order.Order{}, store.ErrNotFound
	}
	if err != nil {
		return order.Order{}, err
	}
	rows, err := tx.QueryContext(ctx, selectTickets, id)
	if err != nil {
		return order.Order{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var t order.Ticket
		var printed sql.NullInt64
		if err := rows.Scan(&t.Seat, &t.SeatID, &t.Zone, &t.Price, &t.Status, &t.ID, &t.Code, &printed, &t.Fare, &t.FareName); err != nil {
			return order.Order{}, err
		}
		if printed.Valid {
			t.PrintedAt = fromMicros(printed.Int64)
		}
		o.Tickets = append(o.Tickets, t)
	}
	if err := rows.Err(); err != nil {
		return order.Order{}, err
	}
	rows.Close()
	one := []order.Order{o}
	if err := withPasses(ctx, tx, one); err != nil {
		return order.Order{}, err
	}
	return one[0], nil
}

// RefundOrder gives back seats or an amount of a paid order. The whole
// request runs in one write transaction, and write transactions take turns,
// so a request racing another with the same key finds the first's refund.
func (s *Store) RefundOrder(ctx context.Context, r order.RefundRequest) (order.Order, order.Refund, bool, error) {
	if r.IdempotencyKey == "" {
		return order.Order{}, order.Refund{}, false, fmt.Errorf("refund order %s: no idempotency key", r.OrderID)
	}
	var o order.Order
	var rf order.Refund
	var replayed bool
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if o, err = orderIn(ctx, tx, r.OrderID); err != nil {
			return err
		}
		rf, err = scanRefund(tx.QueryRowContext(ctx, selectRefundByKey, r.OrderID, r.IdempotencyKey))
		if err == nil {
			replayed = true
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		at := s.now()
		if rf, err = order.PlanRefund(&o, r, at); err != nil {
			return err
		}
		o.UpdatedAt = at
		if len(rf.Seats) > 0 {
			if _, err := tx.ExecContext(ctx, refundTickets, o.ID, seatArray(rf.Seats)); err != nil {
				return err
			}
		}
		if len(rf.Passes) > 0 {
			if _, err := tx.ExecContext(ctx, refundPassesOf, o.ID, stringArray(rf.Passes), micros(at)); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, setRefunded, o.ID, o.Refunded, o.Status, micros(at)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, insertRefund, rf.ID, rf.OrderID, rf.Amount, seatArray(rf.Seats), stringArray(rf.Passes), rf.Reason, rf.Method, rf.Actor,
			rf.IdempotencyKey, micros(at))
		if isUnique(err) {
			return fmt.Errorf("refund %s: %w", rf.ID, store.ErrDuplicate)
		}
		if err != nil {
			return err
		}
		c := r.Change
		c.Reason = r.Reason
		return record(ctx, tx, o.ID, at, order.ActionRefunded, o.Status, order.RefundDetail(o, rf), c)
	})
	if err != nil {
		return order.Order{}, order.Refund{}, false, fmt.Errorf("refund order %s: %w", r.OrderID, err)
	}
	return o, rf, replayed, nil
}

// Refunds lists an order's refunds, oldest first; an unknown order has none.
func (s *Store) Refunds(ctx context.Context, orderID string) ([]order.Refund, error) {
	rows, err := s.r.QueryContext(ctx, selectRefunds, orderID)
	if err != nil {
		return nil, fmt.Errorf("refunds of order %s: %w", orderID, err)
	}
	defer rows.Close()
	var out []order.Refund
	for rows.Next() {
		rf, err := scanRefund(rows)
		if err != nil {
			return nil, fmt.Errorf("refunds of order %s: %w", orderID, err)
		}
		out = append(out, rf)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("refunds of order %s: %w", orderID, err)
	}
	return out, nil
}
