package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/seatmap/seatmap/order"
)

const (
	lockTicketCounter = `SELECT series, next FROM ticket_counter WHERE id = 1 FOR UPDATE`
	queuedOrders      = `SELECT seq, order_id FROM ticket_number_queue ORDER BY seq LIMIT $1`
	// The tickets of the queued orders without a current number, in queue
	// order, then seat order; an order queued twice counts once. A void
	// ticket (a reservation or payment that ended) was never issued.
	unnumberedTickets = `SELECT t.id, t.order_id, t.performance_id
FROM (SELECT order_id, min(pos) AS pos FROM unnest($1::text[]) WITH ORDINALITY AS u (order_id, pos) GROUP BY order_id) AS q
JOIN tickets t ON t.order_id = q.order_id
WHERE t.status <> 'void'
  AND NOT EXISTS (SELECT 1 FROM ticket_numbers n WHERE n.ticket_id = t.id AND n.voided_at IS NULL)
ORDER BY q.pos, t.seat_index`
	insertTicketNumbers = `INSERT INTO ticket_numbers (series, number, ticket_id, order_id, performance_id, issued_at)
SELECT s, n, t, o, p, $6 FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[]) AS x (s, n, t, o, p)`
	updateTicketCounter = `UPDATE ticket_counter SET series = $1, next = $2 WHERE id = 1`
	// Exactly the rows read: a lower seq whose order commits later is
	// still queued for the next round.
	dequeueOrders = `DELETE FROM ticket_number_queue WHERE seq = ANY($1::bigint[])`

	ticketNumberColumns = `series, number, ticket_id, order_id, performance_id, issued_at, voided_at, void_reason`
	ticketNumbersOf     = `SELECT ` + ticketNumberColumns + ` FROM ticket_numbers WHERE order_id = ANY($1::text[]) ORDER BY series, number`
	ticketRegisterOf    = `SELECT ` + ticketNumberColumns + ` FROM ticket_numbers WHERE performance_id = $1 ORDER BY series, number`

	// voidReprinted voids the current numbers of an order's live tickets
	// printed before: run by PrintTickets before it marks the new ones, the
	// order then queued again for their new numbers.
	voidReprinted = `UPDATE ticket_numbers n SET voided_at = $2, void_reason = $3
FROM tickets t
WHERE t.order_id = $1 AND t.status = 'live' AND t.printed_at IS NOT NULL
  AND n.ticket_id = t.id AND n.voided_at IS NULL`
	requeueOrder = `INSERT INTO ticket_number_queue (order_id) VALUES ($1)`
)

// NumberTickets draws the numbers of the tickets of up to limit queued
// orders in one transaction under the counter's row lock (so nodes number
// one after another, each number once), and takes those orders off the
// queue. It returns how many numbers it drew; 0 when the queue is empty.
func (s *Store) NumberTickets(ctx context.Context, limit int) (int, error) {
	if limit <= 0 {
		limit = 500
	}
	at := s.now()
	drawn := 0
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		drawn = 0
		var series string
		var next int
		if err := tx.QueryRow(ctx, lockTicketCounter).Scan(&series, &next); err != nil {
			return fmt.Errorf("lock the counter: %w", err)
		}
		rows, err := tx.Query(ctx, queuedOrders, limit)
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
		rows, err = tx.Query(ctx, unnumberedTickets, orders)
		if err != nil {
			return err
		}
		var sers, tickets, ords, perfs []string
		var nums []int32
		for rows.Next() {
			var t, o, p string
			if err := rows.Scan(&t, &o, &p); err != nil {
				rows.Close()
				return err
			}
			if next > order.MaxNumber {
				if series, next, err = order.NextNumber(series, order.MaxNumber); err != nil {
					rows.Close()
					return err
				}
			}
			sers, nums, tickets, ords, perfs = append(sers, series), append(nums, int32(next)), append(tickets, t), append(ords, o), append(perfs, p)
			next++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(tickets) > 0 {
			if _, err := tx.Exec(ctx, insertTicketNumbers, sers, nums, tickets, ords, perfs, at); err != nil {
				return fmt.Errorf("insert numbers: %w", err)
			}
			if _, err := tx.Exec(ctx, updateTicketCounter, series, next); err != nil {
				return fmt.Errorf("advance the counter: %w", err)
			}
		}
		if _, err := tx.Exec(ctx, dequeueOrders, seqs); err != nil {
			return err
		}
		drawn = len(tickets)
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
	return s.ticketNumbers(ctx, ticketNumbersOf, orderIDs)
}

// TicketRegister returns every number drawn for a performance's tickets,
// voided ones too, by series and number.
func (s *Store) TicketRegister(ctx context.Context, performanceID string) ([]order.TicketNumber, error) {
	return s.ticketNumbers(ctx, ticketRegisterOf, performanceID)
}

func (s *Store) ticketNumbers(ctx context.Context, q string, arg any) ([]order.TicketNumber, error) {
	rows, err := s.pool.Query(ctx, q, arg)
	if err != nil {
		return nil, fmt.Errorf("ticket numbers: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (order.TicketNumber, error) {
		var n order.TicketNumber
		var voided pgtype.Timestamptz
		if err := r.Scan(&n.Series, &n.Number, &n.TicketID, &n.OrderID, &n.PerformanceID, &n.IssuedAt, &voided, &n.VoidReason); err != nil {
			return n, err
		}
		n.IssuedAt = n.IssuedAt.UTC()
		if voided.Valid {
			n.VoidedAt = voided.Time.UTC()
		}
		return n, nil
	})
	if err != nil {
		return nil, fmt.Errorf("ticket numbers: %w", err)
	}
	return out, nil
}

// voidReprintedNumbers is PrintTickets' part: in its transaction, before the
// tickets not printed yet are marked, the numbers of those printed before
// are voided and the order queued for new ones.
func voidReprintedNumbers(ctx context.Context, tx pgx.Tx, orderID string, at time.Time) error {
	tag, err := tx.Exec(ctx, voidReprinted, orderID, at, order.VoidReprinted)
	if err != nil {
		return fmt.Errorf("void reprinted numbers: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, requeueOrder, orderID); err != nil {
		return fmt.Errorf("queue for new numbers: %w", err)
	}
	return nil
}
