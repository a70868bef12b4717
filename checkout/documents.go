package checkout

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/seatmap/seatmap/documents"
	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/internal/ids"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/report"
	"github.com/seatmap/seatmap/seating"
	"github.com/seatmap/seatmap/store"
)

// DocumentStore keeps the documents (issue 17) and gives what they are made
// of.
type DocumentStore interface {
	TicketRows(ctx context.Context, performanceID string) ([]report.TicketRow, error)
	PerformanceRefunds(ctx context.Context, performanceID string) ([]order.Refund, error)
	SaveDocument(ctx context.Context, d report.Document) (_ report.Document, created bool, _ error)
	Documents(ctx context.Context, performanceID string) ([]report.Document, error)
	GetDocument(ctx context.Context, id string) (report.Document, error)
	PeriodDocuments(ctx context.Context, period string) ([]report.Document, error)
	CashierDay(ctx context.Context, from, to time.Time) ([]report.CashierLine, error)
	DocumentTemplate(ctx context.Context) (report.Template, error)
	PutDocumentTemplate(ctx context.Context, t report.Template) (report.Template, error)
	DocumentsDue(ctx context.Context, startedAfter, startedBefore time.Time, kinds, limit int) ([]report.DocumentsDue, error)
}

// MakeDocument makes a performance's document of a kind from what is stored
// now and stores it: as a new version when its content changed since the
// last (created), else the last is returned as it is.
func (s *Service) MakeDocument(ctx context.Context, performanceID, kind string, a seating.Actor) (report.Document, bool, error) {
	return s.makeDocument(ctx, performanceID, kind, a.Label())
}

// makeDocument is MakeDocument, made by createdBy ("system" for the
// automatic ones).
func (s *Service) makeDocument(ctx context.Context, performanceID, kind, createdBy string) (report.Document, bool, error) {
	if !report.KnownKind(kind) {
		return report.Document{}, false, &input.Error{Field: "kind", Reason: fmt.Sprintf("must be one of %v", report.DocumentKinds)}
	}
	p, err := s.seats.Performance(ctx, performanceID)
	if err != nil {
		return report.Document{}, false, err
	}
	meta := p.Meta()
	in := documents.Input{
		Kind: kind, PerformanceID: meta.ID, Performance: meta.Name, When: s.When(meta.StartsAt), Status: meta.Status,
		Currency: p.Currency(), ZoneNames: map[string]string{},
	}
	for _, z := range meta.Zones {
		in.ZoneNames[z.ID] = z.Name
	}
	if in.Sales, err = s.store.SalesReport(ctx, report.Filter{PerformanceID: meta.ID}); err != nil {
		return report.Document{}, false, err
	}
	if in.Sales.Currency != "" {
		in.Currency = in.Sales.Currency
	}
	if in.Tickets, err = s.store.TicketRows(ctx, meta.ID); err != nil {
		return report.Document{}, false, err
	}
	if in.Refunds, err = s.store.PerformanceRefunds(ctx, meta.ID); err != nil {
		return report.Document{}, false, err
	}
	register, err := s.store.TicketRegister(ctx, meta.ID)
	if err != nil {
		return report.Document{}, false, err
	}
	for _, n := range register {
		if n.Voided() {
			in.Voided = append(in.Voided, n)
		}
	}
	if in.Template, err = s.store.DocumentTemplate(ctx); err != nil {
		return report.Document{}, false, err
	}
	in.AsOf = in.LastChange()
	if in.AsOf.IsZero() {
		in.AsOf = meta.CreatedAt
	}
	pdf, csv, err := documents.Render(in)
	if err != nil {
		return report.Document{}, false, err
	}
	return s.store.SaveDocument(ctx, report.Document{
		ID: ids.New("doc", 15), PerformanceID: meta.ID, Kind: kind, SHA256: documents.Hash(pdf, csv), AsOf: in.AsOf,
		PDF: pdf, CSV: csv, CreatedBy: createdBy,
	})
}

