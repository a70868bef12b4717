package checkout

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/internal/ids"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/outbox"
	"github.com/seatmap/seatmap/seating"
	"github.com/seatmap/seatmap/store"
)

// Replacing a performance (issue 16, seed 001 §4 "замена"): staff change its
// name or date in place (Replace, guarded by the entity tag they read), and
// a job tells every buyer of a paid or reserved order by e-mail, one
// transaction per order (the order's replacement row, its history and the
// e-mail), with the order's secret link to the attend-or-refund page. Until
// the organizer's deadline a buyer chooses (ChooseReplacement): "refund"
// refunds what is left of the order in full through Refund with the key
// ReplaceKey (a reservation is annulled), and frees its seats — stored
// first, then the engine (giveLast); "attend" keeps the order. The first
// refund stands (the same choice again answers the same); "attend" may turn
// into "refund" before the deadline, "refund" never back. After the deadline
// the orders left stand and choices are refused (ErrChoiceClosed).

var (
	// ErrPerformanceChanged: the performance's name or date changed since
	// the entity tag the request names.
	ErrPerformanceChanged = errors.New("performance changed since it was read")
	// ErrReplaceRunning: the performance's replace job still tells buyers of
	// the last change.
	ErrReplaceRunning = errors.New("a replacement of this performance is still being sent")
	// ErrNoReplacement: the order's performance offers no choice.
	ErrNoReplacement = errors.New("no replacement offers a choice for this order")
	// ErrChoiceClosed: the deadline for choosing passed.
	ErrChoiceClosed = errors.New("the deadline for choosing has passed")
	// ErrChoiceFinal: the order was refunded by an earlier choice.
	ErrChoiceFinal = errors.New("the order was refunded by an earlier choice")
)

// replaceStore is what the store keeps of replacements (backend.Replacements).
type replaceStore interface {
	ReplacePerformance(ctx context.Context, r catalog.Replacement, j catalog.Job) (catalog.Job, error)
	LatestReplacement(ctx context.Context, performanceID string) (catalog.Replacement, error)
	NotifyReplacement(ctx context.Context, replacementID, orderID string, c order.Change) (bool, error)
	ChooseReplacement(ctx context.Context, replacementID, orderID, choice, actor string) (catalog.ReplacementChoice, error)
	ReplacementChoice(ctx context.Context, replacementID, orderID string) (catalog.ReplacementChoice, error)
	ReplacementCounts(ctx context.Context, replacementID string) (catalog.ReplacementCounts, error)
}

// ReplaceKey is the idempotency key of the refund a buyer's choice makes of
// an order.
func ReplaceKey(orderID string) string { return "replace:" + orderID }

// replaceActor is who the history names for what a replace job does.
var replaceActor = seating.Actor{StaffID: "system", Login: "replace"}

// ReplaceInput is a change of a performance: nil fields stay.
type ReplaceInput struct {
	Name           *string
	StartsAt       *time.Time
	RefundDeadline *time.Time
	// ETag is the performance's entity tag the change was made on
	// (catalog.PerformanceETag).
	ETag string
}

// maxDeadlineAfterStart is how long after the new start a deadline may be:
// around the performance (a buyer who did not come may still ask), no later.
const maxDeadlineAfterStart = 24 * time.Hour

