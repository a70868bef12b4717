package api

import (
	"encoding/base64"
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/seatmap/seatmap/documents"
	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/report"
)

// maxTemplateBody bounds PUT /document-template: the text fields and a logo
// of documents.MaxLogoBytes in base64, with room to spare.
const maxTemplateBody = documents.MaxLogoBytes*4/3 + 64<<10

type documentTemplateJSON struct {
	VenueName    string  `json:"venue_name"`
	LegalDetails string  `json:"legal_details"`
	Footer       string  `json:"footer"`
	Logo         *string `json:"logo"` // base64 (standard, padded) of the PNG or JPEG; null: none
	LogoType     string  `json:"logo_type,omitempty"`
	Version      int     `json:"version"`
	UpdatedAt    *string `json:"updated_at"`
	UpdatedBy    string  `json:"updated_by,omitempty"`
	PreviewURL   string  `json:"preview_url"`
}

func toTemplateJSON(t report.Template) documentTemplateJSON {
	j := documentTemplateJSON{VenueName: t.VenueName, LegalDetails: t.LegalDetails, Footer: t.Footer, LogoType: t.LogoType, Version: t.Version,
		UpdatedBy: t.UpdatedBy, PreviewURL: "/api/v1/document-template/preview.pdf?v=" + itoa(t.Version)}
	if len(t.Logo) > 0 {
		l := base64.StdEncoding.EncodeToString(t.Logo)
		j.Logo = &l
	}
	if !t.UpdatedAt.IsZero() {
		at := rfc3339(t.UpdatedAt)
		j.UpdatedAt = &at
	}
	return j
}

// getDocumentTemplate answers GET /document-template: the letterhead and
// footer documents are printed with (version 0 before any is stored).
func (s *Server) getDocumentTemplate(c *echo.Context) error {
	t, err := s.checkout.DocumentTemplate(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toTemplateJSON(t))
}

// putDocumentTemplate answers PUT /document-template: the template whole
// (venue_name, legal_details, footer, logo as base64 or null). Bad input is
// 422 naming its field. Documents made after it print it, so their next
// make is a new version.
func (s *Server) putDocumentTemplate(c *echo.Context) error {
	t, err := decodeTemplate(c)
	if err != nil {
		return err
	}
	a, err := s.actorOf(c)
	if err != nil {
		return err
	}
	t, err = s.checkout.SetDocumentTemplate(c.Request().Context(), t, a)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toTemplateJSON(t))
}

// decodeTemplate reads the JSON of PUT /document-template and of POST
// /document-template/preview.pdf: the text fields, the logo as base64 or
// null.
func decodeTemplate(c *echo.Context) (report.Template, error) {
	var req struct {
		VenueName    string  `json:"venue_name"`
		LegalDetails string  `json:"legal_details"`
		Footer       string  `json:"footer"`
		Logo         *string `json:"logo"`
	}
	if err := decode(c, &req, maxTemplateBody); err != nil {
		return report.Template{}, err
	}
	t := report.Template{VenueName: req.VenueName, LegalDetails: req.LegalDetails, Footer: req.Footer}
	if req.Logo != nil && *req.Logo != "" {
		b, err := base64.StdEncoding.DecodeString(*req.Logo)
		if err != nil {
			return t, &input.Error{Field: "logo", Reason: "is not base64 (standard alphabet, padded)"}
		}
		if len(b) == 0 {
			return t, &input.Error{Field: "logo", Reason: "is empty: send null for no logo"}
		}
		t.Logo = b
	}
	return t, nil
}

// draftTemplatePreview answers POST /document-template/preview.pdf: the
// sample document printed with the template in the body (the JSON of PUT,
// checked as PUT checks it: 422 naming the field), so the editor shows
// unsaved edits. Nothing is stored.
func (s *Server) draftTemplatePreview(c *echo.Context) error {
	t, err := decodeTemplate(c)
	if err != nil {
		return err
	}
	pdf, err := s.checkout.DraftTemplatePreview(t)
	if err != nil {
		return err
	}
	return previewPDF(c, pdf)
}

// documentTemplatePreview answers GET /document-template/preview.pdf: a
// sample document printed with the stored template. The editor shows it in
// a frame of its own page, so this answer, unlike the others, may be framed
// by this origin.
func (s *Server) documentTemplatePreview(c *echo.Context) error {
	pdf, err := s.checkout.DocumentTemplatePreview(c.Request().Context())
	if err != nil {
		return err
	}
	return previewPDF(c, pdf)
}

// previewPDF answers with a template's preview: the one answer this origin
// may frame.
func previewPDF(c *echo.Context, pdf []byte) error {
	h := c.Response().Header()
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Security-Policy", "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; frame-ancestors 'self'")
	h.Set("Cache-Control", "private, no-cache")
	h.Set("Content-Disposition", `inline; filename="document-template-preview.pdf"`)
	return c.Blob(http.StatusOK, "application/pdf", pdf)
}
