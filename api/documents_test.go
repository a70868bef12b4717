package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/internal/pdftest"
	"github.com/seatmap/seatmap/staff"
)

type documentOut struct {
	ID, Kind, SHA256 string
	Version          int
	AsOf             string  `json:"as_of"`
	Supersedes       *string `json:"supersedes"`
	SupersededBy     *string `json:"superseded_by"`
	PDFURL           string  `json:"pdf_url"`
	CSVURL           string  `json:"csv_url"`
}

// Documents (issue 17): sell 120 tickets (2 with a "Gift" code), refund 5:
// the realization report shows 120 issued, 5 returned, 115 net, equal to
// the sales report to the cent; the act of return lists the 5 numbers; made
// again with no change, the same document (same hash); after one more
// refund a new version supersedes it, both downloadable; every PDF opens in
// a reader and says what its CSV says.
func TestDocuments(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b stack) {
		e := newEnv(t, b)
		org, _ := e.staffUser(staff.RoleOrganizer)
		p := e.performance(hall.Theatre(), true)
		r := org.do("POST", "/api/v1/promotions", map[string]any{"code": "GIFT-TEN", "name": "Gift", "amount": 1000, "currency": "EUR"})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)

		var orders []fullOrder
		for i := range 59 { // 118 tickets, two a order, rows 2–5
			row, seat := 2+i/15, 1+2*(i%15)
			o, r := e.buy(p.ID, "", fmt.Sprintf("S-R%d-S%d", row, seat), fmt.Sprintf("S-R%d-S%d", row, seat+1))
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			orders = append(orders, o)
		}
		gift, r := e.buy(p.ID, "GIFT-TEN", "S-R1-S1", "S-R1-S2")
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		require.Equal(t, int64(1000), gift.Discount)
		refund := func(o fullOrder, seat, key string) {
			t.Helper()
			r := org.do("POST", "/api/v1/orders/"+o.ID+"/refunds", map[string]any{"seats": []string{seat}, "reason": "ill", "method": "cash"}, "Idempotency-Key", key)
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		}
		for i := range 5 {
			refund(orders[i], orders[i].Tickets[0].Seat, fmt.Sprint("r", i))
		}
		// Every ticket numbered (just after each sale).
		var reg register
		require.Eventually(t, func() bool {
			reg = register{}
			org.do("GET", "/api/v1/performances/"+p.ID+"/ticket-numbers", nil).decode(t, &reg)
			return reg.Issued == 120
		}, 20*time.Second, 50*time.Millisecond)

		make := func(kind string, status int) documentOut {
			t.Helper()
			r := org.do("POST", "/api/v1/performances/"+p.ID+"/documents", map[string]string{"kind": kind})
			require.Equal(t, status, r.status, "%s: %s", kind, r.body)
			var d documentOut
			r.decode(t, &d)
			return d
		}
		file := func(url string) []byte {
			t.Helper()
			r := org.do("GET", url, nil)
			require.Equal(t, http.StatusOK, r.status, "%s: %s", url, r.body)
			return r.body
		}
		real := make("realization", http.StatusCreated)
		require.Equal(t, 1, real.Version)
		require.Nil(t, real.Supersedes)
		var sales struct {
			Total struct{ Seats, RefundedSeats, Gross, Discounts, Refunded, Net int64 } `json:"total"`
		}
		org.do("GET", "/api/v1/reports/sales?performance="+p.ID, nil).decode(t, &sales)
		csv := string(file(real.CSVURL))
		lines := strings.Split(strings.TrimSpace(csv), "\n")
		require.Equal(t, "line,key,tickets_issued,tickets_returned,tickets_net,gross,discounts,refunded,net,currency", lines[0])
		dec := func(minor int64) string { return fmt.Sprintf("%d.%02d", minor/100, minor%100) }
		require.Equal(t, fmt.Sprintf("total,,120,5,115,%s,%s,%s,%s,EUR", dec(sales.Total.Gross), dec(sales.Total.Discounts), dec(sales.Total.Refunded), dec(sales.Total.Net)), lines[1])
		require.Equal(t, int64(115), sales.Total.Seats)
		require.Equal(t, int64(1000), sales.Total.Discounts)
		text := pdftest.Text(t, file(real.PDFURL))
		require.Contains(t, text, "Realization report")
		require.Regexp(t, `Tickets issued\s+120`, text)
		require.Regexp(t, `Tickets returned\s+5`, text)
		require.Regexp(t, `Net\s+`+strings.ReplaceAll(dec(sales.Total.Net), ".", `\.`)+" EUR", text)

		ret := make("act_return", http.StatusCreated)
		retCSV := string(file(ret.CSVURL))
		retText := pdftest.Text(t, file(ret.PDFURL))
		var forms []string
		for _, n := range reg.Numbers {
			for i := range 5 {
				if n.OrderID == orders[i].ID {
					forms = append(forms, n.Form)
				}
			}
		}
		require.Len(t, forms, 10)
		returned := 0
		for _, f := range forms {
			if strings.Contains(retCSV, f) {
				returned++
				require.Contains(t, retText, f, "the PDF lists what the CSV does")
			}
		}
		require.Equal(t, 5, returned, "the 5 returned tickets' numbers:\n%s", retCSV)
		require.Equal(t, 6, len(strings.Split(strings.TrimSpace(retCSV), "\n")), "a header and 5 refunds")

		// Made again with no change: the same document.
		again := make("realization", http.StatusOK)
		require.Equal(t, real.ID, again.ID)
		require.Equal(t, real.SHA256, again.SHA256)
		// One more refund: a new version supersedes the old; both stay.
		refund(orders[10], orders[10].Tickets[1].Seat, "r10")
		v2 := make("realization", http.StatusCreated)
		require.Equal(t, 2, v2.Version)
		require.NotEqual(t, real.SHA256, v2.SHA256)
		require.Equal(t, real.ID, *v2.Supersedes)
		require.Contains(t, string(file(v2.CSVURL)), "total,,120,6,114,")
		require.Contains(t, string(file(real.CSVURL)), "total,,120,5,115,", "the old version stays as it was")
		var list struct{ Documents []documentOut }
		org.do("GET", "/api/v1/performances/"+p.ID+"/documents", nil).decode(t, &list)
		require.Len(t, list.Documents, 3)
		for _, d := range list.Documents {
			if d.ID == real.ID {
				require.Equal(t, v2.ID, *d.SupersededBy)
			}
		}
		// The other kinds: the PDF says what the CSV does.
		issue := make("act_issue", http.StatusCreated)
		issueCSV := strings.Split(strings.TrimSpace(string(file(issue.CSVURL))), "\n")
		require.Len(t, issueCSV, 121, "a header and 120 tickets")
		issueText := pdftest.Text(t, file(issue.PDFURL))
		require.Regexp(t, `Tickets issued\s+120`, issueText)
		for _, n := range reg.Numbers {
			require.Contains(t, issueText, n.Form)
		}
		move := make("ticket_movement", http.StatusCreated)
		require.Equal(t, "series,opening,issued,returned,voided,closing\nAA,0,120,6,0,114", strings.TrimSpace(string(file(move.CSVURL))))
		require.Regexp(t, `AA\s+0\s+120\s+6\s+0\s+114`, pdftest.Text(t, file(move.PDFURL)))
		var after struct {
			Total struct{ Net int64 } `json:"total"`
		}
		org.do("GET", "/api/v1/reports/sales?performance="+p.ID, nil).decode(t, &after)
		settle := make("settlement", http.StatusCreated)
		require.Contains(t, string(file(settle.CSVURL)), "owed_to_organizer,"+dec(after.Total.Net)+",EUR")
		require.Regexp(t, `Owed to the organizer\s+`+strings.ReplaceAll(dec(after.Total.Net), ".", `\.`)+" EUR", pdftest.Text(t, file(settle.PDFURL)))

		// Bad input and roles.
		require.Equal(t, http.StatusUnprocessableEntity, org.do("POST", "/api/v1/performances/"+p.ID+"/documents", map[string]string{"kind": "poem"}).status)
		r = org.do("POST", "/api/v1/performances/nope/documents", map[string]string{"kind": "realization"})
		require.Equal(t, http.StatusNotFound, r.status, "%s", r.body)
		r = org.do("GET", "/api/v1/documents/nope.pdf", nil)
		require.Equal(t, http.StatusNotFound, r.status, "%s", r.body)
		require.Equal(t, http.StatusNotFound, org.do("GET", "/api/v1/documents/"+real.ID+".exe", nil).status)
		box, _ := e.staffUser(staff.RoleBoxOffice)
		require.Equal(t, http.StatusForbidden, box.do("GET", real.PDFURL, nil).status)
		require.Equal(t, http.StatusUnauthorized, e.buyer().do("GET", real.PDFURL, nil).status)
	})
}
