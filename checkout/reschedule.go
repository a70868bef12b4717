package checkout

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/internal/ids"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/outbox"
	"github.com/seatmap/seatmap/pricing"
	"github.com/seatmap/seatmap/seating"
	"github.com/seatmap/seatmap/store"
)

// Rescheduling a performance to a replacement date (issue 16, seed 003
// Ersatztermin). The replacement is set up with the original's data (hall,
// zones and prices, fares, channels and quotas, its blocks but not system
// blocks)
// and takes over its booking state, one order at a time in a job:
//
//   - a paid order becomes a new paid order on the replacement (same seats,
//     prices, discount, buyer, channel, payment method; what was refunded
//     stays refunded), its notes naming the original's number and the
//     original's naming the new one. The original stays paid: the money stays
//     with the original date, as if it had taken place.
//   - a printed ticket ("gedruckt Vortermin") is not sold again: its seat on
//     the replacement is blocked with catalog.BlockPrintedPrevious and the
//     old ticket admits to the new date (the gate); a refund of it before
//     then frees exactly that seat on the replacement.
//   - a reservation ("reserviert Vortermin") is kept (a new reservation on
//     the replacement, same deadline), released (its seats free there), or,
//     with "decide", blocked with catalog.BlockReservedPrevious until staff
//     decide (DecideReservation).
//
// Concurrency with buyers on the replacement: before it goes on sale, every
// seat still to be moved is blocked there (catalog.BlockMoving), engine
// first; a move ends those blocks in its own transaction, and the engine
// turns the seats sold in one step (seating.Moved). So buyers buy the rest
// at once and never a seat an order of the original will take.
//
// Resuming: each move is one transaction keyed by the original order's id
// (order_moves), so a job stopped or crashed half-way resumes on the next
// start and moves what is left; an order moved before is skipped.

// ErrRescheduled: the performance was rescheduled already, to another date
// or with another choice for reservations.
var ErrRescheduled = errors.New("performance is rescheduled already")

// ErrMoveNotFound: no reservation of a reschedule waits for a decision.
var ErrMoveNotFound = errors.New("no reservation waiting for a decision")

var rescheduleActor = seating.Actor{StaffID: "system", Login: "reschedule"}

// RescheduleInput is what staff give.
type RescheduleInput struct {
	StartsAt     time.Time
	Reservations string // catalog.KeepReservations, ReleaseReservations, DecideReservations
}

func (in RescheduleInput) validate(now time.Time) error {
	switch {
	case in.StartsAt.IsZero():
		return &input.Error{Field: "starts_at", Reason: "is missing"}
	case !in.StartsAt.After(now):
		return &input.Error{Field: "starts_at", Reason: "must be in the future"}
	case in.StartsAt.Year() > 9999:
		return &input.Error{Field: "starts_at", Reason: "is not a plausible date"}
	}
	switch in.Reservations {
	case catalog.KeepReservations, catalog.ReleaseReservations, catalog.DecideReservations:
		return nil
	}
	return &input.Error{Field: "reservations", Reason: `is one of "keep", "release", "decide"`}
}

