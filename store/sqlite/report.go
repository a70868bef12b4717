package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"

	"github.com/seatmap/seatmap/report"
	"github.com/seatmap/seatmap/store"
)

// The sales report's queries. Orders count when made in [$2, $3), refunds
// when given in it, whenever their order was made. Orders are read through
// (performance_id, created_at, id) for one performance and (created_at, id)
// for all, so each has a query of its own.
const (
	reportPaid = `('paid', 'partially_refunded', 'refunded')`
	// One line per channel: the orders made in the period.
	reportOrders = `SELECT o.channel, min(o.currency),
  coalesce(sum(o.status = 'reserved'), 0),
  coalesce(sum(o.status IN ` + reportPaid + `), 0),
  coalesce(sum(CASE WHEN o.status IN ` + reportPaid + ` THEN o.discount ELSE 0 END), 0)
FROM orders o WHERE o.created_at >= $2 AND o.created_at < $3 AND ` + notMovedOrder
	reportOrdersAll           = reportOrders + ` AND $1 = '' GROUP BY o.channel`
	reportOrdersOfPerformance = reportOrders + ` AND o.performance_id = $1 GROUP BY o.channel`
	// One line per (channel, zone): the tickets of the orders made in the
	// period.
	reportTickets = `SELECT o.channel, t.zone,
  coalesce(sum(o.status = 'reserved' AND t.status = 'live'), 0),
  coalesce(sum(o.status IN ` + reportPaid + ` AND t.status = 'live'), 0),
  coalesce(sum(t.status = 'refunded'), 0),
  coalesce(sum(CASE WHEN o.status IN ` + reportPaid + ` THEN t.price ELSE 0 END), 0),
  coalesce(sum(CASE WHEN o.status IN ` + reportPaid + ` THEN ` + store.TicketDiscountSQL + ` ELSE 0 END), 0),
  coalesce(sum(CASE WHEN t.status = 'refunded' THEN t.price - ` + store.TicketDiscountSQL + ` ELSE 0 END), 0)
FROM orders o JOIN tickets t ON t.order_id = o.id
WHERE o.created_at >= $2 AND o.created_at < $3 AND ` + notMovedOrder
	reportTicketsAll           = reportTickets + ` AND $1 = '' GROUP BY o.channel, t.zone`
	reportTicketsOfPerformance = reportTickets + ` AND o.performance_id = $1 GROUP BY o.channel, t.zone`
	// One line per (channel, product): the passes of the orders made in the
	// period; in a paid order a void pass is a refunded one.
	reportPasses = `SELECT o.channel, p.product_name,
  coalesce(sum(o.status IN ` + reportPaid + ` AND p.state <> 'void'), 0),
  coalesce(sum(o.status IN ` + reportPaid + ` AND p.state = 'void'), 0),
  coalesce(sum(CASE WHEN o.status IN ` + reportPaid + ` THEN p.price ELSE 0 END), 0),
  coalesce(sum(CASE WHEN o.status IN ` + reportPaid + ` THEN ` + store.PassDiscountSQL + ` ELSE 0 END), 0),
  coalesce(sum(CASE WHEN o.status IN ` + reportPaid + ` AND p.state = 'void' THEN p.price - ` + store.PassDiscountSQL + ` ELSE 0 END), 0)
FROM orders o JOIN passes p ON p.order_id = o.id
WHERE o.created_at >= $2 AND o.created_at < $3 AND ` + notMovedOrder
	reportPassesAll           = reportPasses + ` AND $1 = '' GROUP BY o.channel, p.product_name`
	reportPassesOfPerformance = reportPasses + ` AND o.performance_id = $1 GROUP BY o.channel, p.product_name`
	// One line per channel: the refunds given in the period.
	reportRefunds = `SELECT o.channel, count(*), coalesce(sum(r.amount), 0)
FROM refunds r JOIN orders o ON o.id = r.order_id
WHERE ($1 = '' OR o.performance_id = $1) AND r.created_at >= $2 AND r.created_at < $3
GROUP BY o.channel`
)

// The fares breakdown (issue 16): the tickets query by fare instead of by
// (channel, zone).
var (
	reportFares              = strings.Replace(reportTickets, "SELECT o.channel, t.zone,", "SELECT t.fare,", 1)
	reportFaresAll           = reportFares + ` AND $1 = '' GROUP BY t.fare`
	reportFaresOfPerformance = reportFares + ` AND o.performance_id = $1 GROUP BY t.fare`
)

