package storetest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/outbox"
	"github.com/seatmap/seatmap/store"
	"github.com/seatmap/seatmap/store/backend"
)

// pendingPayment stores o as an order waiting for its payment, with its
// payment row at provider "test", and returns the payment.
func (f *fixture) pendingPayment(t *testing.T, s backend.Store, o order.Order) order.Payment {
	t.Helper()
	ctx := context.Background()
	o.Status, o.Deadline, o.PaymentMethod = order.PendingPayment, day, ""
	_, err := s.CreateOrder(ctx, o)
	require.NoError(t, err)
	p, err := s.SavePayment(ctx, order.Payment{ID: f.id("pay"), OrderID: o.ID, Provider: "test", ProviderID: f.id("tp_"),
		Kind: order.KindPayment, Amount: o.Total, Currency: o.Currency, Status: order.StatusPending,
		ClientSecret: f.id("secret"), IdempotencyKey: "seatd-pay-" + o.ID})
	require.NoError(t, err)
	return p
}

// paymentEvent is the event of p's provider saying typ.
func (f *fixture) paymentEvent(p order.Payment, typ string) order.PaymentEvent {
	return order.PaymentEvent{Provider: p.Provider, EventID: f.id("ev"), Type: typ, PaymentID: p.ProviderID, OrderID: p.OrderID,
		Amount: p.Amount, Currency: p.Currency, Actor: "system",
		Paid:     &outbox.Message{ID: f.id("m"), Kind: outbox.KindConfirmation, To: "ada@example.com", Subject: "Your tickets"},
		Returned: &outbox.Message{ID: f.id("m"), Kind: outbox.KindRefund, To: "ada@example.com", Subject: "Returned", Body: "returned"},
		Refund:   order.Payment{ID: f.id("pay"), IdempotencyKey: "seatd-return-" + p.OrderID}}
}

func messageKinds(t *testing.T, s backend.Store, orderID string) []string {
	t.Helper()
	ms, err := s.OrderMessages(context.Background(), orderID)
	require.NoError(t, err)
	var out []string
	for _, m := range ms {
		out = append(out, m.Kind)
	}
	return out
}

