package voucher

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/internal/ids"
	"github.com/seatmap/seatmap/store"
)

var (
	// ErrNotFound: no voucher, promotion or voucher batch has this code or id.
	ErrNotFound = errors.New("voucher or promotion not found")
	// ErrState: the code cannot move to the state asked for.
	ErrState = errors.New("voucher or promotion cannot change to that state")
)

// Store is what the voucher service needs of a store.
type Store interface {
	// CreatePromotion stores a promotion; store.ErrDuplicate if any code has its code.
	CreatePromotion(ctx context.Context, c Code) error
	// CreateVoucherBatch stores a batch and its vouchers, all or none;
	// store.ErrDuplicate if a code is taken.
	CreateVoucherBatch(ctx context.Context, b Batch, codes []Code) error
	GetVoucherBatch(ctx context.Context, id string) (Batch, error)
	ListVoucherBatches(ctx context.Context) ([]Batch, error)
	GetCode(ctx context.Context, code string) (Code, error)
	ListCodes(ctx context.Context, f Filter) ([]Code, error)
	// SetCodeState moves a code as MoveAllowed allows; store.ErrConflict otherwise.
	SetCodeState(ctx context.Context, code, state string) (Code, error)
}

// Service makes, finds and moves vouchers and promotions. What a code is
// worth for a booking is Evaluate's; the store counts uses with the orders.
type Service struct {
	store Store
}

// NewService returns a service on st.
func NewService(st Store) *Service { return &Service{store: st} }

