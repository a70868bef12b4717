package pass

import (
	"fmt"
	"slices"
	"time"
)

// Value and discount cards (seed 002: Wertkarte, Rabattkarte, Kundenkarte)
// and pass vouchers (seed 000).
//
// A value or customer card has a balance kept by an append-only ledger: each
// top-up, debit and transfer is one entry with the balance after it, so the
// entries of a pass add up to its balance. The balance never goes below
// minus the product's credit limit (0 when it has none). The account is
// opened at its first use (a top-up, a debit, a transfer), with the pass's
// opening value as its first entry (OpeningValue).
//
// A discount card stays a discount card for life: its product and kind never
// change. Moving it to another medium (Rabatt übertragen) makes a new pass
// with a new code and the old one's data; the old one is replaced, and its
// balance moves with a transfer entry on each.
//
// A pass voucher is a pass of kind pass_voucher whose code is the voucher:
// exchanged once at the pass counter for a pass of the product its rules name
// (ExchangeFor), the voucher is then replaced by that pass.

// Kinds of ledger entry.
const (
	EntryTopUp    = "top_up"   // money taken at a till, or the opening value
	EntryDebit    = "debit"    // the card pays
	EntryRefund   = "refund"   // money given back onto the card
	EntryTransfer = "transfer" // the balance moved to or from another medium
)

// EntryKinds lists every kind of ledger entry.
var EntryKinds = []string{EntryTopUp, EntryDebit, EntryRefund, EntryTransfer}

// Bounds on ledger entries.
const (
	// MaxBalance bounds a card's balance, minor units: a top-up beyond it is
	// refused.
	MaxBalance = MaxPrice
	// MaxEntryNote bounds a ledger entry's note, in characters.
	MaxEntryNote = 200
	// MaxIdempotencyKey bounds an entry's idempotency key, in bytes.
	MaxIdempotencyKey = 64
)

// Entry is one line of a pass's ledger. Entries are never changed or
// removed.
type Entry struct {
	ID           int64 // ascending in the order entries were written for a pass
	PassID       string
	Amount       int64 // signed minor units: a top-up adds, a debit takes
	Currency     string
	Kind         string
	BalanceAfter int64
	By           string // staff user id; empty for the opening entry
	Till         string // the till it was booked at, if named
	OrderID      string // the order whose sale opened the card; empty otherwise
	Note         string
	// IdempotencyKey makes a booking safe to repeat: unique per pass.
	IdempotencyKey string
	CreatedAt      time.Time
}

// Booking asks a store to write one entry on a pass's balance, guarded by
// its credit limit.
type Booking struct {
	PassID string
	Kind   string // EntryTopUp or EntryDebit
	// Amount is signed: positive for a top-up, negative for a debit.
	Amount int64
	// CreditLimit: the balance may not go below -CreditLimit.
	CreditLimit int64
	// Opening is written as the account's first entry when the booking
	// opens it (see OpeningValue).
	Opening                        int64
	By, Till, Note, IdempotencyKey string
}

// Transfer asks a store to move pass PassID to a new medium: a new pass
// NewID with code NewCode, the old one's data and balance.
type Transfer struct {
	PassID, NewID, NewCode string
	// Opening is the old pass's opening value, should its account not be
	// open yet.
	Opening  int64
	By, Till string
}

// BalanceError: a booking would take the balance below minus the credit
// limit, or above MaxBalance. Nothing was written.
type BalanceError struct {
	PassID      string
	Balance     int64 // as it is
	CreditLimit int64
	Amount      int64 // the booking's, signed
	Currency    string
}

func (e *BalanceError) Error() string {
	if e.Amount > 0 {
		return fmt.Sprintf("pass %s: a top-up of %d would take the balance of %d %s above %d", e.PassID, e.Amount, e.Balance, e.Currency, MaxBalance)
	}
	return fmt.Sprintf("pass %s: a debit of %d exceeds the balance of %d %s (credit limit %d)", e.PassID, -e.Amount, e.Balance, e.Currency, e.CreditLimit)
}

// ReplacedError: the pass was replaced by another (a voucher exchanged, a
// card moved to another medium, a lost card replaced). Nothing was written.
type ReplacedError struct {
	PassID, By string
}

func (e *ReplacedError) Error() string {
	return fmt.Sprintf("pass %s was replaced by pass %s", e.PassID, e.By)
}

// CarriesValue says passes of kind have a balance: value cards, and
// customer cards (which may carry value).
func CarriesValue(kind string) bool { return kind == KindValue || kind == KindCustomer }

// Transferable says passes of kind may move to another medium: discount,
// value and customer cards.
func Transferable(kind string) bool { return slices.Contains(cardKinds, kind) }

// OpeningValue is what the card ps of product p holds when its account is
// opened: the product's value rule when set, else for a value card the price
// it was sold at (a value card sold at 50.00 holds 50.00), else nothing.
func (p Product) OpeningValue(ps Pass) int64 {
	switch {
	case !CarriesValue(p.Kind):
		return 0
	case p.Rules.Value > 0:
		return p.Rules.Value
	case p.Kind == KindValue:
		return ps.Price
	}
	return 0
}

// InUse says a pass in state s may pay, be topped up or move: not void,
// blocked, replaced or expired.
func InUse(s string) bool {
	switch s {
	case StateVoid, StateBlocked, StateReplaced, StateExpired:
		return false
	}
	return ValidState(s)
}

// TransferState is the state of the new medium a pass in state s moves to:
// one not yet produced keeps its state, one produced or handed out is
// handed over at the till. ok is false for a pass that may not move.
func TransferState(s string) (state string, ok bool) {
	switch s {
	case StateAwaitingPersonalization, StatePersonalized:
		return s, true
	case StatePrinted, StatePosted, StateDeposited, StateHandedOver:
		return StateHandedOver, true
	}
	return "", false
}

// Exchange makes the pass a voucher v is exchanged for: of product p (the
// voucher product's ExchangeFor), for holder h, on v's order line, printed
// and handed over at once at t (the counter produces it). It adds nothing to
// the receipt (the voucher was paid for). id and code are drawn by the
// caller.
func Exchange(v Pass, p Product, h Holder, id, code string, t time.Time, loc *time.Location, f Facility) Pass {
	from, to := p.SaleValidity(t, loc, f)
	return Pass{ID: id, OrderID: v.OrderID, ProductID: p.ID, ProductName: p.Name, Kind: p.Kind, Line: v.Line, Unit: v.Unit,
		Code: code, State: StateHandedOver, Personalize: p.NeedsPersonalization(), Holder: h, ValidFrom: from, ValidTo: to,
		PrintedAt: t, CreatedAt: t, UpdatedAt: t}
}

// ExchangeTarget says whether a voucher may be exchanged for product p: one
// pass of a kind that is sold (not a voucher, a staff card, a block of cards
// or a value card, whose value would be the voucher's).
func ExchangeTarget(p Product) error {
	switch p.Kind {
	case KindPassVoucher, KindStaff, KindBlock, KindValue:
		return fmt.Errorf("a pass voucher cannot be exchanged for a %s product", p.Kind)
	}
	return nil
}
