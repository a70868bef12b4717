package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/internal/pdftest"
	"github.com/seatmap/seatmap/staff"
)

// A day's document (issue 17): the cashier's day report says, per staff
// member, till and payment method, what was sold and given back that day;
// made again unchanged it is the same document; after a refund a new version
// supersedes it, both downloadable; bad days are refused.
func TestCashierDayReport(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b stack) {
		e := newEnv(t, b)
		org, _ := e.staffUser(staff.RoleOrganizer)
		box, clerk := e.staffUser(staff.RoleBoxOffice)
		p := e.performance(hall.Theatre(), true)
		sell := func(method string, seats ...string) string {
			t.Helper()
			r := box.do("POST", "/api/v1/orders", map[string]any{"hold_token": holdFor(t, box, p.ID, seats...),
				"buyer": map[string]string{"name": "Walk-in"}, "payment": map[string]string{"method": method}})
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			var o struct {
				ID    string
				Total int64
			}
			r.decode(t, &o)
			return o.ID
		}
		first := sell("cash", "S-R1-S1", "S-R1-S2")
		sell("cash", "S-R2-S1")
		sell("card", "S-R3-S1")
		r := box.do("POST", "/api/v1/orders/"+first+"/refunds", map[string]any{"seats": []string{"S-R1-S2"}, "reason": "ill", "method": "cash"}, "Idempotency-Key", "c1")
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		// A web sale is no cashier's.
		_, r = e.buy(p.ID, "", "S-R4-S1")
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)

		day := e.clock.Now().UTC().Format("2006-01-02")
		make := func(status int) documentOut {
			t.Helper()
			r := org.do("POST", "/api/v1/documents", map[string]string{"kind": "cashier_day", "day": day})
			require.Equal(t, status, r.status, "%s", r.body)
			var d documentOut
			r.decode(t, &d)
			return d
		}
		v1 := make(http.StatusCreated)
		csv := string(org.do("GET", v1.CSVURL, nil).body)
		lines := strings.Split(strings.TrimSpace(csv), "\n")
		require.Equal(t, "staff,till,method,orders,sold,refunds,refunded,net,currency", lines[0])
		require.Len(t, lines, 3, "cash and card of one clerk at one till:\n%s", csv)
		who := "staff:" + clerk.Login
		require.Regexp(t, fmt.Sprintf(`^%s,\w+,card,1,\d+\.\d\d,0,0\.00,`, who), lines[1])
		require.Regexp(t, fmt.Sprintf(`^%s,\w+,cash,2,\d+\.\d\d,1,\d+\.\d\d,`, who), lines[2])
		text := pdftest.Text(t, org.do("GET", v1.PDFURL, nil).body)
		require.Contains(t, text, "Cashier's day report")
		require.Contains(t, text, "Day "+day)
		require.Regexp(t, `Orders sold by staff\s+3`, text)

		require.Equal(t, v1.ID, make(http.StatusOK).ID, "unchanged: the same document")
		r = box.do("POST", "/api/v1/orders/"+first+"/refunds", map[string]any{"seats": []string{"S-R1-S1"}, "reason": "ill", "method": "cash"}, "Idempotency-Key", "c2")
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		v2 := make(http.StatusCreated)
		require.Equal(t, 2, v2.Version)
		require.Equal(t, v1.ID, *v2.Supersedes)
		require.Contains(t, string(org.do("GET", v2.CSVURL, nil).body), ",cash,2,")
		var list struct{ Documents []documentOut }
		org.do("GET", "/api/v1/documents?day="+day, nil).decode(t, &list)
		require.Len(t, list.Documents, 2)
		require.Equal(t, http.StatusOK, org.do("GET", v1.PDFURL, nil).status, "the old version stays")

		for _, body := range []map[string]string{
			{"kind": "cashier_day", "day": "yesterday"},
			{"kind": "cashier_day", "day": e.clock.Now().AddDate(0, 0, 3).Format("2006-01-02")},
			{"kind": "realization", "day": day},
		} {
			r := org.do("POST", "/api/v1/documents", body)
			require.Equal(t, http.StatusUnprocessableEntity, r.status, "%v: %s", body, r.body)
		}
		require.Equal(t, http.StatusUnprocessableEntity, org.do("GET", "/api/v1/documents?day=soon", nil).status)
		require.Equal(t, http.StatusForbidden, box.do("POST", "/api/v1/documents", map[string]string{"kind": "cashier_day", "day": day}).status)
	})
}
