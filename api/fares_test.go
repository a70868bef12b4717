package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/staff"
)

type faresResp struct {
	PerformanceID string `json:"performance_id"`
	Currency      string `json:"currency"`
	Fares         []struct {
		ID        string           `json:"id"`
		Name      string           `json:"name"`
		Kind      string           `json:"kind"`
		Prices    map[string]int64 `json:"prices"`
		StaffOnly bool             `json:"staff_only"`
	} `json:"fares"`
}

func (f faresResp) ids() []string {
	ids := make([]string, len(f.Fares))
	for i, x := range f.Fares {
		ids[i] = x.ID
	}
	return ids
}

type fareTicket struct {
	Seat     string `json:"seat"`
	Price    int64  `json:"price"`
	Fare     string `json:"fare"`
	FareName string `json:"fare_name"`
	Status   string `json:"status"`
}

type fareOrder struct {
	ID      string       `json:"id"`
	Total   int64        `json:"total"`
	Tickets []fareTicket `json:"tickets"`
}

func (o fareOrder) ticket(t *testing.T, seat string) fareTicket {
	t.Helper()
	for _, tk := range o.Tickets {
		if tk.Seat == seat {
			return tk
		}
	}
	t.Fatalf("no ticket for %s in %+v", seat, o.Tickets)
	return fareTicket{}
}

// holdFor holds seats for c and returns the hold's token.
func holdFor(t *testing.T, c *client, perf string, seats ...string) string {
	t.Helper()
	r := c.do("POST", "/api/v1/performances/"+perf+"/holds", map[string]any{"seats": seats})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	var h hold
	r.decode(t, &h)
	return h.Token
}

var studentFares = map[string]any{"fares": []map[string]any{
	{"id": "normal"},
	{"id": "student", "name": "Student", "kind": "reduced", "prices": map[string]int64{"premium": 4500, "standard": 2900}},
	{"id": "block", "name": "gedruckt Vortermin", "kind": "free", "staff_only": true},
}}

