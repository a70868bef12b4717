package documents

import (
	"bytes"
	"strings"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/seatmap/seatmap/report"
)

// smallTemplate prints the document template on what is cut to a small
// size — a buyer's ticket (a third of A4), a pass card — where a page's
// letterhead would not fit: the logo and the venue's name in one band, the
// footer in small type where the caller puts it. Its text is set in the Go
// fonts (UTF-8), so a venue's name prints as written in any script the
// documents print; the rest of the ticket or card keeps its own fonts.
type smallTemplate struct {
	pdf  *fpdf.Fpdf
	tpl  report.Template
	logo bool
}

// newSmallTemplate registers the template's fonts and logo with pdf, once
// a document.
func newSmallTemplate(pdf *fpdf.Fpdf, tpl report.Template) *smallTemplate {
	s := &smallTemplate{pdf: pdf, tpl: tpl}
	if tpl.VenueName == "" && tpl.Footer == "" && len(tpl.Logo) == 0 {
		return s
	}
	pdf.AddUTF8FontFromBytes(font, "", goregular.TTF)
	pdf.AddUTF8FontFromBytes(font, "B", gobold.TTF)
	if len(tpl.Logo) > 0 {
		typ := "PNG"
		if tpl.LogoType == "image/jpeg" {
			typ = "JPG"
		}
		pdf.RegisterImageOptionsReader("logo", fpdf.ImageOptions{ImageType: typ}, bytes.NewReader(tpl.Logo))
		s.logo = pdf.Ok()
	}
	return s
}

// band draws the logo (at most h high and 3h wide) and the venue's name at
// (x, y), in at most w, and returns the height used (0: nothing to draw).
func (s *smallTemplate) band(x, y, w, h, size float64) float64 {
	used := 0.0
	tx := x
	if s.logo {
		if info := s.pdf.GetImageInfo("logo"); info != nil && info.Height() > 0 {
			lh := h
			lw := lh * info.Width() / info.Height()
			if lw > 3*h {
				lw, lh = 3*h, 3*h*info.Height()/info.Width()
			}
			s.pdf.ImageOptions("logo", x, y, lw, lh, false, fpdf.ImageOptions{}, 0, "")
			tx, used = x+lw+2, lh
		}
	}
	if s.tpl.VenueName != "" && x+w-tx > 5 {
		s.pdf.SetFont(font, "B", size)
		s.pdf.SetTextColor(0, 0, 0)
		lh := size * 0.45
		s.pdf.SetXY(tx, y)
		s.pdf.CellFormat(x+w-tx, lh, fit(s.pdf, s.tpl.VenueName, x+w-tx), "", 0, "L", false, 0, "")
		used = max(used, lh)
	}
	return used
}

// footerHeight is the height footer takes in w at size (0: no footer).
func (s *smallTemplate) footerHeight(w, size float64) float64 {
	if s.tpl.Footer == "" {
		return 0
	}
	s.pdf.SetFont(font, "", size)
	return float64(len(s.pdf.SplitText(s.tpl.Footer, w))) * size * 0.42
}

// footer prints the footer text at (x, y) in w, grey, at size.
func (s *smallTemplate) footer(x, y, w, size float64) {
	if s.tpl.Footer == "" {
		return
	}
	s.pdf.SetFont(font, "", size)
	s.pdf.SetTextColor(90, 90, 90)
	s.pdf.SetXY(x, y)
	s.pdf.MultiCell(w, size*0.42, s.tpl.Footer, "", "L", false)
	s.pdf.SetTextColor(0, 0, 0)
}

// line is the footer on one line (its lines joined), cut to w.
func (s *smallTemplate) line(x, y, w, size float64) {
	if s.tpl.Footer == "" {
		return
	}
	s.pdf.SetFont(font, "", size)
	s.pdf.SetTextColor(90, 90, 90)
	s.pdf.SetXY(x, y)
	text := strings.Join(strings.Fields(strings.ReplaceAll(s.tpl.Footer, "\n", " · ")), " ")
	s.pdf.CellFormat(w, size*0.42, fit(s.pdf, text, w), "", 0, "L", false, 0, "")
	s.pdf.SetTextColor(0, 0, 0)
}

// fit cuts text with an ellipsis to w in the current font.
func fit(pdf *fpdf.Fpdf, text string, w float64) string {
	r := []rune(text)
	if pdf.GetStringWidth(text) <= w {
		return text
	}
	for len(r) > 1 && pdf.GetStringWidth(string(r)+"…") > w {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}
