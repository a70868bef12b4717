// Package checkout is where a hold becomes an order: confirming a hold
// (priced by pricing, discounted by voucher), reservations that are paid
// later or lapse, refunds, the order's e-mails and history, reminders and the
// sales report. It decides nothing about seats: package seating pins, sells and
// frees them when the store has said so.
//
// Write order: the hold is pinned in the engine (it keeps its seats), the
// order is written to the store in one transaction with its history and
// e-mail, and only then do the seats turn sold; a refused order unpins the
// hold. Giving seats back (a refund, an ended reservation) is written to the
// store first, and the engine frees the seats after.
package checkout

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/internal/startstop"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/outbox"
	"github.com/seatmap/seatmap/pass"
	"github.com/seatmap/seatmap/report"
	"github.com/seatmap/seatmap/seating"
	"github.com/seatmap/seatmap/voucher"
)

// Store is what the checkout needs of a store.
type Store interface {
	CreateOrder(ctx context.Context, o order.Order) (order.Order, error)
	GetOrder(ctx context.Context, id string) (order.Order, error)
	OrderByIdempotencyKey(ctx context.Context, session, key string) (order.Order, error)
	ListOrders(ctx context.Context, f order.Filter) ([]order.Order, error)
	PayReservation(ctx context.Context, id, method, by string, c order.Change) (order.Order, error)
	EndReservation(ctx context.Context, id, status string, c order.Change) (order.Order, error)
	ExtendReservation(ctx context.Context, id string, deadline time.Time, c order.Change) (order.Order, error)
	RefundOrder(ctx context.Context, r order.RefundRequest) (o order.Order, rf order.Refund, replayed bool, err error)
	Refunds(ctx context.Context, orderID string) ([]order.Refund, error)
	OrderHistory(ctx context.Context, orderID string) ([]order.Event, error)
	OrderMessages(ctx context.Context, orderID string) ([]outbox.Message, error)
	RecordOrderEvent(ctx context.Context, orderID, action, detail string, c order.Change) error
	RemindersDue(ctx context.Context, now time.Time, lead time.Duration, limit int) ([]order.Order, error)
	SalesReport(ctx context.Context, f report.Filter) (report.Sales, error)
	SalesTimeline(ctx context.Context, f report.Filter) ([]report.TimeRow, error)
	SalesExport(ctx context.Context, f report.Filter) (report.Sales, []report.TimeRow, error)
	SavePayment(ctx context.Context, p order.Payment) (order.Payment, error)
	Payments(ctx context.Context, orderID string) ([]order.Payment, error)
	PaymentByProviderID(ctx context.Context, provider, id string) (order.Payment, error)
	ApplyPaymentEvent(ctx context.Context, e order.PaymentEvent) (order.PaymentResult, error)
	ListPayments(ctx context.Context, f order.PaymentFilter) ([]order.PaymentLine, error)
	GetPass(ctx context.Context, id string) (pass.Pass, error)
	PrintTickets(ctx context.Context, id string, c order.Change) (order.Order, error)
	FareStore
	PassesByToken(ctx context.Context, token string) ([]pass.Pass, error)
	ListPasses(ctx context.Context, f pass.PassFilter) ([]pass.Pass, error)
	PersonalizePass(ctx context.Context, token, id string, h pass.Holder) (pass.Pass, error)
	PassByCode(ctx context.Context, code string) (pass.Pass, error)
	BookPass(ctx context.Context, b pass.Booking) (pass.Entry, bool, error)
	NumberStore
	DocumentStore
	PassBalance(ctx context.Context, id string) (int64, string, error)
	PassLedger(ctx context.Context, id string, after int64, limit int) ([]pass.Entry, error)
	ExchangePassVoucher(ctx context.Context, voucherID string, np pass.Pass, by string) (pass.Pass, error)
	TransferPass(ctx context.Context, t pass.Transfer) (pass.Pass, error)
	CreateJob(ctx context.Context, j catalog.Job) (catalog.Job, bool, error)
	GetJob(ctx context.Context, id string) (catalog.Job, error)
	UpdateJob(ctx context.Context, j catalog.Job) (catalog.Job, error)
	RunningJobs(ctx context.Context) ([]catalog.Job, error)
	CreateReschedule(ctx context.Context, r catalog.Reschedule) (catalog.Reschedule, bool, error)
	GetReschedule(ctx context.Context, performanceID string) (catalog.Reschedule, error)
	MarkRescheduleSetUp(ctx context.Context, originID string) error
	MoveOrder(ctx context.Context, m order.Move) (order.Move, bool, error)
	OrderMoves(ctx context.Context, originID string) ([]order.Move, error)
	GetOrderMove(ctx context.Context, originOrderID string) (order.Move, error)
	replaceStore
}

