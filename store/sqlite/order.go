package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/seatmap/seatmap/money"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/store"
	"github.com/seatmap/seatmap/voucher"
)

// Columns SQLite names in a unique violation, by index. It names columns,
// not indexes, so these must stay in step with the migrations.
const (
	liveSeatColumns    = "tickets.performance_id, tickets.seat_index"
	idempotencyColumns = "orders.session, orders.idempotency_key"
)

const (
	insertOrder = `INSERT INTO orders (id, number, performance_id, status, buyer_name, buyer_email, session, hold_token, idempotency_key,
total, currency, channel, sold_by, payment_method, deadline, created_at, updated_at, discount, voucher_code, access_key)
VALUES ($1, $2, NULLIF($3, ''), $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, $17, $18, $19)`
	insertTicket = `INSERT INTO tickets (order_id, performance_id, seat_index, seat_id, zone, price, status, id, code, fare, fare_name) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`
	// Run inside the failed order's transaction, which sees its own tickets.
	liveAmong = `SELECT seat_index FROM tickets
WHERE performance_id = $1 AND status = 'live' AND seat_index IN (SELECT value FROM json_each($2)) AND order_id <> $3
ORDER BY seat_index`

	orderColumns = `id, number, coalesce(performance_id, ''), status, buyer_name, buyer_email, session, hold_token, idempotency_key,
total, currency, channel, sold_by, payment_method, deadline, created_at, updated_at, discount, voucher_code, refunded, access_key, notes`
	selectOrder           = `SELECT ` + orderColumns + ` FROM orders WHERE id = $1`
	selectOrderByKey      = `SELECT ` + orderColumns + ` FROM orders WHERE session = $1 AND idempotency_key = $2 AND idempotency_key <> ''`
	selectTicketsOfOrders = `SELECT order_id, seat_index, seat_id, zone, price, status, id, code, printed_at, fare, fare_name FROM tickets
WHERE order_id IN (SELECT value FROM json_each($1))
ORDER BY order_id, seat_index`
	selectReservedOrders = `SELECT ` + orderColumns + ` FROM orders WHERE performance_id = $1 AND status IN ('reserved', 'pending_payment') ORDER BY created_at, id`
	// A partly refunded order still holds the seats it did not give back.
	selectSoldSeats = `SELECT t.seat_index FROM tickets t JOIN orders o ON o.id = t.order_id
WHERE t.performance_id = $1 AND t.status = 'live' AND o.status IN ('paid', 'partially_refunded', 'refunded')
ORDER BY t.seat_index`
	// Two queries, so that each has its index: a performance's orders by
	// (performance_id, created_at, id), all orders by (created_at, id); a
	// channel filters the scan (an index of its own would cost every order
	// a write for a staff filter). The cursor is a row value the index
	// scan starts from; without one it is the largest time, and an unbounded
	// From or To is the smallest or largest. Empty strings match everything;
	// $6 is the lower-cased buyer with LIKE's wildcards escaped.
	listOrdersWhere = ` ($1 = '' OR status = $1) AND (created_at, id) < ($2, $3)
  AND created_at >= $7 AND created_at < $8
  AND ($6 = '' OR lower(buyer_name) LIKE '%' || $6 || '%' ESCAPE '\' OR lower(buyer_email) LIKE '%' || $6 || '%' ESCAPE '\')
  AND ($5 = '' OR channel = $5)
ORDER BY created_at DESC, id DESC
LIMIT $4`
	listOrders              = `SELECT ` + orderColumns + ` FROM orders WHERE` + listOrdersWhere
	listOrdersOfPerformance = `SELECT ` + orderColumns + ` FROM orders WHERE performance_id = $9 AND` + listOrdersWhere
	// $3 is the lower-cased query with LIKE's wildcards escaped.
	searchOrders = `SELECT ` + orderColumns + ` FROM orders
WHERE ($2 = '' OR performance_id = $2)
  AND (upper(number) = upper($1) OR hold_token = $1
       OR lower(buyer_name) LIKE '%' || $3 || '%' ESCAPE '\'
       OR lower(buyer_email) LIKE '%' || $3 || '%' ESCAPE '\')
ORDER BY created_at DESC, id DESC
LIMIT $4`

	payReservation = `UPDATE orders SET status = 'paid', payment_method = $2,
  sold_by = CASE WHEN $3 = '' THEN sold_by ELSE $3 END, deadline = NULL, updated_at = $4
WHERE id = $1`
	endReservation = `UPDATE orders SET status = $2, updated_at = $3 WHERE id = $1`
	voidTickets    = `UPDATE tickets SET status = 'void' WHERE order_id = $1 AND status = 'live'`
	// releaseCode gives back the use an ended reservation's code counted.
	releaseCode       = `UPDATE codes SET uses = uses - 1, updated_at = $2 WHERE code = $1 AND uses > 0`
	extendReservation = `UPDATE orders SET deadline = $2, updated_at = $3 WHERE id = $1`
)

