package checkout_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/checkout"
	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/internal/testkit"
	"github.com/seatmap/seatmap/lease/memory"
	"github.com/seatmap/seatmap/money"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/outbox"
	"github.com/seatmap/seatmap/pass"
	"github.com/seatmap/seatmap/payment"
	"github.com/seatmap/seatmap/payment/testpay"
	"github.com/seatmap/seatmap/seating"
	"github.com/seatmap/seatmap/store/backend"
	"github.com/seatmap/seatmap/store/postgres"
	"github.com/seatmap/seatmap/store/postgres/pgtest"
	"github.com/seatmap/seatmap/store/sqlite"
	"github.com/seatmap/seatmap/voucher"
)

// payEnv is a checkout with the test payment provider, on a clock the test
// moves, its sweeper and lapse loop running.
type payEnv struct {
	st    backend.Store
	svc   *seating.Service
	co    *checkout.Service
	clock *testkit.Clock
	pay   *flakyPay
	perf  string
}

// flakyPay is the test provider, whose Create fails while failCreate is set.
type flakyPay struct {
	*testpay.Provider
	mu         sync.Mutex
	failCreate bool
	failRefund bool
	refunds    int
	onCreate   func() // called as the payment is started
}

func (f *flakyPay) Create(ctx context.Context, r payment.Request) (payment.Intent, error) {
	f.mu.Lock()
	fail, hook := f.failCreate, f.onCreate
	f.mu.Unlock()
	if hook != nil {
		hook()
	}
	if fail {
		return payment.Intent{}, errors.New("provider down")
	}
	return f.Provider.Create(ctx, r)
}

func (f *flakyPay) Refund(ctx context.Context, r payment.RefundRequest) (payment.Refund, error) {
	f.mu.Lock()
	fail := f.failRefund
	if !fail {
		f.refunds++
	}
	f.mu.Unlock()
	if fail {
		return payment.Refund{}, errors.New("provider down")
	}
	return f.Provider.Refund(ctx, r)
}

var stores = map[string]func(t *testing.T, now func() time.Time) backend.Store{
	"sqlite": func(t *testing.T, now func() time.Time) backend.Store {
		st, err := sqlite.OpenWith(context.Background(), t.TempDir()+"/seatmap.db", sqlite.Options{Now: now})
		require.NoError(t, err)
		return st
	},
	"postgres": func(t *testing.T, now func() time.Time) backend.Store {
		st, err := postgres.OpenWith(context.Background(), pgtest.Schema(t, ""), postgres.Options{Now: now})
		require.NoError(t, err)
		return st
	},
}