// Config wires a Service. Zero values take the defaults.
type Config struct {
	Store    Store
	Seats    *seating.Service
	Vouchers *voucher.Service // checks codes redeemed with orders
	// Products are the products orders sell as items (package pass's
	// Service); nil: orders of seats only.
	Products Products
	Logger   *slog.Logger
	// Now is the clock; nil is the wall clock.
	Now func() time.Time
	// Location is the venue's time zone: vouchers' date, weekday and time
	// rules are read in it, and e-mails show times in it. Default UTC.
	Location *time.Location
	// PublicURL is where buyers reach seatd ("https://tickets.example.com"),
	// for the order links in e-mails; empty: e-mails carry no link.
	PublicURL string
	// ReminderLead is how long before its deadline a reservation's buyer is
	// reminded (once; not for reservations shorter than that); default 24 h.
	ReminderLead time.Duration
	// ReminderInterval is how often reminders due are looked for; default 1 min.
	ReminderInterval time.Duration
	// LapseInterval is how often reservations past their deadline are marked
	// expired; default 200 ms.
	LapseInterval time.Duration
	// Payments is the payment provider web buyers pay through; nil: none
	// (-payment none), and a web order is paid at once, unpaid by design.
	// See payments.go.
	Payments PaymentProvider
	// PaymentWindow is how long a buyer has to pay; default
	// DefaultPaymentWindow.
	PaymentWindow time.Duration
	// ReconcileDaily runs the payment reconciliation of yesterday (in
	// Location) at start and once a day after (see reconcile.go).
	ReconcileDaily bool
	// ReconcileInterval is how often the daily run looks whether the day
	// has changed; default 1 min.
	ReconcileInterval time.Duration
	// ReconcileGrace is how long after its window a payment may stay
	// pending before the check flags it; default DefaultReconcileGrace.
	ReconcileGrace time.Duration
	// NumberInterval is how often queued orders' tickets are numbered;
	// default 250 ms.
	NumberInterval time.Duration
	// DocumentsAfter is how long after its start a performance counts as
	// ended: its documents are then made automatically (autodocs.go);
	// default DefaultDocumentsAfter (6 h).
	DocumentsAfter time.Duration
	// DocumentsInterval is how often ended performances are looked for;
	// default 1 min.
	DocumentsInterval time.Duration
}

// Service is the checkout. It is safe for concurrent use.
type Service struct {
	store        Store
	seats        *seating.Service
	codes        *voucher.Service
	products     Products
	log          *slog.Logger
	now          func() time.Time
	loc          *time.Location
	reminderLead time.Duration
	publicURL    string
	cfg          Config

	confirms singleflight.Group
	pay      PaymentProvider    // nil: no payment step
	events   singleflight.Group // deliveries of one provider event

	recon recon // the daily reconciliation's last result

	life startstop.Runner // the lapse and reminder loop, the daily reconciliation
	jobs jobRunner        // cancel jobs (cancel.go)
	sold atomic.Int64     // orders of seats confirmed: the numberer defers to a surge (numbers.go)
	docs autoDocs         // documents made automatically (autodocs.go)
}

// New returns a checkout. Start runs its background work.
func New(cfg Config) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.ReminderLead <= 0 {
		cfg.ReminderLead = 24 * time.Hour
	}
	if cfg.ReminderInterval <= 0 {
		cfg.ReminderInterval = time.Minute
	}
	if cfg.LapseInterval <= 0 {
		cfg.LapseInterval = 200 * time.Millisecond
	}
	if cfg.PaymentWindow <= 0 {
		cfg.PaymentWindow = DefaultPaymentWindow
	}
	if cfg.ReconcileInterval <= 0 {
		cfg.ReconcileInterval = time.Minute
	}
	if cfg.ReconcileGrace <= 0 {
		cfg.ReconcileGrace = DefaultReconcileGrace
	}
	if cfg.NumberInterval <= 0 {
		cfg.NumberInterval = 250 * time.Millisecond
	}
	if cfg.DocumentsAfter <= 0 {
		cfg.DocumentsAfter = DefaultDocumentsAfter
	}
	if cfg.DocumentsInterval <= 0 {
		cfg.DocumentsInterval = time.Minute
	}
	return &Service{
		store: cfg.Store, seats: cfg.Seats, codes: cfg.Vouchers, products: cfg.Products, log: cfg.Logger, now: cfg.Now, pay: cfg.Payments,
		loc: cfg.Location, reminderLead: cfg.ReminderLead, publicURL: strings.TrimRight(cfg.PublicURL, "/"), cfg: cfg,
	}
}

// Start marks lapsed reservations expired and reminds buyers of deadlines
// (and, with ReconcileDaily, reconciles payments daily), until ctx ends or
// Stop is called.
func (s *Service) Start(ctx context.Context) error {
	loops := []func(context.Context){s.run, s.numberLoop, s.documentsLoop}
	if s.cfg.ReconcileDaily {
		loops = append(loops, s.reconcileDaily)
	}
	if err := s.life.Start(ctx, loops...); err != nil {
		return fmt.Errorf("checkout: %w", err)
	}
	s.jobs.start(ctx)
	s.resumeJobs(ctx)
	return nil
}

// Stop ends the background work and waits for it. It may be called before
// Start, twice, and concurrently.
func (s *Service) Stop() {
	s.jobs.stop()
	s.life.Stop()
}

func (s *Service) run(ctx context.Context) {
	t := time.NewTicker(s.cfg.LapseInterval)
	defer t.Stop()
	var reminded time.Time // when reminders were last looked for
	// A round under way when Stop comes is finished: ctx ends the loop, not
	// the store writes of the round.
	loop := ctx
	ctx = context.WithoutCancel(ctx)
	for {
		select {
		case <-loop.Done():
			return
		case <-t.C:
		}
		s.expireLapsed(ctx)
		if now := s.now(); now.Sub(reminded) >= s.cfg.ReminderInterval {
			reminded = now
			s.remindDue(ctx, now)
			s.lapseItemOrders(ctx, now)
		}
	}
}
