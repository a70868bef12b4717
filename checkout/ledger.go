package checkout

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/pass"
	"github.com/seatmap/seatmap/store"
)

// Value cards at the till (issue 14, seed 002): a value or customer card is
// topped up (money taken at a till: recorded with the staff member and the
// till, no order is made) and pays by debits, each one entry of its
// append-only ledger. The balance never goes below minus its product's
// credit limit: the store's guarded statement decides, so of two parallel
// debits that together exceed it one is refused. The card's account opens
// at its first use with its opening value (pass.Product.OpeningValue).

var (
	// ErrNoValue: the pass is no value or customer card.
	ErrNoValue = errors.New("the pass carries no value")
	// ErrPassNotInUse: the pass is void, blocked, replaced or expired, or
	// its order is not paid.
	ErrPassNotInUse = errors.New("the pass is not in use")
	// ErrInsufficientBalance: a debit would take the balance below minus
	// the credit limit. Errors wrapping it also wrap *pass.BalanceError.
	ErrInsufficientBalance = errors.New("insufficient balance")
)

var tillName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$`)

// Booking is a top-up or debit asked for at a till.
type Booking struct {
	Amount         int64 // minor units, more than 0
	IdempotencyKey string
	Note           string
	Till           string
	By             string // staff user id
}

func (b *Booking) validate() error {
	b.Note = strings.TrimSpace(b.Note)
	switch {
	case b.Amount < 1 || b.Amount > pass.MaxPrice:
		return &input.Error{Field: "amount", Reason: fmt.Sprintf("must be from 1 to %d minor units", pass.MaxPrice)}
	case len(b.IdempotencyKey) > pass.MaxIdempotencyKey:
		return &input.Error{Field: "idempotency_key", Reason: fmt.Sprintf("is longer than %d bytes", pass.MaxIdempotencyKey)}
	case strings.ContainsFunc(b.IdempotencyKey, func(r rune) bool { return r <= ' ' || r == 0x7f }) || !utf8.ValidString(b.IdempotencyKey):
		return &input.Error{Field: "idempotency_key", Reason: "holds spaces or control characters"}
	case !utf8.ValidString(b.Note) || strings.ContainsFunc(b.Note, unicode.IsControl):
		return &input.Error{Field: "note", Reason: "is not text without control characters"}
	case utf8.RuneCountInString(b.Note) > pass.MaxEntryNote:
		return &input.Error{Field: "note", Reason: fmt.Sprintf("is longer than %d characters", pass.MaxEntryNote)}
	}
	return checkTill(b.Till)
}

// checkTill checks a till's name; empty names none.
func checkTill(till string) error {
	if till != "" && !tillName.MatchString(till) {
		return &input.Error{Field: "till", Reason: "a till is 1 to 32 letters, digits, - or _"}
	}
	return nil
}

// valueCard returns pass id and its product, checked to carry value and
// to be in use.
func (s *Service) valueCard(ctx context.Context, id string) (pass.Pass, pass.Product, error) {
	p, err := s.livePass(ctx, id)
	if err != nil {
		return pass.Pass{}, pass.Product{}, err
	}
	if !pass.CarriesValue(p.Kind) {
		return pass.Pass{}, pass.Product{}, fmt.Errorf("pass %s is a %s pass: %w", id, p.Kind, ErrNoValue)
	}
	if s.products == nil {
		return pass.Pass{}, pass.Product{}, ErrNoProducts
	}
	pr, err := s.products.Product(ctx, p.ProductID)
	if err != nil {
		return pass.Pass{}, pass.Product{}, fmt.Errorf("product of pass %s: %w", id, err)
	}
	return p, pr, nil
}

// livePass returns pass id, refusing one that is not in use or whose order
// is not paid.
func (s *Service) livePass(ctx context.Context, id string) (pass.Pass, error) {
	if id == "" || len(id) > 64 {
		return pass.Pass{}, fmt.Errorf("pass %.64q: %w", id, ErrPassNotFound)
	}
	p, err := s.store.GetPass(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return pass.Pass{}, fmt.Errorf("pass %s: %w", id, ErrPassNotFound)
	}
	if err != nil {
		return pass.Pass{}, err
	}
	if p.State == pass.StateReplaced {
		return pass.Pass{}, fmt.Errorf("pass %s: %w: %w", id, ErrPassNotInUse, &pass.ReplacedError{PassID: p.ID, By: p.ReplacedBy})
	}
	if !pass.InUse(p.State) {
		return pass.Pass{}, fmt.Errorf("pass %s is %s: %w", id, p.State, ErrPassNotInUse)
	}
	o, err := s.store.GetOrder(ctx, p.OrderID)
	if err != nil {
		return pass.Pass{}, fmt.Errorf("order of pass %s: %w", id, err)
	}
	if !order.CodesShown(o) {
		return pass.Pass{}, fmt.Errorf("pass %s: its order is %s: %w", id, o.Status, ErrPassNotInUse)
	}
	return p, nil
}

// TopUp loads amount onto a value or customer card: money taken at a till.
// replayed says the idempotency key was used before for the same booking,
// whose entry is returned.
func (s *Service) TopUp(ctx context.Context, id string, b Booking) (pass.Entry, bool, error) {
	return s.book(ctx, id, pass.EntryTopUp, b)
}

// Debit pays amount with a value or customer card. A debit that would take
// the balance below minus the product's credit limit is
// ErrInsufficientBalance, and nothing is written.
func (s *Service) Debit(ctx context.Context, id string, b Booking) (pass.Entry, bool, error) {
	return s.book(ctx, id, pass.EntryDebit, b)
}

func (s *Service) book(ctx context.Context, id, kind string, b Booking) (pass.Entry, bool, error) {
	if err := b.validate(); err != nil {
		return pass.Entry{}, false, err
	}
	p, pr, err := s.valueCard(ctx, id)
	if err != nil {
		return pass.Entry{}, false, err
	}
	amount := b.Amount
	if kind == pass.EntryDebit {
		amount = -amount
	}
	e, replayed, err := s.store.BookPass(ctx, pass.Booking{PassID: p.ID, Kind: kind, Amount: amount, CreditLimit: pr.Rules.CreditLimit,
		Opening: pr.OpeningValue(p), By: b.By, Till: b.Till, Note: b.Note, IdempotencyKey: b.IdempotencyKey})
	var be *pass.BalanceError
	switch {
	case errors.As(err, &be) && kind == pass.EntryTopUp:
		return pass.Entry{}, false, &input.Error{Field: "amount", Reason: fmt.Sprintf("would take the balance above %d minor units", pass.MaxBalance)}
	case errors.As(err, &be):
		return pass.Entry{}, false, fmt.Errorf("%w: %w", ErrInsufficientBalance, be)
	case errors.Is(err, store.ErrNotFound):
		return pass.Entry{}, false, fmt.Errorf("pass %s: %w", id, ErrPassNotFound)
	case errors.Is(err, store.ErrConflict):
		return pass.Entry{}, false, fmt.Errorf("pass %s changed meanwhile: %w", id, ErrPassNotInUse)
	case err != nil:
		return pass.Entry{}, false, err
	case replayed && (e.Kind != kind || e.Amount != amount):
		return pass.Entry{}, false, fmt.Errorf("pass %s: %w", id, ErrIdempotencyMismatch)
	}
	return e, replayed, nil
}

// Ledger is a value card's account: its balance and a page of entries.
type Ledger struct {
	Balance     int64
	Currency    string
	CreditLimit int64
	Entries     []pass.Entry
}

// PassLedger returns a value or customer card's balance and up to limit
// entries after entry after, oldest first. A card whose account is not open
// yet shows its opening value and no entries. A replaced card shows its
// ledger still (which ends with the transfer to its successor).
func (s *Service) PassLedger(ctx context.Context, id string, after int64, limit int) (Ledger, error) {
	if id == "" || len(id) > 64 {
		return Ledger{}, fmt.Errorf("pass %.64q: %w", id, ErrPassNotFound)
	}
	p, err := s.store.GetPass(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return Ledger{}, fmt.Errorf("pass %s: %w", id, ErrPassNotFound)
	}
	if err != nil {
		return Ledger{}, err
	}
	if !pass.CarriesValue(p.Kind) {
		return Ledger{}, fmt.Errorf("pass %s is a %s pass: %w", id, p.Kind, ErrNoValue)
	}
	if s.products == nil {
		return Ledger{}, ErrNoProducts
	}
	pr, err := s.products.Product(ctx, p.ProductID)
	if err != nil {
		return Ledger{}, fmt.Errorf("product of pass %s: %w", id, err)
	}
	out := Ledger{CreditLimit: pr.Rules.CreditLimit}
	out.Balance, out.Currency, err = s.store.PassBalance(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		o, err := s.store.GetOrder(ctx, p.OrderID)
		if err != nil {
			return Ledger{}, fmt.Errorf("order of pass %s: %w", id, err)
		}
		out.Currency = o.Currency
		if order.CodesShown(o) && p.Live() {
			out.Balance = pr.OpeningValue(p)
		}
	} else if err != nil {
		return Ledger{}, err
	}
	if out.Entries, err = s.store.PassLedger(ctx, id, after, limit); err != nil {
		return Ledger{}, err
	}
	return out, nil
}

// PassByCode returns the pass with a code (a value card at a till, a
// voucher at the counter) for staff: ErrPassNotFound for none.
func (s *Service) PassByCode(ctx context.Context, code string) (pass.Pass, error) {
	code = NormalizePassCode(code)
	if code == "" || len(code) > 64 {
		return pass.Pass{}, fmt.Errorf("pass by code: %w", ErrPassNotFound)
	}
	p, err := s.store.PassByCode(ctx, code)
	if errors.Is(err, store.ErrNotFound) {
		return pass.Pass{}, fmt.Errorf("pass by code: %w", ErrPassNotFound)
	}
	return p, err
}

// NormalizePassCode is a code as typed or scanned: the groups of four a
// page shows it in joined, upper case.
func NormalizePassCode(code string) string {
	return strings.ToUpper(strings.Join(strings.FieldsFunc(code, func(r rune) bool { return r == ' ' || r == '-' }), ""))
}

// OpenPassInUse returns pass id to staff while it is in use (not void,
// blocked, replaced or expired, of a paid order): what the counter prints.
func (s *Service) OpenPassInUse(ctx context.Context, id string) (pass.Pass, error) {
	return s.livePass(ctx, id)
}
