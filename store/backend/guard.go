package backend

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/gate"
	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/internal/breaker"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/outbox"
	"github.com/seatmap/seatmap/pass"
	"github.com/seatmap/seatmap/pricing"
	"github.com/seatmap/seatmap/report"
	"github.com/seatmap/seatmap/staff"
	"github.com/seatmap/seatmap/store"
	"github.com/seatmap/seatmap/voucher"
)

// Guard returns st with every call run through one circuit breaker of its
// own, named service, with a deadline per call (bulk writes and listings get
// breaker.BulkTimeout): only unavailability, as st's Classify marks it with
// store.ErrUnavailable, and running out of time count against the breaker. Errors
// come back marked; an outage as *breaker.UnavailableError.
func Guard(st Store, service string, timeout time.Duration, log *slog.Logger) Store {
	return &guarded{st: st, b: breaker.New(breaker.Options{
		Service: service, Timeout: timeout, Classify: st.Classify, Logger: log,
		Outage: func(err error) bool { return errors.Is(err, store.ErrUnavailable) },
	})}
}

// guarded is a Store whose every call goes through its breaker.
type guarded struct {
	st Store
	b  *breaker.Breaker
}

func (g *guarded) Ping(ctx context.Context) error { return g.b.Do(ctx, g.st.Ping) }
func (g *guarded) Close()                         { g.st.Close() }
func (g *guarded) Classify(err error) error       { return g.st.Classify(err) }

func (g *guarded) Setting(ctx context.Context, key string) (string, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (string, error) { return g.st.Setting(ctx, key) })
}

func (g *guarded) InitSetting(ctx context.Context, key, value string) (string, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (string, error) { return g.st.InitSetting(ctx, key, value) })
}

func (g *guarded) CreateHall(ctx context.Context, h catalog.Hall) error {
	return g.b.Do(ctx, func(ctx context.Context) error { return g.st.CreateHall(ctx, h) })
}

func (g *guarded) GetHall(ctx context.Context, id string) (catalog.Hall, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (catalog.Hall, error) { return g.st.GetHall(ctx, id) })
}

func (g *guarded) CreatePerformance(ctx context.Context, p catalog.Performance) error {
	return g.b.Do(ctx, func(ctx context.Context) error { return g.st.CreatePerformance(ctx, p) })
}

func (g *guarded) GetPerformance(ctx context.Context, id string) (catalog.Performance, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (catalog.Performance, error) { return g.st.GetPerformance(ctx, id) })
}

func (g *guarded) ListPerformances(ctx context.Context, f catalog.PerformanceFilter) ([]catalog.Performance, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) ([]catalog.Performance, error) { return g.st.ListPerformances(ctx, f) })
}

func (g *guarded) SetPerformanceStatus(ctx context.Context, id, status string) error {
	return g.b.Do(ctx, func(ctx context.Context) error { return g.st.SetPerformanceStatus(ctx, id, status) })
}

func (g *guarded) CreateJob(ctx context.Context, j catalog.Job) (catalog.Job, bool, error) {
	type result struct {
		j       catalog.Job
		created bool
	}
	r, err := breaker.Call(ctx, g.b, func(ctx context.Context) (result, error) {
		j, created, err := g.st.CreateJob(ctx, j)
		return result{j, created}, err
	})
	return r.j, r.created, err
}

func (g *guarded) GetJob(ctx context.Context, id string) (catalog.Job, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (catalog.Job, error) { return g.st.GetJob(ctx, id) })
}

func (g *guarded) UpdateJob(ctx context.Context, j catalog.Job) (catalog.Job, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (catalog.Job, error) { return g.st.UpdateJob(ctx, j) })
}

func (g *guarded) RunningJobs(ctx context.Context) ([]catalog.Job, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) ([]catalog.Job, error) { return g.st.RunningJobs(ctx) })
}

func (g *guarded) SetZones(ctx context.Context, id string, zones []hall.Zone, seatZones []uint16) error {
	return g.b.Do(ctx, func(ctx context.Context) error { return g.st.SetZones(ctx, id, zones, seatZones) })
}

