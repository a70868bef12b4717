package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/seatmap/seatmap/report"
)

// The reports of issue 17: the codes breakdown and the sales over time.
const (
	// One line per code: the paid orders made with it in the period.
	salesCodes = `SELECT o.voucher_code, count(*), coalesce(sum(o.discount), 0)
FROM orders o
WHERE ` + salesOrderFilters + ` AND o.status IN ` + paidStatuses + ` AND o.voucher_code <> ''
GROUP BY o.voucher_code`
	// quarterOf is the UTC quarter hour (report.Quarter) a moment falls in;
	// the venue's buckets are made of them in Go.
	quarterOf = `to_timestamp(floor(extract(epoch FROM %s) / 900) * 900)`
)

var (
	timelineOrders = `SELECT ` + fmt.Sprintf(quarterOf, "o.created_at") + `, count(*), coalesce(sum(o.discount), 0)
FROM orders o
WHERE ` + salesOrderFilters + ` AND o.status IN ` + paidStatuses + `
GROUP BY 1`
	timelineTickets = `SELECT ` + fmt.Sprintf(quarterOf, "o.created_at") + `, count(*) FILTER (WHERE t.status = 'live'), coalesce(sum(t.price), 0)
FROM tickets t JOIN orders o ON o.id = t.order_id
WHERE ` + salesOrderFilters + ` AND o.status IN ` + paidStatuses + `
GROUP BY 1`
	timelinePasses = strings.NewReplacer("tickets t", "passes p", "t.order_id", "p.order_id", "t.status = 'live'", "p.state <> 'void'", "t.price", "p.price").
			Replace(timelineTickets)
	timelineRefunds = `SELECT ` + fmt.Sprintf(quarterOf, "r.created_at") + `, count(*), coalesce(sum(r.amount), 0)
FROM refunds r JOIN orders o ON o.id = r.order_id
WHERE ($1 = '' OR o.performance_id = $1) AND r.created_at >= $2 AND r.created_at < $3
GROUP BY 1`
)

// snapshot runs f in a repeatable read, read-only transaction: every
// statement of f sees the same committed state, whatever commits meanwhile.
func (s *Store) snapshot(ctx context.Context, f func(pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, f)
}

// SalesTimeline counts the paid orders made and the refunds given in the
// period by UTC quarter hour (see report.TimeRow), in one snapshot.
func (s *Store) SalesTimeline(ctx context.Context, f report.Filter) ([]report.TimeRow, error) {
	args := []any{f.PerformanceID, bound(f.From, pgtype.NegativeInfinity), bound(f.To, pgtype.Infinity)}
	var rows []report.TimeRow
	batch := &pgx.Batch{}
	queueTimeline(batch, args, &rows)
	if err := s.snapshot(ctx, func(tx pgx.Tx) error { return tx.SendBatch(ctx, batch).Close() }); err != nil {
		return nil, fmt.Errorf("sales timeline: %w", err)
	}
	return report.MergeRows(rows), nil
}

// queueTimeline queues the timeline's queries, whose rows go to rows.
func queueTimeline(batch *pgx.Batch, args []any, rows *[]report.TimeRow) {
	queue := func(b *pgx.Batch, query string, add func(r *report.TimeRow, n int, sum int64)) {
		b.Queue(query, args...).Query(func(res pgx.Rows) error {
			for res.Next() {
				var at time.Time
				var n int
				var sum int64
				if err := res.Scan(&at, &n, &sum); err != nil {
					return err
				}
				r := report.TimeRow{At: at.UTC()}
				add(&r, n, sum)
				*rows = append(*rows, r)
			}
			return res.Err()
		})
	}
	queue(batch, timelineOrders, func(r *report.TimeRow, n int, sum int64) { r.Orders, r.Discounts = n, sum })
	queue(batch, timelineTickets, func(r *report.TimeRow, n int, sum int64) { r.Tickets, r.Gross = n, sum })
	queue(batch, timelinePasses, func(r *report.TimeRow, n int, sum int64) { r.Passes, r.Gross = n, sum })
	queue(batch, timelineRefunds, func(r *report.TimeRow, n int, sum int64) { r.Refunds, r.Refunded = n, sum })
}

// SalesExport is SalesReport and SalesTimeline of one filter read from one
// snapshot, so that the timeline adds up to the report's total whatever is
// written meanwhile (the CSV has both).
func (s *Store) SalesExport(ctx context.Context, f report.Filter) (report.Sales, []report.TimeRow, error) {
	args := []any{f.PerformanceID, bound(f.From, pgtype.NegativeInfinity), bound(f.To, pgtype.Infinity)}
	b := report.NewBuilder()
	var rows []report.TimeRow
	batch := &pgx.Batch{}
	queueSales(batch, args, b)
	queueTimeline(batch, args, &rows)
	if err := s.snapshot(ctx, func(tx pgx.Tx) error { return tx.SendBatch(ctx, batch).Close() }); err != nil {
		return report.Sales{}, nil, fmt.Errorf("sales export: %w", err)
	}
	return b.Report(), report.MergeRows(rows), nil
}