// Replace changes a performance's name and/or start in place and starts the
// job that tells its buyers; it returns the job, running, and the
// replacement. A changed start needs a refund deadline, in the future and no
// later than a day after the new start; a deadline offers buyers the choice
// for a change of name alone too.
func (s *Service) Replace(ctx context.Context, performanceID string, in ReplaceInput, a seating.Actor) (catalog.Job, catalog.Replacement, error) {
	r, err := s.planReplace(ctx, performanceID, in, a)
	if err != nil {
		return catalog.Job{}, r, err
	}
	j, err := s.store.ReplacePerformance(ctx, r, catalog.Job{ID: ids.New("j", 12), CreatedBy: a.Label()})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return catalog.Job{}, r, fmt.Errorf("performance %s: %w", performanceID, seating.ErrPerformanceNotFound)
	case errors.Is(err, store.ErrDuplicate):
		return catalog.Job{}, r, fmt.Errorf("performance %s: %w", performanceID, ErrReplaceRunning)
	case errors.Is(err, store.ErrConflict):
		if st, gerr := s.seats.GetPerformance(ctx, performanceID); gerr == nil && st.Status == catalog.Cancelled {
			return catalog.Job{}, r, fmt.Errorf("performance %s: %w", performanceID, seating.ErrCancelled)
		}
		return catalog.Job{}, r, fmt.Errorf("performance %s: %w", performanceID, ErrPerformanceChanged)
	case err != nil:
		return catalog.Job{}, r, err
	}
	s.seats.Replaced(performanceID, r.NewName, r.NewStartsAt)
	s.jobs.run(j.ID, func(ctx context.Context) { s.runReplace(ctx, j) })
	return j, r, nil
}

// planReplace checks a change and returns the replacement it makes, without
// writing anything.
func (s *Service) planReplace(ctx context.Context, performanceID string, in ReplaceInput, a seating.Actor) (catalog.Replacement, error) {
	p, err := s.seats.Performance(ctx, performanceID)
	if err != nil {
		return catalog.Replacement{}, err
	}
	meta := p.Meta()
	if meta.Status == catalog.Cancelled {
		return catalog.Replacement{}, fmt.Errorf("performance %s: %w", performanceID, seating.ErrCancelled)
	}
	now := s.now()
	r := catalog.Replacement{ID: ids.New("rp", 12), PerformanceID: performanceID, OldName: meta.Name, NewName: meta.Name,
		OldStartsAt: meta.StartsAt.UTC().Truncate(time.Microsecond), CreatedBy: a.Label(), CreatedAt: now.UTC().Truncate(time.Microsecond)}
	r.NewStartsAt = r.OldStartsAt
	if in.Name != nil {
		name := strings.TrimSpace(*in.Name)
		switch {
		case name == "":
			return r, &input.Error{Field: "name", Reason: "is empty"}
		case len(name) > hall.MaxNameLen:
			return r, &input.Error{Field: "name", Reason: fmt.Sprintf("is longer than %d characters", hall.MaxNameLen)}
		}
		r.NewName = name
	}
	if in.StartsAt != nil {
		at := in.StartsAt.UTC().Truncate(time.Microsecond)
		switch {
		case at.Year() < 2000 || at.Year() > 9999:
			return r, &input.Error{Field: "starts_at", Reason: "is not a plausible date"}
		case !at.After(now):
			return r, &input.Error{Field: "starts_at", Reason: "is in the past; a new date must be ahead"}
		}
		r.NewStartsAt = at
	}
	dateChanged := !r.NewStartsAt.Equal(r.OldStartsAt)
	if r.NewName == r.OldName && !dateChanged {
		return r, &input.Error{Field: "name", Reason: "changes nothing: give a new name or starts_at"}
	}
	switch {
	case in.RefundDeadline == nil && dateChanged:
		return r, &input.Error{Field: "refund_deadline", Reason: "is missing: a new date needs the deadline until which buyers may take a refund"}
	case in.RefundDeadline != nil:
		d := in.RefundDeadline.UTC().Truncate(time.Microsecond)
		switch {
		case !d.After(now):
			return r, &input.Error{Field: "refund_deadline", Reason: "is in the past"}
		case d.After(r.NewStartsAt.Add(maxDeadlineAfterStart)):
			return r, &input.Error{Field: "refund_deadline", Reason: "is more than a day after the performance starts"}
		}
		r.RefundDeadline = d
	}
	if in.ETag != catalog.PerformanceETag(meta) {
		return r, fmt.Errorf("performance %s: %w", performanceID, ErrPerformanceChanged)
	}
	return r, nil
}

// ReplacePreview is what a replacement would do: who is told and offered
// the choice, and at most how much goes back if every buyer asks.
type ReplacePreview struct {
	Replacement  catalog.Replacement
	PaidOrders   int
	Reservations int
	MostRefund   int64 // what is left to refund of the paid orders
	Currency     string
}

