package documents_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/documents"
	"github.com/seatmap/seatmap/internal/pdftest"
	"github.com/seatmap/seatmap/report"
)

// periodInput is a period of two performances: input's, and a rescheduled
// original with one ticket, sold before the period began.
func periodInput(kind string, from, to time.Time) documents.Input {
	one := input(kind)
	f := report.Figures{Seats: 1, Gross: 7000, Net: 7000, PaidOrders: 1}
	two := documents.Part{PerformanceID: "p2", Performance: "Rheingold", When: "Mon 7 Dec 2026, 19:00 CET (Europe/Berlin)", Status: "rescheduled",
		Seats: 10, Sales: report.Sales{Currency: "EUR", Total: f, Channels: []report.Line{{Key: "box_office", Figures: f}}},
		Tickets: []report.TicketRow{{TicketID: "t9", Seat: 1, SeatID: "S1", Price: 7000, Status: "live", OrderID: "o9", OrderNumber: "AB-9",
			OrderAt: from.Add(-time.Hour), UpdatedAt: from.Add(-time.Hour)}}}
	for i := range one.Tickets {
		one.Tickets[i].OrderAt = from.Add(time.Hour)
	}
	return documents.Input{Kind: kind, Period: "2026-12-01/2026-12-07", Performance: "Period 2026-12-01 to 2026-12-07", When: "Europe/Berlin",
		Currency: "EUR", From: from, To: to, Parts: []documents.Part{
			{PerformanceID: "p1", Performance: one.Performance, When: one.When, Status: "on_sale", Seats: 5, ZoneNames: one.ZoneNames,
				Sales: one.Sales, Tickets: one.Tickets, Refunds: one.Refunds, Voided: one.Voided},
			two,
		}}
}

// A period's documents: each performance's lines, their sums, the stock at
// the period's start and end, a rescheduled original paid out; the same
// input, the same bytes.
func TestRenderPeriodDocuments(t *testing.T) {
	t.Parallel()
	from := time.Date(2026, 11, 30, 23, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 0, 7)
	csvOf := func(kind string) (string, string) {
		t.Helper()
		p, c, err := documents.Render(periodInput(kind, from, to))
		require.NoError(t, err)
		p2, c2, err := documents.Render(periodInput(kind, from, to))
		require.NoError(t, err)
		require.Equal(t, documents.Hash(p, c), documents.Hash(p2, c2))
		return string(c), pdftest.Text(t, p)
	}
	c, text := csvOf(report.KindRealization)
	require.Contains(t, c, "\ntotal,,4,1,3,220.00,0.00,50.00,170.00,EUR\n")
	require.Contains(t, c, "\nperformance,\"Rheingold (Mon 7 Dec 2026, 19:00 CET (Europe/Berlin))\",1,0,1,70.00,")
	require.Contains(t, c, "\nchannel,box_office,1,0,1,70.00,")
	require.Contains(t, text, "Period 2026-12-01 to 2026-12-07")

	// p1: 5 seats, 3 issued and 1 returned in the period; p2: 10 seats, 1
	// sold before it; one form voided in it.
	c, text = csvOf(report.KindTicketMovement)
	require.Contains(t, c, "\ntotal,15,14,3,1,12,1\n", c)
	require.Regexp(t, `Opening \(unsold at the start\)\s+14`, text)

	c, text = csvOf(report.KindSettlement)
	require.Contains(t, c, "rescheduled (took place),70.00,0.00,0.00,70.00,EUR")
	require.Contains(t, c, "\ntotal,,220.00,0.00,-50.00,170.00,EUR\n")
	require.Contains(t, text, "as if it had taken place")

	c, _ = csvOf(report.KindActIssue)
	require.True(t, strings.HasPrefix(c, "performance,form,"), c)
	require.Equal(t, 5, strings.Count(c, "\n"), "a header and 4 tickets")
	c, _ = csvOf(report.KindActReturn)
	require.Equal(t, 2, strings.Count(c, "\n"), "a header and a refund")

	// No performance in the period: the documents all the same.
	for _, kind := range report.DocumentKinds {
		_, _, err := documents.Render(documents.Input{Kind: kind, Period: "2026-12-01/2026-12-01", Currency: "EUR", From: from, To: to, AsOf: from})
		require.NoError(t, err, kind)
	}
}
