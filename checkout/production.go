package checkout

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/internal/ids"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/pass"
	"github.com/seatmap/seatmap/seating"
	"github.com/seatmap/seatmap/store"
)

// ProductionStore is what pass production needs of the store (issue 14,
// seed 000): moves, history, photos, print batches.
type ProductionStore interface {
	GetPass(ctx context.Context, id string) (pass.Pass, error)
	GetOrder(ctx context.Context, id string) (order.Order, error)
	MovePass(ctx context.Context, id string, m pass.Move, actor, note string) (pass.Pass, error)
	ReplacePass(ctx context.Context, id, newID, code string, m pass.Move, actor, note string) (old, repl pass.Pass, err error)
	PassHistory(ctx context.Context, id string) ([]pass.Change, error)
	PutPassPhoto(ctx context.Context, token string, ph pass.Photo) error
	PassPhoto(ctx context.Context, id string) (pass.Photo, error)
	CreatePrintBatch(ctx context.Context, b pass.PrintBatch, ids []string, limit int) (pass.PrintBatch, error)
	ListPrintBatches(ctx context.Context, limit int) ([]pass.PrintBatch, error)
	GetPrintBatch(ctx context.Context, id string) (pass.PrintBatch, error)
	PrintBatchPage(ctx context.Context, id string, from, limit int) ([]pass.PrintItem, error)
}

// Production makes passes: it moves them through their states, keeps their
// holders' photos and prints them in batches. Safe for concurrent use: the
// store's guarded statements referee every race.
type Production struct {
	store ProductionStore
}

// NewProduction returns the production desk over st.
func NewProduction(st ProductionStore) *Production { return &Production{store: st} }

// Production returns the production desk over the checkout's own store,
// when it has what production needs (every store adapter does); nil if it
// has not. It keeps Store, which every order path uses, free of it.
func (s *Service) Production() *Production {
	st, ok := s.store.(ProductionStore)
	if !ok {
		return nil
	}
	return NewProduction(st)
}

// ErrNoPhoto: the pass has no photo.
var ErrNoPhoto = errors.New("the pass has no photo")

func actorName(a seating.Actor) string {
	if a.Login != "" {
		return a.Login
	}
	return a.StaffID
}

// Move makes the move named name (pass.Moves) on pass id for staff a, with
// an optional note for the history. A replacement returns the new pass
// (the old one's ReplacedBy names it); other moves the pass moved. A pass
// not in a state the move leaves from is a *pass.StateError.
func (p *Production) Move(ctx context.Context, id, name, note string, a seating.Actor) (pass.Pass, error) {
	m, ok := pass.Moves[name]
	if !ok {
		return pass.Pass{}, &input.Error{Field: "move", Reason: "is not a pass transition"}
	}
	if !utf8.ValidString(note) || len(note) > pass.MaxNote {
		return pass.Pass{}, &input.Error{Field: "note", Reason: fmt.Sprintf("is not UTF-8 text of at most %d bytes", pass.MaxNote)}
	}
	if id == "" || len(id) > 64 {
		return pass.Pass{}, fmt.Errorf("pass %s: %w", id, ErrPassNotFound)
	}
	var out pass.Pass
	var err error
	if name == pass.MoveReplace {
		// A new unguessable code, drawn as order.Issue draws them.
		_, out, err = p.store.ReplacePass(ctx, id, order.NewPassID(), order.NewTicketCode(), m, actorName(a), note)
	} else {
		out, err = p.store.MovePass(ctx, id, m, actorName(a), note)
	}
	if errors.Is(err, store.ErrNotFound) {
		return pass.Pass{}, fmt.Errorf("%s pass %s: %w", name, id, ErrPassNotFound)
	}
	return out, err
}

// History lists pass id's state changes, oldest first.
func (p *Production) History(ctx context.Context, id string) ([]pass.Change, error) {
	return p.store.PassHistory(ctx, id)
}

// openByToken checks that token opens pass id of a paid order, as
// Personalize does: ErrPassNotFound otherwise.
func (p *Production) openByToken(ctx context.Context, token, id string) (pass.Pass, error) {
	if token == "" || len(token) > MaxPersonalizeToken || id == "" || len(id) > 64 {
		return pass.Pass{}, fmt.Errorf("pass photo: %w", ErrPassNotFound)
	}
	ps, err := p.store.GetPass(ctx, id)
	if errors.Is(err, store.ErrNotFound) ||
		err == nil && (!ps.Personalize || subtle.ConstantTimeCompare([]byte(ps.PersonalizeToken), []byte(token)) != 1) {
		return pass.Pass{}, fmt.Errorf("pass %s: %w", id, ErrPassNotFound)
	}
	if err != nil {
		return pass.Pass{}, err
	}
	o, err := p.store.GetOrder(ctx, ps.OrderID)
	if err != nil {
		return pass.Pass{}, fmt.Errorf("pass %s: %w", id, err)
	}
	if !order.CodesShown(o) || !ps.Live() {
		return pass.Pass{}, fmt.Errorf("pass %s: %w", id, ErrPassNotFound)
	}
	return ps, nil
}