// PreviewReplace checks a change as Replace does and says what it would do,
// changing nothing (the wizard's dry run).
func (s *Service) PreviewReplace(ctx context.Context, performanceID string, in ReplaceInput, a seating.Actor) (ReplacePreview, error) {
	var pv ReplacePreview
	r, err := s.planReplace(ctx, performanceID, in, a)
	if err != nil {
		return pv, err
	}
	pv.Replacement = r
	if p, err := s.seats.Performance(ctx, performanceID); err == nil {
		pv.Currency = p.Currency()
	}
	os, err := s.replaceTargets(ctx, performanceID)
	if err != nil {
		return pv, err
	}
	for _, o := range os {
		if o.Status == order.Reserved {
			pv.Reservations++
			continue
		}
		pv.PaidOrders++
		pv.MostRefund += o.Total - o.Refunded
	}
	return pv, nil
}

// replaceTargets lists the orders a replacement tells and offers the choice:
// reserved and paid ones (also partly refunded).
func (s *Service) replaceTargets(ctx context.Context, performanceID string) ([]order.Order, error) {
	var out []order.Order
	for _, st := range []string{order.Reserved, order.Paid, order.PartRefunded} {
		os, err := s.ordersOf(ctx, performanceID, st)
		if err != nil {
			return nil, err
		}
		out = append(out, os...)
	}
	return out, nil
}

// replaceTarget reports whether o is an order a replacement offers a choice.
func replaceTarget(o order.Order) bool {
	return o.Status == order.Reserved || o.Status == order.Paid || o.Status == order.PartRefunded
}

// runReplace tells every buyer of the performance's last replacement, one
// transaction an order; told buyers are skipped, so a resumed job sends no
// e-mail twice. ctx ends it between two orders (a stop).
func (s *Service) runReplace(stop context.Context, j catalog.Job) {
	ctx := context.WithoutCancel(stop)
	fail := func(err error) {
		j.State, j.Error = catalog.JobFailed, err.Error()
		if _, err := s.store.UpdateJob(ctx, j); err != nil {
			s.log.Error("record a failed job", "job", j.ID, "err", err)
		}
		s.log.Error("replace job failed", "job", j.ID, "performance", j.PerformanceID, "err", j.Error)
	}
	r, err := s.store.LatestReplacement(ctx, j.PerformanceID)
	if err != nil {
		fail(err)
		return
	}
	p, err := s.seats.Performance(ctx, j.PerformanceID)
	if err != nil {
		fail(err)
		return
	}
	stopped, err := s.runOrders(stop, &j, orderJob{
		what:    "tell a buyer of a replacement",
		targets: func(ctx context.Context) ([]order.Order, error) { return s.replaceTargets(ctx, j.PerformanceID) },
		step: func(ctx context.Context, o order.Order) error {
			_, err := s.store.NotifyReplacement(ctx, r.ID, o.ID, order.Change{Actor: replaceActor.Label(), Notify: s.replacementMessage(p, r, o)})
			return err
		},
		everyRound: true,
		saveEvery:  50,
	})
	if stopped {
		return
	}
	if err != nil {
		fail(err)
		return
	}
	j.State = catalog.JobDone
	s.saveJob(ctx, &j)
}

// ReplacementLink is the buyer's attend-or-refund page of o: the order's
// secret link's page for the replacement. Empty without a public address.
func (s *Service) ReplacementLink(o order.Order) string {
	if s.publicURL == "" || o.AccessKey == "" {
		return ""
	}
	return s.publicURL + ReplacementPage(o)
}

// ReplacementPage is the attend-or-refund page's route in the app.
func ReplacementPage(o order.Order) string {
	link := "/#/order/" + o.ID + "/replacement?key=" + o.AccessKey
	return link
}