func (g *guarded) PerformanceFares(ctx context.Context, performanceID string) ([]pricing.Fare, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) ([]pricing.Fare, error) { return g.st.PerformanceFares(ctx, performanceID) })
}

func (g *guarded) SetPerformanceFares(ctx context.Context, performanceID string, fares []pricing.Fare) error {
	return g.b.Do(ctx, func(ctx context.Context) error { return g.st.SetPerformanceFares(ctx, performanceID, fares) })
}

func (g *guarded) CreateOrder(ctx context.Context, o order.Order) (order.Order, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (order.Order, error) { return g.st.CreateOrder(ctx, o) })
}

func (g *guarded) GetOrder(ctx context.Context, id string) (order.Order, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (order.Order, error) { return g.st.GetOrder(ctx, id) })
}

func (g *guarded) OrderByIdempotencyKey(ctx context.Context, session, key string) (order.Order, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (order.Order, error) { return g.st.OrderByIdempotencyKey(ctx, session, key) })
}

func (g *guarded) ListOrders(ctx context.Context, f order.Filter) ([]order.Order, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) ([]order.Order, error) { return g.st.ListOrders(ctx, f) })
}

func (g *guarded) SoldSeats(ctx context.Context, performanceID string) ([]uint32, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) ([]uint32, error) { return g.st.SoldSeats(ctx, performanceID) })
}

func (g *guarded) ReservedOrders(ctx context.Context, performanceID string) ([]order.Order, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) ([]order.Order, error) { return g.st.ReservedOrders(ctx, performanceID) })
}

func (g *guarded) PayReservation(ctx context.Context, id, method, by string, c order.Change) (order.Order, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (order.Order, error) { return g.st.PayReservation(ctx, id, method, by, c) })
}

func (g *guarded) EndReservation(ctx context.Context, id, status string, c order.Change) (order.Order, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (order.Order, error) { return g.st.EndReservation(ctx, id, status, c) })
}

func (g *guarded) ExtendReservation(ctx context.Context, id string, deadline time.Time, c order.Change) (order.Order, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (order.Order, error) { return g.st.ExtendReservation(ctx, id, deadline, c) })
}

func (g *guarded) RefundOrder(ctx context.Context, r order.RefundRequest) (o order.Order, rf order.Refund, replayed bool, err error) {
	err = g.b.Do(ctx, func(ctx context.Context) (err error) {
		o, rf, replayed, err = g.st.RefundOrder(ctx, r)
		return err
	})
	return
}

func (g *guarded) Refunds(ctx context.Context, orderID string) ([]order.Refund, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) ([]order.Refund, error) { return g.st.Refunds(ctx, orderID) })
}

func (g *guarded) OrderHistory(ctx context.Context, orderID string) ([]order.Event, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) ([]order.Event, error) { return g.st.OrderHistory(ctx, orderID) })
}

func (g *guarded) RecordOrderEvent(ctx context.Context, orderID, action, detail string, c order.Change) error {
	return g.b.Do(ctx, func(ctx context.Context) error { return g.st.RecordOrderEvent(ctx, orderID, action, detail, c) })
}

func (g *guarded) RemindersDue(ctx context.Context, now time.Time, lead time.Duration, limit int) ([]order.Order, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) ([]order.Order, error) { return g.st.RemindersDue(ctx, now, lead, limit) })
}

func (g *guarded) SavePayment(ctx context.Context, p order.Payment) (order.Payment, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (order.Payment, error) { return g.st.SavePayment(ctx, p) })
}

func (g *guarded) Payments(ctx context.Context, orderID string) ([]order.Payment, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) ([]order.Payment, error) { return g.st.Payments(ctx, orderID) })
}

func (g *guarded) PaymentByProviderID(ctx context.Context, provider, id string) (order.Payment, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (order.Payment, error) { return g.st.PaymentByProviderID(ctx, provider, id) })
}

func (g *guarded) ApplyPaymentEvent(ctx context.Context, e order.PaymentEvent) (order.PaymentResult, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (order.PaymentResult, error) { return g.st.ApplyPaymentEvent(ctx, e) })
}