// CreateOrder writes an order and its tickets in one transaction, which it
// may share with other orders waiting at the same time (see writeOrders).
func (s *Store) CreateOrder(ctx context.Context, o order.Order) (order.Order, error) {
	if seat, ok := repeatedSeat(o.Tickets); ok {
		return order.Order{}, fmt.Errorf("create order %s: seat %d has two tickets", o.ID, seat)
	}
	order.Issue(&o)
	o.CreatedAt = s.now()
	o.UpdatedAt = o.CreatedAt
	if o.Channel == "" {
		o.Channel = "web"
	}
	err := s.submitOrder(ctx, o)
	var sold *order.SeatsSoldError
	var ce *voucher.CodeError
	if errors.As(err, &sold) || errors.As(err, &ce) {
		return order.Order{}, fmt.Errorf("create order %s: %w", o.ID, err)
	}
	if isMissingParent(err) {
		return order.Order{}, fmt.Errorf("create order %s: performance %s: %w", o.ID, o.PerformanceID, store.ErrNotFound)
	}
	if c, ok := violation(err); ok && c.unique() {
		switch {
		case c.columns == idempotencyColumns:
			return order.Order{}, fmt.Errorf("create order %s: %w", o.ID, order.ErrIdempotencyKey)
		case strings.HasPrefix(c.columns, "orders."):
			return order.Order{}, fmt.Errorf("create order %s (%s): %w", o.ID, c.columns, store.ErrDuplicate)
		}
	}
	if err != nil {
		return order.Order{}, fmt.Errorf("create order %s: %w", o.ID, err)
	}
	o.Refunded = 0
	return o, nil
}

// insertOrderRows writes one order's rows in tx: the order, its tickets, the
// use of its code, its first history entry and its message. The order row
// goes first, so a replayed idempotency key is reported as such and not as
// its own seats being sold.
func insertOrderRows(ctx context.Context, tx *sql.Tx, st *orderStmts, o order.Order) error {
	if _, err := st.order.ExecContext(ctx, o.ID, o.Number, o.PerformanceID, o.Status, o.BuyerName, o.BuyerEmail,
		o.Session, o.HoldToken, o.IdempotencyKey, o.Total, o.Currency, o.Channel, o.SoldBy, o.PaymentMethod,
		nullMicros(o.Deadline), micros(o.CreatedAt), o.Discount, o.VoucherCode, o.AccessKey); err != nil {
		return err
	}
	for _, t := range o.Tickets {
		fare, fareName := ticketFare(t)
		_, err := st.ticket.ExecContext(ctx, o.ID, o.PerformanceID, t.Seat, t.SeatID, t.Zone, t.Price, t.Status, t.ID, t.Code, fare, fareName)
		if c, ok := violation(err); ok && c.columns == liveSeatColumns {
			// A failed statement leaves the transaction open: name the sold
			// seats from what this transaction sees, before rolling back.
			return soldAmong(ctx, tx, o)
		}
		if err != nil {
			return err
		}
	}
	if err := insertPasses(ctx, st.pass, o); err != nil {
		return err
	}
	if o.VoucherCode != "" {
		if err := redeem(ctx, tx, o.VoucherCode, o.CreatedAt); err != nil {
			return err
		}
	}
	if _, err := st.event.ExecContext(ctx, o.ID, micros(o.CreatedAt), order.ActionCreated, o.Origin.Actor, o.Origin.Reason, o.Status,
		order.CreatedDetail(o)); err != nil {
		return fmt.Errorf("history: %w", err)
	}
	if m := o.Origin.Notify; m != nil {
		if _, err := st.message.ExecContext(ctx, m.ID, o.ID, m.Kind, m.To, m.Subject, m.Body, micros(o.CreatedAt)); err != nil {
			return fmt.Errorf("queue message %s: %w", m.ID, err)
		}
	}
	return nil
}