// Reschedule moves a performance to a replacement date: the replacement is
// set up now and the job that moves the orders is returned, running. The
// same request again returns the same job and replacement; another date or
// choice is ErrRescheduled, a cancelled performance seating.ErrCancelled.
func (s *Service) Reschedule(ctx context.Context, performanceID string, in RescheduleInput, a seating.Actor) (catalog.Job, catalog.Reschedule, error) {
	in.StartsAt = in.StartsAt.UTC().Truncate(time.Microsecond)
	if err := in.validate(s.now()); err != nil {
		return catalog.Job{}, catalog.Reschedule{}, err
	}
	p, err := s.seats.Performance(ctx, performanceID)
	if err != nil {
		return catalog.Job{}, catalog.Reschedule{}, err
	}
	if p.Status() == catalog.Cancelled {
		return catalog.Job{}, catalog.Reschedule{}, fmt.Errorf("reschedule %s: %w", performanceID, seating.ErrCancelled)
	}
	r, _, err := s.store.CreateReschedule(ctx, catalog.Reschedule{OriginID: performanceID, ReplacementID: seating.NewPerformanceID(),
		JobID: ids.New("j", 12), StartsAt: in.StartsAt, Reservations: in.Reservations, OriginStatus: p.Status()})
	if err != nil {
		return catalog.Job{}, catalog.Reschedule{}, fmt.Errorf("reschedule %s: %w", performanceID, err)
	}
	if !r.StartsAt.Equal(in.StartsAt) || r.Reservations != in.Reservations {
		return catalog.Job{}, r, fmt.Errorf("%w to %s (reservations %s): replacement %s", ErrRescheduled,
			r.StartsAt.Format(time.RFC3339), r.Reservations, r.ReplacementID)
	}
	j, _, err := s.store.CreateJob(ctx, catalog.Job{ID: r.JobID, Kind: catalog.JobReschedule, PerformanceID: performanceID,
		State: catalog.JobRunning, Reason: "replacement " + r.ReplacementID + " at " + r.StartsAt.Format(time.RFC3339), CreatedBy: a.Label()})
	if err != nil {
		return catalog.Job{}, r, fmt.Errorf("reschedule %s: %w", performanceID, err)
	}
	if err := s.setUpReplacement(ctx, &r); err != nil {
		return catalog.Job{}, r, err // the job, running, sets it up when it resumes
	}
	if j.State == catalog.JobFailed {
		j.State, j.Failed, j.Error = catalog.JobRunning, 0, ""
		if j, err = s.store.UpdateJob(ctx, j); err != nil {
			return catalog.Job{}, r, fmt.Errorf("restart job %s: %w", j.ID, err)
		}
	}
	if j.State == catalog.JobRunning {
		s.jobs.run(j.ID, func(ctx context.Context) { s.runReschedule(ctx, j) })
	}
	return j, r, nil
}

// Rescheduled returns the reschedule of a performance (as its original or
// its replacement); ErrNotFound if none.
func (s *Service) Rescheduled(ctx context.Context, performanceID string) (catalog.Reschedule, error) {
	return s.store.GetReschedule(ctx, performanceID)
}

// setUpReplacement makes the replacement ready, each step again if a crash
// interrupted it: stored as a copy of the original, the original stopped and
// its sales under way decided, the original's blocks (not the system's) and
// the seats still to move blocked on it, then its status the original's.
func (s *Service) setUpReplacement(ctx context.Context, r *catalog.Reschedule) error {
	if r.SetUp {
		return nil
	}
	if err := s.seats.CreateReplacement(ctx, r.OriginID, r.ReplacementID, r.StartsAt); err != nil {
		return err
	}
	// The same fares (reduced and free ones, with their names).
	fares, err := s.store.PerformanceFares(ctx, r.OriginID)
	if err != nil {
		return err
	}
	if len(fares) > 0 {
		if err := s.store.SetPerformanceFares(ctx, r.ReplacementID, fares); err != nil {
			return fmt.Errorf("replacement %s: fares: %w", r.ReplacementID, err)
		}
	}
	if r.OriginStatus == catalog.OnSale {
		if err := s.seats.SetStatus(ctx, r.OriginID, catalog.Stopped); err != nil {
			return err
		}
	}
	// A sale under way on the original (its hold pinned) is written or
	// refused in a moment: wait, so that its order is among those moved.
	_, pinned, err := s.seats.EndHolds(ctx, r.OriginID)
	for i := 0; err == nil && pinned > 0 && i < 100; i++ {
		time.Sleep(50 * time.Millisecond)
		_, pinned, err = s.seats.EndHolds(ctx, r.OriginID)
	}
	if err != nil {
		return err
	}
	blocks, err := s.storeBlocks(ctx, r.OriginID)
	if err != nil {
		return err
	}
	byReason := map[string][]uint32{}
	for _, b := range blocks {
		if !catalog.SystemBlock(b.Reason) {
			byReason[b.Reason] = append(byReason[b.Reason], b.Seat)
		}
	}
	for reason, seats := range byReason {
		if _, err := s.seats.BlockSeats(ctx, r.ReplacementID, seats, reason); err != nil {
			return fmt.Errorf("replacement %s: blocks: %w", r.ReplacementID, err)
		}
	}
	left, err := s.rescheduleTargets(ctx, *r)
	if err != nil {
		return err
	}
	var moving []uint32
	for _, o := range left {
		if o.Status == order.Reserved && r.Reservations == catalog.ReleaseReservations {
			continue
		}
		moving = append(moving, liveSeats(o)...)
	}
	// An order whose payment is under way is moved if it is paid: its seats
	// wait for it too.
	waiting, err := s.ordersOf(ctx, r.OriginID, order.PendingPayment)
	if err != nil {
		return err
	}
	for _, o := range waiting {
		moving = append(moving, liveSeats(o)...)
	}
	if _, err := s.seats.BlockSeats(ctx, r.ReplacementID, moving, catalog.BlockMoving); err != nil {
		return fmt.Errorf("replacement %s: block the seats to move: %w", r.ReplacementID, err)
	}
	if r.OriginStatus == catalog.OnSale || r.OriginStatus == catalog.Stopped {
		if err := s.seats.SetStatus(ctx, r.ReplacementID, r.OriginStatus); err != nil {
			return err
		}
	}
	if err := s.store.MarkRescheduleSetUp(ctx, r.OriginID); err != nil {
		return err
	}
	r.SetUp = true
	return nil
}