func (g *guarded) ListPayments(ctx context.Context, f order.PaymentFilter) ([]order.PaymentLine, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) ([]order.PaymentLine, error) { return g.st.ListPayments(ctx, f) })
}

func (g *guarded) SalesTimeline(ctx context.Context, f report.Filter) ([]report.TimeRow, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) ([]report.TimeRow, error) { return g.st.SalesTimeline(ctx, f) })
}

func (g *guarded) SalesExport(ctx context.Context, f report.Filter) (report.Sales, []report.TimeRow, error) {
	type export struct {
		sales report.Sales
		rows  []report.TimeRow
	}
	out, err := breaker.Call(ctx, g.b, func(ctx context.Context) (export, error) {
		s, rows, err := g.st.SalesExport(ctx, f)
		return export{s, rows}, err
	})
	return out.sales, out.rows, err
}

func (g *guarded) SalesReport(ctx context.Context, f report.Filter) (report.Sales, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (report.Sales, error) { return g.st.SalesReport(ctx, f) })
}

func (g *guarded) CreatePromotion(ctx context.Context, c voucher.Code) error {
	return g.b.Do(ctx, func(ctx context.Context) error { return g.st.CreatePromotion(ctx, c) })
}

func (g *guarded) CreateVoucherBatch(ctx context.Context, b voucher.Batch, codes []voucher.Code) error {
	return g.b.DoWithin(ctx, breaker.BulkTimeout, func(ctx context.Context) error { return g.st.CreateVoucherBatch(ctx, b, codes) })
}

func (g *guarded) GetVoucherBatch(ctx context.Context, id string) (voucher.Batch, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (voucher.Batch, error) { return g.st.GetVoucherBatch(ctx, id) })
}

func (g *guarded) ListVoucherBatches(ctx context.Context) ([]voucher.Batch, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) ([]voucher.Batch, error) { return g.st.ListVoucherBatches(ctx) })
}

func (g *guarded) GetCode(ctx context.Context, code string) (voucher.Code, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (voucher.Code, error) { return g.st.GetCode(ctx, code) })
}

func (g *guarded) ListCodes(ctx context.Context, f voucher.Filter) ([]voucher.Code, error) {
	return breaker.CallWithin(ctx, g.b, breaker.BulkTimeout, func(ctx context.Context) ([]voucher.Code, error) { return g.st.ListCodes(ctx, f) })
}

func (g *guarded) SetCodeState(ctx context.Context, code, state string) (voucher.Code, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (voucher.Code, error) { return g.st.SetCodeState(ctx, code, state) })
}

func (g *guarded) ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]outbox.Message, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) ([]outbox.Message, error) { return g.st.ClaimOutbox(ctx, now, lease, limit) })
}

func (g *guarded) MarkSent(ctx context.Context, id string, at time.Time) error {
	return g.b.Do(ctx, func(ctx context.Context) error { return g.st.MarkSent(ctx, id, at) })
}

func (g *guarded) MarkFailed(ctx context.Context, id, reason string, retry time.Time) error {
	return g.b.Do(ctx, func(ctx context.Context) error { return g.st.MarkFailed(ctx, id, reason, retry) })
}

func (g *guarded) OrderMessages(ctx context.Context, orderID string) ([]outbox.Message, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) ([]outbox.Message, error) { return g.st.OrderMessages(ctx, orderID) })
}

func (g *guarded) SearchOrders(ctx context.Context, q, performanceID string, limit int) ([]order.Order, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) ([]order.Order, error) {
		return g.st.SearchOrders(ctx, q, performanceID, limit)
	})
}

func (g *guarded) ListHalls(ctx context.Context) ([]catalog.Hall, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) ([]catalog.Hall, error) { return g.st.ListHalls(ctx) })
}

func (g *guarded) SetChannels(ctx context.Context, id string, channels []string, seatChannels []uint8) error {
	return g.b.Do(ctx, func(ctx context.Context) error { return g.st.SetChannels(ctx, id, channels, seatChannels) })
}

