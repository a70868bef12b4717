package checkout_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/checkout"
	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/internal/startstop"
	"github.com/seatmap/seatmap/internal/testkit"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/payment/testpay"
	"github.com/seatmap/seatmap/seating"
)

// storeOrder writes an order straight to the store, as nothing in seatd
// would: the inconsistencies the check is there to find. Its seats are
// dense indices no test buys through the engine.
func (e *payEnv) storeOrder(t *testing.T, id, status, method string, seats ...uint32) order.Order {
	t.Helper()
	o := order.Order{ID: id, Number: "N-" + id, PerformanceID: e.perf, Status: status, BuyerName: "Ada", BuyerEmail: "ada@example.com",
		Session: "s-" + id, HoldToken: "tok-" + id, Currency: "EUR", Channel: "web", PaymentMethod: method}
	if status == order.PendingPayment {
		o.Deadline = e.clock.Now().Add(10 * time.Minute)
	}
	for _, seat := range seats {
		o.Tickets = append(o.Tickets, order.Ticket{ID: "t-" + id + string(rune('a'+seat%26)), Code: "c-" + id + string(rune('a'+seat%26)),
			Seat: seat, SeatID: "X" + string(rune('a'+seat%26)), Zone: "stalls", Price: 4000, Status: order.TicketLive})
		o.Total += 4000
	}
	stored, err := e.st.CreateOrder(context.Background(), o)
	require.NoError(t, err)
	return stored
}

func (e *payEnv) savePayment(t *testing.T, o order.Order, kind, status string, amount int64, key string) order.Payment {
	t.Helper()
	p, err := e.st.SavePayment(context.Background(), order.Payment{ID: "pay-" + key, OrderID: o.ID, Provider: testpay.Name,
		ProviderID: "tp_" + key, Kind: kind, Amount: amount, Currency: o.Currency, Status: status, IdempotencyKey: key})
	require.NoError(t, err)
	return p
}

// reconcileToday checks the day of the test clock.
func (e *payEnv) reconcileToday(t *testing.T) checkout.Reconciliation {
	t.Helper()
	now := e.clock.Now()
	from := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	res, err := e.co.Reconcile(context.Background(), from, from.Add(24*time.Hour))
	require.NoError(t, err)
	return res
}

func findingKinds(fs []checkout.Finding) map[string][]checkout.Finding {
	out := map[string][]checkout.Finding{}
	for _, f := range fs {
		out[f.Kind] = append(out[f.Kind], f)
	}
	return out
}

// TestReconcileClean: a day of what seatd does — paid, declined, refunded
// online, refunded in cash at the desk, a lapsed window, a late payment sold
// again, a late payment given back, a box-office sale — matches.
func TestReconcileClean(t *testing.T) {
	t.Parallel()
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newPayEnv(t, open)
			paid := e.buy(t, "b1", "S-R3-S1", "S-R3-S2")
			_, err := e.answer(t, paid, testpay.Approve)
			require.NoError(t, err)
			declined := e.buy(t, "b2", "S-R3-S3")
			_, err = e.answer(t, declined, testpay.Decline)
			require.NoError(t, err)
			staff := seating.Actor{Session: "desk", StaffID: "u1", Login: "olga", Role: "box_office"}
			_, _, _, err = e.co.Refund(ctx, checkout.RefundInput{OrderID: paid.ID, Seats: []string{"S-R3-S1"}, Reason: "ill",
				IdempotencyKey: "k1", Actor: staff})
			require.NoError(t, err)
			_, _, _, err = e.co.Refund(ctx, checkout.RefundInput{OrderID: paid.ID, Amount: 100, Reason: "goodwill", Method: checkout.PayCash,
				IdempotencyKey: "k2", Actor: staff})
			require.NoError(t, err)

			lapsed := e.buy(t, "b3", "S-R4-S1")
			soldAgain := e.buy(t, "b4", "S-R4-S2")
			returned := e.buy(t, "b5", "S-R4-S3")
			e.clock.Add(11 * time.Minute)
			testkit.Eventually(t, 5*time.Second, "the windows end", func() bool {
				return e.status(t, lapsed.ID) == order.PaymentFailed && e.status(t, soldAgain.ID) == order.PaymentFailed &&
					e.status(t, returned.ID) == order.PaymentFailed
			})
			other := e.buy(t, "b6", "S-R4-S3")
			_, err = e.answer(t, other, testpay.Approve)
			require.NoError(t, err)
			res, err := e.answer(t, soldAgain, testpay.Approve)
			require.NoError(t, err)
			require.Equal(t, order.OutcomePaid, res.Outcome)
			res, err = e.answer(t, returned, testpay.Approve)
			require.NoError(t, err)
			require.Equal(t, order.OutcomeReturn, res.Outcome, "a late payment given back")

			// A box-office sale in cash: no payment rows, nothing to match.
			e.storeOrder(t, "desk1", order.Paid, checkout.PayCash, 900)

			got := e.reconcileToday(t)
			require.Empty(t, got.Findings)
			require.Equal(t, 6, got.Orders, "the orders with payment rows")
			require.Equal(t, 6, got.Payments)
			require.Equal(t, 2, got.Refunds, "the online refund and the return")
		})
	}
}

