package checkout

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/money"
	"github.com/seatmap/seatmap/order"
)

// Reconciliation: does what the payment provider was told match the orders?
// For a period (the payment rows made in it, and every row and refund of
// their orders, whenever made), the check says:
//
//   - an order paid online through a provider (paid, partially refunded or
//     refunded, with payment rows) has exactly one succeeded payment kept, of
//     its total and currency;
//   - every succeeded payment belongs to such an order, or was given back (a
//     late payment: a refund of the same amount, without a seatd refund);
//   - the seatd refunds sent to the provider that succeeded (with those
//     still on their way) add up to what the order gave back online;
//   - nothing stays pending: a payment past its window and ReconcileGrace, a
//     refund for more than a day.
//
// Orders without payment rows — paid with -payment none (unpaid by design),
// sold at the box office for cash or card — have nothing at a provider to
// match, and are not looked at. The check only reads: it changes nothing, and
// what it finds is for people to look into (see Finding's kinds).
//
// The daily run (Config.ReconcileDaily) checks yesterday, in the venue's time
// zone, once the day has changed (and at start), logs what it finds, and
// keeps the last result for staff (LastReconciliation).

// Kinds of findings.
const (
	// FindingPaidWithoutPayment: a paid order with payment rows, none of
	// them a succeeded payment.
	FindingPaidWithoutPayment = "paid_without_payment"
	// FindingDuplicatePayment: a second succeeded payment of one order, not
	// given back.
	FindingDuplicatePayment = "duplicate_payment"
	// FindingAmountMismatch: the succeeded payment is not the order's total
	// or currency.
	FindingAmountMismatch = "amount_mismatch"
	// FindingPaymentWithoutOrder: a succeeded payment whose order is not
	// paid and whose money was not given back: money kept without a ticket.
	FindingPaymentWithoutOrder = "payment_without_order"
	// FindingRefundMismatch: the refunds that succeeded at the provider do
	// not add up to what the order gave back online.
	FindingRefundMismatch = "refund_mismatch"
	// FindingStalePayment: a payment still pending past its window and the
	// grace.
	FindingStalePayment = "stale_payment"
	// FindingStaleRefund: a refund still pending after staleRefund.
	FindingStaleRefund = "stale_refund"
)

// MaxReconcilePeriod is the longest period a check or a payment list covers:
// a quarter, with a day to spare for clock changes.
const MaxReconcilePeriod = 93 * 24 * time.Hour

// DefaultReconcileGrace is how long after its window a payment may stay
// pending before the check flags it.
const DefaultReconcileGrace = time.Hour

// staleRefund is how long a refund may stay pending at the provider before
// the check flags it: card refunds settle in seconds, some methods in hours.
const staleRefund = 24 * time.Hour

// Finding is one thing the check found that does not match.
type Finding struct {
	Kind        string
	OrderID     string
	OrderNumber string
	PaymentID   string // seatd's payment row; empty when the finding is the order's
	Detail      string // for people: amounts, statuses, the provider's ids
}

// Reconciliation is what a check of a period found.
type Reconciliation struct {
	From, To time.Time
	Payments int // payments made in the period
	Refunds  int // refunds made in the period
	Orders   int // orders checked: those with a payment or refund made in the period
	Findings []Finding
}

// ReconcileRun is a check that ran, and when.
type ReconcileRun struct {
	At     time.Time
	Result Reconciliation
}

// recon is the daily run's last result.
type recon struct {
	mu   sync.Mutex
	last *ReconcileRun
}

// checkPeriod checks a period [from, to): both given, to after from, at most
// MaxReconcilePeriod long.
func checkPeriod(from, to time.Time) error {
	switch {
	case from.IsZero():
		return &input.Error{Field: "from", Reason: "is required"}
	case to.IsZero():
		return &input.Error{Field: "to", Reason: "is required"}
	case !to.After(from):
		return &input.Error{Field: "to", Reason: "must be after from"}
	case to.Sub(from) > MaxReconcilePeriod:
		return &input.Error{Field: "to", Reason: fmt.Sprintf("the period may be at most %d days long", MaxReconcilePeriod/(24*time.Hour))}
	}
	return nil
}

// ListPayments lists the payment and refund rows made in [f.From, f.To),
// newest first, keyset-paged. Both bounds are required, and the period is at
// most MaxReconcilePeriod long.
func (s *Service) ListPayments(ctx context.Context, f order.PaymentFilter) ([]order.PaymentLine, error) {
	if err := checkPeriod(f.From, f.To); err != nil {
		return nil, err
	}
	var out []order.PaymentLine
	out, err := s.store.ListPayments(ctx, f)
	return out, err
}