func (g *guarded) SetBlocks(ctx context.Context, performanceID string, seats []uint32, reason string) error {
	return g.b.Do(ctx, func(ctx context.Context) error { return g.st.SetBlocks(ctx, performanceID, seats, reason) })
}

func (g *guarded) ClearBlocks(ctx context.Context, performanceID string, seats []uint32) error {
	return g.b.Do(ctx, func(ctx context.Context) error { return g.st.ClearBlocks(ctx, performanceID, seats) })
}

func (g *guarded) Blocks(ctx context.Context, performanceID string) ([]catalog.Block, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) ([]catalog.Block, error) { return g.st.Blocks(ctx, performanceID) })
}

func (g *guarded) CreateTemplate(ctx context.Context, t catalog.Template) error {
	return g.b.Do(ctx, func(ctx context.Context) error { return g.st.CreateTemplate(ctx, t) })
}

func (g *guarded) GetTemplate(ctx context.Context, id string) (catalog.Template, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (catalog.Template, error) { return g.st.GetTemplate(ctx, id) })
}

func (g *guarded) ListTemplates(ctx context.Context, hallID string) ([]catalog.Template, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) ([]catalog.Template, error) { return g.st.ListTemplates(ctx, hallID) })
}

func (g *guarded) CreateUser(ctx context.Context, u staff.User) error {
	return g.b.Do(ctx, func(ctx context.Context) error { return g.st.CreateUser(ctx, u) })
}

func (g *guarded) GetUser(ctx context.Context, id string) (staff.User, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (staff.User, error) { return g.st.GetUser(ctx, id) })
}

func (g *guarded) UserByLogin(ctx context.Context, login string) (staff.User, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (staff.User, error) { return g.st.UserByLogin(ctx, login) })
}

func (g *guarded) ListUsers(ctx context.Context) ([]staff.User, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) ([]staff.User, error) { return g.st.ListUsers(ctx) })
}

func (g *guarded) CreateAPIToken(ctx context.Context, t staff.Token) error {
	return g.b.Do(ctx, func(ctx context.Context) error { return g.st.CreateAPIToken(ctx, t) })
}

func (g *guarded) UserByToken(ctx context.Context, hash string) (staff.User, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (staff.User, error) { return g.st.UserByToken(ctx, hash) })
}

func (g *guarded) DeleteAPIToken(ctx context.Context, userID, id string) error {
	return g.b.Do(ctx, func(ctx context.Context) error { return g.st.DeleteAPIToken(ctx, userID, id) })
}

func (g *guarded) CreateSession(ctx context.Context, s staff.Session) error {
	return g.b.Do(ctx, func(ctx context.Context) error { return g.st.CreateSession(ctx, s) })
}

func (g *guarded) SessionUser(ctx context.Context, hash string, now time.Time) (s staff.Session, u staff.User, err error) {
	err = g.b.Do(ctx, func(ctx context.Context) (err error) {
		s, u, err = g.st.SessionUser(ctx, hash, now)
		return err
	})
	return
}

func (g *guarded) DeleteSession(ctx context.Context, hash string) error {
	return g.b.Do(ctx, func(ctx context.Context) error { return g.st.DeleteSession(ctx, hash) })
}

func (g *guarded) CreateProduct(ctx context.Context, p pass.Product) (pass.Product, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (pass.Product, error) { return g.st.CreateProduct(ctx, p) })
}

func (g *guarded) UpdateProduct(ctx context.Context, p pass.Product) (pass.Product, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (pass.Product, error) { return g.st.UpdateProduct(ctx, p) })
}

func (g *guarded) GetProduct(ctx context.Context, id string) (pass.Product, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (pass.Product, error) { return g.st.GetProduct(ctx, id) })
}

func (g *guarded) ListProducts(ctx context.Context, f pass.Filter) ([]pass.Product, error) {
	return breaker.CallWithin(ctx, g.b, breaker.BulkTimeout, func(ctx context.Context) ([]pass.Product, error) { return g.st.ListProducts(ctx, f) })
}

