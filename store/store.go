package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/seatmap/seatmap/hall"
)

var (
	// ErrNotFound is returned when the requested row does not exist.
	ErrNotFound = errors.New("not found")
	// ErrDuplicate is returned when an id or order number is already taken.
	ErrDuplicate = errors.New("already exists")
	// ErrIdempotencyKey is returned by CreateOrder when the session already used the
	// idempotency key; load the first order with OrderByIdempotencyKey.
	ErrIdempotencyKey = errors.New("idempotency key already used")
)

// SeatsSoldError says that some seats of an order already have a live ticket for
// the performance. Nothing of the order was written.
type SeatsSoldError struct {
	Seats []uint32 // dense seat indices, ascending
}

func (e *SeatsSoldError) Error() string {
	return fmt.Sprintf("%d seat(s) already sold", len(e.Seats))
}

// Performance statuses.
const (
	StatusDraft   = "draft"
	StatusOnSale  = "on_sale"
	StatusStopped = "stopped"
)

// Order statuses.
const (
	OrderPaid = "paid"
)

// Ticket statuses. Only live tickets count against the one-ticket-per-seat rule.
const (
	TicketLive     = "live"
	TicketRefunded = "refunded"
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
	CreatedAt time.Time
}

// PerformanceFilter selects performances by start time, ordered by (StartsAt, ID).
// Zero times are unbounded. After* is the keyset cursor of the previous page.
type PerformanceFilter struct {
	From, To      time.Time // From inclusive, To exclusive
	AfterStartsAt time.Time
	AfterID       string
	Limit         int // 1..1000
}

// Order is a confirmed purchase and its tickets.
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
	Total          int64  // minor units
	Currency       string
	Tickets        []Ticket
	CreatedAt      time.Time
}

// Ticket is one seat of an order.
type Ticket struct {
	Seat   uint32 // dense seat index
	SeatID string // public seat id
	Zone   string // zone id at the time of sale
	Price  int64  // minor units
	Status string
}

// OrderFilter selects orders, newest first. Empty fields do not filter.
type OrderFilter struct {
	PerformanceID string
	Status        string
	Before        time.Time // keyset cursor: CreatedAt of the last order of the previous page
	BeforeID      string
	Limit         int // 1..1000
}

// Store is everything seatmap persists. Implementations are safe for concurrent use.
type Store interface {
	Ping(ctx context.Context) error
	Close()

	// Setting returns a stored setting or ErrNotFound.
	Setting(ctx context.Context, key string) (string, error)
	// InitSetting stores value unless the key exists, and returns the value that is
	// stored afterwards: concurrent callers all see the same winner.
	InitSetting(ctx context.Context, key, value string) (string, error)

	CreateHall(ctx context.Context, h Hall) error
	GetHall(ctx context.Context, id string) (Hall, error)

	CreatePerformance(ctx context.Context, p Performance) error
	GetPerformance(ctx context.Context, id string) (Performance, error)
	ListPerformances(ctx context.Context, f PerformanceFilter) ([]Performance, error)
	SetPerformanceStatus(ctx context.Context, id, status string) error
	SetZones(ctx context.Context, id string, zones []hall.Zone, seatZones []uint16) error

	// CreateOrder writes the order and its tickets in one transaction. A seat with a
	// live ticket already gives *SeatsSoldError; a reused (Session, IdempotencyKey)
	// gives ErrIdempotencyKey; a taken ID or Number gives ErrDuplicate. On any error
	// nothing is written. CreatedAt is set by the store and returned.
	CreateOrder(ctx context.Context, o Order) (Order, error)
	GetOrder(ctx context.Context, id string) (Order, error)
	OrderByIdempotencyKey(ctx context.Context, session, key string) (Order, error)
	ListOrders(ctx context.Context, f OrderFilter) ([]Order, error)
	// SoldSeats lists the dense indices of seats with a live ticket, ascending.
	SoldSeats(ctx context.Context, performanceID string) ([]uint32, error)
}
