package documents_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"strings"
	"testing"

	qr "github.com/piglig/go-qr"
	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/documents"
	"github.com/seatmap/seatmap/internal/pdftest"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/pass"
	"github.com/seatmap/seatmap/report"
)

// photo is a holder's photo as a batch prints it: a 240 × 320 JPEG.
func photo(tb testing.TB) pass.Photo {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 900, 1200))
	for y := range 1200 {
		for x := range 900 {
			img.Set(x, y, color.RGBA{uint8(x / 4), uint8(y / 5), uint8((x * y) % 251), 255})
		}
	}
	var b bytes.Buffer
	require.NoError(tb, jpeg.Encode(&b, img, nil))
	ph, err := pass.NormalizePhoto(b.Bytes(), "image/jpeg")
	require.NoError(tb, err)
	// A batch prints the print rendition, as the store's page of it gives.
	return pass.Photo{ContentType: ph.ContentType, Data: ph.PrintData}
}

func item(i int, ph pass.Photo) pass.PrintItem {
	return pass.PrintItem{Position: i, Photo: ph, Pass: pass.Pass{
		ID: order.NewPassID(), Code: order.NewTicketCode(), ProductName: "Jahreskarte 2027", State: pass.StatePrinted,
		Holder:    pass.Holder{Name: "Jürgen Müller-Lüdenscheidt", BirthDate: pass.Date{Year: 1970, Month: 5, Day: 1}},
		ValidFrom: pass.Date{Year: 2027, Month: 1, Day: 1}, ValidTo: pass.Date{Year: 2027, Month: 12, Day: 31},
	}}
}

func TestPassCards(t *testing.T) {
	t.Parallel()
	ph := photo(t)
	cards := documents.NewPassCards("Print batch pb1", report.Template{})
	for i := range 3 {
		p := ph
		if i == 1 {
			p = pass.Photo{} // no photo: a frame
		}
		require.NoError(t, cards.Add(item(i, p)))
	}
	var out bytes.Buffer
	require.NoError(t, cards.Write(&out))
	require.True(t, bytes.HasPrefix(out.Bytes(), []byte("%PDF-")))
	require.Equal(t, 3, documents.PageCount(out.Bytes()))
	require.Equal(t, 3, cards.Count())
	if dir := os.Getenv("PASSCARDS_OUT"); dir != "" {
		require.NoError(t, os.WriteFile(dir+"/passcards.pdf", out.Bytes(), 0o644))
	}
}

// Pass cards print the document template: the logo and the venue's name
// under the photo, the footer on the last line; the card's own text stays.
func TestPassCardsTemplate(t *testing.T) {
	t.Parallel()
	tpl, err := documents.NormalizeTemplate(report.Template{VenueName: "Большой театр", Footer: "Возврат — в кассе\nThank you", Logo: logoPNG(t, 200, 100)})
	require.NoError(t, err)
	cards := documents.NewPassCards("Print batch pb2", tpl)
	for i := range 2 {
		require.NoError(t, cards.Add(item(i, photo(t))))
	}
	var out bytes.Buffer
	require.NoError(t, cards.Write(&out))
	text := pdftest.Text(t, out.Bytes())
	require.Equal(t, 2, pdftest.Pages(t, out.Bytes()))
	for _, w := range []string{"Большой театр", "Возврат — в кассе · Thank you", "Jahreskarte 2027", "personal, not transferable"} {
		require.Equal(t, 2, strings.Count(text, w), "%q on every card:\n%s", w, text)
	}
	// The logo: red under the photo (3.5 mm in, 31 mm down).
	img := pdftest.Page(t, out.Bytes(), 1, 300)
	r, g, b, _ := img.At(59, 378).RGBA() // 5 mm, 32 mm at 300 dpi
	require.Greater(t, r>>8, uint32(180), "red logo under the photo")
	require.Less(t, g>>8, uint32(60))
	require.Less(t, b>>8, uint32(60))
}

func TestQRPNGDecodes(t *testing.T) {
	t.Parallel()
	code := order.NewTicketCode()
	b, err := documents.QRPNG(code)
	require.NoError(t, err)
	img, err := png.Decode(bytes.NewReader(b))
	require.NoError(t, err)
	got, err := qr.Decode(img)
	require.NoError(t, err)
	require.Equal(t, code, got)
}

// distinct makes photo i's bytes its own (a JPEG comment after the start
// marker), as 1,000 holders' photos are: the PDF then holds 1,000 images,
// not one image fpdf keeps once.
func distinct(ph pass.Photo, i int) pass.Photo {
	text := fmt.Sprintf("holder %d", i)
	com := []byte{0xff, 0xfe, 0, byte(len(text) + 2)}
	data := append(append(append([]byte{}, ph.Data[:2]...), com...), text...)
	ph.Data = append(data, ph.Data[2:]...)
	return ph
}

// BenchmarkPassCards1000 renders a print batch of 1,000 passes, each with a
// photo of its own, to a counting writer: the time and allocations of one
// batch, and the PDF's size.
// Peak memory: see BENCHMARKS.md (Issue 14).
func BenchmarkPassCards1000(b *testing.B) {
	ph := photo(b)
	items := make([]pass.PrintItem, 1000)
	for i := range items {
		items[i] = item(i, distinct(ph, i))
	}
	b.ReportAllocs()
	var out counter
	for b.Loop() {
		out = 0
		cards := documents.NewPassCards("bench", report.Template{})
		for _, it := range items {
			if err := cards.Add(it); err != nil {
				b.Fatal(err)
			}
		}
		if err := cards.Write(&out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(out), "pdf-bytes")
}

// counter counts what is written to it and keeps none of it.
type counter int64

func (c *counter) Write(p []byte) (int, error) {
	*c += counter(len(p))
	return len(p), nil
}