func newPayEnv(t *testing.T, open func(t *testing.T, now func() time.Time) backend.Store) *payEnv {
	t.Helper()
	ctx := context.Background()
	clock := testkit.NewClock(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	st := open(t, clock.Now)
	t.Cleanup(st.Close)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := seating.New(seating.Config{Store: st, Leases: memory.New(memory.Options{Now: clock.Now}), Logger: log, Now: clock.Now,
		SweepInterval: 5 * time.Millisecond})
	pay := &flakyPay{Provider: testpay.New()}
	co := checkout.New(checkout.Config{Store: st, Seats: svc, Vouchers: voucher.NewService(st), Products: pass.NewService(st), Logger: log,
		Now: clock.Now, LapseInterval: 5 * time.Millisecond, Payments: pay, PaymentWindow: 10 * time.Minute})
	data, err := json.Marshal(hall.Theatre())
	require.NoError(t, err)
	h, _, err := svc.CreateHall(ctx, data)
	require.NoError(t, err)
	p, err := svc.CreatePerformance(ctx, seating.NewPerformance{HallID: h.ID, Name: "Carmen",
		StartsAt: time.Date(2026, 12, 12, 19, 30, 0, 0, time.UTC), OnSale: true})
	require.NoError(t, err)
	require.NoError(t, svc.Start(ctx))
	t.Cleanup(svc.Stop)
	require.NoError(t, co.Start(ctx))
	t.Cleanup(co.Stop)
	return &payEnv{st: st, svc: svc, co: co, clock: clock, pay: pay, perf: p.ID}
}

func (e *payEnv) hold(t *testing.T, a seating.Actor, seats ...string) (string, error) {
	t.Helper()
	h, err := e.svc.Hold(context.Background(), e.perf, a, seating.HoldInput{Seats: seats})
	return h.Token, err
}

// holdFreed holds seats that an ended order gives back: the store ends the
// order first, and the engine frees them just after.
func (e *payEnv) holdFreed(t *testing.T, a seating.Actor, seats ...string) string {
	t.Helper()
	var tok string
	testkit.Eventually(t, 5*time.Second, "the ended order's seats are free", func() bool {
		var err error
		tok, err = e.hold(t, a, seats...)
		return err == nil
	})
	return tok
}

// buy confirms a hold of seats for a new buyer: an order waiting for its
// payment. The seats may be an ended order's, which the engine frees just
// after the store has ended it.
func (e *payEnv) buy(t *testing.T, session string, seats ...string) order.Order {
	t.Helper()
	buyer := seating.Actor{Session: session}
	tok := e.holdFreed(t, buyer, seats...)
	o, _, err := e.co.Confirm(context.Background(), checkout.ConfirmInput{Token: tok, Actor: buyer, BuyerName: "Ada", BuyerEmail: session + "@example.com"})
	require.NoError(t, err)
	return o
}

// answer is the buyer's page approving or declining o's payment.
func (e *payEnv) answer(t *testing.T, o order.Order, outcome string) (order.PaymentResult, error) {
	t.Helper()
	pay, err := e.co.PaymentForAnswer(context.Background(), testpay.Name, o.Payments[0].ProviderID, o.Payments[0].ClientSecret)
	require.NoError(t, err)
	ev, err := testpay.Event(pay.ProviderID, pay.OrderID, outcome, pay.Amount, pay.Currency, e.clock.Now())
	require.NoError(t, err)
	return e.co.PaymentEvent(context.Background(), testpay.Name, ev)
}

func (e *payEnv) status(t *testing.T, id string) string {
	t.Helper()
	o, err := e.st.GetOrder(context.Background(), id)
	require.NoError(t, err)
	return o.Status
}

// byKind picks an order's payment row and its refund rows (rows made in one
// instant of the test clock come in any order).
func byKind(t *testing.T, pays []order.Payment) (paid order.Payment, back []order.Payment) {
	t.Helper()
	for _, p := range pays {
		if p.Kind == order.KindPayment {
			paid = p
		} else {
			back = append(back, p)
		}
	}
	return paid, back
}

func kinds(t *testing.T, st backend.Store, id string) []string {
	t.Helper()
	ms, err := st.OrderMessages(context.Background(), id)
	require.NoError(t, err)
	var out []string
	for _, m := range ms {
		out = append(out, m.Kind)
	}
	return out
}

// TestPaymentApproveDecline: with the test provider, a web order waits for
// its payment holding its seats; approved it is paid (tickets, e-mail, seats
// sold); declined it fails and its seats are for sale again.
func TestPaymentApproveDecline(t *testing.T) {
	t.Parallel()
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newPayEnv(t, open)
			o := e.buy(t, "b1", "S-R1-S1", "S-R1-S2")
			require.Equal(t, order.PendingPayment, o.Status)
			require.True(t, o.Deadline.Equal(e.clock.Now().Add(10*time.Minute)), "the hold covers the payment window")
			require.Len(t, o.Payments, 1)
			pay := o.Payments[0]
			require.Equal(t, testpay.Name, pay.Provider)
			require.Equal(t, order.StatusPending, pay.Status)
			require.Equal(t, o.Total, pay.Amount)
			require.NotEmpty(t, pay.ClientSecret)
			require.Empty(t, kinds(t, e.st, o.ID), "no e-mail before the payment")

			// The seats stay held past the hold's own lifetime.
			e.clock.Add(9 * time.Minute)
			_, err := e.hold(t, seating.Actor{Session: "other"}, "S-R1-S2")
			var taken *seating.TakenError
			require.ErrorAs(t, err, &taken)

			_, err = e.co.PaymentForAnswer(ctx, testpay.Name, pay.ProviderID, pay.ClientSecret+"x")
			require.ErrorIs(t, err, checkout.ErrPaymentSecret)
			_, err = e.co.PaymentForAnswer(ctx, "stripe", pay.ProviderID, pay.ClientSecret)
			require.ErrorIs(t, err, checkout.ErrNoPayments)

			res, err := e.answer(t, o, testpay.Approve)
			require.NoError(t, err)
			require.Equal(t, order.OutcomePaid, res.Outcome)
			require.Equal(t, order.Paid, res.Order.Status)
			require.Equal(t, checkout.PayOnline, res.Order.PaymentMethod)
			require.Equal(t, []string{outbox.KindConfirmation}, kinds(t, e.st, o.ID))
			sold, err := e.st.SoldSeats(ctx, e.perf)
			require.NoError(t, err)
			require.Len(t, sold, 2)
			e.clock.Add(5 * time.Minute) // past the old window: a paid order stays paid
			_, err = e.hold(t, seating.Actor{Session: "other"}, "S-R1-S1")
			require.ErrorAs(t, err, &taken)
			res, err = e.answer(t, o, testpay.Approve)
			require.NoError(t, err)
			require.True(t, res.Replayed, "the same answer again is a replay")

			d := e.buy(t, "b2", "S-R2-S1")
			res, err = e.answer(t, d, testpay.Decline)
			require.NoError(t, err)
			require.Equal(t, order.OutcomeFailed, res.Outcome)
			require.Equal(t, order.PaymentFailed, res.Order.Status)
			require.Equal(t, order.StatusFailed, res.Payment.Status)
			_, err = e.hold(t, seating.Actor{Session: "other"}, "S-R2-S1")
			require.NoError(t, err, "the declined order's seats are for sale")
			res, err = e.answer(t, d, testpay.Approve)
			require.NoError(t, err)
			require.Equal(t, order.OutcomeReturn, res.Outcome, "approved after its decline, and someone holds the seat: returned")
		})
	}
}

