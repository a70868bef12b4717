package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/pass"
	"github.com/seatmap/seatmap/store"
	"github.com/seatmap/seatmap/store/backend"
)

func requireStateError(t *testing.T, err error, state string) {
	t.Helper()
	var se *pass.StateError
	require.ErrorAs(t, err, &se)
	require.Equal(t, state, se.State)
}

func states(h []pass.Change) [][2]string {
	out := make([][2]string, len(h))
	for i, c := range h {
		out[i] = [2]string{c.From, c.To}
	}
	return out
}

// runProduction: pass history, moves and their races, replacement, photos
// and print batches (issue 14, seed 000).
func runProduction(t *testing.T, f *fixture, open func(t *testing.T) backend.Store) {
	ctx := context.Background()
	ada := pass.Holder{Name: "Ada Lovelace", BirthDate: pass.Date{Year: 1990, Month: 12, Day: 10}}
	// personalized stores an order of n annual passes, all personalized.
	personalized := func(t *testing.T, s backend.Store, n int) (order.Order, backend.Store) {
		t.Helper()
		annual, err := s.CreateProduct(ctx, f.product(t, pass.KindAnnual))
		require.NoError(t, err)
		o, err := s.CreateOrder(ctx, f.passOrder("s", passLine{annual, n}))
		require.NoError(t, err)
		for _, p := range o.Passes {
			_, err := s.PersonalizePass(ctx, order.PersonalizeToken(o), p.ID, ada)
			require.NoError(t, err)
		}
		return o, s
	}
	move := func(name string) pass.Move { return pass.Moves[name] }

	t.Run("PassHistoryAndMoves", func(t *testing.T) {
		t.Parallel()
		o, s := personalized(t, open(t), 2)
		id := o.Passes[0].ID
		b, err := s.CreatePrintBatch(ctx, pass.PrintBatch{ID: f.id("pb"), CreatedBy: "clerk"}, []string{id}, pass.MaxPrintBatch)
		require.NoError(t, err)
		require.Equal(t, []string{id}, b.Passes)

		// Wrong states: refused with the state named, nothing written.
		_, err = s.MovePass(ctx, id, move(pass.MoveHandOver), "clerk", "")
		requireStateError(t, err, pass.StatePrinted)
		_, err = s.MovePass(ctx, "ps-none", move(pass.MoveShip), "clerk", "")
		require.ErrorIs(t, err, store.ErrNotFound)

		p, err := s.MovePass(ctx, id, move(pass.MoveShip), "clerk", "sent by post")
		require.NoError(t, err)
		require.Equal(t, pass.StatePosted, p.State)
		// Block remembers posted; unblock returns to it.
		p, err = s.MovePass(ctx, id, move(pass.MoveBlock), "boss", "reported stolen")
		require.NoError(t, err)
		require.Equal(t, pass.StateBlocked, p.State)
		_, err = s.MovePass(ctx, id, move(pass.MoveBlock), "boss", "")
		requireStateError(t, err, pass.StateBlocked)
		p, err = s.MovePass(ctx, id, move(pass.MoveUnblock), "boss", "found")
		require.NoError(t, err)
		require.Equal(t, pass.StatePosted, p.State)
		p, err = s.MovePass(ctx, id, move(pass.MoveHandOver), "clerk", "")
		require.NoError(t, err)
		require.Equal(t, pass.StateHandedOver, p.State)

		h, err := s.PassHistory(ctx, id)
		require.NoError(t, err)
		require.Equal(t, [][2]string{
			{"", pass.StateAwaitingPersonalization}, {pass.StateAwaitingPersonalization, pass.StatePersonalized},
			{pass.StatePersonalized, pass.StatePrinted}, {pass.StatePrinted, pass.StatePosted}, {pass.StatePosted, pass.StateBlocked},
			{pass.StateBlocked, pass.StatePosted}, {pass.StatePosted, pass.StateHandedOver},
		}, states(h))
		require.Equal(t, []string{"system", "buyer", "clerk", "clerk", "boss", "boss", "clerk"},
			[]string{h[0].Actor, h[1].Actor, h[2].Actor, h[3].Actor, h[4].Actor, h[5].Actor, h[6].Actor})
		require.Equal(t, "sent by post", h[3].Note)
		require.Equal(t, "reported stolen", h[4].Note)
		require.Equal(t, "print batch "+b.ID, h[2].Note)
		for _, c := range h {
			requireUTC(t, c.At)
		}

		// A refund voids the other pass: recorded too, by the system, not
		// by the last staff member who moved a pass.
		other := o.Passes[1].ID
		_, _, _, err = s.RefundOrder(ctx, order.RefundRequest{ID: f.id("rf"), OrderID: o.ID, Passes: []string{other}, Method: "online", IdempotencyKey: "r"})
		require.NoError(t, err)
		h, err = s.PassHistory(ctx, other)
		require.NoError(t, err)
		last := h[len(h)-1]
		require.Equal(t, [2]string{pass.StatePersonalized, pass.StateVoid}, [2]string{last.From, last.To})
		require.Equal(t, "system", last.Actor)
		// Void is terminal.
		_, err = s.MovePass(ctx, other, move(pass.MoveBlock), "boss", "")
		requireStateError(t, err, pass.StateVoid)
	})

	t.Run("ParallelMovesOneWins", func(t *testing.T) {
		t.Parallel()
		o, s := personalized(t, open(t), 1)
		id := o.Passes[0].ID
		_, err := s.CreatePrintBatch(ctx, pass.PrintBatch{ID: f.id("pb"), CreatedBy: "clerk"}, nil, pass.MaxPrintBatch)
		require.NoError(t, err)
		for round, moves := range [][]string{{pass.MoveShip, pass.MoveShip, pass.MoveDeposit, pass.MoveShip}, {pass.MoveHandOver, pass.MoveHandOver, pass.MoveHandOver}} {
			var wg sync.WaitGroup
			errs := make([]error, len(moves))
			for i, m := range moves {
				wg.Go(func() { _, errs[i] = s.MovePass(ctx, id, move(m), "clerk", "") })
			}
			wg.Wait()
			won := 0
			for _, err := range errs {
				if err == nil {
					won++
					continue
				}
				var se *pass.StateError
				require.ErrorAs(t, err, &se, "round %d", round)
			}
			require.Equal(t, 1, won, "round %d: exactly one move wins", round)
		}
		h, err := s.PassHistory(ctx, id)
		require.NoError(t, err)
		require.Len(t, h, 5, "issued, personalized, printed, one of posted/deposited, handed over")
		require.Equal(t, pass.StateHandedOver, h[4].To)
	})

	t.Run("ReplacePass", func(t *testing.T) {
		t.Parallel()
		o, s := personalized(t, open(t), 1)
		old := o.Passes[0]
		require.NoError(t, s.PutPassPhoto(ctx, order.PersonalizeToken(o), pass.Photo{PassID: old.ID, ContentType: "image/jpeg", Data: []byte("jpeg"), PrintData: []byte("print"), Width: 3, Height: 4}))
		// Not printed yet: nothing to replace.
		_, _, err := s.ReplacePass(ctx, old.ID, f.id("ps"), order.NewTicketCode(), move(pass.MoveReplace), "clerk", "")
		requireStateError(t, err, pass.StatePersonalized)
		_, err = s.CreatePrintBatch(ctx, pass.PrintBatch{ID: f.id("pb"), CreatedBy: "clerk"}, []string{old.ID}, pass.MaxPrintBatch)
		require.NoError(t, err)
		_, err = s.MovePass(ctx, old.ID, move(pass.MoveBlock), "clerk", "lost")
		require.NoError(t, err)

		newID, code := f.id("ps"), order.NewTicketCode()
		gone, repl, err := s.ReplacePass(ctx, old.ID, newID, code, move(pass.MoveReplace), "clerk", "lost card")
		require.NoError(t, err)
		require.Equal(t, pass.StateReplaced, gone.State)
		require.Equal(t, newID, gone.ReplacedBy)
		require.Equal(t, newID, repl.ID)
		require.Equal(t, code, repl.Code)
		require.NotEqual(t, old.Code, repl.Code)
		require.Equal(t, pass.StatePersonalized, repl.State, "printed again")
		require.Equal(t, ada, repl.Holder)
		require.Equal(t, old.OrderID, repl.OrderID)
		require.Equal(t, old.ProductID, repl.ProductID)
		require.Equal(t, old.ValidFrom, repl.ValidFrom)
		require.Equal(t, old.ValidTo, repl.ValidTo)
		require.True(t, repl.PrintedAt.IsZero())
		read, err := s.GetPass(ctx, newID)
		require.NoError(t, err)
		require.Equal(t, repl, read)
		ph, err := s.PassPhoto(ctx, newID)
		require.NoError(t, err)
		require.Equal(t, []byte("jpeg"), ph.Data, "the photo goes with the holder")
		h, err := s.PassHistory(ctx, newID)
		require.NoError(t, err)
		require.Len(t, h, 1)
		require.Equal(t, pass.Change{At: h[0].At, Actor: "clerk", To: pass.StatePersonalized, Note: "replaces " + old.ID}, h[0])

		// Replaced is terminal; two replacements at once: one wins.
		_, _, err = s.ReplacePass(ctx, old.ID, f.id("ps"), order.NewTicketCode(), move(pass.MoveReplace), "clerk", "")
		requireStateError(t, err, pass.StateReplaced)
		_, err = s.MovePass(ctx, old.ID, move(pass.MoveUnblock), "clerk", "")
		requireStateError(t, err, pass.StateReplaced)
		_, err = s.CreatePrintBatch(ctx, pass.PrintBatch{ID: f.id("pb"), CreatedBy: "clerk"}, []string{newID}, pass.MaxPrintBatch)
		require.NoError(t, err)
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Go(func() {
				_, _, errs[i] = s.ReplacePass(ctx, newID, f.id("ps"), order.NewTicketCode(), move(pass.MoveReplace), "clerk", "")
			})
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			if err == nil {
				won++
			} else {
				requireStateError(t, err, pass.StateReplaced)
			}
		}
		require.Equal(t, 1, won)
		all, err := s.PassesOfOrder(ctx, o.ID)
		require.NoError(t, err)
		require.Len(t, all, 3, "the first, its replacement, and one replacement of that")
	})

	t.Run("PassPhoto", func(t *testing.T) {
		t.Parallel()
		o, s := personalized(t, open(t), 2)
		token, id := order.PersonalizeToken(o), o.Passes[0].ID
		_, err := s.PassPhoto(ctx, id)
		require.ErrorIs(t, err, store.ErrNotFound)
		ph := pass.Photo{PassID: id, ContentType: "image/jpeg", Data: []byte{0xff, 0xd8, 1, 2}, PrintData: []byte{1}, Width: 30, Height: 40}
		require.NoError(t, s.PutPassPhoto(ctx, token, ph))
		ph.Data = []byte{0xff, 0xd8, 3}
		require.NoError(t, s.PutPassPhoto(ctx, token, ph), "replaced while personalized")
		got, err := s.PassPhoto(ctx, id)
		require.NoError(t, err)
		requireUTC(t, got.UpdatedAt)
		ph.UpdatedAt, ph.PrintData = got.UpdatedAt, nil // a read leaves the print rendition out
		require.Equal(t, ph, got)

		other, _ := personalized(t, s, 1)
		err = s.PutPassPhoto(ctx, order.PersonalizeToken(other), pass.Photo{PassID: id, ContentType: "image/jpeg", Data: []byte{1}, PrintData: []byte{1}})
		require.ErrorIs(t, err, store.ErrNotFound, "another order's token")
		_, err = s.CreatePrintBatch(ctx, pass.PrintBatch{ID: f.id("pb"), CreatedBy: "clerk"}, []string{id}, pass.MaxPrintBatch)
		require.NoError(t, err)
		err = s.PutPassPhoto(ctx, token, pass.Photo{PassID: id, ContentType: "image/jpeg", Data: []byte{9}, PrintData: []byte{9}})
		require.ErrorIs(t, err, store.ErrConflict, "printed")
		got, err = s.PassPhoto(ctx, id)
		require.NoError(t, err)
		require.Equal(t, []byte{0xff, 0xd8, 3}, got.Data, "the printed photo is kept")
	})

	t.Run("PrintBatches", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		_, err := s.CreatePrintBatch(ctx, pass.PrintBatch{ID: f.id("pb"), CreatedBy: "clerk"}, nil, pass.MaxPrintBatch)
		require.ErrorIs(t, err, pass.ErrNothingToPrint)
		o, _ := personalized(t, s, 3)
		annual, err := s.CreateProduct(ctx, f.product(t, pass.KindAnnual))
		require.NoError(t, err)
		waiting, err := s.CreateOrder(ctx, f.passOrder("s", passLine{annual, 1}))
		require.NoError(t, err)
		require.NoError(t, s.PutPassPhoto(ctx, order.PersonalizeToken(o), pass.Photo{PassID: o.Passes[1].ID, ContentType: "image/jpeg", Data: []byte{7}, PrintData: []byte{8}}))

		// A list with a pass not personalized (and one not there): refused
		// whole, naming them; nothing printed.
		list := []string{o.Passes[0].ID, waiting.Passes[0].ID, "ps-none"}
		_, err = s.CreatePrintBatch(ctx, pass.PrintBatch{ID: f.id("pb"), CreatedBy: "clerk"}, list, pass.MaxPrintBatch)
		var un *pass.UnprintableError
		require.ErrorAs(t, err, &un)
		require.Equal(t, []pass.PassState{{ID: waiting.Passes[0].ID, State: pass.StateAwaitingPersonalization}, {ID: "ps-none"}}, un.Passes)
		p, err := s.GetPass(ctx, o.Passes[0].ID)
		require.NoError(t, err)
		require.Equal(t, pass.StatePersonalized, p.State)
		batches, err := s.ListPrintBatches(ctx, 10)
		require.NoError(t, err)
		require.Empty(t, batches)

		// All personalized, oldest first, bounded by the limit; two batches
		// at once take different passes.
		var wg sync.WaitGroup
		var got [2]pass.PrintBatch
		var errs [2]error
		for i := range got {
			wg.Go(func() {
				got[i], errs[i] = s.CreatePrintBatch(ctx, pass.PrintBatch{ID: f.id("pb"), CreatedBy: "clerk"}, nil, 2)
			})
		}
		wg.Wait()
		seen := map[string]bool{}
		total := 0
		for i := range got {
			if errors.Is(errs[i], pass.ErrNothingToPrint) {
				continue
			}
			require.NoError(t, errs[i])
			total += got[i].Count
			for _, id := range got[i].Passes {
				require.False(t, seen[id], "a pass is printed once")
				seen[id] = true
			}
		}
		require.Equal(t, 3, total)

		batches, err = s.ListPrintBatches(ctx, 10)
		require.NoError(t, err)
		require.NotEmpty(t, batches)
		for _, b := range batches {
			requireUTC(t, b.CreatedAt)
			require.Empty(t, b.Passes)
			full, err := s.GetPrintBatch(ctx, b.ID)
			require.NoError(t, err)
			require.Len(t, full.Passes, full.Count)
			page, err := s.PrintBatchPage(ctx, b.ID, 1, 100)
			require.NoError(t, err)
			require.Len(t, page, full.Count-1)
			for i, it := range page {
				require.Equal(t, i+1, it.Position)
				require.Equal(t, full.Passes[i+1], it.Pass.ID)
				require.Equal(t, pass.StatePrinted, it.Pass.State)
				require.Equal(t, ada, it.Pass.Holder)
				if it.Pass.ID == o.Passes[1].ID {
					require.Equal(t, []byte{8}, it.Photo.Data, "the print rendition")
				} else {
					require.Empty(t, it.Photo.Data)
				}
			}
		}
		_, err = s.GetPrintBatch(ctx, "pb-none")
		require.ErrorIs(t, err, store.ErrNotFound)
	})
}
