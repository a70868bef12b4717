package pass

import (
	"slices"
	"time"
)

// Pass states (issue 14). A pass that needs a holder starts awaiting
// personalization and goes personalized → printed (ready to ship) → posted
// or deposited → handed over. A pass that needs no holder (a day ticket, a
// block's cards, a value card sold unpersonalized) starts handed over: its
// code, on the order page and in the e-mail, is the pass, so there is
// nothing to produce and it never enters a print batch.
//
// Blocked is staff's lock, which unblock lifts; Void is terminal and is
// seatd's own: a pass refunded, or of an order that ended unpaid (its
// payment failed, a reservation lapsed). A void pass's code admits no one
// and no transition leaves the state, so a refunded pass cannot be unblocked
// back into use.
const (
	StateAwaitingPersonalization = "awaiting_personalization"
	StatePersonalized            = "personalized"
	StatePrinted                 = "printed"
	StatePosted                  = "posted"
	StateDeposited               = "deposited"
	StateHandedOver              = "handed_over"
	StateBlocked                 = "blocked"
	StateReplaced                = "replaced"
	StateExpired                 = "expired"
	StateVoid                    = "void"
)

// States lists every pass state.
var States = []string{StateAwaitingPersonalization, StatePersonalized, StatePrinted, StatePosted, StateDeposited,
	StateHandedOver, StateBlocked, StateReplaced, StateExpired, StateVoid}

// Bounds on what one order sells.
const (
	MaxItems    = 20  // lines of products in one order
	MaxQuantity = 100 // units of one line
)

// Holder is the person a pass is made out to.
type Holder struct {
	Name      string
	BirthDate Date
}

// Pass is one unit of a product sold: one card of a block, one annual pass.
// It is written with its order, in the order's transaction.
type Pass struct {
	ID          string // public, unique
	OrderID     string
	ProductID   string
	ProductName string // at the time of sale
	Kind        string
	// Line is the order line (item, from 0) it was sold in, Unit the unit
	// of that line: a block's cards share both and are refunded together.
	Line, Unit int
	Price      int64 // minor units: what this unit adds to the receipt
	// Code is what a gate scans: unguessable, drawn like a ticket's code
	// (order.NewTicketCode); shown once its order is paid.
	Code  string
	State string
	// Personalize: the pass needs a holder before it is produced.
	Personalize bool
	Holder      Holder
	// ValidFrom and ValidTo bound it, both included; zero is open (a
	// first-use pass gets its period when first used).
	ValidFrom, ValidTo Date
	// PersonalizeToken opens the order's passes for personalization
	// without an account; one per order. Secret: never logged.
	PersonalizeToken string
	ReplacedBy       string    // the pass that replaced it (state replaced)
	PrintedAt        time.Time // zero until printed
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// Live says the pass counts as sold: not void. Refunds take live passes.
func (p Pass) Live() bool { return p.State != StateVoid }

// NeedsPersonalization says a product's passes need a holder: annual and
// customer cards always, the others when their product says so.
func (p Product) NeedsPersonalization() bool {
	return p.Kind == KindAnnual || p.Kind == KindCustomer || p.Rules.Personalized
}

// InitialState is the state a pass of the product is issued in.
func (p Product) InitialState() string {
	if p.NeedsPersonalization() {
		return StateAwaitingPersonalization
	}
	return StateHandedOver
}

// Units is how many passes one unit of the product is: a block card's
// cards, else one.
func (p Product) Units() int {
	if p.Kind == KindBlock && p.Rules.Cards > 0 {
		return p.Rules.Cards
	}
	return 1
}

// SaleValidity is the period a pass of the product sold at t (in the
// venue's zone loc) is valid for, as far as the sale decides it: fixed
// dates; a calendar period holding the day of sale (the week, month or year
// of it; the facility's season); a first-use or open product keeps only its
// bounds, the gate sets the rest at first use.
func (p Product) SaleValidity(t time.Time, loc *time.Location, f Facility) (from, to Date) {
	v := p.Validity
	switch v.Mode {
	case ValidCalendar:
		return p.Period(DayIn(t, loc), f)
	default:
		return v.From, v.To
	}
}

// Sell makes the passes of quantity units of product p sold on order line
// line at t: each unit's cards, the first card of a block at the product's
// price and the others at 0 (the receipt of seed 002). Ids, codes and the
// personalization token are drawn by the order (order.Issue).
func Sell(p Product, line, quantity int, t time.Time, loc *time.Location, f Facility) []Pass {
	from, to := p.SaleValidity(t, loc, f)
	units := p.Units()
	out := make([]Pass, 0, quantity*units)
	for unit := range quantity {
		for card := range units {
			price := p.Price
			if card > 0 {
				price = 0
			}
			out = append(out, Pass{ProductID: p.ID, ProductName: p.Name, Kind: p.Kind, Line: line, Unit: unit, Price: price,
				State: p.InitialState(), Personalize: p.NeedsPersonalization(), ValidFrom: from, ValidTo: to})
		}
	}
	return out
}

// PassFilter selects passes, newest first. Empty fields do not filter.
type PassFilter struct {
	State     string
	ProductID string
	OrderID   string
	Before    time.Time // keyset cursor: CreatedAt of the last pass of the previous page
	BeforeID  string
	Limit     int // 1..1000
}

// ValidState says s names a pass state.
func ValidState(s string) bool { return slices.Contains(States, s) }
