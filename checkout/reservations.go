package checkout

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/outbox"
	"github.com/seatmap/seatmap/seating"
	"github.com/seatmap/seatmap/store"
	"github.com/seatmap/seatmap/voucher"
)

// MaxReservationDays bounds how far ahead a reservation may run.
const MaxReservationDays = 60

func validDays(days int) error {
	if days < 1 || days > MaxReservationDays {
		return &input.Error{Field: "days", Reason: fmt.Sprintf("must be from 1 to %d", MaxReservationDays)}
	}
	return nil
}

// Reserve turns a hold into a reservation for a buyer: an order that keeps the
// seats until days from now, paid later at the box office or let expire. A
// voucher or promotion code (optional) is counted now and given back if the
// reservation ends unpaid. No lock is held while the order is written: the
// pinned hold keeps its seats, and the store decides.
func (s *Service) Reserve(ctx context.Context, token string, a seating.Actor, days int, buyerName, buyerEmail, code string) (order.Order, error) {
	return s.ReserveAt(ctx, token, a, days, buyerName, buyerEmail, code, nil)
}

// ReserveAt is Reserve with a fare per seat (public seat id → fare id; seats
// not named are normal), as Confirm's Fares: a reservation keeps its fares
// when it is paid.
func (s *Service) ReserveAt(ctx context.Context, token string, a seating.Actor, days int, buyerName, buyerEmail, code string, fares map[string]string) (order.Order, error) {
	if err := validDays(days); err != nil {
		return order.Order{}, err
	}
	if len(code) > 2*(voucher.MaxCodeLen+voucher.MaxPrefix) {
		return order.Order{}, &input.Error{Field: "voucher_code", Reason: "is too long to be a code"}
	}
	if err := validateBuyer(&buyerName, &buyerEmail, true); err != nil {
		return order.Order{}, err
	}
	p, q, err := s.seats.PinForSale(ctx, token, a)
	if err != nil {
		return order.Order{}, err
	}
	if err := s.applyFares(ctx, p, &q, fares, a); err != nil {
		s.seats.Unpin(p, token)
		return order.Order{}, err
	}
	deadline := s.now().Add(time.Duration(days) * 24 * time.Hour).UTC().Truncate(time.Microsecond)
	o := s.newOrder(p, q, a)
	o.Status, o.Deadline, o.BuyerName, o.BuyerEmail = order.Reserved, deadline, buyerName, buyerEmail
	if code != "" {
		if err := s.applyCode(ctx, p, &o, code); err != nil {
			s.seats.Unpin(p, token)
			return order.Order{}, err
		}
	}
	o.Origin = order.Change{Actor: a.Label(), Notify: s.message(p, o, outbox.KindReservation, "Your seats are reserved for you.")}
	stored, err := s.createOrder(ctx, o)
	if err != nil {
		s.seats.Unpin(p, token)
		return order.Order{}, s.refusedOrder(p, "store reservation", err)
	}
	// The store now holds the reservation; the engine hold runs to the deadline.
	// A lease would only duplicate it: a rebuild restores reservations from the
	// store.
	s.seats.Reserved(p, token, seating.Reservation{OrderID: stored.ID, Number: stored.Number, Buyer: buyerName, Email: buyerEmail, Deadline: deadline})
	return stored, nil
}

// reservationOf finds a reserved order and its performance.
func (s *Service) reservationOf(ctx context.Context, id string) (order.Order, *seating.Perf, error) {
	o, err := s.store.GetOrder(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return order.Order{}, nil, fmt.Errorf("order %s: %w", id, ErrOrderNotFound)
	}
	if err != nil {
		return order.Order{}, nil, err
	}
	if o.Status != order.Reserved {
		return order.Order{}, nil, fmt.Errorf("order %s is %s: %w", o.Number, o.Status, ErrNotReserved)
	}
	p, err := s.seats.Performance(ctx, o.PerformanceID)
	return o, p, err
}