// storeBlocks reads a performance's blocks through the seating service's
// view (the reasons as the engine has them).
func (s *Service) storeBlocks(ctx context.Context, performanceID string) ([]catalog.Block, error) {
	p, err := s.seats.Performance(ctx, performanceID)
	if err != nil {
		return nil, err
	}
	var out []catalog.Block
	for seat, reason := range p.BlockReasons() {
		out = append(out, catalog.Block{Seat: seat, Reason: reason})
	}
	return out, nil
}

// rescheduleTargets lists the orders of the original a reschedule has still
// to move: paid (also partly refunded) orders with live tickets, and
// reservations, not moved yet.
func (s *Service) rescheduleTargets(ctx context.Context, r catalog.Reschedule) ([]order.Order, error) {
	moves, err := s.store.OrderMoves(ctx, r.OriginID)
	if err != nil {
		return nil, err
	}
	moved := make(map[string]bool, len(moves))
	for _, m := range moves {
		moved[m.OriginOrderID] = true
	}
	var out []order.Order
	for _, st := range []string{order.Paid, order.PartRefunded, order.Reserved} {
		os, err := s.ordersOf(ctx, r.OriginID, st)
		if err != nil {
			return nil, err
		}
		for _, o := range os {
			if !moved[o.ID] && len(liveSeats(o)) > 0 {
				out = append(out, o)
			}
		}
	}
	return out, nil
}

func liveSeats(o order.Order) []uint32 {
	var out []uint32
	for _, t := range o.Tickets {
		if t.Status == order.TicketLive {
			out = append(out, t.Seat)
		}
	}
	return out
}

