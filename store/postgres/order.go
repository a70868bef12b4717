package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/seatmap/seatmap/internal/fence"
	"github.com/seatmap/seatmap/money"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/store"
)

// Constraint names from the migrations that CreateOrder tells apart.
const (
	liveSeatIndex    = "tickets_live_seat"
	idempotencyIndex = "orders_idempotency"
)

const (
	liveAmong = `SELECT seat_index FROM tickets
WHERE performance_id = $1 AND status = 'live' AND seat_index = ANY($2::int[])
ORDER BY seat_index`
	idempotencyKeyUsed = `SELECT EXISTS (SELECT 1 FROM orders WHERE session = $1 AND idempotency_key = $2 AND idempotency_key <> '')`
	orderStored        = `SELECT EXISTS (SELECT 1 FROM orders WHERE id = $1 AND number = $2 AND created_at = $3)`

	orderColumns = `id, number, coalesce(performance_id, ''), status, buyer_name, buyer_email, session, hold_token, idempotency_key,
total, currency, channel, sold_by, payment_method, deadline, created_at, updated_at, discount, voucher_code, refunded, access_key, notes`
	selectOrder           = `SELECT ` + orderColumns + ` FROM orders WHERE id = $1`
	selectOrderForUpdate  = `SELECT ` + orderColumns + ` FROM orders WHERE id = $1 FOR UPDATE`
	selectOrderByKey      = `SELECT ` + orderColumns + ` FROM orders WHERE session = $1 AND idempotency_key = $2 AND idempotency_key <> ''`
	selectTicketsOfOrders = `SELECT order_id, seat_index, seat_id, zone, price, status, id, code, printed_at, fare, fare_name FROM tickets WHERE order_id = ANY($1::text[]) ORDER BY order_id, seat_index`
	selectReservedOrders  = `SELECT ` + orderColumns + ` FROM orders WHERE performance_id = $1 AND status IN ('reserved', 'pending_payment') ORDER BY created_at, id`
	selectSoldSeats       = `SELECT t.seat_index FROM tickets t JOIN orders o ON o.id = t.order_id
WHERE t.performance_id = $1 AND t.status = 'live' AND o.status IN ('paid', 'partially_refunded', 'refunded')
ORDER BY t.seat_index`
	// Two queries, so that each has its index: a performance's orders by
	// (performance_id, created_at, id), all orders by (created_at, id). The
	// cursor is a row comparison the index scan starts from; without one it is
	// infinity (see bound). An empty status matches every status.
	// $6 channel, $7 the buyer as a LIKE pattern, [$8, $9) the creation times.
	orderFilters = ` AND ($1 = '' OR status = $1) AND (created_at, id) < ($2, $3::text)
  AND ($6 = '' OR channel = $6)
  AND ($7 = '' OR lower(buyer_name) LIKE '%' || $7 || '%' ESCAPE '\' OR lower(buyer_email) LIKE '%' || $7 || '%' ESCAPE '\')
  AND created_at >= $8 AND created_at < $9
ORDER BY created_at DESC, id DESC
LIMIT $4`
	listOrders              = `SELECT ` + orderColumns + ` FROM orders WHERE $5 = ''` + orderFilters
	listOrdersOfPerformance = `SELECT ` + orderColumns + ` FROM orders WHERE performance_id = $5` + orderFilters
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
	// returnCodeUse gives back the use an ended reservation's code counted.
	returnCodeUse     = `UPDATE codes SET uses = uses - 1, updated_at = $2 WHERE code = $1 AND uses > 0`
	voidTickets       = `UPDATE tickets SET status = 'void' WHERE order_id = $1 AND status = 'live'`
	extendReservation = `UPDATE orders SET deadline = $2, updated_at = $3 WHERE id = $1`
)

