package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/staff"
)

// Hard tickets (issue 16): the box office prints a paid order's tickets; a
// ticket keeps its first print time, every print is in the history; an order
// not paid has nothing to print; buyers cannot print.
func TestPrintTickets(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b)
			box, _ := e.staffUser(staff.RoleBoxOffice)
			p := e.performance(hall.Theatre(), true)
			o, r := e.buy(p.ID, "", "S-R1-S1", "S-R1-S2")
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			type printed struct {
				Tickets []struct {
					Seat      string
					PrintedAt *string `json:"printed_at"`
				}
			}
			var first, again printed
			r = box.do("POST", "/api/v1/orders/"+o.ID+"/print", nil)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			r.decode(t, &first)
			require.Len(t, first.Tickets, 2)
			for _, tk := range first.Tickets {
				require.NotNil(t, tk.PrintedAt, tk.Seat)
			}
			r = box.do("POST", "/api/v1/orders/"+o.ID+"/print", nil)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			r.decode(t, &again)
			require.Equal(t, *first.Tickets[0].PrintedAt, *again.Tickets[0].PrintedAt, "a reprint keeps the first print's time")
			require.Equal(t, []string{"created/buyer", "printed/staff", "printed/staff"}, history(t, e, o.ID).actions())

			f := newFixture(e)
			res := f.reservation()
			r = box.do("POST", "/api/v1/orders/"+res+"/print", nil)
			require.Equal(t, http.StatusConflict, r.status, "a reservation is not paid: %s", r.body)
			require.Contains(t, r.problem(t).Type, "not-paid")
			require.Equal(t, http.StatusNotFound, box.do("POST", "/api/v1/orders/nope/print", nil).status)
			require.Equal(t, http.StatusUnauthorized, e.buyer().do("POST", "/api/v1/orders/"+o.ID+"/print", nil).status)
		})
	}
}
