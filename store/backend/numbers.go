package backend

import (
	"context"
	"time"

	"github.com/seatmap/seatmap/internal/breaker"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/report"
)

// TicketNumbers is the register of ticket numbers (issue 17, see
// order.TicketNumber): an order's transaction queues it when it becomes
// paid (a trigger of the migration), the numberer draws the numbers later.
type TicketNumbers interface {
	// NumberTickets draws the numbers of the tickets of up to limit queued
	// orders, in queue order, in one transaction under the counter's lock,
	// and takes them off the queue; it returns how many it drew (0: none
	// queued). Callers on several nodes number one after another.
	NumberTickets(ctx context.Context, limit int) (int, error)
	// TicketNumbers returns every number the orders' tickets were given,
	// voided ones too, by series and number.
	TicketNumbers(ctx context.Context, orderIDs []string) ([]order.TicketNumber, error)
	// TicketRegister returns every number drawn for a performance's
	// tickets, voided ones too, by series and number.
	TicketRegister(ctx context.Context, performanceID string) ([]order.TicketNumber, error)
}

func (g *guarded) NumberTickets(ctx context.Context, limit int) (int, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (int, error) { return g.st.NumberTickets(ctx, limit) })
}

func (g *guarded) TicketNumbers(ctx context.Context, orderIDs []string) ([]order.TicketNumber, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) ([]order.TicketNumber, error) { return g.st.TicketNumbers(ctx, orderIDs) })
}

func (g *guarded) TicketRegister(ctx context.Context, performanceID string) ([]order.TicketNumber, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) ([]order.TicketNumber, error) {
		return g.st.TicketRegister(ctx, performanceID)
	})
}

// Documents is the store of documents (issue 17, report.Document) and what
// they are made of.
type Documents interface {
	// TicketRows returns the tickets of a performance's issued orders with
	// their current numbers, in one snapshot.
	TicketRows(ctx context.Context, performanceID string) ([]report.TicketRow, error)
	// PerformanceRefunds returns every refund of a performance's orders.
	PerformanceRefunds(ctx context.Context, performanceID string) ([]order.Refund, error)
	// SaveDocument stores the next version of a document, unless the last
	// has the same SHA-256 (returned, created false); ErrNotFound without
	// the performance.
	SaveDocument(ctx context.Context, d report.Document) (_ report.Document, created bool, _ error)
	// Documents lists every version of a performance's documents, without
	// their files.
	Documents(ctx context.Context, performanceID string) ([]report.Document, error)
	// GetDocument returns a document with its files, or ErrNotFound.
	GetDocument(ctx context.Context, id string) (report.Document, error)
	// PeriodDocuments lists every version of a period's documents.
	PeriodDocuments(ctx context.Context, period string) ([]report.Document, error)
	// CashierDay sums what staff sold and gave back in [from, to), by staff
	// member, till and payment method.
	CashierDay(ctx context.Context, from, to time.Time) ([]report.CashierLine, error)
	// DocumentTemplate returns the documents' template, the zero one
	// (version 0) before one is stored.
	DocumentTemplate(ctx context.Context) (report.Template, error)
	// PutDocumentTemplate stores the template whole as its next version.
	PutDocumentTemplate(ctx context.Context, t report.Template) (report.Template, error)
	// DocumentsDue lists up to limit performances started in
	// [startedAfter, startedBefore), or cancelled with their cancel job done, with no job
	// running, for which fewer than
	// kinds kinds have a document whose as_of is their last change (see
	// documents.Input.LastChange), the longest waiting first.
	DocumentsDue(ctx context.Context, startedAfter, startedBefore time.Time, kinds, limit int) ([]report.DocumentsDue, error)
}

func (g *guarded) TicketRows(ctx context.Context, performanceID string) ([]report.TicketRow, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) ([]report.TicketRow, error) { return g.st.TicketRows(ctx, performanceID) })
}

func (g *guarded) PerformanceRefunds(ctx context.Context, performanceID string) ([]order.Refund, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) ([]order.Refund, error) { return g.st.PerformanceRefunds(ctx, performanceID) })
}

func (g *guarded) SaveDocument(ctx context.Context, d report.Document) (report.Document, bool, error) {
	type saved struct {
		d       report.Document
		created bool
	}
	r, err := breaker.Call(ctx, g.b, func(ctx context.Context) (saved, error) {
		d, created, err := g.st.SaveDocument(ctx, d)
		return saved{d, created}, err
	})
	return r.d, r.created, err
}

func (g *guarded) Documents(ctx context.Context, performanceID string) ([]report.Document, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) ([]report.Document, error) { return g.st.Documents(ctx, performanceID) })
}

func (g *guarded) PeriodDocuments(ctx context.Context, period string) ([]report.Document, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) ([]report.Document, error) { return g.st.PeriodDocuments(ctx, period) })
}

func (g *guarded) CashierDay(ctx context.Context, from, to time.Time) ([]report.CashierLine, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) ([]report.CashierLine, error) { return g.st.CashierDay(ctx, from, to) })
}

func (g *guarded) GetDocument(ctx context.Context, id string) (report.Document, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (report.Document, error) { return g.st.GetDocument(ctx, id) })
}

func (g *guarded) DocumentTemplate(ctx context.Context) (report.Template, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (report.Template, error) { return g.st.DocumentTemplate(ctx) })
}

func (g *guarded) PutDocumentTemplate(ctx context.Context, t report.Template) (report.Template, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (report.Template, error) { return g.st.PutDocumentTemplate(ctx, t) })
}

func (g *guarded) DocumentsDue(ctx context.Context, startedAfter, startedBefore time.Time, kinds, limit int) ([]report.DocumentsDue, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) ([]report.DocumentsDue, error) {
		return g.st.DocumentsDue(ctx, startedAfter, startedBefore, kinds, limit)
	})
}