// An order is written by one statement: atomic without an explicit
// transaction, one round trip whatever the number of seats. It writes the
// order row, its tickets and its first history entry, and, when there is
// one, its e-mail and its code's use. Each variant touches only the tables
// it writes: every relation a statement names is locked and opened for it,
// and a batch of orders that named codes and outbox for nothing took a
// quarter longer (BenchmarkCreateOrderParallel).
//
// The order row goes first (the scalar subquery runs before the first
// ticket), so a replayed idempotency key is reported as such and not as its
// own seats being sold. With a code, the order row is written only if the
// code's use could be counted: the row lock the UPDATE takes, and its
// re-check of the limit after waiting, count racing redemptions exactly. A
// refused code leaves no order row, and the tickets' NOT NULL order_id then
// fails the statement.
//
// $1–$16 the order, $17–$21 the tickets' arrays, $22–$24 the history entry,
// $25–$26 the tickets' ids and codes, $27 the order's access key,
// $28–$29 the tickets' fares (id and name);
// then the code and discount, then the message, when the variant has them.
//
// An order with passes writes them in the same statement (the third
// variant): their order_id is the order row's id too, so a refused code
// fails the statement on them as on tickets, also with no tickets at all.
var insertOrders = func() (v [2][2][2]string) {
	for code := range 2 {
		for mail := range 2 {
			for passes := range 2 {
				v[code][mail][passes] = insertOrderSQL(code == 1, mail == 1, passes == 1)
			}
		}
	}
	return v
}()

// passArrays is how many arrays carry an order's passes.
const passArrays = 14

func insertOrderSQL(code, mail, passes bool) string {
	var b strings.Builder
	next := 30
	param := func() string { next++; return fmt.Sprint("$", next-1) }
	cols, vals, cond := "", "", ""
	b.WriteString("WITH ")
	if code {
		c, d := param(), param()
		fmt.Fprintf(&b, `c AS (
  UPDATE codes SET uses = uses + 1, updated_at = $16
  WHERE code = %s AND state = 'available' AND (max_uses = 0 OR uses < max_uses)
  RETURNING code
), `, c)
		cols, vals, cond = ", discount, voucher_code", ", "+d+", "+c, "\n  WHERE EXISTS (SELECT 1 FROM c)"
	}
	fmt.Fprintf(&b, `o AS (
  INSERT INTO orders (id, number, performance_id, status, buyer_name, buyer_email, session, hold_token, idempotency_key,
                      total, currency, channel, sold_by, payment_method, deadline, created_at, updated_at, access_key%s)
  SELECT $1, $2, NULLIF($3, ''), $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, $27%s%s
  RETURNING id
), e AS (
  INSERT INTO order_events (order_id, at, action, actor, reason, status, detail)
  SELECT id, $16, 'created', $22, $23, $4, $24 FROM o
)`, cols, vals, cond)
	if mail {
		fmt.Fprintf(&b, `, m AS (
  INSERT INTO outbox (id, order_id, kind, recipient, subject, body, created_at, next_attempt)
  SELECT %s, id, %s, %s, %s, %s, $16, $16 FROM o
)`, param(), param(), param(), param(), param())
	}
	if passes {
		types := [passArrays]string{"text", "text", "text", "text", "int", "int", "bigint", "text", "text", "bool", "date", "date", "text", "text"}
		arrays := make([]string, passArrays)
		for i, typ := range types {
			arrays[i] = param() + "::" + typ + "[]"
		}
		b.WriteString(`, p AS (
  INSERT INTO passes (order_id, id, product_id, product_name, kind, line, unit, price, code, state, personalize,
                      valid_from, valid_to, personalize_token, holder_name, created_at, updated_at)
  SELECT (SELECT id FROM o), p.id, p.product_id, p.product_name, p.kind, p.line, p.unit, p.price, p.code, p.state,
         p.personalize, p.valid_from, p.valid_to, p.token, p.holder, $16, $16
  FROM unnest(` + strings.Join(arrays, ", ") + `)
    AS p(id, product_id, product_name, kind, line, unit, price, code, state, personalize, valid_from, valid_to, token, holder)
)`)
	}
	b.WriteString(`
INSERT INTO tickets (order_id, performance_id, seat_index, seat_id, zone, price, status, id, code, fare, fare_name)
SELECT (SELECT id FROM o), $3, t.seat, t.seat_id, t.zone, t.price, t.status, t.id, t.code, t.fare, t.fare_name
FROM unnest($17::int[], $18::text[], $19::text[], $20::bigint[], $21::text[], $25::text[], $26::text[], $28::text[], $29::text[])
  AS t(seat, seat_id, zone, price, status, id, code, fare, fare_name)`)
	return b.String()
}

