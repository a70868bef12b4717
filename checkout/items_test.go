package checkout_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/checkout"
	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/internal/testkit"
	"github.com/seatmap/seatmap/lease/memory"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/outbox"
	"github.com/seatmap/seatmap/pass"
	"github.com/seatmap/seatmap/payment/testpay"
	"github.com/seatmap/seatmap/seating"
	"github.com/seatmap/seatmap/store/backend"
	"github.com/seatmap/seatmap/voucher"
)

// itemsEnv sells products, with the test provider (pay) or no payment step.
type itemsEnv struct {
	*payEnv
	products *pass.Service
}

func newItemsEnv(t *testing.T, open func(t *testing.T, now func() time.Time) backend.Store, pay bool) itemsEnv {
	t.Helper()
	if pay {
		e := newPayEnv(t, open)
		return itemsEnv{payEnv: e, products: pass.NewService(e.st)}
	}
	ctx := context.Background()
	clock := testkit.NewClock(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	st := open(t, clock.Now)
	t.Cleanup(st.Close)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := seating.New(seating.Config{Store: st, Leases: memory.New(memory.Options{Now: clock.Now}), Logger: log, Now: clock.Now})
	products := pass.NewService(st)
	co := checkout.New(checkout.Config{Store: st, Seats: svc, Vouchers: voucher.NewService(st), Products: products, Logger: log,
		Now: clock.Now, PublicURL: "https://tickets.example.com"})
	data, err := json.Marshal(hall.Theatre())
	require.NoError(t, err)
	h, _, err := svc.CreateHall(ctx, data)
	require.NoError(t, err)
	p, err := svc.CreatePerformance(ctx, seating.NewPerformance{HallID: h.ID, Name: "Carmen",
		StartsAt: time.Date(2026, 12, 12, 19, 30, 0, 0, time.UTC), OnSale: true})
	require.NoError(t, err)
	return itemsEnv{payEnv: &payEnv{st: st, svc: svc, co: co, clock: clock, perf: p.ID}, products: products}
}

func (e itemsEnv) product(t *testing.T, p pass.Product) pass.Product {
	t.Helper()
	if p.Currency == "" {
		p.Currency = "EUR"
	}
	if p.Channels == nil {
		p.Channels = []string{"web", "box_office"}
	}
	p.OnSale = p.Kind != pass.KindStaff
	got, err := e.products.Create(context.Background(), p, "org")
	require.NoError(t, err)
	return got
}

func (e itemsEnv) annual(t *testing.T) pass.Product {
	t.Helper()
	return e.product(t, pass.Product{Kind: pass.KindAnnual, Name: "Jahreskarte 2027", Price: 8900,
		Validity: pass.Validity{From: pass.Date{Year: 2027, Month: 1, Day: 1}, To: pass.Date{Year: 2027, Month: 12, Day: 31}}})
}

func buyer(session string) seating.Actor { return seating.Actor{Session: session} }

func (e itemsEnv) buyItems(t *testing.T, session string, items ...checkout.Item) (order.Order, error) {
	t.Helper()
	o, _, err := e.co.Confirm(context.Background(), checkout.ConfirmInput{Actor: buyer(session), BuyerName: "Ada",
		BuyerEmail: session + "@example.com", Items: items})
	return o, err
}

func (e itemsEnv) everything(t *testing.T) ([]order.Order, []pass.Pass) {
	t.Helper()
	os, err := e.st.ListOrders(context.Background(), order.Filter{Limit: 1000})
	require.NoError(t, err)
	ps, err := e.st.ListPasses(context.Background(), pass.PassFilter{Limit: 1000})
	require.NoError(t, err)
	return os, ps
}

// The acceptance: 3 annual passes at 89.00 on the web are one order
// of 267.00 with three passes awaiting personalization and one link.
func TestSellAnnualPasses(t *testing.T) {
	t.Parallel()
	for name, open := range stores {
		for _, mode := range []string{"none", "test"} {
			t.Run(name+"/"+mode, func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				e := newItemsEnv(t, open, mode == "test")
				annual := e.annual(t)
				o, err := e.buyItems(t, "s1", checkout.Item{ProductID: annual.ID, Quantity: 3})
				require.NoError(t, err)
				require.Empty(t, o.PerformanceID)
				require.Equal(t, int64(26700), o.Total)
				require.Len(t, o.Passes, 3)
				token := order.PersonalizeToken(o)
				require.NotEmpty(t, token)
				for _, p := range o.Passes {
					require.Equal(t, pass.StateAwaitingPersonalization, p.State)
					require.Equal(t, token, p.PersonalizeToken)
					require.Equal(t, int64(8900), p.Price)
					require.Equal(t, "2027-01-01", p.ValidFrom.String())
				}
				history, err := e.st.OrderHistory(ctx, o.ID)
				require.NoError(t, err)
				require.Len(t, history, 1)
				require.Contains(t, history[0].Detail, "3 pass(es), 267.00")

				if mode == "test" {
					require.Equal(t, order.PendingPayment, o.Status)
					require.False(t, order.CodesShown(o), "no codes before payment")
					require.Len(t, o.Payments, 1)
					require.Equal(t, int64(26700), o.Payments[0].Amount)
					ms, err := e.st.OrderMessages(ctx, o.ID)
					require.NoError(t, err)
					require.Empty(t, ms, "no confirmation before payment")
					res, err := e.answer(t, o, testpay.Approve)
					require.NoError(t, err)
					require.Equal(t, order.OutcomePaid, res.Outcome)
				}
				got, err := e.st.GetOrder(ctx, o.ID)
				require.NoError(t, err)
				require.Equal(t, order.Paid, got.Status)
				require.True(t, order.CodesShown(got))
				for _, p := range got.Passes {
					require.Equal(t, pass.StateAwaitingPersonalization, p.State)
				}
				// One confirmation, listing the three codes and the one link.
				ms, err := e.st.OrderMessages(ctx, o.ID)
				require.NoError(t, err)
				require.Len(t, ms, 1)
				require.Equal(t, outbox.KindConfirmation, ms[0].Kind)
				m, err := e.co.RenderMessage(ctx, ms[0])
				require.NoError(t, err)
				for _, p := range got.Passes {
					require.Contains(t, m.Body, order.FormatTicketCode(p.Code))
				}
				require.Equal(t, 3, strings.Count(m.Body, "Jahreskarte 2027"))
				require.Contains(t, m.Body, "267.00")
				if mode == "none" {
					require.Equal(t, 1, strings.Count(m.Body, "/#/personalize/"+token))
				}
			})
		}
	}
}

