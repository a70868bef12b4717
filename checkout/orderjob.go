package checkout

import (
	"context"
	"fmt"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/order"
)

// orderJob is the per-order part of a resumable job on a performance's
// orders (cancel, reschedule, replace): which orders are left, and the step
// that does one of them in its own transaction.
type orderJob struct {
	// what names the step in the log when it fails: "cancel an order".
	what string
	// targets lists the orders the job still has to do.
	targets func(ctx context.Context) ([]order.Order, error)
	// step does one order; an error counts the order failed (a step that
	// finds the order done all the same returns nil).
	step func(ctx context.Context, o order.Order) error
	// everyRound: each round lists every order of the job again and counts
	// from zero, and a round without a failure ends the job (replace: the
	// store skips a buyer told before). Otherwise a round lists the orders
	// left, counts on from those done, and rounds go on until none is left.
	everyRound bool
	// saveEvery writes the job's counters every n orders done and at a
	// round's end; 0 or 1: after every order.
	saveEvery int
}

// runOrders runs a job's rounds, at most cancelRounds: an order that fails
// in one round is tried again in the next. stop ends it between two orders
// (the order under way is finished): the counters are saved, stopped is
// true and the job, still running, resumes on the next start. Otherwise err
// is what stopped it — listing the targets, or the last failure of its last
// round — and nil when every order is done.
func (s *Service) runOrders(stop context.Context, j *catalog.Job, w orderJob) (stopped bool, err error) {
	ctx := context.WithoutCancel(stop)
	var last error
	for round := 0; round < cancelRounds; round++ {
		left, err := w.targets(ctx)
		if err != nil {
			return false, err
		}
		if w.everyRound {
			j.Total, j.Done, j.Failed, last = len(left), 0, 0, nil
		} else {
			if len(left) == 0 {
				break
			}
			j.Total, j.Failed = j.Done+len(left), 0
		}
		for _, o := range left {
			if stop.Err() != nil {
				s.saveJob(ctx, j)
				return true, nil // resumed on the next start
			}
			if err := w.step(ctx, o); err != nil {
				j.Failed++
				last = fmt.Errorf("order %s: %w", o.Number, err)
				s.log.Warn(w.what, "job", j.ID, "order", o.ID, "err", err)
			} else {
				j.Done++
			}
			if w.saveEvery <= 1 || j.Done%w.saveEvery == 0 || j.Done+j.Failed == j.Total {
				s.saveJob(ctx, j)
			}
		}
		switch {
		case w.everyRound && last == nil:
			return false, nil
		case !w.everyRound && j.Failed == 0:
			last = nil
		}
	}
	return false, last
}