// runPayments checks payments at providers and their events: pending
// orders hold seats like reservations, an event is applied once however often
// it is delivered, a late payment sells the seats again or goes back.
func runPayments(t *testing.T, f *fixture, open func(t *testing.T) backend.Store) {
	ctx := context.Background()

	t.Run("PaymentRows", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := f.perf(t, s, f.hall(t, s), day)
		o := f.order(p, "web", "", 1, 2)
		pay := f.pendingPayment(t, s, o)
		require.Equal(t, order.StatusPending, pay.Status)
		requireUTC(t, pay.CreatedAt, pay.UpdatedAt)
		h := history(t, s, o.ID)
		require.Equal(t, order.PendingPayment, h[0].Status)
		require.Contains(t, h[0].Detail, "to be paid by "+day.Format(time.RFC3339))

		// Waiting for its payment, the order holds its seats as a
		// reservation does: not sold, but nobody else can buy them.
		require.Empty(t, soldSeats(t, s, p.ID))
		_, err := s.CreateOrder(ctx, f.order(p, "web", "", 2))
		var sold *order.SeatsSoldError
		require.ErrorAs(t, err, &sold)
		res, err := s.ReservedOrders(ctx, p.ID)
		require.NoError(t, err)
		require.Len(t, res, 1)
		require.Equal(t, order.PendingPayment, res[0].Status)

		got, err := s.PaymentByProviderID(ctx, "test", pay.ProviderID)
		require.NoError(t, err)
		require.Equal(t, pay, got)
		_, err = s.PaymentByProviderID(ctx, "stripe", pay.ProviderID)
		require.ErrorIs(t, err, order.ErrPaymentNotFound, "provider ids are per provider")
		all, err := s.Payments(ctx, o.ID)
		require.NoError(t, err)
		require.Equal(t, []order.Payment{pay}, all)

		other := f.order(p, "web", "", 7)
		other.Status, other.Deadline = order.PendingPayment, day
		_, err = s.CreateOrder(ctx, other)
		require.NoError(t, err)
		_, err = s.SavePayment(ctx, order.Payment{ID: f.id("pay"), OrderID: other.ID, Provider: "test", ProviderID: pay.ProviderID,
			Kind: order.KindPayment, Amount: 5000, Currency: "EUR", Status: order.StatusPending, IdempotencyKey: "k"})
		require.ErrorIs(t, err, store.ErrDuplicate, "one provider id, one row")
		_, err = s.SavePayment(ctx, order.Payment{ID: f.id("pay"), OrderID: "missing", Provider: "test", ProviderID: "x",
			Kind: order.KindPayment, Amount: 5000, Currency: "EUR", Status: order.StatusPending, IdempotencyKey: "k"})
		require.ErrorIs(t, err, store.ErrNotFound)

		// A refund saved before the provider answered, then again with its
		// answer: one row, filled in; a settled row does not move back.
		rf := order.Payment{ID: f.id("pay"), OrderID: o.ID, Provider: "test", Kind: order.KindRefund, RefundID: "r1",
			Amount: 5000, Currency: "EUR", Status: order.StatusPending, IdempotencyKey: "r1"}
		first, err := s.SavePayment(ctx, rf)
		require.NoError(t, err)
		require.Empty(t, first.ProviderID)
		rf.ID, rf.ProviderID, rf.Status = f.id("pay"), "tr_1", order.StatusSucceeded
		second, err := s.SavePayment(ctx, rf)
		require.NoError(t, err)
		require.Equal(t, first.ID, second.ID)
		require.Equal(t, "tr_1", second.ProviderID)
		require.Equal(t, order.StatusSucceeded, second.Status)
		rf.Status = order.StatusPending
		third, err := s.SavePayment(ctx, rf)
		require.NoError(t, err)
		require.Equal(t, order.StatusSucceeded, third.Status)
	})

	t.Run("PaymentSucceeded", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := f.perf(t, s, f.hall(t, s), day)
		o := f.order(p, "web", "", 3, 4)
		pay := f.pendingPayment(t, s, o)
		e := f.paymentEvent(pay, order.EventPaymentSucceeded)
		res, err := s.ApplyPaymentEvent(ctx, e)
		require.NoError(t, err)
		require.Equal(t, order.OutcomePaid, res.Outcome)
		require.False(t, res.Replayed)
		require.Equal(t, order.Paid, res.Order.Status)
		require.Equal(t, "online", res.Order.PaymentMethod)
		require.True(t, res.Order.Deadline.IsZero())
		require.Equal(t, order.StatusSucceeded, res.Payment.Status)
		require.Equal(t, []uint32{3, 4}, soldSeats(t, s, p.ID))
		require.Equal(t, []string{order.ActionCreated, order.ActionPaid}, actions(history(t, s, o.ID)))
		require.Equal(t, []string{outbox.KindConfirmation}, messageKinds(t, s, o.ID))

		// A replay changes nothing; another event saying the same is a no-op.
		res, err = s.ApplyPaymentEvent(ctx, e)
		require.NoError(t, err)
		require.True(t, res.Replayed)
		require.Equal(t, order.Paid, res.Order.Status)
		res, err = s.ApplyPaymentEvent(ctx, f.paymentEvent(pay, order.EventPaymentSucceeded))
		require.NoError(t, err)
		require.Equal(t, order.OutcomeNone, res.Outcome)
		// A failure after the success does not undo it.
		res, err = s.ApplyPaymentEvent(ctx, f.paymentEvent(pay, order.EventPaymentFailed))
		require.NoError(t, err)
		require.Equal(t, order.OutcomeNotApplicable, res.Outcome)
		require.Equal(t, order.Paid, res.Order.Status)
		require.Equal(t, []string{order.ActionCreated, order.ActionPaid}, actions(history(t, s, o.ID)))
		require.Equal(t, []string{outbox.KindConfirmation}, messageKinds(t, s, o.ID))
		_, err = s.EndReservation(ctx, o.ID, order.PaymentFailed, order.Change{Actor: "system"})
		require.ErrorIs(t, err, store.ErrConflict, "a paid order's window does not end it")
	})

	t.Run("FiftyDeliveriesOnePayment", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := f.perf(t, s, f.hall(t, s), day)
		o := f.order(p, "web", "", 9)
		pay := f.pendingPayment(t, s, o)
		e := f.paymentEvent(pay, order.EventPaymentSucceeded)
		var wg sync.WaitGroup
		var applied, replayed atomic.Int32
		for range 50 {
			wg.Go(func() {
				res, err := s.ApplyPaymentEvent(ctx, e)
				if !assertNoError(t, err) {
					return
				}
				if res.Replayed {
					replayed.Add(1)
				} else {
					applied.Add(1)
				}
			})
		}
		wg.Wait()
		require.EqualValues(t, 1, applied.Load())
		require.EqualValues(t, 49, replayed.Load())
		require.Equal(t, []string{order.ActionCreated, order.ActionPaid}, actions(history(t, s, o.ID)))
		require.Equal(t, []string{outbox.KindConfirmation}, messageKinds(t, s, o.ID))
	})

	t.Run("PaymentFailed", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := f.perf(t, s, f.hall(t, s), day)
		promo := f.promotion(t, s, 1)
		o := withCode(f.order(p, "web", "", 5, 6), promo.Code, 1000)
		pay := f.pendingPayment(t, s, o)
		require.Equal(t, 1, uses(t, s, promo.Code))
		e := f.paymentEvent(pay, order.EventPaymentFailed)
		e.Reason = "card declined"
		res, err := s.ApplyPaymentEvent(ctx, e)
		require.NoError(t, err)
		require.Equal(t, order.OutcomeFailed, res.Outcome)
		require.Equal(t, order.PaymentFailed, res.Order.Status)
		require.Equal(t, order.StatusFailed, res.Payment.Status)
		require.Equal(t, "card declined", res.Payment.Reason)
		for _, tk := range res.Order.Tickets {
			require.Equal(t, order.TicketVoid, tk.Status)
		}
		require.Equal(t, 0, uses(t, s, promo.Code), "the code's use is given back")
		h := history(t, s, o.ID)
		require.Equal(t, order.ActionPaymentFailed, h[len(h)-1].Action)
		require.Equal(t, order.PaymentFailed, h[len(h)-1].Status)
		_, err = s.CreateOrder(ctx, f.order(p, "web", "", 5, 6))
		require.NoError(t, err, "the seats are for sale again")
	})

	t.Run("PaymentWindowEnds", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := f.perf(t, s, f.hall(t, s), day)
		o := f.order(p, "web", "", 8)
		f.pendingPayment(t, s, o)
		_, err := s.EndReservation(ctx, o.ID, order.Expired, order.Change{Actor: "system"})
		require.ErrorIs(t, err, store.ErrConflict, "a payment's window ends as payment_failed")
		_, err = s.PayReservation(ctx, o.ID, "cash", "", order.Change{Actor: "staff:desk"})
		require.ErrorIs(t, err, store.ErrConflict, "not a reservation")
		got, err := s.EndReservation(ctx, o.ID, order.PaymentFailed, order.Change{Actor: "system", Reason: "payment window ended"})
		require.NoError(t, err)
		require.Equal(t, order.PaymentFailed, got.Status)
		require.Equal(t, order.TicketVoid, got.Tickets[0].Status)
		res, err := s.ReservedOrders(ctx, p.ID)
		require.NoError(t, err)
		require.Empty(t, res)

		r := reserved(f.order(p, "desk", "", 10))
		_, err = s.CreateOrder(ctx, r)
		require.NoError(t, err)
		_, err = s.EndReservation(ctx, r.ID, order.PaymentFailed, order.Change{Actor: "system"})
		require.ErrorIs(t, err, store.ErrConflict, "a reservation is not waiting for a payment")
	})

	// A payment that succeeds after its window ended: the seats are sold
	// again if nobody took them, else the money goes back.
	t.Run("LatePayment", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := f.perf(t, s, f.hall(t, s), day)
		lapse := func(seats ...uint32) (order.Order, order.Payment) {
			o := f.order(p, "web", "", seats...)
			pay := f.pendingPayment(t, s, o)
			_, err := s.EndReservation(ctx, o.ID, order.PaymentFailed, order.Change{Actor: "system"})
			require.NoError(t, err)
			return o, pay
		}

		free, pay := lapse(11, 12)
		e := f.paymentEvent(pay, order.EventPaymentSucceeded)
		e.SellAgain = true
		res, err := s.ApplyPaymentEvent(ctx, e)
		require.NoError(t, err)
		require.Equal(t, order.OutcomePaid, res.Outcome)
		require.Equal(t, order.Paid, res.Order.Status)
		require.Empty(t, res.Sold)
		for _, tk := range res.Order.Tickets {
			require.Equal(t, order.TicketLive, tk.Status)
		}
		require.Equal(t, []uint32{11, 12}, soldSeats(t, s, p.ID))
		require.Equal(t, []string{outbox.KindConfirmation}, messageKinds(t, s, free.ID))

		taken, pay := lapse(13, 14)
		buyer := f.order(p, "web", "", 14, 15)
		_, err = s.CreateOrder(ctx, buyer)
		require.NoError(t, err)
		e = f.paymentEvent(pay, order.EventPaymentSucceeded)
		e.SellAgain = true
		res, err = s.ApplyPaymentEvent(ctx, e)
		require.NoError(t, err)
		require.Equal(t, order.OutcomeReturn, res.Outcome)
		require.Equal(t, []uint32{14}, res.Sold)
		require.Equal(t, order.PaymentFailed, res.Order.Status)
		require.Equal(t, order.StatusSucceeded, res.Payment.Status)
		require.NotNil(t, res.Refund)
		require.Equal(t, order.KindRefund, res.Refund.Kind)
		require.Equal(t, order.StatusPending, res.Refund.Status)
		require.Equal(t, pay.Amount, res.Refund.Amount)
		require.Equal(t, "seatd-return-"+taken.ID, res.Refund.IdempotencyKey)
		for _, tk := range res.Order.Tickets {
			require.Equal(t, order.TicketVoid, tk.Status, "no double sale")
		}
		require.Equal(t, []uint32{11, 12, 14, 15}, soldSeats(t, s, p.ID))
		h := history(t, s, taken.ID)
		require.Equal(t, order.ActionPaymentReturned, h[len(h)-1].Action)
		require.Equal(t, order.PaymentFailed, h[len(h)-1].Status)
		require.Equal(t, []string{outbox.KindRefund}, messageKinds(t, s, taken.ID))

		// The refund's own events settle its row.
		rf, err := s.SavePayment(ctx, order.Payment{ID: f.id("pay"), OrderID: taken.ID, Provider: "test", ProviderID: "tr_" + taken.ID,
			Kind: order.KindRefund, Amount: pay.Amount, Currency: "EUR", Status: order.StatusPending, IdempotencyKey: res.Refund.IdempotencyKey})
		require.NoError(t, err)
		require.Equal(t, res.Refund.ID, rf.ID)
		re := order.PaymentEvent{Provider: "test", EventID: f.id("ev"), Type: order.EventRefundSucceeded, PaymentID: pay.ProviderID,
			RefundID: rf.ProviderID, Amount: rf.Amount, Currency: "EUR", Actor: "system"}
		res, err = s.ApplyPaymentEvent(ctx, re)
		require.NoError(t, err)
		require.Equal(t, order.OutcomeRefund, res.Outcome)
		require.Equal(t, order.StatusSucceeded, res.Payment.Status)
		h = history(t, s, taken.ID)
		require.Equal(t, order.ActionRefundSettled, h[len(h)-1].Action)

		// Without SellAgain (the engine could not take the seats), late money
		// goes back whatever the store would allow.
		_, pay = lapse(16)
		res, err = s.ApplyPaymentEvent(ctx, f.paymentEvent(pay, order.EventPaymentSucceeded))
		require.NoError(t, err)
		require.Equal(t, order.OutcomeReturn, res.Outcome)
		require.NotContains(t, soldSeats(t, s, p.ID), uint32(16))
	})

	t.Run("ForeignOrMismatchedEvents", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := f.perf(t, s, f.hall(t, s), day)
		o := f.order(p, "web", "", 20)
		pay := f.pendingPayment(t, s, o)
		check := func(name string, edit func(*order.PaymentEvent), want error) {
			t.Helper()
			e := f.paymentEvent(pay, order.EventPaymentSucceeded)
			edit(&e)
			_, err := s.ApplyPaymentEvent(ctx, e)
			require.ErrorIs(t, err, want, name)
			got, err := s.GetOrder(ctx, o.ID)
			require.NoError(t, err)
			require.Equal(t, order.PendingPayment, got.Status, name)
			// Not recorded: the same event, once right, applies.
			if name == "amount" {
				e.Amount = pay.Amount
				res, err := s.ApplyPaymentEvent(ctx, e)
				require.NoError(t, err)
				require.False(t, res.Replayed)
				require.Equal(t, order.Paid, res.Order.Status)
			}
		}
		check("unknown payment", func(e *order.PaymentEvent) { e.PaymentID = "tp_nobody" }, order.ErrPaymentNotFound)
		check("other provider", func(e *order.PaymentEvent) { e.Provider = "stripe" }, order.ErrPaymentNotFound)
		check("foreign order", func(e *order.PaymentEvent) { e.OrderID = "o-other" }, order.ErrPaymentNotFound)
		check("refund event", func(e *order.PaymentEvent) { e.Type, e.RefundID = order.EventRefundSucceeded, pay.ProviderID }, order.ErrPaymentNotFound)
		check("currency", func(e *order.PaymentEvent) { e.Currency = "USD" }, order.ErrPaymentMismatch)
		check("amount", func(e *order.PaymentEvent) { e.Amount = 1 }, order.ErrPaymentMismatch)
		require.Equal(t, []string{order.ActionCreated, order.ActionPaid}, actions(history(t, s, o.ID)))
	})
}

// assertNoError reports err from a goroutine, where require cannot stop the test.
func assertNoError(t *testing.T, err error) bool {
	if err != nil {
		t.Errorf("%v", fmt.Errorf("unexpected: %w", err))
		return false
	}
	return true
}
