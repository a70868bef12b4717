package documents

import (
	"bytes"
	"fmt"
	"io"

	"codeberg.org/go-pdf/fpdf"

	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/report"
)

// Ticket is what one printed ticket shows, written for people by the
// caller (the date in the venue's zone, the price with its currency).
type Ticket struct {
	Performance string
	When        string // "Sat 12 Dec 2026, 20:30 CET (Europe/Berlin)"
	Seat        string // "Stalls, row 3, seat 10"
	Zone        string // the price zone's name
	Fare        string // the fare's name; "" for the normal fare
	Price       string // "59.00 EUR"
	Form        string // the ticket's form number, "AA 000123"; "" before it is drawn
	Code        string // what the gate scans; the QR code holds it
	Order       string // the order's number
	Buyer       string
}

// A4 in millimetres, and a ticket a third of it: a sheet of three, cut along
// the dashed lines, or one ticket on a phone's screen.
const (
	a4W, a4H   = 210.0, 297.0
	ticketH    = a4H / 3
	ticketPad  = 10.0
	ticketQR   = 52.0
	ticketsPer = 3
)

// TicketsPDF writes tickets as an A4 PDF, three to a page, each with its
// QR code and the document template: the logo and the venue's name at the
// top of each ticket, the footer text at its bottom (each ticket is cut off
// on its own).
func TicketsPDF(w io.Writer, title string, tpl report.Template, tickets []Ticket) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetTitle(title, true)
	pdf.SetCreator("seatmap", true)
	tr := pdf.UnicodeTranslatorFromDescriptor("") // the core fonts speak Windows-1252
	head := newSmallTemplate(pdf, tpl)
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("tickets pdf: template: %w", err)
	}
	if len(tickets) == 0 {
		pdf.AddPage()
	}
	for i, t := range tickets {
		slot := i % ticketsPer
		if slot == 0 {
			pdf.AddPage()
		}
		top := float64(slot) * ticketH
		if slot > 0 {
			pdf.SetDrawColor(150, 150, 150)
			pdf.SetDashPattern([]float64{2, 2}, 0)
			pdf.Line(0, top, a4W, top)
			pdf.SetDashPattern(nil, 0)
		}
		png, err := QRPNG(t.Code)
		if err != nil {
			return fmt.Errorf("ticket %d: %w", i+1, err)
		}
		name := fmt.Sprintf("qr-%d", i)
		opt := fpdf.ImageOptions{ImageType: "PNG"}
		pdf.RegisterImageOptionsReader(name, opt, bytes.NewReader(png))
		pdf.ImageOptions(name, a4W-ticketPad-ticketQR, top+ticketPad, ticketQR, ticketQR, false, opt, 0, "")
		pdf.SetFont("Courier", "B", 8)
		pdf.SetXY(a4W-ticketPad-ticketQR, top+ticketPad+ticketQR+1)
		pdf.MultiCell(ticketQR, 3.6, order.FormatTicketCode(t.Code), "", "C", false)

		x, tw := ticketPad, a4W-3*ticketPad-ticketQR
		y := top + ticketPad
		if used := head.band(x, y, tw, 9, 10); used > 0 {
			y += used + 3
		}
		pdf.SetTextColor(0, 0, 0)
		pdf.SetXY(x, y)
		pdf.SetFont("Helvetica", "B", 17)
		pdf.MultiCell(tw, 7.5, tr(t.Performance), "", "L", false)
		pdf.SetX(x)
		pdf.SetFont("Helvetica", "", 11)
		pdf.MultiCell(tw, 5.5, tr(t.When), "", "L", false)
		pdf.Ln(3)
		pdf.SetX(x)
		pdf.SetFont("Helvetica", "B", 14)
		pdf.MultiCell(tw, 6.5, tr(t.Seat), "", "L", false)
		pdf.SetX(x)
		pdf.SetFont("Helvetica", "", 11)
		kind := t.Zone
		if t.Fare != "" {
			kind += " - " + t.Fare
		}
		pdf.MultiCell(tw, 5.5, tr(kind+" - "+t.Price), "", "L", false)
		pdf.Ln(3)
		pdf.SetX(x)
		pdf.SetFont("Helvetica", "", 9)
		pdf.MultiCell(tw, 4.5, tr("Order "+t.Order+" - "+t.Buyer), "", "L", false)
		if t.Form != "" {
			pdf.SetX(x)
			pdf.SetFont("Helvetica", "B", 10)
			pdf.MultiCell(tw, 5, "Ticket No. "+t.Form, "", "L", false)
		}
		bottom := top + ticketH - ticketPad - 4
		if fh := head.footerHeight(a4W-2*ticketPad, 6.5); fh > 0 {
			head.footer(x, bottom-fh-1, a4W-2*ticketPad, 6.5)
		}
		pdf.SetFont("Helvetica", "", 7.5)
		pdf.SetTextColor(90, 90, 90)
		pdf.SetXY(x, bottom)
		pdf.CellFormat(tw, 4, "Show the QR code at the entrance. Each code admits once.", "", 0, "L", false, 0, "")
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("tickets pdf: %w", err)
	}
	return nil
}

// TicketQRArea is where the QR code of the i-th ticket (from 0) is on its
// page, in millimetres from the top left, with a margin: a reader (or a
// test) looks for it there.
func TicketQRArea(i int) (page int, x, y, w, h float64) {
	slot := i % ticketsPer
	return i/ticketsPer + 1, a4W - ticketPad - ticketQR - 3, float64(slot)*ticketH + ticketPad - 3, ticketQR + 6, ticketQR + 6
}