func reservationErr(err error) error {
	if errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("%w: %v", ErrNotReserved, err)
	}
	return err
}

// ExtendReservation moves a reservation's deadline days later.
func (s *Service) ExtendReservation(ctx context.Context, id string, days int, a seating.Actor, reason string) (order.Order, error) {
	if err := validateReason(&reason, false); err != nil {
		return order.Order{}, err
	}
	if err := validDays(days); err != nil {
		return order.Order{}, err
	}
	o, p, err := s.reservationOf(ctx, id)
	if err != nil {
		return order.Order{}, err
	}
	deadline := o.Deadline.Add(time.Duration(days) * 24 * time.Hour)
	if limit := s.now().Add(MaxReservationDays * 24 * time.Hour); deadline.After(limit) {
		return order.Order{}, &input.Error{Field: "days", Reason: fmt.Sprintf("a reservation may run at most %d days ahead", MaxReservationDays)}
	}
	after := o
	after.Deadline = deadline
	c := order.Change{Actor: a.Label(), Reason: reason,
		Notify: s.message(p, after, outbox.KindReservation, "Your reservation has been extended.")}
	o, err = s.store.ExtendReservation(ctx, id, deadline, c)
	if err != nil {
		return order.Order{}, reservationErr(err)
	}
	s.seats.ReservationExtended(p, o.HoldToken, o.Deadline)
	return o, nil
}

// AnnulReservation cancels a reservation and frees its seats.
func (s *Service) AnnulReservation(ctx context.Context, id string, a seating.Actor, reason string) (order.Order, error) {
	if err := validateReason(&reason, false); err != nil {
		return order.Order{}, err
	}
	return s.endReservation(ctx, id, func(ctx context.Context, o order.Order, p *seating.Perf) (order.Order, error) {
		o.Status = order.Annulled
		c := order.Change{Actor: a.Label(), Reason: reason,
			Notify: s.message(p, o, outbox.KindLapsed, "Your reservation has been annulled, and its seats are back on sale.")}
		return s.store.EndReservation(ctx, id, order.Annulled, c)
	})
}

// PayReservation takes payment for a reservation: its seats are sold.
func (s *Service) PayReservation(ctx context.Context, id, method string, a seating.Actor) (order.Order, error) {
	if method != PayCash && method != PayCard {
		return order.Order{}, &input.Error{Field: "method", Reason: "must be cash or card"}
	}
	return s.endReservation(ctx, id, func(ctx context.Context, o order.Order, p *seating.Perf) (order.Order, error) {
		if p.Status() == catalog.Cancelled {
			return order.Order{}, fmt.Errorf("pay reservation %s: performance %s: %w", o.Number, o.PerformanceID, seating.ErrCancelled)
		}
		if err := s.reservationMoved(ctx, p, o); err != nil {
			return order.Order{}, err
		}
		paid := o
		paid.Status, paid.Deadline, paid.PaymentMethod = order.Paid, time.Time{}, method
		c := order.Change{Actor: a.Label(), Notify: s.confirmationMessage(paid)}
		return s.store.PayReservation(ctx, id, method, a.StaffID, c)
	})
}

// endReservation writes the order's new state, then moves the seats: the store
// decides, the engine follows. No lock is held while the store writes: the
// store's row lock orders racing ends, and the loser is refused.
func (s *Service) endReservation(ctx context.Context, id string, write func(context.Context, order.Order, *seating.Perf) (order.Order, error)) (order.Order, error) {
	o, p, err := s.reservationOf(ctx, id)
	if err != nil {
		return order.Order{}, err
	}
	o, err = write(ctx, o, p)
	if err != nil {
		return order.Order{}, reservationErr(err)
	}
	s.seats.ReservationEnded(p, o.HoldToken, o.Status == order.Paid, ticketSeats(o))
	return o, nil
}

