package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/internal/testkit"
	so "github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/staff"
)

type reconciliationBody struct {
	ReplacementID string `json:"replacement_id"`
	Job           jobBody
	Origin        map[string]int `json:"origin"`
	Replacement   map[string]int `json:"replacement"`
	Equal         bool           `json:"equal"`
}

// TestReschedule (issue 16, seed 003): 6 paid orders (one of two seats,
// two printed, one of those partly refunded), a staff block and 2 reservations are
// moved to a replacement date: 202 {job, replacement_id}; the same request
// again the same job, another date 409; every unprinted paid seat sold on
// the replacement by a new order whose notes name the original (and the
// original's the new one), the original orders still paid (revenue
// unchanged), printed seats blocked "gedruckt Vortermin", the block carried,
// the reservations kept; the reconciliation equal; a buyer buys a free seat
// of the replacement at once; refunding a printed ticket frees exactly its
// seat on the replacement; bad input and roles refused.
func TestReschedule(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newEnv(t, b)
			org, _ := e.staffUser(staff.RoleOrganizer)
			box, _ := e.staffUser(staff.RoleBoxOffice)
			layout := hall.Theatre()
			p := e.performance(layout, true)
			var seat []string
			for _, sec := range layout.Sections {
				for _, row := range sec.Rows {
					for _, st := range row.Seats {
						seat = append(seat, st.ID)
					}
				}
			}
			// Fares: a reduced one, sold below.
			r0 := org.do("PUT", "/api/v1/performances/"+p.ID+"/fares", map[string]any{"fares": []map[string]any{
				{"id": "normal"},
				{"id": "student", "name": "Student", "kind": "reduced", "prices": map[string]int64{"premium": 4500, "standard": 2900, "value": 1900}},
			}})
			require.Equal(t, http.StatusOK, r0.status, "%s", r0.body)
			var paid []fullOrder
			for i := range 6 {
				seats := []string{seat[i]}
				if i == 0 || i == 2 {
					seats = append(seats, seat[10+i])
				}
				o, r := e.buy(p.ID, "", seats...)
				require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
				paid = append(paid, o)
			}
			var revenue int64
			for _, o := range paid {
				revenue += o.Total
			}
			// Orders 1 and 2 printed; then one seat of order 2 refunded.
			for _, i := range []int{1, 2} {
				r := box.do("POST", "/api/v1/orders/"+paid[i].ID+"/print", nil)
				require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			}
			r := org.do("POST", "/api/v1/orders/"+paid[2].ID+"/refunds", map[string]any{"seats": []string{seat[12]}, "reason": "one back"},
				"Idempotency-Key", "pre")
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			r = org.do("POST", "/api/v1/performances/"+p.ID+"/paint", map[string]any{"seats": []string{seat[20], seat[21]}, "block": "Mixerplätze"})
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			// A third-party contingent (a channel) with one seat sold through it.
			r = org.do("POST", "/api/v1/performances/"+p.ID+"/paint", map[string]any{"seats": []string{seat[50], seat[51]}, "channel": "partner-acme"})
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			r = box.do("POST", "/api/v1/performances/"+p.ID+"/holds", map[string]any{"seats": []string{seat[50]}, "channel": "partner-acme"})
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			var ch hold
			r.decode(t, &ch)
			r = box.do("POST", "/api/v1/orders", map[string]any{"hold_token": ch.Token, "payment": map[string]string{"method": "cash"},
				"fares": map[string]string{seat[50]: "student"},
				"buyer": map[string]string{"name": "Acme Tickets", "email": "acme@example.com"}})
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			var contingent fullOrder
			r.decode(t, &contingent)
			var reservedIDs []string
			for i := range 2 {
				h := e.buyer()
				r := h.do("POST", "/api/v1/performances/"+p.ID+"/holds", map[string]any{"seats": []string{seat[30+i]}})
				require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
				var hd hold
				r.decode(t, &hd)
				r = box.do("POST", "/api/v1/holds/"+hd.Token+"/reserve", map[string]any{"days": 2,
					"buyer": map[string]string{"name": "Rosa", "email": "rosa@example.com"}})
				require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
				var ro order
				r.decode(t, &ro)
				reservedIDs = append(reservedIDs, ro.ID)
			}

			// Bad input and roles: nothing changes.
			future := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second)
			path := "/api/v1/performances/" + p.ID + "/reschedule"
			for _, c := range []struct {
				body  map[string]any
				field string
			}{
				{map[string]any{"starts_at": time.Now().Add(-time.Hour).Format(time.RFC3339), "reservations": "keep"}, "starts_at"},
				{map[string]any{"starts_at": "tomorrow", "reservations": "keep"}, "starts_at"},
				{map[string]any{"reservations": "keep"}, "starts_at"},
				{map[string]any{"starts_at": future.Format(time.RFC3339), "reservations": "maybe"}, "reservations"},
			} {
				r := org.do("POST", path, c.body)
				require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s", r.body)
				require.Equal(t, c.field, r.problem(t).Field)
			}
			require.Equal(t, http.StatusForbidden, box.do("POST", path, map[string]any{"starts_at": future.Format(time.RFC3339), "reservations": "keep"}).status)
			require.Equal(t, http.StatusUnauthorized, e.buyer().do("POST", path, map[string]any{"starts_at": future.Format(time.RFC3339), "reservations": "keep"}).status)
			r = org.do("POST", "/api/v1/performances/missing/reschedule", map[string]any{"starts_at": future.Format(time.RFC3339), "reservations": "keep"})
			require.Equal(t, http.StatusNotFound, r.status, "%s", r.body)
			require.Equal(t, "on_sale", e.perfStatus(p.ID))
			r = org.do("GET", "/api/v1/performances/"+p.ID+"/reconciliation", nil)
			require.Equal(t, http.StatusNotFound, r.status, "%s", r.body)

			// The dry run counts and changes nothing.
			r = org.do("POST", path, map[string]any{"dry_run": true})
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			var dry struct {
				DryRun map[string]int `json:"dry_run"`
			}
			r.decode(t, &dry)
			require.Equal(t, map[string]int{"paid_orders": 7, "seats": 8, "printed": 2, "reservations": 2, "reserved_seats": 2,
				"pending_payments": 0, "blocks": 2, "holds": 0}, dry.DryRun)
			require.Equal(t, "on_sale", e.perfStatus(p.ID))

			body := map[string]any{"starts_at": future.Format(time.RFC3339), "reservations": "keep"}
			r = org.do("POST", path, body)
			require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
			var out struct {
				Job           jobBody
				ReplacementID string `json:"replacement_id"`
			}
			r.decode(t, &out)
			require.Equal(t, "reschedule", out.Job.Kind)
			require.NotEmpty(t, out.ReplacementID)
			repl := out.ReplacementID
			require.Equal(t, "stopped", e.perfStatus(p.ID), "the original stops selling")
			var moved1 struct {
				RescheduledTo *struct {
					ID       string `json:"id"`
					StartsAt string `json:"starts_at"`
				} `json:"rescheduled_to"`
			}
			e.buyer().do("GET", "/api/v1/performances/"+p.ID, nil).decode(t, &moved1)
			require.NotNil(t, moved1.RescheduledTo, "buyers see where it moved")
			require.Equal(t, repl, moved1.RescheduledTo.ID)
			require.Equal(t, "on_sale", e.perfStatus(repl), "the replacement sells at once")

			// A buyer buys a seat nobody had, while the job runs.
			fresh, r := e.buy(repl, "", seat[40])
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			// A seat to be moved is not for sale.
			r = e.buyer().do("POST", "/api/v1/performances/"+repl+"/holds", map[string]any{"seats": []string{seat[3]}})
			require.Equal(t, http.StatusConflict, r.status, "%s", r.body)

			var got jobBody
			testkit.Eventually(t, 60*time.Second, "the reschedule job is done", func() bool {
				r := org.do("GET", "/api/v1/jobs/"+out.Job.ID, nil)
				require.Equal(t, http.StatusOK, r.status, "%s", r.body)
				r.decode(t, &got)
				require.NotEqual(t, "failed", got.State, "%s", r.body)
				return got.State == "done"
			})
			require.Equal(t, 9, got.Done, "7 paid orders and 2 reservations")

			// Again: the same job; another date: 409.
			r = org.do("POST", path, body)
			require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
			var again struct {
				Job           jobBody
				ReplacementID string `json:"replacement_id"`
			}
			r.decode(t, &again)
			require.Equal(t, out.Job.ID, again.Job.ID)
			require.Equal(t, repl, again.ReplacementID)
			r = org.do("POST", path, map[string]any{"starts_at": future.Add(time.Hour).Format(time.RFC3339), "reservations": "keep"})
			require.Equal(t, http.StatusConflict, r.status, "%s", r.body)
			require.Contains(t, r.problem(t).Type, "performance-rescheduled")
			// The rescheduled date is not cancelled (its orders moved): 409.
			r = org.do("POST", "/api/v1/performances/"+p.ID+"/cancel", map[string]any{"reason": "storm"})
			require.Equal(t, http.StatusConflict, r.status, "%s", r.body)
			require.Contains(t, r.problem(t).Type, "performance-rescheduled")
			require.Equal(t, "stopped", e.perfStatus(p.ID))

			// The originals stay paid, their notes name the new orders; the
			// new orders name the originals.
			moved, err := e.store.ListOrders(ctx, so.Filter{PerformanceID: repl, Limit: 100})
			require.NoError(t, err)
			byOrigin := map[string]so.Order{}
			for _, o := range moved {
				if o.ID == fresh.ID {
					continue
				}
				for _, orig := range paid {
					if strings.Contains(o.Notes, orig.Number) {
						byOrigin[orig.ID] = o
					}
				}
			}
			var still int64
			for i, o := range paid {
				stored, err := e.store.GetOrder(ctx, o.ID)
				require.NoError(t, err)
				require.Contains(t, []string{so.Paid, so.PartRefunded}, stored.Status)
				still += stored.Total - stored.Refunded
				if i == 1 || i == 2 {
					_, ok := byOrigin[o.ID]
					require.False(t, ok, "a wholly printed order is blocked, not sold again")
					require.Contains(t, stored.Notes, "gedruckt Vortermin")
					continue
				}
				no, ok := byOrigin[o.ID]
				require.True(t, ok, "order %s moved", o.Number)
				require.Contains(t, stored.Notes, no.Number)
				require.Equal(t, stored.Status, no.Status)
				require.Equal(t, stored.Total, no.Total)
				require.Equal(t, stored.BuyerEmail, no.BuyerEmail)
				require.Equal(t, stored.Discount, no.Discount)
				var want []string
				for _, tk := range stored.Tickets {
					if tk.Status == so.TicketLive && tk.PrintedAt.IsZero() {
						want = append(want, tk.SeatID)
					}
				}
				var have []string
				for _, tk := range no.Tickets {
					have = append(have, tk.SeatID)
				}
				require.ElementsMatch(t, want, have)
				// The staff order table shows both notes.
				r := org.do("GET", "/api/v1/orders/"+no.ID, nil)
				require.Equal(t, http.StatusOK, r.status, "%s", r.body)
				require.Contains(t, string(r.body), o.Number)
			}
			require.Equal(t, revenue-paid[2].Tickets[1].Price, still, "the original's money stays")

			// The sales report counts the moved orders on the original only:
			// the replacement's shows the one sale made there.
			var rep struct {
				Total struct {
					PaidOrders int   `json:"paid_orders"`
					Gross      int64 `json:"gross"`
				}
			}
			r = org.do("GET", "/api/v1/reports/sales?performance="+repl, nil)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			r.decode(t, &rep)
			require.Equal(t, 1, rep.Total.PaidOrders)
			require.Equal(t, fresh.Total, rep.Total.Gross)
			r = org.do("GET", "/api/v1/reports/sales?performance="+p.ID, nil)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			r.decode(t, &rep)
			require.Equal(t, 7, rep.Total.PaidOrders, "the original's sales unchanged")

			// The contingent: moved under its channel, the channels and the
			// staff block carried, the contingent's other seat not on sale.
			var movedContingent so.Order
			for _, o := range moved {
				if strings.Contains(o.Notes, contingent.Number) {
					movedContingent = o
				}
			}
			require.Equal(t, "partner-acme", movedContingent.Channel)
			require.Equal(t, "student", movedContingent.Tickets[0].Fare, "the fare moves with the ticket")
			require.Equal(t, "Student", movedContingent.Tickets[0].FareName)
			require.Equal(t, contingent.Total, movedContingent.Total)
			var fares struct {
				Fares []struct {
					ID string `json:"id"`
				} `json:"fares"`
			}
			org.do("GET", "/api/v1/performances/"+repl+"/fares", nil).decode(t, &fares)
			require.Len(t, fares.Fares, 2, "the replacement has the same fares")
			require.Equal(t, "student", fares.Fares[1].ID)
			require.Equal(t, "cash", movedContingent.PaymentMethod)
			var compact struct {
				Blocks   [][2]any
				Channels []string
			}
			org.do("GET", "/api/v1/performances/"+repl+"/seatmap?format=compact", nil).decode(t, &compact)
			require.Equal(t, []string{"web", "partner-acme"}, compact.Channels)
			reasons := map[string]int{}
			for _, bl := range compact.Blocks {
				reasons[bl[1].(string)]++
			}
			require.Equal(t, 2, reasons["Mixerplätze"])
			r = e.buyer().do("POST", "/api/v1/performances/"+repl+"/holds", map[string]any{"seats": []string{seat[51]}})
			require.Equal(t, http.StatusConflict, r.status, "%s", r.body)

			// The replacement: 6 moved seats + the fresh one sold; 2 printed
			// + 2 mixer seats blocked; 2 reservations held.
			_, held, sold, blocked := e.counts(repl)
			require.Equal(t, 7, sold)
			require.Equal(t, 4, blocked)
			require.Equal(t, 2, held)

			r = org.do("GET", "/api/v1/performances/"+repl+"/reconciliation", nil)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			var rc reconciliationBody
			r.decode(t, &rc)
			require.True(t, rc.Equal, "%s", r.body)
			require.Equal(t, map[string]int{"orders": 7, "seats_booked": 6, "printed": 2, "reserved": 2, "blocked": 2, "free": len(seat) - 12}, rc.Origin)
			require.Equal(t, 1, rc.Replacement["sold_since"])
			require.Equal(t, 2, rc.Replacement["printed"])

			// A moved seat that was not printed is the new order's: not
			// refunded on the original; a moved reservation is not paid there.
			r = org.do("POST", "/api/v1/orders/"+paid[3].ID+"/refunds", map[string]any{"seats": []string{seat[3]}, "reason": "x"},
				"Idempotency-Key", "moved")
			require.Equal(t, http.StatusConflict, r.status, "%s", r.body)
			require.Contains(t, r.problem(t).Type, "performance-rescheduled")
			r = box.do("POST", "/api/v1/orders/"+reservedIDs[0]+"/pay", map[string]any{"method": "cash"})
			require.Equal(t, http.StatusConflict, r.status, "%s", r.body)
			require.Contains(t, r.problem(t).Type, "performance-rescheduled")

			// Returning a printed ticket before the new date frees exactly its seat there.
			r = org.do("POST", "/api/v1/orders/"+paid[1].ID+"/refunds", map[string]any{"seats": []string{seat[1]}, "reason": "returned"},
				"Idempotency-Key", "back")
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			testkit.Eventually(t, 5*time.Second, "the printed seat is free on the replacement", func() bool {
				_, _, _, blocked := e.counts(repl)
				return blocked == 3
			})
			_, r = e.buy(repl, "", seat[1])
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			r = e.buyer().do("POST", "/api/v1/performances/"+repl+"/holds", map[string]any{"seats": []string{seat[2]}})
			require.Equal(t, http.StatusConflict, r.status, "the other printed seat stays blocked: %s", r.body)

			// A cancelled performance is not rescheduled.
			c := e.performance(layout, true)
			r = org.do("POST", "/api/v1/performances/"+c.ID+"/cancel", map[string]any{"reason": "storm"})
			require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
			r = org.do("POST", "/api/v1/performances/"+c.ID+"/reschedule", body)
			require.Equal(t, http.StatusConflict, r.status, "%s", r.body)
			require.Contains(t, r.problem(t).Type, "performance-cancelled")
		})
	}
}