// Documents lists every version of a performance's documents.
func (s *Service) Documents(ctx context.Context, performanceID string) ([]report.Document, error) {
	if _, err := s.seats.Performance(ctx, performanceID); err != nil {
		return nil, err
	}
	return s.store.Documents(ctx, performanceID)
}

// Document returns a document with its files.
func (s *Service) Document(ctx context.Context, id string) (report.Document, error) {
	d, err := s.store.GetDocument(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return d, ErrDocumentNotFound
	}
	return d, err
}

// DocumentTemplate returns the documents' template (the zero one, version
// 0, before any is stored).
func (s *Service) DocumentTemplate(ctx context.Context) (report.Template, error) {
	return s.store.DocumentTemplate(ctx)
}

// SetDocumentTemplate checks and stores the documents' template whole
// (documents.NormalizeTemplate; *input.Error naming the field). Documents
// made after it print it: their next make is a new version.
func (s *Service) SetDocumentTemplate(ctx context.Context, t report.Template, a seating.Actor) (report.Template, error) {
	t, err := documents.NormalizeTemplate(t)
	if err != nil {
		return report.Template{}, err
	}
	t.UpdatedBy = a.Label()
	return s.store.PutDocumentTemplate(ctx, t)
}

// DocumentTemplatePreview renders a sample document with the stored
// template.
func (s *Service) DocumentTemplatePreview(ctx context.Context) ([]byte, error) {
	t, err := s.store.DocumentTemplate(ctx)
	if err != nil {
		return nil, err
	}
	return documents.Preview(t, "")
}

// PeriodDay is the layout of a period's day: YYYY-MM-DD in the venue's zone.
const PeriodDay = "2006-01-02"

// MakePeriodDocument makes a period's document — the cashier's day report
// of day (YYYY-MM-DD in the venue's zone) — from what is stored now and
// stores it as MakeDocument does: a new version when its content changed.
func (s *Service) MakePeriodDocument(ctx context.Context, kind, day string, a seating.Actor) (report.Document, bool, error) {
	if kind != report.KindCashierDay {
		return report.Document{}, false, &input.Error{Field: "kind", Reason: fmt.Sprintf("a day's document is one of %v", report.PeriodKinds)}
	}
	start, err := time.ParseInLocation(PeriodDay, day, s.loc)
	if err != nil {
		return report.Document{}, false, &input.Error{Field: "day", Reason: "must be a date, YYYY-MM-DD"}
	}
	if start.After(s.now()) {
		return report.Document{}, false, &input.Error{Field: "day", Reason: "is in the future"}
	}
	in := documents.Input{Kind: kind, Period: day, Performance: "Day " + day, When: s.loc.String()}
	if in.Cashier, err = s.store.CashierDay(ctx, start, start.AddDate(0, 0, 1)); err != nil {
		return report.Document{}, false, err
	}
	for _, l := range in.Cashier {
		in.Currency = l.Currency
	}
	if in.Template, err = s.store.DocumentTemplate(ctx); err != nil {
		return report.Document{}, false, err
	}
	in.AsOf = in.LastChange()
	if in.AsOf.IsZero() {
		in.AsOf = start.UTC()
	}
	pdf, csv, err := documents.Render(in)
	if err != nil {
		return report.Document{}, false, err
	}
	return s.store.SaveDocument(ctx, report.Document{
		ID: ids.New("doc", 15), Period: day, Kind: kind, SHA256: documents.Hash(pdf, csv), AsOf: in.AsOf,
		PDF: pdf, CSV: csv, CreatedBy: a.Label(),
	})
}

// PeriodDocuments lists every version of a day's documents.
func (s *Service) PeriodDocuments(ctx context.Context, day string) ([]report.Document, error) {
	if _, err := time.Parse(PeriodDay, day); err != nil {
		return nil, &input.Error{Field: "day", Reason: "must be a date, YYYY-MM-DD"}
	}
	return s.store.PeriodDocuments(ctx, day)
}
