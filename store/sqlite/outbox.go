package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/seatmap/seatmap/outbox"
	"github.com/seatmap/seatmap/store"
)

const (
	insertMessageSQL = `INSERT INTO outbox (id, order_id, kind, recipient, subject, body, created_at, next_attempt)
VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`

	messageColumns = `id, order_id, kind, recipient, subject, body, created_at, attempts, next_attempt, sent_at, last_error`

	// One statement on the one write connection: no other claim can come
	// between the pick and the update, in this process or another one on the
	// same file (the transaction holds the write lock from BEGIN).
	claimMessages = `UPDATE outbox SET attempts = attempts + 1, next_attempt = $2
WHERE id IN (
    SELECT id FROM outbox
    WHERE sent_at IS NULL AND next_attempt <= $1
    ORDER BY next_attempt, id
    LIMIT $3
)
RETURNING ` + messageColumns

	// markSent keeps the first sent_at: repeating MarkSent (a reply lost on
	// the way back, say) changes nothing and is no error.
	markSent      = `UPDATE outbox SET sent_at = coalesce(sent_at, $2) WHERE id = $1`
	markFailed    = `UPDATE outbox SET last_error = $2, next_attempt = $3 WHERE id = $1 AND sent_at IS NULL`
	messageExists = `SELECT EXISTS (SELECT 1 FROM outbox WHERE id = $1)`
	orderMessages = `SELECT ` + messageColumns + ` FROM outbox WHERE order_id = $1 ORDER BY created_at, id LIMIT 10000`
)

// insertMessage queues m in tx at at, due at once.
func insertMessage(ctx context.Context, tx *sql.Tx, m outbox.Message, at time.Time) error {
	_, err := tx.ExecContext(ctx, insertMessageSQL, m.ID, m.OrderID, m.Kind, m.To, m.Subject, m.Body, micros(at))
	return err
}

func scanMessage(row scanner) (outbox.Message, error) {
	var m outbox.Message
	var created, next int64
	var sent sql.NullInt64
	err := row.Scan(&m.ID, &m.OrderID, &m.Kind, &m.To, &m.Subject, &m.Body, &created, &m.Attempts, &next, &sent, &m.LastError)
	if err != nil {
		return outbox.Message{}, err
	}
	m.CreatedAt, m.NextAttempt = fromMicros(created), fromMicros(next)
	if sent.Valid {
		m.SentAt = fromMicros(sent.Int64)
	}
	return m, nil
}

func scanMessages(rows *sql.Rows) ([]outbox.Message, error) {
	defer rows.Close()
	var out []outbox.Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// ClaimOutbox takes up to limit due messages and leases them until now+lease.
// The claim commits before it returns: a dispatcher that dies holding
// messages loses nothing, they are due again when the lease ends.
func (s *Store) ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]outbox.Message, error) {
	if limit < 1 || lease <= 0 {
		return nil, fmt.Errorf("claim outbox: limit %d and lease %s must be positive", limit, lease)
	}
	var ms []outbox.Message
	err := s.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, claimMessages, micros(now), micros(now.Add(lease)), limit)
		if err != nil {
			return err
		}
		ms, err = scanMessages(rows)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim outbox: %w", err)
	}
	// RETURNING follows no ORDER BY.
	slices.SortFunc(ms, oldestFirst)
	return ms, nil
}

func oldestFirst(a, b outbox.Message) int {
	if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// MarkSent records the message as sent at at. A message sent already keeps
// its first time and the call succeeds: it is idempotent, so a caller that
// lost the reply may simply repeat it. ErrNotFound if there is no such
// message.
func (s *Store) MarkSent(ctx context.Context, id string, at time.Time) error {
	res, err := s.w.ExecContext(ctx, markSent, id, micros(at))
	if err != nil {
		return fmt.Errorf("mark message %s sent: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("mark message %s sent: %w", id, store.ErrNotFound)
	}
	return nil
}

// MarkFailed records a failed attempt and makes the message due at retry.
// ErrNotFound if there is no such message; outbox.ErrSent if it was sent (by
// another dispatcher whose lease overlapped): a sent message stays sent.
func (s *Store) MarkFailed(ctx context.Context, id, reason string, retry time.Time) error {
	var updated int64
	var exists bool
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, markFailed, id, reason, micros(retry))
		if err != nil {
			return err
		}
		if updated, err = res.RowsAffected(); err != nil || updated == 1 {
			return err
		}
		return tx.QueryRowContext(ctx, messageExists, id).Scan(&exists)
	})
	switch {
	case err != nil:
		return fmt.Errorf("mark message %s failed: %w", id, err)
	case updated == 1:
		return nil
	case exists:
		return fmt.Errorf("mark message %s failed: %w", id, outbox.ErrSent)
	}
	return fmt.Errorf("mark message %s failed: %w", id, store.ErrNotFound)
}

// OrderMessages lists an order's messages, oldest first; none (and no error)
// for an order that has none or does not exist.
func (s *Store) OrderMessages(ctx context.Context, orderID string) ([]outbox.Message, error) {
	rows, err := s.r.QueryContext(ctx, orderMessages, orderID)
	if err != nil {
		return nil, fmt.Errorf("messages of order %s: %w", orderID, err)
	}
	ms, err := scanMessages(rows)
	if err != nil {
		return nil, fmt.Errorf("messages of order %s: %w", orderID, err)
	}
	return ms, nil
}