// replacementMessage is the e-mail telling o's buyer of r.
func (s *Service) replacementMessage(p *seating.Perf, r catalog.Replacement, o order.Order) *outbox.Message {
	var b strings.Builder
	b.WriteString("The performance of your order has changed.\n\n")
	if r.NewName != r.OldName {
		fmt.Fprintf(&b, "  Was:  %s\n  Now:  %s\n", r.OldName, r.NewName)
	}
	if !r.NewStartsAt.Equal(r.OldStartsAt) {
		fmt.Fprintf(&b, "  Was:  %s\n  Now:  %s\n", s.When(r.OldStartsAt), s.When(r.NewStartsAt))
	}
	if !r.RefundDeadline.IsZero() {
		fmt.Fprintf(&b, "\nYour seats stay yours for the new date. If you cannot come, you may have your money back in full "+
			"until %s: choose here whether you attend or take the refund:\n", s.When(r.RefundDeadline))
		if link := s.ReplacementLink(o); link != "" {
			fmt.Fprintf(&b, "%s\n", link)
		}
		b.WriteString("After that date your order stands for the new date.")
	} else {
		b.WriteString("\nYour order stands; nothing needs doing.")
	}
	m := s.message(p, o, outbox.KindReplaced, b.String())
	if m != nil {
		m.Subject = fmt.Sprintf(subjectReplaced, o.Number)
	}
	return m
}

const subjectReplaced = "Changed: the performance of your order %s"

// ReplacementOffer is what an order's buyer is offered: the replacement,
// their choice so far, and whether they may still choose.
type ReplacementOffer struct {
	Replacement catalog.Replacement
	Choice      string // "", attend or refund
	Open        bool   // the buyer may choose now
	Cancelled   bool   // the performance was cancelled since: its cancel refunds
}

// OfferFor returns what the last replacement of o's performance offers its
// buyer; ErrNoReplacement when there is none.
func (s *Service) OfferFor(ctx context.Context, o order.Order) (ReplacementOffer, error) {
	var out ReplacementOffer
	if o.PerformanceID == "" {
		return out, fmt.Errorf("order %s: %w", o.Number, ErrNoReplacement)
	}
	r, err := s.store.LatestReplacement(ctx, o.PerformanceID)
	if errors.Is(err, store.ErrNotFound) {
		return out, fmt.Errorf("order %s: %w", o.Number, ErrNoReplacement)
	}
	if err != nil {
		return out, err
	}
	out.Replacement = r
	c, err := s.store.ReplacementChoice(ctx, r.ID, o.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return out, err
	}
	out.Choice = c.Choice
	out.Open = r.Offers(s.now()) && replaceTarget(o) && c.Choice != catalog.ChoiceRefund
	if meta, err := s.seats.GetPerformance(ctx, o.PerformanceID); err == nil && meta.Status == catalog.Cancelled {
		out.Open, out.Cancelled = false, true // the cancel refunds every order
	}
	return out, nil
}

// ChooseReplacement records the buyer's choice for o (opened by its key or
// its session) and, for "refund", refunds what is left of o in full and
// frees its seats; it returns the offer and the order afterwards.
func (s *Service) ChooseReplacement(ctx context.Context, o order.Order, choice string, a seating.Actor) (ReplacementOffer, order.Order, error) {
	if choice != catalog.ChoiceAttend && choice != catalog.ChoiceRefund {
		return ReplacementOffer{}, o, &input.Error{Field: "choice", Reason: `must be "attend" or "refund"`}
	}
	off, err := s.OfferFor(ctx, o)
	if err != nil {
		return off, o, err
	}
	r := off.Replacement
	switch {
	case r.RefundDeadline.IsZero():
		return off, o, fmt.Errorf("order %s: %w", o.Number, ErrNoReplacement)
	case off.Cancelled:
		return off, o, fmt.Errorf("performance %s: the cancel refunds every order: %w", o.PerformanceID, seating.ErrCancelled)
	case off.Choice == catalog.ChoiceRefund && choice == catalog.ChoiceRefund:
		// The same choice again: the refund, if it did not finish, is done now.
	case off.Choice == catalog.ChoiceRefund:
		return off, o, fmt.Errorf("order %s: %w", o.Number, ErrChoiceFinal)
	case !r.Offers(s.now()):
		return off, o, fmt.Errorf("order %s: until %s: %w", o.Number, s.When(r.RefundDeadline), ErrChoiceClosed)
	case !replaceTarget(o):
		return off, o, fmt.Errorf("order %s is %s: %w", o.Number, o.Status, order.ErrNotRefundable)
	}
	c, err := s.store.ChooseReplacement(ctx, r.ID, o.ID, choice, a.Label())
	if err != nil {
		return off, o, err
	}
	off.Choice, off.Open = c.Choice, c.Choice != catalog.ChoiceRefund && r.Offers(s.now())
	if c.Choice != catalog.ChoiceRefund {
		return off, o, nil
	}
	if err := s.refundForReplacement(ctx, r, o); err != nil {
		return off, o, err
	}
	after, err := s.store.GetOrder(ctx, o.ID)
	if err != nil {
		return off, o, err
	}
	return off, after, nil
}

