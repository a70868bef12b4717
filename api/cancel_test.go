package api_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/checkout"
	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/internal/testkit"
	"github.com/seatmap/seatmap/outbox"
	"github.com/seatmap/seatmap/staff"
)

type jobBody struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	State  string `json:"state"`
	Done   int    `json:"done"`
	Total  int    `json:"total"`
	Failed int    `json:"failed"`
}

// TestCancelPerformance: 200 paid orders (3 of them partly refunded
// before) and 10 reservations; the cancel answers 202 with a job that ends
// done, every order refunded to the cent of what was left, one cancel
// e-mail a buyer; a new hold, a confirm of an old hold and a reservation's
// payment are refused with 409 performance-cancelled; cancelling again
// answers the same job.
func TestCancelPerformance(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			took := cancelScenario(t, b, hall.Theatre(), 200, 10)
			t.Logf("%s: cancel of 200 paid orders and 10 reservations took %v", b.name, took)
		})
	}
}

// TestCancelThousandOrders is issue 16's acceptance: 1,000 paid orders (3
// partly refunded) and 40 reservations cancelled within 60 s, for
// BENCHMARKS.md. Slow (1,040 orders made through the API first): run with
// SEATMAP_CANCEL_1000=1.
func TestCancelThousandOrders(t *testing.T) {
	if os.Getenv("SEATMAP_CANCEL_1000") == "" {
		t.Skip("set SEATMAP_CANCEL_1000=1 to cancel a performance of 1,000 orders")
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			took := cancelScenario(t, b, hall.Arena(), 1000, 40)
			t.Logf("%s: cancel of 1,000 paid orders and 40 reservations took %v", b.name, took)
			require.Less(t, took, 60*time.Second)
		})
	}
}