// runReschedule does a reschedule job's work; ctx ends it between two
// orders (a stop), and the job resumes on the next start.
func (s *Service) runReschedule(stop context.Context, j catalog.Job) {
	ctx := context.WithoutCancel(stop)
	fail := func(err error) {
		j.State, j.Error = catalog.JobFailed, err.Error()
		if _, err := s.store.UpdateJob(ctx, j); err != nil {
			s.log.Error("record a failed job", "job", j.ID, "err", err)
		}
		s.log.Error("reschedule job failed", "job", j.ID, "performance", j.PerformanceID, "err", j.Error)
	}
	r, err := s.store.GetReschedule(ctx, j.PerformanceID)
	if err != nil {
		fail(err)
		return
	}
	if err := s.setUpReplacement(ctx, &r); err != nil {
		fail(err)
		return
	}
	rp, err := s.seats.Performance(ctx, r.ReplacementID)
	if err != nil {
		fail(err)
		return
	}
	stopped, err := s.runOrders(stop, &j, orderJob{
		what:    "move an order",
		targets: func(ctx context.Context) ([]order.Order, error) { return s.rescheduleTargets(ctx, r) },
		step: func(ctx context.Context, o order.Order) error {
			return s.moveOrder(ctx, r, rp, o, r.Reservations, rescheduleActor.Label())
		},
	})
	if stopped {
		return
	}
	if err != nil {
		fail(err)
		return
	}
	// Payments under way on the original: wait for them (a paid one is
	// moved, one that fails frees its seat), at most the payment window.
	for deadline := s.now().Add(s.cfg.PaymentWindow + time.Minute); ; {
		waiting, err := s.ordersOf(ctx, r.OriginID, order.PendingPayment)
		if err != nil {
			fail(err)
			return
		}
		left, err := s.rescheduleTargets(ctx, r)
		if err != nil {
			fail(err)
			return
		}
		for _, o := range left {
			if stop.Err() != nil {
				s.saveJob(ctx, &j)
				return
			}
			j.Total++
			if err := s.moveOrder(ctx, r, rp, o, r.Reservations, rescheduleActor.Label()); err != nil {
				j.Failed++
				s.log.Warn("move an order", "job", j.ID, "order", o.ID, "err", err)
			} else {
				j.Done++
			}
			s.saveJob(ctx, &j)
		}
		if len(waiting) == 0 || !s.now().Before(deadline) {
			break
		}
		select {
		case <-stop.Done():
			s.saveJob(ctx, &j)
			return // resumed on the next start
		case <-time.After(time.Second):
		}
	}
	// Seats still blocked for moving whose order ended meanwhile (a refund,
	// a payment that failed) go on sale on the replacement.
	if err := s.releaseUnmoved(ctx, r); err != nil {
		fail(err)
		return
	}
	j.State, j.Total = catalog.JobDone, j.Done
	s.saveJob(ctx, &j)
}

// releaseUnmoved frees the replacement's seats still blocked for moving once
// nothing is left to move: their orders ended before they moved.
func (s *Service) releaseUnmoved(ctx context.Context, r catalog.Reschedule) error {
	rp, err := s.seats.Performance(ctx, r.ReplacementID)
	if err != nil {
		return err
	}
	var seats []uint32
	for seat, reason := range rp.BlockReasons() {
		if reason == catalog.BlockMoving {
			seats = append(seats, seat)
		}
	}
	if len(seats) == 0 {
		return nil
	}
	s.log.Info("free seats whose orders ended before they moved", "replacement", r.ReplacementID, "seats", len(seats))
	return s.seats.UnblockSeats(ctx, r.ReplacementID, seats)
}

// printedPrevious is the block reason of a printed ticket's seat.
func printedPrevious(number string) string {
	return catalog.BlockPrintedPrevious + " · " + number
}

// reservedPrevious is the block reason of a reservation waiting for staff.
func reservedPrevious(number string) string {
	return catalog.BlockReservedPrevious + " · " + number
}

