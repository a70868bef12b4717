package checkout

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/internal/ids"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/outbox"
	"github.com/seatmap/seatmap/seating"
	"github.com/seatmap/seatmap/store"
)

// Cancelling a performance (issue 16, seed 001 §4 "отмена"): the status
// turns cancelled at once (no new hold, no confirm, no reservation paid),
// and a job in the background ends the live holds, annuls the reservations
// (and the orders waiting for their payment), and refunds every paid order
// in full of what is left through Refund — one transaction per order, with
// the idempotency key "cancel:"+order id, so a job resumed after a crash
// never refunds twice — each buyer told by one e-mail in that transaction.
// A job stopped with the service stays running and is resumed on Start.

// ErrJobNotFound: no such job.
var ErrJobNotFound = errors.New("job not found")

// cancelRounds bounds how often a job lists what is left: an order that
// failed is tried again in the next round, and a sale under way as the
// status changed is refunded in the next.
const cancelRounds = 3

// CancelKey is the idempotency key of the refund a cancel makes of an order.
func CancelKey(orderID string) string { return "cancel:" + orderID }

// cancelActor is who the history names for what a cancel job does.
var cancelActor = seating.Actor{StaffID: "system", Login: "cancel"}

// Cancel cancels a performance: its status turns cancelled now and the job
// that does the rest is returned, running. A second call returns the same
// job (a failed one is started again); a performance that does not exist
// is seating.ErrPerformanceNotFound.
func (s *Service) Cancel(ctx context.Context, performanceID, reason string, a seating.Actor) (catalog.Job, error) {
	if err := validateReason(&reason, true); err != nil {
		return catalog.Job{}, err
	}
	// A date rescheduled has moved its orders: cancel the replacement.
	if r, err := s.store.GetReschedule(ctx, performanceID); err == nil && r.OriginID == performanceID {
		return catalog.Job{}, fmt.Errorf("cancel %s: %w (replacement %s)", performanceID, ErrRescheduled, r.ReplacementID)
	}
	if err := s.seats.SetStatus(ctx, performanceID, catalog.Cancelled); err != nil {
		return catalog.Job{}, err
	}
	j, _, err := s.store.CreateJob(ctx, catalog.Job{ID: ids.New("j", 12), Kind: catalog.JobCancel, PerformanceID: performanceID,
		State: catalog.JobRunning, Reason: reason, CreatedBy: a.Label()})
	if errors.Is(err, store.ErrNotFound) {
		return catalog.Job{}, fmt.Errorf("performance %s: %w", performanceID, seating.ErrPerformanceNotFound)
	}
	if err != nil {
		return catalog.Job{}, fmt.Errorf("cancel %s: %w", performanceID, err)
	}
	if j.State == catalog.JobFailed {
		j.State, j.Failed, j.Error = catalog.JobRunning, 0, ""
		if j, err = s.store.UpdateJob(ctx, j); err != nil {
			return catalog.Job{}, fmt.Errorf("restart job %s: %w", j.ID, err)
		}
	}
	if j.State == catalog.JobRunning {
		s.jobs.run(j.ID, func(ctx context.Context) { s.runCancel(ctx, j) })
	}
	return j, nil
}

// CancelPreview is what a cancel would do now: the dry run staff see
// before they confirm.
type CancelPreview struct {
	PaidOrders      int
	ToRefund        int64 // minor units: what is left of the paid orders
	Currency        string
	Reservations    int
	PendingPayments int
	Holds           int // live holds of buyers and staff, not reservations
}

// PreviewCancel counts what Cancel would end and refund; it changes nothing.
func (s *Service) PreviewCancel(ctx context.Context, performanceID string) (CancelPreview, error) {
	var pv CancelPreview
	p, err := s.seats.Performance(ctx, performanceID)
	if err != nil {
		return pv, err
	}
	pv.Currency = p.Currency()
	if pv.Holds, _, err = s.seats.OpenHolds(ctx, performanceID); err != nil {
		return pv, err
	}
	os, err := s.cancelTargets(ctx, performanceID)
	if err != nil {
		return pv, err
	}
	for _, o := range os {
		switch o.Status {
		case order.Reserved:
			pv.Reservations++
		case order.PendingPayment:
			pv.PendingPayments++
		default:
			pv.PaidOrders++
			pv.ToRefund += o.Total - o.Refunded
		}
	}
	// Reservations and payments under way hold seats as holds too.
	pv.Holds = max(pv.Holds-pv.Reservations-pv.PendingPayments, 0)
	return pv, nil
}

// Job returns a job, or ErrJobNotFound.
func (s *Service) Job(ctx context.Context, id string) (catalog.Job, error) {
	j, err := s.store.GetJob(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return catalog.Job{}, fmt.Errorf("job %s: %w", id, ErrJobNotFound)
	}
	return j, err
}

// resumeJobs starts again the jobs a stop (or a crash) left running.
func (s *Service) resumeJobs(ctx context.Context) { s.ResumeJobs(ctx, "") }