// cancelScenario sells paid orders of one seat (the first 3 of two seats,
// partly refunded by 3.33 first) and reserved reservations on a new
// performance of layout, cancels it and checks the outcome; it returns how
// long the job took from the request to done.
func cancelScenario(t *testing.T, b stack, layout hall.Layout, paid, reserved int) time.Duration {
	t.Helper()
	ctx := context.Background()
	e := newEnv(t, b)
	org, _ := e.staffUser(staff.RoleOrganizer)
	box, _ := e.staffUser(staff.RoleBoxOffice)
	p := e.performance(layout, true)
	var seatIDs []string
	for _, sec := range layout.Sections {
		for _, row := range sec.Rows {
			for _, st := range row.Seats {
				seatIDs = append(seatIDs, st.ID)
			}
		}
	}
	// paid orders' seats first, then the second seats, the reservations,
	// an old hold and one more.
	seat := func(i int) string { return seatIDs[i] }
	second, resv, spare := paid, paid+3, paid+3+reserved
	orders := make([]fullOrder, paid)
	for i := range orders {
		seats := []string{seat(i)}
		if i < 3 {
			seats = append(seats, seat(second+i)) // two seats: partly refunded below
		}
		o, r := e.buy(p.ID, "", seats...)
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		orders[i] = o
	}
	for i := range 3 { // 3.33 back by amount: an odd remainder
		r := org.do("POST", "/api/v1/orders/"+orders[i].ID+"/refunds", map[string]any{"amount": 333, "reason": "goodwill"},
			"Idempotency-Key", "pre-"+orders[i].ID)
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	}
	var reservations []string
	for i := range reserved {
		buyer := e.buyer()
		r := buyer.do("POST", "/api/v1/performances/"+p.ID+"/holds", map[string]any{"seats": []string{seat(resv + i)}})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		var h hold
		r.decode(t, &h)
		r = box.do("POST", "/api/v1/holds/"+h.Token+"/reserve", map[string]any{"days": 2,
			"buyer": map[string]string{"name": "Rosa", "email": fmt.Sprintf("rosa%d@example.com", i)}})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		var o order
		r.decode(t, &o)
		reservations = append(reservations, o.ID)
	}
	// A buyer's hold from before the cancel, confirmed after it.
	late := e.buyer()
	r := late.do("POST", "/api/v1/performances/"+p.ID+"/holds", map[string]any{"seats": []string{seat(spare)}})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	var oldHold hold
	r.decode(t, &oldHold)

	// Bad input and roles first: nothing changes.
	r = org.do("POST", "/api/v1/performances/"+p.ID+"/cancel", map[string]any{"reason": " "})
	require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s", r.body)
	require.Equal(t, "reason", r.problem(t).Field)
	require.Equal(t, http.StatusForbidden, box.do("POST", "/api/v1/performances/"+p.ID+"/cancel", map[string]any{"reason": "x"}).status)
	require.Equal(t, http.StatusUnauthorized, e.buyer().do("POST", "/api/v1/performances/"+p.ID+"/cancel", map[string]any{"reason": "x"}).status)
	r = org.do("POST", "/api/v1/performances/missing/cancel", map[string]any{"reason": "storm"})
	require.Equal(t, http.StatusNotFound, r.status, "%s", r.body)
	require.Contains(t, r.problem(t).Type, "performance-not-found")

	// The dry run counts and changes nothing.
	r = org.do("POST", "/api/v1/performances/"+p.ID+"/cancel", map[string]any{"dry_run": true})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var dry struct {
		DryRun struct {
			PaidOrders      int    `json:"paid_orders"`
			Reservations    int    `json:"reservations"`
			PendingPayments int    `json:"pending_payments"`
			Holds           int    `json:"holds"`
			ToRefund        int64  `json:"to_refund"`
			Currency        string `json:"currency"`
		} `json:"dry_run"`
	}
	r.decode(t, &dry)
	var left int64
	for _, o := range orders {
		left += o.Total
	}
	left -= 3 * 333
	require.Equal(t, paid, dry.DryRun.PaidOrders)
	require.Equal(t, reserved, dry.DryRun.Reservations)
	require.Equal(t, left, dry.DryRun.ToRefund)
	require.Equal(t, 1, dry.DryRun.Holds, "the old hold")
	require.NotEmpty(t, dry.DryRun.Currency)
	require.Equal(t, "on_sale", e.perfStatus(p.ID))

	start := time.Now()
	r = org.do("POST", "/api/v1/performances/"+p.ID+"/cancel", map[string]any{"reason": "the tenor is ill"})
	require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
	var out struct{ Job jobBody }
	r.decode(t, &out)
	job := out.Job
	require.Equal(t, "cancel", job.Kind)
	require.NotEmpty(t, job.ID)
	require.Equal(t, "/api/v1/jobs/"+job.ID, r.header.Get("Location"))

	// At once: no new hold, no confirm of the old one.
	r = e.buyer().do("POST", "/api/v1/performances/"+p.ID+"/holds", map[string]any{"seats": []string{seat(spare + 1)}})
	require.Equal(t, http.StatusConflict, r.status, "%s", r.body)
	require.Contains(t, r.problem(t).Type, "performance-cancelled")
	r = late.do("POST", "/api/v1/orders", map[string]any{"hold_token": oldHold.Token, "buyer": map[string]string{"name": "L", "email": "l@example.com"}})
	require.Equal(t, http.StatusConflict, r.status, "%s", r.body)
	require.Contains(t, r.problem(t).Type, "performance-cancelled")
	r = org.do("POST", "/api/v1/performances/"+p.ID+"/sales/start", nil)
	require.Equal(t, http.StatusConflict, r.status, "%s", r.body)
	require.Contains(t, r.problem(t).Type, "performance-cancelled")

	var got jobBody
	testkit.Eventually(t, 120*time.Second, "the cancel job is done", func() bool {
		r := org.do("GET", "/api/v1/jobs/"+job.ID, nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		r.decode(t, &got)
		require.NotEqual(t, "failed", got.State, "%s", r.body)
		return got.State == "done"
	})
	took := time.Since(start)
	require.Equal(t, jobBody{ID: job.ID, Kind: "cancel", State: "done", Done: paid + reserved, Total: paid + reserved}, got)

	// Again: the same job; a reservation's payment is refused.
	r = org.do("POST", "/api/v1/performances/"+p.ID+"/cancel", map[string]any{"reason": "again"})
	require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
	r.decode(t, &out)
	require.Equal(t, job.ID, out.Job.ID)
	require.Equal(t, "done", out.Job.State)

	for _, o := range orders {
		stored, err := e.store.GetOrder(ctx, o.ID)
		require.NoError(t, err)
		require.Equal(t, "refunded", stored.Status, o.Number)
		require.Equal(t, stored.Total, stored.Refunded, "%s: refunded to the cent", o.Number)
		rfs, err := e.store.Refunds(ctx, o.ID)
		require.NoError(t, err)
		var sum int64
		cancels := 0
		for _, rf := range rfs {
			sum += rf.Amount
			if rf.IdempotencyKey == checkout.CancelKey(o.ID) {
				cancels++
				require.Equal(t, o.Total-map[bool]int64{true: 333}[len(o.Tickets) == 2], rf.Amount, "what was left")
			}
		}
		require.Equal(t, 1, cancels)
		require.Equal(t, o.Total, sum)
		require.Equal(t, 1, countKind(t, e, o.ID, outbox.KindCancelled), o.Number)
	}
	for _, id := range reservations {
		stored, err := e.store.GetOrder(ctx, id)
		require.NoError(t, err)
		require.Equal(t, "annulled", stored.Status)
		require.Equal(t, 1, countKind(t, e, id, outbox.KindCancelled))
		r = box.do("POST", "/api/v1/orders/"+id+"/pay", map[string]any{"method": "cash"})
		require.Equal(t, http.StatusConflict, r.status, "%s", r.body)
	}
	var pp performance
	r = e.buyer().do("GET", "/api/v1/performances/"+p.ID, nil)
	require.Equal(t, http.StatusOK, r.status)
	r.decode(t, &pp)
	require.Equal(t, "cancelled", pp.Status)
	require.Zero(t, pp.Counts.Held, "live holds ended")

	r = org.do("GET", "/api/v1/jobs/nope", nil)
	require.Equal(t, http.StatusNotFound, r.status)
	require.Contains(t, r.problem(t).Type, "job-not-found")
	require.Equal(t, http.StatusForbidden, box.do("GET", "/api/v1/jobs/"+job.ID, nil).status)
	return took
}

func (e *testEnv) perfStatus(id string) string {
	e.t.Helper()
	var p performance
	r := e.buyer().do("GET", "/api/v1/performances/"+id, nil)
	require.Equal(e.t, http.StatusOK, r.status)
	r.decode(e.t, &p)
	return p.Status
}

// countKind counts an order's e-mails of a kind.
func countKind(t *testing.T, e *testEnv, orderID, kind string) int {
	t.Helper()
	ms, err := e.store.OrderMessages(context.Background(), orderID)
	require.NoError(t, err)
	n := 0
	for _, m := range ms {
		if m.Kind == kind {
			n++
		}
	}
	return n
}