// moveOrder moves one order of the original in one store transaction, then
// shows it in the replacement's engine. policy is what happens to a
// reservation.
func (s *Service) moveOrder(ctx context.Context, r catalog.Reschedule, rp *seating.Perf, o order.Order, policy, actor string) error {
	when := FormatWhen(rp.Meta().StartsAt, s.loc) // as it stands: a PATCH may have moved it
	var live, printed []order.Ticket
	for _, t := range o.Tickets {
		switch {
		case t.Status != order.TicketLive:
		case !t.PrintedAt.IsZero() && o.Status != order.Reserved:
			printed = append(printed, t)
		default:
			live = append(live, t)
		}
	}
	m := order.Move{OriginOrderID: o.ID, OriginID: r.OriginID, ReplacementID: r.ReplacementID, Actor: actor,
		Seats: len(live) + len(printed), Printed: len(printed)}
	for _, t := range o.Tickets {
		if t.Status == order.TicketLive {
			m.Clear = append(m.Clear, t.Seat)
		}
	}
	newOrder := func(status string) *order.Order {
		no := o // every field of the original, so that what a ticket or order carries moves with it
		no.ID, no.Number, no.PerformanceID, no.Status = NewOrderID(), NewOrderNumber(), r.ReplacementID, status
		no.IdempotencyKey, no.AccessKey, no.Passes, no.Payments = "", "", nil, nil
		no.Tickets = make([]order.Ticket, len(live))
		for i, t := range live {
			t.ID, t.Code, t.PrintedAt = "", "", time.Time{}
			no.Tickets[i] = t
		}
		no.Notes = fmt.Sprintf("Ersatztermin: moved from order %s (previous date)", o.Number)
		no.Origin = order.Change{Actor: actor, Reason: "moved from order " + o.Number}
		return &no
	}
	var token string
	switch o.Status {
	case order.Reserved:
		switch policy {
		case catalog.KeepReservations:
			m.Kind = order.MoveReserved
			m.NewOrder = newOrder(order.Reserved)
			token = seating.NewHoldToken(r.ReplacementID)
			m.NewOrder.HoldToken = token
		case catalog.ReleaseReservations:
			m.Kind = order.MoveReleased
			m.OriginNote = fmt.Sprintf("Ersatztermin %s: reservation released (reserviert Vortermin)", when)
		default:
			m.Kind = order.MovePending
			m.Block, m.BlockReason = m.Clear, reservedPrevious(o.Number)
			m.Clear = nil
			m.OriginNote = fmt.Sprintf("Ersatztermin %s: reservation waits for a decision (reserviert Vortermin)", when)
		}
	default:
		m.Kind = order.MovePaid
		if len(live) > 0 {
			m.NewOrder = newOrder(o.Status)
		}
		if len(printed) > 0 {
			m.Block, m.BlockReason = ticketSeats(order.Order{Tickets: printed}), printedPrevious(o.Number)
		}
	}
	if m.NewOrder != nil {
		// The buyer is told the new date, with the new order's tickets.
		order.Issue(m.NewOrder)
		intro := fmt.Sprintf("Your performance moves to a new date: %s. Your order %s is now order %s, with the same seats.",
			when, o.Number, m.NewOrder.Number)
		m.NewOrder.Origin.Notify = s.message(rp, *m.NewOrder, outbox.KindRescheduled, intro)
		m.OriginNote = fmt.Sprintf("Ersatztermin %s: moved to order %s", when, m.NewOrder.Number)
		if len(printed) > 0 {
			m.OriginNote += fmt.Sprintf("; %d printed ticket(s) valid (gedruckt Vortermin)", len(printed))
		}
	} else if m.OriginNote == "" {
		m.OriginNote = fmt.Sprintf("Ersatztermin %s: %d printed ticket(s) valid (gedruckt Vortermin)", when, len(printed))
	}
	if len(m.Block) > 0 {
		m.Clear = without(m.Clear, m.Block)
	}
	stored, moved, err := s.store.MoveOrder(ctx, m)
	if err != nil {
		return err
	}
	if !moved {
		return nil // moved before (a job resumed): the store and a rebuild agree
	}
	s.showMove(rp, stored, o, token)
	return nil
}

// showMove shows a stored move in the replacement's engine.
func (s *Service) showMove(rp *seating.Perf, m order.Move, o order.Order, token string) {
	switch m.Kind {
	case order.MoveReserved:
		no := m.NewOrder
		s.seats.MovedReservation(rp, token, seating.Reservation{OrderID: no.ID, Number: no.Number, Buyer: no.BuyerName,
			Email: no.BuyerEmail, Deadline: no.Deadline}, ticketSeats(*no), no.Session)
	case order.MoveReleased:
		s.seats.Moved(rp, nil, nil, "", m.Clear)
	default:
		var sold []uint32
		if m.NewOrder != nil {
			sold = ticketSeats(*m.NewOrder)
		}
		s.seats.Moved(rp, sold, m.Block, m.BlockReason, nil)
	}
}

func without(all, drop []uint32) []uint32 {
	skip := make(map[uint32]bool, len(drop))
	for _, s := range drop {
		skip[s] = true
	}
	var out []uint32
	for _, s := range all {
		if !skip[s] {
			out = append(out, s)
		}
	}
	return out
}

// PendingReservations lists the reservations of a rescheduled performance
// (the original's id or the replacement's) waiting for staff's decision.
func (s *Service) PendingReservations(ctx context.Context, performanceID string) (catalog.Reschedule, []order.Order, error) {
	r, err := s.store.GetReschedule(ctx, performanceID)
	if err != nil {
		return r, nil, err
	}
	moves, err := s.store.OrderMoves(ctx, r.OriginID)
	if err != nil {
		return r, nil, err
	}
	var out []order.Order
	for _, m := range moves {
		if m.Kind != order.MovePending {
			continue
		}
		o, err := s.store.GetOrder(ctx, m.OriginOrderID)
		if err != nil {
			return r, nil, err
		}
		out = append(out, o)
	}
	return r, out, nil
}

