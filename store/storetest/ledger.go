package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/gate"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/pass"
	"github.com/seatmap/seatmap/store"
	"github.com/seatmap/seatmap/store/backend"
)

// ledgerSum adds up a pass's whole ledger and checks each entry's balance
// follows from the one before: the ledger is the balance's account.
func ledgerSum(t *testing.T, s backend.Store, id string) int64 {
	t.Helper()
	es, err := s.PassLedger(context.Background(), id, 0, 1000)
	require.NoError(t, err)
	var sum int64
	for i, e := range es {
		sum += e.Amount
		require.Equal(t, sum, e.BalanceAfter, "entry %d of pass %s", i, id)
		require.Equal(t, id, e.PassID)
		if i > 0 {
			require.Greater(t, e.ID, es[i-1].ID)
		}
	}
	return sum
}

func balanceOf(t *testing.T, s backend.Store, id string) int64 {
	t.Helper()
	b, cur, err := s.PassBalance(context.Background(), id)
	require.NoError(t, err)
	require.Equal(t, "EUR", cur)
	return b
}

func runLedger(t *testing.T, f *fixture, open func(t *testing.T) backend.Store) {
	ctx := context.Background()
	stored := func(t *testing.T, s backend.Store, kind string, edit ...func(*pass.Product)) pass.Product {
		t.Helper()
		p, err := s.CreateProduct(ctx, f.product(t, kind, edit...))
		require.NoError(t, err)
		return p
	}
	card := func(t *testing.T, s backend.Store, p pass.Product) pass.Pass {
		t.Helper()
		o, err := s.CreateOrder(ctx, f.passOrder("s", passLine{p, 1}))
		require.NoError(t, err)
		return o.Passes[0]
	}
	debit := func(id string, amount int64, key string) pass.Booking {
		return pass.Booking{PassID: id, Kind: pass.EntryDebit, Amount: -amount, Opening: 5000, By: "u1", Till: "till-1",
			IdempotencyKey: key}
	}

	t.Run("ValueCardPaysAndKeepsTheRest", func(t *testing.T) {
		// A value card loaded with 50.00 pays 30.00 and keeps 20.00.
		t.Parallel()
		s := open(t)
		value := stored(t, s, pass.KindValue, func(p *pass.Product) { p.Price = 5000 })
		c := card(t, s, value)
		_, _, err := s.PassBalance(ctx, c.ID)
		require.ErrorIs(t, err, store.ErrNotFound, "the account opens at first use")
		empty, err := s.PassLedger(ctx, c.ID, 0, 100)
		require.NoError(t, err)
		require.Empty(t, empty)

		e, replayed, err := s.BookPass(ctx, debit(c.ID, 3000, "pay-1"))
		require.NoError(t, err)
		require.False(t, replayed)
		require.Equal(t, int64(-3000), e.Amount)
		require.Equal(t, int64(2000), e.BalanceAfter)
		require.Equal(t, pass.EntryDebit, e.Kind)
		require.Equal(t, "EUR", e.Currency)
		require.Equal(t, "u1", e.By)
		require.Equal(t, "till-1", e.Till)
		requireUTC(t, e.CreatedAt)
		require.Equal(t, int64(2000), balanceOf(t, s, c.ID))

		es, err := s.PassLedger(ctx, c.ID, 0, 100)
		require.NoError(t, err)
		require.Len(t, es, 2)
		require.Equal(t, pass.EntryTopUp, es[0].Kind, "the opening value is the first entry")
		require.Equal(t, int64(5000), es[0].Amount)
		require.Equal(t, c.OrderID, es[0].OrderID)
		require.Equal(t, e, es[1], "what the write returns is what is stored")
		require.Equal(t, int64(2000), ledgerSum(t, s, c.ID))

		// The same key again is the same booking, whatever it asks.
		again, replayed, err := s.BookPass(ctx, debit(c.ID, 3000, "pay-1"))
		require.NoError(t, err)
		require.True(t, replayed)
		require.Equal(t, e, again)
		require.Equal(t, int64(2000), balanceOf(t, s, c.ID))

		// Paged after an entry.
		rest, err := s.PassLedger(ctx, c.ID, es[0].ID, 100)
		require.NoError(t, err)
		require.Equal(t, es[1:], rest)
	})

	t.Run("TwoParallelDebitsOneWins", func(t *testing.T) {
		// Of two parallel debits of 15.00 on 20.00, exactly one succeeds.
		t.Parallel()
		s := open(t)
		value := stored(t, s, pass.KindValue, func(p *pass.Product) { p.Price = 5000 })
		for round := range 3 {
			c := card(t, s, value)
			_, _, err := s.BookPass(ctx, debit(c.ID, 3000, ""))
			require.NoError(t, err)
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i := range errs {
				wg.Go(func() {
					_, _, errs[i] = s.BookPass(ctx, debit(c.ID, 1500, fmt.Sprintf("r%d-%d", round, i)))
				})
			}
			wg.Wait()
			ok := 0
			for _, err := range errs {
				var be *pass.BalanceError
				switch {
				case err == nil:
					ok++
				case errors.As(err, &be):
					require.Equal(t, int64(500), be.Balance)
					require.Equal(t, int64(-1500), be.Amount)
				default:
					require.NoError(t, err)
				}
			}
			require.Equal(t, 1, ok, "round %d", round)
			require.Equal(t, int64(500), balanceOf(t, s, c.ID))
			require.Equal(t, int64(500), ledgerSum(t, s, c.ID))
		}
	})

	t.Run("ParallelDebitsWithTheSameKeyBookOnce", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		value := stored(t, s, pass.KindValue, func(p *pass.Product) { p.Price = 5000 })
		c := card(t, s, value)
		var wg sync.WaitGroup
		entries := make([]pass.Entry, 4)
		for i := range entries {
			wg.Go(func() {
				e, _, err := s.BookPass(ctx, debit(c.ID, 2000, "same"))
				if err != nil {
					t.Error(err)
				}
				entries[i] = e
			})
		}
		wg.Wait()
		for _, e := range entries {
			require.Equal(t, entries[0], e)
		}
		require.Equal(t, int64(3000), balanceOf(t, s, c.ID))
		require.Equal(t, int64(3000), ledgerSum(t, s, c.ID))
	})

	t.Run("CreditLimitAndBounds", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		customer := stored(t, s, pass.KindCustomer, func(p *pass.Product) { p.Rules.CreditLimit = 1000 })
		c := card(t, s, customer)
		book := pass.Booking{PassID: c.ID, Kind: pass.EntryDebit, Amount: -1000, CreditLimit: 1000}
		e, _, err := s.BookPass(ctx, book)
		require.NoError(t, err)
		require.Equal(t, int64(-1000), e.BalanceAfter, "down to minus the credit limit")
		book.Amount = -1
		_, _, err = s.BookPass(ctx, book)
		var be *pass.BalanceError
		require.ErrorAs(t, err, &be)
		require.Equal(t, int64(-1000), be.Balance)
		require.Equal(t, int64(1000), be.CreditLimit)

		up := pass.Booking{PassID: c.ID, Kind: pass.EntryTopUp, Amount: pass.MaxBalance + 1001, By: "u1"}
		_, _, err = s.BookPass(ctx, up)
		require.ErrorAs(t, err, &be, "a balance above the maximum is refused")
		// The limit lowered to 0 meanwhile: a top-up is still taken, a
		// debit is not.
		up.Amount = 100
		e, _, err = s.BookPass(ctx, up)
		require.NoError(t, err)
		require.Equal(t, int64(-900), e.BalanceAfter)
		_, _, err = s.BookPass(ctx, pass.Booking{PassID: c.ID, Kind: pass.EntryDebit, Amount: -1})
		require.ErrorAs(t, err, &be)
		up.Amount = 2400
		e, _, err = s.BookPass(ctx, up)
		require.NoError(t, err)
		require.Equal(t, int64(1500), e.BalanceAfter)
		require.Equal(t, int64(1500), balanceOf(t, s, c.ID))
		require.Equal(t, int64(1500), ledgerSum(t, s, c.ID))
	})

	t.Run("OnlyCardsInUseBook", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		value := stored(t, s, pass.KindValue, func(p *pass.Product) { p.Price = 5000 })
		day := stored(t, s, pass.KindDay)
		dayPass := card(t, s, day)
		_, _, err := s.BookPass(ctx, debit(dayPass.ID, 100, ""))
		require.ErrorIs(t, err, store.ErrConflict, "a day ticket carries no value")
		_, _, err = s.BookPass(ctx, debit("ps-none", 100, ""))
		require.ErrorIs(t, err, store.ErrNotFound)

		unpaid := f.passOrder("s", passLine{value, 1})
		f.pendingPayment(t, s, unpaid)
		_, _, err = s.BookPass(ctx, debit(unpaid.Passes[0].ID, 100, ""))
		require.ErrorIs(t, err, store.ErrConflict, "a card of an order not paid")
		_, _, err = s.PassBalance(ctx, unpaid.Passes[0].ID)
		require.ErrorIs(t, err, store.ErrNotFound, "nothing written")

		refunded := card(t, s, value)
		_, _, _, err = s.RefundOrder(ctx, order.RefundRequest{ID: f.id("rf"), OrderID: refunded.OrderID, Passes: []string{refunded.ID},
			Method: "online", IdempotencyKey: "k"})
		require.NoError(t, err)
		_, _, err = s.BookPass(ctx, debit(refunded.ID, 100, ""))
		require.ErrorIs(t, err, store.ErrConflict, "a void card")
	})

	t.Run("PassByCode", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		c := card(t, s, stored(t, s, pass.KindDiscount, func(p *pass.Product) { p.Rules.DiscountGroup = "members" }))
		got, err := s.PassByCode(ctx, c.Code)
		require.NoError(t, err)
		require.Equal(t, c.ID, got.ID)
		_, err = s.PassByCode(ctx, "NOSUCHCODE")
		require.ErrorIs(t, err, store.ErrNotFound)
	})

	t.Run("TwentyParallelExchangesOneWins", func(t *testing.T) {
		// 20 parallel exchanges of one pass voucher: exactly one pass; the
		// other 19 learn which pass the voucher became.
		t.Parallel()
		s := open(t)
		annual := stored(t, s, pass.KindAnnual)
		voucher := stored(t, s, pass.KindPassVoucher, func(p *pass.Product) { p.Rules.ExchangeFor = annual.ID })
		v := card(t, s, voucher)
		require.Equal(t, pass.StateHandedOver, v.State)
		ada := pass.Holder{Name: "Ada Lovelace", BirthDate: pass.Date{Year: 1990, Month: 12, Day: 10}}
		at := time.Date(2027, 3, 10, 12, 0, 0, 0, time.UTC)

		const n = 20
		var wg sync.WaitGroup
		got := make([]pass.Pass, n)
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				np := pass.Exchange(v, annual, ada, f.id("ps"), order.NewTicketCode(), at, time.UTC, pass.Facility{})
				got[i], errs[i] = s.ExchangePassVoucher(ctx, v.ID, np, "counter")
			})
		}
		wg.Wait()
		var won pass.Pass
		for i, err := range errs {
			if err == nil {
				require.Empty(t, won.ID, "two exchanges won")
				won = got[i]
			}
		}
		require.NotEmpty(t, won.ID, "no exchange won")
		for _, err := range errs {
			if err != nil {
				var re *pass.ReplacedError
				require.ErrorAs(t, err, &re)
				require.Equal(t, won.ID, re.By)
				require.Equal(t, v.ID, re.PassID)
			}
		}
		require.Equal(t, annual.ID, won.ProductID)
		require.Equal(t, pass.KindAnnual, won.Kind)
		require.Equal(t, pass.StateHandedOver, won.State)
		require.Equal(t, ada, won.Holder)
		// Both histories name who exchanged.
		for _, id := range []string{v.ID, won.ID} {
			h, err := s.PassHistory(ctx, id)
			require.NoError(t, err)
			require.Equal(t, "counter", h[len(h)-1].Actor, id)
		}
		require.Equal(t, v.OrderID, won.OrderID)
		require.Zero(t, won.Price, "the voucher was paid for")
		require.False(t, won.PrintedAt.IsZero())
		requireUTC(t, won.PrintedAt, won.CreatedAt)
		require.NotEqual(t, v.Code, won.Code)
		read, err := s.GetPass(ctx, won.ID)
		require.NoError(t, err)
		require.Equal(t, won, read)
		old, err := s.GetPass(ctx, v.ID)
		require.NoError(t, err)
		require.Equal(t, pass.StateReplaced, old.State)
		require.Equal(t, won.ID, old.ReplacedBy)
		ps, err := s.PassesOfOrder(ctx, v.OrderID)
		require.NoError(t, err)
		require.Len(t, ps, 2, "one pass more, not twenty")
	})

	t.Run("ExchangeRefusals", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		annual := stored(t, s, pass.KindAnnual)
		voucher := stored(t, s, pass.KindPassVoucher, func(p *pass.Product) { p.Rules.ExchangeFor = annual.ID })
		ada := pass.Holder{Name: "Ada", BirthDate: pass.Date{Year: 1990, Month: 1, Day: 1}}
		at := time.Date(2027, 3, 10, 12, 0, 0, 0, time.UTC)
		exchange := func(v pass.Pass) error {
			_, err := s.ExchangePassVoucher(ctx, v.ID, pass.Exchange(v, annual, ada, f.id("ps"), order.NewTicketCode(), at, time.UTC, pass.Facility{}), "counter")
			return err
		}
		unpaid := f.passOrder("s", passLine{voucher, 1})
		f.pendingPayment(t, s, unpaid)
		require.ErrorIs(t, exchange(unpaid.Passes[0]), store.ErrConflict, "a voucher of an order not paid")
		require.ErrorIs(t, exchange(card(t, s, annual)), store.ErrConflict, "no voucher")
		require.ErrorIs(t, exchange(pass.Pass{ID: "ps-none"}), store.ErrNotFound)
		ps, err := s.PassesOfOrder(ctx, unpaid.ID)
		require.NoError(t, err)
		require.Len(t, ps, 1, "nothing written")
		require.Equal(t, pass.StateHandedOver, ps[0].State)
	})

	t.Run("TransferMovesCardAndBalance", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		value := stored(t, s, pass.KindValue, func(p *pass.Product) {
			p.Price = 5000
			p.Rules.DiscountGroup, p.Rules.DiscountPercent = "members", 10
		})
		c := card(t, s, value)
		_, _, err := s.BookPass(ctx, debit(c.ID, 1200, ""))
		require.NoError(t, err)

		np, err := s.TransferPass(ctx, pass.Transfer{PassID: c.ID, NewID: f.id("ps"), NewCode: order.NewTicketCode(), Opening: 5000, By: "u1"})
		require.NoError(t, err)
		require.Equal(t, c.ProductID, np.ProductID, "a card stays its kind for life")
		require.Equal(t, c.Kind, np.Kind)
		require.Equal(t, c.OrderID, np.OrderID)
		require.Equal(t, c.ValidFrom, np.ValidFrom)
		require.Equal(t, c.ValidTo, np.ValidTo)
		require.Equal(t, pass.StateHandedOver, np.State)
		require.NotEqual(t, c.Code, np.Code)
		old, err := s.GetPass(ctx, c.ID)
		require.NoError(t, err)
		require.Equal(t, pass.StateReplaced, old.State)
		require.Equal(t, np.ID, old.ReplacedBy)

		require.Equal(t, int64(0), balanceOf(t, s, c.ID))
		require.Equal(t, int64(3800), balanceOf(t, s, np.ID))
		require.Equal(t, int64(0), ledgerSum(t, s, c.ID))
		require.Equal(t, int64(3800), ledgerSum(t, s, np.ID))
		es, err := s.PassLedger(ctx, np.ID, 0, 10)
		require.NoError(t, err)
		require.Len(t, es, 1)
		require.Equal(t, pass.EntryTransfer, es[0].Kind)

		// The old card neither books nor moves again.
		_, _, err = s.BookPass(ctx, debit(c.ID, 100, ""))
		require.ErrorIs(t, err, store.ErrConflict)
		_, err = s.TransferPass(ctx, pass.Transfer{PassID: c.ID, NewID: f.id("ps"), NewCode: order.NewTicketCode()})
		var re *pass.ReplacedError
		require.ErrorAs(t, err, &re)
		require.Equal(t, np.ID, re.By)
		// The new one pays.
		e, _, err := s.BookPass(ctx, debit(np.ID, 800, ""))
		require.NoError(t, err)
		require.Equal(t, int64(3000), e.BalanceAfter)
	})

	t.Run("TransferDiscountCard", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		discount := stored(t, s, pass.KindDiscount, func(p *pass.Product) {
			p.Rules.DiscountGroup, p.Rules.Personalized = "members", true
		})
		day := stored(t, s, pass.KindDay)
		o, err := s.CreateOrder(ctx, f.passOrder("s", passLine{discount, 1}))
		require.NoError(t, err)
		c := o.Passes[0]
		ada := pass.Holder{Name: "Ada Lovelace", BirthDate: pass.Date{Year: 1990, Month: 12, Day: 10}}
		_, err = s.PersonalizePass(ctx, order.PersonalizeToken(o), c.ID, ada)
		require.NoError(t, err)

		np, err := s.TransferPass(ctx, pass.Transfer{PassID: c.ID, NewID: f.id("ps"), NewCode: order.NewTicketCode(), By: "u1"})
		require.NoError(t, err)
		require.Equal(t, pass.StatePersonalized, np.State, "not yet produced: it keeps its state")
		require.Equal(t, ada, np.Holder)
		require.Equal(t, pass.KindDiscount, np.Kind)
		_, _, err = s.PassBalance(ctx, np.ID)
		require.ErrorIs(t, err, store.ErrNotFound, "a discount card carries no value")

		_, err = s.TransferPass(ctx, pass.Transfer{PassID: card(t, s, day).ID, NewID: f.id("ps"), NewCode: order.NewTicketCode()})
		require.ErrorIs(t, err, store.ErrConflict, "a day ticket does not move")
		_, err = s.TransferPass(ctx, pass.Transfer{PassID: "ps-none", NewID: f.id("ps"), NewCode: order.NewTicketCode()})
		require.ErrorIs(t, err, store.ErrNotFound)
	})

	// The gate's automatic debit: the card is found with the product it
	// books and its balance; a granted scan books the debit in the scan's
	// transaction, once; a balance spent at a till since the look-up turns
	// the grant into a denial, unless an offline scanner let the person in.
	t.Run("AutomaticDebitAtTheGate", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		day := stored(t, s, pass.KindDay)
		value := stored(t, s, pass.KindValue, func(p *pass.Product) { p.Price, p.Rules.AutoDebitProduct = 5000, day.ID })
		c := card(t, s, value)
		found, err := s.LookupCode(ctx, c.Code)
		require.NoError(t, err)
		require.NotNil(t, found.DebitProduct)
		require.Equal(t, day.ID, found.DebitProduct.ID)
		require.Equal(t, int64(5000), found.Balance, "the opening value before the account opens")

		g, err := s.CreateGate(ctx, gate.Gate{ID: f.id("gt"), Name: "Main", Zones: []string{}, Direction: gate.Both, CreatedAt: time.Now()})
		require.NoError(t, err)
		grant := func(u gate.Usage) (gate.Verdict, gate.Usage, string) {
			u.Total++
			return gate.Verdict{Verdict: gate.Granted, Kind: "pass", PassID: c.ID, Debit: day.Price}, u, ""
		}
		scan := func(nonce, device string) gate.Record {
			return gate.Record{ID: f.id("sc"), By: "u-gate", Device: device,
				Scan: gate.Scan{Code: c.Code, GateID: g.ID, Direction: gate.In, Nonce: nonce, At: time.Now()}}
		}
		rec, _, err := s.RecordScan(ctx, scan("n1", ""), grant)
		require.NoError(t, err)
		require.True(t, rec.Verdict.OK())
		require.Equal(t, int64(3500), balanceOf(t, s, c.ID))
		_, replayed, err := s.RecordScan(ctx, scan("n1", ""), grant)
		require.NoError(t, err)
		require.True(t, replayed)
		require.Equal(t, int64(3500), balanceOf(t, s, c.ID), "a repeated scan books nothing")
		es, err := s.PassLedger(ctx, c.ID, 0, 10)
		require.NoError(t, err)
		require.Len(t, es, 2)
		require.Equal(t, "u-gate", es[1].By)
		require.Equal(t, "scan:"+rec.ID, es[1].IdempotencyKey)

		// A till spends the rest meanwhile.
		_, _, err = s.BookPass(ctx, pass.Booking{PassID: c.ID, Kind: pass.EntryDebit, Amount: -3000})
		require.NoError(t, err)
		rec, _, err = s.RecordScan(ctx, scan("n2", ""), grant)
		require.NoError(t, err)
		require.False(t, rec.Verdict.OK())
		require.Equal(t, gate.ReasonInsufficientFunds, rec.Verdict.Reason)
		require.Equal(t, int64(500), balanceOf(t, s, c.ID))
		rec, _, err = s.RecordScan(ctx, scan("n3", gate.Granted), grant)
		require.NoError(t, err)
		require.True(t, rec.Verdict.OK(), "the offline scanner let the person in")
		require.Equal(t, int64(-1000), balanceOf(t, s, c.ID))
		require.Equal(t, int64(-1000), ledgerSum(t, s, c.ID))
	})
}