// TestPaymentWindowEnds: unpaid by its deadline, the order ends as
// payment_failed and its seats go back on sale; a staff sale and a buyer
// without a provider are untouched.
func TestPaymentWindowEnds(t *testing.T) {
	t.Parallel()
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newPayEnv(t, open)
			o := e.buy(t, "b1", "S-R4-S1")
			desk := seating.Actor{Session: "desk", StaffID: "u1", Login: "olga", Role: "box_office"}
			tok, err := e.hold(t, desk, "S-R4-S2")
			require.NoError(t, err)
			cash, _, err := e.co.Confirm(context.Background(), checkout.ConfirmInput{Token: tok, Actor: desk, PaymentMethod: checkout.PayCash})
			require.NoError(t, err)
			require.Equal(t, order.Paid, cash.Status, "the box office sells at once")

			e.clock.Add(11 * time.Minute)
			testkit.Eventually(t, 5*time.Second, "the window ends the order", func() bool { return e.status(t, o.ID) == order.PaymentFailed })
			h, err := e.st.OrderHistory(context.Background(), o.ID)
			require.NoError(t, err)
			require.Equal(t, "payment window ended", h[len(h)-1].Reason)
			// The payment is canceled at the provider just after.
			testkit.Eventually(t, 5*time.Second, "the payment is canceled", func() bool {
				pays, err := e.co.Payments(context.Background(), o.ID)
				require.NoError(t, err)
				return pays[0].Status == order.StatusCanceled
			})
			e.holdFreed(t, seating.Actor{Session: "other"}, "S-R4-S1")
		})
	}
}

// TestWindowEndFreesSeatsAfterTheStore: when a payment window ends, the
// seats go back on sale only once the store has ended the order: a buyer who
// gets them can buy them (found by the load tester's audit: the engine used
// to free them first, and buyers who held them then got 409 at checkout).
func TestWindowEndFreesSeatsAfterTheStore(t *testing.T) {
	t.Parallel()
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newPayEnv(t, open)
			o := e.buy(t, "b1", "S-R6-S1")
			e.clock.Add(11 * time.Minute)
			other := seating.Actor{Session: "other"}
			var tok string
			testkit.Eventually(t, 5*time.Second, "the seat is free again", func() bool {
				var err error
				tok, err = e.hold(t, other, "S-R6-S1")
				return err == nil
			})
			require.Equal(t, order.PaymentFailed, e.status(t, o.ID), "free on the map only once the store has ended the order")
			bought, _, err := e.co.Confirm(context.Background(), checkout.ConfirmInput{Token: tok, Actor: other, BuyerName: "Bo", BuyerEmail: "bo@example.com"})
			require.NoError(t, err, "whoever gets the seat can buy it")
			require.Equal(t, order.PendingPayment, bought.Status)
		})
	}
}