func TestDeclinedPaymentVoidsPasses(t *testing.T) {
	t.Parallel()
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newItemsEnv(t, open, true)
			annual := e.annual(t)
			o, err := e.buyItems(t, "s1", checkout.Item{ProductID: annual.ID, Quantity: 2})
			require.NoError(t, err)
			res, err := e.answer(t, o, testpay.Decline)
			require.NoError(t, err)
			require.Equal(t, order.OutcomeFailed, res.Outcome)
			got, err := e.st.GetOrder(context.Background(), o.ID)
			require.NoError(t, err)
			require.Equal(t, order.PaymentFailed, got.Status)
			require.False(t, order.CodesShown(got))
			for _, p := range got.Passes {
				require.Equal(t, pass.StateVoid, p.State)
			}
		})
	}
}

// A block card of 10 at 80.00: receipt lines 80.00 + 9 × 0.00; refunding
// one card is refused, the whole block refunds.
func TestBlockCard(t *testing.T) {
	t.Parallel()
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newItemsEnv(t, open, false)
			block := e.product(t, pass.Product{Kind: pass.KindBlock, Name: "10er-Block", Price: 8000, Rules: pass.Rules{Cards: 10}})
			o, err := e.buyItems(t, "s1", checkout.Item{ProductID: block.ID, Quantity: 1})
			require.NoError(t, err)
			require.Equal(t, int64(8000), o.Total)
			require.Len(t, o.Passes, 10)
			prices := make([]int64, len(o.Passes))
			for i, p := range o.Passes {
				prices[i] = p.Price
				require.Equal(t, pass.StateHandedOver, p.State, "a block card needs no personalization")
			}
			require.Equal(t, []int64{8000, 0, 0, 0, 0, 0, 0, 0, 0, 0}, prices)
			require.Empty(t, order.PersonalizeToken(o))

			staff := seating.Actor{StaffID: "u1", Login: "desk", Role: "seller"}
			_, _, _, err = e.co.Refund(ctx, checkout.RefundInput{OrderID: o.ID, Passes: []string{o.Passes[4].ID}, Reason: "one card",
				IdempotencyKey: "one", Actor: staff})
			require.ErrorIs(t, err, order.ErrBlockSplit)
			got, err := e.st.GetOrder(ctx, o.ID)
			require.NoError(t, err)
			require.Equal(t, order.Paid, got.Status)
			require.Zero(t, got.Refunded)

			ids := make([]string, len(o.Passes))
			for i, p := range o.Passes {
				ids[i] = p.ID
			}
			got, rf, _, err := e.co.Refund(ctx, checkout.RefundInput{OrderID: o.ID, Passes: ids, Reason: "whole block",
				IdempotencyKey: "all", Actor: staff})
			require.NoError(t, err)
			require.Equal(t, int64(8000), rf.Amount)
			require.Equal(t, order.Refunded, got.Status)
			for _, p := range got.Passes {
				require.Equal(t, pass.StateVoid, p.State)
			}
		})
	}
}

