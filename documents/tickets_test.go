package documents_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/documents"
	"github.com/seatmap/seatmap/internal/pdftest"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/report"
)

// The tickets PDF opens in a reader (poppler), says what each ticket is,
// and its QR codes decode to the tickets' codes.
func TestTicketsPDF(t *testing.T) {
	t.Parallel()
	var tickets []documents.Ticket
	for i := range 4 {
		tickets = append(tickets, documents.Ticket{
			Performance: "Die Zauberflöte", When: "Sat 12 Dec 2026, 20:30 CET (Europe/Berlin)",
			Seat: fmt.Sprintf("Parkett, row 3, seat %d", 10+i), Zone: "Premium", Fare: "Student", Price: "29.50 EUR",
			Form: order.FormNumber("AA", 41+i), Code: order.NewTicketCode(), Order: "SM-1234", Buyer: "Jürgen Müller",
		})
	}
	var out bytes.Buffer
	require.NoError(t, documents.TicketsPDF(&out, "Tickets SM-1234", report.Template{}, tickets))
	pdf := out.Bytes()
	require.Equal(t, 2, pdftest.Pages(t, pdf), "three a page")
	text := pdftest.Text(t, pdf)
	for _, want := range []string{"Die Zauberflöte", "Sat 12 Dec 2026, 20:30 CET", "Parkett, row 3, seat 13", "Premium - Student - 29.50 EUR",
		"Ticket No. AA 000044", "Order SM-1234 - Jürgen Müller"} {
		require.Contains(t, text, want)
	}
	const dpi = 200
	for i, tk := range tickets {
		page, x, y, w, h := documents.TicketQRArea(i)
		img := pdftest.Page(t, pdf, page, dpi)
		require.Equal(t, tk.Code, pdftest.QR(t, img, dpi, x, y, w, h), "ticket %d", i)
		require.Contains(t, strings.Join(strings.Fields(text), ""), tk.Code, "the code written out (over two lines)")
	}
}

// The tickets print the document template: the logo and the venue's name
// (in any script) at the top of every ticket, the footer at its bottom; the
// QR codes stay where a reader looks for them and decode.
func TestTicketsPDFTemplate(t *testing.T) {
	t.Parallel()
	tpl, err := documents.NormalizeTemplate(report.Template{VenueName: "Большой театр", LegalDetails: "ООО «Театр»",
		Footer: "Возврат билетов — в кассе театра\nThank you for your visit", Logo: logoPNG(t, 200, 100)})
	require.NoError(t, err)
	var tickets []documents.Ticket
	for i := range 4 {
		tickets = append(tickets, documents.Ticket{Performance: "Die Zauberflöte", When: "Sat 12 Dec 2026, 20:30 CET (Europe/Berlin)",
			Seat: fmt.Sprintf("Parkett, row 3, seat %d", 10+i), Zone: "Premium", Price: "29.50 EUR", Code: order.NewTicketCode(), Order: "SM-1234", Buyer: "Ada"})
	}
	var out bytes.Buffer
	require.NoError(t, documents.TicketsPDF(&out, "Tickets SM-1234", tpl, tickets))
	pdf := out.Bytes()
	text := pdftest.Text(t, pdf)
	for _, w := range []string{"Большой театр", "Возврат билетов — в кассе театра", "Thank you for your visit"} {
		require.Equal(t, 4, strings.Count(text, w), "%q on every ticket:\n%s", w, text)
	}
	require.Contains(t, text, "Die Zauberflöte")
	// The logo: red at the top left of the first ticket (10 mm in).
	img := pdftest.Page(t, pdf, 1, 72)
	r, g, b, _ := img.At(31, 31).RGBA()
	require.Greater(t, r>>8, uint32(180), "red logo at the top left")
	require.Less(t, g>>8, uint32(60))
	require.Less(t, b>>8, uint32(60))
	const dpi = 200
	for i, tk := range tickets {
		page, x, y, w, h := documents.TicketQRArea(i)
		require.Equal(t, tk.Code, pdftest.QR(t, pdftest.Page(t, pdf, page, dpi), dpi, x, y, w, h), "ticket %d", i)
	}
}
