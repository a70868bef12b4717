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
	// ErrConflict is returned when a row is not in the state a change needs (an
	// order that is no longer reserved, say). Nothing was written.
	ErrConflict = errors.New("not in the required state")
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

// Order statuses. A reserved order (a pay-later booking) holds its seats until
// its deadline; it becomes paid, or expired or annulled and frees them.
const (
	OrderReserved = "reserved"
	OrderPaid     = "paid"
	OrderExpired  = "expired"
	OrderAnnulled = "annulled"
)

// Ticket statuses. Only live tickets count against the one-ticket-per-seat rule;
// a reserved order's tickets are live too, so nobody can sell its seats.
const (
	TicketLive     = "live"
	TicketVoid     = "void"
	TicketRefunded = "refunded"
)

// Staff roles.
const (
	RoleAdmin     = "admin"
	RoleOrganizer = "organizer"
	RoleBoxOffice = "box_office"
	RoleGate      = "gate"
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
	CreatedAt    time.Time
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

// User is a staff member.
type User struct {
	ID           string
	Login        string // unique, lower case
	Name         string
	Role         string
	PasswordHash string // encoded KDF hash; empty: token-only user
	Disabled     bool
	CreatedAt    time.Time
}

// APIToken is a staff bearer token, stored by the hash of its secret.
type APIToken struct {
	ID        string
	UserID    string
	Name      string
	Hash      string // hex SHA-256 of the token
	CreatedAt time.Time
}

// StaffSession is a signed-in staff browser, stored by the hash of its cookie.
type StaffSession struct {
	Hash    string // hex SHA-256 of the cookie value
	UserID  string
	CSRF    string
	Expires time.Time
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
	Channel        string    // the sales channel it was sold through
	SoldBy         string    // staff user id, empty for web orders
	PaymentMethod  string    // online, cash or card; empty while reserved
	Deadline       time.Time // when a reservation lapses; zero otherwise
	Tickets        []Ticket
	CreatedAt      time.Time
	UpdatedAt      time.Time
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
	// SoldSeats lists the dense indices of seats with a live ticket of a paid
	// order, ascending.
	SoldSeats(ctx context.Context, performanceID string) ([]uint32, error)
	// ReservedOrders lists the reserved orders of a performance.
	ReservedOrders(ctx context.Context, performanceID string) ([]Order, error)
	// PayReservation turns a reserved order paid; ErrConflict if it is not reserved.
	PayReservation(ctx context.Context, id, method, by string) (Order, error)
	// EndReservation turns a reserved order expired or annulled and voids its
	// tickets; ErrConflict if it is not reserved.
	EndReservation(ctx context.Context, id, status string) (Order, error)
	// ExtendReservation moves a reserved order's deadline; ErrConflict if it is
	// not reserved.
	ExtendReservation(ctx context.Context, id string, deadline time.Time) (Order, error)
	// SearchOrders finds orders by exact number or hold token, or by buyer name
	// or e-mail containing q (case-insensitive), newest first, at most limit.
	SearchOrders(ctx context.Context, q, performanceID string, limit int) ([]Order, error)

	ListHalls(ctx context.Context) ([]Hall, error) // without layouts

	SetChannels(ctx context.Context, id string, channels []string, seatChannels []uint8) error
	// SetBlocks blocks seats with a reason, replacing earlier reasons.
	SetBlocks(ctx context.Context, performanceID string, seats []uint32, reason string) error
	ClearBlocks(ctx context.Context, performanceID string, seats []uint32) error
	Blocks(ctx context.Context, performanceID string) ([]Block, error)

	CreateTemplate(ctx context.Context, t Template) error
	GetTemplate(ctx context.Context, id string) (Template, error)
	ListTemplates(ctx context.Context, hallID string) ([]Template, error) // without seat maps

	// CreateUser stores a user; a taken login gives ErrDuplicate.
	CreateUser(ctx context.Context, u User) error
	GetUser(ctx context.Context, id string) (User, error)
	UserByLogin(ctx context.Context, login string) (User, error)
	ListUsers(ctx context.Context) ([]User, error)
	CreateAPIToken(ctx context.Context, t APIToken) error
	// UserByToken returns the enabled user owning the token with this hash.
	UserByToken(ctx context.Context, hash string) (User, error)
	DeleteAPIToken(ctx context.Context, userID, id string) error
	CreateSession(ctx context.Context, s StaffSession) error
	// SessionUser returns a live session and its enabled user; ErrNotFound when
	// missing, expired or disabled.
	SessionUser(ctx context.Context, hash string, now time.Time) (StaffSession, User, error)
	DeleteSession(ctx context.Context, hash string) error
}