func (g *guarded) GetFacility(ctx context.Context) (pass.Facility, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (pass.Facility, error) { return g.st.GetFacility(ctx) })
}

func (g *guarded) PutFacility(ctx context.Context, f pass.Facility) (pass.Facility, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (pass.Facility, error) { return g.st.PutFacility(ctx, f) })
}

func (g *guarded) GetPass(ctx context.Context, id string) (pass.Pass, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (pass.Pass, error) { return g.st.GetPass(ctx, id) })
}

func (g *guarded) PassesOfOrder(ctx context.Context, orderID string) ([]pass.Pass, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) ([]pass.Pass, error) { return g.st.PassesOfOrder(ctx, orderID) })
}

func (g *guarded) PassesByToken(ctx context.Context, token string) ([]pass.Pass, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) ([]pass.Pass, error) { return g.st.PassesByToken(ctx, token) })
}

func (g *guarded) ListPasses(ctx context.Context, f pass.PassFilter) ([]pass.Pass, error) {
	return breaker.CallWithin(ctx, g.b, breaker.BulkTimeout, func(ctx context.Context) ([]pass.Pass, error) { return g.st.ListPasses(ctx, f) })
}

func (g *guarded) PersonalizePass(ctx context.Context, token, id string, h pass.Holder) (pass.Pass, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (pass.Pass, error) { return g.st.PersonalizePass(ctx, token, id, h) })
}

func (g *guarded) MarkPassesPrinted(ctx context.Context, ids []string) ([]pass.Pass, error) {
	return breaker.CallWithin(ctx, g.b, breaker.BulkTimeout, func(ctx context.Context) ([]pass.Pass, error) {
		return g.st.MarkPassesPrinted(ctx, ids)
	})
}

func (g *guarded) MovePass(ctx context.Context, id string, m pass.Move, actor, note string) (pass.Pass, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (pass.Pass, error) { return g.st.MovePass(ctx, id, m, actor, note) })
}

func (g *guarded) ReplacePass(ctx context.Context, id, newID, code string, m pass.Move, actor, note string) (pass.Pass, pass.Pass, error) {
	type pair struct{ old, repl pass.Pass }
	r, err := breaker.Call(ctx, g.b, func(ctx context.Context) (pair, error) {
		old, repl, err := g.st.ReplacePass(ctx, id, newID, code, m, actor, note)
		return pair{old, repl}, err
	})
	return r.old, r.repl, err
}

func (g *guarded) PassHistory(ctx context.Context, id string) ([]pass.Change, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) ([]pass.Change, error) { return g.st.PassHistory(ctx, id) })
}

func (g *guarded) PutPassPhoto(ctx context.Context, token string, ph pass.Photo) error {
	_, err := breaker.Call(ctx, g.b, func(ctx context.Context) (struct{}, error) { return struct{}{}, g.st.PutPassPhoto(ctx, token, ph) })
	return err
}

func (g *guarded) PassPhoto(ctx context.Context, id string) (pass.Photo, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (pass.Photo, error) { return g.st.PassPhoto(ctx, id) })
}

func (g *guarded) CreatePrintBatch(ctx context.Context, b pass.PrintBatch, ids []string, limit int) (pass.PrintBatch, error) {
	return breaker.CallWithin(ctx, g.b, breaker.BulkTimeout, func(ctx context.Context) (pass.PrintBatch, error) {
		return g.st.CreatePrintBatch(ctx, b, ids, limit)
	})
}

func (g *guarded) ListPrintBatches(ctx context.Context, limit int) ([]pass.PrintBatch, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) ([]pass.PrintBatch, error) { return g.st.ListPrintBatches(ctx, limit) })
}

func (g *guarded) GetPrintBatch(ctx context.Context, id string) (pass.PrintBatch, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (pass.PrintBatch, error) { return g.st.GetPrintBatch(ctx, id) })
}

