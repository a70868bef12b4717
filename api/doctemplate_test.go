package api_test

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/internal/pdftest"
	"github.com/seatmap/seatmap/staff"
)

func testLogo(t *testing.T) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 60, 30))
	for y := range 30 {
		for x := range 60 {
			img.Set(x, y, color.NRGBA{0, 80, 200, 255})
		}
	}
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return b.Bytes()
}

type templateOut struct {
	VenueName    string  `json:"venue_name"`
	LegalDetails string  `json:"legal_details"`
	Footer       string  `json:"footer"`
	Logo         *string `json:"logo"`
	LogoType     string  `json:"logo_type"`
	Version      int     `json:"version"`
	UpdatedBy    string  `json:"updated_by"`
	PreviewURL   string  `json:"preview_url"`
}

// The document template (issue 17): stored whole and read back, the logo
// as base64; printed on the preview, on invoices and on documents made
// after it; a
// changed template makes the next make a new version; bad input is 422
// naming the field; organizers and admins only.
func TestDocumentTemplate(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b stack) {
		e := newEnv(t, b)
		org, _ := e.staffUser(staff.RoleOrganizer)
		var tpl templateOut
		r := org.do("GET", "/api/v1/document-template", nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		r.decode(t, &tpl)
		require.Equal(t, 0, tpl.Version)
		require.Nil(t, tpl.Logo)

		logo := base64.StdEncoding.EncodeToString(testLogo(t))
		r = org.do("PUT", "/api/v1/document-template", map[string]any{"venue_name": " Staatsoper Musterstadt ",
			"legal_details": "Musteroper GmbH\r\nOpernplatz 1, 10117 Musterstadt \nUSt-IdNr. DE123456789\n", "footer": "Thank you for your visit", "logo": logo})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		r.decode(t, &tpl)
		require.Equal(t, 1, tpl.Version)
		require.Equal(t, "Staatsoper Musterstadt", tpl.VenueName)
		require.Equal(t, "Musteroper GmbH\nOpernplatz 1, 10117 Musterstadt\nUSt-IdNr. DE123456789", tpl.LegalDetails)
		require.Equal(t, "image/png", tpl.LogoType)
		require.NotNil(t, tpl.Logo)
		stored, err := base64.StdEncoding.DecodeString(*tpl.Logo)
		require.NoError(t, err)
		cfg, err := png.DecodeConfig(bytes.NewReader(stored))
		require.NoError(t, err)
		require.Equal(t, 60, cfg.Width)
		var again templateOut
		org.do("GET", "/api/v1/document-template", nil).decode(t, &again)
		require.Equal(t, tpl, again)

		r = org.do("GET", tpl.PreviewURL, nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Equal(t, "application/pdf", r.header.Get("Content-Type"))
		require.Equal(t, "SAMEORIGIN", r.header.Get("X-Frame-Options"), "the editor frames it")
		require.Contains(t, r.header.Get("Content-Security-Policy"), "frame-ancestors 'self'")
		text := pdftest.Text(t, r.body)
		require.Contains(t, text, "Staatsoper Musterstadt")
		require.Contains(t, text, "USt-IdNr. DE123456789")
		require.Contains(t, text, "Thank you for your visit")

		// Documents print it; a changed template is a new version.
		p := e.performance(hall.Theatre(), true)
		bought, br := e.buy(p.ID, "", "S-R1-S1", "S-R1-S2")
		require.Equal(t, http.StatusCreated, br.status, "%s", br.body)
		// The invoice is printed with it too.
		r = e.staff().do("GET", "/api/v1/orders/"+bought.ID+"/invoice.pdf", nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		invText := pdftest.Text(t, r.body)
		for _, w := range []string{"Staatsoper Musterstadt", "USt-IdNr. DE123456789", "Thank you for your visit", "Invoice"} {
			require.Contains(t, invText, w)
		}
		mk := func(status int) documentOut {
			t.Helper()
			r := org.do("POST", "/api/v1/performances/"+p.ID+"/documents", map[string]string{"kind": "settlement"})
			require.Equal(t, status, r.status, "%s", r.body)
			var d documentOut
			r.decode(t, &d)
			return d
		}
		v1 := mk(http.StatusCreated)
		require.Contains(t, pdftest.Text(t, org.do("GET", v1.PDFURL, nil).body), "Staatsoper Musterstadt")
		require.Equal(t, v1.ID, mk(http.StatusOK).ID, "nothing changed")
		r = org.do("PUT", "/api/v1/document-template", map[string]any{"venue_name": "Opernhaus Musterstadt", "legal_details": "", "footer": "", "logo": nil})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		r.decode(t, &tpl)
		require.Equal(t, 2, tpl.Version)
		require.Nil(t, tpl.Logo, "null removes the logo")
		v2 := mk(http.StatusCreated)
		require.Equal(t, 2, v2.Version)
		require.Equal(t, v1.ID, *v2.Supersedes)
		v2Text := pdftest.Text(t, org.do("GET", v2.PDFURL, nil).body)
		require.Contains(t, v2Text, "Opernhaus Musterstadt")
		require.NotContains(t, v2Text, "Staatsoper")
		require.Contains(t, pdftest.Text(t, org.do("GET", v1.PDFURL, nil).body), "Staatsoper Musterstadt", "the old version keeps its template")

		// Bad input names its field.
		gif := base64.StdEncoding.EncodeToString([]byte("GIF89a\x01\x00\x01\x00\x00\x00\x00"))
		big := base64.StdEncoding.EncodeToString(append(testLogo(t), make([]byte, 520<<10)...))
		for field, body := range map[string]map[string]any{
			"venue_name":    {"venue_name": strings.Repeat("x", 121)},
			"legal_details": {"legal_details": "1\n2\n3\n4\n5\n6\n7"},
			"footer":        {"footer": "a\nb\nc"},
			"logo":          {"logo": gif},
		} {
			r := org.do("PUT", "/api/v1/document-template", body)
			require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s: %s", field, r.body)
			require.Equal(t, field, r.problem(t).Field, "%s", r.body)
		}
		for name, body := range map[string]map[string]any{"not base64": {"logo": "%%%"}, "over 512 KiB": {"logo": big}} {
			r := org.do("PUT", "/api/v1/document-template", body)
			require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s: %s", name, r.body)
			require.Equal(t, "logo", r.problem(t).Field)
		}
		require.Equal(t, http.StatusRequestEntityTooLarge, org.do("PUT", "/api/v1/document-template", map[string]any{"logo": strings.Repeat("A", 900<<10)}).status)
		org.do("GET", "/api/v1/document-template", nil).decode(t, &tpl)
		require.Equal(t, 2, tpl.Version, "nothing stored by refused writes")

		// Roles.
		box, _ := e.staffUser(staff.RoleBoxOffice)
		require.Equal(t, http.StatusForbidden, box.do("GET", "/api/v1/document-template", nil).status)
		require.Equal(t, http.StatusForbidden, box.do("PUT", "/api/v1/document-template", map[string]any{"venue_name": "x"}).status)
		require.Equal(t, http.StatusForbidden, box.do("GET", "/api/v1/document-template/preview.pdf", nil).status)
		require.Equal(t, http.StatusUnauthorized, e.buyer().do("GET", "/api/v1/document-template", nil).status)
		require.Equal(t, http.StatusOK, e.staff().do("GET", "/api/v1/document-template", nil).status, "admin")
	})
}

// The editor previews what is in its form (issue 17): POST
// /document-template/preview.pdf prints the sample with the template sent,
// checked as PUT checks it, framed by this origin; nothing is stored.
func TestDocumentTemplateDraftPreview(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b stack) {
		e := newEnv(t, b)
		org, _ := e.staffUser(staff.RoleOrganizer)
		r := org.do("PUT", "/api/v1/document-template", map[string]any{"venue_name": "Staatsoper Musterstadt"})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)

		logo := base64.StdEncoding.EncodeToString(testLogo(t))
		r = org.do("POST", "/api/v1/document-template/preview.pdf", map[string]any{"venue_name": "Большой театр", "legal_details": "ООО «Театр»\nИНН 7701234567",
			"footer": "Not saved yet", "logo": logo})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Equal(t, "application/pdf", r.header.Get("Content-Type"))
		require.Equal(t, "SAMEORIGIN", r.header.Get("X-Frame-Options"))
		require.Contains(t, r.header.Get("Content-Security-Policy"), "frame-ancestors 'self'")
		text := pdftest.Text(t, r.body)
		for _, w := range []string{"Большой театр", "ИНН 7701234567", "Not saved yet", "Sample performance"} {
			require.Contains(t, text, w)
		}
		require.NotContains(t, text, "Staatsoper")

		var tpl templateOut
		org.do("GET", "/api/v1/document-template", nil).decode(t, &tpl)
		require.Equal(t, 1, tpl.Version, "nothing stored")
		require.Equal(t, "Staatsoper Musterstadt", tpl.VenueName)
		require.Contains(t, pdftest.Text(t, org.do("GET", tpl.PreviewURL, nil).body), "Staatsoper Musterstadt", "the saved preview as it was")

		for field, body := range map[string]map[string]any{
			"venue_name": {"venue_name": strings.Repeat("x", 121)},
			"footer":     {"footer": "1\n2\n3"},
			"logo":       {"logo": "not base64!"},
		} {
			r := org.do("POST", "/api/v1/document-template/preview.pdf", body)
			require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s: %s", field, r.body)
			require.Equal(t, field, r.problem(t).Field)
		}
		box, _ := e.staffUser(staff.RoleBoxOffice)
		require.Equal(t, http.StatusForbidden, box.do("POST", "/api/v1/document-template/preview.pdf", map[string]any{"venue_name": "x"}).status)
	})
}