// DecideReservation keeps (a reservation on the replacement, the original's
// deadline) or releases (its seats free on the replacement) a reservation
// of the original waiting for a decision: ErrMoveNotFound if none waits.
// A reservation kept at fare (a fare id of the replacement, e.g. normal or
// a reduced one; empty: each ticket's own) is priced at it there.
func (s *Service) DecideReservation(ctx context.Context, orderID string, keep bool, fare string, a seating.Actor) (order.Move, error) {
	if fare != "" && !keep {
		return order.Move{}, &input.Error{Field: "fare", Reason: "is given only to keep a reservation"}
	}
	m, err := s.store.GetOrderMove(ctx, orderID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && m.Kind != order.MovePending) {
		return order.Move{}, fmt.Errorf("order %s: %w", orderID, ErrMoveNotFound)
	}
	if err != nil {
		return order.Move{}, err
	}
	r, err := s.store.GetReschedule(ctx, m.OriginID)
	if err != nil {
		return order.Move{}, err
	}
	o, err := s.store.GetOrder(ctx, orderID)
	if err != nil {
		return order.Move{}, err
	}
	rp, err := s.seats.Performance(ctx, r.ReplacementID)
	if err != nil {
		return order.Move{}, err
	}
	if o.Status != order.Reserved {
		// The reservation ended on the previous date meanwhile (its
		// deadline): it can only be released.
		if keep {
			return order.Move{}, fmt.Errorf("order %s is %s: %w", o.Number, o.Status, ErrNotReserved)
		}
		// As it was when it was moved: its seats are those blocked.
		o.Status = order.Reserved
		for i := range o.Tickets {
			if o.Tickets[i].Status == order.TicketVoid {
				o.Tickets[i].Status = order.TicketLive
			}
		}
	}
	policy := catalog.ReleaseReservations
	if keep {
		policy = catalog.KeepReservations
	}
	if fare != "" {
		if err := s.priceAt(ctx, rp, &o, fare); err != nil {
			return order.Move{}, err
		}
	}
	if err := s.moveOrder(ctx, r, rp, o, policy, a.Label()); err != nil {
		return order.Move{}, err
	}
	got, err := s.store.GetOrderMove(ctx, orderID)
	if err == nil && got.Kind == order.MovePending {
		return got, fmt.Errorf("order %s: %w", orderID, ErrMoveNotFound)
	}
	return got, err
}

// freePrintedPrevious frees on the replacement the seats of printed tickets
// of a rescheduled original refunded now ("gedruckt Vortermin" returned
// before the new date): exactly their seats go on sale there.
func (s *Service) freePrintedPrevious(ctx context.Context, p *seating.Perf, seats []uint32) {
	if p == nil || len(seats) == 0 || p.Status() == catalog.OnSale {
		return
	}
	r, err := s.store.GetReschedule(ctx, p.ID())
	if err != nil || r.OriginID != p.ID() {
		return
	}
	rp, err := s.seats.Performance(ctx, r.ReplacementID)
	if err != nil {
		s.log.Error("free returned printed tickets' seats on the replacement", "replacement", r.ReplacementID, "err", err)
		return
	}
	reasons := rp.BlockReasons()
	var free []uint32
	for _, seat := range seats {
		if strings.HasPrefix(reasons[seat], catalog.BlockPrintedPrevious) {
			free = append(free, seat)
		}
	}
	if err := s.seats.UnblockSeats(ctx, r.ReplacementID, free); err != nil {
		s.log.Error("free returned printed tickets' seats on the replacement", "replacement", r.ReplacementID, "err", err)
	}
}

// ReschedulePreview is what a reschedule would move now: the dry run staff
// see before they confirm.
type ReschedulePreview struct {
	PaidOrders      int // moved as new orders (or blocked, when all printed)
	Seats           int // their live seats
	Printed         int // of which printed: "gedruckt Vortermin" blocks
	Reservations    int
	ReservedSeats   int
	PendingPayments int // waited for
	Blocks          int // staff blocks carried over
	Holds           int // live holds that end on the original
}

