package api

import (
	"testing"

	"github.com/seatmap/seatmap/order"
)

// BenchmarkTicketSVG draws a ticket's QR code, as GET …/qr.svg does on
// every request that is not answered from the browser's cache.
func BenchmarkTicketSVG(b *testing.B) {
	code := order.NewTicketCode()
	b.ReportAllocs()
	var n int
	for b.Loop() {
		svg, err := ticketSVG(code)
		if err != nil {
			b.Fatal(err)
		}
		n = len(svg)
	}
	b.ReportMetric(float64(n), "bytes/svg")
}
