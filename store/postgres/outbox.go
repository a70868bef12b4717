package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/seatmap/seatmap/outbox"
	"github.com/seatmap/seatmap/store"
)

const (
	insertMessageSQL = `INSERT INTO outbox (id, order_id, kind, recipient, subject, body, created_at, next_attempt)
VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`

	messageColumns = `id, order_id, kind, recipient, subject, body, created_at, attempts, next_attempt, sent_at, last_error`

	// claimMessages locks the due rows it picks and skips rows another
	// dispatcher has locked, so nodes claiming at once split the queue instead
	// of waiting for each other or taking the same message. The pick is a
	// materialised CTE, so it runs once before the update whatever the plan
	// (an IN (…) subquery with LIMIT can be re-scanned). Moving next_attempt
	// to the end of the lease is what hides a claimed message from later
	// claims once this one commits.
	claimMessages = `WITH due AS MATERIALIZED (
    SELECT id FROM outbox
    WHERE sent_at IS NULL AND next_attempt <= $1
    ORDER BY next_attempt, id
    LIMIT $3
    FOR UPDATE SKIP LOCKED
)
UPDATE outbox o SET attempts = o.attempts + 1, next_attempt = $2
FROM due WHERE o.id = due.id
RETURNING o.id, o.order_id, o.kind, o.recipient, o.subject, o.body, o.created_at, o.attempts, o.next_attempt, o.sent_at, o.last_error`

	// markSent keeps the first sent_at: repeating MarkSent (a reply lost on
	// the way back, say) changes nothing and is no error.
	markSent      = `UPDATE outbox SET sent_at = coalesce(sent_at, $2) WHERE id = $1`
	markFailed    = `UPDATE outbox SET last_error = $2, next_attempt = $3 WHERE id = $1 AND sent_at IS NULL`
	messageExists = `SELECT EXISTS (SELECT 1 FROM outbox WHERE id = $1)`
	orderMessages = `SELECT ` + messageColumns + ` FROM outbox WHERE order_id = $1 ORDER BY created_at, id LIMIT 10000`
)

// insertMessage queues m in tx at at, due at once.
func insertMessage(ctx context.Context, tx pgx.Tx, m outbox.Message, at time.Time) error {
	_, err := tx.Exec(ctx, insertMessageSQL, m.ID, m.OrderID, m.Kind, m.To, m.Subject, m.Body, at)
	return err
}

func scanMessage(row pgx.Row) (outbox.Message, error) {
	var m outbox.Message
	var sent *time.Time
	err := row.Scan(&m.ID, &m.OrderID, &m.Kind, &m.To, &m.Subject, &m.Body, &m.CreatedAt, &m.Attempts, &m.NextAttempt, &sent, &m.LastError)
	if err != nil {
		return outbox.Message{}, err
	}
	utc(&m.CreatedAt)
	utc(&m.NextAttempt)
	if sent != nil {
		m.SentAt = sent.UTC()
	}
	return m, nil
}

// ClaimOutbox takes up to limit due messages and leases them until now+lease.
// The claim commits before it returns: a dispatcher that dies holding
// messages loses nothing, they are due again when the lease ends.
func (s *Store) ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]outbox.Message, error) {
	if limit < 1 || lease <= 0 {
		return nil, fmt.Errorf("claim outbox: limit %d and lease %s must be positive", limit, lease)
	}
	rows, err := s.pool.Query(ctx, claimMessages, now, now.Add(lease), limit)
	if err != nil {
		return nil, fmt.Errorf("claim outbox: %w", err)
	}
	ms, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (outbox.Message, error) { return scanMessage(r) })
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
	tag, err := s.pool.Exec(ctx, markSent, id, at)
	if err != nil {
		return fmt.Errorf("mark message %s sent: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("mark message %s sent: %w", id, store.ErrNotFound)
	}
	return nil
}

// MarkFailed records a failed attempt and makes the message due at retry.
// ErrNotFound if there is no such message; outbox.ErrSent if it was sent (by
// another dispatcher whose lease overlapped): a sent message stays sent.
func (s *Store) MarkFailed(ctx context.Context, id, reason string, retry time.Time) error {
	tag, err := s.pool.Exec(ctx, markFailed, id, reason, retry)
	if err != nil {
		return fmt.Errorf("mark message %s failed: %w", id, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var exists bool
	if err := s.pool.QueryRow(ctx, messageExists, id).Scan(&exists); err != nil {
		return fmt.Errorf("mark message %s failed: %w", id, err)
	}
	if exists {
		return fmt.Errorf("mark message %s failed: %w", id, outbox.ErrSent)
	}
	return fmt.Errorf("mark message %s failed: %w", id, store.ErrNotFound)
}

// OrderMessages lists an order's messages, oldest first; none (and no error)
// for an order that has none or does not exist.
func (s *Store) OrderMessages(ctx context.Context, orderID string) ([]outbox.Message, error) {
	rows, err := s.pool.Query(ctx, orderMessages, orderID)
	if err != nil {
		return nil, fmt.Errorf("messages of order %s: %w", orderID, err)
	}
	ms, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (outbox.Message, error) { return scanMessage(r) })
	if err != nil {
		return nil, fmt.Errorf("messages of order %s: %w", orderID, err)
	}
	return ms, nil
}