// reconcileOrder is one order as the check sees it.
type reconcileOrder struct {
	id, number, status string
	total              int64
	currency           string
	refunded           int64 // what the order gave back online (seatd refunds of method online)
	rows               []order.Payment
}

// Reconcile checks the payment rows made in [from, to) and their orders
// (see above). It reads only: the rows a page at a time, then each order's
// rows (and, if it gave money back, its refunds) — one or two reads per
// order, which a day of a busy venue affords once a day.
func (s *Service) Reconcile(ctx context.Context, from, to time.Time) (Reconciliation, error) {
	if err := checkPeriod(from, to); err != nil {
		return Reconciliation{}, err
	}
	res := Reconciliation{From: from.UTC(), To: to.UTC(), Findings: []Finding{}}
	var seen []*reconcileOrder
	byID := map[string]*reconcileOrder{}
	f := order.PaymentFilter{From: from, To: to, Limit: 1000}
	for {
		page, err := s.store.ListPayments(ctx, f)
		if err != nil {
			return Reconciliation{}, fmt.Errorf("reconcile: %w", err)
		}
		for _, l := range page {
			if l.Kind == order.KindRefund {
				res.Refunds++
			} else {
				res.Payments++
			}
			if byID[l.OrderID] == nil {
				o := &reconcileOrder{id: l.OrderID, number: l.OrderNumber, status: l.OrderStatus, total: l.OrderTotal,
					currency: l.OrderCurrency, refunded: l.OrderRefunded}
				byID[l.OrderID] = o
				seen = append(seen, o)
			}
		}
		if len(page) < f.Limit {
			break
		}
		last := page[len(page)-1]
		f.Before, f.BeforeID = last.CreatedAt, last.ID
	}
	for _, o := range seen {
		rows, err := s.store.Payments(ctx, o.id)
		if err != nil {
			return Reconciliation{}, fmt.Errorf("reconcile order %s: %w", o.number, err)
		}
		o.rows = rows
		if o.refunded > 0 {
			// Only what went back online is the provider's to match; cash
			// given back at the desk is not.
			rfs, err := s.store.Refunds(ctx, o.id)
			if err != nil {
				return Reconciliation{}, fmt.Errorf("reconcile order %s: %w", o.number, err)
			}
			o.refunded = 0
			for _, rf := range rfs {
				if rf.Method == PayOnline {
					o.refunded += rf.Amount
				}
			}
		}
		res.Findings = append(res.Findings, checkOrder(o, s.now(), s.cfg.PaymentWindow+s.cfg.ReconcileGrace)...)
	}
	res.Orders = len(seen)
	return res, nil
}

// checkOrder is the check of one order and all its rows at now; a payment
// may stay pending for stale.
func checkOrder(o *reconcileOrder, now time.Time, stale time.Duration) []Finding {
	var out []Finding
	add := func(kind string, p *order.Payment, format string, args ...any) {
		f := Finding{Kind: kind, OrderID: o.id, OrderNumber: o.number, Detail: fmt.Sprintf(format, args...)}
		if p != nil {
			f.PaymentID = p.ID
		}
		out = append(out, f)
	}
	var paid, returns []order.Payment
	var sent, inflight int64 // seatd refunds: succeeded, pending
	for _, p := range o.rows {
		switch {
		case p.Kind == order.KindPayment && p.Status == order.StatusSucceeded:
			paid = append(paid, p)
		case p.Kind == order.KindRefund && p.RefundID == "":
			returns = append(returns, p)
		case p.Kind == order.KindRefund && p.Status == order.StatusSucceeded:
			sent += p.Amount
		case p.Kind == order.KindRefund && p.Status == order.StatusPending:
			inflight += p.Amount
		}
		if p.Status != order.StatusPending {
			continue
		}
		if p.Kind == order.KindPayment && now.Sub(p.CreatedAt) > stale {
			add(FindingStalePayment, &p, "payment of %s (%s) pending since %s", money.Format(p.Amount, p.Currency), providerRef(p), p.CreatedAt.Format(time.RFC3339))
		}
		if p.Kind == order.KindRefund && now.Sub(p.CreatedAt) > staleRefund {
			add(FindingStaleRefund, &p, "refund of %s (%s) pending since %s", money.Format(p.Amount, p.Currency), providerRef(p), p.CreatedAt.Format(time.RFC3339))
		}
	}
	// A succeeded payment given back (or on its way back: a pending return
	// is flagged once stale) is settled; what is left is kept.
	var kept []order.Payment
	for _, p := range paid {
		i := returnOf(returns, p)
		if i < 0 {
			kept = append(kept, p)
			continue
		}
		returns = append(returns[:i], returns[i+1:]...)
	}
	switch o.status {
	case order.Paid, order.PartRefunded, order.Refunded:
		if len(kept) == 0 {
			add(FindingPaidWithoutPayment, nil, "order %s, %s, has no succeeded payment kept (%s)", o.status, money.Format(o.total, o.currency), rowStatuses(o.rows))
		}
		for i, p := range kept {
			if i > 0 {
				add(FindingDuplicatePayment, &p, "a second payment of %s (%s) kept for one order", money.Format(p.Amount, p.Currency), providerRef(p))
				continue
			}
			if p.Amount != o.total || p.Currency != o.currency {
				add(FindingAmountMismatch, &p, "payment of %s (%s), order total %s", money.Format(p.Amount, p.Currency), providerRef(p), money.Format(o.total, o.currency))
			}
		}
		if sent != o.refunded && sent+inflight != o.refunded {
			add(FindingRefundMismatch, nil, "refunds succeeded at the provider %s (%s pending), order refunded online %s",
				money.Format(sent, o.currency), money.Format(inflight, o.currency), money.Format(o.refunded, o.currency))
		}
	default:
		for _, p := range kept {
			add(FindingPaymentWithoutOrder, &p, "payment of %s (%s) succeeded, order is %s and the money was not given back",
				money.Format(p.Amount, p.Currency), providerRef(p), o.status)
		}
	}
	return out
}

