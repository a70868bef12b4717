package api

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/seatmap/seatmap/checkout"
	"github.com/seatmap/seatmap/documents"
	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/report"
)

type documentJSON struct {
	ID           string  `json:"id"`
	Kind         string  `json:"kind"`
	Period       string  `json:"period,omitempty"` // a day's document: YYYY-MM-DD in the venue's zone; a period's: YYYY-MM-DD/YYYY-MM-DD
	From         string  `json:"from,omitempty"`   // a period's first day
	To           string  `json:"to,omitempty"`     // a period's last day (included)
	Title        string  `json:"title"`
	Version      int     `json:"version"`
	SHA256       string  `json:"sha256"`
	AsOf         string  `json:"as_of"`
	Supersedes   *string `json:"supersedes"`
	SupersededBy *string `json:"superseded_by,omitempty"`
	CreatedAt    string  `json:"created_at"`
	CreatedBy    string  `json:"created_by"`
	PDFURL       string  `json:"pdf_url"`
	CSVURL       string  `json:"csv_url"`
}

func toDocumentJSON(d report.Document) documentJSON {
	j := documentJSON{ID: d.ID, Kind: d.Kind, Period: d.Period, Title: documents.Title(d.Kind), Version: d.Version, SHA256: d.SHA256, AsOf: rfc3339(d.AsOf),
		CreatedAt: rfc3339(d.CreatedAt), CreatedBy: d.CreatedBy,
		PDFURL: "/api/v1/documents/" + d.ID + ".pdf", CSVURL: "/api/v1/documents/" + d.ID + ".csv"}
	if from, to, ok := strings.Cut(d.Period, "/"); ok {
		j.From, j.To = from, to
	}
	if d.Supersedes != "" {
		j.Supersedes = &d.Supersedes
	}
	if d.SupersededBy != "" {
		j.SupersededBy = &d.SupersededBy
	}
	return j
}

// makeDocument answers POST /performances/{id}/documents {"kind"}: the
// document made from what is stored now; 201 when it is a new version, 200
// with the last one when nothing it counts has changed (the same SHA-256).
func (s *Server) makeDocument(c *echo.Context) error {
	var req struct {
		Kind string `json:"kind"`
	}
	if err := decode(c, &req, maxBody); err != nil {
		return err
	}
	if !report.KnownKind(req.Kind) {
		return &input.Error{Field: "kind", Reason: "must be one of " + strings.Join(report.DocumentKinds, ", ")}
	}
	a, err := s.actorOf(c)
	if err != nil {
		return err
	}
	d, created, err := s.checkout.MakeDocument(c.Request().Context(), c.Param("id"), req.Kind, a)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.JSON(status, toDocumentJSON(d))
}

// makePeriodDocument answers POST /documents: {"kind": "cashier_day", "day":
// "YYYY-MM-DD"}, a day's document, or {"kind": "act_issue"|…, "from", "to"},
// a performance's kind over the performances starting in those days (both
// included), on the venue's clock; made from what is stored now; 201 a new
// version, 200 the last one when nothing changed.
func (s *Server) makePeriodDocument(c *echo.Context) error {
	var req struct {
		Kind string `json:"kind"`
		Day  string `json:"day"`
		From string `json:"from"`
		To   string `json:"to"`
	}
	if err := decode(c, &req, maxBody); err != nil {
		return err
	}
	a, err := s.actorOf(c)
	if err != nil {
		return err
	}
	var d report.Document
	var created bool
	ctx := c.Request().Context()
	if req.Kind == report.KindCashierDay || req.Kind == "" {
		d, created, err = s.checkout.MakePeriodDocument(ctx, req.Kind, req.Day, a)
	} else {
		if !report.KnownKind(req.Kind) {
			return &input.Error{Field: "kind", Reason: "must be one of " + strings.Join(append([]string{report.KindCashierDay}, report.DocumentKinds...), ", ")}
		}
		if req.Day != "" {
			return &input.Error{Field: "day", Reason: "a day is the cashier's day report's; this kind takes from and to"}
		}
		var p checkout.Period
		if p, err = s.checkout.ParsePeriod(req.From, req.To); err != nil {
			return err
		}
		d, created, err = s.checkout.MakeRangeDocument(ctx, req.Kind, p, a)
	}
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.JSON(status, toDocumentJSON(d))
}

// listPeriodDocuments answers GET /documents?day=YYYY-MM-DD, every version of
// the day's documents, or GET /documents?from=&to=[&kind=], every version of
// the documents of those days (of one kind).
func (s *Server) listPeriodDocuments(c *echo.Context) error {
	ctx := c.Request().Context()
	kinds := report.PeriodKinds
	var ds []report.Document
	var err error
	if c.QueryParam("day") != "" || (c.QueryParam("from") == "" && c.QueryParam("to") == "") {
		ds, err = s.checkout.PeriodDocuments(ctx, c.QueryParam("day"))
	} else {
		var p checkout.Period
		if p, err = s.checkout.ParsePeriod(c.QueryParam("from"), c.QueryParam("to")); err != nil {
			return err
		}
		kinds = report.DocumentKinds
		ds, err = s.checkout.RangeDocuments(ctx, p, c.QueryParam("kind"))
	}
	if err != nil {
		return err
	}
	out := struct {
		Kinds     []string       `json:"kinds"`
		Documents []documentJSON `json:"documents"`
	}{Kinds: kinds, Documents: make([]documentJSON, len(ds))}
	for i, d := range ds {
		out.Documents[i] = toDocumentJSON(d)
	}
	return c.JSON(http.StatusOK, out)
}

// listDocuments answers GET /performances/{id}/documents: every version of
// every kind, newest first within a kind.
func (s *Server) listDocuments(c *echo.Context) error {
	ds, err := s.checkout.Documents(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	out := struct {
		Kinds     []string       `json:"kinds"`
		Documents []documentJSON `json:"documents"`
	}{Kinds: report.DocumentKinds, Documents: make([]documentJSON, len(ds))}
	for i, d := range ds {
		out.Documents[i] = toDocumentJSON(d)
	}
	return c.JSON(http.StatusOK, out)
}

// documentFile answers GET /documents/{id}.pdf and /documents/{id}.csv: a
// stored document's file, as it was stored (immutable, so cacheable for
// good by whoever may read it).
func (s *Server) documentFile(c *echo.Context) error {
	name := c.Param("file")
	id, ext, ok := strings.Cut(name, ".")
	if !ok || (ext != "pdf" && ext != "csv") || len(id) > 64 {
		return problem(http.StatusNotFound, "not-found", "Not found", "a document is /documents/{id}.pdf or .csv")
	}
	d, err := s.checkout.Document(c.Request().Context(), id)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "private, max-age=31536000, immutable")
	h.Set("ETag", `"`+d.SHA256[:32]+`"`)
	h.Set("Content-Disposition", `attachment; filename="`+d.Kind+"-v"+itoa(d.Version)+"-"+d.PerformanceID+strings.ReplaceAll(d.Period, "/", "_")+"."+ext+`"`)
	if ext == "pdf" {
		return c.Blob(http.StatusOK, "application/pdf", d.PDF)
	}
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", d.CSV)
}