// ResumeJobs starts again the running jobs of performance perf (every
// performance: "") that this node serves: on several nodes (issue 18) a
// job runs on its performance's owner, and a node that takes a performance
// over resumes its jobs where the last owner left them.
func (s *Service) ResumeJobs(ctx context.Context, perf string) {
	js, err := s.store.RunningJobs(ctx)
	if err != nil {
		s.log.Error("list running jobs: they resume on the next start", "err", err)
		return
	}
	for _, j := range js {
		if (perf != "" && j.PerformanceID != perf) || !s.seats.Serves(j.PerformanceID) {
			continue
		}
		if j.Kind == catalog.JobCancel {
			s.log.Info("resume a job", "job", j.ID, "kind", j.Kind, "performance", j.PerformanceID, "done", j.Done, "total", j.Total)
			s.jobs.run(j.ID, func(ctx context.Context) { s.runCancel(ctx, j) })
		}
		if j.Kind == catalog.JobReschedule {
			s.log.Info("resume a job", "job", j.ID, "kind", j.Kind, "performance", j.PerformanceID, "done", j.Done, "total", j.Total)
			s.jobs.run(j.ID, func(ctx context.Context) { s.runReschedule(ctx, j) })
		}
		if j.Kind == catalog.JobReplace {
			s.log.Info("resume a job", "job", j.ID, "kind", j.Kind, "performance", j.PerformanceID, "done", j.Done, "total", j.Total)
			s.jobs.run(j.ID, func(ctx context.Context) { s.runReplace(ctx, j) })
		}
	}
}

// runCancel does a cancel job's work. ctx ends it between two orders (a
// stop); the order under way is finished, and the job stays running.
func (s *Service) runCancel(stop context.Context, j catalog.Job) {
	ctx := context.WithoutCancel(stop)
	fail := func(err error) {
		j.State, j.Error = catalog.JobFailed, err.Error()
		if _, err := s.store.UpdateJob(ctx, j); err != nil {
			s.log.Error("record a failed job", "job", j.ID, "err", err)
		}
		s.log.Error("cancel job failed", "job", j.ID, "performance", j.PerformanceID, "err", j.Error)
	}
	if err := s.seats.SetStatus(ctx, j.PerformanceID, catalog.Cancelled); err != nil {
		fail(err)
		return
	}
	p, err := s.seats.Performance(ctx, j.PerformanceID)
	if err != nil {
		fail(err)
		return
	}
	// A sale under way as the status changed (its hold pinned) is written
	// or refused in a moment: wait for it, so that the listing below sees
	// its order, and end its hold if it was refused.
	_, pinned, err := s.seats.EndHolds(ctx, j.PerformanceID)
	for i := 0; err == nil && pinned > 0 && i < 100 && stop.Err() == nil; i++ {
		time.Sleep(50 * time.Millisecond)
		_, pinned, err = s.seats.EndHolds(ctx, j.PerformanceID)
	}
	if err != nil {
		fail(err)
		return
	}
	// A refund stored before a crash may not have reached the provider.
	if err := s.resendCancelRefunds(ctx, j); err != nil {
		fail(err)
		return
	}
	stopped, err := s.runOrders(stop, &j, orderJob{
		what:    "cancel an order",
		targets: func(ctx context.Context) ([]order.Order, error) { return s.cancelTargets(ctx, j.PerformanceID) },
		step: func(ctx context.Context, o order.Order) error {
			// An order ended all the same (the answer lost after the
			// commit, or another hand first) is done.
			if err := s.cancelOrder(ctx, p, j, o); err != nil && !s.orderEnded(ctx, o.ID) {
				return err
			}
			return nil
		},
	})
	if stopped {
		return
	}
	if err != nil {
		fail(err)
		return
	}
	// A refund whose answer was lost after its commit counted as done; its
	// money is sent now, as it is on every start.
	if err := s.resendCancelRefunds(ctx, j); err != nil {
		fail(err)
		return
	}
	j.State, j.Total = catalog.JobDone, j.Done
	s.saveJob(ctx, &j)
	// The cancelled performance's documents, made now (autodocs.go); one
	// stopped before they are is made by the documents loop.
	if j.Kind == catalog.JobCancel {
		s.makeAllDocuments(stop, j.PerformanceID)
	}
}

// saveJob writes a job's counters; a failed write is logged (the next one
// or the resumed job catches up).
func (s *Service) saveJob(ctx context.Context, j *catalog.Job) {
	if _, err := s.store.UpdateJob(ctx, *j); err != nil {
		s.log.Warn("record a job's progress", "job", j.ID, "err", err)
	}
}

// orderEnded reports whether an order a cancel failed on is ended all the
// same: an error after the commit (the answer lost) or another hand first.
func (s *Service) orderEnded(ctx context.Context, id string) bool {
	o, err := s.store.GetOrder(ctx, id)
	if err != nil {
		return false
	}
	switch o.Status {
	case order.Refunded, order.Annulled, order.PaymentFailed, order.Expired:
		return true
	}
	return false
}

