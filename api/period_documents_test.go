package api_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/internal/pdftest"
	"github.com/seatmap/seatmap/staff"
)

// minor reads a CSV amount ("123.45") in minor units.
func minor(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(strings.Replace(s, ".", "", 1), 10, 64)
	require.NoError(t, err, "amount %q", s)
	return n
}

// csvLine returns the fields of the first CSV line whose first field is
// first.
func csvLine(t *testing.T, csv, first string) []string {
	t.Helper()
	for _, l := range strings.Split(strings.TrimSpace(csv), "\n") {
		if f := strings.Split(l, ","); f[0] == first {
			return f
		}
	}
	require.Failf(t, "no line", "%q in\n%s", first, csv)
	return nil
}

// Documents for a period (issue 17): two performances in the period, the
// period's realization is the sum of theirs to the cent, its acts list both
// performances' lines, its ticket movement counts the stock, its
// settlement sums what each is owed; made again unchanged the same
// document, after a refund a new version supersedes it; the list by kind;
// bad periods are refused naming the field.
func TestPeriodDocuments(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b stack) {
		e := newEnv(t, b)
		org, _ := e.staffUser(staff.RoleOrganizer)
		r := org.do("POST", "/api/v1/promotions", map[string]any{"code": "GIFT-TEN", "name": "Gift", "amount": 1000, "currency": "EUR"})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		p1 := e.performance(hall.Theatre(), true)
		p2 := e.performance(hall.Theatre(), true)
		var first []fullOrder
		for i, p := range []performance{p1, p2, p1, p2, p1} {
			code := ""
			if i == 1 {
				code = "GIFT-TEN"
			}
			o, r := e.buy(p.ID, code, fmt.Sprintf("S-R%d-S1", 1+i), fmt.Sprintf("S-R%d-S2", 1+i), fmt.Sprintf("S-R%d-S3", 1+i))
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			first = append(first, o)
		}
		refund := func(o fullOrder, seat, key string) {
			t.Helper()
			r := org.do("POST", "/api/v1/orders/"+o.ID+"/refunds", map[string]any{"seats": []string{seat}, "reason": "ill", "method": "cash"}, "Idempotency-Key", key)
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		}
		// Every ticket numbered (just after each sale, in the background):
		// a number drawn is a change the documents count.
		for p, n := range map[string]int{p1.ID: 9, p2.ID: 6} {
			require.Eventually(t, func() bool {
				var reg register
				org.do("GET", "/api/v1/performances/"+p+"/ticket-numbers", nil).decode(t, &reg)
				return reg.Issued == n
			}, 20*time.Second, 50*time.Millisecond)
		}
		refund(first[0], first[0].Tickets[0].Seat, "a")
		refund(first[1], first[1].Tickets[2].Seat, "b")

		file := func(url string) string {
			t.Helper()
			r := org.do("GET", url, nil)
			require.Equal(t, http.StatusOK, r.status, "%s: %s", url, r.body)
			return string(r.body)
		}
		perfDoc := func(p performance, kind string) string {
			t.Helper()
			r := org.do("POST", "/api/v1/performances/"+p.ID+"/documents", map[string]string{"kind": kind})
			require.Contains(t, []int{http.StatusOK, http.StatusCreated}, r.status, "%s", r.body)
			var d documentOut
			r.decode(t, &d)
			return file(d.CSVURL)
		}
		from := e.clock.Now().UTC().Format("2006-01-02")
		to := e.clock.Now().UTC().AddDate(0, 0, 3).Format("2006-01-02")
		make := func(kind string, status int) documentOut {
			t.Helper()
			r := org.do("POST", "/api/v1/documents", map[string]string{"kind": kind, "from": from, "to": to})
			require.Equal(t, status, r.status, "%s: %s", kind, r.body)
			var d documentOut
			r.decode(t, &d)
			return d
		}

		// The realization: the period's total is the performances' summed.
		real := make("realization", http.StatusCreated)
		csv := file(real.CSVURL)
		total := csvLine(t, csv, "total")
		var sum [7]int64
		for _, p := range []performance{p1, p2} {
			pt := csvLine(t, perfDoc(p, "realization"), "total")
			for i := range 3 {
				n, err := strconv.ParseInt(pt[2+i], 10, 64)
				require.NoError(t, err)
				sum[i] += n
			}
			for i := 3; i < 7; i++ {
				sum[i] += minor(t, pt[2+i])
			}
		}
		require.Equal(t, fmt.Sprint(sum[:3]), fmt.Sprint([]string{total[2], total[3], total[4]}), "tickets issued, returned, net")
		for i := 3; i < 7; i++ {
			require.Equal(t, sum[i], minor(t, total[2+i]), "%s to the cent", strings.Split(strings.Split(csv, "\n")[0], ",")[2+i])
		}
		require.Equal(t, []string{"15", "2", "13"}, total[2:5])
		require.Equal(t, int64(1000), minor(t, total[6]), "the code's discount")
		require.Equal(t, 2, strings.Count(csv, "\nperformance,"), "a line per performance:\n%s", csv)
		text := pdftest.Text(t, []byte(file(real.PDFURL)))
		require.Contains(t, text, "Realization report")
		require.Contains(t, text, "Period "+from+" to "+to)
		require.Regexp(t, `Tickets issued\s+15`, text)
		require.Regexp(t, `Net\s+`+strings.ReplaceAll(total[8], ".", `\.`)+" EUR", text)

		// The acts: both performances' lines.
		issue := make("act_issue", http.StatusCreated)
		require.Len(t, strings.Split(strings.TrimSpace(file(issue.CSVURL)), "\n"), 16, "a header and 15 tickets")
		require.Regexp(t, `Tickets issued\s+15`, pdftest.Text(t, []byte(file(issue.PDFURL))))
		ret := make("act_return", http.StatusCreated)
		retCSV := file(ret.CSVURL)
		require.True(t, strings.HasPrefix(retCSV, "performance,refund_id,"), retCSV)
		require.Len(t, strings.Split(strings.TrimSpace(retCSV), "\n"), 3, "a header and 2 refunds")
		require.Regexp(t, `Tickets returned\s+2`, pdftest.Text(t, []byte(file(ret.PDFURL))))

		// The ticket movement: every seat unsold at the period's start (it
		// began before the sales), 15 issued, 2 returned.
		seats := 800 // hall.Theatre()
		move := make("ticket_movement", http.StatusCreated)
		moveCSV := file(move.CSVURL)
		require.Equal(t, []string{"total", fmt.Sprint(2 * seats), fmt.Sprint(2 * seats), "15", "2", fmt.Sprint(2*seats - 13), "0"}, csvLine(t, moveCSV, "total"))
		require.Regexp(t, fmt.Sprintf(`Closing \(unsold at the end\)\s+%d`, 2*seats-13), pdftest.Text(t, []byte(file(move.PDFURL))))
		// A period starting after the sales: they are no longer stock.
		r = org.do("POST", "/api/v1/documents", map[string]string{"kind": "ticket_movement", "from": e.clock.Now().UTC().AddDate(0, 0, 1).Format("2006-01-02"), "to": to})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		var later documentOut
		r.decode(t, &later)
		require.Equal(t, []string{"total", fmt.Sprint(2 * seats), fmt.Sprint(2*seats - 13), "0", "0", fmt.Sprint(2*seats - 13), "0"}, csvLine(t, file(later.CSVURL), "total"))

		// The settlement: each one's owed, and their sum.
		settle := make("settlement", http.StatusCreated)
		owed := csvLine(t, file(settle.CSVURL), "total")
		require.Equal(t, minor(t, total[8]), minor(t, owed[5]))
		require.Regexp(t, `Owed to the organizer\s+`+strings.ReplaceAll(owed[5], ".", `\.`)+" EUR", pdftest.Text(t, []byte(file(settle.PDFURL))))

		// Made again unchanged: the same; after a refund, a new version.
		require.Equal(t, real.ID, make("realization", http.StatusOK).ID)
		refund(first[2], first[2].Tickets[0].Seat, "c")
		v2 := make("realization", http.StatusCreated)
		require.Equal(t, 2, v2.Version)
		require.Equal(t, real.ID, *v2.Supersedes)
		require.Equal(t, "3", csvLine(t, file(v2.CSVURL), "total")[3])
		require.Equal(t, "2", csvLine(t, file(real.CSVURL), "total")[3], "the old version stays as it was")
		var list struct {
			Kinds     []string
			Documents []struct {
				documentOut
				Period, From, To string
			}
		}
		org.do("GET", "/api/v1/documents?from="+from+"&to="+to+"&kind=realization", nil).decode(t, &list)
		require.Len(t, list.Documents, 2)
		require.Equal(t, v2.ID, list.Documents[0].ID)
		require.Equal(t, from, list.Documents[0].From)
		require.Equal(t, to, list.Documents[0].To)
		org.do("GET", "/api/v1/documents?from="+from+"&to="+to, nil).decode(t, &list)
		require.Len(t, list.Documents, 6, "every kind, both realization versions")

		// Bad periods name their field.
		for _, c := range []struct {
			body  map[string]string
			field string
		}{
			{map[string]string{"kind": "realization", "from": "soon", "to": to}, "from"},
			{map[string]string{"kind": "realization", "from": from, "to": "2026-13-01"}, "to"},
			{map[string]string{"kind": "realization", "from": to, "to": from}, "to"},
			{map[string]string{"kind": "realization", "from": from, "to": e.clock.Now().UTC().AddDate(1, 1, 0).Format("2006-01-02")}, "to"},
			{map[string]string{"kind": "realization", "day": from}, "day"},
			{map[string]string{"kind": "poem", "from": from, "to": to}, "kind"},
		} {
			r := org.do("POST", "/api/v1/documents", c.body)
			require.Equal(t, http.StatusUnprocessableEntity, r.status, "%v: %s", c.body, r.body)
			require.Equal(t, c.field, r.problem(t).Field, "%v", c.body)
		}
		r = org.do("GET", "/api/v1/documents?from="+from+"&to="+to+"&kind=poem", nil)
		require.Equal(t, http.StatusUnprocessableEntity, r.status)
		require.Equal(t, "kind", r.problem(t).Field)
		box, _ := e.staffUser(staff.RoleBoxOffice)
		require.Equal(t, http.StatusForbidden, box.do("POST", "/api/v1/documents", map[string]string{"kind": "realization", "from": from, "to": to}).status)
	})
}
