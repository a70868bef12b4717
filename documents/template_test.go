package documents_test

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/documents"
	inputerr "github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/internal/pdftest"
	"github.com/seatmap/seatmap/report"
)

// logoPNG is a w×h image, solid red on the left half: easy to find on the
// rendered page.
func logoPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{255, 255, 255, 255}
			if x < w/2 {
				c = color.RGBA{220, 0, 0, 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return b.Bytes()
}

func field(t *testing.T, err error) string {
	t.Helper()
	var in *inputerr.Error
	require.True(t, errors.As(err, &in), "%v", err)
	return in.Field
}

// A template's text is trimmed and bounded, its logo sniffed, decoded and
// encoded again; what is not a PNG or JPEG, too large or unreadable is
// refused naming the field.
func TestNormalizeTemplate(t *testing.T) {
	t.Parallel()
	tpl, err := documents.NormalizeTemplate(report.Template{VenueName: "  Opera  ", LegalDetails: "Opera GmbH\r\nMain St 1 \r\n\r\nTax id DE123", Footer: "Thank you",
		Logo: logoPNG(t, 40, 20)})
	require.NoError(t, err)
	require.Equal(t, "Opera", tpl.VenueName)
	require.Equal(t, "Opera GmbH\nMain St 1\n\nTax id DE123", tpl.LegalDetails)
	require.Equal(t, "image/png", tpl.LogoType)
	cfg, err := png.DecodeConfig(bytes.NewReader(tpl.Logo))
	require.NoError(t, err)
	require.Equal(t, 40, cfg.Width)

	var jb bytes.Buffer
	require.NoError(t, jpeg.Encode(&jb, image.NewGray(image.Rect(0, 0, 30, 30)), nil))
	tpl, err = documents.NormalizeTemplate(report.Template{Logo: jb.Bytes()})
	require.NoError(t, err)
	require.Equal(t, "image/jpeg", tpl.LogoType)

	tpl, err = documents.NormalizeTemplate(report.Template{VenueName: "x", Logo: []byte{}})
	require.NoError(t, err)
	require.Nil(t, tpl.Logo)
	require.Empty(t, tpl.LogoType)

	gif := []byte("GIF89a\x01\x00\x01\x00")
	for name, c := range map[string]struct {
		t     report.Template
		field string
	}{
		"long name":       {report.Template{VenueName: strings.Repeat("a", 121)}, "venue_name"},
		"two-line name":   {report.Template{VenueName: "a\nb"}, "venue_name"},
		"control":         {report.Template{VenueName: "a\x07"}, "venue_name"},
		"seven lines":     {report.Template{LegalDetails: strings.Repeat("x\n", 6) + "x"}, "legal_details"},
		"long details":    {report.Template{LegalDetails: strings.Repeat("x", 601)}, "legal_details"},
		"long footer":     {report.Template{Footer: strings.Repeat("x", 301)}, "footer"},
		"three-line foot": {report.Template{Footer: "a\nb\nc"}, "footer"},
		"gif":             {report.Template{Logo: gif}, "logo"},
		"png header only": {report.Template{Logo: logoPNG(t, 10, 10)[:40]}, "logo"},
		"too large":       {report.Template{Logo: append(logoPNG(t, 2, 2), make([]byte, 512<<10)...)}, "logo"},
		"too many pixels": {report.Template{Logo: logoPNG(t, 4001, 1)}, "logo"},
	} {
		_, err := documents.NormalizeTemplate(c.t)
		require.Error(t, err, name)
		require.Equal(t, c.field, field(t, err), name)
	}
}

// The template is printed on every page: the logo and the venue's name and
// legal details at the top, the footer at the bottom; the same template,
// the same bytes; another template, other bytes.
func TestRenderWithTemplate(t *testing.T) {
	t.Parallel()
	tpl, err := documents.NormalizeTemplate(report.Template{VenueName: "Staatsoper Musterstadt", LegalDetails: "Musteroper GmbH\nOpernplatz 1, 10117 Musterstadt\nUSt-IdNr. DE123456789",
		Footer: "Bank: Musterbank IBAN DE00 1234\nThank you for your visit", Logo: logoPNG(t, 200, 100)})
	require.NoError(t, err)
	in := input(report.KindActIssue)
	for i := range 120 { // several pages
		r := in.Tickets[0]
		r.TicketID, r.Number = fmt.Sprint("x", i), 100+i
		in.Tickets = append(in.Tickets, r)
	}
	plain, csvPlain, err := documents.Render(in)
	require.NoError(t, err)
	in.Template = tpl
	pdf, csv, err := documents.Render(in)
	require.NoError(t, err)
	again, _, err := documents.Render(in)
	require.NoError(t, err)
	require.Equal(t, pdf, again, "the same input, the same bytes")
	require.Equal(t, csvPlain, csv, "the CSV holds the figures only")
	require.NotEqual(t, documents.Hash(plain, csvPlain), documents.Hash(pdf, csv), "another template, another document")

	pages := pdftest.Pages(t, pdf)
	require.Greater(t, pages, 2)
	text := pdftest.Text(t, pdf)
	for _, w := range []string{"Staatsoper Musterstadt", "USt-IdNr. DE123456789", "Thank you for your visit"} {
		require.Equal(t, pages, strings.Count(text, w), "%q on every page", w)
	}
	// The logo: red at the top left of the first page (12 mm margin, 16 mm high).
	img := pdftest.Page(t, pdf, 1, 72)
	r, g, b, _ := img.At(56, 51).RGBA()
	require.Greater(t, r>>8, uint32(180), "red logo at the top left")
	require.Less(t, g>>8, uint32(60))
	require.Less(t, b>>8, uint32(60))

	prev, err := documents.Preview(tpl, "EUR")
	require.NoError(t, err)
	require.Contains(t, pdftest.Text(t, prev), "Staatsoper Musterstadt")
	require.Contains(t, pdftest.Text(t, prev), "Sample performance")
}

// A venue of seed 001 writes Cyrillic: the documents' fonts (the Go fonts,
// embedded as UTF-8 subsets) print it as written, in the letterhead and in
// the performance's name.
func TestRenderCyrillic(t *testing.T) {
	t.Parallel()
	in := input(report.KindRealization)
	in.Performance = "Щелкунчик"
	in.Template = report.Template{VenueName: "Театр «Единое поле»", LegalDetails: "ООО «Единое поле»\nг. Москва, ул. Тверская, 1\nИНН 7701234567",
		Footer: "Спасибо за визит"}
	pdf, _, err := documents.Render(in)
	require.NoError(t, err)
	again, _, err := documents.Render(in)
	require.NoError(t, err)
	require.Equal(t, pdf, again, "the same bytes")
	text := pdftest.Text(t, pdf)
	for _, w := range []string{"Театр «Единое поле»", "ИНН 7701234567", "г. Москва, ул. Тверская, 1", "Спасибо за визит", "Щелкунчик"} {
		require.Contains(t, text, w)
	}
}