// TestPaymentEventOutlivesItsCaller: an event whose caller is gone (a buyer
// who closed the page mid-approval, a webhook delivery cut off) is applied
// whole: the order paid and its seats sold, not paid with its seats left
// to go back on sale at the old deadline.
func TestPaymentEventOutlivesItsCaller(t *testing.T) {
	t.Parallel()
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newPayEnv(t, open)
			o := e.buy(t, "b1", "S-R7-S1")
			pay := o.Payments[0]
			ev, err := testpay.Event(pay.ProviderID, o.ID, testpay.Approve, pay.Amount, pay.Currency, e.clock.Now())
			require.NoError(t, err)
			gone, cancel := context.WithCancel(context.Background())
			cancel()
			res, err := e.co.PaymentEvent(gone, testpay.Name, ev)
			require.NoError(t, err)
			require.Equal(t, order.OutcomePaid, res.Outcome)
			e.clock.Add(11 * time.Minute) // past the old window
			time.Sleep(50 * time.Millisecond)
			require.Equal(t, order.Paid, e.status(t, o.ID))
			_, err = e.hold(t, seating.Actor{Session: "other"}, "S-R7-S1")
			var taken *seating.TakenError
			require.ErrorAs(t, err, &taken, "a paid order's seat stays sold")
		})
	}
}

// TestConfirmOutlivesItsCaller: a buyer who goes away once the order is
// written (the request canceled while the payment starts) leaves an order
// waiting for its payment with the payment recorded, not an ended order
// with a payment still pending (found by the load tester's audit).
func TestConfirmOutlivesItsCaller(t *testing.T) {
	t.Parallel()
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newPayEnv(t, open)
			buyer := seating.Actor{Session: "b1"}
			tok := e.holdFreed(t, buyer, "S-R8-S1")
			ctx, cancel := context.WithCancel(context.Background())
			e.pay.mu.Lock()
			e.pay.onCreate = cancel
			e.pay.mu.Unlock()
			o, _, err := e.co.Confirm(ctx, checkout.ConfirmInput{Token: tok, Actor: buyer, BuyerName: "Ada", BuyerEmail: "b1@example.com"})
			require.NoError(t, err)
			require.Equal(t, order.PendingPayment, o.Status)
			pays, err := e.co.Payments(context.Background(), o.ID)
			require.NoError(t, err)
			require.Len(t, pays, 1)
			require.Equal(t, order.StatusPending, pays[0].Status)
			res, err := e.answer(t, o, testpay.Approve)
			require.NoError(t, err)
			require.Equal(t, order.OutcomePaid, res.Outcome)
		})
	}
}

