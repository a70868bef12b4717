package checkout

import (
	"context"
	"errors"
	"fmt"

	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/pass"
	"github.com/seatmap/seatmap/store"
)

// Pass vouchers at the pass counter (issue 14, seed 000): a till sells a pass
// voucher (a pass of kind pass_voucher: its code is the voucher); at the
// counter it is exchanged, during personalization, for a pass of the product
// its product names (Rules.ExchangeFor), made out to the holder and printed
// and handed over at once. The store writes the new pass and marks the
// voucher replaced by it in one transaction whose UPDATE is guarded by the
// voucher's state, so a voucher is exchanged exactly once whatever races.

var (
	// ErrNotVoucher: the code is a pass's, but not a pass voucher's.
	ErrNotVoucher = errors.New("the code is not a pass voucher's")
	// ErrVoucherExchanged: the voucher was exchanged before. Errors wrapping
	// it also wrap *pass.ReplacedError naming the pass it became.
	ErrVoucherExchanged = errors.New("voucher already exchanged")
	// ErrExchangeProduct: the voucher's product names no product a voucher
	// can become.
	ErrExchangeProduct = errors.New("the voucher's product cannot be exchanged")
)

// ExchangePassVoucher exchanges the pass voucher with code for a pass of
// its exchange product made out to h, printed and handed over now; by (the
// staff member's login) is what both passes' histories name.
// ErrPassNotFound for an unknown code or a voucher whose order is not paid
// (its code is shown to nobody yet); ErrVoucherExchanged naming the pass it
// became; ErrPassNotInUse for a voucher refunded or blocked; ErrNotVoucher
// for another pass's code. Nothing is written then.
func (s *Service) ExchangePassVoucher(ctx context.Context, code string, h pass.Holder, by string) (pass.Pass, error) {
	h, err := pass.NormalizeHolder(h, pass.DayIn(s.now(), s.loc))
	if err != nil {
		return pass.Pass{}, err
	}
	v, err := s.PassByCode(ctx, code)
	if err != nil {
		return pass.Pass{}, err
	}
	if v.Kind != pass.KindPassVoucher {
		return pass.Pass{}, fmt.Errorf("pass %s is a %s pass: %w", v.ID, v.Kind, ErrNotVoucher)
	}
	o, err := s.store.GetOrder(ctx, v.OrderID)
	if err != nil {
		return pass.Pass{}, fmt.Errorf("order of voucher %s: %w", v.ID, err)
	}
	switch {
	case v.State == pass.StateReplaced:
		return pass.Pass{}, fmt.Errorf("voucher %s: %w: %w", v.ID, ErrVoucherExchanged, &pass.ReplacedError{PassID: v.ID, By: v.ReplacedBy})
	case !order.CodesShown(o) && v.State != pass.StateVoid:
		return pass.Pass{}, fmt.Errorf("voucher %s: its order is %s: %w", v.ID, o.Status, ErrPassNotFound)
	case v.State != pass.StateHandedOver:
		return pass.Pass{}, fmt.Errorf("voucher %s is %s: %w", v.ID, v.State, ErrPassNotInUse)
	}
	if s.products == nil {
		return pass.Pass{}, ErrNoProducts
	}
	vp, err := s.products.Product(ctx, v.ProductID)
	if err != nil {
		return pass.Pass{}, fmt.Errorf("product of voucher %s: %w", v.ID, err)
	}
	target, err := s.products.Product(ctx, vp.Rules.ExchangeFor)
	if errors.Is(err, pass.ErrNotFound) {
		return pass.Pass{}, fmt.Errorf("voucher %s: product %q: %w", v.ID, vp.Rules.ExchangeFor, ErrExchangeProduct)
	}
	if err != nil {
		return pass.Pass{}, err
	}
	if err := pass.ExchangeTarget(target); err != nil {
		return pass.Pass{}, fmt.Errorf("voucher %s: %w: %w", v.ID, ErrExchangeProduct, err)
	}
	f, err := s.products.Facility(ctx)
	if err != nil {
		return pass.Pass{}, fmt.Errorf("facility settings: %w", err)
	}
	np := pass.Exchange(v, target, h, order.NewPassID(), order.NewTicketCode(), s.now(), s.loc, f)
	out, err := s.store.ExchangePassVoucher(ctx, v.ID, np, by)
	var re *pass.ReplacedError
	switch {
	case errors.As(err, &re):
		return pass.Pass{}, fmt.Errorf("voucher %s: %w: %w", v.ID, ErrVoucherExchanged, re)
	case errors.Is(err, store.ErrNotFound):
		return pass.Pass{}, fmt.Errorf("voucher %s: %w", v.ID, ErrPassNotFound)
	case errors.Is(err, store.ErrConflict):
		return pass.Pass{}, fmt.Errorf("voucher %s changed meanwhile: %w", v.ID, ErrPassNotInUse)
	case err != nil:
		return pass.Pass{}, err
	}
	s.log.Info("pass voucher exchanged", "voucher", v.ID, "pass", out.ID, "product", target.ID)
	return out, nil
}