// TestReconcileFindings: inconsistencies made in the store are found, each
// naming its order and payment.
func TestReconcileFindings(t *testing.T) {
	t.Parallel()
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newPayEnv(t, open)
			good := e.buy(t, "b1", "S-R5-S1")
			_, err := e.answer(t, good, testpay.Approve)
			require.NoError(t, err)

			// Paid, its only payment failed.
			unpaid := e.storeOrder(t, "unpaid", order.Paid, checkout.PayOnline, 900, 901)
			failed := e.savePayment(t, unpaid, order.KindPayment, order.StatusFailed, unpaid.Total, "k-unpaid")
			// Paid, its payment less than the total.
			short := e.storeOrder(t, "short", order.Paid, checkout.PayOnline, 902)
			shortPay := e.savePayment(t, short, order.KindPayment, order.StatusSucceeded, short.Total-1, "k-short")
			// Ended unpaid, then a payment succeeded that nothing gave back.
			lapsed := e.buy(t, "b2", "S-R5-S2")
			e.clock.Add(11 * time.Minute)
			testkit.Eventually(t, 5*time.Second, "the window ends", func() bool { return e.status(t, lapsed.ID) == order.PaymentFailed })
			rogue := e.savePayment(t, lapsed, order.KindPayment, order.StatusSucceeded, lapsed.Total, "k-rogue")
			// Paid, a refund sent that the order does not show.
			over := e.storeOrder(t, "over", order.Paid, checkout.PayOnline, 903)
			e.savePayment(t, over, order.KindPayment, order.StatusSucceeded, over.Total, "k-over")
			refund := order.Payment{ID: "pay-over-rf", OrderID: over.ID, Provider: testpay.Name, ProviderID: "tr_over", Kind: order.KindRefund,
				RefundID: "rf-x", Amount: 1000, Currency: "EUR", Status: order.StatusSucceeded, IdempotencyKey: "rf-x"}
			_, err = e.st.SavePayment(context.Background(), refund)
			require.NoError(t, err)

			got := e.reconcileToday(t)
			byKind := findingKinds(got.Findings)
			require.Len(t, got.Findings, 4, "%+v", got.Findings)
			require.Len(t, byKind[checkout.FindingPaidWithoutPayment], 1)
			f := byKind[checkout.FindingPaidWithoutPayment][0]
			require.Equal(t, unpaid.ID, f.OrderID)
			require.Equal(t, unpaid.Number, f.OrderNumber)
			require.Empty(t, f.PaymentID)
			require.Contains(t, f.Detail, "payment failed")
			require.NotEqual(t, "", failed.ID)

			require.Len(t, byKind[checkout.FindingAmountMismatch], 1)
			require.Equal(t, shortPay.ID, byKind[checkout.FindingAmountMismatch][0].PaymentID)
			require.Contains(t, byKind[checkout.FindingAmountMismatch][0].Detail, "tp_k-short")

			require.Len(t, byKind[checkout.FindingPaymentWithoutOrder], 1)
			f = byKind[checkout.FindingPaymentWithoutOrder][0]
			require.Equal(t, rogue.ID, f.PaymentID)
			require.Equal(t, lapsed.ID, f.OrderID)
			require.Contains(t, f.Detail, order.PaymentFailed)

			require.Len(t, byKind[checkout.FindingRefundMismatch], 1)
			require.Equal(t, over.ID, byKind[checkout.FindingRefundMismatch][0].OrderID)

			// A day with none of it: nothing checked, nothing found.
			res, err := e.co.Reconcile(context.Background(), e.clock.Now().Add(24*time.Hour), e.clock.Now().Add(48*time.Hour))
			require.NoError(t, err)
			require.Zero(t, res.Orders)
			require.Empty(t, res.Findings)
		})
	}
}

