package report

import "time"

// Document kinds (issue 17): what a venue's accountant asks for per
// performance, under the ticket-accounting rules.
const (
	KindActIssue       = "act_issue"       // акт выдачи: every ticket issued, by number
	KindActReturn      = "act_return"      // акт возврата: every ticket returned, by number, and the refunds
	KindRealization    = "realization"     // отчет о реализации: issued, returned, net; by zone and channel
	KindTicketMovement = "ticket_movement" // opening stock, issued, returned, voided, closing
	KindSettlement     = "settlement"      // what the organizer is owed
)

// DocumentKinds lists the kinds in the order pages show them.
var DocumentKinds = []string{KindActIssue, KindActReturn, KindRealization, KindTicketMovement, KindSettlement}

// KnownKind reports whether k is a document kind.
func KnownKind(k string) bool {
	for _, d := range DocumentKinds {
		if d == k {
			return true
		}
	}
	return false
}

// Document is a stored document: immutable once written. A document made
// again with the same content (the same SHA-256) is the one stored; with
// other content it is a new version that supersedes the last.
type Document struct {
	ID            string
	PerformanceID string // "" for a period's document
	Period        string // a period's document: its day, YYYY-MM-DD in the venue's zone
	Kind          string
	Version       int
	SHA256        string    // hex, of the PDF and the CSV (see documents.Hash)
	AsOf          time.Time // the moment it describes: the last change it counts
	Supersedes    string    // the version before; "" for the first
	SupersededBy  string    // the version after, when read in a list; "" for the newest
	CreatedAt     time.Time
	CreatedBy     string
	PDF, CSV      []byte // nil in lists
}

// TicketRow is a ticket of an issued order (paid, partly or wholly
// refunded) as the documents list it: with its order and its current form
// number, if drawn.
type TicketRow struct {
	TicketID    string
	Seat        uint32 // dense seat index
	SeatID      string
	Zone        string
	Price       int64
	Status      string // live, refunded
	OrderID     string
	OrderNumber string
	OrderStatus string
	Channel     string
	Buyer       string
	Currency    string
	Discount    int64     // the order's whole discount (not this ticket's share)
	OrderAt     time.Time // when the order was made
	UpdatedAt   time.Time // the order's last change
	Series      string    // "" before the number is drawn
	Number      int
	IssuedAt    time.Time
}

// LinkVersions sets SupersededBy on a list of documents that holds every
// version of each kind.
func LinkVersions(ds []Document) {
	by := map[string]string{} // supersedes → the document superseding it
	for _, d := range ds {
		if d.Supersedes != "" {
			by[d.Supersedes] = d.ID
		}
	}
	for i := range ds {
		ds[i].SupersededBy = by[ds[i].ID]
	}
}

// DocumentsDue is a performance whose documents are to be made
// automatically: it has ended or is cancelled, and some kind has no version
// describing its last change.
type DocumentsDue struct {
	PerformanceID string
	LastChange    time.Time // what its documents' as_of will be
}

// KindCashierDay is a period's document: what each staff member took and
// gave back at each till (channel) on a day, by payment method.
const KindCashierDay = "cashier_day"

// PeriodKinds lists the kinds made for a period.
var PeriodKinds = []string{KindCashierDay}

// CashierLine is one staff member's takings at one till by one payment
// method on a day: orders sold and their total, refunds given and their sum.
type CashierLine struct {
	Staff    string // "staff:<login>" (or the staff id of a token without a user)
	Till     string // the channel: box_office, staff, …
	Method   string // cash, card, …
	Currency string
	Orders   int
	Sold     int64
	Refunds  int
	Refunded int64
	Last     time.Time // the last sale or refund counted
}