// repeatedSeat finds a seat that appears twice in one order: a caller's bug
// that the indexes would report as a sold seat or a taken id, both misleading.
func repeatedSeat(ts []order.Ticket) (uint32, bool) {
	seen := make(map[uint32]struct{}, len(ts))
	for _, t := range ts {
		if _, ok := seen[t.Seat]; ok {
			return t.Seat, true
		}
		seen[t.Seat] = struct{}{}
	}
	return 0, false
}

// soldAmong returns the SeatsSoldError naming which of the order's seats have
// a live ticket, as seen inside tx.
func soldAmong(ctx context.Context, tx *sql.Tx, o order.Order) error {
	seats := make([]uint32, len(o.Tickets))
	for i, t := range o.Tickets {
		seats[i] = t.Seat
	}
	rows, err := tx.QueryContext(ctx, liveAmong, o.PerformanceID, seatArray(seats), o.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	e := &order.SeatsSoldError{}
	for rows.Next() {
		var seat uint32
		if err := rows.Scan(&seat); err != nil {
			return err
		}
		e.Seats = append(e.Seats, seat)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return e
}

func scanOrder(row scanner) (order.Order, error) {
	var o order.Order
	var created, updated int64
	var deadline sql.NullInt64
	err := row.Scan(&o.ID, &o.Number, &o.PerformanceID, &o.Status, &o.BuyerName, &o.BuyerEmail, &o.Session, &o.HoldToken, &o.IdempotencyKey,
		&o.Total, &o.Currency, &o.Channel, &o.SoldBy, &o.PaymentMethod, &deadline, &created, &updated, &o.Discount, &o.VoucherCode, &o.Refunded, &o.AccessKey, &o.Notes)
	if err != nil {
		return order.Order{}, err
	}
	o.CreatedAt, o.UpdatedAt = fromMicros(created), fromMicros(updated)
	if deadline.Valid {
		o.Deadline = fromMicros(deadline.Int64)
	}
	return o, nil
}

// withTickets loads the tickets of orders in one query.
func (s *Store) withTickets(ctx context.Context, orders []order.Order) error {
	if len(orders) == 0 {
		return nil
	}
	ids := make([]string, len(orders))
	at := make(map[string]int, len(orders))
	for i, o := range orders {
		ids[i] = o.ID
		at[o.ID] = i
	}
	idsJSON, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	rows, err := s.r.QueryContext(ctx, selectTicketsOfOrders, string(idsJSON))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var t order.Ticket
		var printed sql.NullInt64
		if err := rows.Scan(&id, &t.Seat, &t.SeatID, &t.Zone, &t.Price, &t.Status, &t.ID, &t.Code, &printed, &t.Fare, &t.FareName); err != nil {
			return err
		}
		if printed.Valid {
			t.PrintedAt = fromMicros(printed.Int64)
		}
		o := &orders[at[id]]
		o.Tickets = append(o.Tickets, t)
	}
	return rows.Err()
}

// orders runs an order query and loads the tickets of what it found.
func (s *Store) orders(ctx context.Context, what, query string, args ...any) ([]order.Order, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	var out []order.Order
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, o)
	}
	// Closed before the ticket query, which may need another read connection.
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if err := s.withTickets(ctx, out); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if err := withPasses(ctx, s.r, out); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// order runs a query for one order and loads its tickets.
func (s *Store) order(ctx context.Context, what, query string, args ...any) (order.Order, error) {
	o, err := scanOrder(s.r.QueryRowContext(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return order.Order{}, fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	if err != nil {
		return order.Order{}, fmt.Errorf("%s: %w", what, err)
	}
	one := []order.Order{o}
	if err := s.withTickets(ctx, one); err != nil {
		return order.Order{}, fmt.Errorf("%s: %w", what, err)
	}
	if err := withPasses(ctx, s.r, one); err != nil {
		return order.Order{}, fmt.Errorf("%s: %w", what, err)
	}
	return one[0], nil
}

// GetOrder returns an order with its tickets.
func (s *Store) GetOrder(ctx context.Context, id string) (order.Order, error) {
	return s.order(ctx, "get order "+id, selectOrder, id)
}

// OrderByIdempotencyKey returns the order a session made with a key. An
// empty key never matches: it means the caller sent none.
func (s *Store) OrderByIdempotencyKey(ctx context.Context, session, key string) (order.Order, error) {
	return s.order(ctx, "order by idempotency key", selectOrderByKey, session, key)
}

// ListOrders lists orders newest first, keyset-paged, with tickets.
func (s *Store) ListOrders(ctx context.Context, f order.Filter) ([]order.Order, error) {
	before, beforeID := int64(math.MaxInt64), ""
	if !f.Before.IsZero() {
		before, beforeID = micros(f.Before), f.BeforeID
	}
	from, to := int64(math.MinInt64), int64(math.MaxInt64)
	if !f.From.IsZero() {
		from = micros(f.From)
	}
	if !f.To.IsZero() {
		to = micros(f.To)
	}
	args := []any{f.Status, before, beforeID, store.ClampLimit(f.Limit), f.Channel, store.LikePattern(strings.TrimSpace(f.Buyer)), from, to}
	switch {
	case f.PerformanceID != "":
		return s.orders(ctx, "list orders of "+f.PerformanceID, listOrdersOfPerformance, append(args, f.PerformanceID)...)
	}
	return s.orders(ctx, "list orders", listOrders, args...)
}

// SoldSeats lists the seats with a live ticket of a paid order, ascending.
func (s *Store) SoldSeats(ctx context.Context, perf string) ([]uint32, error) {
	rows, err := s.r.QueryContext(ctx, selectSoldSeats, perf)
	if err != nil {
		return nil, fmt.Errorf("sold seats of %s: %w", perf, err)
	}
	defer rows.Close()
	out := []uint32{}
	for rows.Next() {
		var seat uint32
		if err := rows.Scan(&seat); err != nil {
			return nil, fmt.Errorf("sold seats of %s: %w", perf, err)
		}
		out = append(out, seat)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sold seats of %s: %w", perf, err)
	}
	return out, nil
}

// ReservedOrders lists the reserved orders of a performance, and those
// waiting for their payment, with tickets: both hold their seats until their
// deadline.
func (s *Store) ReservedOrders(ctx context.Context, perf string) ([]order.Order, error) {
	return s.orders(ctx, "reserved orders of "+perf, selectReservedOrders, perf)
}

// SearchOrders finds orders by number, hold token, buyer name or e-mail.
func (s *Store) SearchOrders(ctx context.Context, q, perf string, limit int) ([]order.Order, error) {
	return s.orders(ctx, "search orders", searchOrders, q, perf, store.LikePattern(q), store.ClampLimit(limit))
}

// transition changes a reserved order in one write transaction with its
// history entry (action, the status f leaves o in, f's detail) and c's
// message; writers take turns on the write connection, so exactly one of a
// payment and an expiry racing each other wins and the other gets
// ErrConflict.
func (s *Store) transition(ctx context.Context, what, id, from, action string, c order.Change,
	f func(tx *sql.Tx, o *order.Order, at time.Time) (detail string, err error)) (order.Order, error) {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		o, err := orderIn(ctx, tx, id)
		if err != nil {
			return err
		}
		if o.Status != from {
			return fmt.Errorf("order is %s: %w", o.Status, store.ErrConflict)
		}
		at := s.now()
		detail, err := f(tx, &o, at)
		if err != nil {
			return err
		}
		return record(ctx, tx, id, at, action, o.Status, detail, c)
	})
	if err != nil {
		return order.Order{}, fmt.Errorf("%s %s: %w", what, id, err)
	}
	return s.GetOrder(ctx, id)
}