// expireLapsed marks the reservations whose deadline passed expired in the
// store (and the orders whose payment window passed payment_failed), and
// queues again those it could not (the store is down): the next round
// retries.
func (s *Service) expireLapsed(ctx context.Context) {
	for _, id := range s.seats.TakeLapsed() {
		o, err := s.store.GetOrder(ctx, id)
		if err == nil && o.Status == order.PendingPayment {
			// Its payment window ended: payment_failed, not expired.
			if !s.endPaymentWindow(ctx, o) {
				s.seats.Lapsed(id)
				continue
			}
			s.afterLapse(ctx, id)
			// Best effort: a payment not canceled that succeeds later is
			// given back (or sells the seats again if they are still free).
			s.cancelPayment(ctx, id)
			continue
		}
		c := order.Change{Actor: "system", Reason: "deadline passed", Notify: s.lapsedMessage(ctx, o, err)}
		_, err = s.store.EndReservation(ctx, id, order.Expired, c)
		if err != nil && !errors.Is(err, store.ErrConflict) && !errors.Is(err, store.ErrNotFound) {
			s.seats.Lapsed(id)
			continue
		}
		s.afterLapse(ctx, id)
	}
}

// afterLapse makes the engine follow the store for an order whose deadline
// passed, once the store has ended it (or found it paid or ended meanwhile):
// the seats of an ended order are freed, those of a paid one sold. Until now
// its hold kept them, pinned (seating.Reserved): a seat is freed only after
// the store has let go of it.
func (s *Service) afterLapse(ctx context.Context, id string) {
	o, err := s.store.GetOrder(ctx, id)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.seats.Lapsed(id) // try again on the next round
		}
		return
	}
	if o.PerformanceID == "" {
		return // passes alone: no seats to free
	}
	p, err := s.seats.Performance(ctx, o.PerformanceID)
	if err != nil {
		s.log.Warn("free the seats of a lapsed order", "order", o.ID, "err", err)
		return
	}
	switch o.Status {
	case order.Reserved, order.PendingPayment:
		s.seats.Lapsed(id) // not ended yet: the next round
	case order.Paid, order.PartRefunded, order.Refunded:
		s.seats.ReservationEnded(p, o.HoldToken, true, ticketSeats(o))
	default:
		s.seats.ReservationEnded(p, o.HoldToken, false, ticketSeats(o))
	}
}

// lapsedMessage tells the buyer a reservation expired; nil when the order
// could not be read (err; the expiry goes ahead without it).
func (s *Service) lapsedMessage(ctx context.Context, o order.Order, err error) *outbox.Message {
	if err != nil || o.Status != order.Reserved {
		return nil
	}
	p, err := s.seats.Performance(ctx, o.PerformanceID)
	if err != nil {
		return nil
	}
	o.Status = order.Expired
	return s.message(p, o, outbox.KindLapsed, "Your reservation was not paid by its deadline, so it has expired and its seats are back on sale.")
}

// remindDue queues a reminder for each reservation whose deadline is within
// ReminderLead, once: the store refuses a second reminder of an order, so
// nodes sweeping side by side cannot both send one.
func (s *Service) remindDue(ctx context.Context, now time.Time) {
	var due []order.Order
	due, err := s.store.RemindersDue(ctx, now, s.reminderLead, 100)
	if err != nil {
		s.log.Warn("look for reservations to remind", "err", err)
		return
	}
	for _, o := range due {
		p, err := s.seats.Performance(ctx, o.PerformanceID)
		if err != nil {
			continue
		}
		deadline := s.When(o.Deadline)
		m := s.message(p, o, outbox.KindReminder, "A reminder: your reservation ends on "+deadline+".")
		err = s.store.RecordOrderEvent(ctx, o.ID, order.ActionReminded, "deadline "+o.Deadline.UTC().Format(time.RFC3339),
			order.Change{Actor: "system", Notify: m})
		if err != nil && !errors.Is(err, store.ErrDuplicate) {
			s.log.Warn("remind of a reservation", "order", o.ID, "err", err)
		}
	}
}
