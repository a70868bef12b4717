package checkout

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/seatmap/seatmap/catalog"
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

// DraftTemplatePreview renders a sample document with a template not
// stored — the editor's unsaved form —, checked as SetDocumentTemplate
// checks it (*input.Error naming the field); nothing is stored.
func (s *Service) DraftTemplatePreview(t report.Template) ([]byte, error) {
	t, err := documents.NormalizeTemplate(t)
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

// MaxPeriodDays bounds a period's document: at most a year of days.
const MaxPeriodDays = 366

// maxPeriodPerformances bounds the performances one period's document
// reads (each one's tickets and refunds).
const maxPeriodPerformances = 1000

// Period is a period's days on the venue's clock, both included, and the
// instants they span, [Start, End).
type Period struct {
	From, To   string // YYYY-MM-DD
	Start, End time.Time
}

// Key is how the period is stored with its documents: "from/to".
func (p Period) Key() string { return p.From + "/" + p.To }

// ParsePeriod checks a period's dates (YYYY-MM-DD in the venue's zone, to
// not before from, at most MaxPeriodDays days): an *input.Error naming the
// field otherwise.
func (s *Service) ParsePeriod(from, to string) (Period, error) {
	start, err := time.ParseInLocation(PeriodDay, from, s.loc)
	if err != nil {
		return Period{}, &input.Error{Field: "from", Reason: "must be a date, YYYY-MM-DD"}
	}
	last, err := time.ParseInLocation(PeriodDay, to, s.loc)
	if err != nil {
		return Period{}, &input.Error{Field: "to", Reason: "must be a date, YYYY-MM-DD"}
	}
	if last.Before(start) {
		return Period{}, &input.Error{Field: "to", Reason: "must not be before from"}
	}
	// Days counted on the calendar, not in hours: a change of the clocks
	// makes a day 23 or 25 hours long.
	if last.After(start.AddDate(0, 0, MaxPeriodDays-1)) {
		return Period{}, &input.Error{Field: "to", Reason: fmt.Sprintf("a period is at most %d days", MaxPeriodDays)}
	}
	return Period{From: from, To: to, Start: start, End: last.AddDate(0, 0, 1)}, nil
}

// MakeRangeDocument makes a period's document of a performance's kind (act
// of issue, act of return, realization, ticket movement, settlement) over
// the performances starting in the period, each read as its own document
// reads it, so that the period's figures are theirs summed; stored as
// MakeDocument stores: a new version when its content changed.
func (s *Service) MakeRangeDocument(ctx context.Context, kind string, p Period, a seating.Actor) (report.Document, bool, error) {
	if !report.KnownKind(kind) {
		return report.Document{}, false, &input.Error{Field: "kind", Reason: fmt.Sprintf("a period's document is one of %v", report.DocumentKinds)}
	}
	perfs, err := s.seats.ListPerformances(ctx, catalog.PerformanceFilter{From: p.Start, To: p.End, Limit: maxPeriodPerformances})
	if err != nil {
		return report.Document{}, false, err
	}
	if len(perfs) == maxPeriodPerformances {
		last := perfs[len(perfs)-1]
		more, err := s.seats.ListPerformances(ctx, catalog.PerformanceFilter{From: p.Start, To: p.End, AfterStartsAt: last.StartsAt, AfterID: last.ID, Limit: 1})
		if err != nil {
			return report.Document{}, false, err
		}
		if len(more) > 0 {
			return report.Document{}, false, &input.Error{Field: "to", Reason: fmt.Sprintf("the period holds more than %d performances: choose a shorter one", maxPeriodPerformances)}
		}
	}
	in := documents.Input{Kind: kind, Period: p.Key(), Performance: "Performances starting " + p.From + " to " + p.To, When: s.loc.String(),
		From: p.Start.UTC(), To: p.End.UTC()}
	halls := map[string]int{}
	for _, m := range perfs {
		part, err := s.periodPart(ctx, m, halls)
		if err != nil {
			return report.Document{}, false, err
		}
		if c := part.Sales.Currency; c != "" {
			if in.Currency != "" && c != in.Currency {
				return report.Document{}, false, fmt.Errorf("period %s: performances sold in %s and %s: a period's document sums one currency", p.Key(), in.Currency, c)
			}
			in.Currency = c
		}
		in.Parts = append(in.Parts, part)
	}
	if in.Template, err = s.store.DocumentTemplate(ctx); err != nil {
		return report.Document{}, false, err
	}
	in.AsOf = in.LastChange()
	if in.AsOf.IsZero() {
		in.AsOf = p.Start.UTC()
	}
	pdf, csv, err := documents.Render(in)
	if err != nil {
		return report.Document{}, false, err
	}
	return s.store.SaveDocument(ctx, report.Document{
		ID: ids.New("doc", 15), Period: p.Key(), Kind: kind, SHA256: documents.Hash(pdf, csv), AsOf: in.AsOf,
		PDF: pdf, CSV: csv, CreatedBy: a.Label(),
	})
}

// periodPart reads one performance of a period as makeDocument reads it,
// from the store (a period's performances are not loaded for it); halls
// caches the halls' seat counts.
func (s *Service) periodPart(ctx context.Context, m catalog.Performance, halls map[string]int) (documents.Part, error) {
	part := documents.Part{PerformanceID: m.ID, Performance: m.Name, When: s.When(m.StartsAt), Status: m.Status, ZoneNames: map[string]string{}}
	for _, z := range m.Zones {
		part.ZoneNames[z.ID] = z.Name
		if part.Sales.Currency == "" {
			part.Sales.Currency = z.Currency
		}
	}
	seats, ok := halls[m.HallID]
	if !ok {
		h, err := s.seats.GetHall(ctx, m.HallID)
		if err != nil {
			return part, fmt.Errorf("hall of %s: %w", m.ID, err)
		}
		seats, halls[m.HallID] = h.Seats, h.Seats
	}
	part.Seats = seats
	currency := part.Sales.Currency
	var err error
	if part.Sales, err = s.store.SalesReport(ctx, report.Filter{PerformanceID: m.ID}); err != nil {
		return part, err
	}
	if part.Sales.Currency == "" {
		part.Sales.Currency = currency
	}
	if part.Tickets, err = s.store.TicketRows(ctx, m.ID); err != nil {
		return part, err
	}
	if part.Refunds, err = s.store.PerformanceRefunds(ctx, m.ID); err != nil {
		return part, err
	}
	register, err := s.store.TicketRegister(ctx, m.ID)
	if err != nil {
		return part, err
	}
	for _, n := range register {
		if n.Voided() {
			part.Voided = append(part.Voided, n)
		}
	}
	return part, nil
}

// RangeDocuments lists every version of a period's documents, of one kind
// when kind is not "".
func (s *Service) RangeDocuments(ctx context.Context, p Period, kind string) ([]report.Document, error) {
	if kind != "" && !report.KnownKind(kind) {
		return nil, &input.Error{Field: "kind", Reason: fmt.Sprintf("a period's document is one of %v", report.DocumentKinds)}
	}
	ds, err := s.store.PeriodDocuments(ctx, p.Key())
	if err != nil || kind == "" {
		return ds, err
	}
	out := ds[:0]
	for _, d := range ds {
		if d.Kind == kind {
			out = append(out, d)
		}
	}
	return out, nil
}