// Fares (issue 16): a performance's prices per zone. A new performance has
// the normal fare alone, at its zones' prices; organizers add reduced and
// free fares; the buyer chooses a fare per seat at checkout and the server
// prices it; a ticket keeps its fare and price when the fares change later;
// bad fares are 422 naming the field, a staff-only fare is refused on the
// web, the box office sells it; a refund gives back the ticket's own price.
func TestFares(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b stack) {
		e := newEnv(t, b)
		p := e.performance(hall.Theatre(), true)
		org, _ := e.staffUser(staff.RoleOrganizer)
		box, _ := e.staffUser(staff.RoleBoxOffice)
		path := "/api/v1/performances/" + p.ID + "/fares"

		// Before any fares are set (as after the migration): one normal
		// fare, the zones' prices.
		var fares faresResp
		r := e.buyer().do("GET", path, nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		r.decode(t, &fares)
		require.Equal(t, []string{"normal"}, fares.ids())
		require.Equal(t, "Normal", fares.Fares[0].Name)
		require.Equal(t, map[string]int64{"premium": 8900, "standard": 5900, "value": 3400}, fares.Fares[0].Prices)
		require.Equal(t, "EUR", fares.Currency)
		plain, r := e.buy(p.ID, "", "S-R2-S1")
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		var po fareOrder
		e.staff().do("GET", "/api/v1/orders/"+plain.ID, nil).decode(t, &po)
		require.Equal(t, fareTicket{Seat: "S-R2-S1", Price: 8900, Fare: "normal", FareName: "Normal", Status: "live"}, po.ticket(t, "S-R2-S1"))

		// Setting fares: organizers only, the list checked.
		require.Equal(t, http.StatusUnauthorized, e.buyer().do("PUT", path, studentFares).status)
		require.Equal(t, http.StatusForbidden, box.do("PUT", path, studentFares).status)
		for _, tc := range []struct {
			name, field string
			fares       []map[string]any
		}{
			{"no normal", "fares", []map[string]any{{"id": "student", "name": "Student", "kind": "reduced", "prices": map[string]int64{"premium": 1}}}},
			{"negative", "fares[1].prices.premium", []map[string]any{{"id": "normal"}, {"id": "student", "name": "Student", "kind": "reduced", "prices": map[string]int64{"premium": -1}}}},
			{"unknown zone", "fares[1].prices.gallery", []map[string]any{{"id": "normal"}, {"id": "student", "name": "Student", "kind": "reduced", "prices": map[string]int64{"gallery": 100}}}},
			{"no name", "fares[1].name", []map[string]any{{"id": "normal"}, {"id": "student", "kind": "reduced", "prices": map[string]int64{"premium": 100}}}},
			{"bad id", "fares[1].id", []map[string]any{{"id": "normal"}, {"id": "Stu dent", "name": "S", "kind": "reduced", "prices": map[string]int64{"premium": 100}}}},
			{"twice", "fares[1].id", []map[string]any{{"id": "normal"}, {"id": "normal"}}},
			{"bad kind", "fares[1].kind", []map[string]any{{"id": "normal"}, {"id": "x", "name": "X", "kind": "cheap"}}},
			{"normal price", "fares[0].prices.premium", []map[string]any{{"id": "normal", "prices": map[string]int64{"premium": 1}}}},
			{"free not free", "fares[1].prices.value", []map[string]any{{"id": "normal"}, {"id": "x", "name": "X", "kind": "free", "prices": map[string]int64{"value": 5}}}},
		} {
			r := org.do("PUT", path, map[string]any{"fares": tc.fares})
			require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s: %s", tc.name, r.body)
			require.Equal(t, tc.field, r.problem(t).Field, tc.name)
		}
		many := []map[string]any{{"id": "normal"}}
		for i := range 20 {
			many = append(many, map[string]any{"id": "f" + itoa(i), "name": "F", "kind": "free"})
		}
		r = org.do("PUT", path, map[string]any{"fares": many})
		require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s", r.body)
		require.Equal(t, http.StatusNotFound, org.do("PUT", "/api/v1/performances/nope/fares", studentFares).status)

		r = org.do("PUT", path, studentFares)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		r.decode(t, &fares)
		require.Equal(t, []string{"normal", "student", "block"}, fares.ids())
		require.Equal(t, map[string]int64{"premium": 4500, "standard": 2900}, fares.Fares[1].Prices, "offered where it has a price")
		require.Equal(t, map[string]int64{"premium": 0, "standard": 0, "value": 0}, fares.Fares[2].Prices)
		// Buyers see what the web may choose; staff see all.
		e.buyer().do("GET", path, nil).decode(t, &fares)
		require.Equal(t, []string{"normal", "student"}, fares.ids())
		box.do("GET", path, nil).decode(t, &fares)
		require.Equal(t, []string{"normal", "student", "block"}, fares.ids())

		// Bad choices at checkout: 422 naming the seat, and the hold is
		// still there to buy.
		buyer := e.buyer()
		tok := holdFor(t, buyer, p.ID, "S-R1-S1", "S-R10-S1", "B-R1-S1")
		order := func(fares map[string]string) response {
			return buyer.do("POST", "/api/v1/orders", map[string]any{"hold_token": tok, "fares": fares,
				"buyer": map[string]string{"name": "Vera Buyer", "email": "vera@example.com"}})
		}
		for _, tc := range []struct {
			name, field string
			fares       map[string]string
		}{
			{"unknown fare", "fares.S-R1-S1", map[string]string{"S-R1-S1": "senior"}},
			{"staff only", "fares.S-R1-S1", map[string]string{"S-R1-S1": "block"}},
			{"not in zone", "fares.B-R1-S1", map[string]string{"B-R1-S1": "student"}},
			{"not held", "fares.S-R9-S9", map[string]string{"S-R9-S9": "student"}},
		} {
			r := order(tc.fares)
			require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s: %s", tc.name, r.body)
			require.Equal(t, tc.field, r.problem(t).Field, tc.name)
		}

		// A reduced fare: the server's price, whatever the client thinks.
		r = order(map[string]string{"S-R1-S1": "student", "S-R10-S1": "student", "B-R1-S1": "normal"})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		var o fareOrder
		r.decode(t, &o)
		require.Equal(t, int64(4500+2900+3400), o.Total)
		require.Equal(t, fareTicket{Seat: "S-R1-S1", Price: 4500, Fare: "student", FareName: "Student", Status: "live"}, o.ticket(t, "S-R1-S1"))
		require.Equal(t, "student", o.ticket(t, "S-R10-S1").Fare)
		require.Equal(t, int64(3400), o.ticket(t, "B-R1-S1").Price)
		require.Equal(t, "normal", o.ticket(t, "B-R1-S1").Fare)

		// The fare's price changes later: the ticket keeps its fare and price.
		changed := map[string]any{"fares": []map[string]any{
			{"id": "normal"},
			{"id": "student", "name": "Studierende", "kind": "reduced", "prices": map[string]int64{"premium": 3000}},
		}}
		require.Equal(t, http.StatusOK, org.do("PUT", path, changed).status)
		var again fareOrder
		buyer.do("GET", "/api/v1/orders/"+o.ID, nil).decode(t, &again)
		require.Equal(t, o.Tickets, again.Tickets)
		require.Equal(t, o.Total, again.Total)

		// A refund gives back the ticket's own price.
		r = org.do("POST", "/api/v1/orders/"+o.ID+"/refunds", map[string]any{"seats": []string{"S-R1-S1"}, "reason": "ill"}, "Idempotency-Key", "fare-1")
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		var refunded refundResp
		r.decode(t, &refunded)
		require.Equal(t, int64(4500), refunded.Refund.Amount)
		require.Equal(t, int64(4500), refunded.Order.Refunded)

		// The box office sells a staff-only free fare, and a reduced one.
		require.Equal(t, http.StatusOK, org.do("PUT", path, studentFares).status)
		tok = holdFor(t, box, p.ID, "S-R3-S1", "S-R3-S2")
		r = box.do("POST", "/api/v1/orders", map[string]any{"hold_token": tok, "fares": map[string]string{"S-R3-S1": "block", "S-R3-S2": "student"},
			"buyer": map[string]string{"name": "Mixer desk"}, "payment": map[string]string{"method": "cash"}})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		var boxOrder fareOrder
		r.decode(t, &boxOrder)
		require.Equal(t, int64(4500), boxOrder.Total)
		require.Equal(t, fareTicket{Seat: "S-R3-S1", Price: 0, Fare: "block", FareName: "gedruckt Vortermin", Status: "live"}, boxOrder.ticket(t, "S-R3-S1"))

		// The sales report by fare: the buyer's order (one student seat
		// refunded) and the box office's.
		var rep struct {
			Fares []struct {
				Key   string `json:"key"`
				Seats int    `json:"seats"`
				Gross int64  `json:"gross"`
				Net   int64  `json:"net"`
			} `json:"fares"`
		}
		r = box.do("GET", "/api/v1/reports/sales?performance="+p.ID, nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		r.decode(t, &rep)
		byFare := map[string][2]int64{}
		for _, l := range rep.Fares {
			byFare[l.Key] = [2]int64{int64(l.Seats), l.Net}
		}
		require.Equal(t, map[string][2]int64{"normal": {2, 8900 + 3400}, "student": {2, 2900 + 4500}, "block": {1, 0}}, byFare)

		// Vouchers work on the fare's price: half off a student and a
		// normal seat.
		r = org.do("POST", "/api/v1/promotions", map[string]any{"code": "HALF", "name": "Half", "percent": 50})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		tok = holdFor(t, buyer, p.ID, "S-R5-S1", "S-R5-S2")
		r = buyer.do("POST", "/api/v1/orders", map[string]any{"hold_token": tok, "voucher_code": "HALF", "fares": map[string]string{"S-R5-S1": "student"},
			"buyer": map[string]string{"name": "Vera Buyer", "email": "vera@example.com"}})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		var half fareOrder
		r.decode(t, &half)
		require.Equal(t, int64((4500+8900)/2), half.Total)
		require.Equal(t, int64(4500), half.ticket(t, "S-R5-S1").Price, "the ticket keeps its fare's price; the discount is the order's")

		// Fares without a hold: products alone have no seats to choose for.
		r = buyer.do("POST", "/api/v1/orders", map[string]any{"items": []map[string]any{{"product_id": "x", "quantity": 1}},
			"fares": map[string]string{"S-R6-S1": "student"}, "buyer": map[string]string{"name": "Vera Buyer", "email": "vera@example.com"}})
		require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s", r.body)
		require.Equal(t, "fares", r.problem(t).Field)

		// A reservation at a reduced fare keeps it.
		tok = holdFor(t, box, p.ID, "S-R4-S1")
		r = box.do("POST", "/api/v1/holds/"+tok+"/reserve", map[string]any{"days": 3, "fares": map[string]string{"S-R4-S1": "student"},
			"buyer": map[string]string{"name": "Ute Reserve", "email": "ute@example.com"}})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		var res fareOrder
		r.decode(t, &res)
		require.Equal(t, int64(4500), res.Total)
		require.Equal(t, "student", res.ticket(t, "S-R4-S1").Fare)
	})
}
