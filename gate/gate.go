// Package gate decides, at a turnstile, whether the holder of a code — a
// pass (issue 14) or a seat ticket — may pass this gate now, by the rules of
// seed 002 (Zutrittsprodukte), and says why. Decide is a pure function of
// what the code is (Subject), what the gate remembers of it (Usage), the
// gate, the scan and the facility's settings; the store runs it inside the
// transaction that records the scan, so that a decision and its record are
// one atomic step and two gates scanning one code at once decide one after
// the other.
package gate

import (
	"time"

	"github.com/seatmap/seatmap/pass"
)

// Directions of a scan, and of a gate (which may serve both).
const (
	In   = "in"
	Out  = "out"
	Both = "both"
)

// AllZones is the zone occupancy counts people in who came through a gate
// of every zone.
const AllZones = "*"

// Verdicts.
const (
	Granted = "granted"
	Denied  = "denied"
)

// Reasons a scan is denied (or, for a grant, "" ). A denial is a verdict,
// not an error: it is recorded like a grant.
const (
	ReasonUnknown           = "unknown"               // no pass or ticket has this code
	ReasonLocked            = "locked"                // blocked by staff (Datenträgersperre)
	ReasonReplaced          = "replaced"              // a lost card's old code
	ReasonRefunded          = "refunded"              // refunded, or its order never paid
	ReasonNotPersonalized   = "not_personalized"      // a pass that needs a holder has none yet
	ReasonNoEntry           = "no_entry"              // the product gives no entry (a discount card, a voucher)
	ReasonExpired           = "expired"               // past its validity
	ReasonNotValidToday     = "not_valid_today"       // not yet valid, or not on this day
	ReasonOutsideHours      = "outside_opening_hours" // the facility is closed
	ReasonOutsideWindow     = "outside_window"        // outside the product's window of the day
	ReasonUsedUp            = "used_up"               // no entry left today (or ever, for a ticket)
	ReasonDaysUsedUp        = "days_used_up"          // every entry day consumed
	ReasonReentryLocked     = "reentry_locked"        // the re-entry lock runs until RetryAt
	ReasonPassback          = "passback"              // a second entry without an exit
	ReasonNoZone            = "no_zone"               // the pass does not admit to this gate's zones
	ReasonSurchargeDue      = "surcharge_due"         // a time card overstayed: pay at the till first
	ReasonWrongPerformance  = "wrong_performance"     // a ticket of another performance
	ReasonWrongDirection    = "wrong_direction"       // an entry at an exit-only gate, or the reverse
	ReasonInsufficientFunds = "credit_limit"          // an automatic debit would pass the credit limit
)

// Product settings where seed 002 leaves a choice open (pass.Rules keeps
// them; these are their values).
const (
	// ReentryFromEntry (the default): the re-entry lock counts from the last
	// entry ("Wiedereintrittssperre": minutes since one came in).
	ReentryFromEntry = "entry"
	// ReentryFromExit: it counts from the last exit.
	ReentryFromExit = "exit"
	// SurchargeFromDuration (the default): once the tolerance is exceeded,
	// intervals are counted from the end of the duration (the tolerance is
	// a grace, not free time).
	SurchargeFromDuration = "duration"
	// SurchargeFromTolerance: intervals are counted from the end of the
	// tolerance.
	SurchargeFromTolerance = "tolerance"
)

// Gate is a turnstile or door: which zones it leads into (none: every
// zone), which way it counts, and optionally the one performance whose
// tickets it admits.
type Gate struct {
	ID            string
	Name          string
	Zones         []string
	Direction     string // In, Out or Both
	PerformanceID string // "": tickets of any performance of the day
	CreatedAt     time.Time
}

// Ticket is a seat ticket as the gate sees it.
type Ticket struct {
	ID            string
	OrderID       string
	PerformanceID string
	// Day is the performance's day in the venue's zone.
	Day pass.Date
	// Status is the ticket's: live, refunded or void.
	Status string
	// Reentry: the performance lets a ticket in again after an exit.
	Reentry bool
	Holder  string
}

// Subject is what a code is: a pass with its product, or a ticket.
type Subject struct {
	Code    string
	Pass    *pass.Pass
	Product pass.Product
	Ticket  *Ticket
	// Debit: a value or customer card with an automatic debit (seed 002,
	// "Aufzahlung") enters by the rules of the product it books, paid from
	// its balance; nil for other codes.
	Debit *Debit
}

// Debit is what an automatic debit at entry needs: the product booked, the
// card's balance and how far below zero it may go.
type Debit struct {
	Product     pass.Product
	Balance     int64
	CreditLimit int64
}

// Usage is what the gates remember of one code: it is the state the rules
// read and the grant changes. The zero Usage is a code never scanned.
type Usage struct {
	Inside    bool      `json:"inside,omitempty"`
	LastEntry time.Time `json:"last_entry,omitzero"`
	LastExit  time.Time `json:"last_exit,omitzero"`
	// Day is the day Entries counts; Entries the entries granted on it.
	Day     pass.Date `json:"day,omitzero"`
	Entries int       `json:"entries,omitempty"`
	// Total counts every entry granted.
	Total int `json:"total,omitempty"`
	// Days are the entry days consumed, in order (multi-day, day-choice).
	Days []pass.Date `json:"days,omitempty"`
	// FirstUse is the day of the first entry: where a first-use validity
	// and a day ticket of open validity start.
	FirstUse pass.Date `json:"first_use,omitzero"`
	// StayStart is when the current stay began (a time card's clock);
	// SurchargePaid what was paid at the till for it.
	StayStart     time.Time `json:"stay_start,omitzero"`
	SurchargePaid int64     `json:"surcharge_paid,omitempty"`
	// Zones an entitlement added for good; VisitZones for this visit (they
	// end at the next exit).
	Zones      []string `json:"zones,omitempty"`
	VisitZones []string `json:"visit_zones,omitempty"`
	// InZones are the zones of the gate it last came in through: what
	// occupancy counts it in while inside.
	InZones []string `json:"in_zones,omitempty"`
	// Version counts changes.
	Version int `json:"-"`
}

// Scan is one reading of a code at a gate.
type Scan struct {
	Code      string
	GateID    string
	Direction string // In or Out
	// Nonce makes a scanner's retry the same scan: recorded once.
	Nonce string
	At    time.Time
}

// Verdict is the gate's answer.
type Verdict struct {
	Verdict string // Granted or Denied
	Reason  string // "" for a plain grant
	// RetryAt: when a re-entry lock ends.
	RetryAt time.Time
	// SurchargeDue: what a time card owes before it may leave, minor
	// units of Currency.
	SurchargeDue int64
	Currency     string
	// Remaining: entries left today (limited entries), or entry days left;
	// nil when unlimited or not counted.
	Remaining *int
	// Holder: the person the pass or ticket is made out to, for the gate
	// person to compare with the photo.
	Holder string
	// Debit: what a granted entry books on a value card (the automatic
	// debit's price), for the store to write with the scan.
	Debit int64
	// Kind: "pass" or "ticket"; PassID or TicketID names it.
	Kind     string
	PassID   string
	TicketID string
}

// OK says the scan was granted.
func (v Verdict) OK() bool { return v.Verdict == Granted }