// TestLatePayment: a payment that succeeds after its window ended sells the
// seats again if they are free, and is given back if someone took them.
func TestLatePayment(t *testing.T) {
	t.Parallel()
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newPayEnv(t, open)
			free := e.buy(t, "b1", "S-R5-S1")
			taken := e.buy(t, "b2", "S-R6-S1", "S-R6-S2")
			e.clock.Add(11 * time.Minute)
			testkit.Eventually(t, 5*time.Second, "both windows end", func() bool {
				return e.status(t, free.ID) == order.PaymentFailed && e.status(t, taken.ID) == order.PaymentFailed
			})
			// Someone buys one of taken's seats.
			b3 := seating.Actor{Session: "b3"}
			tok := e.holdFreed(t, b3, "S-R6-S2")
			other, _, err := e.co.Confirm(ctx, checkout.ConfirmInput{Token: tok, Actor: b3, BuyerName: "Ada", BuyerEmail: "b3@example.com"})
			require.NoError(t, err)
			_, err = e.answer(t, other, testpay.Approve)
			require.NoError(t, err)

			res, err := e.answer(t, free, testpay.Approve)
			require.NoError(t, err)
			require.Equal(t, order.OutcomePaid, res.Outcome)
			require.Equal(t, order.Paid, res.Order.Status)
			require.Equal(t, order.TicketLive, res.Order.Tickets[0].Status)
			_, err = e.hold(t, seating.Actor{Session: "x"}, "S-R5-S1")
			var te *seating.TakenError
			require.ErrorAs(t, err, &te, "sold again, in the engine too")
			require.Equal(t, []string{outbox.KindConfirmation}, kinds(t, e.st, free.ID))

			res, err = e.answer(t, taken, testpay.Approve)
			require.NoError(t, err)
			require.Equal(t, order.OutcomeReturn, res.Outcome)
			require.Equal(t, order.PaymentFailed, res.Order.Status)
			for _, tk := range res.Order.Tickets {
				require.Equal(t, order.TicketVoid, tk.Status, "no double sale")
			}
			pays, err := e.co.Payments(ctx, taken.ID)
			require.NoError(t, err)
			paid, back := byKind(t, pays)
			require.Equal(t, order.StatusSucceeded, paid.Status)
			require.Len(t, back, 1)
			require.Equal(t, order.StatusSucceeded, back[0].Status, "the money went back")
			require.Equal(t, taken.Total, back[0].Amount)
			require.Equal(t, []string{outbox.KindRefund}, kinds(t, e.st, taken.ID))
			h, err := e.st.OrderHistory(ctx, taken.ID)
			require.NoError(t, err)
			var acts []string
			for _, ev := range h {
				acts = append(acts, ev.Action)
			}
			require.Contains(t, acts, order.ActionPaymentReturned)
			require.Contains(t, acts, order.ActionRefundSettled)
			// S-R6-S1 was free: still free (the engine's hold was given back).
			_, err = e.hold(t, seating.Actor{Session: "y"}, "S-R6-S1")
			require.NoError(t, err)
			sold, err := e.st.SoldSeats(ctx, e.perf)
			require.NoError(t, err)
			require.Len(t, sold, 2, "S-R5-S1 and the other buyer's S-R6-S2, once each")
		})
	}
}

// TestFiftyDeliveries: fifty deliveries of one success, on two nodes at
// once, make one paid order, one history entry and one e-mail.
func TestFiftyDeliveries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newPayEnv(t, stores["postgres"])
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	node2 := checkout.New(checkout.Config{Store: e.st, Seats: e.svc, Logger: log, Now: e.clock.Now, Payments: e.pay})
	o := e.buy(t, "b1", "S-R7-S1", "S-R7-S2")
	pay := o.Payments[0]
	ev, err := testpay.Event(pay.ProviderID, pay.OrderID, testpay.Approve, pay.Amount, pay.Currency, e.clock.Now())
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := range 50 {
		co := e.co
		if i%2 == 1 {
			co = node2
		}
		wg.Go(func() {
			_, err := co.PaymentEvent(ctx, testpay.Name, ev)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, order.Paid, e.status(t, o.ID))
	h, err := e.st.OrderHistory(ctx, o.ID)
	require.NoError(t, err)
	paid := 0
	for _, ev := range h {
		if ev.Action == order.ActionPaid {
			paid++
		}
	}
	require.Equal(t, 1, paid)
	require.Equal(t, []string{outbox.KindConfirmation}, kinds(t, e.st, o.ID))
}

// TestForeignPaymentEvents: an event for a payment not ours, of another
// order, or with another amount changes nothing.
func TestForeignPaymentEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newPayEnv(t, stores["postgres"])
	o := e.buy(t, "b1", "S-R8-S1")
	pay := o.Payments[0]
	for name, c := range map[string]struct {
		edit func(*payment.Event)
		want error
	}{
		"unknown payment": {func(ev *payment.Event) { ev.PaymentID = "tp_nope" }, order.ErrPaymentNotFound},
		"foreign order":   {func(ev *payment.Event) { ev.OrderID = "oother" }, order.ErrPaymentNotFound},
		"amount":          {func(ev *payment.Event) { ev.Amount++ }, order.ErrPaymentMismatch},
		"currency":        {func(ev *payment.Event) { ev.Currency = "XXX" }, order.ErrPaymentMismatch},
	} {
		ev := payment.Event{ID: "ev-" + name, Type: payment.PaymentSucceeded, PaymentID: pay.ProviderID, OrderID: o.ID,
			Amount: pay.Amount, Currency: pay.Currency}
		c.edit(&ev)
		_, err := e.co.PaymentEvent(ctx, testpay.Name, ev)
		require.ErrorIs(t, err, c.want, name)
		require.Equal(t, order.PendingPayment, e.status(t, o.ID), name)
	}
	_, err := e.co.PaymentEvent(ctx, "stripe", payment.Event{ID: "x", Type: payment.PaymentSucceeded, PaymentID: pay.ProviderID})
	require.ErrorIs(t, err, checkout.ErrNoPayments)
	require.Empty(t, kinds(t, e.st, o.ID))
}