// PreviewReschedule counts what Reschedule would move; it changes nothing.
func (s *Service) PreviewReschedule(ctx context.Context, performanceID string) (ReschedulePreview, error) {
	var pv ReschedulePreview
	p, err := s.seats.Performance(ctx, performanceID)
	if err != nil {
		return pv, err
	}
	if pv.Holds, _, err = s.seats.OpenHolds(ctx, performanceID); err != nil {
		return pv, err
	}
	os, err := s.liveOrders(ctx, performanceID)
	if err != nil {
		return pv, err
	}
	for _, o := range os {
		n := len(liveSeats(o))
		if n == 0 {
			continue
		}
		if o.Status == order.Reserved {
			pv.Reservations++
			pv.ReservedSeats += n
			continue
		}
		pv.PaidOrders++
		pv.Seats += n
		for _, t := range o.Tickets {
			if t.Status == order.TicketLive && !t.PrintedAt.IsZero() {
				pv.Printed++
			}
		}
	}
	waiting, err := s.ordersOf(ctx, performanceID, order.PendingPayment)
	if err != nil {
		return pv, err
	}
	pv.PendingPayments = len(waiting)
	for _, reason := range p.BlockReasons() {
		if !catalog.SystemBlock(reason) {
			pv.Blocks++
		}
	}
	pv.Holds = max(pv.Holds-pv.Reservations-pv.PendingPayments, 0)
	return pv, nil
}

// priceAt prices a reservation's live tickets at one fare of the
// replacement (its prices in their zones), its total what they make less
// its discount.
func (s *Service) priceAt(ctx context.Context, rp *seating.Perf, o *order.Order, fare string) error {
	stored, err := s.store.PerformanceFares(ctx, rp.ID())
	if err != nil {
		return err
	}
	var live []order.Ticket
	chosen := map[string]string{}
	for _, t := range o.Tickets {
		if t.Status == order.TicketLive {
			live = append(live, t)
			chosen[t.SeatID] = fare
		}
	}
	total, err := pricing.ApplyFares(live, pricing.WithZones(stored, rp.Meta().Zones), chosen, false)
	var bad *input.Error
	if errors.As(err, &bad) {
		return &input.Error{Field: "fare", Reason: bad.Reason}
	}
	if err != nil {
		return err
	}
	priced := make(map[uint32]order.Ticket, len(live))
	for _, t := range live {
		priced[t.Seat] = t
	}
	for i, t := range o.Tickets {
		if p, ok := priced[t.Seat]; ok {
			o.Tickets[i] = p
		}
	}
	o.Total = max(total-o.Discount, 0)
	return nil
}

// movedSeats refuses to refund on a rescheduled original the seats of an
// order moved to the replacement that were not printed: they are the new
// order's now (refund them there). A printed ticket ("gedruckt Vortermin")
// is refunded here, and frees its seat there.
func (s *Service) movedSeats(ctx context.Context, p *seating.Perf, o order.Order, seats []uint32) error {
	if p == nil || p.Status() == catalog.OnSale {
		return nil
	}
	m, err := s.store.GetOrderMove(ctx, o.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if m.Kind != order.MovePaid || m.NewOrderID == "" {
		return nil
	}
	printed := map[uint32]bool{}
	for _, t := range o.Tickets {
		if !t.PrintedAt.IsZero() {
			printed[t.Seat] = true
		}
	}
	for _, seat := range seats {
		if !printed[seat] {
			return fmt.Errorf("order %s: seat %s moved to order %s of the new date: %w", o.Number, p.SeatIDs([]uint32{seat})[0], m.NewOrderID, ErrRescheduled)
		}
	}
	return nil
}

// reservationMoved refuses to pay on a rescheduled original a reservation
// that moved (kept, waiting or released): it lives on the replacement.
func (s *Service) reservationMoved(ctx context.Context, p *seating.Perf, o order.Order) error {
	if p.Status() == catalog.OnSale {
		return nil
	}
	m, err := s.store.GetOrderMove(ctx, o.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return fmt.Errorf("pay reservation %s: it moved to the new date (%s): %w", o.Number, m.Kind, ErrRescheduled)
}
