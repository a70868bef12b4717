package checkout_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/checkout"
	"github.com/seatmap/seatmap/internal/testkit"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/outbox"
	"github.com/seatmap/seatmap/payment/testpay"
	"github.com/seatmap/seatmap/seating"
)

var berlin = func() *time.Location {
	l, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	return l
}()

// dyingNotifier is a real store whose k-th replacement notice is written and
// then answered with an error, as when a node dies after the commit.
type dyingNotifier struct {
	checkout.Store
	k       int64
	n       atomic.Int64
	onCrash func()
}

func (s *dyingNotifier) NotifyReplacement(ctx context.Context, replacementID, orderID string, c order.Change) (bool, error) {
	told, err := s.Store.NotifyReplacement(ctx, replacementID, orderID, c)
	if err == nil && s.n.Add(1) == s.k {
		s.onCrash()
		return false, errors.New("connection lost after the commit")
	}
	return told, err
}

// TestReplaceResumesAndRefundsToTheCard: a replace of a performance of 20
// orders paid online stops after its 8th notice was stored (the node dies);
// a new checkout resumes the job on start: every buyer told exactly once.
// Buyers who choose a refund get it back to the card through the provider,
// once however often they ask (key replace:{order}); "attend" stands until a
// refund; after the deadline a choice is ErrChoiceClosed.
func TestReplaceResumesAndRefundsToTheCard(t *testing.T) {
	t.Parallel()
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newPayEnv(t, open)
			const n = 20
			var orders []order.Order
			for i := range n {
				o := e.buy(t, fmt.Sprintf("r%d", i), fmt.Sprintf("S-R2-S%d", 1+i))
				res, err := e.answer(t, o, testpay.Approve)
				require.NoError(t, err)
				require.Equal(t, order.Paid, res.Order.Status)
				orders = append(orders, res.Order)
			}
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			node := func(st checkout.Store) *checkout.Service {
				return checkout.New(checkout.Config{Store: st, Seats: e.svc, Logger: log, Now: e.clock.Now, Payments: e.pay,
					LapseInterval: 5 * time.Millisecond, PaymentWindow: 10 * time.Minute, PublicURL: "https://tickets.example.com", Location: berlin})
			}
			meta, err := e.svc.GetPerformance(ctx, e.perf)
			require.NoError(t, err)
			newStart := meta.StartsAt.Add(7 * 24 * time.Hour)
			deadline := e.clock.Now().Add(4 * 24 * time.Hour)
			name := "Carmen (Ersatztermin)"
			org := seating.Actor{StaffID: "u1", Login: "org"}

			life, die := context.WithCancel(ctx)
			defer die()
			dying := &dyingNotifier{Store: e.st, k: 8, onCrash: die}
			node1 := node(dying)
			require.NoError(t, node1.Start(life))
			// A stale tag changes nothing.
			_, _, err = node1.Replace(ctx, e.perf, checkout.ReplaceInput{Name: &name, StartsAt: &newStart, RefundDeadline: &deadline, ETag: `"old"`}, org)
			require.ErrorIs(t, err, checkout.ErrPerformanceChanged)
			job, r, err := node1.Replace(ctx, e.perf, checkout.ReplaceInput{Name: &name, StartsAt: &newStart, RefundDeadline: &deadline,
				ETag: catalog.PerformanceETag(meta)}, org)
			require.NoError(t, err)
			require.Equal(t, catalog.JobReplace, job.Kind)
			require.Equal(t, name, r.NewName)
			testkit.Eventually(t, 10*time.Second, "node 1 stopped", func() bool { return dying.n.Load() >= 8 })
			node1.Stop()
			stalled, err := e.st.GetJob(ctx, job.ID)
			require.NoError(t, err)
			require.Equal(t, catalog.JobRunning, stalled.State, "a stopped job stays running")

			node2 := node(e.st)
			require.NoError(t, node2.Start(ctx))
			t.Cleanup(node2.Stop)
			testkit.Eventually(t, 30*time.Second, "the resumed job is done", func() bool {
				j, err := node2.Job(ctx, job.ID)
				require.NoError(t, err)
				require.NotEqual(t, catalog.JobFailed, j.State, j.Error)
				return j.State == catalog.JobDone
			})
			for _, o := range orders {
				told := 0
				for _, k := range kinds(t, e.st, o.ID) {
					if k == outbox.KindReplaced {
						told++
					}
				}
				require.Equal(t, 1, told, "told once: %s", o.Number)
			}
			// The e-mail: old and new on the venue's clock, the deadline, and
			// the order's own secret link to the choice.
			ms, err := e.st.OrderMessages(ctx, orders[0].ID)
			require.NoError(t, err)
			var body string
			for _, m := range ms {
				if m.Kind == outbox.KindReplaced {
					body = m.Body
					require.Equal(t, "Changed: the performance of your order "+orders[0].Number, m.Subject)
				}
			}
			stored0, err := e.st.GetOrder(ctx, orders[0].ID)
			require.NoError(t, err)
			require.Contains(t, body, "Was:  Carmen\n  Now:  "+name)
			require.Contains(t, body, "Was:  "+checkout.FormatWhen(meta.StartsAt, berlin)+"\n  Now:  "+checkout.FormatWhen(newStart, berlin))
			require.Contains(t, body, "Sat 12 Dec 2026, 20:30 CET (Europe/Berlin)", "the venue's zone")
			require.Contains(t, body, "until "+checkout.FormatWhen(deadline, berlin))
			require.Contains(t, body, "https://tickets.example.com/#/order/"+orders[0].ID+"/replacement?key="+stored0.AccessKey)

			now, err := e.svc.GetPerformance(ctx, e.perf)
			require.NoError(t, err)
			require.Equal(t, name, now.Name)
			require.True(t, newStart.Equal(now.StartsAt))

			// Refunds to the card, once each.
			buyer := seating.Actor{Session: "buyer"}
			for _, o := range orders[:5] {
				for range 2 {
					off, after, err := node2.ChooseReplacement(ctx, o, catalog.ChoiceRefund, buyer)
					require.NoError(t, err)
					require.Equal(t, catalog.ChoiceRefund, off.Choice)
					require.Equal(t, order.Refunded, after.Status)
				}
				rfs, err := e.st.Refunds(ctx, o.ID)
				require.NoError(t, err)
				require.Len(t, rfs, 1)
				require.Equal(t, checkout.ReplaceKey(o.ID), rfs[0].IdempotencyKey)
				require.Equal(t, checkout.PayOnline, rfs[0].Method)
				require.Equal(t, o.Total, rfs[0].Amount)
				_, back := byKind(t, mustPayments(t, e.st, o.ID))
				require.Len(t, back, 1, "one refund to the card")
				require.Equal(t, o.Total, back[0].Amount)
				_, _, err = node2.ChooseReplacement(ctx, o, catalog.ChoiceAttend, buyer)
				require.ErrorIs(t, err, checkout.ErrChoiceFinal)
			}
			e.pay.mu.Lock()
			sent := e.pay.refunds
			e.pay.mu.Unlock()
			require.Equal(t, 5, sent, "one refund at the provider per order")

			off, _, err := node2.ChooseReplacement(ctx, orders[5], catalog.ChoiceAttend, buyer)
			require.NoError(t, err)
			require.Equal(t, catalog.ChoiceAttend, off.Choice)
			require.True(t, off.Open, "attend may still become a refund")
			sum, err := node2.Replacement(ctx, e.perf)
			require.NoError(t, err)
			require.Equal(t, catalog.ReplacementCounts{Notified: n, Attend: 1, Refund: 5}, sum.Counts)

			// After the deadline the orders left stand.
			e.clock.Add(5 * 24 * time.Hour)
			_, _, err = node2.ChooseReplacement(ctx, orders[6], catalog.ChoiceRefund, buyer)
			require.ErrorIs(t, err, checkout.ErrChoiceClosed)
			require.Equal(t, order.Paid, e.status(t, orders[6].ID))
		})
	}
}
