package documents_test

import (
	"fmt"
	"testing"

	"github.com/seatmap/seatmap/documents"
	"github.com/seatmap/seatmap/report"
)

// BenchmarkRenderActIssue80000: the act of issue of a sold-out stadium —
// 80,000 tickets, a row each, some 2,600 pages — with a letterhead.
func BenchmarkRenderActIssue80000(b *testing.B) {
	in := input(report.KindActIssue)
	in.Template = report.Template{VenueName: "Stadion", LegalDetails: "Stadion GmbH\nAllee 1", Footer: "Thank you"}
	r := in.Tickets[0]
	for i := range 80000 {
		r.TicketID, r.Number, r.SeatID = fmt.Sprint("t", i), 100+i, fmt.Sprintf("B%d-R%d-S%d", i/4000, i/40%100, i%40)
		in.Tickets = append(in.Tickets, r)
	}
	b.ReportAllocs()
	for b.Loop() {
		pdf, csv, err := documents.Render(in)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(pdf)+len(csv))/1e6, "MB")
	}
}
