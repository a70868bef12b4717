package documents_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/documents"
	"github.com/seatmap/seatmap/internal/pdftest"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/report"
)

func input(kind string) documents.Input {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	f := report.Figures{Seats: 2, RefundedSeats: 1, Gross: 15000, Refunded: 5000, Net: 10000, PaidOrders: 2}
	return documents.Input{
		Kind: kind, PerformanceID: "p1", Performance: "Götterdämmerung", When: "Sun 6 Dec 2026, 18:00 CET (Europe/Berlin)", Currency: "EUR",
		ZoneNames: map[string]string{"a": "Parkett"},
		Sales:     report.Sales{Currency: "EUR", Total: f, Zones: []report.Line{{Key: "a", Figures: f}}, Channels: []report.Line{{Key: "web", Figures: f}}},
		Tickets: []report.TicketRow{
			{TicketID: "t1", Seat: 1, SeatID: "S1", Zone: "a", Price: 5000, Status: "live", OrderID: "o1", OrderNumber: "AB-1", UpdatedAt: at, Series: "AA", Number: 1, IssuedAt: at},
			{TicketID: "t2", Seat: 2, SeatID: "S2", Zone: "a", Price: 5000, Status: "refunded", OrderID: "o1", OrderNumber: "AB-1", UpdatedAt: at, Series: "AA", Number: 2, IssuedAt: at},
			{TicketID: "t3", Seat: 3, SeatID: "S3", Zone: "a", Price: 5000, Status: "live", OrderID: "o2", OrderNumber: "AB-2", UpdatedAt: at.Add(time.Minute), Series: "AA", Number: 4, IssuedAt: at},
		},
		Refunds: []order.Refund{{ID: "r1", OrderID: "o1", Amount: 5000, Seats: []uint32{2}, Method: "cash", Reason: "ill", CreatedAt: at.Add(time.Hour)}},
		Voided:  []order.TicketNumber{{Series: "AA", Number: 3, TicketID: "t3", VoidedAt: at.Add(2 * time.Minute), VoidReason: order.VoidReprinted}},
	}
}

// Every kind renders to a PDF a reader opens and a CSV; the same input gives
// the same bytes (the hash a document is known by).
func TestRenderDocuments(t *testing.T) {
	t.Parallel()
	want := map[string][]string{
		report.KindActIssue:       {"Act of issue", "AA 000001", "AA 000004", "Tickets issued"},
		report.KindActReturn:      {"Act of return", "AA 000002", "50.00"},
		report.KindRealization:    {"Realization report", "Parkett", "100.00 EUR"},
		report.KindTicketMovement: {"Ticket movement", "Voided (printed again)"},
		report.KindSettlement:     {"Organizer settlement", "Owed to the organizer", "100.00 EUR"},
	}
	for _, kind := range report.DocumentKinds {
		in := input(kind)
		require.Equal(t, time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC), in.LastChange(), "the refund is the last change")
		pdf, csv, err := documents.Render(in)
		require.NoError(t, err)
		pdf2, csv2, err := documents.Render(in)
		require.NoError(t, err)
		require.Equal(t, documents.Hash(pdf, csv), documents.Hash(pdf2, csv2), kind)
		text := pdftest.Text(t, pdf)
		for _, w := range want[kind] {
			require.Contains(t, text, w, kind)
		}
		require.Contains(t, text, "Götterdämmerung")
		require.NotEmpty(t, csv)
	}
	_, _, err := documents.Render(input("poem"))
	require.Error(t, err)
	pdf, _, err := documents.Render(input(report.KindTicketMovement))
	require.NoError(t, err)
	require.Regexp(t, `AA\s+0\s+4\s+1\s+1\s+2`, pdftest.Text(t, pdf), "issued 4 (one voided), returned 1, closing 2")
}

// BenchmarkRender80000 renders the documents of a sold-out stadium: 80,000
// tickets, 2,000 of them returned (figures in BENCHMARKS.md, Issue 17).
func BenchmarkRender80000(b *testing.B) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	in := input(report.KindRealization)
	in.Tickets, in.Refunds = nil, nil
	for i := range 80_000 {
		st := "live"
		if i%40 == 0 {
			st = "refunded"
		}
		in.Tickets = append(in.Tickets, report.TicketRow{TicketID: fmt.Sprint("t", i), Seat: uint32(i), SeatID: fmt.Sprintf("%03d-R%d-S%d", i/2000, i%2000/40, i%40),
			Zone: "a", Price: 5000, Status: st, OrderID: fmt.Sprint("o", i/4), OrderNumber: fmt.Sprint("N-", i/4), UpdatedAt: at, Series: "AA", Number: i + 1, IssuedAt: at})
		if st == "refunded" {
			in.Refunds = append(in.Refunds, order.Refund{ID: fmt.Sprint("r", i), OrderID: fmt.Sprint("o", i/4), Amount: 5000, Seats: []uint32{uint32(i)}, CreatedAt: at})
		}
	}
	for _, kind := range []string{report.KindRealization, report.KindActIssue, report.KindActReturn, report.KindTicketMovement} {
		b.Run(kind, func(b *testing.B) {
			in := in
			in.Kind = kind
			b.ReportAllocs()
			for b.Loop() {
				pdf, csv, err := documents.Render(in)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(len(pdf)), "pdf-bytes")
				b.ReportMetric(float64(len(csv)), "csv-bytes")
			}
		})
	}
}
