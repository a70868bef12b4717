package documents

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"regexp"
	"sync"

	"codeberg.org/go-pdf/fpdf"
	qr "github.com/piglig/go-qr"

	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/pass"
	"github.com/seatmap/seatmap/report"
)

// Card is the page of one pass: the ID-1 card size (85.6 × 53.98 mm, a
// bank card's), landscape, as a card printer takes it.
var Card = fpdf.SizeType{Wd: 85.6, Ht: 53.98}

// Layout, in millimetres.
const (
	margin      = 3.5
	photoW      = 20.0
	photoH      = 26.0 // 10:13, a passport photo's shape
	qrSide      = 24.0
	qrModulePx  = 4 // pixels a QR module: crisp when the page is scaled
	qrQuietZone = 4 // modules, as the standard asks
)

// PassCards renders passes as a PDF of one card a page. Add each pass, then
// Write; not safe for concurrent use. fpdf assembles the document in
// memory and writes it out at the end: what it holds is the pages' drawing
// commands and the images (the photos as stored, JPEG, passed through; the
// QR codes as small 1-bit PNGs), not the passes themselves.
type PassCards struct {
	pdf  *fpdf.Fpdf
	tr   func(string) string
	head *smallTemplate
	n    int
}

// NewPassCards starts a document titled title, each card printed with the
// document template (the logo and the venue's name under the photo, the
// footer on the card's last line).
func NewPassCards(title string, tpl report.Template) *PassCards {
	pdf := fpdf.NewCustom(&fpdf.InitType{UnitStr: "mm", Size: Card, OrientationStr: "P"}) // "P": the size as given, wider than high
	pdf.SetAutoPageBreak(false, 0)
	// Page streams are a few hundred bytes of drawing commands each, and
	// the images carry their own compression (JPEG, the PNG's deflate):
	// fpdf's compression would start a zlib writer (~1 MB of buffers) for
	// every page and every palette, 2 GB of garbage for 1,000 cards.
	pdf.SetCompression(false)
	pdf.SetMargins(margin, margin, margin)
	pdf.SetTitle(title, true)
	pdf.SetCreator("seatmap", true)
	// The core fonts speak Windows-1252: names in Latin scripts print
	// (Müller, Åsa, Żaneta's Ż does not: it prints as "?").
	c := &PassCards{pdf: pdf, tr: pdf.UnicodeTranslatorFromDescriptor("")}
	c.head = newSmallTemplate(pdf, tpl) // a bad logo is pdf's error: Add and Write return it
	return c
}

// qrEncoder reuses its deflate state across codes (a fresh one is ~1 MB).
var qrEncoder = &png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: &encoderPool{}}

type encoderPool struct{ p sync.Pool }

func (e *encoderPool) Get() *png.EncoderBuffer {
	b, _ := e.p.Get().(*png.EncoderBuffer)
	return b
}

func (e *encoderPool) Put(b *png.EncoderBuffer) { e.p.Put(b) }

// QRPNG renders code as a QR code in a 1-bit PNG (github.com/piglig/go-qr),
// qrModulePx pixels a module with the standard's quiet zone.
func QRPNG(code string) ([]byte, error) {
	seg, err := qr.MakeAlphanumeric(code)
	if err != nil {
		return nil, fmt.Errorf("qr segment: %w", err)
	}
	q, err := qr.EncodeStandardSegments([]*qr.QrSegment{seg}, qr.Medium)
	if err != nil {
		return nil, fmt.Errorf("qr code: %w", err)
	}
	n := q.Size()
	side := (n + 2*qrQuietZone) * qrModulePx
	img := image.NewPaletted(image.Rect(0, 0, side, side), color.Palette{color.White, color.Black})
	for y := range n {
		for x := range n {
			if !q.Module(x, y) {
				continue
			}
			x0, y0 := (x+qrQuietZone)*qrModulePx, (y+qrQuietZone)*qrModulePx
			for dy := range qrModulePx {
				row := img.Pix[(y0+dy)*img.Stride:]
				for dx := range qrModulePx {
					row[x0+dx] = 1
				}
			}
		}
	}
	var b bytes.Buffer
	if err := qrEncoder.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("qr png: %w", err)
	}
	return b.Bytes(), nil
}

