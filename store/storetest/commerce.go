package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/money"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/outbox"
	"github.com/seatmap/seatmap/report"
	"github.com/seatmap/seatmap/store"
	"github.com/seatmap/seatmap/store/backend"
	"github.com/seatmap/seatmap/voucher"
)

// promotion stores an available promotion of 10 % with a use limit, after
// edit, and returns it as stored.
func (f *fixture) promotion(t *testing.T, s backend.Store, maxUses int, edit ...func(*voucher.Code)) voucher.Code {
	t.Helper()
	c := voucher.Code{Code: f.id("PROMO"), Kind: voucher.KindPromotion, Name: "Spring", Percent: 10, Currency: "EUR",
		MaxUses: maxUses, State: voucher.Available, CreatedBy: "u1"}
	for _, e := range edit {
		e(&c)
	}
	require.NoError(t, s.CreatePromotion(context.Background(), c))
	got, err := s.GetCode(context.Background(), c.Code)
	require.NoError(t, err)
	return got
}

// voucherBatch stores a batch of n available vouchers worth 10.00 EUR and
// returns it with its codes, ascending.
func (f *fixture) voucherBatch(t *testing.T, s backend.Store, n int) (voucher.Batch, []string) {
	t.Helper()
	b := voucher.Batch{ID: f.id("b"), Name: "Gift", Prefix: "GIFT", Count: n, Amount: 1000, Currency: "EUR", CreatedBy: "u1"}
	codes := make([]voucher.Code, n)
	names := make([]string, n)
	for i := range codes {
		names[i] = fmt.Sprintf("%s%04d", f.id("GIFT"), i)
		codes[i] = voucher.Code{Code: names[i], State: voucher.Available}
	}
	require.NoError(t, s.CreateVoucherBatch(context.Background(), b, codes))
	slices.Sort(names)
	return b, names
}

// withCode is o redeeming code for discount minor units off its total.
func withCode(o order.Order, code string, discount int64) order.Order {
	o.VoucherCode, o.Discount = code, discount
	o.Total -= discount
	return o
}

// reserved is o as a reservation.
func reserved(o order.Order) order.Order {
	o.Status, o.Deadline, o.PaymentMethod = order.Reserved, day, ""
	return o
}

func uses(t *testing.T, s backend.Store, code string) int {
	t.Helper()
	c, err := s.GetCode(context.Background(), code)
	require.NoError(t, err)
	return c.Uses
}

func history(t *testing.T, s backend.Store, orderID string) []order.Event {
	t.Helper()
	h, err := s.OrderHistory(context.Background(), orderID)
	require.NoError(t, err)
	for _, e := range h {
		require.Equal(t, orderID, e.OrderID)
		requireUTC(t, e.At)
	}
	return h
}

func actions(h []order.Event) []string {
	out := make([]string, len(h))
	for i, e := range h {
		out[i] = e.Action
	}
	return out
}

func messages(t *testing.T, s backend.Store, orderID string) []outbox.Message {
	t.Helper()
	ms, err := s.OrderMessages(context.Background(), orderID)
	require.NoError(t, err)
	return ms
}

// message is an e-mail to queue with a change; its OrderID is left for the
// store to fill.
func (f *fixture) message(kind string) *outbox.Message {
	return &outbox.Message{ID: f.id("msg-"), Kind: kind, To: "ada@example.com", Subject: "Your tickets", Body: "Hello"}
}

// requireCodeError checks err is a *store.CodeError for code with status.
func requireCodeError(t *testing.T, err error, code, status string) {
	t.Helper()
	var ce *voucher.CodeError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, code, ce.Code)
	require.Equal(t, status, ce.Status)
}

// orderIDs lists the ids of os in order.
func orderIDs(os []order.Order) []string {
	out := make([]string, len(os))
	for i, o := range os {
		out[i] = o.ID
	}
	return out
}