func TestBadItems(t *testing.T) {
	t.Parallel()
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newItemsEnv(t, open, false)
			annual := e.annual(t)
			counterOnly := e.product(t, pass.Product{Kind: pass.KindDay, Name: "Counter day", Price: 1500, Channels: []string{"box_office"}})
			staffCard := e.product(t, pass.Product{Kind: pass.KindStaff, Name: "Staff", Channels: []string{}})
			many := make([]checkout.Item, pass.MaxItems+1)
			for i := range many {
				many[i] = checkout.Item{ProductID: annual.ID, Quantity: 1}
			}
			for _, c := range []struct {
				name  string
				items []checkout.Item
				field string
			}{
				{"unknown product", []checkout.Item{{ProductID: "pr-none", Quantity: 1}}, "items[0].product_id"},
				{"quantity 0", []checkout.Item{{ProductID: annual.ID, Quantity: 0}}, "items[0].quantity"},
				{"quantity 10000", []checkout.Item{{ProductID: annual.ID, Quantity: 10000}}, "items[0].quantity"},
				{"not on the web", []checkout.Item{{ProductID: annual.ID, Quantity: 1}, {ProductID: counterOnly.ID, Quantity: 1}}, "items[1].product_id"},
				{"staff card", []checkout.Item{{ProductID: staffCard.ID, Quantity: 1}}, "items[0].product_id"},
				{"too many items", many, "items"},
			} {
				_, err := e.buyItems(t, "s1", c.items...)
				var ie *input.Error
				require.ErrorAs(t, err, &ie, c.name)
				require.Equal(t, c.field, ie.Field, c.name)
			}
			os, ps := e.everything(t)
			require.Empty(t, os)
			require.Empty(t, ps)

			// At the box office the counter's product sells, paid at once.
			desk := seating.Actor{StaffID: "u1", Login: "desk", Role: "seller", Session: "desk"}
			o, _, err := e.co.Confirm(ctx, checkout.ConfirmInput{Actor: desk, PaymentMethod: checkout.PayCard,
				Items: []checkout.Item{{ProductID: counterOnly.ID, Quantity: 2}}})
			require.NoError(t, err)
			require.Equal(t, order.Paid, o.Status)
			require.Equal(t, "box_office", o.Channel)
			require.Equal(t, checkout.PayCard, o.PaymentMethod)
			require.Len(t, o.Passes, 2)
		})
	}
}

func TestSeatsAndPassesInOneOrder(t *testing.T) {
	t.Parallel()
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newItemsEnv(t, open, true)
			annual := e.annual(t)
			tok, err := e.hold(t, buyer("s1"), "S-R1-S1", "S-R1-S2")
			require.NoError(t, err)
			o, _, err := e.co.Confirm(ctx, checkout.ConfirmInput{Token: tok, Actor: buyer("s1"), BuyerName: "Ada", BuyerEmail: "ada@example.com",
				Items: []checkout.Item{{ProductID: annual.ID, Quantity: 1}}})
			require.NoError(t, err)
			var seats int64
			for _, tk := range o.Tickets {
				seats += tk.Price
			}
			require.Len(t, o.Tickets, 2)
			require.Len(t, o.Passes, 1)
			require.Equal(t, seats+8900, o.Total)
			require.Equal(t, o.Total, o.Payments[0].Amount, "one payment for seats and passes")
			_, err = e.answer(t, o, testpay.Approve)
			require.NoError(t, err)
			got, err := e.st.GetOrder(ctx, o.ID)
			require.NoError(t, err)
			require.Equal(t, order.Paid, got.Status)
			history, err := e.st.OrderHistory(ctx, o.ID)
			require.NoError(t, err)
			require.Equal(t, order.ActionCreated, history[0].Action)
			require.Contains(t, history[0].Detail, "2 seat(s), 1 pass(es)")

			// A bad item with a hold writes nothing and leaves the hold to its buyer.
			tok2, err := e.hold(t, buyer("s2"), "S-R1-S3")
			require.NoError(t, err)
			_, _, err = e.co.Confirm(ctx, checkout.ConfirmInput{Token: tok2, Actor: buyer("s2"), BuyerName: "Bo", BuyerEmail: "bo@example.com",
				Items: []checkout.Item{{ProductID: "pr-none", Quantity: 1}}})
			var ie *input.Error
			require.ErrorAs(t, err, &ie)
			os, _ := e.everything(t)
			require.Len(t, os, 1)
			_, _, err = e.co.Confirm(ctx, checkout.ConfirmInput{Token: tok2, Actor: buyer("s2"), BuyerName: "Bo", BuyerEmail: "bo@example.com"})
			require.NoError(t, err, "the hold is still the buyer's")
		})
	}
}

