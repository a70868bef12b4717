package checkout

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"

	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/pass"
	"github.com/seatmap/seatmap/seating"
	"github.com/seatmap/seatmap/store"
)

// MaxPersonalizeToken bounds a personalization token from a request: tokens
// are 32 symbols.
const MaxPersonalizeToken = 64

// OpenPass returns a pass and its order to staff, the session that made the
// order, or whoever has the order's key; anyone else is told it is not found.
func (s *Service) OpenPass(ctx context.Context, id, key string, a seating.Actor) (pass.Pass, order.Order, error) {
	p, err := s.store.GetPass(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return pass.Pass{}, order.Order{}, fmt.Errorf("pass %s: %w", id, ErrPassNotFound)
	}
	if err != nil {
		return pass.Pass{}, order.Order{}, err
	}
	o, err := s.OpenOrder(ctx, p.OrderID, key, a)
	if errors.Is(err, ErrOrderNotFound) {
		return pass.Pass{}, order.Order{}, fmt.Errorf("pass %s: %w", id, ErrPassNotFound)
	}
	return p, o, err
}

// ListPasses lists passes for staff.
func (s *Service) ListPasses(ctx context.Context, f pass.PassFilter) ([]pass.Pass, error) {
	var out []pass.Pass
	out, err := s.store.ListPasses(ctx, f)
	return out, err
}

// Personalization is what a personalization token opens: the order's
// passes that need a holder and are not void.
type Personalization struct {
	OrderNumber string
	Passes      []pass.Pass
}

// Personalization returns what token opens. A token opens nothing before
// its order is paid (its link goes out with the confirmation), nor once
// every pass it opened is void: ErrPassNotFound, as for a token that is not
// there.
func (s *Service) Personalization(ctx context.Context, token string) (Personalization, error) {
	if token == "" || len(token) > MaxPersonalizeToken {
		return Personalization{}, fmt.Errorf("personalization: %w", ErrPassNotFound)
	}
	ps, err := s.store.PassesByToken(ctx, token)
	if err != nil {
		return Personalization{}, err
	}
	if len(ps) == 0 {
		return Personalization{}, fmt.Errorf("personalization: %w", ErrPassNotFound)
	}
	o, err := s.store.GetOrder(ctx, ps[0].OrderID)
	if err != nil {
		return Personalization{}, err
	}
	out := Personalization{OrderNumber: o.Number}
	for _, p := range ps {
		if p.Personalize && p.Live() {
			out.Passes = append(out.Passes, p)
		}
	}
	if !order.CodesShown(o) || len(out.Passes) == 0 {
		return Personalization{}, fmt.Errorf("personalization: %w", ErrPassNotFound)
	}
	return out, nil
}

// Personalize names h the holder of pass id, which token (the order's
// personalization token) must open, once the order is paid: the pass
// becomes personalized, and may be renamed until it is printed. A token
// that does not open the pass, or an order not paid, is ErrPassNotFound;
// a pass printed or past it, ErrPassProduced. Nothing is changed then.
func (s *Service) Personalize(ctx context.Context, token, id string, h pass.Holder) (pass.Pass, error) {
	if token == "" || len(token) > MaxPersonalizeToken || id == "" || len(id) > 64 {
		return pass.Pass{}, fmt.Errorf("personalize pass: %w", ErrPassNotFound)
	}
	h, err := pass.NormalizeHolder(h, pass.DayIn(s.now(), s.loc))
	if err != nil {
		return pass.Pass{}, err
	}
	p, err := s.store.GetPass(ctx, id)
	if errors.Is(err, store.ErrNotFound) ||
		err == nil && (!p.Personalize || subtle.ConstantTimeCompare([]byte(p.PersonalizeToken), []byte(token)) != 1) {
		return pass.Pass{}, fmt.Errorf("personalize pass %s: %w", id, ErrPassNotFound)
	}
	if err != nil {
		return pass.Pass{}, err
	}
	o, err := s.store.GetOrder(ctx, p.OrderID)
	if err != nil {
		return pass.Pass{}, fmt.Errorf("personalize pass %s: %w", id, err)
	}
	if !order.CodesShown(o) {
		return pass.Pass{}, fmt.Errorf("personalize pass %s: order not paid: %w", id, ErrPassNotFound)
	}
	if !pass.CanPersonalize(p.State) {
		return pass.Pass{}, fmt.Errorf("personalize pass %s: it is %s: %w", id, p.State, ErrPassProduced)
	}
	// The store's write is guarded by the state: a print between the read
	// above and the write wins, and the write is refused.
	out, err := s.store.PersonalizePass(ctx, token, id, h)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return pass.Pass{}, fmt.Errorf("personalize pass %s: %w", id, ErrPassNotFound)
	case errors.Is(err, store.ErrConflict):
		return pass.Pass{}, fmt.Errorf("personalize pass %s: printed meanwhile: %w", id, ErrPassProduced)
	}
	return out, err
}

// StaffPass returns a pass to staff (the route checks the role):
// ErrPassNotFound for none.
func (s *Service) StaffPass(ctx context.Context, id string) (pass.Pass, error) {
	if id == "" || len(id) > 64 {
		return pass.Pass{}, fmt.Errorf("pass %q: %w", id, ErrPassNotFound)
	}
	p, err := s.store.GetPass(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return pass.Pass{}, fmt.Errorf("pass %s: %w", id, ErrPassNotFound)
	}
	return p, err
}

// PrintTickets notes that the box office printed order id's tickets as hard
// tickets (issue 16): staff only; a ticket keeps when it was first printed,
// and each print is in the order's history. ErrNotPaid for an order not
// paid.
func (s *Service) PrintTickets(ctx context.Context, id string, a seating.Actor) (order.Order, error) {
	if !a.Staff() {
		return order.Order{}, fmt.Errorf("print tickets: %w", ErrOrderNotFound)
	}
	if id == "" || len(id) > 64 {
		return order.Order{}, fmt.Errorf("order %q: %w", id, ErrOrderNotFound)
	}
	o, err := s.store.PrintTickets(ctx, id, order.Change{Actor: a.Label()})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return order.Order{}, fmt.Errorf("order %s: %w", id, ErrOrderNotFound)
	case errors.Is(err, store.ErrConflict):
		return order.Order{}, fmt.Errorf("print tickets of %s: %w", id, ErrNotPaid)
	}
	return o, err
}