// refundForReplacement gives back what is left of o in full, as a cancel
// does: a reservation annulled, a paid order's live seats refunded (and any
// rest as an amount) with the key ReplaceKey; seats freed once stored.
func (s *Service) refundForReplacement(ctx context.Context, r catalog.Replacement, o order.Order) error {
	o, err := s.store.GetOrder(ctx, o.ID)
	if err != nil {
		return err
	}
	p, err := s.perfOf(ctx, o)
	if err != nil {
		return err
	}
	reason := "performance changed; the buyer chose a refund"
	switch o.Status {
	case order.Reserved:
		ended := o
		ended.Status = order.Annulled
		c := order.Change{Actor: replaceActor.Label(), Reason: reason,
			Notify: s.message(p, ended, outbox.KindLapsed, "As you chose, your reservation is annulled; nothing was paid.")}
		ended, err := s.store.EndReservation(ctx, o.ID, order.Annulled, c)
		if err != nil {
			return reservationErr(err)
		}
		s.seats.ReservationEnded(p, ended.HoldToken, false, ticketSeats(ended))
		return nil
	case order.Paid, order.PartRefunded:
	default:
		return nil // ended or refunded already (a retry after the refund)
	}
	in := RefundInput{OrderID: o.ID, Reason: reason, IdempotencyKey: ReplaceKey(o.ID), Actor: replaceActor}
	for _, t := range o.Tickets {
		if t.Status == order.TicketLive {
			in.Seats = append(in.Seats, t.SeatID)
		}
	}
	if len(in.Seats) == 0 {
		left := o.Total - o.Refunded
		if left <= 0 {
			return nil
		}
		in.Amount = left
	}
	after, _, _, err := s.Refund(ctx, in)
	if err != nil {
		return err
	}
	if rest := after.Total - after.Refunded; rest > 0 && (after.Status == order.Paid || after.Status == order.PartRefunded) {
		_, _, _, err = s.Refund(ctx, RefundInput{OrderID: o.ID, Reason: reason, IdempotencyKey: ReplaceKey(o.ID) + ":rest",
			Amount: rest, Actor: replaceActor})
	}
	return err
}

// ReplacementSummary is what staff see of a performance's last replacement.
type ReplacementSummary struct {
	Replacement catalog.Replacement
	Counts      catalog.ReplacementCounts
}

// Replacement returns the last replacement of a performance with its
// counts; ErrNoReplacement when there is none.
func (s *Service) Replacement(ctx context.Context, performanceID string) (ReplacementSummary, error) {
	var out ReplacementSummary
	r, err := s.store.LatestReplacement(ctx, performanceID)
	if errors.Is(err, store.ErrNotFound) {
		return out, fmt.Errorf("performance %s: %w", performanceID, ErrNoReplacement)
	}
	if err != nil {
		return out, err
	}
	out.Replacement = r
	if out.Counts, err = s.store.ReplacementCounts(ctx, r.ID); err != nil {
		return out, err
	}
	return out, nil
}
