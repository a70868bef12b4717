package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/seatmap/seatmap/report"
)

// cashierDay sums, for [$1, $2), what staff sold (orders paid, by the
// staff member, till and payment method) and gave back (refunds by a staff
// member), in one statement.
const cashierDay = `SELECT staff, till, method, currency, sum(orders)::bigint, sum(sold)::bigint, sum(refunds)::bigint, sum(refunded)::bigint, max(last)
FROM (
  SELECT coalesce('staff:' || u.login, o.sold_by) AS staff, o.channel AS till, o.payment_method AS method, o.currency,
         count(*) AS orders, sum(o.total) AS sold, 0 AS refunds, 0 AS refunded, max(o.created_at) AS last
  FROM orders o LEFT JOIN users u ON u.id = o.sold_by
  WHERE o.created_at >= $1 AND o.created_at < $2 AND o.sold_by <> '' AND o.status IN ('paid', 'partially_refunded', 'refunded')
  GROUP BY 1, 2, 3, 4
  UNION ALL
  SELECT r.actor, o.channel, r.method, o.currency, 0, 0, count(*), sum(r.amount), max(r.created_at)
  FROM refunds r JOIN orders o ON o.id = r.order_id
  WHERE r.created_at >= $1 AND r.created_at < $2 AND r.actor LIKE 'staff:%'
  GROUP BY 1, 2, 3, 4
) x
GROUP BY staff, till, method, currency
ORDER BY staff, till, method, currency`

// CashierDay returns what each staff member sold and gave back at each till
// in [from, to), by payment method.
func (s *Store) CashierDay(ctx context.Context, from, to time.Time) ([]report.CashierLine, error) {
	rows, err := s.pool.Query(ctx, cashierDay, from, to)
	if err != nil {
		return nil, fmt.Errorf("cashier day: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (report.CashierLine, error) {
		var l report.CashierLine
		err := r.Scan(&l.Staff, &l.Till, &l.Method, &l.Currency, &l.Orders, &l.Sold, &l.Refunds, &l.Refunded, &l.Last)
		l.Last = l.Last.UTC()
		return l, err
	})
	if err != nil {
		return nil, fmt.Errorf("cashier day: %w", err)
	}
	return out, nil
}