// orderInsert is the statement that writes an order, with its arguments.
type orderInsert struct {
	query string
	args  []any
	code  string // the voucher or promotion it redeems, if any
	// fence is the owner's token the order was sold under (issue 18), 0
	// when none: the order is written only behind seatmap_fence.
	fence uint64
	perf  string
}

// createOrderAttempts bounds the retries of an insert whose conflicting seats
// were freed before the look-up could name them.
const createOrderAttempts = 3

// CreateOrder writes an order and its tickets atomically. It usually shares a
// commit with the other orders arriving at the same time (see writeOrders);
// one that its batch could not write is written alone.
func (s *Store) CreateOrder(ctx context.Context, o order.Order) (order.Order, error) {
	if seat, ok := repeatedSeat(o.Tickets); ok {
		return order.Order{}, fmt.Errorf("create order %s: seat %d has two tickets", o.ID, seat)
	}
	if err := ctx.Err(); err != nil {
		return order.Order{}, fmt.Errorf("create order %s: %w", o.ID, err)
	}
	order.Issue(&o)
	o.CreatedAt = s.now()
	o.UpdatedAt = o.CreatedAt
	if o.Channel == "" {
		o.Channel = "web"
	}
	args, seats := orderArgs(o)
	if tok, ok := fence.From(ctx, o.PerformanceID); ok {
		args.fence, args.perf = tok, o.PerformanceID
	}
	v, err := s.submitOrder(ctx, args)
	switch {
	case err != nil:
		return order.Order{}, fmt.Errorf("create order %s: %w", o.ID, err)
	case v == verdictWritten:
		return o, nil
	case v == verdictSkipped:
		return order.Order{}, fmt.Errorf("create order %s: %w", o.ID, ctx.Err())
	}
	return s.createOrderAlone(ctx, o, args, seats)
}

// orderArgs returns the statement that writes o, and o's seats.
func orderArgs(o order.Order) (ins orderInsert, seats []int32) {
	n := len(o.Tickets)
	seats = make([]int32, n)
	ids, zones, prices, statuses := make([]string, n), make([]string, n), make([]int64, n), make([]string, n)
	tids, codes := make([]string, n), make([]string, n)
	fares, fareNames := make([]string, n), make([]string, n)
	for i, t := range o.Tickets {
		seats[i], ids[i], zones[i], prices[i], statuses[i] = int32(t.Seat), t.SeatID, t.Zone, t.Price, t.Status
		tids[i], codes[i] = t.ID, t.Code
		fares[i], fareNames[i] = ticketFare(t)
	}
	args := []any{o.ID, o.Number, o.PerformanceID, o.Status, o.BuyerName, o.BuyerEmail,
		o.Session, o.HoldToken, o.IdempotencyKey, o.Total, o.Currency, o.Channel, o.SoldBy, o.PaymentMethod,
		nullTime(o.Deadline), o.CreatedAt, seats, ids, zones, prices, statuses,
		o.Origin.Actor, o.Origin.Reason, order.CreatedDetail(o), tids, codes, o.AccessKey, fares, fareNames}
	code, mail := 0, 0
	if o.VoucherCode != "" {
		code = 1
		args = append(args, o.VoucherCode, o.Discount)
	}
	if m := o.Origin.Notify; m != nil {
		mail = 1
		args = append(args, m.ID, m.Kind, m.To, m.Subject, m.Body)
	}
	passes := 0
	if len(o.Passes) > 0 {
		passes = 1
		args = append(args, passArgs(o.Passes)...)
	}
	return orderInsert{query: insertOrders[code][mail][passes], args: args, code: o.VoucherCode}, seats
}

