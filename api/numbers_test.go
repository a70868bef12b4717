package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/staff"
)

type numberedOrder struct {
	Tickets []struct {
		ID           string
		Seat         string
		Status       string
		Series       string
		TicketNumber string `json:"ticket_number"`
	}
}

type register struct {
	Issued, Voided int
	Numbers        []struct {
		Series     string
		Number     int
		Form       string
		TicketID   string  `json:"ticket_id"`
		OrderID    string  `json:"order_id"`
		VoidedAt   *string `json:"voided_at"`
		VoidReason string  `json:"void_reason"`
	}
}

// Ticket numbers (issue 17): each ticket of a paid order gets a series and a
// number just after the order is paid; a reservation's only once it is paid;
// a refund keeps the number; a reprint voids it (listed, never reused) and
// gives the next; the register lists them all, for staff only.
func TestTicketNumbers(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b stack) {
		e := newEnv(t, b)
		box, _ := e.staffUser(staff.RoleBoxOffice)
		p := e.performance(hall.Theatre(), true)
		numbered := func(id string, want int) numberedOrder {
			t.Helper()
			var o numberedOrder
			require.Eventually(t, func() bool {
				o = numberedOrder{}
				box.do("GET", "/api/v1/orders/"+id, nil).decode(t, &o)
				n := 0
				for _, tk := range o.Tickets {
					if tk.TicketNumber != "" {
						n++
					}
				}
				return n == want
			}, 10*time.Second, 20*time.Millisecond, "order %s: %d numbered tickets", id, want)
			return o
		}
		a, r := e.buy(p.ID, "", "S-R1-S1", "S-R1-S2")
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		first := numbered(a.ID, 2)
		require.Equal(t, "AA", first.Tickets[0].Series)
		require.Equal(t, []string{"AA 000001", "AA 000002"}, []string{first.Tickets[0].TicketNumber, first.Tickets[1].TicketNumber})

		f := newFixture(e)
		res := f.reservation()             // on a performance of its own
		time.Sleep(300 * time.Millisecond) // a numbering round passes: a reservation is not issued
		numbered(res, 0)
		r = box.do("POST", "/api/v1/orders/"+res+"/pay", map[string]any{"method": "cash"})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		paid := numbered(res, len(numbered(res, 1).Tickets))
		require.Equal(t, "AA 000003", paid.Tickets[0].TicketNumber)

		// A refund keeps the number; a reprint gives the live ticket a new
		// one and voids the old.
		r = box.do("POST", "/api/v1/orders/"+a.ID+"/refunds", map[string]any{"seats": []string{"S-R1-S2"}, "reason": "ill"}, "Idempotency-Key", "n1")
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		require.Equal(t, http.StatusOK, box.do("POST", "/api/v1/orders/"+a.ID+"/print", nil).status)
		require.Equal(t, http.StatusOK, box.do("POST", "/api/v1/orders/"+a.ID+"/print", nil).status)
		var reg register
		require.Eventually(t, func() bool {
			reg = register{}
			box.do("GET", "/api/v1/performances/"+p.ID+"/ticket-numbers", nil).decode(t, &reg)
			return reg.Voided == 1 && reg.Issued == 3
		}, 10*time.Second, 20*time.Millisecond, "the reprint's number: %+v", &reg)
		after := numbered(a.ID, 2)
		require.Equal(t, "AA 000002", after.Tickets[1].TicketNumber, "the refunded ticket keeps its number")
		require.Equal(t, "refunded", after.Tickets[1].Status)
		require.NotEqual(t, "AA 000001", after.Tickets[0].TicketNumber, "the reprinted ticket is on a new form")
		// Numbers are per venue: the reservation (another performance) took 3.
		for i, n := range reg.Numbers {
			require.Equal(t, []int{1, 2, 4}[i], n.Number)
			if n.Form == "AA 000001" {
				require.NotNil(t, n.VoidedAt)
				require.Equal(t, "reprinted", n.VoidReason)
				require.Equal(t, first.Tickets[0].ID, n.TicketID)
			} else {
				require.Nil(t, n.VoidedAt, n.Form)
			}
		}

		require.Equal(t, http.StatusUnauthorized, e.buyer().do("GET", "/api/v1/performances/"+p.ID+"/ticket-numbers", nil).status)
		require.Equal(t, http.StatusNotFound, box.do("GET", "/api/v1/performances/nope/ticket-numbers", nil).status)
	})
}
