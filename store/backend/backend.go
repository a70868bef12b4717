// Package backend is what a store backend is: Store, everything seatmap
// persists, which store/postgres and store/sqlite implement (and
// store/storetest checks), and Guard, which runs every call of one through a
// circuit breaker. Domain packages do not use Store: each declares the few
// methods it needs.
package backend

import (
	"context"
	"time"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/gate"
	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/outbox"
	"github.com/seatmap/seatmap/pass"
	"github.com/seatmap/seatmap/pricing"
	"github.com/seatmap/seatmap/report"
	"github.com/seatmap/seatmap/staff"
	"github.com/seatmap/seatmap/voucher"
)

// Store is everything seatmap persists. Implementations are safe for concurrent use.
type Store interface {
	Ping(ctx context.Context) error
	Close()
	// Classify marks an error this store returned with store.ErrUnavailable or
	// store.ErrInvalid when it is one of those (errors.Is finds the mark, and the
	// driver's error too); any other error comes back as it is. The driver's
	// errors are known to the adapter alone.
	Classify(err error) error

	// Setting returns a stored setting or ErrNotFound.
	Setting(ctx context.Context, key string) (string, error)
	// InitSetting stores value unless the key exists, and returns the value that is
	// stored afterwards: concurrent callers all see the same winner.
	InitSetting(ctx context.Context, key, value string) (string, error)

	CreateHall(ctx context.Context, h catalog.Hall) error
	GetHall(ctx context.Context, id string) (catalog.Hall, error)

	CreatePerformance(ctx context.Context, p catalog.Performance) error
	GetPerformance(ctx context.Context, id string) (catalog.Performance, error)
	ListPerformances(ctx context.Context, f catalog.PerformanceFilter) ([]catalog.Performance, error)
	SetPerformanceStatus(ctx context.Context, id, status string) error
	// CreateJob stores a job unless one of its kind exists for its
	// performance (ErrNotFound without the performance), and returns the
	// stored job; created says whether it is the new one.
	CreateJob(ctx context.Context, j catalog.Job) (_ catalog.Job, created bool, _ error)
	// GetJob returns a job or ErrNotFound.
	GetJob(ctx context.Context, id string) (catalog.Job, error)
	// UpdateJob writes a job's state, counters and error (ErrNotFound).
	UpdateJob(ctx context.Context, j catalog.Job) (catalog.Job, error)
	// RunningJobs lists the jobs still running, oldest first.
	RunningJobs(ctx context.Context) ([]catalog.Job, error)
	Replacements
	SetZones(ctx context.Context, id string, zones []hall.Zone, seatZones []uint16) error
	// CreateReschedule stores a reschedule (issue 16) unless its original
	// has one, and returns the stored one; created says whether it is new.
	// ErrNotFound without the performance.
	CreateReschedule(ctx context.Context, r catalog.Reschedule) (_ catalog.Reschedule, created bool, _ error)
	// GetReschedule returns the reschedule of a performance, as original or
	// replacement; ErrNotFound if none.
	GetReschedule(ctx context.Context, performanceID string) (catalog.Reschedule, error)
	// MarkRescheduleSetUp records that a reschedule's replacement is set up.
	MarkRescheduleSetUp(ctx context.Context, originID string) error
	// MoveOrder writes one order's move to the replacement in one
	// transaction (see order.Move): written once per original order (moved
	// false and the stored move otherwise; a pending move is decided once);
	// a seat of the new order sold already gives *order.SeatsSoldError.
	MoveOrder(ctx context.Context, m order.Move) (_ order.Move, moved bool, _ error)
	// OrderMoves lists the moves of an original's orders, oldest first.
	OrderMoves(ctx context.Context, originID string) ([]order.Move, error)
	// GetOrderMove returns an original order's move; ErrNotFound if none.
	GetOrderMove(ctx context.Context, originOrderID string) (order.Move, error)
	// PerformanceFares returns a performance's fares in their order, as
	// stored (the normal fare without prices: pricing.WithZones fills them
	// in); none when they were never set.
	PerformanceFares(ctx context.Context, performanceID string) ([]pricing.Fare, error)
	// SetPerformanceFares replaces a performance's fares (as
	// pricing.NormalizeFares returns them) at once; ErrNotFound without the
	// performance.
	SetPerformanceFares(ctx context.Context, performanceID string, fares []pricing.Fare) error

	// CreateOrder writes the order, its tickets and its passes in one transaction, with its
	// Origin (history entry and outbox message) and, when VoucherCode is set, one
	// use of that code. A seat with a live ticket already gives *SeatsSoldError;
	// a reused (Session, IdempotencyKey) gives ErrIdempotencyKey; a taken ID or
	// Number gives ErrDuplicate; a code that is unknown, not available or used
	// up gives *CodeError. On any error nothing is written. CreatedAt is set by
	// the store and returned.
	CreateOrder(ctx context.Context, o order.Order) (order.Order, error)
	GetOrder(ctx context.Context, id string) (order.Order, error)
	OrderByIdempotencyKey(ctx context.Context, session, key string) (order.Order, error)
	ListOrders(ctx context.Context, f order.Filter) ([]order.Order, error)
	// SoldSeats lists the dense indices of seats with a live ticket of a paid
	// order (also one partly or wholly refunded by amount: its tickets stay
	// live), ascending.
	SoldSeats(ctx context.Context, performanceID string) ([]uint32, error)
	// ReservedOrders lists the reserved orders of a performance and those
	// waiting for their payment (pending_payment): both hold their seats until
	// their deadline.
	ReservedOrders(ctx context.Context, performanceID string) ([]order.Order, error)
	// PayReservation turns a reserved order paid; ErrConflict if it is not
	// reserved. by is the staff user id recorded as seller (empty: unchanged).
	PayReservation(ctx context.Context, id, method, by string, c order.Change) (order.Order, error)
	// EndReservation turns a reserved order expired or annulled, or an order
	// waiting for its payment payment_failed, voids its tickets and gives its
	// code's use back; ErrConflict if it is not reserved (pending_payment).
	EndReservation(ctx context.Context, id, status string, c order.Change) (order.Order, error)
	// ExtendReservation moves a reserved order's deadline; ErrConflict if it is
	// not reserved.
	ExtendReservation(ctx context.Context, id string, deadline time.Time, c order.Change) (order.Order, error)
	// RefundOrder gives back seats or an amount of a paid or partially refunded
	// order, in one transaction with its history entry and message: refunded
	// tickets stop being live, Refunded and Status move on. The order must be
	// paid or partially refunded (else ErrConflict), every seat a live ticket of
	// it (else ErrConflict), the amount more than zero and within what is left
	// (else ErrExceedsPaid). A second request with the same IdempotencyKey for
	// the order returns the first refund and replayed, whatever it asks; the
	// order's row lock makes racing requests take turns.
	RefundOrder(ctx context.Context, r order.RefundRequest) (o order.Order, rf order.Refund, replayed bool, err error)
	// Refunds lists an order's refunds, oldest first.
	Refunds(ctx context.Context, orderID string) ([]order.Refund, error)
	// OrderHistory lists an order's history, oldest first.
	OrderHistory(ctx context.Context, orderID string) ([]order.Event, error)
	// RecordOrderEvent appends to an order's history, with c.Notify queued in
	// the same transaction (a re-sent e-mail). ErrNotFound for no such order;
	// ErrDuplicate, with nothing written, for a second reminder of one order.
	RecordOrderEvent(ctx context.Context, orderID, action, detail string, c order.Change) error
	// RemindersDue lists up to limit reserved orders with a buyer e-mail whose
	// deadline is in (now, now+lead], that were made more than lead before it
	// (a reservation for less than lead needs no reminder) and have no
	// reminder queued yet, soonest deadline first.
	RemindersDue(ctx context.Context, now time.Time, lead time.Duration, limit int) ([]order.Order, error)
	// SavePayment writes a payment or refund at a provider, or, when the order
	// already has a row with its idempotency key, fills in the provider id and
	// status that row lacked (a pending row moves on; a settled one stays) and
	// returns the row as stored. ErrNotFound for no such order; ErrDuplicate
	// for a provider id another row has.
	SavePayment(ctx context.Context, p order.Payment) (order.Payment, error)
	// Payments lists an order's payments and refunds at providers, oldest first.
	Payments(ctx context.Context, orderID string) ([]order.Payment, error)
	// PaymentByProviderID finds a payment or refund by the provider's id;
	// order.ErrPaymentNotFound if none.
	PaymentByProviderID(ctx context.Context, provider, id string) (order.Payment, error)
	// ApplyPaymentEvent records a provider's event (provider, event id) and
	// applies it as order.PlanPayment says, in one transaction: the payment
	// row, the order (paid, payment_failed; a lapsed order's tickets live again
	// when SellAgain and nobody else has its seats), a refund row to give late
	// money back, the history entry and e-mail. An event recorded before is a
	// replay: Replayed, nothing changed. An unknown payment
	// (order.ErrPaymentNotFound) or one the event does not match
	// (order.ErrPaymentMismatch) records nothing.
	ApplyPaymentEvent(ctx context.Context, e order.PaymentEvent) (order.PaymentResult, error)
	// ListPayments lists payment and refund rows made in [From, To) with
	// their orders' number, status, total, refunded amount and currency,
	// newest first, keyset-paged (order.PaymentFilter); without client
	// secrets.
	ListPayments(ctx context.Context, f order.PaymentFilter) ([]order.PaymentLine, error)
	// SalesReport sums orders and refunds (see SalesFilter and SalesFigures).
	SalesReport(ctx context.Context, f report.Filter) (report.Sales, error)
	// SalesTimeline counts paid orders and refunds by UTC quarter hour
	// (report.TimeRow), in one snapshot (issue 17).
	SalesTimeline(ctx context.Context, f report.Filter) ([]report.TimeRow, error)
	// SalesExport is SalesReport and SalesTimeline from one snapshot.
	SalesExport(ctx context.Context, f report.Filter) (report.Sales, []report.TimeRow, error)

	// CreatePromotion stores a promotion; ErrDuplicate if any voucher or
	// promotion has its code.
	CreatePromotion(ctx context.Context, c voucher.Code) error
	// CreateVoucherBatch stores a batch and its vouchers, all or none;
	// ErrDuplicate if a code is taken.
	CreateVoucherBatch(ctx context.Context, b voucher.Batch, codes []voucher.Code) error
	GetVoucherBatch(ctx context.Context, id string) (voucher.Batch, error)
	ListVoucherBatches(ctx context.Context) ([]voucher.Batch, error) // newest first
	GetCode(ctx context.Context, code string) (voucher.Code, error)
	ListCodes(ctx context.Context, f voucher.Filter) ([]voucher.Code, error)
	// SetCodeState moves a code: prepared → available, prepared or available →
	// blocked, blocked → available. Anything else gives ErrConflict.
	SetCodeState(ctx context.Context, code, state string) (voucher.Code, error)

	// ClaimOutbox takes up to limit unsent messages due at now, oldest first,
	// and hides them from other claims until now+lease; Attempts counts the
	// claim.
	ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]outbox.Message, error)
	// MarkSent records a claimed message as sent; it is never claimed again.
	MarkSent(ctx context.Context, id string, at time.Time) error
	// MarkFailed records a failed attempt; the message is due again at retry.
	MarkFailed(ctx context.Context, id, reason string, retry time.Time) error
	// OrderMessages lists an order's messages, oldest first.
	OrderMessages(ctx context.Context, orderID string) ([]outbox.Message, error)
	// SearchOrders finds orders by exact number or hold token, or by buyer name
	// or e-mail containing q (case-insensitive), newest first, at most limit.
	SearchOrders(ctx context.Context, q, performanceID string, limit int) ([]order.Order, error)

	ListHalls(ctx context.Context) ([]catalog.Hall, error) // without layouts

	SetChannels(ctx context.Context, id string, channels []string, seatChannels []uint8) error
	// SetBlocks blocks seats with a reason, replacing earlier reasons.
	SetBlocks(ctx context.Context, performanceID string, seats []uint32, reason string) error
	ClearBlocks(ctx context.Context, performanceID string, seats []uint32) error
	Blocks(ctx context.Context, performanceID string) ([]catalog.Block, error)

	CreateTemplate(ctx context.Context, t catalog.Template) error
	GetTemplate(ctx context.Context, id string) (catalog.Template, error)
	ListTemplates(ctx context.Context, hallID string) ([]catalog.Template, error) // without seat maps

	// CreateUser stores a user; a taken login gives ErrDuplicate.
	CreateUser(ctx context.Context, u staff.User) error
	GetUser(ctx context.Context, id string) (staff.User, error)
	UserByLogin(ctx context.Context, login string) (staff.User, error)
	ListUsers(ctx context.Context) ([]staff.User, error)
	CreateAPIToken(ctx context.Context, t staff.Token) error
	// UserByToken returns the enabled user owning the token with this hash.
	UserByToken(ctx context.Context, hash string) (staff.User, error)
	DeleteAPIToken(ctx context.Context, userID, id string) error
	CreateSession(ctx context.Context, s staff.Session) error
	// SessionUser returns a live session and its enabled user; ErrNotFound when
	// missing, expired or disabled.
	SessionUser(ctx context.Context, hash string, now time.Time) (staff.Session, staff.User, error)
	DeleteSession(ctx context.Context, hash string) error

	// CreateProduct stores a new product at version 1, its times set by the
	// store; ErrDuplicate for a taken id.
	CreateProduct(ctx context.Context, p pass.Product) (pass.Product, error)
	// UpdateProduct replaces a product's fields (not its kind) if it is at
	// p.Version, and returns it at the next version; ErrNotFound, or
	// ErrConflict at another version, with nothing written.
	UpdateProduct(ctx context.Context, p pass.Product) (pass.Product, error)
	GetProduct(ctx context.Context, id string) (pass.Product, error)
	// ListProducts lists products by (created, id) after the filter's cursor.
	ListProducts(ctx context.Context, f pass.Filter) ([]pass.Product, error)
	// GetFacility returns the facility's settings; the zero Facility
	// (Version 0) when none were stored.
	GetFacility(ctx context.Context) (pass.Facility, error)
	// PutFacility stores the settings if the stored ones are at f.Version (0:
	// none yet) and returns them at the next version; ErrConflict otherwise.
	PutFacility(ctx context.Context, f pass.Facility) (pass.Facility, error)

	// GetPass returns a pass (written with its order by CreateOrder), or
	// ErrNotFound.
	GetPass(ctx context.Context, id string) (pass.Pass, error)
	// PassesOfOrder lists an order's passes by line and unit; none for an
	// unknown order.
	PassesOfOrder(ctx context.Context, orderID string) ([]pass.Pass, error)
	// PassesByToken lists the passes a personalization token opens; none for
	// an unknown or empty token.
	PassesByToken(ctx context.Context, token string) ([]pass.Pass, error)
	// ListPasses lists passes newest first (created, id), filtered by state,
	// product and order, keyset-paged by Before/BeforeID.
	ListPasses(ctx context.Context, f pass.PassFilter) ([]pass.Pass, error)
	// PersonalizePass names the holder of pass id, which token must open,
	// and makes it personalized, in one statement guarded by its state
	// (awaiting personalization or personalized): ErrNotFound if token opens
	// no such pass, ErrConflict if it is past personalization.
	PersonalizePass(ctx context.Context, token, id string, h pass.Holder) (pass.Pass, error)
	// MarkPassesPrinted moves the personalized passes among ids to printed
	// (printed at the store's clock) and returns them.
	MarkPassesPrinted(ctx context.Context, ids []string) ([]pass.Pass, error)
	// MovePass makes move m on pass id in one statement guarded by its
	// state, recording actor and note in the pass's history: ErrNotFound,
	// or a *pass.StateError naming the state it is in.
	MovePass(ctx context.Context, id string, m pass.Move, actor, note string) (pass.Pass, error)
	// ReplacePass makes pass id replaced and a new pass (newID, code) of the
	// same order, product, holder, photo and validity in one transaction.
	ReplacePass(ctx context.Context, id, newID, code string, m pass.Move, actor, note string) (old, repl pass.Pass, err error)
	// PassHistory lists a pass's state changes, oldest first (written by
	// the store with every change, in its transaction).
	PassHistory(ctx context.Context, id string) ([]pass.Change, error)
	// PutPassPhoto stores a holder's photo while the pass takes a holder:
	// ErrNotFound if token opens no such pass, ErrConflict once printed.
	PutPassPhoto(ctx context.Context, token string, ph pass.Photo) error
	// PassPhoto returns a pass's photo; ErrNotFound if it has none.
	PassPhoto(ctx context.Context, id string) (pass.Photo, error)
	// CreatePrintBatch prints the passes ids (all personalized, else a
	// *pass.UnprintableError) or, ids nil, the oldest personalized ones up
	// to limit (pass.ErrNothingToPrint if none), in one transaction.
	CreatePrintBatch(ctx context.Context, b pass.PrintBatch, ids []string, limit int) (pass.PrintBatch, error)
	// ListPrintBatches lists batches newest first, without their passes.
	ListPrintBatches(ctx context.Context, limit int) ([]pass.PrintBatch, error)
	// GetPrintBatch returns a batch with its passes' ids in print order.
	GetPrintBatch(ctx context.Context, id string) (pass.PrintBatch, error)
	// PrintBatchPage returns up to limit of a batch's passes from position
	// from on, with their photos.
	PrintBatchPage(ctx context.Context, id string, from, limit int) ([]pass.PrintItem, error)

	// PassByCode returns the pass with a code, or ErrNotFound.
	PassByCode(ctx context.Context, code string) (pass.Pass, error)
	// BookPass writes one entry on a value or customer card's ledger: the
	// account opened with b.Opening if it is not, the balance moved by one
	// statement guarded by the credit limit, and the entry, in one
	// transaction. A reused idempotency key of the pass returns its entry
	// and replayed. ErrNotFound for no pass; ErrConflict for a pass that
	// carries no value, is not in use or is of an unpaid order;
	// *pass.BalanceError when the guard refuses. Nothing is written then.
	BookPass(ctx context.Context, b pass.Booking) (e pass.Entry, replayed bool, err error)
	// PassBalance returns a card's balance and currency; ErrNotFound while
	// its account is not open.
	PassBalance(ctx context.Context, id string) (int64, string, error)
	// PassLedger lists up to limit entries of a pass after entry id after,
	// oldest first.
	PassLedger(ctx context.Context, id string, after int64, limit int) ([]pass.Entry, error)
	// ExchangePassVoucher marks the pass voucher voucherID replaced by np and
	// writes np, in one transaction guarded by the voucher's state (handed
	// over, of a paid order): of racing exchanges one wins. ErrNotFound for
	// no such pass, *pass.ReplacedError once exchanged, ErrConflict for a
	// pass that is no voucher in use.
	ExchangePassVoucher(ctx context.Context, voucherID string, np pass.Pass, by string) (pass.Pass, error)
	// TransferPass moves a discount, value or customer card to a new medium
	// (see pass.Transfer): new pass, old one replaced, balance moved with
	// transfer entries, in one transaction. ErrNotFound, *pass.ReplacedError,
	// or ErrConflict for a pass of another kind or not in use.
	TransferPass(ctx context.Context, t pass.Transfer) (pass.Pass, error)
	// PrintTickets notes that the box office printed a paid order's live
	// tickets (first print time kept, each print in the history);
	// ErrNotFound, or ErrConflict for an order not paid.
	PrintTickets(ctx context.Context, id string, c order.Change) (order.Order, error)

	// The gate's store (issue 15): gates, codes' usage, scans, occupancy,
	// surcharges; gate.Store says what each does.
	gate.Store

	// The register of ticket numbers and the documents (issue 17).
	TicketNumbers
	Documents
}