// PutPhoto stores the holder's photo of pass id, which token (the order's
// personalization token) opens, until the pass is printed: data of type
// contentType (sniffed by the caller) is checked and re-encoded by
// pass.NormalizePhoto. ErrPassNotFound, ErrPassProduced once printed; an
// *input.Error for an image refused.
func (p *Production) PutPhoto(ctx context.Context, token, id string, data []byte, contentType string) (pass.Photo, error) {
	ps, err := p.openByToken(ctx, token, id)
	if err != nil {
		return pass.Photo{}, err
	}
	if !pass.CanPersonalize(ps.State) {
		return pass.Photo{}, fmt.Errorf("photo of pass %s: it is %s: %w", id, ps.State, ErrPassProduced)
	}
	ph, err := pass.NormalizePhoto(data, contentType)
	if err != nil {
		return pass.Photo{}, err
	}
	ph.PassID = id
	err = p.store.PutPassPhoto(ctx, token, ph)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return pass.Photo{}, fmt.Errorf("photo of pass %s: %w", id, ErrPassNotFound)
	case errors.Is(err, store.ErrConflict):
		return pass.Photo{}, fmt.Errorf("photo of pass %s: printed meanwhile: %w", id, ErrPassProduced)
	case err != nil:
		return pass.Photo{}, err
	}
	return ph, nil
}

// PhotoByToken returns the photo of pass id to the buyer's link.
func (p *Production) PhotoByToken(ctx context.Context, token, id string) (pass.Photo, error) {
	if _, err := p.openByToken(ctx, token, id); err != nil {
		return pass.Photo{}, err
	}
	return p.Photo(ctx, id)
}

// Photo returns the photo of pass id (staff): ErrNoPhoto if it has none.
func (p *Production) Photo(ctx context.Context, id string) (pass.Photo, error) {
	ph, err := p.store.PassPhoto(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return pass.Photo{}, fmt.Errorf("pass %s: %w", id, ErrNoPhoto)
	}
	return ph, err
}

// MaxBatchList bounds the passes one request names for a batch.
const MaxBatchList = pass.MaxPrintBatch

// Print makes a print batch for staff a: the passes ids (each personalized,
// else a *pass.UnprintableError and nothing printed), or with ids nil the
// oldest personalized passes, at most pass.MaxPrintBatch. The passes move
// to printed, recorded in their history.
func (p *Production) Print(ctx context.Context, passIDs []string, a seating.Actor) (pass.PrintBatch, error) {
	if passIDs != nil {
		if len(passIDs) == 0 {
			return pass.PrintBatch{}, &input.Error{Field: "passes", Reason: "is empty"}
		}
		if len(passIDs) > MaxBatchList {
			return pass.PrintBatch{}, &input.Error{Field: "passes", Reason: fmt.Sprintf("has more than %d passes", MaxBatchList)}
		}
		seen := make(map[string]bool, len(passIDs))
		for i, id := range passIDs {
			if id == "" || len(id) > 64 || !utf8.ValidString(id) {
				return pass.PrintBatch{}, &input.Error{Field: fmt.Sprintf("passes[%d]", i), Reason: "is not a pass id"}
			}
			if seen[id] {
				return pass.PrintBatch{}, &input.Error{Field: fmt.Sprintf("passes[%d]", i), Reason: "is named twice"}
			}
			seen[id] = true
		}
	}
	b := pass.PrintBatch{ID: ids.New("pb", 10), CreatedBy: actorName(a)}
	return p.store.CreatePrintBatch(ctx, b, passIDs, pass.MaxPrintBatch)
}

// Batches lists print batches, newest first.
func (p *Production) Batches(ctx context.Context, limit int) ([]pass.PrintBatch, error) {
	return p.store.ListPrintBatches(ctx, limit)
}

// ErrBatchNotFound: no such print batch.
var ErrBatchNotFound = errors.New("print batch not found")

// Batch returns a print batch with its passes' ids.
func (p *Production) Batch(ctx context.Context, id string) (pass.PrintBatch, error) {
	if id == "" || len(id) > 64 {
		return pass.PrintBatch{}, fmt.Errorf("print batch %s: %w", id, ErrBatchNotFound)
	}
	b, err := p.store.GetPrintBatch(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return pass.PrintBatch{}, fmt.Errorf("print batch %s: %w", id, ErrBatchNotFound)
	}
	return b, err
}

// printPage is how many passes of a batch are read at once while it is
// printed: a batch is never held whole.
const printPage = 100

// EachPrinted calls f with each pass of batch b in print order, with its
// photo, reading the store a page at a time; it stops at f's first error.
func (p *Production) EachPrinted(ctx context.Context, b pass.PrintBatch, f func(pass.PrintItem) error) error {
	for from := 0; from < b.Count; from += printPage {
		page, err := p.store.PrintBatchPage(ctx, b.ID, from, printPage)
		if err != nil {
			return err
		}
		for _, it := range page {
			if err := f(it); err != nil {
				return err
			}
		}
		if len(page) < printPage {
			return nil
		}
	}
	return nil
}
