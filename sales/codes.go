package sales

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/internal/ids"
	"github.com/seatmap/seatmap/store"
	"github.com/seatmap/seatmap/voucher"
)

// NewPromotion describes a promotion to create.
type NewPromotion struct {
	Code         string
	Name         string
	Value        voucher.Value
	MaxUses      *int // nil: unlimited
	Prepared     bool // made prepared, released later; default available
	Restrictions voucher.Restrictions
}

func validateName(name *string) error {
	*name = strings.TrimSpace(*name)
	switch {
	case *name == "":
		return &input.Error{Field: "name", Reason: "is empty"}
	case len(*name) > hall.MaxNameLen:
		return &input.Error{Field: "name", Reason: fmt.Sprintf("is longer than %d characters", hall.MaxNameLen)}
	}
	return nil
}

// CreatePromotion stores a promotion under its memorable code.
func (s *Service) CreatePromotion(ctx context.Context, np NewPromotion, a Actor) (voucher.Code, error) {
	code := voucher.Normalize(np.Code)
	switch {
	case len(code) < voucher.MinCodeLen || len(code) > voucher.MaxCodeLen:
		return voucher.Code{}, &input.Error{Field: "code", Reason: fmt.Sprintf("must have %d to %d letters or digits", voucher.MinCodeLen, voucher.MaxCodeLen)}
	case !voucher.ValidChars(code):
		return voucher.Code{}, &input.Error{Field: "code", Reason: "may hold only letters A–Z and digits (spaces and dashes are ignored)"}
	}
	if err := validateName(&np.Name); err != nil {
		return voucher.Code{}, err
	}
	if err := np.Value.Validate(); err != nil {
		return voucher.Code{}, err
	}
	if np.MaxUses != nil && (*np.MaxUses < 1 || *np.MaxUses > voucher.MaxCodeUses) {
		return voucher.Code{}, &input.Error{Field: "max_uses", Reason: fmt.Sprintf("must be from 1 to %d, or null for unlimited", voucher.MaxCodeUses)}
	}
	if err := voucher.ValidateRestrictions(&np.Restrictions); err != nil {
		return voucher.Code{}, err
	}
	c := voucher.Code{
		Code: code, Kind: voucher.KindPromotion, Name: np.Name, Percent: np.Value.Percent, Amount: np.Value.Amount,
		Currency: np.Value.Currency, State: voucher.Available, Restrictions: np.Restrictions, CreatedBy: a.Login,
	}
	if np.MaxUses != nil {
		c.MaxUses = *np.MaxUses
	}
	if np.Prepared {
		c.State = voucher.Prepared
	}
	err := s.store.CreatePromotion(ctx, c)
	if errors.Is(err, store.ErrDuplicate) {
		return voucher.Code{}, &input.Error{Field: "code", Reason: fmt.Sprintf("%s is taken by another voucher or promotion", code)}
	}
	if err != nil {
		return voucher.Code{}, err
	}
	return s.Code(ctx, code)
}

// NewVoucherBatch describes a batch of vouchers to create.
type NewVoucherBatch struct {
	Name         string
	Prefix       string
	Count        int
	Value        voucher.Value
	Prepared     bool
	Restrictions voucher.Restrictions
}

// CreateVoucherBatch makes Count vouchers with random codes, all or none.
func (s *Service) CreateVoucherBatch(ctx context.Context, nb NewVoucherBatch, a Actor) (voucher.Batch, []voucher.Code, error) {
	prefix := voucher.Normalize(nb.Prefix)
	switch {
	case len(prefix) > voucher.MaxPrefix || !voucher.ValidChars(prefix):
		return voucher.Batch{}, nil, &input.Error{Field: "prefix", Reason: fmt.Sprintf("may hold up to %d letters A–Z and digits", voucher.MaxPrefix)}
	case nb.Count < 1 || nb.Count > voucher.MaxBatch:
		return voucher.Batch{}, nil, &input.Error{Field: "count", Reason: fmt.Sprintf("must be from 1 to %d", voucher.MaxBatch)}
	}
	if err := validateName(&nb.Name); err != nil {
		return voucher.Batch{}, nil, err
	}
	if err := nb.Value.Validate(); err != nil {
		return voucher.Batch{}, nil, err
	}
	if err := voucher.ValidateRestrictions(&nb.Restrictions); err != nil {
		return voucher.Batch{}, nil, err
	}
	state := voucher.Available
	if nb.Prepared {
		state = voucher.Prepared
	}
	b := voucher.Batch{
		Name: nb.Name, Prefix: prefix, Count: nb.Count, Percent: nb.Value.Percent, Amount: nb.Value.Amount,
		Currency: nb.Value.Currency, Restrictions: nb.Restrictions, CreatedBy: a.Login,
	}
	// A clash with an existing code is astronomically unlikely; it would make
	// the store refuse the whole batch, and a fresh draw is the cure.
	for attempt := 1; ; attempt++ {
		b.ID = ids.New("vb", 10)
		codes := make([]voucher.Code, nb.Count)
		seen := make(map[string]bool, nb.Count)
		for i := range codes {
			c := voucher.NewCode(prefix)
			for seen[c] {
				c = voucher.NewCode(prefix)
			}
			seen[c] = true
			codes[i] = voucher.Code{Code: c, Kind: voucher.KindVoucher, BatchID: b.ID, Name: b.Name, Percent: b.Percent,
				Amount: b.Amount, Currency: b.Currency, MaxUses: 1, State: state, Restrictions: b.Restrictions, CreatedBy: a.Login}
		}
		err := s.store.CreateVoucherBatch(ctx, b, codes)
		if errors.Is(err, store.ErrDuplicate) && attempt < 3 {
			continue
		}
		if err != nil {
			return voucher.Batch{}, nil, err
		}
		stored, err := s.VoucherBatch(ctx, b.ID)
		return stored, codes, err
	}
}

