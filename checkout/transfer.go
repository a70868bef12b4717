package checkout

import (
	"context"
	"errors"
	"fmt"

	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/pass"
	"github.com/seatmap/seatmap/store"
)

// Moving a card to another medium (Rabatt übertragen, seed 002): a
// discount, value or customer card stays what it is for life, and moving it
// makes a new pass with a new code and the old one's product, holder and
// validity; its balance and ledger go on on the new pass (a transfer entry
// on each); the old pass is replaced by it and admits no one. Lost cards
// are replaced by staff's replace, which is another thing.

// ErrNotTransferable: the pass is no discount, value or customer card.
var ErrNotTransferable = errors.New("only discount, value and customer cards move to another medium")

// TransferPass moves card id to a new medium by staff member by at till
// (may be empty) and returns the new pass. ErrPassNotFound, ErrPassNotInUse
// (a card void, blocked or replaced, wrapping *pass.ReplacedError naming its
// successor when replaced), ErrNotTransferable; nothing is written then.
func (s *Service) TransferPass(ctx context.Context, id, by, till string) (pass.Pass, error) {
	if err := checkTill(till); err != nil {
		return pass.Pass{}, err
	}
	p, err := s.livePass(ctx, id)
	if err != nil {
		return pass.Pass{}, err
	}
	if !pass.Transferable(p.Kind) {
		return pass.Pass{}, fmt.Errorf("pass %s is a %s pass: %w", id, p.Kind, ErrNotTransferable)
	}
	var opening int64
	if pass.CarriesValue(p.Kind) {
		if s.products == nil {
			return pass.Pass{}, ErrNoProducts
		}
		pr, err := s.products.Product(ctx, p.ProductID)
		if err != nil {
			return pass.Pass{}, fmt.Errorf("product of pass %s: %w", id, err)
		}
		opening = pr.OpeningValue(p)
	}
	out, err := s.store.TransferPass(ctx, pass.Transfer{PassID: p.ID, NewID: order.NewPassID(), NewCode: order.NewTicketCode(),
		Opening: opening, By: by, Till: till})
	var re *pass.ReplacedError
	switch {
	case errors.As(err, &re):
		return pass.Pass{}, fmt.Errorf("pass %s: %w: %w", id, ErrPassNotInUse, re)
	case errors.Is(err, store.ErrNotFound):
		return pass.Pass{}, fmt.Errorf("pass %s: %w", id, ErrPassNotFound)
	case errors.Is(err, store.ErrConflict):
		return pass.Pass{}, fmt.Errorf("pass %s changed meanwhile: %w", id, ErrPassNotInUse)
	case err != nil:
		return pass.Pass{}, err
	}
	s.log.Info("pass moved to another medium", "pass", id, "new", out.ID)
	return out, nil
}