// TestRescheduleDecideReservations: with reservations "decide", the
// original's reservations are blocked "reserviert Vortermin" on the
// replacement and listed for staff; one kept becomes a reservation there
// (its seat held), one released frees its seat; a decision twice or on an
// unknown order is 404, a bad decision 422.
func TestRescheduleDecideReservations(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b)
			org, _ := e.staffUser(staff.RoleOrganizer)
			box, _ := e.staffUser(staff.RoleBoxOffice)
			layout := hall.Theatre()
			p := e.performance(layout, true)
			seat := layout.Sections[0].Rows[0].Seats
			r := org.do("PUT", "/api/v1/performances/"+p.ID+"/fares", map[string]any{"fares": []map[string]any{
				{"id": "normal"},
				{"id": "student", "name": "Student", "kind": "reduced", "prices": map[string]int64{"premium": 4500, "standard": 2900, "value": 1900}},
			}})
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			var ids []string
			for i := range 2 {
				r := e.buyer().do("POST", "/api/v1/performances/"+p.ID+"/holds", map[string]any{"seats": []string{seat[i].ID}})
				require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
				var hd hold
				r.decode(t, &hd)
				r = box.do("POST", "/api/v1/holds/"+hd.Token+"/reserve", map[string]any{"days": 2,
					"buyer": map[string]string{"name": "Rosa", "email": "rosa@example.com"}})
				require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
				var o order
				r.decode(t, &o)
				ids = append(ids, o.ID)
			}
			r = org.do("POST", "/api/v1/performances/"+p.ID+"/reschedule", map[string]any{
				"starts_at": time.Now().Add(40 * 24 * time.Hour).Format(time.RFC3339), "reservations": "decide"})
			require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
			var out struct {
				Job           jobBody
				ReplacementID string `json:"replacement_id"`
			}
			r.decode(t, &out)
			testkit.Eventually(t, 30*time.Second, "the job is done", func() bool {
				r := org.do("GET", "/api/v1/jobs/"+out.Job.ID, nil)
				var j jobBody
				r.decode(t, &j)
				return j.State == "done"
			})
			_, held, _, blocked := e.counts(out.ReplacementID)
			require.Equal(t, 2, blocked, "reserviert Vortermin")
			require.Zero(t, held)

			r = org.do("GET", "/api/v1/performances/"+out.ReplacementID+"/pending-reservations", nil)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			var q struct {
				Reservations []order `json:"reservations"`
			}
			r.decode(t, &q)
			require.Len(t, q.Reservations, 2)
			require.Equal(t, http.StatusForbidden, box.do("GET", "/api/v1/performances/"+out.ReplacementID+"/pending-reservations", nil).status)

			r = org.do("POST", "/api/v1/pending-reservations/"+ids[0], map[string]any{"decision": "perhaps"})
			require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s", r.body)
			require.Equal(t, "decision", r.problem(t).Field)
			r = org.do("POST", "/api/v1/pending-reservations/"+ids[0], map[string]any{"decision": "keep", "fare": "nope"})
			require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s", r.body)
			require.Equal(t, "fare", r.problem(t).Field)
			r = org.do("POST", "/api/v1/pending-reservations/"+ids[1], map[string]any{"decision": "release", "fare": "student"})
			require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s", r.body)
			require.Equal(t, "fare", r.problem(t).Field)
			// Kept at the reduced fare.
			r = org.do("POST", "/api/v1/pending-reservations/"+ids[0], map[string]any{"decision": "keep", "fare": "student"})
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			require.Contains(t, string(r.body), `"kind":"reserved"`)
			var decided struct {
				NewOrderID string `json:"new_order_id"`
			}
			r.decode(t, &decided)
			kept, err := e.store.GetOrder(context.Background(), decided.NewOrderID)
			require.NoError(t, err)
			require.Equal(t, so.Reserved, kept.Status)
			require.Equal(t, "student", kept.Tickets[0].Fare)
			require.Equal(t, kept.Tickets[0].Price, kept.Total)
			require.Less(t, kept.Total, int64(4500+1))
			r = org.do("POST", "/api/v1/pending-reservations/"+ids[1], map[string]any{"decision": "release"})
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			r = org.do("POST", "/api/v1/pending-reservations/"+ids[1], map[string]any{"decision": "keep"})
			require.Equal(t, http.StatusNotFound, r.status, "decided already: %s", r.body)
			r = org.do("POST", "/api/v1/pending-reservations/nope", map[string]any{"decision": "keep"})
			require.Equal(t, http.StatusNotFound, r.status, "%s", r.body)

			_, held, _, blocked = e.counts(out.ReplacementID)
			require.Equal(t, 1, held, "the kept reservation holds its seat")
			require.Zero(t, blocked)
			_, r = e.buy(out.ReplacementID, "", seat[1].ID)
			require.Equal(t, http.StatusCreated, r.status, "the released seat is on sale: %s", r.body)
			r = org.do("GET", "/api/v1/performances/"+p.ID+"/reconciliation", nil)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			var rc reconciliationBody
			r.decode(t, &rc)
			require.True(t, rc.Equal, "%s", r.body)
			require.Equal(t, 1, rc.Replacement["released"])
		})
	}
}

