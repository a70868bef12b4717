package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/store"
)

const (
	insertEvent = `INSERT INTO order_events (order_id, at, action, actor, reason, status, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)`
	// The event takes the order's status as it is, and writes nothing for a
	// missing order.
	insertEventAsIs = `INSERT INTO order_events (order_id, at, action, actor, reason, status, detail)
SELECT id, $2, $3, $4, $5, status, $6 FROM orders WHERE id = $1`
	selectHistory = `SELECT order_id, at, action, actor, reason, status, detail FROM order_events WHERE order_id = $1 ORDER BY seq`
)

// record writes an order's history entry for c and queues c.Notify, in tx.
func record(ctx context.Context, tx *sql.Tx, orderID string, at time.Time, action, status, detail string, c order.Change) error {
	if _, err := tx.ExecContext(ctx, insertEvent, orderID, micros(at), action, c.Actor, c.Reason, status, detail); err != nil {
		return fmt.Errorf("history: %w", err)
	}
	return notify(ctx, tx, orderID, at, c)
}

// notify queues c.Notify, if any, as a message of the order, queued at at.
func notify(ctx context.Context, tx *sql.Tx, orderID string, at time.Time, c order.Change) error {
	if c.Notify == nil {
		return nil
	}
	m := *c.Notify
	m.OrderID = orderID
	if err := insertMessage(ctx, tx, m, at); err != nil {
		return fmt.Errorf("queue message %s: %w", m.ID, err)
	}
	return nil
}

// OrderHistory lists an order's history, oldest first; an unknown order has
// none.
func (s *Store) OrderHistory(ctx context.Context, orderID string) ([]order.Event, error) {
	rows, err := s.r.QueryContext(ctx, selectHistory, orderID)
	if err != nil {
		return nil, fmt.Errorf("history of order %s: %w", orderID, err)
	}
	defer rows.Close()
	var out []order.Event
	for rows.Next() {
		var e order.Event
		var at int64
		if err := rows.Scan(&e.OrderID, &at, &e.Action, &e.Actor, &e.Reason, &e.Status, &e.Detail); err != nil {
			return nil, fmt.Errorf("history of order %s: %w", orderID, err)
		}
		e.At = fromMicros(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history of order %s: %w", orderID, err)
	}
	return out, nil
}

// RecordOrderEvent appends to an order's history with the order's current
// status, and queues c.Notify with it.
func (s *Store) RecordOrderEvent(ctx context.Context, orderID, action, detail string, c order.Change) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		at := s.now()
		res, err := tx.ExecContext(ctx, insertEventAsIs, orderID, micros(at), action, c.Actor, c.Reason, detail)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return store.ErrNotFound
		}
		return notify(ctx, tx, orderID, at, c)
	})
	if isUnique(err) {
		return fmt.Errorf("record %s of order %s: %w", action, orderID, store.ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("record %s of order %s: %w", action, orderID, err)
	}
	return nil
}

// remindersDue: $1 now, $2 now+lead, $3 lead, in microseconds; $4 the limit.
const remindersDue = `SELECT ` + orderColumns + ` FROM orders o
WHERE status = 'reserved' AND buyer_email <> '' AND deadline > $1 AND deadline <= $2 AND created_at + $3 <= deadline
  AND NOT EXISTS (SELECT 1 FROM outbox m WHERE m.order_id = o.id AND m.kind = 'reminder')
ORDER BY deadline, id
LIMIT $4`

// RemindersDue lists reservations to remind of their deadline.
func (s *Store) RemindersDue(ctx context.Context, now time.Time, lead time.Duration, limit int) ([]order.Order, error) {
	return s.orders(ctx, "reminders due", remindersDue, micros(now), micros(now.Add(lead)), lead.Microseconds(), store.ClampLimit(limit))
}
