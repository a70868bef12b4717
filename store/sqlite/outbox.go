package sqlite

import (
	"context"
	"database/sql"

	"github.com/seatmap/seatmap/store"
)

const insertMessageSQL = `INSERT INTO outbox (id, order_id, kind, recipient, subject, body, created_at, next_attempt)
VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`

// insertMessage queues m in tx, due at once.
func insertMessage(ctx context.Context, tx *sql.Tx, m store.Message) error {
	_, err := tx.ExecContext(ctx, insertMessageSQL, m.ID, m.OrderID, m.Kind, m.To, m.Subject, m.Body, micros(now()))
	return err
}