// cancelTargets lists the orders of a performance a cancel still has to
// end or refund.
func (s *Service) cancelTargets(ctx context.Context, performanceID string) ([]order.Order, error) {
	var out []order.Order
	for _, st := range []string{order.Reserved, order.PendingPayment, order.Paid, order.PartRefunded} {
		os, err := s.ordersOf(ctx, performanceID, st)
		if err != nil {
			return nil, err
		}
		out = append(out, os...)
	}
	return out, nil
}

// ordersOf lists every order of a performance in a status, a page at a time.
func (s *Service) ordersOf(ctx context.Context, performanceID, status string) ([]order.Order, error) {
	var out []order.Order
	f := order.Filter{PerformanceID: performanceID, Status: status, Limit: 1000}
	for {
		page, err := s.store.ListOrders(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("list %s orders of %s: %w", status, performanceID, err)
		}
		out = append(out, page...)
		if len(page) < f.Limit {
			return out, nil
		}
		last := page[len(page)-1]
		f.Before, f.BeforeID = last.CreatedAt, last.ID
	}
}

// resendCancelRefunds sends to the provider the cancel refunds stored but
// not sent (a crash between the two); refunds sent are skipped by their key.
func (s *Service) resendCancelRefunds(ctx context.Context, j catalog.Job) error {
	if s.pay == nil {
		return nil
	}
	done, err := s.ordersOf(ctx, j.PerformanceID, order.Refunded)
	if err != nil {
		return err
	}
	for _, o := range done {
		if o.PaymentMethod != PayOnline {
			continue
		}
		rfs, err := s.store.Refunds(ctx, o.ID)
		if err != nil {
			return err
		}
		for _, rf := range rfs {
			if rf.IdempotencyKey == CancelKey(o.ID) {
				if err := s.refundOnline(ctx, o, rf); err != nil {
					return fmt.Errorf("order %s: %w", o.Number, err)
				}
			}
		}
	}
	return nil
}

// cancelOrder ends or refunds one order of a cancelled performance.
func (s *Service) cancelOrder(ctx context.Context, p *seating.Perf, j catalog.Job, o order.Order) error {
	notice := fmt.Sprintf("We are sorry: this performance is cancelled (%s).", j.Reason)
	switch o.Status {
	case order.Reserved, order.PendingPayment:
		status, what := order.Annulled, " Your reservation is annulled; nothing was paid."
		if o.Status == order.PendingPayment {
			status, what = order.PaymentFailed, " Your order is cancelled; the payment started will not be taken."
		}
		ended := o
		ended.Status = status
		c := order.Change{Actor: cancelActor.Label(), Reason: j.Reason, Notify: s.message(p, ended, outbox.KindCancelled, notice+what)}
		ended, err := s.store.EndReservation(ctx, o.ID, status, c)
		if err != nil {
			return reservationErr(err)
		}
		s.seats.ReservationEnded(p, ended.HoldToken, false, ticketSeats(ended))
		if status == order.PaymentFailed {
			s.cancelPayment(ctx, o.ID)
		}
		return nil
	}
	in := RefundInput{OrderID: o.ID, Reason: "performance cancelled: " + j.Reason, IdempotencyKey: CancelKey(o.ID),
		Actor: cancelActor, Notice: notice}
	for _, t := range o.Tickets {
		if t.Status == order.TicketLive {
			in.Seats = append(in.Seats, t.SeatID)
		}
	}
	left := o.Total - o.Refunded
	if len(in.Seats) == 0 {
		if left <= 0 {
			return nil // nothing was paid, nothing is left
		}
		in.Amount = left
	}
	after, _, _, err := s.Refund(ctx, in)
	if err != nil {
		return err
	}
	if rest := after.Total - after.Refunded; rest > 0 && (after.Status == order.Paid || after.Status == order.PartRefunded) {
		// Passes sold with the seats: what is left goes back as an amount.
		_, _, _, err = s.Refund(ctx, RefundInput{OrderID: o.ID, Reason: in.Reason, IdempotencyKey: CancelKey(o.ID) + ":rest",
			Amount: rest, Actor: cancelActor})
	}
	return err
}

// jobRunner runs jobs in the background between start and stop, one
// goroutine a job.
type jobRunner struct {
	mu      sync.Mutex
	ctx     context.Context // nil while stopped
	cancel  context.CancelFunc
	running map[string]bool
	wg      sync.WaitGroup
}

func (r *jobRunner) start(ctx context.Context) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ctx, r.cancel = context.WithCancel(ctx)
	r.running = map[string]bool{}
}

// stop ends the jobs' context and waits for them to return.
func (r *jobRunner) stop() {
	r.mu.Lock()
	cancel := r.cancel
	r.ctx, r.cancel = nil, nil
	r.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	r.wg.Wait()
}

// run starts f for job id unless it runs already or the runner is stopped
// (the job then resumes on the next start).
func (r *jobRunner) run(id string, f func(ctx context.Context)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ctx == nil || r.running[id] {
		return
	}
	r.running[id] = true
	ctx := r.ctx
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer func() {
			r.mu.Lock()
			delete(r.running, id)
			r.mu.Unlock()
		}()
		f(ctx)
	}()
}