// createOrderAlone writes o in a statement of its own, which names exactly
// what stands in its way. CreateOrder sends o here when its batch did not
// write it or may have: a batch whose connection broke after it was sent may
// have committed, so finding this very order (same id, number and creation
// time, which no other call shares) is success, not a duplicate.
func (s *Store) createOrderAlone(ctx context.Context, o order.Order, args orderInsert, seats []int32) (order.Order, error) {
	for attempt := 1; ; attempt++ {
		err := s.insertOrder(ctx, args)
		if err == nil {
			return o, nil
		}
		if errors.Is(err, fence.ErrStale) {
			return order.Order{}, fmt.Errorf("create order %s: %w", o.ID, err)
		}
		if isMissingParent(err) {
			return order.Order{}, fmt.Errorf("create order %s: performance %s: %w", o.ID, o.PerformanceID, store.ErrNotFound)
		}
		if _, refused := violation(err, codeNotNullViolation); refused && o.VoucherCode != "" {
			return order.Order{}, fmt.Errorf("create order %s: %w", o.ID, s.codeRefused(ctx, o.VoucherCode))
		}
		cons, ok := violation(err, codeUniqueViolation)
		if ok && cons != liveSeatIndex {
			// The order row goes first, so a batch that did commit o shows
			// here, not as o's seats being sold.
			var stored bool
			if err := s.pool.QueryRow(ctx, orderStored, o.ID, o.Number, o.CreatedAt).Scan(&stored); err != nil {
				return order.Order{}, fmt.Errorf("create order %s: %w", o.ID, err)
			}
			if stored {
				return o, nil
			}
		}
		switch {
		case !ok:
			return order.Order{}, fmt.Errorf("create order %s: %w", o.ID, err)
		case cons == idempotencyIndex:
			return order.Order{}, fmt.Errorf("create order %s: %w", o.ID, order.ErrIdempotencyKey)
		case cons != liveSeatIndex:
			return order.Order{}, fmt.Errorf("create order %s (%s): %w", o.ID, cons, store.ErrDuplicate)
		}
		if err := s.seatsSold(ctx, o, seats); err != nil {
			return order.Order{}, fmt.Errorf("create order %s: %w", o.ID, err)
		}
		if attempt == createOrderAttempts {
			return order.Order{}, fmt.Errorf("create order %s: seats changed hands %d times: %w", o.ID, attempt, store.ErrConflict)
		}
	}
}

// insertOrder runs an order's insert alone: behind seatmap_fence in one
// transaction when it carries a token.
func (s *Store) insertOrder(ctx context.Context, args orderInsert) error {
	if args.fence == 0 {
		_, err := s.pool.Exec(ctx, args.query, args.args...)
		return err
	}
	return fenced(pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, checkFence, args.perf, int64(args.fence)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, args.query, args.args...)
		return err
	}))
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

// seatsSold explains a violation of the live-seat index: the order's key was
// used already (a replay racing its original), or these seats are sold. It
// returns nil when neither holds any more, for the caller to try again.
func (s *Store) seatsSold(ctx context.Context, o order.Order, seats []int32) error {
	var used bool
	if err := s.pool.QueryRow(ctx, idempotencyKeyUsed, o.Session, o.IdempotencyKey).Scan(&used); err != nil {
		return err
	}
	if used {
		return order.ErrIdempotencyKey
	}
	rows, err := s.pool.Query(ctx, liveAmong, o.PerformanceID, seats)
	if err != nil {
		return err
	}
	sold, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return err
	}
	if len(sold) == 0 {
		// Refunded or voided between the insert and this look-up.
		return nil
	}
	e := &order.SeatsSoldError{Seats: make([]uint32, len(sold))}
	for i, seat := range sold {
		e.Seats[i] = uint32(seat)
	}
	return e
}

