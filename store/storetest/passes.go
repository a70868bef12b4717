package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/pass"
	"github.com/seatmap/seatmap/report"
	"github.com/seatmap/seatmap/store"
	"github.com/seatmap/seatmap/store/backend"
)

// passOrder is a paid order of products alone (no performance), its passes
// sold as pass.Sell sells them, not yet stored.
func (f *fixture) passOrder(session string, lines ...passLine) order.Order {
	o := order.Order{ID: f.id("o"), Number: f.id("N-"), Status: order.Paid, BuyerName: "Ada", BuyerEmail: "ada@example.com",
		Session: session, Currency: "EUR", PaymentMethod: "online"}
	at := time.Date(2027, 3, 10, 12, 0, 0, 0, time.UTC)
	for i, l := range lines {
		ps := pass.Sell(l.product, i, l.quantity, at, time.UTC, pass.Facility{})
		for _, p := range ps {
			o.Total += p.Price
		}
		o.Passes = append(o.Passes, ps...)
	}
	return o
}

type passLine struct {
	product  pass.Product
	quantity int
}

func passIDs(ps []pass.Pass) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

func runPasses(t *testing.T, f *fixture, open func(t *testing.T) backend.Store) {
	ctx := context.Background()
	stored := func(t *testing.T, s backend.Store, kind string, edit ...func(*pass.Product)) pass.Product {
		t.Helper()
		p, err := s.CreateProduct(ctx, f.product(t, kind, edit...))
		require.NoError(t, err)
		return p
	}

	t.Run("PassesWrittenWithTheirOrder", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		annual := stored(t, s, pass.KindAnnual, func(p *pass.Product) { p.Price = 8900 })
		month := stored(t, s, pass.KindMonth)
		o, err := s.CreateOrder(ctx, f.notifying(f.passOrder("s", passLine{annual, 3}, passLine{month, 1})))
		require.NoError(t, err)
		require.Empty(t, o.PerformanceID)
		require.Equal(t, int64(3*8900+1500), o.Total)

		got, err := s.GetOrder(ctx, o.ID)
		require.NoError(t, err)
		require.Empty(t, got.PerformanceID)
		require.Len(t, got.Passes, 4)
		token := order.PersonalizeToken(got)
		require.NotEmpty(t, token)
		codes := map[string]bool{}
		for i, p := range got.Passes {
			require.Equal(t, o.Passes[i].ID, p.ID, "passes come back by line and unit")
			require.Equal(t, o.ID, p.OrderID)
			require.Len(t, p.Code, order.TicketCodeLen)
			require.False(t, codes[p.Code], "codes are unique")
			codes[p.Code] = true
			requireUTC(t, p.CreatedAt, p.UpdatedAt)
			require.True(t, p.PrintedAt.IsZero())
		}
		for _, p := range got.Passes[:3] {
			require.Equal(t, annual.ID, p.ProductID)
			require.Equal(t, annual.Name, p.ProductName)
			require.Equal(t, pass.StateAwaitingPersonalization, p.State)
			require.True(t, p.Personalize)
			require.Equal(t, token, p.PersonalizeToken, "one token per order")
			require.Equal(t, int64(8900), p.Price)
			require.Equal(t, "2027-01-01", p.ValidFrom.String())
			require.Equal(t, "2027-12-31", p.ValidTo.String())
			require.Equal(t, 0, p.Line)
		}
		m := got.Passes[3]
		require.Equal(t, pass.StateHandedOver, m.State)
		require.False(t, m.Personalize)
		require.Empty(t, m.PersonalizeToken)
		require.Equal(t, "2027-03-01", m.ValidFrom.String(), "a month pass is valid for the month of its sale")
		require.Equal(t, "2027-03-31", m.ValidTo.String())

		one, err := s.GetPass(ctx, m.ID)
		require.NoError(t, err)
		require.Equal(t, m, one)
		of, err := s.PassesOfOrder(ctx, o.ID)
		require.NoError(t, err)
		require.Equal(t, got.Passes, of)
		byToken, err := s.PassesByToken(ctx, token)
		require.NoError(t, err)
		require.Equal(t, passIDs(got.Passes[:3]), passIDs(byToken))
		none, err := s.PassesByToken(ctx, "")
		require.NoError(t, err)
		require.Empty(t, none)
		_, err = s.GetPass(ctx, "ps-none")
		require.ErrorIs(t, err, store.ErrNotFound)
	})

	t.Run("ListPasses", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		annual := stored(t, s, pass.KindAnnual)
		day := stored(t, s, pass.KindDay)
		o1, err := s.CreateOrder(ctx, f.passOrder("s", passLine{annual, 2}))
		require.NoError(t, err)
		o2, err := s.CreateOrder(ctx, f.passOrder("s", passLine{day, 3}))
		require.NoError(t, err)

		byState, err := s.ListPasses(ctx, pass.PassFilter{State: pass.StateAwaitingPersonalization, ProductID: annual.ID})
		require.NoError(t, err)
		require.ElementsMatch(t, passIDs(o1.Passes), passIDs(byState))
		byOrder, err := s.ListPasses(ctx, pass.PassFilter{OrderID: o2.ID})
		require.NoError(t, err)
		require.ElementsMatch(t, passIDs(o2.Passes), passIDs(byOrder))
		byProduct, err := s.ListPasses(ctx, pass.PassFilter{ProductID: day.ID, State: pass.StateAwaitingPersonalization})
		require.NoError(t, err)
		require.Empty(t, byProduct)

		// Pages of two walk the product's passes newest first, each once.
		var seen []string
		f := pass.PassFilter{ProductID: day.ID, Limit: 2}
		for {
			page, err := s.ListPasses(ctx, f)
			require.NoError(t, err)
			for i := 1; i < len(page); i++ {
				prev, cur := page[i-1], page[i]
				require.True(t, prev.CreatedAt.After(cur.CreatedAt) || (prev.CreatedAt.Equal(cur.CreatedAt) && prev.ID > cur.ID))
			}
			seen = append(seen, passIDs(page)...)
			if len(page) < 2 {
				break
			}
			f.Before, f.BeforeID = page[len(page)-1].CreatedAt, page[len(page)-1].ID
		}
		require.ElementsMatch(t, passIDs(o2.Passes), seen)
	})

	t.Run("SeatsAndPassesInOneOrder", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := f.perf(t, s, f.hall(t, s), day)
		dayTicket := stored(t, s, pass.KindDay)
		o := f.order(p, "s", "", 1, 2)
		withPasses := f.passOrder("s", passLine{dayTicket, 2})
		o.Passes, o.Total = withPasses.Passes, o.Total+withPasses.Total
		stored, err := s.CreateOrder(ctx, o)
		require.NoError(t, err)
		got, err := s.GetOrder(ctx, stored.ID)
		require.NoError(t, err)
		require.Equal(t, p.ID, got.PerformanceID)
		require.Len(t, got.Tickets, 2)
		require.Len(t, got.Passes, 2)
		require.Equal(t, []uint32{1, 2}, soldSeats(t, s, p.ID))
	})

	t.Run("AFailedOrderWritesNoPasses", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		annual := stored(t, s, pass.KindAnnual)
		// A code that is not there refuses the order: no order, no passes.
		o := withCode(f.passOrder("s", passLine{annual, 2}), "NOSUCHCODE", 100)
		order.Issue(&o)
		_, err := s.CreateOrder(ctx, o)
		requireCodeError(t, err, "NOSUCHCODE", "")
		_, err = s.GetOrder(ctx, o.ID)
		require.ErrorIs(t, err, store.ErrNotFound)
		for _, p := range o.Passes {
			_, err := s.GetPass(ctx, p.ID)
			require.ErrorIs(t, err, store.ErrNotFound)
		}
		left, err := s.ListPasses(ctx, pass.PassFilter{ProductID: annual.ID})
		require.NoError(t, err)
		require.Empty(t, left)

		// A reused idempotency key refuses the second order whole.
		first, err := s.CreateOrder(ctx, func() order.Order { o := f.passOrder("s", passLine{annual, 1}); o.IdempotencyKey = "k"; return o }())
		require.NoError(t, err)
		again := f.passOrder("s", passLine{annual, 2})
		again.IdempotencyKey = "k"
		_, err = s.CreateOrder(ctx, again)
		require.ErrorIs(t, err, order.ErrIdempotencyKey)
		left, err = s.ListPasses(ctx, pass.PassFilter{ProductID: annual.ID})
		require.NoError(t, err)
		require.Equal(t, passIDs(first.Passes), passIDs(left))

		// A product that is not stored refuses it too.
		ghost := f.product(t, pass.KindDay)
		_, err = s.CreateOrder(ctx, f.passOrder("s", passLine{annual, 1}, passLine{ghost, 1}))
		require.Error(t, err)
		left, err = s.ListPasses(ctx, pass.PassFilter{ProductID: annual.ID})
		require.NoError(t, err)
		require.Len(t, left, 1)
	})

	t.Run("RefundPasses", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		block := stored(t, s, pass.KindBlock, func(p *pass.Product) { p.Price, p.Rules.Cards = 8000, 10 })
		annual := stored(t, s, pass.KindAnnual, func(p *pass.Product) { p.Price = 8900 })
		o, err := s.CreateOrder(ctx, f.passOrder("s", passLine{block, 1}, passLine{annual, 2}))
		require.NoError(t, err)
		require.Equal(t, int64(8000+2*8900), o.Total)
		cards := o.Passes[:10]
		require.Equal(t, int64(8000), cards[0].Price)
		for _, c := range cards[1:] {
			require.Zero(t, c.Price)
		}

		// One card of a block: refused, nothing written.
		_, _, _, err = s.RefundOrder(ctx, order.RefundRequest{ID: f.id("rf"), OrderID: o.ID, Passes: []string{cards[3].ID}, IdempotencyKey: "one"})
		require.ErrorIs(t, err, order.ErrBlockSplit)
		rfs, err := s.Refunds(ctx, o.ID)
		require.NoError(t, err)
		require.Empty(t, rfs)

		// An annual pass: its price back, the pass void.
		got, rf, _, err := s.RefundOrder(ctx, order.RefundRequest{ID: f.id("rf"), OrderID: o.ID, Passes: []string{o.Passes[10].ID},
			Reason: "changed mind", Method: "online", IdempotencyKey: "annual"})
		require.NoError(t, err)
		require.Equal(t, int64(8900), rf.Amount)
		require.Equal(t, []string{o.Passes[10].ID}, rf.Passes)
		require.Equal(t, order.PartRefunded, got.Status)
		p, err := s.GetPass(ctx, o.Passes[10].ID)
		require.NoError(t, err)
		require.Equal(t, pass.StateVoid, p.State)

		// The whole block: its price back, every card void.
		got, rf, _, err = s.RefundOrder(ctx, order.RefundRequest{ID: f.id("rf"), OrderID: o.ID, Passes: passIDs(cards),
			Reason: "closed", Method: "online", IdempotencyKey: "block"})
		require.NoError(t, err)
		require.Equal(t, int64(8000), rf.Amount)
		for _, c := range got.Passes[:10] {
			require.Equal(t, pass.StateVoid, c.State)
		}
		// A void pass is refunded once.
		_, _, _, err = s.RefundOrder(ctx, order.RefundRequest{ID: f.id("rf"), OrderID: o.ID, Passes: []string{o.Passes[10].ID}, IdempotencyKey: "again"})
		require.ErrorIs(t, err, order.ErrNotRefundable)
		rfs, err = s.Refunds(ctx, o.ID)
		require.NoError(t, err)
		require.Len(t, rfs, 2)
		require.Equal(t, []string{o.Passes[10].ID}, rfs[0].Passes)
		require.Len(t, rfs[1].Passes, 10)

		// The sales report counts the passes: gross, refunded, by product.
		r, err := s.SalesReport(ctx, report.Filter{})
		require.NoError(t, err)
		require.Equal(t, report.Figures{PaidOrders: 1, Passes: 1, RefundedPasses: 11, Refunds: 2,
			Gross: 8000 + 2*8900, Refunded: 8000 + 8900, Net: 8900}, r.Total)
		byProduct := map[string]report.Figures{}
		for _, l := range r.Products {
			byProduct[l.Key] = l.Figures
		}
		require.Equal(t, report.Figures{RefundedPasses: 10, Gross: 8000, Refunded: 8000}, byProduct[block.Name])
		require.Equal(t, report.Figures{Passes: 1, RefundedPasses: 1, Gross: 2 * 8900, Refunded: 8900, Net: 8900}, byProduct[annual.Name])
		require.Equal(t, r.Total, r.Channels[0].Figures)
	})

	t.Run("AnOrderEndedUnpaidVoidsItsPasses", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		annual := stored(t, s, pass.KindAnnual)
		o := f.passOrder("s", passLine{annual, 2})
		f.pendingPayment(t, s, o)
		ended, err := s.EndReservation(ctx, o.ID, order.PaymentFailed, order.Change{Actor: "system"})
		require.NoError(t, err)
		require.Len(t, ended.Passes, 2)
		for _, p := range ended.Passes {
			require.Equal(t, pass.StateVoid, p.State)
		}
	})

	t.Run("PersonalizePass", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		annual := stored(t, s, pass.KindAnnual)
		day := stored(t, s, pass.KindDay)
		o, err := s.CreateOrder(ctx, f.passOrder("s", passLine{annual, 2}, passLine{day, 1}))
		require.NoError(t, err)
		other, err := s.CreateOrder(ctx, f.passOrder("s", passLine{annual, 1}))
		require.NoError(t, err)
		token, otherToken := order.PersonalizeToken(o), order.PersonalizeToken(other)
		first, second, dayPass := o.Passes[0], o.Passes[1], o.Passes[2]
		ada := pass.Holder{Name: "Ada Lovelace", BirthDate: pass.Date{Year: 1990, Month: 12, Day: 10}}

		got, err := s.PersonalizePass(ctx, token, first.ID, ada)
		require.NoError(t, err)
		require.Equal(t, pass.StatePersonalized, got.State)
		require.Equal(t, ada, got.Holder)
		requireUTC(t, got.UpdatedAt)
		read, err := s.GetPass(ctx, first.ID)
		require.NoError(t, err)
		require.Equal(t, got, read, "what the write returns is what is stored")

		// Renamed while personalized.
		grace := pass.Holder{Name: "Grace Hopper", BirthDate: pass.Date{Year: 1906, Month: 12, Day: 9}}
		got, err = s.PersonalizePass(ctx, token, first.ID, grace)
		require.NoError(t, err)
		require.Equal(t, grace, got.Holder)

		// Another order's token, an unknown pass, an empty token, a pass
		// that needs no holder: not found, nothing written.
		for name, c := range map[string]struct{ token, id string }{
			"other token": {otherToken, second.ID}, "unknown pass": {token, "ps-none"}, "empty token": {"", second.ID},
			"needs no holder": {token, dayPass.ID},
		} {
			_, err = s.PersonalizePass(ctx, c.token, c.id, ada)
			require.ErrorIs(t, err, store.ErrNotFound, name)
		}
		untouched, err := s.GetPass(ctx, second.ID)
		require.NoError(t, err)
		require.Equal(t, pass.StateAwaitingPersonalization, untouched.State)
		require.Empty(t, untouched.Holder.Name)
		require.True(t, untouched.Holder.BirthDate.IsZero())

		// Printing takes personalized passes only; a printed pass refuses
		// the holder and keeps its own.
		printed, err := s.MarkPassesPrinted(ctx, []string{first.ID, second.ID})
		require.NoError(t, err)
		require.Equal(t, []string{first.ID}, passIDs(printed))
		require.Equal(t, pass.StatePrinted, printed[0].State)
		require.False(t, printed[0].PrintedAt.IsZero())
		_, err = s.PersonalizePass(ctx, token, first.ID, ada)
		require.ErrorIs(t, err, store.ErrConflict)
		kept, err := s.GetPass(ctx, first.ID)
		require.NoError(t, err)
		require.Equal(t, printed[0], kept)
		require.Equal(t, grace, kept.Holder)

		// A void pass refuses it too.
		_, _, _, err = s.RefundOrder(ctx, order.RefundRequest{ID: f.id("rf"), OrderID: o.ID, Passes: []string{second.ID},
			Method: "online", IdempotencyKey: "second"})
		require.NoError(t, err)
		_, err = s.PersonalizePass(ctx, token, second.ID, ada)
		require.ErrorIs(t, err, store.ErrConflict)
		void, err := s.GetPass(ctx, second.ID)
		require.NoError(t, err)
		require.Empty(t, void.Holder.Name)
	})

	t.Run("PersonalizeRacesPrint", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		annual := stored(t, s, pass.KindAnnual)
		o, err := s.CreateOrder(ctx, f.passOrder("s", passLine{annual, 1}))
		require.NoError(t, err)
		token, id := order.PersonalizeToken(o), o.Passes[0].ID
		first := pass.Holder{Name: "First", BirthDate: pass.Date{Year: 1980, Month: 1, Day: 1}}
		_, err = s.PersonalizePass(ctx, token, id, first)
		require.NoError(t, err)
		// A rename and a print at once: whichever comes second sees the
		// other's state, and the printed pass keeps the name it was printed
		// with.
		var wg sync.WaitGroup
		var printed []pass.Pass
		var printErr, renameErr error
		wg.Go(func() { printed, printErr = s.MarkPassesPrinted(ctx, []string{id}) })
		wg.Go(func() {
			_, renameErr = s.PersonalizePass(ctx, token, id, pass.Holder{Name: "Second", BirthDate: first.BirthDate})
		})
		wg.Wait()
		require.NoError(t, printErr)
		require.Len(t, printed, 1)
		got, err := s.GetPass(ctx, id)
		require.NoError(t, err)
		require.Equal(t, pass.StatePrinted, got.State)
		require.Equal(t, printed[0].Holder, got.Holder, "the stored holder is the printed one")
		if renameErr != nil {
			require.ErrorIs(t, renameErr, store.ErrConflict)
			require.Equal(t, "First", got.Holder.Name)
		} else {
			require.Equal(t, "Second", got.Holder.Name)
		}
	})
}
