package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/seatmap/seatmap/order"
)

const (
	selectTicketCounter = `SELECT series, next FROM ticket_counter WHERE id = 1`
	queuedOrders        = `SELECT seq, order_id FROM ticket_number_queue ORDER BY seq LIMIT $1`
	// See the Postgres adapter: the queued orders' tickets without a current
	// number, in queue order, then seat order.
	unnumberedTickets = `SELECT t.id, t.order_id, t.performance_id
FROM json_each($1) AS q
JOIN tickets t ON t.order_id = q.value
WHERE t.status <> 'void'
  AND NOT EXISTS (SELECT 1 FROM ticket_numbers n WHERE n.ticket_id = t.id AND n.voided_at IS NULL)
ORDER BY q.key, t.seat_index`
	insertTicketNumber = `INSERT INTO ticket_numbers (series, number, ticket_id, order_id, performance_id, issued_at)
VALUES ($1, $2, $3, $4, $5, $6)`
	updateTicketCounter = `UPDATE ticket_counter SET series = $1, next = $2 WHERE id = 1`
	// Exactly the rows read: a lower seq whose order commits later is
	// still queued for the next round.
	dequeueOrders = `DELETE FROM ticket_number_queue WHERE seq IN (SELECT value FROM json_each($1))`

	ticketNumberColumns = `series, number, ticket_id, order_id, performance_id, issued_at, voided_at, void_reason`
	ticketNumbersOf     = `SELECT ` + ticketNumberColumns + ` FROM ticket_numbers WHERE order_id IN (SELECT value FROM json_each($1)) ORDER BY series, number`
	ticketRegisterOf    = `SELECT ` + ticketNumberColumns + ` FROM ticket_numbers WHERE performance_id = $1 ORDER BY series, number`

	voidReprinted = `UPDATE ticket_numbers SET voided_at = $2, void_reason = $3
WHERE voided_at IS NULL AND ticket_id IN (
  SELECT id FROM tickets WHERE order_id = $1 AND status = 'live' AND printed_at IS NOT NULL)`
	requeueOrder = `INSERT OR IGNORE INTO ticket_number_queue (order_id) VALUES ($1)`
)

// NumberTickets draws the numbers of the tickets of up to limit queued
// orders in one write transaction (see the Postgres adapter).
func (s *Store) NumberTickets(ctx context.Context, limit int) (int, error) {
	if limit <= 0 {
		limit = 500
	}
	at := s.now()
	drawn := 0
	err := s.tx(ctx, func(tx *sql.Tx) error {
		drawn = 0
		var series string
		var next int
		if err := tx.QueryRowContext(ctx, selectTicketCounter).Scan(&series, &next); err != nil {
			return fmt.Errorf("read the counter: %w", err)
		}
		rows, err := tx.QueryContext(ctx, queuedOrders, limit)
		if err != nil {
			return err
		}
		var seqs []int64
		var orders []string
		for rows.Next() {
			var seq int64
			var id string
			if err := rows.Scan(&seq, &id); err != nil {
				rows.Close()
				return err
			}
			seqs, orders = append(seqs, seq), append(orders, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(orders) == 0 {
			return nil
		}
		ids, err := json.Marshal(orders)
		if err != nil {
			return err
		}
		rows, err = tx.QueryContext(ctx, unnumberedTickets, string(ids))
		if err != nil {
			return err
		}
		type line struct{ ticket, order, perf string }
		var lines []line
		for rows.Next() {
			var l line
			if err := rows.Scan(&l.ticket, &l.order, &l.perf); err != nil {
				rows.Close()
				return err
			}
			lines = append(lines, l)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, l := range lines {
			if next > order.MaxNumber {
				if series, next, err = order.NextNumber(series, order.MaxNumber); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, insertTicketNumber, series, next, l.ticket, l.order, l.perf, micros(at)); err != nil {
				return fmt.Errorf("insert number: %w", err)
			}
			next++
		}
		if len(lines) > 0 {
			if _, err := tx.ExecContext(ctx, updateTicketCounter, series, next); err != nil {
				return fmt.Errorf("advance the counter: %w", err)
			}
		}
		seqsJSON, err := json.Marshal(seqs)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, dequeueOrders, string(seqsJSON)); err != nil {
			return err
		}
		drawn = len(lines)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("number tickets: %w", err)
	}
	return drawn, nil
}

// TicketNumbers returns every number given to the tickets of the orders,
// voided ones too, by series and number.
func (s *Store) TicketNumbers(ctx context.Context, orderIDs []string) ([]order.TicketNumber, error) {
	if len(orderIDs) == 0 {
		return nil, nil
	}
	ids, err := json.Marshal(orderIDs)
	if err != nil {
		return nil, err
	}
	return s.ticketNumbers(ctx, ticketNumbersOf, string(ids))
}

// TicketRegister returns every number drawn for a performance's tickets,
// voided ones too, by series and number.
func (s *Store) TicketRegister(ctx context.Context, performanceID string) ([]order.TicketNumber, error) {
	return s.ticketNumbers(ctx, ticketRegisterOf, performanceID)
}

func (s *Store) ticketNumbers(ctx context.Context, q string, arg any) ([]order.TicketNumber, error) {
	rows, err := s.r.QueryContext(ctx, q, arg)
	if err != nil {
		return nil, fmt.Errorf("ticket numbers: %w", err)
	}
	defer rows.Close()
	var out []order.TicketNumber
	for rows.Next() {
		var n order.TicketNumber
		var issued int64
		var voided sql.NullInt64
		if err := rows.Scan(&n.Series, &n.Number, &n.TicketID, &n.OrderID, &n.PerformanceID, &issued, &voided, &n.VoidReason); err != nil {
			return nil, fmt.Errorf("ticket numbers: %w", err)
		}
		n.IssuedAt = fromMicros(issued)
		if voided.Valid {
			n.VoidedAt = fromMicros(voided.Int64)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ticket numbers: %w", err)
	}
	return out, nil
}

// voidReprintedNumbers is PrintTickets' part (see the Postgres adapter).
func voidReprintedNumbers(ctx context.Context, tx *sql.Tx, orderID string, at time.Time) error {
	res, err := tx.ExecContext(ctx, voidReprinted, orderID, micros(at), order.VoidReprinted)
	if err != nil {
		return fmt.Errorf("void reprinted numbers: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err
	}
	if _, err := tx.ExecContext(ctx, requeueOrder, orderID); err != nil {
		return fmt.Errorf("queue for new numbers: %w", err)
	}
	return nil
}