// A promotion without offerings takes its percentage off product lines too;
// one naming a product takes it off that product's lines only.
func TestCodesOnPasses(t *testing.T) {
	t.Parallel()
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newItemsEnv(t, open, false)
			annual := e.annual(t)
			day := e.product(t, pass.Product{Kind: pass.KindDay, Name: "Tageskarte", Price: 1500})
			vouchers := voucher.NewService(e.st)
			_, err := vouchers.CreatePromotion(ctx, voucher.NewPromotion{Code: "ALL10", Name: "10%", Value: voucher.Value{Percent: 10}}, "org")
			require.NoError(t, err)
			_, err = vouchers.CreatePromotion(ctx, voucher.NewPromotion{Code: "DAY50", Name: "half a day", Value: voucher.Value{Percent: 50},
				Restrictions: voucher.Restrictions{Offerings: []string{day.ID}}}, "org")
			require.NoError(t, err)
			items := []checkout.Item{{ProductID: annual.ID, Quantity: 1}, {ProductID: day.ID, Quantity: 2}}

			o, _, err := e.co.Confirm(ctx, checkout.ConfirmInput{Actor: buyer("s1"), BuyerName: "Ada", BuyerEmail: "a@example.com",
				Items: items, VoucherCode: "ALL10"})
			require.NoError(t, err)
			require.Equal(t, int64(1190), o.Discount)
			require.Equal(t, int64(11900-1190), o.Total)

			o, _, err = e.co.Confirm(ctx, checkout.ConfirmInput{Actor: buyer("s2"), BuyerName: "Bo", BuyerEmail: "b@example.com",
				Items: items, VoucherCode: "DAY50"})
			require.NoError(t, err)
			require.Equal(t, int64(1500), o.Discount, "half of the two day tickets, nothing off the annual pass")

			_, _, err = e.co.Confirm(ctx, checkout.ConfirmInput{Actor: buyer("s3"), BuyerName: "Cy", BuyerEmail: "c@example.com",
				Items: items[:1], VoucherCode: "DAY50"})
			var inv *voucher.InvalidError
			require.ErrorAs(t, err, &inv)
			require.Equal(t, voucher.ReasonWrongOffering, inv.Reason)
		})
	}
}

// An order of passes alone whose payment window passes unpaid ends as
// payment_failed with its passes void (no engine hold lapses for it); a
// payment that still arrives sells it again: paid, passes back in the state
// they were issued in.
func TestPassOrderLapsesAndSellsAgain(t *testing.T) {
	t.Parallel()
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newItemsEnv(t, open, true)
			annual := e.annual(t)
			o, err := e.buyItems(t, "s1", checkout.Item{ProductID: annual.ID, Quantity: 2})
			require.NoError(t, err)
			require.Equal(t, order.PendingPayment, o.Status)

			e.clock.Add(11 * time.Minute) // past the 10-minute window, and the reminders' minute
			require.Eventually(t, func() bool { return e.status(t, o.ID) == order.PaymentFailed }, 5*time.Second, 5*time.Millisecond)
			got, err := e.st.GetOrder(ctx, o.ID)
			require.NoError(t, err)
			for _, p := range got.Passes {
				require.Equal(t, pass.StateVoid, p.State)
			}

			res, err := e.answer(t, o, testpay.Approve)
			require.NoError(t, err)
			require.Equal(t, order.OutcomePaid, res.Outcome)
			got, err = e.st.GetOrder(ctx, o.ID)
			require.NoError(t, err)
			require.Equal(t, order.Paid, got.Status)
			for _, p := range got.Passes {
				require.Equal(t, pass.StateAwaitingPersonalization, p.State)
			}
		})
	}
}