// PayReservation turns a reserved order paid.
func (s *Store) PayReservation(ctx context.Context, id, method, by string, c order.Change) (order.Order, error) {
	return s.transition(ctx, "pay reservation", id, order.Reserved, order.ActionPaid, c, func(tx *sql.Tx, o *order.Order, at time.Time) (string, error) {
		o.Status = order.Paid
		_, err := tx.ExecContext(ctx, payReservation, id, method, by, micros(at))
		return fmt.Sprintf("%s by %s", money.Format(o.Total, o.Currency), method), err
	})
}

// EndReservation turns a reserved order expired or annulled (or an order
// waiting for its payment payment_failed), voids its tickets, which frees
// their seats for sale, and gives its code's use back.
func (s *Store) EndReservation(ctx context.Context, id, status string, c order.Change) (order.Order, error) {
	from := order.Reserved
	switch status {
	case order.Expired, order.Annulled:
	case order.PaymentFailed:
		from = order.PendingPayment // its payment window ended
	default:
		return order.Order{}, fmt.Errorf("end reservation %s: status %q: %w", id, status, store.ErrConflict)
	}
	// The actions are named as the statuses they lead to.
	return s.transition(ctx, "end reservation", id, from, status, c, func(tx *sql.Tx, o *order.Order, at time.Time) (string, error) {
		o.Status = status
		if _, err := tx.ExecContext(ctx, endReservation, id, status, micros(at)); err != nil {
			return "", err
		}
		if _, err := tx.ExecContext(ctx, voidTickets, id); err != nil {
			return "", err
		}
		if _, err := tx.ExecContext(ctx, voidPasses, id, micros(at)); err != nil {
			return "", err
		}
		detail := fmt.Sprintf("%d seat(s) freed", len(o.Tickets))
		if o.VoucherCode != "" {
			if _, err := tx.ExecContext(ctx, releaseCode, o.VoucherCode, micros(at)); err != nil {
				return "", err
			}
			detail += ", code " + o.VoucherCode + " given back"
		}
		return detail, nil
	})
}