// TestPaymentNotStarted: a provider that cannot start a payment ends the
// order and frees its seats.
func TestPaymentNotStarted(t *testing.T) {
	t.Parallel()
	e := newPayEnv(t, stores["sqlite"])
	e.pay.mu.Lock()
	e.pay.failCreate = true
	e.pay.mu.Unlock()
	buyer := seating.Actor{Session: "b1"}
	tok, err := e.hold(t, buyer, "S-R9-S1")
	require.NoError(t, err)
	_, _, err = e.co.Confirm(context.Background(), checkout.ConfirmInput{Token: tok, Actor: buyer, BuyerName: "Ada", BuyerEmail: "ada@example.com"})
	require.ErrorIs(t, err, checkout.ErrProvider)
	page, err := e.st.ListOrders(context.Background(), order.Filter{PerformanceID: e.perf, Limit: 10})
	require.NoError(t, err)
	require.Len(t, page, 1)
	require.Equal(t, order.PaymentFailed, page[0].Status)
	_, err = e.hold(t, seating.Actor{Session: "b2"}, "S-R9-S1")
	require.NoError(t, err, "the seats are free again")
}

// TestRefundOnline: a refund of an order paid through the provider goes
// back through it, once however often it is retried; cash at the desk does
// not.
func TestRefundOnline(t *testing.T) {
	t.Parallel()
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newPayEnv(t, open)
			o := e.buy(t, "b1", "S-R10-S1", "S-R10-S2")
			_, err := e.answer(t, o, testpay.Approve)
			require.NoError(t, err)
			staff := seating.Actor{Session: "desk", StaffID: "u1", Login: "olga", Role: "box_office"}
			in := checkout.RefundInput{OrderID: o.ID, Seats: []string{"S-R10-S1"}, Reason: "ill", IdempotencyKey: "k1", Actor: staff}
			_, rf, _, err := e.co.Refund(ctx, in)
			require.NoError(t, err)
			require.Equal(t, checkout.PayOnline, rf.Method)
			_, _, replayed, err := e.co.Refund(ctx, in)
			require.NoError(t, err)
			require.True(t, replayed)
			pays, err := e.co.Payments(ctx, o.ID)
			require.NoError(t, err)
			_, backs := byKind(t, pays)
			require.Len(t, backs, 1)
			back := backs[0]
			require.Equal(t, rf.ID, back.RefundID)
			require.Equal(t, rf.Amount, back.Amount)
			require.Equal(t, order.StatusSucceeded, back.Status)
			require.NotEmpty(t, back.ProviderID)
			e.pay.mu.Lock()
			require.Equal(t, 1, e.pay.refunds, "the replay did not ask the provider again")
			e.pay.mu.Unlock()

			_, _, _, err = e.co.Refund(ctx, checkout.RefundInput{OrderID: o.ID, Amount: 100, Reason: "goodwill", Method: checkout.PayCash,
				IdempotencyKey: "k2", Actor: staff})
			require.NoError(t, err)
			pays, err = e.co.Payments(ctx, o.ID)
			require.NoError(t, err)
			require.Len(t, pays, 2, "cash goes back at the desk")
			h, err := e.st.OrderHistory(ctx, o.ID)
			require.NoError(t, err)
			settled := h[len(h)-2]
			require.Equal(t, order.ActionRefundSettled, settled.Action, "the history shows the money back")
			require.Contains(t, settled.Detail, "succeeded (test "+back.ProviderID+")")
		})
	}
}