func scanOrder(row pgx.Row) (order.Order, error) {
	var o order.Order
	var deadline *time.Time
	err := row.Scan(&o.ID, &o.Number, &o.PerformanceID, &o.Status, &o.BuyerName, &o.BuyerEmail, &o.Session, &o.HoldToken, &o.IdempotencyKey,
		&o.Total, &o.Currency, &o.Channel, &o.SoldBy, &o.PaymentMethod, &deadline, &o.CreatedAt, &o.UpdatedAt,
		&o.Discount, &o.VoucherCode, &o.Refunded, &o.AccessKey, &o.Notes)
	if err != nil {
		return order.Order{}, err
	}
	utc(&o.CreatedAt)
	utc(&o.UpdatedAt)
	if deadline != nil {
		o.Deadline = deadline.UTC()
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
	rows, err := s.pool.Query(ctx, selectTicketsOfOrders, ids)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var t order.Ticket
		var seat int32
		var printed *time.Time
		if err := rows.Scan(&id, &seat, &t.SeatID, &t.Zone, &t.Price, &t.Status, &t.ID, &t.Code, &printed, &t.Fare, &t.FareName); err != nil {
			return err
		}
		if printed != nil {
			t.PrintedAt = printed.UTC()
		}
		t.Seat = uint32(seat)
		o := &orders[at[id]]
		o.Tickets = append(o.Tickets, t)
	}
	return rows.Err()
}

