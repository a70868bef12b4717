// Package catalog owns what is on offer: halls (their layouts as stored),
// performances in them with their price zones, sales channels (quotas) and
// blocked seats, and templates that set a later performance up the same way.
// The stores translate rows to these types.
package catalog

import (
	"time"

	"github.com/seatmap/seatmap/hall"
)

// Performance statuses.
const (
	Draft   = "draft"
	OnSale  = "on_sale"
	Stopped = "stopped"
	// Cancelled: the performance will not take place (issue 16); its orders
	// are refunded by a cancel job and nothing is sold or confirmed again.
	Cancelled = "cancelled"
)

// Hall is a stored hall layout.
type Hall struct {
	ID        string
	Name      string
	Layout    []byte // the layout JSON as accepted by hall.Parse
	Seats     int
	CreatedAt time.Time
}

// Performance is one dated showing in one hall.
type Performance struct {
	ID        string
	HallID    string
	Name      string
	StartsAt  time.Time
	Status    string
	Zones     []hall.Zone
	SeatZones []uint16 // per dense seat index: index into Zones, or hall.NoZone; nil in lists
	// Channels names the sales channels (quotas); index 0 is "web".
	Channels []string
	// SeatChannels is each seat's index into Channels; nil in lists, and nil or
	// empty when every seat is in the web channel.
	SeatChannels []uint8
	// Reentry lets a ticket in again after an exit (the gate); by default a
	// ticket admits once.
	Reentry   bool
	CreatedAt time.Time
}

// Block is a seat taken out of sale, with the reason (mixer desk, fire watch…).
type Block struct {
	Seat   uint32
	Reason string
}

// Template is a saved set-up of a hall: zones, quotas and blocks, applied to
// later performances in one step.
type Template struct {
	ID           string
	HallID       string
	Name         string
	Zones        []hall.Zone
	SeatZones    []uint16
	Channels     []string
	SeatChannels []uint8
	Blocks       []Block
	CreatedAt    time.Time
}

// PerformanceFilter selects performances by start time, ordered by (StartsAt, ID).
// Zero times are unbounded. After* is the keyset cursor of the previous page.
type PerformanceFilter struct {
	From, To      time.Time // From inclusive, To exclusive
	AfterStartsAt time.Time
	AfterID       string
	Limit         int // 1..1000
}

// ChannelsOrWeb returns the channel names of a performance, "web" alone when none.
func ChannelsOrWeb(c []string) []string {
	if len(c) == 0 {
		return []string{"web"}
	}
	return c
}

// Job kinds and states (issue 16): long work on a performance run in the
// background, one transaction per order, resumed on start while running.
const (
	JobCancel = "cancel"

	JobRunning = "running"
	JobDone    = "done"
	JobFailed  = "failed"
)

// Job is a background job on a performance and how far it got: Done and
// Failed count the orders handled (failed ones are retried when it resumes),
// Total is how many it had to handle.
type Job struct {
	ID            string
	Kind          string
	PerformanceID string
	State         string
	Done          int
	Total         int
	Failed        int
	Reason        string // what the organizer gave (the cancel's reason)
	Error         string // why it failed, for staff
	CreatedBy     string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// JobReschedule moves a performance's orders to its replacement date (issue
// 16, seed 003 Ersatztermin).
const JobReschedule = "reschedule"

// What a reschedule does with the original's reservations.
const (
	KeepReservations    = "keep"    // kept as reservations on the replacement
	ReleaseReservations = "release" // their seats free on the replacement
	DecideReservations  = "decide"  // blocked "reserved previous date" until staff decide each
)

// Block reasons a reschedule writes on the replacement. A seat still to be
// moved is blocked with BlockMoving until its order's move is stored; a
// printed ticket's seat stays blocked with BlockPrintedPrevious (the old
// ticket admits to the new date, its money stays with the original), and a
// reservation waiting for staff's decision with BlockReservedPrevious.
const (
	BlockMoving           = "system: moving from previous date"
	BlockPrintedPrevious  = "gedruckt Vortermin"
	BlockReservedPrevious = "reserviert Vortermin"
)

// SystemBlock reports whether a block was made by the system rather than
// by staff: a replacement date does not carry such blocks over.
func SystemBlock(reason string) bool {
	return len(reason) >= 7 && reason[:7] == "system:"
}

// Reschedule is a performance moved to a replacement date: the replacement
// (set up with the original's data), the job that moves the orders, and
// what happens to reservations.
type Reschedule struct {
	OriginID      string
	ReplacementID string
	JobID         string
	StartsAt      time.Time
	Reservations  string // KeepReservations, ReleaseReservations or DecideReservations
	OriginStatus  string // the original's status before it stopped, for the replacement
	SetUp         bool   // the replacement is set up (zones, channels, blocks, status)
	CreatedAt     time.Time
}
