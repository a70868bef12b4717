// Package order owns what an order is and the rules it keeps: statuses,
// tickets, the history of changes, and how much a refund gives back. The
// stores translate rows to these types; the sale that makes orders uses them.
package order

import (
	"errors"
	"fmt"
	"time"

	"github.com/seatmap/seatmap/outbox"
	"github.com/seatmap/seatmap/pass"
)

// ErrIdempotencyKey is returned by CreateOrder when the session already used the
// idempotency key; load the first order with OrderByIdempotencyKey.
var ErrIdempotencyKey = errors.New("idempotency key already used")

// SeatsSoldError says that some seats of an order already have a live ticket for
// the performance. Nothing of the order was written.
type SeatsSoldError struct {
	Seats []uint32 // dense seat indices, ascending
}

func (e *SeatsSoldError) Error() string {
	return fmt.Sprintf("%d seat(s) already sold", len(e.Seats))
}

// Order statuses. A reserved order (a pay-later booking) holds its seats until
// its deadline; it becomes paid, or expired or annulled and frees them.
const (
	Reserved = "reserved"
	Paid     = "paid"
	Expired  = "expired"
	Annulled = "annulled"
)

// Ticket statuses. Only live tickets count against the one-ticket-per-seat rule;
// a reserved order's tickets are live too, so nobody can sell its seats.
const (
	TicketLive     = "live"
	TicketVoid     = "void"
	TicketRefunded = "refunded"
)

// Order statuses after payment: a paid order that gave back part of its money
// is partially refunded, one that gave back all of it (or all its seats) is
// refunded.
const (
	PartRefunded = "partially_refunded"
	Refunded     = "refunded"
)

// Change says who changed an order and why. It is written to the order's
// history in the same transaction as the change, and so is its Notify message
// to the outbox: the change and its e-mail land together or not at all.
type Change struct {
	Actor  string          // "buyer", "system", or "staff:<login>"
	Reason string          // free text, may be empty
	Notify *outbox.Message // queued in the outbox with the change; nil: none
}

// Order history actions.
const (
	ActionCreated  = "created"  // reserved or paid, see Status
	ActionPaid     = "paid"     // a reservation paid
	ActionExtended = "extended" // a reservation's deadline moved
	ActionAnnulled = "annulled"
	ActionExpired  = "expired"
	ActionRefunded = "refunded"
	ActionResent   = "resent"   // the order e-mail sent again
	ActionReminded = "reminded" // the buyer reminded of a reservation's deadline
	ActionPrinted  = "printed"  // the box office printed its tickets (hard tickets)
)

// Event is one entry of an order's history. The stores refuse to update
// or delete these rows: the trail cannot be edited.
type Event struct {
	OrderID string
	At      time.Time
	Action  string
	Actor   string
	Reason  string
	Status  string // the order's status after the event
	Detail  string // what changed, for people ("deadline 2026-12-09T10:00:00Z", "2 seats, 50.00")
}

// Order is a confirmed purchase: its tickets and its passes. An order of
// passes alone has no PerformanceID.
type Order struct {
	ID             string
	Number         string // human-readable, unique
	PerformanceID  string
	Status         string
	BuyerName      string
	BuyerEmail     string
	Session        string // the buyer session that made the hold
	HoldToken      string
	IdempotencyKey string // unique per session; may be empty
	Total          int64  // minor units: what the buyer pays, after Discount
	Discount       int64  // minor units taken off by VoucherCode
	VoucherCode    string // the voucher or promotion redeemed; empty: none
	Refunded       int64  // minor units given back so far
	Currency       string
	Channel        string    // the sales channel it was sold through
	SoldBy         string    // staff user id, empty for web orders
	PaymentMethod  string    // online, cash or card; empty while reserved
	Deadline       time.Time // when a reservation lapses; zero otherwise
	// AccessKey opens the order to whoever has it (the link in its e-mail),
	// without the session that made it. Secret: never logged.
	AccessKey string
	// Notes are staff's remarks on the order: a rescheduled order names the
	// original's number, the original the new one (issue 16).
	Notes   string
	Tickets []Ticket
	// Passes are the units of products sold with (or without) the seats,
	// each with its price on the receipt: see pass.Sell.
	Passes    []pass.Pass
	CreatedAt time.Time
	UpdatedAt time.Time
	// Payments are the order's payments and refunds at a payment provider,
	// where a caller read them (package checkout, for the order's page); the
	// stores neither write nor read them with the order.
	Payments []Payment
	// Origin is written with a new order: its first history entry, and its
	// e-mail to the outbox. Not read back.
	Origin Change
}

// Ticket is one seat of an order.
type Ticket struct {
	ID     string // public, unique
	Code   string // what the gate scans: unique, unguessable; see TicketCodeLen
	Seat   uint32 // dense seat index
	SeatID string // public seat id
	Zone   string // zone id at the time of sale
	Price  int64  // minor units: what it was sold for, at its fare
	Status string
	// Fare is the id of the fare it was sold at (pricing.Fare; "normal" for
	// every ticket sold before fares), FareName its name then: a ticket keeps
	// both whatever becomes of the performance's fares.
	Fare     string
	FareName string
	// PrintedAt is when the box office first printed it as a hard ticket;
	// zero if never.
	PrintedAt time.Time
}

// Filter selects orders, newest first. Empty fields do not filter.
type Filter struct {
	PerformanceID string
	Status        string
	Channel       string
	Buyer         string    // contained in the buyer's name or e-mail, any case
	From, To      time.Time // made in [From, To)
	Before        time.Time // keyset cursor: CreatedAt of the last order of the previous page
	BeforeID      string
	Limit         int // 1..1000
}
