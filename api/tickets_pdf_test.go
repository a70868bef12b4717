package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/documents"
	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/internal/pdftest"
)

// Tickets for buyers (issue 17): GET /orders/{id}/tickets.pdf, through the
// e-mail's link on any device, opens in a PDF reader, names the seat and its
// form number, and its QR codes are the codes the gate grants once. Before
// payment, or for someone without the order's key, there is none.
func TestTicketsPDF(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b stack) {
		e := newEnv(t, b)
		p := e.performance(hall.Theatre(), true)
		o, r := e.buy(p.ID, "", "S-R1-S1", "S-R1-S2")
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		admin := e.staff()
		var full struct {
			AccessKey string `json:"access_key"`
			Tickets   []struct {
				ID, Code, Seat string
				TicketNumber   string `json:"ticket_number"`
			}
		}
		require.Eventually(t, func() bool {
			admin.do("GET", "/api/v1/orders/"+o.ID, nil).decode(t, &full)
			return full.Tickets[1].TicketNumber != ""
		}, 10*time.Second, 20*time.Millisecond, "numbered")

		// Printed with the document template, as the invoice is.
		r = admin.do("PUT", "/api/v1/document-template", map[string]any{"venue_name": "Staatsoper Musterstadt", "footer": "Kein Einlass nach Beginn"})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		path := "/api/v1/orders/" + o.ID + "/tickets.pdf"
		r = e.buyer().do("GET", path+"?key="+full.AccessKey, nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Equal(t, "application/pdf", r.header.Get("Content-Type"))
		require.Equal(t, 1, pdftest.Pages(t, r.body))
		text := pdftest.Text(t, r.body)
		require.Equal(t, 2, strings.Count(text, "Staatsoper Musterstadt"), "the venue on both tickets:\n%s", text)
		require.Equal(t, 2, strings.Count(text, "Kein Einlass nach Beginn"), "the footer on both tickets")
		require.Contains(t, text, "row 1, seat 2")
		require.Contains(t, text, "Ticket No. "+full.Tickets[1].TicketNumber)

		g := admin.newGate(t, `{"name":"Stalls"}`)
		e.clock.Add(48 * time.Hour) // the performance's day
		const dpi = 200
		for i, tk := range full.Tickets {
			page, x, y, w, h := documents.TicketQRArea(i)
			code := pdftest.QR(t, pdftest.Page(t, r.body, page, dpi), dpi, x, y, w, h)
			require.Equal(t, tk.Code, code, tk.Seat)
			require.Equal(t, "granted", admin.scanAt(t, g, code, "in").Verdict, tk.Seat)
			require.Equal(t, "used_up", admin.scanAt(t, g, code, "in").Reason, tk.Seat)
		}

		require.Equal(t, http.StatusNotFound, e.buyer().do("GET", path, nil).status, "another buyer without the key")
		require.NotEqual(t, http.StatusOK, e.buyer().do("GET", path+"?key=wrong", nil).status)
		f := newFixture(e)
		r = admin.do("GET", "/api/v1/orders/"+f.reservation()+"/tickets.pdf", nil)
		require.Equal(t, http.StatusConflict, r.status, "a reservation: %s", r.body)
		require.Contains(t, r.problem(t).Type, "not-paid")
		r = admin.do("POST", "/api/v1/orders/"+o.ID+"/refunds", map[string]any{"seats": []string{"S-R1-S1", "S-R1-S2"}, "reason": "ill", "method": "cash"},
			"Idempotency-Key", fmt.Sprint("all-", o.ID))
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		require.Equal(t, http.StatusConflict, admin.do("GET", path, nil).status, "every ticket refunded")
	})
}