func validity(p pass.Pass) string {
	switch {
	case p.ValidFrom.IsZero() && p.ValidTo.IsZero():
		return "Valid from first use"
	case p.ValidTo.IsZero():
		return "Valid from " + p.ValidFrom.String()
	case p.ValidFrom.IsZero():
		return "Valid until " + p.ValidTo.String()
	}
	return "Valid " + p.ValidFrom.String() + " to " + p.ValidTo.String()
}

// Add renders one pass on a page of its own: holder's photo (a frame if it
// has none), holder's name, product, validity, the code written out and as
// a QR code.
func (c *PassCards) Add(it pass.PrintItem) error {
	p := it.Pass
	pdf := c.pdf
	pdf.AddPage()
	c.n++
	x := margin
	if len(it.Photo.Data) > 0 {
		name := "photo-" + p.ID
		tp := "JPG"
		if it.Photo.ContentType == "image/png" {
			tp = "PNG"
		}
		opt := fpdf.ImageOptions{ImageType: tp}
		pdf.RegisterImageOptionsReader(name, opt, bytes.NewReader(it.Photo.Data))
		pdf.ImageOptions(name, x, margin, photoW, photoH, false, opt, 0, "")
	} else {
		pdf.SetDrawColor(160, 160, 160)
		pdf.Rect(x, margin, photoW, photoH, "D")
	}
	qrPNG, err := QRPNG(p.Code)
	if err != nil {
		return fmt.Errorf("pass %s: %w", p.ID, err)
	}
	qrName := "qr-" + p.ID
	qrOpt := fpdf.ImageOptions{ImageType: "PNG"}
	pdf.RegisterImageOptionsReader(qrName, qrOpt, bytes.NewReader(qrPNG))
	pdf.ImageOptions(qrName, Card.Wd-margin-qrSide, margin-1, qrSide, qrSide, false, qrOpt, 0, "")

	tx := x + photoW + 2.5
	tw := Card.Wd - margin - qrSide - tx - 1
	pdf.SetTextColor(0, 0, 0)
	pdf.SetXY(tx, margin+1)
	pdf.SetFont("Helvetica", "B", 9)
	pdf.MultiCell(tw, 4, c.tr(p.Holder.Name), "", "L", false)
	pdf.SetX(tx)
	pdf.SetFont("Helvetica", "", 7.5)
	pdf.MultiCell(tw, 3.4, c.tr(p.ProductName), "", "L", false)
	pdf.SetX(tx)
	pdf.SetFont("Helvetica", "", 6.5)
	pdf.MultiCell(tw, 3.2, validity(p), "", "L", false)
	if !p.Holder.BirthDate.IsZero() {
		pdf.SetX(tx)
		pdf.MultiCell(tw, 3.2, "Born "+p.Holder.BirthDate.String(), "", "L", false)
	}

	bottom := Card.Ht - margin - 8
	if c.head.tpl.Footer != "" {
		bottom -= 2.5
	}
	// Under the photo, or under the text when a long name and product
	// reach lower; never into the code.
	c.head.band(margin, min(max(margin+photoH+1.5, pdf.GetY()+0.5), bottom-5.5), Card.Wd-2*margin, 5, 7)
	pdf.SetFont("Courier", "B", 8)
	pdf.SetXY(margin, bottom)
	pdf.CellFormat(Card.Wd-2*margin, 4, order.FormatTicketCode(p.Code), "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 5.5)
	pdf.SetX(margin)
	pdf.CellFormat(Card.Wd-2*margin, 3, "Pass "+p.ID+" - personal, not transferable", "", 0, "L", false, 0, "")
	c.head.line(margin, bottom+7.2, Card.Wd-2*margin, 5)
	return pdf.Error()
}

// Count is how many pages were added.
func (c *PassCards) Count() int { return c.n }

// Write writes the PDF to w and closes the document.
func (c *PassCards) Write(w io.Writer) error {
	if c.n == 0 {
		c.pdf.AddPage()
	}
	if err := c.pdf.Output(w); err != nil {
		return fmt.Errorf("pass cards pdf: %w", err)
	}
	return nil
}

// pageObject matches a page object's type ("/Type /Page", not "/Pages").
var pageObject = regexp.MustCompile(`/Type\s*/Page([^s]|$)`)

// PageCount counts the pages of a PDF by its page objects, independently of
// the library that wrote it: for tests and checks.
func PageCount(pdf []byte) int { return len(pageObject.FindAllIndex(pdf, -1)) }