// returnOf finds the return (a refund without a seatd refund) that gives p
// back: the same amount and currency, succeeded or still on its way.
func returnOf(returns []order.Payment, p order.Payment) int {
	for i, r := range returns {
		if r.Amount == p.Amount && r.Currency == p.Currency && (r.Status == order.StatusSucceeded || r.Status == order.StatusPending) {
			return i
		}
	}
	return -1
}

func providerRef(p order.Payment) string {
	if p.ProviderID == "" {
		return p.Provider + ", not yet at the provider"
	}
	return p.Provider + " " + p.ProviderID
}

// rowStatuses says what an order's rows are: "payment failed, refund pending".
func rowStatuses(rows []order.Payment) string {
	if len(rows) == 0 {
		return "no payment rows"
	}
	out := ""
	for i, p := range rows {
		if i > 0 {
			out += ", "
		}
		out += p.Kind + " " + p.Status
	}
	return out
}

// LastReconciliation is the daily run's last result; nil before the first.
func (s *Service) LastReconciliation() *ReconcileRun {
	s.recon.mu.Lock()
	defer s.recon.mu.Unlock()
	if s.recon.last == nil {
		return nil
	}
	run := *s.recon.last
	return &run
}

// ReconcileDaily reports whether the daily run is on.
func (s *Service) ReconcileDaily() bool { return s.cfg.ReconcileDaily }

// yesterday is the day before now's, in the venue's time zone: [from, to).
func (s *Service) yesterday() (from, to time.Time) {
	now := s.now().In(s.loc)
	to = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, s.loc)
	from = time.Date(now.Year(), now.Month(), now.Day()-1, 0, 0, 0, 0, s.loc)
	return from, to
}

// reconcileDaily checks yesterday at start and whenever the day has changed
// since the last check, looking every ReconcileInterval. A check that fails
// (the store unreachable) is tried again at the next look.
func (s *Service) reconcileDaily(ctx context.Context) {
	t := time.NewTicker(s.cfg.ReconcileInterval)
	defer t.Stop()
	for {
		from, to := s.yesterday()
		if last := s.LastReconciliation(); last == nil || !last.Result.From.Equal(from) {
			s.runDaily(ctx, from, to)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Service) runDaily(ctx context.Context, from, to time.Time) {
	res, err := s.Reconcile(ctx, from, to)
	if err != nil {
		if ctx.Err() == nil || !errors.Is(err, ctx.Err()) {
			s.log.Warn("daily payment reconciliation failed; tried again", "from", from, "to", to, "err", err)
		}
		return
	}
	s.log.Info("daily payment reconciliation", "from", from, "to", to, "payments", res.Payments, "refunds", res.Refunds,
		"orders", res.Orders, "findings", len(res.Findings))
	for _, f := range res.Findings {
		s.log.Warn("payment reconciliation finding", "kind", f.Kind, "order", f.OrderID, "number", f.OrderNumber,
			"payment", f.PaymentID, "detail", f.Detail)
	}
	s.recon.mu.Lock()
	s.recon.last = &ReconcileRun{At: s.now().UTC(), Result: res}
	s.recon.mu.Unlock()
}