func runCommerce(t *testing.T, f *fixture, open func(t *testing.T) backend.Store) {
	ctx := context.Background()

	t.Run("RemindersDue", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := f.perf(t, s, f.hall(t, s), day)
		t0 := time.Now().UTC().Truncate(time.Microsecond)
		mk := func(deadline time.Duration, email string, seat uint32) order.Order {
			o := f.order(p, "s", "", seat)
			o.Status, o.Deadline, o.PaymentMethod, o.BuyerEmail = order.Reserved, t0.Add(deadline), "", email
			_, err := s.CreateOrder(ctx, o)
			require.NoError(t, err)
			return o
		}
		due := mk(2*time.Hour, "ada@example.com", 1)
		mk(30*time.Minute, "ada@example.com", 2) // reserved for less than the lead
		mk(2*time.Hour, "", 3)                   // nobody to write to
		later := mk(5*time.Hour, "ada@example.com", 4)
		_, err := s.CreateOrder(ctx, f.order(p, "s", "", 5)) // paid
		require.NoError(t, err)

		now, lead := t0.Add(90*time.Minute), time.Hour
		got, err := s.RemindersDue(ctx, now, lead, 10)
		require.NoError(t, err)
		require.Equal(t, []string{due.ID}, orderIDs(got))
		require.Len(t, got[0].Tickets, 1)

		remind := func(id string) error {
			return s.RecordOrderEvent(ctx, id, order.ActionReminded, "deadline soon",
				order.Change{Actor: "system", Notify: f.message(outbox.KindReminder)})
		}
		require.NoError(t, remind(due.ID))
		got, err = s.RemindersDue(ctx, now, lead, 10)
		require.NoError(t, err)
		require.Empty(t, got, "reminded once")
		require.ErrorIs(t, remind(due.ID), store.ErrDuplicate, "a second reminder, from another node say")
		require.Equal(t, []string{order.ActionCreated, order.ActionReminded}, actions(history(t, s, due.ID)), "nothing of the second written")
		got, err = s.RemindersDue(ctx, t0.Add(4*time.Hour+30*time.Minute), lead, 10)
		require.NoError(t, err)
		require.Equal(t, []string{later.ID}, orderIDs(got))
	})

	t.Run("OrderOrigin", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := f.perf(t, s, f.hall(t, s), day)
		o := f.order(p, "s", "", 1, 2)
		o.Origin = order.Change{Actor: "staff:desk", Reason: "phone booking", Notify: f.message(outbox.KindConfirmation)}
		stored, err := s.CreateOrder(ctx, o)
		require.NoError(t, err)
		h := history(t, s, o.ID)
		require.Len(t, h, 1)
		require.Equal(t, order.ActionCreated, h[0].Action)
		require.Equal(t, "staff:desk", h[0].Actor)
		require.Equal(t, "phone booking", h[0].Reason)
		require.Equal(t, order.Paid, h[0].Status)
		require.NotEmpty(t, h[0].Detail)
		require.True(t, stored.CreatedAt.Equal(h[0].At), "the entry is as old as the order: %v vs %v", stored.CreatedAt, h[0].At)
		ms := messages(t, s, o.ID)
		require.Len(t, ms, 1)
		require.Equal(t, o.Origin.Notify.ID, ms[0].ID)
		require.Equal(t, o.ID, ms[0].OrderID, "the store names the order")
		require.Equal(t, outbox.KindConfirmation, ms[0].Kind)

		r := reserved(f.order(p, "s", "", 3))
		r.Origin = order.Change{Actor: "buyer"}
		_, err = s.CreateOrder(ctx, r)
		require.NoError(t, err)
		h = history(t, s, r.ID)
		require.Len(t, h, 1)
		require.Equal(t, order.Reserved, h[0].Status)
		require.Equal(t, "buyer", h[0].Actor)
		require.Empty(t, messages(t, s, r.ID), "no Notify, no message")

		// A failed order leaves no history and no message.
		failed := f.order(p, "s", "", 2, 9)
		failed.Origin = order.Change{Actor: "buyer", Notify: f.message(outbox.KindConfirmation)}
		_, err = s.CreateOrder(ctx, failed)
		var se *order.SeatsSoldError
		require.ErrorAs(t, err, &se)
		require.Empty(t, history(t, s, failed.ID))
		require.Empty(t, messages(t, s, failed.ID))
	})

	t.Run("OrderVoucherCode", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := f.perf(t, s, f.hall(t, s), day)
		promo := f.promotion(t, s, 0)
		o := withCode(f.order(p, "s", "", 1, 2), promo.Code, 1000)
		_, err := s.CreateOrder(ctx, o)
		require.NoError(t, err)
		got, err := s.GetOrder(ctx, o.ID)
		require.NoError(t, err)
		require.Equal(t, promo.Code, got.VoucherCode)
		require.Equal(t, int64(1000), got.Discount)
		require.Equal(t, int64(9000), got.Total)
		require.Zero(t, got.Refunded)
		require.Equal(t, 1, uses(t, s, promo.Code))
		listed, err := s.ListOrders(ctx, order.Filter{PerformanceID: p.ID})
		require.NoError(t, err)
		require.Len(t, listed, 1)
		require.Equal(t, promo.Code, listed[0].VoucherCode, "lists carry the code")
		require.Equal(t, int64(1000), listed[0].Discount)

		blocked := f.promotion(t, s, 0, func(c *voucher.Code) { c.State = voucher.Blocked })
		prepared := f.promotion(t, s, 0, func(c *voucher.Code) { c.State = voucher.Prepared })
		_, vouchers := f.voucherBatch(t, s, 1)
		single := vouchers[0]
		_, err = s.CreateOrder(ctx, withCode(f.order(p, "s", "", 3), single, 1000))
		require.NoError(t, err)
		require.Equal(t, 1, uses(t, s, single))

		for _, c := range []struct {
			name, code, status string
		}{
			{"unknown", "NOSUCHCODE", ""},
			{"blocked", blocked.Code, voucher.Blocked},
			{"prepared", prepared.Code, voucher.Prepared},
			{"used up", single, voucher.Redeemed},
		} {
			t.Run(c.name, func(t *testing.T) {
				refused := withCode(f.order(p, "s", "key-"+c.name, 10, 11), c.code, 500)
				refused.Origin = order.Change{Actor: "buyer", Notify: f.message(outbox.KindConfirmation)}
				_, err := s.CreateOrder(ctx, refused)
				requireCodeError(t, err, c.code, c.status)

				// Nothing written: no order, no history, no message, no use,
				// and the seats and the key are free.
				_, err = s.GetOrder(ctx, refused.ID)
				require.ErrorIs(t, err, store.ErrNotFound)
				require.Empty(t, history(t, s, refused.ID))
				require.Empty(t, messages(t, s, refused.ID))
				if c.status != "" {
					want := 0
					if c.code == single {
						want = 1
					}
					require.Equal(t, want, uses(t, s, c.code))
				}
				_, err = s.OrderByIdempotencyKey(ctx, "s", "key-"+c.name)
				require.ErrorIs(t, err, store.ErrNotFound)
			})
		}
		require.Equal(t, 2, countOrders(t, s, p.ID))
		require.Equal(t, []uint32{1, 2, 3}, soldSeats(t, s, p.ID))
		_, err = s.CreateOrder(ctx, f.order(p, "s", "", 10, 11))
		require.NoError(t, err, "a refused order's seats are free")
	})

	t.Run("PromotionRace", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := f.hall(t, s)
		p := f.perf(t, s, h, day)
		limited := f.promotion(t, s, 100)
		const buyers = 500
		require.GreaterOrEqual(t, h.Seats, buyers)
		var won, refused atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range buyers {
			wg.Go(func() {
				<-start
				_, err := s.CreateOrder(ctx, withCode(f.order(p, fmt.Sprint("s", i), "", uint32(i)), limited.Code, 500))
				var ce *voucher.CodeError
				switch {
				case err == nil:
					won.Add(1)
				case errors.As(err, &ce) && ce.Status == voucher.Redeemed:
					refused.Add(1)
				default:
					t.Error(err)
				}
			})
		}
		close(start)
		wg.Wait()
		require.Equal(t, int32(100), won.Load())
		require.Equal(t, int32(buyers-100), refused.Load())
		c, err := s.GetCode(ctx, limited.Code)
		require.NoError(t, err)
		require.Equal(t, 100, c.Uses)
		require.Equal(t, voucher.Redeemed, c.Status())
		require.Equal(t, voucher.Available, c.State, "redeemed is not stored")
		require.Equal(t, 100, countOrders(t, s, p.ID))
		require.Len(t, soldSeats(t, s, p.ID), 100)

		// Without a limit every use counts.
		unlimited := f.promotion(t, s, 0)
		q := f.perf(t, s, h, day)
		for i := range 100 {
			wg.Go(func() {
				if _, err := s.CreateOrder(ctx, withCode(f.order(q, "s", "", uint32(i)), unlimited.Code, 500)); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		c, err = s.GetCode(ctx, unlimited.Code)
		require.NoError(t, err)
		require.Equal(t, 100, c.Uses)
		require.Equal(t, voucher.Available, c.Status())
		require.Equal(t, 100, countOrders(t, s, q.ID))
	})

	t.Run("ReservationGivesCodeBack", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := f.perf(t, s, f.hall(t, s), day)
		for _, end := range []string{order.Expired, order.Annulled} {
			t.Run(end, func(t *testing.T) {
				promo := f.promotion(t, s, 1)
				r := reserved(withCode(f.order(p, "desk", "", 1), promo.Code, 500))
				r.Origin = order.Change{Actor: "staff:desk"}
				_, err := s.CreateOrder(ctx, r)
				require.NoError(t, err)
				require.Equal(t, 1, uses(t, s, promo.Code))
				_, err = s.CreateOrder(ctx, withCode(f.order(p, "web", "", 2), promo.Code, 500))
				requireCodeError(t, err, promo.Code, voucher.Redeemed)

				c := order.Change{Actor: "system", Reason: "deadline passed", Notify: f.message(outbox.KindReservation)}
				got, err := s.EndReservation(ctx, r.ID, end, c)
				require.NoError(t, err)
				require.Equal(t, end, got.Status)
				require.Equal(t, promo.Code, got.VoucherCode, "the order keeps its code")
				require.Zero(t, uses(t, s, promo.Code), "the use is given back")
				h := history(t, s, r.ID)
				require.Equal(t, []string{order.ActionCreated, end}, actions(h))
				require.Equal(t, "system", h[1].Actor)
				require.Equal(t, "deadline passed", h[1].Reason)
				require.Equal(t, end, h[1].Status)
				require.False(t, h[1].At.Before(h[0].At))
				ms := messages(t, s, r.ID)
				require.Len(t, ms, 1)
				require.Equal(t, c.Notify.ID, ms[0].ID)

				// The use is free again, and the seat.
				_, err = s.CreateOrder(ctx, withCode(f.order(p, "web", "", 1), promo.Code, 500))
				require.NoError(t, err)
				require.Equal(t, 1, uses(t, s, promo.Code))
				// Refused changes write no history and give nothing back.
				_, err = s.EndReservation(ctx, r.ID, end, c)
				require.ErrorIs(t, err, store.ErrConflict)
				require.Len(t, history(t, s, r.ID), 2)
				require.Len(t, messages(t, s, r.ID), 1)
				require.Equal(t, 1, uses(t, s, promo.Code))
				p = f.perf(t, s, f.hall(t, s), day)
			})
		}

		// Paying keeps the use.
		promo := f.promotion(t, s, 1)
		r := reserved(withCode(f.order(p, "desk", "", 7), promo.Code, 500))
		_, err := s.CreateOrder(ctx, r)
		require.NoError(t, err)
		_, err = s.PayReservation(ctx, r.ID, "cash", "", order.Change{Actor: "staff:desk"})
		require.NoError(t, err)
		require.Equal(t, 1, uses(t, s, promo.Code))
	})

	t.Run("ReservationHistory", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := f.perf(t, s, f.hall(t, s), day)
		r := reserved(f.order(p, "desk", "", 1, 2))
		r.Origin = order.Change{Actor: "staff:anna", Reason: "phone"}
		_, err := s.CreateOrder(ctx, r)
		require.NoError(t, err)
		later := day.Add(48 * time.Hour)
		ext := order.Change{Actor: "staff:anna", Reason: "asked for more time", Notify: f.message(outbox.KindReservation)}
		_, err = s.ExtendReservation(ctx, r.ID, later, ext)
		require.NoError(t, err)
		pay := order.Change{Actor: "staff:boris", Reason: "paid at the desk", Notify: f.message(outbox.KindConfirmation)}
		_, err = s.PayReservation(ctx, r.ID, "card", "u2", pay)
		require.NoError(t, err)

		h := history(t, s, r.ID)
		require.Equal(t, []string{order.ActionCreated, order.ActionExtended, order.ActionPaid}, actions(h))
		require.Equal(t, order.Reserved, h[1].Status)
		require.Equal(t, "staff:anna", h[1].Actor)
		require.Equal(t, "asked for more time", h[1].Reason)
		require.Contains(t, h[1].Detail, later.Format(time.RFC3339), "the detail names the new deadline")
		require.Equal(t, order.Paid, h[2].Status)
		require.Equal(t, "staff:boris", h[2].Actor)
		require.Equal(t, "paid at the desk", h[2].Reason)
		require.True(t, slices.IsSortedFunc(h, func(a, b order.Event) int { return a.At.Compare(b.At) }), "oldest first")
		ms := messages(t, s, r.ID)
		require.Len(t, ms, 2)
		require.ElementsMatch(t, []string{ext.Notify.ID, pay.Notify.ID}, []string{ms[0].ID, ms[1].ID})

		// Refused changes write nothing.
		_, err = s.ExtendReservation(ctx, r.ID, later, ext)
		require.ErrorIs(t, err, store.ErrConflict)
		_, err = s.PayReservation(ctx, r.ID, "card", "", order.Change{Actor: "staff:boris", Notify: f.message(outbox.KindConfirmation)})
		require.ErrorIs(t, err, store.ErrConflict)
		require.Len(t, history(t, s, r.ID), 3)
		require.Len(t, messages(t, s, r.ID), 2)
	})

	t.Run("RecordOrderEvent", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := f.perf(t, s, f.hall(t, s), day)
		o := f.order(p, "s", "", 1)
		_, err := s.CreateOrder(ctx, o)
		require.NoError(t, err)
		c := order.Change{Actor: "staff:anna", Reason: "mail lost", Notify: f.message(outbox.KindResend)}
		require.NoError(t, s.RecordOrderEvent(ctx, o.ID, order.ActionResent, "to ada@example.com", c))
		h := history(t, s, o.ID)
		require.Equal(t, []string{order.ActionCreated, order.ActionResent}, actions(h))
		require.Equal(t, "staff:anna", h[1].Actor)
		require.Equal(t, "mail lost", h[1].Reason)
		require.Equal(t, "to ada@example.com", h[1].Detail)
		require.Equal(t, order.Paid, h[1].Status, "the order's status as it is")
		ms := messages(t, s, o.ID)
		require.Len(t, ms, 1)
		require.Equal(t, c.Notify.ID, ms[0].ID)
		require.Equal(t, o.ID, ms[0].OrderID)

		err = s.RecordOrderEvent(ctx, "missing", order.ActionResent, "", order.Change{Actor: "staff:anna", Notify: f.message(outbox.KindResend)})
		require.ErrorIs(t, err, store.ErrNotFound)
		require.Empty(t, messages(t, s, "missing"))
	})

	t.Run("Codes", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		restrictions := voucher.Restrictions{
			Dates:     []voucher.DateRange{{From: "2031-03-01", To: "2031-03-31"}, {From: "2031-05-01", To: "2031-05-01"}},
			Times:     []voucher.TimeRange{{From: "18:00", To: "23:30"}},
			Weekdays:  []int{5, 6, 7},
			Offerings: []string{"p1", "p2"},
		}
		promo := voucher.Code{Code: f.id("SPRING"), Kind: voucher.KindPromotion, Name: "Spring", Amount: 250, Currency: "EUR",
			MaxUses: 40, State: voucher.Prepared, Restrictions: restrictions, CreatedBy: "u1"}
		require.NoError(t, s.CreatePromotion(ctx, promo))
		got, err := s.GetCode(ctx, promo.Code)
		require.NoError(t, err)
		require.Equal(t, promo.Code, got.Code)
		require.Equal(t, voucher.KindPromotion, got.Kind)
		require.Empty(t, got.BatchID)
		require.Equal(t, "Spring", got.Name)
		require.Zero(t, got.Percent)
		require.Equal(t, int64(250), got.Amount)
		require.Equal(t, "EUR", got.Currency)
		require.Equal(t, 40, got.MaxUses)
		require.Zero(t, got.Uses)
		require.Equal(t, voucher.Prepared, got.State)
		require.Equal(t, restrictions, got.Restrictions, "restrictions round-trip exactly")
		require.Equal(t, "u1", got.CreatedBy)
		require.WithinDuration(t, time.Now(), got.CreatedAt, time.Minute)
		require.True(t, got.CreatedAt.Equal(got.UpdatedAt))
		requireUTC(t, got.CreatedAt, got.UpdatedAt)
		plain := f.promotion(t, s, 0)
		require.Equal(t, voucher.Restrictions{}, plain.Restrictions, "none is none")
		_, err = s.GetCode(ctx, "NOSUCHCODE")
		require.ErrorIs(t, err, store.ErrNotFound)
		require.ErrorIs(t, s.CreatePromotion(ctx, promo), store.ErrDuplicate)

		b := voucher.Batch{ID: f.id("b"), Name: "Christmas", Prefix: "XMAS", Count: 3, Percent: 20, Currency: "EUR",
			Restrictions: restrictions, CreatedBy: "u2"}
		names := []string{f.id("XMAS-C"), f.id("XMAS-A"), f.id("XMAS-B")}
		codes := make([]voucher.Code, len(names))
		for i, n := range names {
			codes[i] = voucher.Code{Code: n, State: voucher.Available}
		}
		require.NoError(t, s.CreateVoucherBatch(ctx, b, codes))
		gb, err := s.GetVoucherBatch(ctx, b.ID)
		require.NoError(t, err)
		require.Equal(t, b.Name, gb.Name)
		require.Equal(t, b.Prefix, gb.Prefix)
		require.Equal(t, 3, gb.Count)
		require.Equal(t, 20, gb.Percent)
		require.Zero(t, gb.Amount)
		require.Equal(t, "EUR", gb.Currency)
		require.Equal(t, restrictions, gb.Restrictions)
		require.Equal(t, "u2", gb.CreatedBy)
		require.WithinDuration(t, time.Now(), gb.CreatedAt, time.Minute)
		requireUTC(t, gb.CreatedAt)
		_, err = s.GetVoucherBatch(ctx, "missing")
		require.ErrorIs(t, err, store.ErrNotFound)
		v, err := s.GetCode(ctx, names[0])
		require.NoError(t, err)
		require.Equal(t, voucher.KindVoucher, v.Kind)
		require.Equal(t, b.ID, v.BatchID)
		require.Equal(t, 1, v.MaxUses, "a voucher is used once")
		require.Equal(t, 20, v.Percent)
		require.Equal(t, "EUR", v.Currency)
		require.Equal(t, voucher.Available, v.State)
		require.Equal(t, restrictions, v.Restrictions)

		// One code space across kinds, and a batch is all or nothing.
		require.ErrorIs(t, s.CreatePromotion(ctx, voucher.Code{Code: names[1], Kind: voucher.KindPromotion, Name: "x", Percent: 5,
			Currency: "EUR", State: voucher.Available}), store.ErrDuplicate, "a voucher has the code")
		clash := voucher.Batch{ID: f.id("b"), Name: "Clash", Prefix: "CL", Count: 3, Amount: 500, Currency: "EUR", CreatedBy: "u1"}
		fresh := f.id("CL-FRESH")
		err = s.CreateVoucherBatch(ctx, clash, []voucher.Code{{Code: fresh, State: voucher.Available},
			{Code: promo.Code, State: voucher.Available}, {Code: f.id("CL-OTHER"), State: voucher.Available}})
		require.ErrorIs(t, err, store.ErrDuplicate, "a promotion has the code")
		_, err = s.GetVoucherBatch(ctx, clash.ID)
		require.ErrorIs(t, err, store.ErrNotFound, "nothing of the batch is written")
		_, err = s.GetCode(ctx, fresh)
		require.ErrorIs(t, err, store.ErrNotFound, "nothing of the batch is written")
		twice := f.id("CL-TWICE")
		err = s.CreateVoucherBatch(ctx, voucher.Batch{ID: f.id("b"), Name: "Twice", Prefix: "CL", Count: 2, Amount: 500, Currency: "EUR"},
			[]voucher.Code{{Code: twice, State: voucher.Available}, {Code: twice, State: voucher.Available}})
		require.ErrorIs(t, err, store.ErrDuplicate, "a code twice in one batch")
		err = s.CreateVoucherBatch(ctx, voucher.Batch{ID: b.ID, Name: "Same id", Prefix: "CL", Count: 1, Amount: 500, Currency: "EUR"},
			[]voucher.Code{{Code: f.id("CL-SAMEID"), State: voucher.Available}})
		require.ErrorIs(t, err, store.ErrDuplicate, "a taken batch id")

		b2, names2 := f.voucherBatch(t, s, 5)
		b3, _ := f.voucherBatch(t, s, 2)
		batches, err := s.ListVoucherBatches(ctx)
		require.NoError(t, err)
		var batchIDs []string
		for _, lb := range batches {
			batchIDs = append(batchIDs, lb.ID)
		}
		require.Equal(t, []string{b3.ID, b2.ID, b.ID}, batchIDs, "newest first")

		all, err := s.ListCodes(ctx, voucher.Filter{})
		require.NoError(t, err)
		require.Len(t, all, 2+3+5+2)
		require.True(t, slices.IsSortedFunc(all, func(a, b voucher.Code) int { return strings.Compare(a.Code, b.Code) }), "by code")
		promos, err := s.ListCodes(ctx, voucher.Filter{Kind: voucher.KindPromotion})
		require.NoError(t, err)
		require.ElementsMatch(t, []string{promo.Code, plain.Code}, codeNames(promos))
		ofBatch, err := s.ListCodes(ctx, voucher.Filter{BatchID: b2.ID})
		require.NoError(t, err)
		require.Equal(t, names2, codeNames(ofBatch))
		vouchers, err := s.ListCodes(ctx, voucher.Filter{Kind: voucher.KindVoucher, BatchID: b2.ID})
		require.NoError(t, err)
		require.Equal(t, names2, codeNames(vouchers))
		none, err := s.ListCodes(ctx, voucher.Filter{Kind: voucher.KindPromotion, BatchID: b2.ID})
		require.NoError(t, err)
		require.Empty(t, none)

		// Keyset pages of two through one batch.
		var paged []string
		filter := voucher.Filter{BatchID: b2.ID, Limit: 2}
		for {
			page, err := s.ListCodes(ctx, filter)
			require.NoError(t, err)
			require.LessOrEqual(t, len(page), 2)
			paged = append(paged, codeNames(page)...)
			if len(page) < filter.Limit {
				break
			}
			filter.After = page[len(page)-1].Code
		}
		require.Equal(t, names2, paged)
	})

	t.Run("SetCodeState", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		cases := []struct {
			from, to string
			ok       bool
		}{
			{voucher.Prepared, voucher.Available, true},
			{voucher.Prepared, voucher.Blocked, true},
			{voucher.Available, voucher.Blocked, true},
			{voucher.Blocked, voucher.Available, true},
			{voucher.Available, voucher.Prepared, false},
			{voucher.Blocked, voucher.Prepared, false},
			{voucher.Available, voucher.Available, false},
			{voucher.Blocked, voucher.Blocked, false},
			{voucher.Available, voucher.Redeemed, false},
			{voucher.Available, "bogus", false},
			{voucher.Prepared, "", false},
		}
		for _, c := range cases {
			t.Run(c.from+" to "+c.to, func(t *testing.T) {
				code := f.promotion(t, s, 0, func(p *voucher.Code) { p.State = c.from })
				got, err := s.SetCodeState(ctx, code.Code, c.to)
				stored, gerr := s.GetCode(ctx, code.Code)
				require.NoError(t, gerr)
				if !c.ok {
					require.ErrorIs(t, err, store.ErrConflict)
					require.Equal(t, c.from, stored.State, "unchanged")
					return
				}
				require.NoError(t, err)
				require.Equal(t, c.to, got.State)
				require.Equal(t, code.Code, got.Code)
				require.Equal(t, c.to, stored.State)
				require.False(t, stored.UpdatedAt.Before(stored.CreatedAt))
			})
		}
		_, err := s.SetCodeState(ctx, "NOSUCHCODE", voucher.Blocked)
		require.ErrorIs(t, err, store.ErrNotFound)

		// Used up is redeemed, as people see it; it can still be blocked.
		p := f.perf(t, s, f.hall(t, s), day)
		_, vouchers := f.voucherBatch(t, s, 1)
		_, err = s.CreateOrder(ctx, withCode(f.order(p, "s", "", 1), vouchers[0], 1000))
		require.NoError(t, err)
		v, err := s.GetCode(ctx, vouchers[0])
		require.NoError(t, err)
		require.Equal(t, voucher.Available, v.State)
		require.Equal(t, voucher.Redeemed, v.Status())
		v, err = s.SetCodeState(ctx, vouchers[0], voucher.Blocked)
		require.NoError(t, err)
		require.Equal(t, voucher.Blocked, v.Status())
	})

	t.Run("Refunds", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := f.perf(t, s, f.hall(t, s), day)
		promo := f.promotion(t, s, 0)
		// Four seats of 50.00, 20.00 off: 180.00 paid.
		o := withCode(f.order(p, "s", "", 1, 2, 3, 4), promo.Code, 2000)
		_, err := s.CreateOrder(ctx, o)
		require.NoError(t, err)
		refund := func(key string, amount int64, seats ...uint32) (order.Order, order.Refund, bool, error) {
			return s.RefundOrder(ctx, order.RefundRequest{ID: f.id("rf"), OrderID: o.ID, Seats: seats, Amount: amount,
				Reason: "cannot come", Method: "online", IdempotencyKey: key,
				Change: order.Change{Actor: "staff:anna", Reason: "ignored", Notify: f.message(outbox.KindRefund)}})
		}

		got, rf, replayed, err := refund("k1", 0, 1)
		require.NoError(t, err)
		require.False(t, replayed)
		require.Equal(t, o.ID, rf.OrderID)
		require.Equal(t, int64(4500), rf.Amount, "50.00 less its share of the discount")
		require.Equal(t, []uint32{1}, rf.Seats)
		require.Equal(t, "cannot come", rf.Reason)
		require.Equal(t, "online", rf.Method)
		require.Equal(t, "staff:anna", rf.Actor)
		require.Equal(t, "k1", rf.IdempotencyKey)
		require.WithinDuration(t, time.Now(), rf.CreatedAt, time.Minute)
		requireUTC(t, rf.CreatedAt)
		require.Equal(t, order.PartRefunded, got.Status)
		require.Equal(t, int64(4500), got.Refunded)
		for _, tk := range got.Tickets {
			want := order.TicketLive
			if tk.Seat == 1 {
				want = order.TicketRefunded
			}
			require.Equal(t, want, tk.Status, "seat %d", tk.Seat)
		}
		stored, err := s.GetOrder(ctx, o.ID)
		require.NoError(t, err)
		require.Equal(t, got.Status, stored.Status)
		require.Equal(t, got.Refunded, stored.Refunded)
		require.Equal(t, []uint32{2, 3, 4}, soldSeats(t, s, p.ID), "a partly refunded order keeps its other seats")
		resold := f.order(p, "s", "", 1)
		_, err = s.CreateOrder(ctx, resold)
		require.NoError(t, err, "a refunded seat sells again")

		got, rf2, replayed, err := refund("k2", 1000)
		require.NoError(t, err)
		require.False(t, replayed)
		require.Equal(t, int64(1000), rf2.Amount)
		require.Empty(t, rf2.Seats)
		require.Equal(t, order.PartRefunded, got.Status)
		require.Equal(t, int64(5500), got.Refunded)

		// Refused: nothing changes.
		for _, c := range []struct {
			name   string
			amount int64
			seats  []uint32
			want   error
		}{
			{"more than left", 12501, nil, order.ErrExceedsPaid},
			{"zero", 0, nil, order.ErrExceedsPaid},
			{"negative", -100, nil, order.ErrExceedsPaid},
			{"seat refunded already", 0, []uint32{1}, order.ErrNotRefundable},
			{"seat not in the order", 0, []uint32{2, 99}, order.ErrNotRefundable},
			{"seat twice", 0, []uint32{2, 2}, order.ErrNotRefundable},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, _, _, err := refund("refused-"+c.name, c.amount, c.seats...)
				require.ErrorIs(t, err, c.want)
				now, err := s.GetOrder(ctx, o.ID)
				require.NoError(t, err)
				require.Equal(t, int64(5500), now.Refunded)
				require.Equal(t, order.PartRefunded, now.Status)
				require.Equal(t, []uint32{1, 2, 3, 4}, soldSeats(t, s, p.ID))
			})
		}

		// A replay returns the first refund, whatever it asks.
		got, again, replayed, err := refund("k1", 9999)
		require.NoError(t, err)
		require.True(t, replayed)
		require.Equal(t, rf.ID, again.ID)
		require.Equal(t, rf.Amount, again.Amount)
		require.Equal(t, rf.Seats, again.Seats)
		require.Equal(t, int64(5500), got.Refunded, "nothing refunded twice")

		// The rest: exactly what is left.
		got, rf3, _, err := refund("k3", 0, 4, 2, 3)
		require.NoError(t, err)
		require.Equal(t, int64(12500), rf3.Amount)
		require.Equal(t, []uint32{2, 3, 4}, rf3.Seats, "ascending")
		require.Equal(t, order.Refunded, got.Status)
		require.Equal(t, got.Total, got.Refunded)
		require.Equal(t, []uint32{1}, soldSeats(t, s, p.ID), "only the seat sold again")
		_, _, _, err = refund("k4", 0, 2)
		require.ErrorIs(t, err, order.ErrNotRefundable, "a refunded order")
		_, _, _, err = refund("k4", 100)
		require.ErrorIs(t, err, order.ErrNotRefundable, "a refunded order")

		list, err := s.Refunds(ctx, o.ID)
		require.NoError(t, err)
		require.Len(t, list, 3)
		require.Equal(t, []string{rf.ID, rf2.ID, rf3.ID}, []string{list[0].ID, list[1].ID, list[2].ID}, "oldest first")
		require.Equal(t, rf.Amount, list[0].Amount)
		require.Equal(t, rf.Seats, list[0].Seats)
		require.Empty(t, list[1].Seats)
		require.True(t, rf.CreatedAt.Equal(list[0].CreatedAt))
		requireUTC(t, list[0].CreatedAt)

		h := history(t, s, o.ID)
		require.Equal(t, []string{order.ActionCreated, order.ActionRefunded, order.ActionRefunded, order.ActionRefunded}, actions(h))
		for i, want := range []struct {
			status string
			amount int64
		}{{order.PartRefunded, 4500}, {order.PartRefunded, 1000}, {order.Refunded, 12500}} {
			e := h[i+1]
			require.Equal(t, want.status, e.Status)
			require.Equal(t, "staff:anna", e.Actor)
			require.Equal(t, "cannot come", e.Reason, "the request's reason")
			require.Contains(t, e.Detail, money.Format(want.amount, "EUR"))
		}
		require.Len(t, messages(t, s, o.ID), 3, "one message per refund, none for the refused or the replay")

		// Orders that are not paid, or not there.
		r := reserved(f.order(p, "s", "", 20))
		_, err = s.CreateOrder(ctx, r)
		require.NoError(t, err)
		_, _, _, err = s.RefundOrder(ctx, order.RefundRequest{ID: f.id("rf"), OrderID: r.ID, Seats: []uint32{20}, IdempotencyKey: "k"})
		require.ErrorIs(t, err, order.ErrNotRefundable, "a reservation")
		_, err = s.EndReservation(ctx, r.ID, order.Expired, order.Change{Actor: "system"})
		require.NoError(t, err)
		_, _, _, err = s.RefundOrder(ctx, order.RefundRequest{ID: f.id("rf"), OrderID: r.ID, Amount: 100, IdempotencyKey: "k"})
		require.ErrorIs(t, err, order.ErrNotRefundable, "an expired reservation")
		_, _, _, err = s.RefundOrder(ctx, order.RefundRequest{ID: f.id("rf"), OrderID: "missing", Amount: 100, IdempotencyKey: "k"})
		require.ErrorIs(t, err, store.ErrNotFound)
		_, _, _, err = s.RefundOrder(ctx, order.RefundRequest{ID: f.id("rf"), OrderID: resold.ID, Amount: 100})
		require.Error(t, err, "the idempotency key is required")
		require.Equal(t, []string{order.ActionCreated, order.ActionExpired}, actions(history(t, s, r.ID)), "no refund entry")
	})

	t.Run("RefundWholeAmountKeepsSeats", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := f.perf(t, s, f.hall(t, s), day)
		o := f.order(p, "s", "", 5, 6)
		_, err := s.CreateOrder(ctx, o)
		require.NoError(t, err)
		// Money back as goodwill, the buyer still comes: the seats stay sold,
		// also for a rebuild from the store.
		got, _, _, err := s.RefundOrder(ctx, order.RefundRequest{ID: f.id("rf"), OrderID: o.ID, Amount: o.Total,
			Method: "card", IdempotencyKey: "all", Change: order.Change{Actor: "staff:anna"}})
		require.NoError(t, err)
		require.Equal(t, order.Refunded, got.Status)
		require.Equal(t, []uint32{5, 6}, soldSeats(t, s, p.ID))
	})

	t.Run("RefundEverySeat", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := f.perf(t, s, f.hall(t, s), day)
		promo := f.promotion(t, s, 0)
		// Prices that do not share the discount evenly.
		o := f.order(p, "s", "", 1, 2, 3)
		o.Tickets[1].Price, o.Tickets[2].Price = 2500, 1999
		o.Total = 5000 + 2500 + 1999
		o = withCode(o, promo.Code, 333)
		_, err := s.CreateOrder(ctx, o)
		require.NoError(t, err)
		var sum int64
		for i, seat := range []uint32{3, 1, 2} {
			got, rf, _, err := s.RefundOrder(ctx, order.RefundRequest{ID: f.id("rf"), OrderID: o.ID, Seats: []uint32{seat},
				Method: "card", IdempotencyKey: fmt.Sprint("k", i), Change: order.Change{Actor: "staff:anna"}})
			require.NoError(t, err)
			sum += rf.Amount
			require.Equal(t, sum, got.Refunded)
		}
		require.Equal(t, o.Total, sum, "every seat gives back exactly what was paid")
		got, err := s.GetOrder(ctx, o.ID)
		require.NoError(t, err)
		require.Equal(t, order.Refunded, got.Status)

		// A free order (all discount) refunds its seats for nothing.
		free := f.order(p, "s", "", 10, 11)
		free = withCode(free, promo.Code, free.Total)
		_, err = s.CreateOrder(ctx, free)
		require.NoError(t, err)
		got, rf, _, err := s.RefundOrder(ctx, order.RefundRequest{ID: f.id("rf"), OrderID: free.ID, Seats: []uint32{10},
			IdempotencyKey: "k", Change: order.Change{Actor: "staff:anna"}})
		require.NoError(t, err)
		require.Zero(t, rf.Amount)
		require.Equal(t, order.PartRefunded, got.Status)
		require.Equal(t, []uint32{11}, soldSeats(t, s, p.ID))
		got, _, _, err = s.RefundOrder(ctx, order.RefundRequest{ID: f.id("rf"), OrderID: free.ID, Seats: []uint32{11},
			IdempotencyKey: "k2", Change: order.Change{Actor: "staff:anna"}})
		require.NoError(t, err)
		require.Equal(t, order.Refunded, got.Status)
		_, _, _, err = s.RefundOrder(ctx, order.RefundRequest{ID: f.id("rf"), OrderID: o.ID, Amount: 1, IdempotencyKey: "k9"})
		require.ErrorIs(t, err, order.ErrNotRefundable)
	})

	t.Run("RefundRace", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := f.perf(t, s, f.hall(t, s), day)
		o := f.order(p, "s", "", 1, 2, 3)
		_, err := s.CreateOrder(ctx, o)
		require.NoError(t, err)
		const n = 20
		ids := make([]string, n)
		var fresh atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				// Each racer brings its own id, as a retried HTTP request would.
				_, rf, replayed, err := s.RefundOrder(ctx, order.RefundRequest{ID: f.id("rf"), OrderID: o.ID, Seats: []uint32{2},
					Method: "online", IdempotencyKey: "same", Change: order.Change{Actor: "buyer"}})
				if err != nil {
					t.Error(err)
					return
				}
				if !replayed {
					fresh.Add(1)
				}
				ids[i] = rf.ID
			})
		}
		close(start)
		wg.Wait()
		require.Equal(t, int32(1), fresh.Load(), "one refund, the rest replays")
		for _, id := range ids {
			require.Equal(t, ids[0], id, "every racer sees the same refund")
		}
		list, err := s.Refunds(ctx, o.ID)
		require.NoError(t, err)
		require.Len(t, list, 1)
		require.Equal(t, ids[0], list[0].ID)
		got, err := s.GetOrder(ctx, o.ID)
		require.NoError(t, err)
		require.Equal(t, int64(5000), got.Refunded)
		require.Len(t, history(t, s, o.ID), 2)
	})

	t.Run("ListOrdersFilters", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := f.perf(t, s, f.hall(t, s), day)
		q := f.perf(t, s, f.hall(t, s), day)
		var all []order.Order
		for i, b := range []struct{ name, email, channel string }{
			{"Anna Schmidt", "anna@example.com", "web"},
			{"Boris 100% Real", "boris@example.org", "box_office"},
			{"anna Berg", "ab@example.net", "box_office"},
			{"Carl", "carl@SCHMIDT.example", "web"},
			{"Dora", "dora@example.com", "partner"},
			{"Emil_Schmidt", "emil@example.com", "box_office"},
		} {
			perf := p
			if i == 4 {
				perf = q
			}
			o := f.order(perf, "s", "", uint32(i))
			o.BuyerName, o.BuyerEmail, o.Channel = b.name, b.email, b.channel
			stored, err := s.CreateOrder(ctx, o)
			require.NoError(t, err)
			all = append(all, stored)
		}
		// Newest first: the ids of all[i...] in reverse.
		newest := func(is ...int) []string {
			out := make([]string, 0, len(is))
			for k := len(is) - 1; k >= 0; k-- {
				out = append(out, all[is[k]].ID)
			}
			return out
		}
		list := func(f order.Filter) []string {
			t.Helper()
			os, err := s.ListOrders(ctx, f)
			require.NoError(t, err)
			return orderIDs(os)
		}
		for i := 1; i < len(all); i++ {
			require.True(t, all[i-1].CreatedAt.Before(all[i].CreatedAt), "precondition: distinct creation times")
		}
		for _, c := range []struct {
			name   string
			filter order.Filter
			want   []string
		}{
			{"channel", order.Filter{Channel: "box_office"}, newest(1, 2, 5)},
			{"channel of a performance", order.Filter{PerformanceID: p.ID, Channel: "web"}, newest(0, 3)},
			{"channel elsewhere", order.Filter{PerformanceID: p.ID, Channel: "partner"}, newest()},
			{"buyer name, any case", order.Filter{Buyer: "ANNA"}, newest(0, 2)},
			{"buyer name or e-mail", order.Filter{Buyer: "schmidt"}, newest(0, 3, 5)},
			{"buyer wildcards are literal", order.Filter{Buyer: "100%"}, newest(1)},
			{"buyer underscore is literal", order.Filter{Buyer: "l_s"}, newest(5)},
			{"buyer and channel", order.Filter{Buyer: "schmidt", Channel: "box_office"}, newest(5)},
			{"from inclusive", order.Filter{From: all[3].CreatedAt}, newest(3, 4, 5)},
			{"to exclusive", order.Filter{To: all[3].CreatedAt}, newest(0, 1, 2)},
			{"from and to", order.Filter{From: all[1].CreatedAt, To: all[4].CreatedAt}, newest(1, 2, 3)},
			{"from, to, channel, performance", order.Filter{PerformanceID: p.ID, Channel: "box_office",
				From: all[1].CreatedAt, To: all[5].CreatedAt.Add(time.Microsecond)}, newest(1, 2, 5)},
			{"status and buyer", order.Filter{Status: order.Reserved, Buyer: "anna"}, newest()},
		} {
			t.Run(c.name, func(t *testing.T) {
				require.Equal(t, c.want, list(c.filter))
			})
		}

		// Filters and pages together: box office orders of p, one a page.
		filter := order.Filter{PerformanceID: p.ID, Channel: "box_office", Limit: 1}
		var paged []string
		for range 10 {
			page, err := s.ListOrders(ctx, filter)
			require.NoError(t, err)
			paged = append(paged, orderIDs(page)...)
			if len(page) < filter.Limit {
				break
			}
			filter.Before, filter.BeforeID = page[0].CreatedAt, page[0].ID
		}
		require.Equal(t, newest(1, 2, 5), paged)
		filter = order.Filter{Buyer: "example.com", From: all[0].CreatedAt.Add(time.Microsecond), Limit: 2}
		paged = nil
		for range 10 {
			page, err := s.ListOrders(ctx, filter)
			require.NoError(t, err)
			paged = append(paged, orderIDs(page)...)
			if len(page) < filter.Limit {
				break
			}
			last := page[len(page)-1]
			filter.Before, filter.BeforeID = last.CreatedAt, last.ID
		}
		require.Equal(t, newest(4, 5), paged)
	})

	t.Run("SalesReport", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := f.hall(t, s)
		p, q := f.perf(t, s, h, day), f.perf(t, s, h, day)
		promo := f.promotion(t, s, 0)
		// order is a paid order of (seat, zone) pairs at the zones' prices.
		newOrder := func(perf catalog.Performance, channel string, seats ...uint32) order.Order {
			o := f.order(perf, "s", "")
			o.Channel = channel
			for _, seat := range seats {
				z := zones[0]
				if seat%2 == 0 {
					z = zones[1]
				}
				o.Tickets = append(o.Tickets, order.Ticket{Seat: seat, SeatID: fmt.Sprint("S", seat), Zone: z.ID, Price: z.Price, Status: order.TicketLive})
				o.Total += z.Price
			}
			return o
		}
		// Odd seats are zone a (50.00), even ones zone b (25.00).
		var last time.Time
		for _, o := range []order.Order{
			reserved(newOrder(p, "web", 1, 2)),                          // 75.00 reserved
			newOrder(p, "web", 3, 5),                                    // 100.00 paid, seat 5 refunded below
			withCode(newOrder(p, "box_office", 7, 8), promo.Code, 1500), // 75.00 less 15.00
			newOrder(q, "web", 1),                                       // another performance: 50.00
		} {
			stored, err := s.CreateOrder(ctx, o)
			require.NoError(t, err)
			last = stored.CreatedAt
		}
		// Between the orders and the refund: each write takes far longer
		// than the microsecond the stores keep.
		mid := time.Now().UTC().Truncate(time.Microsecond)
		require.True(t, last.Before(mid), "precondition: the orders before mid")
		paidA, err := s.ListOrders(ctx, order.Filter{PerformanceID: p.ID, Channel: "web", Status: order.Paid})
		require.NoError(t, err)
		require.Len(t, paidA, 1)
		_, rf, _, err := s.RefundOrder(ctx, order.RefundRequest{ID: f.id("rf"), OrderID: paidA[0].ID, Seats: []uint32{5},
			Method: "online", IdempotencyKey: "k", Change: order.Change{Actor: "buyer"}})
		require.NoError(t, err)
		require.Equal(t, int64(5000), rf.Amount)
		require.False(t, rf.CreatedAt.Before(mid), "precondition: refund after mid")

		salesReport := func(f report.Filter) report.Sales {
			t.Helper()
			r, err := s.SalesReport(ctx, f)
			require.NoError(t, err)
			return r
		}
		line := func(ls []report.Line, key string) report.Figures {
			t.Helper()
			for _, l := range ls {
				if l.Key == key {
					return l.Figures
				}
			}
			require.Failf(t, "no line", "no line %q in %v", key, ls)
			return report.Figures{}
		}
		keys := func(ls []report.Line) []string {
			out := make([]string, len(ls))
			for i, l := range ls {
				out[i] = l.Key
			}
			return out
		}

		r := salesReport(report.Filter{PerformanceID: p.ID})
		require.Equal(t, "EUR", r.Currency)
		require.Equal(t, report.Figures{Reservations: 1, ReservedSeats: 2, PaidOrders: 2, Seats: 3, RefundedSeats: 1, Refunds: 1,
			Gross: 17500, Discounts: 1500, Refunded: 5000, Net: 11000}, r.Total)
		require.Equal(t, []string{"a", "b"}, keys(r.Zones))
		// A zone's discount is its tickets' share (seat 7: 50.00 of 75.00, so
		// 10.00 of the 15.00 off; seat 8 the other 5.00), its refunded what its
		// refunded tickets gave back (seat 5).
		require.Equal(t, report.Figures{ReservedSeats: 1, Seats: 2, RefundedSeats: 1, Gross: 15000, Discounts: 1000, Refunded: 5000, Net: 9000},
			line(r.Zones, "a"))
		require.Equal(t, report.Figures{ReservedSeats: 1, Seats: 1, Gross: 2500, Discounts: 500, Net: 2000}, line(r.Zones, "b"))
		require.Equal(t, []string{"box_office", "web"}, keys(r.Channels))
		require.Equal(t, report.Figures{Reservations: 1, ReservedSeats: 2, PaidOrders: 1, Seats: 1, RefundedSeats: 1, Refunds: 1,
			Gross: 10000, Refunded: 5000, Net: 5000}, line(r.Channels, "web"))
		require.Equal(t, report.Figures{PaidOrders: 1, Seats: 2, Gross: 7500, Discounts: 1500, Net: 6000}, line(r.Channels, "box_office"))

		all := salesReport(report.Filter{})
		require.Equal(t, report.Figures{Reservations: 1, ReservedSeats: 2, PaidOrders: 3, Seats: 4, RefundedSeats: 1, Refunds: 1,
			Gross: 22500, Discounts: 1500, Refunded: 5000, Net: 16000}, all.Total)
		require.Equal(t, 3, line(all.Zones, "a").Seats)
		require.Equal(t, 2, line(all.Channels, "web").PaidOrders)

		other := salesReport(report.Filter{PerformanceID: q.ID})
		require.Equal(t, report.Figures{PaidOrders: 1, Seats: 1, Gross: 5000, Net: 5000}, other.Total)

		// Orders count by when they were made, refunds by when they were given.
		before := salesReport(report.Filter{PerformanceID: p.ID, To: mid})
		require.Equal(t, report.Figures{Reservations: 1, ReservedSeats: 2, PaidOrders: 2, Seats: 3, RefundedSeats: 1,
			Gross: 17500, Discounts: 1500, Net: 16000}, before.Total, "the refund came later")
		after := salesReport(report.Filter{PerformanceID: p.ID, From: mid})
		require.Equal(t, report.Figures{Refunds: 1, Refunded: 5000, Net: -5000}, after.Total, "the orders came earlier")
		require.Empty(t, after.Zones)
		require.Equal(t, report.Figures{Refunds: 1, Refunded: 5000, Net: -5000}, line(after.Channels, "web"))
		empty := salesReport(report.Filter{PerformanceID: p.ID, From: mid, To: mid})
		require.Equal(t, report.Figures{}, empty.Total)
		require.Empty(t, empty.Zones)
		require.Empty(t, empty.Channels)
		require.Equal(t, report.Figures{}, salesReport(report.Filter{PerformanceID: "missing"}).Total)
	})
}

func codeNames(cs []voucher.Code) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Code
	}
	return out
}