// ExtendReservation moves a reserved order's deadline.
func (s *Store) ExtendReservation(ctx context.Context, id string, deadline time.Time, c order.Change) (order.Order, error) {
	return s.transition(ctx, "extend reservation", id, order.Reserved, order.ActionExtended, c, func(tx *sql.Tx, o *order.Order, at time.Time) (string, error) {
		_, err := tx.ExecContext(ctx, extendReservation, id, micros(deadline), micros(at))
		return "deadline " + deadline.UTC().Format(time.RFC3339), err
	})
}

// PrintTickets notes that the box office printed a paid order's live
// tickets (see the Postgres adapter), in one write transaction.
func (s *Store) PrintTickets(ctx context.Context, id string, c order.Change) (order.Order, error) {
	at := s.now()
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var status string
		err := tx.QueryRowContext(ctx, `SELECT status FROM orders WHERE id = $1`, id).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		if status != order.Paid && status != order.PartRefunded {
			return store.ErrConflict
		}
		// A ticket printed before is printed on a new form: its number is
		// voided and it gets the next one (ticket numbers, issue 17).
		if err := voidReprintedNumbers(ctx, tx, id, at); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE tickets SET printed_at = $2 WHERE order_id = $1 AND status = 'live' AND printed_at IS NULL`, id, micros(at))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		detail := fmt.Sprintf("%d tickets printed", n)
		if n == 0 {
			detail = "printed again"
		}
		return record(ctx, tx, id, at, order.ActionPrinted, status, detail, order.Change{Actor: c.Actor, Reason: c.Reason})
	})
	if err != nil {
		return order.Order{}, fmt.Errorf("print tickets of %s: %w", id, err)
	}
	return s.GetOrder(ctx, id)
}