// SalesReport sums orders and refunds (see store.SalesBuilder) in one read
// transaction, so that its figures come from one snapshot.
func (s *Store) SalesReport(ctx context.Context, f report.Filter) (report.Sales, error) {
	b := report.NewBuilder()
	tx, err := s.r.BeginTx(ctx, nil)
	if err != nil {
		return report.Sales{}, fmt.Errorf("sales report: %w", err)
	}
	defer tx.Rollback()
	if err := salesIn(ctx, tx, f, b); err != nil {
		return report.Sales{}, err
	}
	return b.Report(), nil
}

// reportArgs are the report queries' $1 (the performance, empty for all),
// $2 and $3 (the period, unbounded as the extreme microseconds).
func reportArgs(f report.Filter) []any {
	from, to := int64(math.MinInt64), int64(math.MaxInt64)
	if !f.From.IsZero() {
		from = micros(f.From)
	}
	if !f.To.IsZero() {
		to = micros(f.To)
	}
	return []any{f.PerformanceID, from, to}
}

// salesIn runs the sales report's queries in tx, b summing their rows.
func salesIn(ctx context.Context, tx *sql.Tx, f report.Filter, b *report.Builder) error {
	args := reportArgs(f)
	ordersQuery, ticketsQuery, passesQuery := reportOrdersAll, reportTicketsAll, reportPassesAll
	if f.PerformanceID != "" {
		ordersQuery, ticketsQuery, passesQuery = reportOrdersOfPerformance, reportTicketsOfPerformance, reportPassesOfPerformance
	}
	err := each(ctx, tx, ordersQuery, args, func(rows *sql.Rows) error {
		var channel, currency string
		var reserved, paid int
		var discounts int64
		if err := rows.Scan(&channel, &currency, &reserved, &paid, &discounts); err != nil {
			return err
		}
		b.Orders(channel, currency, reserved, paid, discounts)
		return nil
	})
	if err != nil {
		return fmt.Errorf("sales report: orders: %w", err)
	}
	err = each(ctx, tx, ticketsQuery, args, func(rows *sql.Rows) error {
		var channel, zone string
		var reservedSeats, seats, refundedSeats int
		var gross, discounts, refunded int64
		if err := rows.Scan(&channel, &zone, &reservedSeats, &seats, &refundedSeats, &gross, &discounts, &refunded); err != nil {
			return err
		}
		b.Tickets(channel, zone, reservedSeats, seats, refundedSeats, gross, discounts, refunded)
		return nil
	})
	if err != nil {
		return fmt.Errorf("sales report: tickets: %w", err)
	}
	faresQuery := reportFaresAll
	if f.PerformanceID != "" {
		faresQuery = reportFaresOfPerformance
	}
	err = each(ctx, tx, faresQuery, args, func(rows *sql.Rows) error {
		var fare string
		var reservedSeats, seats, refundedSeats int
		var gross, discounts, refunded int64
		if err := rows.Scan(&fare, &reservedSeats, &seats, &refundedSeats, &gross, &discounts, &refunded); err != nil {
			return err
		}
		b.Fare(fare, reservedSeats, seats, refundedSeats, gross, discounts, refunded)
		return nil
	})
	if err != nil {
		return fmt.Errorf("sales report: fares: %w", err)
	}
	err = each(ctx, tx, passesQuery, args, func(rows *sql.Rows) error {
		var channel, product string
		var passes, refundedPasses int
		var gross, discounts, refunded int64
		if err := rows.Scan(&channel, &product, &passes, &refundedPasses, &gross, &discounts, &refunded); err != nil {
			return err
		}
		b.Passes(channel, product, passes, refundedPasses, gross, discounts, refunded)
		return nil
	})
	if err != nil {
		return fmt.Errorf("sales report: passes: %w", err)
	}
	err = each(ctx, tx, reportRefunds, args, func(rows *sql.Rows) error {
		var channel string
		var n int
		var amount int64
		if err := rows.Scan(&channel, &n, &amount); err != nil {
			return err
		}
		b.Refunds(channel, n, amount)
		return nil
	})
	if err != nil {
		return fmt.Errorf("sales report: refunds: %w", err)
	}
	codesQuery := reportCodesAll
	if f.PerformanceID != "" {
		codesQuery = reportCodesOfPerformance
	}
	err = each(ctx, tx, codesQuery, args, func(rows *sql.Rows) error {
		var code string
		var uses int
		var discount int64
		if err := rows.Scan(&code, &uses, &discount); err != nil {
			return err
		}
		b.Code(code, uses, discount)
		return nil
	})
	if err != nil {
		return fmt.Errorf("sales report: codes: %w", err)
	}
	return nil
}

// each runs a query in tx and calls f for each row.
func each(ctx context.Context, tx *sql.Tx, query string, args []any, f func(*sql.Rows) error) error {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := f(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
