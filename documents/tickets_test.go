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
	require.NoError(t, documents.TicketsPDF(&out, "Tickets SM-1234", tickets))
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