// TestReconcileStale: a payment the provider never settled is flagged once
// past its window and the grace, not before.
func TestReconcileStale(t *testing.T) {
	t.Parallel()
	e := newPayEnv(t, stores["sqlite"])
	o := e.storeOrder(t, "stuck", order.Paid, checkout.PayOnline, 904)
	e.savePayment(t, o, order.KindPayment, order.StatusSucceeded, o.Total, "k-stuck")
	pending := e.savePayment(t, o, order.KindPayment, order.StatusPending, o.Total, "k-stuck-2")
	require.Empty(t, e.reconcileToday(t).Findings, "pending within its window")
	e.clock.Add(10*time.Minute + checkout.DefaultReconcileGrace + time.Second)
	got := e.reconcileToday(t).Findings
	require.Len(t, got, 1)
	require.Equal(t, checkout.FindingStalePayment, got[0].Kind)
	require.Equal(t, pending.ID, got[0].PaymentID)
}

func TestReconcilePeriod(t *testing.T) {
	t.Parallel()
	e := newPayEnv(t, stores["sqlite"])
	at := e.clock.Now()
	for name, c := range map[string]struct{ from, to time.Time }{
		"no from":        {time.Time{}, at},
		"no to":          {at, time.Time{}},
		"reversed":       {at, at.Add(-time.Hour)},
		"empty":          {at, at},
		"too long":       {at, at.Add(checkout.MaxReconcilePeriod + time.Hour)},
		"to before from": {at.Add(time.Hour), at},
	} {
		_, err := e.co.Reconcile(context.Background(), c.from, c.to)
		var in *input.Error
		require.ErrorAs(t, err, &in, name)
		_, err = e.co.ListPayments(context.Background(), order.PaymentFilter{From: c.from, To: c.to})
		require.ErrorAs(t, err, &in, name)
	}
}

// syncBuffer is a log sink the daily loop writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestReconcileDaily: the daily run checks yesterday in the venue's zone at
// start, again once the day has changed, logs a summary and each finding,
// and keeps the last result.
func TestReconcileDaily(t *testing.T) {
	t.Parallel()
	e := newPayEnv(t, stores["postgres"])
	vienna, err := time.LoadLocation("Europe/Vienna")
	require.NoError(t, err)
	// 10:00 UTC on 1 December is 11:00 in Vienna: yesterday is 30 November there.
	o := e.storeOrder(t, "late", order.Paid, checkout.PayOnline, 905)
	e.savePayment(t, o, order.KindPayment, order.StatusFailed, o.Total, "k-late")
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	daily := checkout.New(checkout.Config{Store: e.st, Seats: e.svc, Logger: log, Now: e.clock.Now, Location: vienna,
		ReconcileDaily: true, ReconcileInterval: 5 * time.Millisecond, Payments: e.pay, PaymentWindow: 10 * time.Minute})
	require.Nil(t, daily.LastReconciliation())
	require.NoError(t, daily.Start(context.Background()))
	t.Cleanup(daily.Stop)

	testkit.Eventually(t, 5*time.Second, "the run at start", func() bool { return daily.LastReconciliation() != nil })
	first := daily.LastReconciliation()
	require.True(t, time.Date(2026, 11, 30, 0, 0, 0, 0, vienna).Equal(first.Result.From), "from %v", first.Result.From)
	require.True(t, time.Date(2026, 12, 1, 0, 0, 0, 0, vienna).Equal(first.Result.To), "to %v", first.Result.To)
	require.Zero(t, first.Result.Orders, "nothing was paid yesterday")
	require.Contains(t, logs.String(), "daily payment reconciliation")

	// The next day checks 1 December, whose order was paid without a payment.
	e.clock.Add(24 * time.Hour)
	testkit.Eventually(t, 5*time.Second, "the next day's run", func() bool {
		last := daily.LastReconciliation()
		return last != nil && last.Result.From.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, vienna))
	})
	last := daily.LastReconciliation()
	require.Equal(t, 1, last.Result.Orders)
	require.Len(t, last.Result.Findings, 1)
	require.Equal(t, checkout.FindingPaidWithoutPayment, last.Result.Findings[0].Kind)
	require.True(t, e.clock.Now().Equal(last.At))
	out := logs.String()
	require.Contains(t, out, "level=WARN msg=\"payment reconciliation finding\" kind=paid_without_payment order=late number=N-late")
	require.NotContains(t, strings.ToLower(out), "secret")
	daily.Stop()
	daily.Stop()
}

// TestReconcileStartStopContract: with the daily run on, the checkout
// still keeps the start/stop contract.
func TestReconcileStartStopContract(t *testing.T) {
	t.Parallel()
	e := newPayEnv(t, stores["sqlite"])
	testkit.StartStop(t, func(t *testing.T) startstop.Service {
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		return checkout.New(checkout.Config{Store: e.st, Seats: e.svc, Logger: log, Now: e.clock.Now, ReconcileDaily: true})
	})
}