// TestLateReturnRetried: a late payment whose refund cannot reach the
// provider fails the delivery, so the provider delivers it again; the
// replay sends the refund then, once.
func TestLateReturnRetried(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newPayEnv(t, stores["postgres"])
	o := e.buy(t, "b1", "S-R11-S1")
	e.clock.Add(11 * time.Minute)
	testkit.Eventually(t, 5*time.Second, "the window ends", func() bool { return e.status(t, o.ID) == order.PaymentFailed })
	e.holdFreed(t, seating.Actor{Session: "b2"}, "S-R11-S1") // someone holds the seat now

	e.pay.mu.Lock()
	e.pay.failRefund = true
	e.pay.mu.Unlock()
	_, err := e.answer(t, o, testpay.Approve)
	require.ErrorIs(t, err, checkout.ErrProvider)
	pays, err := e.co.Payments(ctx, o.ID)
	require.NoError(t, err)
	_, back := byKind(t, pays)
	require.Len(t, back, 1)
	require.Equal(t, order.StatusPending, back[0].Status, "recorded to go back")
	require.Empty(t, back[0].ProviderID)

	e.pay.mu.Lock()
	e.pay.failRefund = false
	e.pay.mu.Unlock()
	for range 2 {
		res, err := e.answer(t, o, testpay.Approve)
		require.NoError(t, err)
		require.True(t, res.Replayed)
	}
	pays, err = e.co.Payments(ctx, o.ID)
	require.NoError(t, err)
	_, back = byKind(t, pays)
	require.Len(t, back, 1)
	require.Equal(t, order.StatusSucceeded, back[0].Status)
	e.pay.mu.Lock()
	require.Equal(t, 1, e.pay.refunds)
	e.pay.mu.Unlock()
	require.Equal(t, []string{outbox.KindRefund}, kinds(t, e.st, o.ID), "one e-mail")
}

// TestPaymentsInEmails: the e-mails of an order paid online list its
// payments at the provider: the confirmation the payment, the refund's
// e-mail the refund going back to the card.
func TestPaymentsInEmails(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newPayEnv(t, stores["sqlite"])
	o := e.buy(t, "b1", "S-R11-S1", "S-R11-S2")
	_, err := e.answer(t, o, testpay.Approve)
	require.NoError(t, err)
	staff := seating.Actor{Session: "desk", StaffID: "u1", Login: "olga", Role: "box_office"}
	_, rf, _, err := e.co.Refund(ctx, checkout.RefundInput{OrderID: o.ID, Seats: []string{"S-R11-S1"}, Reason: "ill", IdempotencyKey: "k1", Actor: staff})
	require.NoError(t, err)

	ms, err := e.st.OrderMessages(ctx, o.ID)
	require.NoError(t, err)
	bodies := map[string]string{}
	for _, m := range ms {
		m, err := e.co.RenderMessage(ctx, m)
		require.NoError(t, err)
		bodies[m.Kind] = m.Body
	}
	total := money.Format(o.Total, o.Currency)
	require.Contains(t, bodies["confirmation"], "\nPayments\n")
	require.Regexp(t, `\n  Paid online \(test\) +succeeded +`+regexp.QuoteMeta(total)+`\n`, bodies["confirmation"])
	refund := bodies["refund"]
	require.Contains(t, refund, "The money goes back to the card you paid with")
	require.Regexp(t, `  Paid online \(test\) +succeeded +`+regexp.QuoteMeta(total)+`\n`, refund)
	require.Regexp(t, `  Refund to your card \(test\) +pending +-`+regexp.QuoteMeta(money.Format(rf.Amount, o.Currency))+`\n`, refund)

	// Cash at the desk is not the card's.
	_, _, _, err = e.co.Refund(ctx, checkout.RefundInput{OrderID: o.ID, Amount: 100, Reason: "goodwill", Method: checkout.PayCash, IdempotencyKey: "k2", Actor: staff})
	require.NoError(t, err)
	ms, err = e.st.OrderMessages(ctx, o.ID)
	require.NoError(t, err)
	var goodwill string
	for _, m := range ms {
		if m.Kind == "refund" && strings.Contains(m.Body, "(goodwill)") {
			goodwill = m.Body
		}
	}
	require.NotEmpty(t, goodwill)
	require.NotContains(t, goodwill, "back to the card")
}
