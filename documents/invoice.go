package documents

import (
	"fmt"
	"io"
	"strings"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/seatmap/seatmap/report"
)

// Invoice is an order's invoice, written for people by the caller.
type Invoice struct {
	Number      string // the order's number
	Date        string // when the order was made, in the venue's zone
	Buyer       string
	BuyerEmail  string
	Performance string // "" for an order of passes alone
	When        string
	Status      string // "paid", "partially refunded", …
	Lines       []InvoiceLine
	// Discount is the discount line's text, naming the voucher or promotion
	// and its code: "Gift (GIFT-TEN)"; "" without one. DiscountAmount is
	// written with its minus sign by the caller: "−10.00".
	Discount       string
	DiscountAmount string
	Subtotal       string
	Total          string
	Refunded       string // "" when nothing was refunded
	Currency       string
	// Template is the documents' letterhead and footer (the zero one: none).
	Template report.Template
}

// InvoiceLine is a ticket or a pass on the invoice.
type InvoiceLine struct {
	Text   string // "Stalls, row 1, seat 1 - Premium - Student"
	Amount string
}

// InvoicePDF writes an order's invoice as an A4 PDF.
func InvoicePDF(w io.Writer, inv Invoice) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCatalogSort(true)
	pdf.SetTitle("Invoice "+inv.Number, true)
	pdf.SetCreator("seatmap", true)
	pdf.SetMargins(18, 18, 18)
	pdf.SetAutoPageBreak(true, 18)
	// The documents' fonts (UTF-8: Cyrillic names print as written) and
	// their template's letterhead and footer on every page.
	pdf.AddUTF8FontFromBytes(font, "", goregular.TTF)
	pdf.AddUTF8FontFromBytes(font, "B", gobold.TTF)
	tr := func(s string) string { return s }
	pageW0, _ := pdf.GetPageSize()
	if err := useTemplate(pdf, tr, inv.Template, pageW0-36); err != nil {
		return fmt.Errorf("invoice pdf: %w", err)
	}
	if tpl := inv.Template; tpl.Footer != "" {
		lines := float64(strings.Count(tpl.Footer, "\n") + 1)
		pdf.SetFooterFunc(func() {
			pdf.SetY(-10 - 3.2*lines)
			footerText(pdf, tr, tpl)
		})
		pdf.SetAutoPageBreak(true, 14+3.2*lines)
	}
	pdf.AddPage()
	pdf.SetFont(font, "B", 20)
	pdf.CellFormat(0, 10, "Invoice", "", 1, "L", false, 0, "")
	pdf.SetFont(font, "", 10)
	for _, l := range [][2]string{{"Order", inv.Number}, {"Date", inv.Date}, {"Buyer", inv.Buyer + " <" + inv.BuyerEmail + ">"}, {"Status", inv.Status}} {
		pdf.CellFormat(30, 5.5, l[0], "", 0, "L", false, 0, "")
		pdf.CellFormat(0, 5.5, tr(l[1]), "", 1, "L", false, 0, "")
	}
	if inv.Performance != "" {
		pdf.CellFormat(30, 5.5, "Performance", "", 0, "L", false, 0, "")
		pdf.MultiCell(0, 5.5, tr(inv.Performance+" - "+inv.When), "", "L", false)
	}
	pdf.Ln(6)
	const amountW = 40.0
	pageW, _ := pdf.GetPageSize()
	textW := pageW - 36 - amountW
	pdf.SetFont(font, "B", 10)
	pdf.SetFillColor(235, 235, 240)
	pdf.CellFormat(textW, 7, "Item", "B", 0, "L", true, 0, "")
	pdf.CellFormat(amountW, 7, "Amount ("+inv.Currency+")", "B", 1, "R", true, 0, "")
	pdf.SetFont(font, "", 10)
	for _, l := range inv.Lines {
		pdf.CellFormat(textW, 6, tr(l.Text), "", 0, "L", false, 0, "")
		pdf.CellFormat(amountW, 6, l.Amount, "", 1, "R", false, 0, "")
	}
	pdf.Ln(2)
	sum := func(label, amount string, bold bool) {
		style := ""
		if bold {
			style = "B"
		}
		pdf.SetFont(font, style, 10)
		pdf.CellFormat(textW, 6, tr(label), "T", 0, "R", false, 0, "")
		pdf.CellFormat(amountW, 6, tr(amount), "T", 1, "R", false, 0, "")
	}
	sum("Subtotal", inv.Subtotal, false)
	if inv.Discount != "" {
		sum(inv.Discount, inv.DiscountAmount, false)
	}
	sum("Total", inv.Total, true)
	if inv.Refunded != "" {
		sum("Refunded", inv.Refunded, false)
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("invoice pdf: %w", err)
	}
	return nil
}
