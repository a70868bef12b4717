package checkout_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/checkout"
	"github.com/seatmap/seatmap/internal/testkit"
	"github.com/seatmap/seatmap/lease/memory"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/payment/testpay"
	"github.com/seatmap/seatmap/seating"
	"github.com/seatmap/seatmap/store/backend"
)

// crashingMoves is a real store whose k-th order move is written and then
// answered with an error, as when a node dies after the commit: onCrash is
// called in between.
type crashingMoves struct {
	backend.Store
	k       int64
	n       atomic.Int64
	onCrash func()
}

func (s *crashingMoves) MoveOrder(ctx context.Context, m order.Move) (order.Move, bool, error) {
	out, moved, err := s.Store.MoveOrder(ctx, m)
	if err == nil && moved && s.n.Add(1) == s.k {
		s.onCrash()
		return order.Move{}, false, errors.New("connection lost after the commit")
	}
	return out, moved, err
}

// TestRescheduleResumesAfterCrash: a reschedule of 30 paid orders dies
// after its 10th move was stored (the answer lost); a new node — a new
// checkout and a new seating service rebuilt from the same store — resumes
// the running job on start and finishes it: every original order moved
// exactly once (one move row, one new order naming it), the originals
// still paid, the replacement's seats sold exactly as the moved orders say.
func TestRescheduleResumesAfterCrash(t *testing.T) {
	t.Parallel()
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newPayEnv(t, open)
			const n = 30
			var orders []order.Order
			for i := range n {
				o := e.buy(t, fmt.Sprintf("r%d", i), fmt.Sprintf("S-R%d-S%d", 1+i/30, 1+i%30))
				res, err := e.answer(t, o, testpay.Approve)
				require.NoError(t, err)
				require.Equal(t, order.Paid, res.Order.Status)
				orders = append(orders, res.Order)
			}
			// Two payments under way: one is approved during the move, one declined.
			approved := e.buy(t, "approved", "S-R5-S1")
			declined := e.buy(t, "declined", "S-R5-S2")
			require.Equal(t, order.PendingPayment, approved.Status)
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			node := func(st checkout.Store, seats *seating.Service) *checkout.Service {
				return checkout.New(checkout.Config{Store: st, Seats: seats, Logger: log, Now: e.clock.Now, Payments: e.pay,
					LapseInterval: 5 * time.Millisecond, PaymentWindow: 10 * time.Minute})
			}
			e.co.Stop() // the env's own node: only the two below run jobs

			life, die := context.WithCancel(ctx)
			defer die()
			crashing := &crashingMoves{Store: e.st, k: 10, onCrash: die}
			node1 := node(crashing, e.svc)
			require.NoError(t, node1.Start(life))
			in := checkout.RescheduleInput{StartsAt: e.clock.Now().Add(60 * 24 * time.Hour), Reservations: catalog.KeepReservations}
			job, r, err := node1.Reschedule(ctx, e.perf, in, seating.Actor{StaffID: "u1", Login: "org"})
			require.NoError(t, err)
			testkit.Eventually(t, 10*time.Second, "node 1 died", func() bool { return crashing.n.Load() >= 10 })
			node1.Stop()
			stalled, err := e.st.GetJob(ctx, job.ID)
			require.NoError(t, err)
			require.Equal(t, catalog.JobRunning, stalled.State, "a stopped job stays running")
			require.Less(t, stalled.Done, n)

			// Node 2: a new seating service rebuilt from the store, a new checkout.
			svc2 := seating.New(seating.Config{Store: e.st, Leases: memory.New(memory.Options{Now: e.clock.Now}), Logger: log, Now: e.clock.Now,
				SweepInterval: 5 * time.Millisecond})
			require.NoError(t, svc2.Start(ctx))
			t.Cleanup(svc2.Stop)
			node2 := node(e.st, svc2)
			require.NoError(t, node2.Start(ctx))
			t.Cleanup(node2.Stop)
			time.Sleep(100 * time.Millisecond)
			j, err := node2.Job(ctx, job.ID)
			require.NoError(t, err)
			require.Equal(t, catalog.JobRunning, j.State, "the job waits for the payments under way")
			res, err := e.answer(t, approved, testpay.Approve)
			require.NoError(t, err)
			require.Equal(t, order.Paid, res.Order.Status)
			_, err = e.answer(t, declined, testpay.Decline)
			require.NoError(t, err)
			orders = append(orders, res.Order)
			testkit.Eventually(t, 30*time.Second, "the resumed job is done", func() bool {
				j, err := node2.Job(ctx, job.ID)
				require.NoError(t, err)
				require.NotEqual(t, catalog.JobFailed, j.State, j.Error)
				return j.State == catalog.JobDone
			})

			moves, err := e.st.OrderMoves(ctx, e.perf)
			require.NoError(t, err)
			require.Len(t, moves, n+1, "one move per order")
			moved, err := e.st.ListOrders(ctx, order.Filter{PerformanceID: r.ReplacementID, Limit: 1000})
			require.NoError(t, err)
			require.Len(t, moved, n+1, "no order moved twice")
			for _, o := range orders {
				stored, err := e.st.GetOrder(ctx, o.ID)
				require.NoError(t, err)
				require.Equal(t, order.Paid, stored.Status, "the original stays paid")
				require.Zero(t, stored.Refunded)
				naming := 0
				for _, no := range moved {
					if strings.Contains(no.Notes, o.Number) {
						naming++
						require.Contains(t, stored.Notes, no.Number)
						require.Equal(t, o.Tickets[0].SeatID, no.Tickets[0].SeatID)
						require.Equal(t, o.Total, no.Total)
					}
				}
				require.Equal(t, 1, naming, "order %s moved once", o.Number)
			}
			counts, err := svc2.Counts(ctx, r.ReplacementID)
			require.NoError(t, err)
			require.Equal(t, n+1, counts.Sold)
			require.Zero(t, counts.Blocked, "no seat left blocked for moving: the declined payment's seat is free")
			rc, err := node2.ReconcileDates(ctx, e.perf)
			require.NoError(t, err)
			require.True(t, rc.Equal, "%+v", rc)
			require.Equal(t, n+1, rc.Replacement.Orders)

			// Again: the same job and replacement.
			again, r2, err := node2.Reschedule(ctx, e.perf, in, seating.Actor{StaffID: "u1", Login: "org"})
			require.NoError(t, err)
			require.Equal(t, job.ID, again.ID)
			require.Equal(t, r.ReplacementID, r2.ReplacementID)
		})
	}
}