// orders runs an order query and loads the tickets of what it found.
func (s *Store) orders(ctx context.Context, what, query string, args ...any) ([]order.Order, error) {
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (order.Order, error) { return scanOrder(r) })
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if err := s.withTickets(ctx, out); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if err := withPasses(ctx, s.pool, out); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// order runs a query for one order and loads its tickets.
func (s *Store) order(ctx context.Context, what, query string, args ...any) (order.Order, error) {
	o, err := scanOrder(s.pool.QueryRow(ctx, query, args...))
	if errors.Is(err, pgx.ErrNoRows) {
		return order.Order{}, fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	if err != nil {
		return order.Order{}, fmt.Errorf("%s: %w", what, err)
	}
	one := []order.Order{o}
	if err := s.withTickets(ctx, one); err != nil {
		return order.Order{}, fmt.Errorf("%s: %w", what, err)
	}
	if err := withPasses(ctx, s.pool, one); err != nil {
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
	args := []any{f.Status, bound(f.Before, pgtype.Infinity), f.BeforeID, store.ClampLimit(f.Limit), f.PerformanceID,
		f.Channel, store.LikePattern(strings.TrimSpace(f.Buyer)), bound(f.From, pgtype.NegativeInfinity), bound(f.To, pgtype.Infinity)}
	if f.PerformanceID == "" {
		return s.orders(ctx, "list orders", listOrders, args...)
	}
	return s.orders(ctx, "list orders of "+f.PerformanceID, listOrdersOfPerformance, args...)
}

// SoldSeats lists the seats with a live ticket of a paid order, ascending.
func (s *Store) SoldSeats(ctx context.Context, perf string) ([]uint32, error) {
	rows, err := s.pool.Query(ctx, selectSoldSeats, perf)
	if err != nil {
		return nil, fmt.Errorf("sold seats of %s: %w", perf, err)
	}
	seats, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return nil, fmt.Errorf("sold seats of %s: %w", perf, err)
	}
	out := make([]uint32, len(seats))
	for i, seat := range seats {
		out[i] = uint32(seat)
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

// transition changes a reserved order in one transaction, with its history
// entry and message. The row lock makes concurrent transitions of one order
// take turns, so exactly one of a payment and an expiry racing each other wins
// and the other gets ErrConflict.
func (s *Store) transition(ctx context.Context, what, id, from, action string, c order.Change, f func(tx pgx.Tx, o *order.Order) (detail string, err error)) (order.Order, error) {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		o, err := lockOrder(ctx, tx, id)
		if err != nil {
			return err
		}
		if o.Status != from {
			return fmt.Errorf("order is %s: %w", o.Status, store.ErrConflict)
		}
		detail, err := f(tx, &o)
		if err != nil {
			return err
		}
		return record(ctx, tx, o, s.now(), action, detail, c)
	})
	if err != nil {
		return order.Order{}, fmt.Errorf("%s %s: %w", what, id, err)
	}
	return s.GetOrder(ctx, id)
}

// PayReservation turns a reserved order paid.
func (s *Store) PayReservation(ctx context.Context, id, method, by string, c order.Change) (order.Order, error) {
	return s.transition(ctx, "pay reservation", id, order.Reserved, order.ActionPaid, c, func(tx pgx.Tx, o *order.Order) (string, error) {
		o.Status = order.Paid
		_, err := tx.Exec(ctx, payReservation, id, method, by, s.now())
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
	return s.transition(ctx, "end reservation", id, from, status, c, func(tx pgx.Tx, o *order.Order) (string, error) {
		o.Status = status
		at := s.now()
		if _, err := tx.Exec(ctx, endReservation, id, status, at); err != nil {
			return "", err
		}
		if _, err := tx.Exec(ctx, voidTickets, id); err != nil {
			return "", err
		}
		if _, err := tx.Exec(ctx, voidPasses, id, at); err != nil {
			return "", err
		}
		detail := fmt.Sprintf("%d seat(s) freed", len(o.Tickets))
		if o.VoucherCode != "" {
			if _, err := tx.Exec(ctx, returnCodeUse, o.VoucherCode, at); err != nil {
				return "", err
			}
			detail += ", code " + o.VoucherCode + " given back"
		}
		return detail, nil
	})
}

// ExtendReservation moves a reserved order's deadline.
func (s *Store) ExtendReservation(ctx context.Context, id string, deadline time.Time, c order.Change) (order.Order, error) {
	return s.transition(ctx, "extend reservation", id, order.Reserved, order.ActionExtended, c, func(tx pgx.Tx, o *order.Order) (string, error) {
		_, err := tx.Exec(ctx, extendReservation, id, deadline, s.now())
		return "deadline " + deadline.UTC().Format(time.RFC3339), err
	})
}

// PrintTickets notes that the box office printed a paid order's live
// tickets: those not printed before get printed_at, and the print (or
// reprint) is written to the order's history, in one transaction.
// ErrNotFound for no order, ErrConflict for an order not paid.
func (s *Store) PrintTickets(ctx context.Context, id string, c order.Change) (order.Order, error) {
	at := s.now()
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var status string
		err := tx.QueryRow(ctx, `SELECT status FROM orders WHERE id = $1 FOR UPDATE`, id).Scan(&status)
		if errors.Is(err, pgx.ErrNoRows) {
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
		tag, err := tx.Exec(ctx, `UPDATE tickets SET printed_at = $2 WHERE order_id = $1 AND status = 'live' AND printed_at IS NULL`, id, at)
		if err != nil {
			return err
		}
		detail := fmt.Sprintf("%d tickets printed", tag.RowsAffected())
		if tag.RowsAffected() == 0 {
			detail = "printed again"
		}
		_, err = tx.Exec(ctx, insertEvent, id, at, order.ActionPrinted, c.Actor, c.Reason, status, detail)
		return err
	})
	if err != nil {
		return order.Order{}, fmt.Errorf("print tickets of %s: %w", id, err)
	}
	return s.GetOrder(ctx, id)
}