// TestRescheduledTicketsAtTheGate: on the new date a printed ticket of the
// previous date ("gedruckt Vortermin") is let in at the replacement's gate
// and an unprinted ticket of the previous date is not (its order moved:
// the new order's ticket is); the moved buyer is e-mailed the new order;
// a returned printed ticket no longer admits.
func TestRescheduledTicketsAtTheGate(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newEnv(t, b)
			org, _ := e.staffUser(staff.RoleOrganizer)
			box, _ := e.staffUser(staff.RoleBoxOffice)
			p := e.performance(hall.Theatre(), true)
			printedOrder, r := e.buy(p.ID, "", "S-R1-S1", "S-R1-S2")
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			plain, r := e.buy(p.ID, "", "S-R1-S3")
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			require.Equal(t, http.StatusOK, box.do("POST", "/api/v1/orders/"+printedOrder.ID+"/print", nil).status)
			codesOf := func(id string) map[string]string {
				var full struct {
					Tickets []struct{ Code, Seat string }
				}
				org.do("GET", "/api/v1/orders/"+id, nil).decode(t, &full)
				out := map[string]string{}
				for _, tk := range full.Tickets {
					out[tk.Seat] = tk.Code
				}
				return out
			}
			printed, old := codesOf(printedOrder.ID), codesOf(plain.ID)

			starts := time.Now().Add(30 * 24 * time.Hour)
			r = org.do("POST", "/api/v1/performances/"+p.ID+"/reschedule", map[string]any{"starts_at": starts.Format(time.RFC3339), "reservations": "release"})
			require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
			var out struct {
				Job           jobBody
				ReplacementID string `json:"replacement_id"`
			}
			r.decode(t, &out)
			testkit.Eventually(t, 30*time.Second, "the job is done", func() bool {
				var j jobBody
				org.do("GET", "/api/v1/jobs/"+out.Job.ID, nil).decode(t, &j)
				return j.State == "done"
			})
			moved, err := e.store.ListOrders(ctx, so.Filter{PerformanceID: out.ReplacementID, Limit: 10})
			require.NoError(t, err)
			require.Len(t, moved, 1)
			fresh := codesOf(moved[0].ID)
			msgs, err := e.store.OrderMessages(ctx, moved[0].ID)
			require.NoError(t, err)
			require.Len(t, msgs, 1)
			require.Equal(t, "performance_rescheduled", msgs[0].Kind)
			require.Contains(t, msgs[0].Body, moved[0].Number)
			require.Contains(t, msgs[0].Body, plain.Number)

			gate := org.newGate(t, fmt.Sprintf(`{"name":"New date","performance_id":%q}`, out.ReplacementID))
			e.clock.Add(time.Until(starts))
			require.Equal(t, "granted", org.scanAt(t, gate, printed["S-R1-S1"], "in").Verdict, "printed previous date admits")
			require.Equal(t, "granted", org.scanAt(t, gate, fresh["S-R1-S3"], "in").Verdict, "the moved order's ticket admits")
			require.Equal(t, "wrong_performance", org.scanAt(t, gate, old["S-R1-S3"], "in").Reason, "the old unprinted ticket does not")

			// Returned before the date: its seat is free, its ticket no longer admits.
			r = org.do("POST", "/api/v1/orders/"+printedOrder.ID+"/refunds", map[string]any{"seats": []string{"S-R1-S2"}, "reason": "returned"},
				"Idempotency-Key", "ret")
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			require.NotEqual(t, "granted", org.scanAt(t, gate, printed["S-R1-S2"], "in").Verdict)
		})
	}
}
