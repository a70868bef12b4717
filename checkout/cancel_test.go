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
	"github.com/seatmap/seatmap/store/backend"
)

// crashingStore is a real store whose k-th refund is written and then
// answered with an error, as when a node dies after the commit: onCrash is
// called in between.
type crashingStore struct {
	backend.Store
	k       int64
	n       atomic.Int64
	onCrash func()
}

func (s *crashingStore) RefundOrder(ctx context.Context, r order.RefundRequest) (order.Order, order.Refund, bool, error) {
	o, rf, replayed, err := s.Store.RefundOrder(ctx, r)
	if err == nil && s.n.Add(1) == s.k {
		s.onCrash()
		return order.Order{}, order.Refund{}, false, errors.New("connection lost after the commit")
	}
	return o, rf, replayed, err
}

// TestCancelResumesAfterCrash: a cancel of 30 orders paid online (and one
// whose payment is under way) stops
// after its 10th refund was stored but before the provider heard of it (the
// node "dies"); a new checkout over the same store resumes the running job
// on start and finishes it: every order refunded exactly once (one refund
// row under its key, one refund at the provider, one e-mail), the 10th's
// money sent to the card on resume.
func TestCancelResumesAfterCrash(t *testing.T) {
	t.Parallel()
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newPayEnv(t, open)
			const n = 30
			var orders []order.Order
			for i := range n {
				o := e.buy(t, fmt.Sprintf("c%d", i), fmt.Sprintf("S-R%d-S%d", 1+i/30, 1+i%30))
				res, err := e.answer(t, o, testpay.Approve)
				require.NoError(t, err)
				require.Equal(t, order.Paid, res.Order.Status)
				orders = append(orders, res.Order)
			}
			pending := e.buy(t, "pending", "S-R5-S1") // its payment under way
			require.Equal(t, order.PendingPayment, pending.Status)
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			node := func(st checkout.Store) *checkout.Service {
				return checkout.New(checkout.Config{Store: st, Seats: e.svc, Logger: log, Now: e.clock.Now, Payments: e.pay,
					LapseInterval: 5 * time.Millisecond, PaymentWindow: 10 * time.Minute})
			}

			// Node 1 dies after its 10th refund's commit.
			life, die := context.WithCancel(ctx)
			defer die()
			crashing := &crashingStore{Store: e.st, k: 10, onCrash: die}
			node1 := node(crashing)
			require.NoError(t, node1.Start(life))
			job, err := node1.Cancel(ctx, e.perf, "flooded hall", seating.Actor{StaffID: "u1", Login: "org"})
			require.NoError(t, err)
			testkit.Eventually(t, 10*time.Second, "node 1 stopped", func() bool { return crashing.n.Load() >= 10 })
			node1.Stop()
			stalled, err := e.st.GetJob(ctx, job.ID)
			require.NoError(t, err)
			require.Equal(t, catalog.JobRunning, stalled.State, "a stopped job stays running")
			require.Less(t, stalled.Done, n+1)
			e.pay.mu.Lock()
			sent := e.pay.refunds
			e.pay.mu.Unlock()
			require.Equal(t, 9, sent, "the 10th refund is stored, not sent")

			// Node 2 starts and resumes it.
			node2 := node(e.st)
			require.NoError(t, node2.Start(ctx))
			t.Cleanup(node2.Stop)
			testkit.Eventually(t, 30*time.Second, "the resumed job is done", func() bool {
				j, err := node2.Job(ctx, job.ID)
				require.NoError(t, err)
				require.NotEqual(t, catalog.JobFailed, j.State, j.Error)
				return j.State == catalog.JobDone
			})
			j, err := node2.Job(ctx, job.ID)
			require.NoError(t, err)
			require.Equal(t, n+1, j.Done)
			require.Equal(t, n+1, j.Total)
			require.Zero(t, j.Failed)

			e.pay.mu.Lock()
			sent = e.pay.refunds
			e.pay.mu.Unlock()
			require.Equal(t, n, sent, "one refund at the provider per order")
			for _, o := range orders {
				stored, err := e.st.GetOrder(ctx, o.ID)
				require.NoError(t, err)
				require.Equal(t, order.Refunded, stored.Status)
				require.Equal(t, stored.Total, stored.Refunded)
				rfs, err := e.st.Refunds(ctx, o.ID)
				require.NoError(t, err)
				require.Len(t, rfs, 1)
				require.Equal(t, checkout.CancelKey(o.ID), rfs[0].IdempotencyKey)
				require.Equal(t, checkout.PayOnline, rfs[0].Method)
				_, back := byKind(t, mustPayments(t, e.st, o.ID))
				require.Len(t, back, 1, "one refund to the card")
				require.Equal(t, o.Total, back[0].Amount)
				require.ElementsMatch(t, []string{outbox.KindConfirmation, outbox.KindCancelled}, kinds(t, e.st, o.ID))
			}
			require.Equal(t, order.PaymentFailed, e.status(t, pending.ID), "the payment under way is stopped")
			require.Contains(t, kinds(t, e.st, pending.ID), outbox.KindCancelled)
			// Cancelling again answers the same, finished job.
			again, err := node2.Cancel(ctx, e.perf, "again", seating.Actor{StaffID: "u1", Login: "org"})
			require.NoError(t, err)
			require.Equal(t, job.ID, again.ID)
			require.Equal(t, catalog.JobDone, again.State)
		})
	}
}

func mustPayments(t *testing.T, st backend.Store, id string) []order.Payment {
	t.Helper()
	pays, err := st.Payments(context.Background(), id)
	require.NoError(t, err)
	return pays
}