// VoucherBatch returns a batch.
func (s *Service) VoucherBatch(ctx context.Context, id string) (voucher.Batch, error) {
	var b voucher.Batch
	b, err := s.store.GetVoucherBatch(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return voucher.Batch{}, fmt.Errorf("voucher batch %s: %w", id, ErrCodeNotFound)
	}
	return b, err
}

// VoucherBatches lists the batches, newest first.
func (s *Service) VoucherBatches(ctx context.Context) ([]voucher.Batch, error) {
	var out []voucher.Batch
	out, err := s.store.ListVoucherBatches(ctx)
	return out, err
}

// Codes lists codes (see store.CodeFilter).
func (s *Service) Codes(ctx context.Context, f voucher.Filter) ([]voucher.Code, error) {
	var out []voucher.Code
	out, err := s.store.ListCodes(ctx, f)
	return out, err
}

// Code returns a voucher or promotion.
func (s *Service) Code(ctx context.Context, code string) (voucher.Code, error) {
	code = voucher.Normalize(code)
	var c voucher.Code
	if len(code) == 0 || len(code) > voucher.MaxCodeLen+voucher.MaxPrefix {
		return voucher.Code{}, fmt.Errorf("code %q: %w", code, ErrCodeNotFound)
	}
	c, err := s.store.GetCode(ctx, code)
	if errors.Is(err, store.ErrNotFound) {
		return voucher.Code{}, fmt.Errorf("code %s: %w", code, ErrCodeNotFound)
	}
	return c, err
}

// SetCodeState releases (available), blocks or unblocks (available) a code.
// A block takes effect at once: every order is checked against the stored
// state in the transaction that writes it, also one whose buyer checked the
// code a moment before.
func (s *Service) SetCodeState(ctx context.Context, code, state string) (voucher.Code, error) {
	code = voucher.Normalize(code)
	if state != voucher.Available && state != voucher.Blocked {
		return voucher.Code{}, &input.Error{Field: "state", Reason: "must be available or blocked"}
	}
	var c voucher.Code
	c, err := s.store.SetCodeState(ctx, code, state)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return voucher.Code{}, fmt.Errorf("code %s: %w", code, ErrCodeNotFound)
	case errors.Is(err, store.ErrConflict):
		return voucher.Code{}, fmt.Errorf("%w: %v", ErrCodeState, err)
	}
	return c, err
}

// CodeCheck is the answer to a buyer's check of a code.
type CodeCheck struct {
	Code   string
	Name   string
	Valid  bool
	Value  int64 // minor units, at most the amount checked
	Reason string
}

// CheckCode says whether a code is valid for a booking of amount (minor
// units, before discounts) of a performance, and what it is worth.
func (s *Service) CheckCode(ctx context.Context, code, performanceID string, amount int64) (CodeCheck, error) {
	if amount < 0 || amount > maxBookingAmount {
		return CodeCheck{}, &input.Error{Field: "amount", Reason: fmt.Sprintf("must be from 0 to %d minor units", int64(maxBookingAmount))}
	}
	p, err := s.load(ctx, performanceID)
	if err != nil {
		return CodeCheck{}, err
	}
	out := CodeCheck{Code: voucher.Normalize(code)}
	c, err := s.Code(ctx, code)
	if errors.Is(err, ErrCodeNotFound) {
		out.Reason = voucher.ReasonUnknown
		return out, nil
	}
	if err != nil {
		return CodeCheck{}, err
	}
	out.Name = c.Name
	out.Value, out.Reason = voucher.Evaluate(c, s.booking(p, amount, p.currency()))
	out.Valid = out.Reason == ""
	return out, nil
}

// maxBookingAmount bounds amounts checked: more than any booking of MaxHoldSeats
// seats costs.
const maxBookingAmount = 1 << 40

// booking describes a booking of p for Evaluate.
func (s *Service) booking(p *perf, amount int64, currency string) voucher.Booking {
	return voucher.Booking{Offering: p.id, StartsAt: p.meta.Load().StartsAt.In(s.loc), Amount: amount, Currency: currency}
}

// currency is the currency of p's zones ("" without zones).
func (p *perf) currency() string {
	for _, z := range p.zones() {
		if z.Currency != "" {
			return z.Currency
		}
	}
	return ""
}
