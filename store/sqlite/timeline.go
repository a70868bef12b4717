package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/seatmap/seatmap/report"
)

// The reports of issue 17: the codes breakdown and the sales over time.
// Times are microseconds since the epoch; a quarter (report.Quarter) is
// 900,000,000 of them.
const (
	reportCodes = `SELECT o.voucher_code, count(*), coalesce(sum(o.discount), 0)
FROM orders o WHERE o.created_at >= $2 AND o.created_at < $3 AND o.status IN ` + reportPaid + ` AND o.voucher_code <> ''`
	reportCodesAll           = reportCodes + ` AND $1 = '' GROUP BY o.voucher_code`
	reportCodesOfPerformance = reportCodes + ` AND o.performance_id = $1 GROUP BY o.voucher_code`

	quarterMicros = `(%s / 900000000) * 900000000`
)

var (
	timelineOrders = `SELECT ` + fmt.Sprintf(quarterMicros, "o.created_at") + ` AS q, count(*), coalesce(sum(o.discount), 0)
FROM orders o WHERE o.created_at >= $2 AND o.created_at < $3 AND o.status IN ` + reportPaid + ` AND ($1 = '' OR o.performance_id = $1)
GROUP BY q`
	timelineTickets = `SELECT ` + fmt.Sprintf(quarterMicros, "o.created_at") + ` AS q, coalesce(sum(t.status = 'live'), 0), coalesce(sum(t.price), 0)
FROM orders o JOIN tickets t ON t.order_id = o.id
WHERE o.created_at >= $2 AND o.created_at < $3 AND o.status IN ` + reportPaid + ` AND ($1 = '' OR o.performance_id = $1)
GROUP BY q`
	timelinePasses = strings.NewReplacer("tickets t", "passes p", "t.order_id", "p.order_id", "t.status = 'live'", "p.state <> 'void'", "t.price", "p.price").
			Replace(timelineTickets)
	timelineRefunds = `SELECT ` + fmt.Sprintf(quarterMicros, "r.created_at") + ` AS q, count(*), coalesce(sum(r.amount), 0)
FROM refunds r JOIN orders o ON o.id = r.order_id
WHERE ($1 = '' OR o.performance_id = $1) AND r.created_at >= $2 AND r.created_at < $3
GROUP BY q`
)

// SalesTimeline counts the paid orders made and the refunds given in the
// period by UTC quarter hour (see report.TimeRow), in one read transaction.
func (s *Store) SalesTimeline(ctx context.Context, f report.Filter) ([]report.TimeRow, error) {
	tx, err := s.r.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sales timeline: %w", err)
	}
	defer tx.Rollback()
	return timelineIn(ctx, tx, f)
}

// timelineIn runs the timeline's queries in tx.
func timelineIn(ctx context.Context, tx *sql.Tx, f report.Filter) ([]report.TimeRow, error) {
	args := reportArgs(f)
	var rows []report.TimeRow
	for _, q := range []struct {
		query string
		add   func(r *report.TimeRow, n int, sum int64)
	}{
		{timelineOrders, func(r *report.TimeRow, n int, sum int64) { r.Orders, r.Discounts = n, sum }},
		{timelineTickets, func(r *report.TimeRow, n int, sum int64) { r.Tickets, r.Gross = n, sum }},
		{timelinePasses, func(r *report.TimeRow, n int, sum int64) { r.Passes, r.Gross = n, sum }},
		{timelineRefunds, func(r *report.TimeRow, n int, sum int64) { r.Refunds, r.Refunded = n, sum }},
	} {
		err := each(ctx, tx, q.query, args, func(res *sql.Rows) error {
			var at int64
			var n int
			var sum int64
			if err := res.Scan(&at, &n, &sum); err != nil {
				return err
			}
			r := report.TimeRow{At: fromMicros(at)}
			q.add(&r, n, sum)
			rows = append(rows, r)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("sales timeline: %w", err)
		}
	}
	return report.MergeRows(rows), nil
}

// SalesExport is SalesReport and SalesTimeline of one filter read in one
// read transaction, so that the timeline adds up to the report's total.
func (s *Store) SalesExport(ctx context.Context, f report.Filter) (report.Sales, []report.TimeRow, error) {
	tx, err := s.r.BeginTx(ctx, nil)
	if err != nil {
		return report.Sales{}, nil, fmt.Errorf("sales export: %w", err)
	}
	defer tx.Rollback()
	b := report.NewBuilder()
	if err := salesIn(ctx, tx, f, b); err != nil {
		return report.Sales{}, nil, err
	}
	rows, err := timelineIn(ctx, tx, f)
	if err != nil {
		return report.Sales{}, nil, err
	}
	return b.Report(), rows, nil
}