func (g *guarded) PrintBatchPage(ctx context.Context, id string, from, limit int) ([]pass.PrintItem, error) {
	return breaker.CallWithin(ctx, g.b, breaker.BulkTimeout, func(ctx context.Context) ([]pass.PrintItem, error) {
		return g.st.PrintBatchPage(ctx, id, from, limit)
	})
}

func (g *guarded) PassByCode(ctx context.Context, code string) (pass.Pass, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (pass.Pass, error) { return g.st.PassByCode(ctx, code) })
}

func (g *guarded) BookPass(ctx context.Context, b pass.Booking) (e pass.Entry, replayed bool, err error) {
	err = g.b.Do(ctx, func(ctx context.Context) (err error) {
		e, replayed, err = g.st.BookPass(ctx, b)
		return err
	})
	return
}

func (g *guarded) PassBalance(ctx context.Context, id string) (balance int64, currency string, err error) {
	err = g.b.Do(ctx, func(ctx context.Context) (err error) {
		balance, currency, err = g.st.PassBalance(ctx, id)
		return err
	})
	return
}

func (g *guarded) PassLedger(ctx context.Context, id string, after int64, limit int) ([]pass.Entry, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) ([]pass.Entry, error) { return g.st.PassLedger(ctx, id, after, limit) })
}

func (g *guarded) ExchangePassVoucher(ctx context.Context, voucherID string, np pass.Pass, by string) (pass.Pass, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (pass.Pass, error) { return g.st.ExchangePassVoucher(ctx, voucherID, np, by) })
}

func (g *guarded) TransferPass(ctx context.Context, t pass.Transfer) (pass.Pass, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (pass.Pass, error) { return g.st.TransferPass(ctx, t) })
}

func (g *guarded) CreateGate(ctx context.Context, gt gate.Gate) (gate.Gate, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (gate.Gate, error) { return g.st.CreateGate(ctx, gt) })
}

func (g *guarded) GetGate(ctx context.Context, id string) (gate.Gate, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (gate.Gate, error) { return g.st.GetGate(ctx, id) })
}

func (g *guarded) ListGates(ctx context.Context) ([]gate.Gate, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) ([]gate.Gate, error) { return g.st.ListGates(ctx) })
}

func (g *guarded) LookupCode(ctx context.Context, code string) (gate.Found, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (gate.Found, error) { return g.st.LookupCode(ctx, code) })
}

func (g *guarded) RecordScan(ctx context.Context, rec gate.Record, decide gate.Decision) (gate.Record, bool, error) {
	type result struct {
		rec      gate.Record
		replayed bool
	}
	r, err := breaker.Call(ctx, g.b, func(ctx context.Context) (result, error) {
		rec, replayed, err := g.st.RecordScan(ctx, rec, decide)
		return result{rec, replayed}, err
	})
	return r.rec, r.replayed, err
}

func (g *guarded) ListScans(ctx context.Context, f gate.ScanFilter) ([]gate.Record, error) {
	return breaker.CallWithin(ctx, g.b, breaker.BulkTimeout, func(ctx context.Context) ([]gate.Record, error) { return g.st.ListScans(ctx, f) })
}

func (g *guarded) Occupancy(ctx context.Context) ([]gate.ZoneCount, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) ([]gate.ZoneCount, error) { return g.st.Occupancy(ctx) })
}

func (g *guarded) PaySurcharge(ctx context.Context, code, by string, at time.Time, pay func(gate.Usage) (int64, error)) (gate.Usage, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (gate.Usage, error) { return g.st.PaySurcharge(ctx, code, by, at, pay) })
}

func (g *guarded) AddZones(ctx context.Context, code string, zones []string, permanent bool) (gate.Usage, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (gate.Usage, error) { return g.st.AddZones(ctx, code, zones, permanent) })
}

func (g *guarded) CodeUsage(ctx context.Context, code string) (gate.Usage, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (gate.Usage, error) { return g.st.CodeUsage(ctx, code) })
}

func (g *guarded) PrintTickets(ctx context.Context, id string, c order.Change) (order.Order, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (order.Order, error) { return g.st.PrintTickets(ctx, id, c) })
}