// NewPromotion describes a promotion to create.
type NewPromotion struct {
	Code         string
	Name         string
	Value        Value
	MaxUses      *int // nil: unlimited
	Prepared     bool // made prepared, released later; default available
	Restrictions Restrictions
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
func (s *Service) CreatePromotion(ctx context.Context, np NewPromotion, by string) (Code, error) {
	code := Normalize(np.Code)
	switch {
	case len(code) < MinCodeLen || len(code) > MaxCodeLen:
		return Code{}, &input.Error{Field: "code", Reason: fmt.Sprintf("must have %d to %d letters or digits", MinCodeLen, MaxCodeLen)}
	case !ValidChars(code):
		return Code{}, &input.Error{Field: "code", Reason: "may hold only letters A–Z and digits (spaces and dashes are ignored)"}
	}
	if err := validateName(&np.Name); err != nil {
		return Code{}, err
	}
	if err := np.Value.Validate(); err != nil {
		return Code{}, err
	}
	if np.MaxUses != nil && (*np.MaxUses < 1 || *np.MaxUses > MaxCodeUses) {
		return Code{}, &input.Error{Field: "max_uses", Reason: fmt.Sprintf("must be from 1 to %d, or null for unlimited", MaxCodeUses)}
	}
	if err := ValidateRestrictions(&np.Restrictions); err != nil {
		return Code{}, err
	}
	c := Code{
		Code: code, Kind: KindPromotion, Name: np.Name, Percent: np.Value.Percent, Amount: np.Value.Amount,
		Currency: np.Value.Currency, State: Available, Restrictions: np.Restrictions, CreatedBy: by,
	}
	if np.MaxUses != nil {
		c.MaxUses = *np.MaxUses
	}
	if np.Prepared {
		c.State = Prepared
	}
	err := s.store.CreatePromotion(ctx, c)
	if errors.Is(err, store.ErrDuplicate) {
		return Code{}, &input.Error{Field: "code", Reason: fmt.Sprintf("%s is taken by another voucher or promotion", code)}
	}
	if err != nil {
		return Code{}, err
	}
	return s.Code(ctx, code)
}

// NewBatch describes a batch of vouchers to create.
type NewBatch struct {
	Name         string
	Prefix       string
	Count        int
	Value        Value
	Prepared     bool
	Restrictions Restrictions
}

// CreateBatch makes Count vouchers with random codes, all or none.
func (s *Service) CreateBatch(ctx context.Context, nb NewBatch, by string) (Batch, []Code, error) {
	prefix := Normalize(nb.Prefix)
	switch {
	case len(prefix) > MaxPrefix || !ValidChars(prefix):
		return Batch{}, nil, &input.Error{Field: "prefix", Reason: fmt.Sprintf("may hold up to %d letters A–Z and digits", MaxPrefix)}
	case nb.Count < 1 || nb.Count > MaxBatch:
		return Batch{}, nil, &input.Error{Field: "count", Reason: fmt.Sprintf("must be from 1 to %d", MaxBatch)}
	}
	if err := validateName(&nb.Name); err != nil {
		return Batch{}, nil, err
	}
	if err := nb.Value.Validate(); err != nil {
		return Batch{}, nil, err
	}
	if err := ValidateRestrictions(&nb.Restrictions); err != nil {
		return Batch{}, nil, err
	}
	state := Available
	if nb.Prepared {
		state = Prepared
	}
	b := Batch{
		Name: nb.Name, Prefix: prefix, Count: nb.Count, Percent: nb.Value.Percent, Amount: nb.Value.Amount,
		Currency: nb.Value.Currency, Restrictions: nb.Restrictions, CreatedBy: by,
	}
	// A clash with an existing code is astronomically unlikely; it would make
	// the store refuse the whole batch, and a fresh draw is the cure.
	for attempt := 1; ; attempt++ {
		b.ID = ids.New("vb", 10)
		codes := make([]Code, nb.Count)
		seen := make(map[string]bool, nb.Count)
		for i := range codes {
			c := NewCode(prefix)
			for seen[c] {
				c = NewCode(prefix)
			}
			seen[c] = true
			codes[i] = Code{Code: c, Kind: KindVoucher, BatchID: b.ID, Name: b.Name, Percent: b.Percent,
				Amount: b.Amount, Currency: b.Currency, MaxUses: 1, State: state, Restrictions: b.Restrictions, CreatedBy: by}
		}
		err := s.store.CreateVoucherBatch(ctx, b, codes)
		if errors.Is(err, store.ErrDuplicate) && attempt < 3 {
			continue
		}
		if err != nil {
			return Batch{}, nil, err
		}
		stored, err := s.Batch(ctx, b.ID)
		return stored, codes, err
	}
}

// Batch returns a batch.
func (s *Service) Batch(ctx context.Context, id string) (Batch, error) {
	var b Batch
	b, err := s.store.GetVoucherBatch(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return Batch{}, fmt.Errorf("voucher batch %s: %w", id, ErrNotFound)
	}
	return b, err
}

// Batches lists the batches, newest first.
func (s *Service) Batches(ctx context.Context) ([]Batch, error) {
	var out []Batch
	out, err := s.store.ListVoucherBatches(ctx)
	return out, err
}

// Codes lists codes (see Filter).
func (s *Service) Codes(ctx context.Context, f Filter) ([]Code, error) {
	var out []Code
	out, err := s.store.ListCodes(ctx, f)
	return out, err
}

// Code returns a voucher or promotion.
func (s *Service) Code(ctx context.Context, code string) (Code, error) {
	code = Normalize(code)
	var c Code
	if len(code) == 0 || len(code) > MaxCodeLen+MaxPrefix {
		return Code{}, fmt.Errorf("code %q: %w", code, ErrNotFound)
	}
	c, err := s.store.GetCode(ctx, code)
	if errors.Is(err, store.ErrNotFound) {
		return Code{}, fmt.Errorf("code %s: %w", code, ErrNotFound)
	}
	return c, err
}

// SetState releases (available), blocks or unblocks (available) a code.
// A block takes effect at once: every order is checked against the stored
// state in the transaction that writes it, also one whose buyer checked the
// code a moment before.
func (s *Service) SetState(ctx context.Context, code, state string) (Code, error) {
	code = Normalize(code)
	if state != Available && state != Blocked {
		return Code{}, &input.Error{Field: "state", Reason: "must be available or blocked"}
	}
	var c Code
	c, err := s.store.SetCodeState(ctx, code, state)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return Code{}, fmt.Errorf("code %s: %w", code, ErrNotFound)
	case errors.Is(err, store.ErrConflict):
		return Code{}, fmt.Errorf("%w: %v", ErrState, err)
	}
	return c, err
}
