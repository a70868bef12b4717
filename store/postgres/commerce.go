package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/report"
	"github.com/seatmap/seatmap/store"
	"github.com/seatmap/seatmap/voucher"
)

const (
	insertEvent = `INSERT INTO order_events (order_id, at, action, actor, reason, status, detail)
VALUES ($1, $2, $3, $4, $5, $6, $7)`
	selectEvents = `SELECT order_id, at, action, actor, reason, status, detail FROM order_events
WHERE order_id = $1 ORDER BY seq`
	orderExists = `SELECT EXISTS (SELECT 1 FROM orders WHERE id = $1)`

	refundColumns = `id, order_id, amount, seats, passes, reason, method, actor, idempotency_key, created_at`
	selectRefunds = `SELECT ` + refundColumns + ` FROM refunds WHERE order_id = $1 ORDER BY created_at, id`
	refundByKey   = `SELECT ` + refundColumns + ` FROM refunds WHERE order_id = $1 AND idempotency_key = $2`
	insertRefund  = `INSERT INTO refunds (` + refundColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`
	refundTickets = `UPDATE tickets SET status = 'refunded' WHERE order_id = $1 AND seat_index = ANY($2::int[]) AND status = 'live'`
	refundOrder   = `UPDATE orders SET refunded = refunded + $2, status = $3, updated_at = $4 WHERE id = $1`
	ticketsOf     = `SELECT seat_index, seat_id, zone, price, status, id, code, printed_at, fare, fare_name FROM tickets WHERE order_id = $1 ORDER BY seat_index`

	codeColumns = `code, kind, coalesce(batch_id, ''), name, percent, amount, currency, max_uses, uses, state,
restrictions, created_by, created_at, updated_at`
	insertCode = `INSERT INTO codes (code, kind, batch_id, name, percent, amount, currency, max_uses, uses, state,
restrictions, created_by, created_at, updated_at)
VALUES ($1, $2, NULLIF($3, ''), $4, $5, $6, $7, $8, 0, $9, $10, $11, $12, $12)`
	// insertCodes writes a batch's vouchers in one statement.
	insertCodes = `INSERT INTO codes (code, kind, batch_id, name, percent, amount, currency, max_uses, uses, state,
restrictions, created_by, created_at, updated_at)
SELECT c, 'voucher', $2, $3, $4, $5, $6, 1, 0, $7, $8, $9, $10, $10 FROM unnest($1::text[]) AS c`
	selectCode        = `SELECT ` + codeColumns + ` FROM codes WHERE code = $1`
	selectCodeForUpd  = `SELECT ` + codeColumns + ` FROM codes WHERE code = $1 FOR UPDATE`
	setCodeState      = `UPDATE codes SET state = $2, updated_at = $3 WHERE code = $1`
	listCodes         = `SELECT ` + codeColumns + ` FROM codes WHERE ($1 = '' OR kind = $1) AND ($2 = '' OR batch_id = $2) AND code > $3 ORDER BY code LIMIT $4`
	batchColumns      = `id, name, prefix, count, percent, amount, currency, restrictions, created_by, created_at`
	insertBatch       = `INSERT INTO voucher_batches (` + batchColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`
	selectBatch       = `SELECT ` + batchColumns + ` FROM voucher_batches WHERE id = $1`
	selectBatches     = `SELECT ` + batchColumns + ` FROM voucher_batches ORDER BY created_at DESC, id DESC LIMIT 1000`
	paidStatuses      = `('paid', 'partially_refunded', 'refunded')`
	salesOrderFilters = `($1 = '' OR o.performance_id = $1) AND o.created_at >= $2 AND o.created_at < $3 AND ` + notMovedOrder
	// One line per (channel, zone): tickets of the orders made in the period.
	salesTickets = `SELECT o.channel, t.zone,
  count(*) FILTER (WHERE o.status = 'reserved' AND t.status = 'live'),
  count(*) FILTER (WHERE o.status IN ` + paidStatuses + ` AND t.status = 'live'),
  count(*) FILTER (WHERE t.status = 'refunded'),
  coalesce(sum(t.price) FILTER (WHERE o.status IN ` + paidStatuses + `), 0),
  coalesce(sum(` + store.TicketDiscountSQL + `) FILTER (WHERE o.status IN ` + paidStatuses + `), 0),
  coalesce(sum(t.price - ` + store.TicketDiscountSQL + `) FILTER (WHERE t.status = 'refunded'), 0)
FROM tickets t JOIN orders o ON o.id = t.order_id
WHERE ` + salesOrderFilters + `
GROUP BY o.channel, t.zone`
	// One line per (channel, product): passes of the orders made in the
	// period. In a paid order a void pass is a refunded one.
	salesPasses = `SELECT o.channel, p.product_name,
  count(*) FILTER (WHERE o.status IN ` + paidStatuses + ` AND p.state <> 'void'),
  count(*) FILTER (WHERE o.status IN ` + paidStatuses + ` AND p.state = 'void'),
  coalesce(sum(p.price) FILTER (WHERE o.status IN ` + paidStatuses + `), 0),
  coalesce(sum(` + store.PassDiscountSQL + `) FILTER (WHERE o.status IN ` + paidStatuses + `), 0),
  coalesce(sum(p.price - ` + store.PassDiscountSQL + `) FILTER (WHERE o.status IN ` + paidStatuses + ` AND p.state = 'void'), 0)
FROM passes p JOIN orders o ON o.id = p.order_id
WHERE ` + salesOrderFilters + `
GROUP BY o.channel, p.product_name`
	// One line per channel: the orders made in the period.
	salesOrders = `SELECT o.channel, min(o.currency),
  count(*) FILTER (WHERE o.status = 'reserved'),
  count(*) FILTER (WHERE o.status IN ` + paidStatuses + `),
  coalesce(sum(o.discount) FILTER (WHERE o.status IN ` + paidStatuses + `), 0)
FROM orders o
WHERE ` + salesOrderFilters + `
GROUP BY o.channel`
	// One line per channel: the refunds given in the period, whenever their
	// orders were made.
	salesRefunds = `SELECT o.channel, count(*), coalesce(sum(r.amount), 0)
FROM refunds r JOIN orders o ON o.id = r.order_id
WHERE ($1 = '' OR o.performance_id = $1) AND r.created_at >= $2 AND r.created_at < $3
GROUP BY o.channel`
)

// lockOrder reads an order and its tickets in tx, locking its row until tx
// ends.
func lockOrder(ctx context.Context, tx pgx.Tx, id string) (order.Order, error) {
	o, err := scanOrder(tx.QueryRow(ctx, selectOrderForUpdate, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return order.Order{}, store.ErrNotFound
	}
	if err != nil {
		return order.Order{}, err
	}
	rows, err := tx.Query(ctx, ticketsOf, id)
	if err != nil {
		return order.Order{}, err
	}
	o.Tickets, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (order.Ticket, error) {
		var t order.Ticket
		var seat int32
		var printed *time.Time
		err := r.Scan(&seat, &t.SeatID, &t.Zone, &t.Price, &t.Status, &t.ID, &t.Code, &printed, &t.Fare, &t.FareName)
		t.Seat = uint32(seat)
		if printed != nil {
			t.PrintedAt = printed.UTC()
		}
		return t, err
	})
	if err != nil {
		return order.Order{}, err
	}
	one := []order.Order{o}
	if err := withPasses(ctx, tx, one); err != nil {
		return order.Order{}, err
	}
	return one[0], nil
}

// record appends to o's history at at and queues c's message, in tx.
func record(ctx context.Context, tx pgx.Tx, o order.Order, at time.Time, action, detail string, c order.Change) error {
	if _, err := tx.Exec(ctx, insertEvent, o.ID, at, action, c.Actor, c.Reason, o.Status, detail); err != nil {
		return err
	}
	if c.Notify == nil {
		return nil
	}
	m := *c.Notify
	m.OrderID = o.ID
	return insertMessage(ctx, tx, m, at)
}

// OrderHistory lists an order's history, oldest first.
func (s *Store) OrderHistory(ctx context.Context, orderID string) ([]order.Event, error) {
	rows, err := s.pool.Query(ctx, selectEvents, orderID)
	if err != nil {
		return nil, fmt.Errorf("history of order %s: %w", orderID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (order.Event, error) {
		var e order.Event
		err := r.Scan(&e.OrderID, &e.At, &e.Action, &e.Actor, &e.Reason, &e.Status, &e.Detail)
		utc(&e.At)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("history of order %s: %w", orderID, err)
	}
	return out, nil
}

// RecordOrderEvent appends to an order's history, with c.Notify queued.
func (s *Store) RecordOrderEvent(ctx context.Context, orderID, action, detail string, c order.Change) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		o, err := scanOrder(tx.QueryRow(ctx, selectOrder, orderID))
		if errors.Is(err, pgx.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		return record(ctx, tx, o, s.now(), action, detail, c)
	})
	if isUnique(err) {
		return fmt.Errorf("record %s of order %s: %w", action, orderID, store.ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("record %s of order %s: %w", action, orderID, err)
	}
	return nil
}

// remindersDue: $1 now, $2 now+lead, $3 lead in microseconds, $4 the limit.
const remindersDue = `SELECT ` + orderColumns + ` FROM orders o
WHERE status = 'reserved' AND buyer_email <> '' AND deadline > $1 AND deadline <= $2
  AND created_at + $3::bigint * interval '1 microsecond' <= deadline
  AND NOT EXISTS (SELECT 1 FROM outbox m WHERE m.order_id = o.id AND m.kind = 'reminder')
ORDER BY deadline, id
LIMIT $4`

// RemindersDue lists reservations to remind of their deadline.
func (s *Store) RemindersDue(ctx context.Context, now time.Time, lead time.Duration, limit int) ([]order.Order, error) {
	return s.orders(ctx, "reminders due", remindersDue, now, now.Add(lead), lead.Microseconds(), store.ClampLimit(limit))
}

// codeRefused explains why a code's use could not be counted.
func (s *Store) codeRefused(ctx context.Context, code string) error {
	c, err := s.GetCode(ctx, code)
	if errors.Is(err, store.ErrNotFound) {
		return &voucher.CodeError{Code: code}
	}
	if err != nil {
		return err
	}
	status := c.Status()
	if status == voucher.Available {
		// Freed again since (a reservation ended): still refused, as used up
		// when the order was written.
		status = voucher.Redeemed
	}
	return &voucher.CodeError{Code: code, Status: status}
}

// ---- refunds ----

func scanRefund(r pgx.Row) (order.Refund, error) {
	var rf order.Refund
	var seats []int32
	if err := r.Scan(&rf.ID, &rf.OrderID, &rf.Amount, &seats, &rf.Passes, &rf.Reason, &rf.Method, &rf.Actor, &rf.IdempotencyKey, &rf.CreatedAt); err != nil {
		return order.Refund{}, err
	}
	utc(&rf.CreatedAt)
	rf.Seats = make([]uint32, len(seats))
	for i, seat := range seats {
		rf.Seats[i] = uint32(seat)
	}
	if len(rf.Passes) == 0 {
		rf.Passes = nil
	}
	return rf, nil
}

// RefundOrder gives back seats or an amount of a paid order.
func (s *Store) RefundOrder(ctx context.Context, r order.RefundRequest) (o order.Order, rf order.Refund, replayed bool, err error) {
	if r.IdempotencyKey == "" {
		return order.Order{}, order.Refund{}, false, fmt.Errorf("refund order %s: no idempotency key", r.OrderID)
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		o, err = lockOrder(ctx, tx, r.OrderID)
		if err != nil {
			return err
		}
		// After the lock: a racing request with this key has committed its
		// refund or rolled back, and this statement sees which.
		rf, err = scanRefund(tx.QueryRow(ctx, refundByKey, r.OrderID, r.IdempotencyKey))
		if err == nil {
			replayed = true
			return nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		rf, err = order.PlanRefund(&o, r, s.now())
		if err != nil {
			return err
		}
		seats := make([]int32, len(rf.Seats))
		for i, seat := range rf.Seats {
			seats[i] = int32(seat)
		}
		if len(seats) > 0 {
			if _, err := tx.Exec(ctx, refundTickets, o.ID, seats); err != nil {
				return err
			}
		}
		if len(rf.Passes) > 0 {
			if _, err := tx.Exec(ctx, refundPassesOf, o.ID, rf.Passes, rf.CreatedAt); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, refundOrder, o.ID, rf.Amount, o.Status, rf.CreatedAt); err != nil {
			return err
		}
		passes := rf.Passes
		if passes == nil {
			passes = []string{}
		}
		if _, err := tx.Exec(ctx, insertRefund, rf.ID, rf.OrderID, rf.Amount, seats, passes, rf.Reason, rf.Method, rf.Actor, rf.IdempotencyKey, rf.CreatedAt); err != nil {
			return err
		}
		c := r.Change
		c.Reason = r.Reason
		return record(ctx, tx, o, s.now(), order.ActionRefunded, order.RefundDetail(o, rf), c)
	})
	if err != nil {
		return order.Order{}, order.Refund{}, false, fmt.Errorf("refund order %s: %w", r.OrderID, err)
	}
	o, err = s.GetOrder(ctx, r.OrderID)
	return o, rf, replayed, err
}

// Refunds lists an order's refunds, oldest first.
func (s *Store) Refunds(ctx context.Context, orderID string) ([]order.Refund, error) {
	rows, err := s.pool.Query(ctx, selectRefunds, orderID)
	if err != nil {
		return nil, fmt.Errorf("refunds of order %s: %w", orderID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (order.Refund, error) { return scanRefund(r) })
	if err != nil {
		return nil, fmt.Errorf("refunds of order %s: %w", orderID, err)
	}
	return out, nil
}

// ---- vouchers and promotions ----

func scanCode(r pgx.Row) (voucher.Code, error) {
	var c voucher.Code
	var restrictions string
	err := r.Scan(&c.Code, &c.Kind, &c.BatchID, &c.Name, &c.Percent, &c.Amount, &c.Currency, &c.MaxUses, &c.Uses, &c.State,
		&restrictions, &c.CreatedBy, &c.CreatedAt, &c.UpdatedAt)
	if err != nil {
		return voucher.Code{}, err
	}
	utc(&c.CreatedAt)
	utc(&c.UpdatedAt)
	if err := json.Unmarshal([]byte(restrictions), &c.Restrictions); err != nil {
		return voucher.Code{}, fmt.Errorf("restrictions of %s: %w", c.Code, err)
	}
	return c, nil
}

// CreatePromotion stores a promotion; a taken code gives ErrDuplicate.
func (s *Store) CreatePromotion(ctx context.Context, c voucher.Code) error {
	r, err := json.Marshal(c.Restrictions)
	if err != nil {
		return fmt.Errorf("create promotion %s: %w", c.Code, err)
	}
	_, err = s.pool.Exec(ctx, insertCode, c.Code, voucher.KindPromotion, "", c.Name, c.Percent, c.Amount, c.Currency,
		c.MaxUses, c.State, string(r), c.CreatedBy, s.now())
	if isUnique(err) {
		return fmt.Errorf("create promotion %s: %w", c.Code, store.ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("create promotion %s: %w", c.Code, err)
	}
	return nil
}

// CreateVoucherBatch stores a batch and its vouchers in one transaction.
func (s *Store) CreateVoucherBatch(ctx context.Context, b voucher.Batch, codes []voucher.Code) error {
	r, err := json.Marshal(b.Restrictions)
	if err != nil {
		return fmt.Errorf("create voucher batch %s: %w", b.ID, err)
	}
	names := make([]string, len(codes))
	state := voucher.Available
	for i, c := range codes {
		names[i] = c.Code
		if c.State != "" {
			state = c.State
		}
	}
	at := s.now()
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, insertBatch, b.ID, b.Name, b.Prefix, len(codes), b.Percent, b.Amount, b.Currency, string(r), b.CreatedBy, at); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, insertCodes, names, b.ID, b.Name, b.Percent, b.Amount, b.Currency, state, string(r), b.CreatedBy, at)
		return err
	})
	if isUnique(err) {
		return fmt.Errorf("create voucher batch %s: %w", b.ID, store.ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("create voucher batch %s: %w", b.ID, err)
	}
	return nil
}

func scanBatch(r pgx.Row) (voucher.Batch, error) {
	var b voucher.Batch
	var restrictions string
	if err := r.Scan(&b.ID, &b.Name, &b.Prefix, &b.Count, &b.Percent, &b.Amount, &b.Currency, &restrictions, &b.CreatedBy, &b.CreatedAt); err != nil {
		return voucher.Batch{}, err
	}
	utc(&b.CreatedAt)
	if err := json.Unmarshal([]byte(restrictions), &b.Restrictions); err != nil {
		return voucher.Batch{}, fmt.Errorf("restrictions of batch %s: %w", b.ID, err)
	}
	return b, nil
}

// GetVoucherBatch returns a batch without its codes.
func (s *Store) GetVoucherBatch(ctx context.Context, id string) (voucher.Batch, error) {
	b, err := scanBatch(s.pool.QueryRow(ctx, selectBatch, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return voucher.Batch{}, fmt.Errorf("voucher batch %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return voucher.Batch{}, fmt.Errorf("voucher batch %s: %w", id, err)
	}
	return b, nil
}

// ListVoucherBatches lists batches newest first.
func (s *Store) ListVoucherBatches(ctx context.Context) ([]voucher.Batch, error) {
	rows, err := s.pool.Query(ctx, selectBatches)
	if err != nil {
		return nil, fmt.Errorf("list voucher batches: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (voucher.Batch, error) { return scanBatch(r) })
	if err != nil {
		return nil, fmt.Errorf("list voucher batches: %w", err)
	}
	return out, nil
}

// GetCode returns a voucher or promotion by its normalised code.
func (s *Store) GetCode(ctx context.Context, code string) (voucher.Code, error) {
	c, err := scanCode(s.pool.QueryRow(ctx, selectCode, code))
	if errors.Is(err, pgx.ErrNoRows) {
		return voucher.Code{}, fmt.Errorf("code %s: %w", code, store.ErrNotFound)
	}
	if err != nil {
		return voucher.Code{}, fmt.Errorf("code %s: %w", code, err)
	}
	return c, nil
}

// ListCodes lists codes in code order.
func (s *Store) ListCodes(ctx context.Context, f voucher.Filter) ([]voucher.Code, error) {
	limit := f.Limit
	if limit <= 0 || limit > 10000 {
		limit = 10000
	}
	rows, err := s.pool.Query(ctx, listCodes, f.Kind, f.BatchID, f.After, limit)
	if err != nil {
		return nil, fmt.Errorf("list codes: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (voucher.Code, error) { return scanCode(r) })
	if err != nil {
		return nil, fmt.Errorf("list codes: %w", err)
	}
	return out, nil
}

// SetCodeState moves a code to another state, if the move is allowed.
func (s *Store) SetCodeState(ctx context.Context, code, state string) (voucher.Code, error) {
	var c voucher.Code
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		c, err = scanCode(tx.QueryRow(ctx, selectCodeForUpd, code))
		if errors.Is(err, pgx.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		if !voucher.MoveAllowed(c.State, state) {
			return fmt.Errorf("%s to %s: %w", c.Status(), state, store.ErrConflict)
		}
		c.State, c.UpdatedAt = state, s.now()
		_, err = tx.Exec(ctx, setCodeState, code, state, c.UpdatedAt)
		return err
	})
	if err != nil {
		return voucher.Code{}, fmt.Errorf("set state of code %s: %w", code, err)
	}
	return c, nil
}

// ---- sales report ----

// salesFares is the fares breakdown (issue 16): salesTickets by fare
// instead of by (channel, zone).
var salesFares = strings.Replace(strings.Replace(salesTickets, "SELECT o.channel, t.zone,", "SELECT t.fare,", 1),
	"GROUP BY o.channel, t.zone", "GROUP BY t.fare", 1)

// queueSales queues the sales report's queries, whose rows b sums.
func queueSales(batch *pgx.Batch, args []any, b *report.Builder) {
	batch.Queue(salesOrders, args...).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var channel, currency string
			var reserved, paid int
			var discounts int64
			if err := rows.Scan(&channel, &currency, &reserved, &paid, &discounts); err != nil {
				return err
			}
			b.Orders(channel, currency, reserved, paid, discounts)
		}
		return rows.Err()
	})
	batch.Queue(salesTickets, args...).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var channel, zone string
			var reservedSeats, seats, refundedSeats int
			var gross, discounts, refunded int64
			if err := rows.Scan(&channel, &zone, &reservedSeats, &seats, &refundedSeats, &gross, &discounts, &refunded); err != nil {
				return err
			}
			b.Tickets(channel, zone, reservedSeats, seats, refundedSeats, gross, discounts, refunded)
		}
		return rows.Err()
	})
	batch.Queue(salesFares, args...).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var fare string
			var reservedSeats, seats, refundedSeats int
			var gross, discounts, refunded int64
			if err := rows.Scan(&fare, &reservedSeats, &seats, &refundedSeats, &gross, &discounts, &refunded); err != nil {
				return err
			}
			b.Fare(fare, reservedSeats, seats, refundedSeats, gross, discounts, refunded)
		}
		return rows.Err()
	})
	batch.Queue(salesPasses, args...).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var channel, product string
			var passes, refundedPasses int
			var gross, discounts, refunded int64
			if err := rows.Scan(&channel, &product, &passes, &refundedPasses, &gross, &discounts, &refunded); err != nil {
				return err
			}
			b.Passes(channel, product, passes, refundedPasses, gross, discounts, refunded)
		}
		return rows.Err()
	})
	batch.Queue(salesRefunds, args...).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var channel string
			var n int
			var amount int64
			if err := rows.Scan(&channel, &n, &amount); err != nil {
				return err
			}
			b.Refunds(channel, n, amount)
		}
		return rows.Err()
	})
	batch.Queue(salesCodes, args...).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var code string
			var uses int
			var discount int64
			if err := rows.Scan(&code, &uses, &discount); err != nil {
				return err
			}
			b.Code(code, uses, discount)
		}
		return rows.Err()
	})
}

// SalesReport sums the orders made and the refunds given in a period.
func (s *Store) SalesReport(ctx context.Context, f report.Filter) (report.Sales, error) {
	args := []any{f.PerformanceID, bound(f.From, pgtype.NegativeInfinity), bound(f.To, pgtype.Infinity)}
	b := report.NewBuilder()
	batch := &pgx.Batch{}
	queueSales(batch, args, b)
	// One snapshot for all the queries (issue 17): under read committed
	// each statement would see the orders committed by its own start, and
	// a surge writing between two of them would make the zones disagree
	// with the channels.
	if err := s.snapshot(ctx, func(tx pgx.Tx) error { return tx.SendBatch(ctx, batch).Close() }); err != nil {
		return report.Sales{}, fmt.Errorf("sales report: %w", err)
	}
	return b.Report(), nil
}
