package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/checkout"
	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/internal/testkit"
	"github.com/seatmap/seatmap/outbox"
	"github.com/seatmap/seatmap/staff"
)

type offerBody struct {
	OrderID     string  `json:"order_id"`
	Status      string  `json:"status"`
	Total       int64   `json:"total"`
	Refunded    int64   `json:"refunded"`
	Choice      *string `json:"choice"`
	Open        bool    `json:"open"`
	Replacement struct {
		OldName        string `json:"old_name"`
		NewName        string `json:"new_name"`
		OldStartsAt    string `json:"old_starts_at"`
		NewStartsAt    string `json:"new_starts_at"`
		RefundDeadline string `json:"refund_deadline"`
	} `json:"replacement"`
}

type keyedOrder struct {
	fullOrder
	AccessKey string `json:"access_key"`
}

// TestReplacePerformance is issue 16's replace acceptance on both stores:
// PATCH without If-Match is 428, with a stale one 412 and nothing changed,
// bad input 422 naming the field; a new date and name with a refund deadline
// answer 202 with a job that tells every buyer of a paid or reserved order
// once; 30 buyers choose a refund through their links and an open live map
// sees their seats free within 1 s, each refunded in full with one refund
// keyed by the order; another order's key is 404; attend may turn into
// refund, refund is final; staff see the counts; after the deadline a
// choice is 409 replacement-choice-closed; a cancelled performance 409.
func TestReplacePerformance(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b stack) {
		ctx := context.Background()
		e := newEnv(t, b)
		org, _ := e.staffUser(staff.RoleOrganizer)
		box, _ := e.staffUser(staff.RoleBoxOffice)
		p := e.performance(hall.Theatre(), true)
		base := "/api/v1/performances/" + p.ID

		var sm struct {
			Seats []struct {
				ID    string
				Index int
			}
		}
		e.buyer().do("GET", base+"/seatmap", nil).decode(t, &sm)
		const refunders = 30
		var orders []keyedOrder
		idxOf := map[string]int{}
		for _, s := range sm.Seats {
			idxOf[s.ID] = s.Index
		}
		for i := range refunders + 3 { // 30 who refund, one who attends, one attends then refunds, one undecided
			b := e.buyer()
			r := b.do("POST", base+"/holds", map[string]any{"seats": []string{sm.Seats[i].ID}})
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			var h hold
			r.decode(t, &h)
			r = b.do("POST", "/api/v1/orders", map[string]any{"hold_token": h.Token, "buyer": map[string]string{"name": "Vera", "email": "vera@example.com"}})
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			var o keyedOrder
			r.decode(t, &o)
			require.NotEmpty(t, o.AccessKey)
			orders = append(orders, o)
		}
		// A reservation is told too.
		rb := e.buyer()
		r := rb.do("POST", base+"/holds", map[string]any{"seats": []string{sm.Seats[refunders+3].ID}})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		var rh hold
		r.decode(t, &rh)
		r = box.do("POST", "/api/v1/holds/"+rh.Token+"/reserve", map[string]any{"days": 5,
			"buyer": map[string]string{"name": "Rosa", "email": "rosa@example.com"}})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		var resv keyedOrder
		r.decode(t, &resv)
		if resv.AccessKey == "" { // the box office's answer does not carry it; the e-mail's link does
			stored, err := e.store.GetOrder(ctx, resv.ID)
			require.NoError(t, err)
			resv.AccessKey = stored.AccessKey
		}

		get := func() (string, struct{ Name, StartsAt string }) {
			r := e.buyer().do("GET", base, nil)
			require.Equal(t, http.StatusOK, r.status)
			var out struct {
				Name     string `json:"name"`
				StartsAt string `json:"starts_at"`
			}
			r.decode(t, &out)
			require.NotEmpty(t, r.header.Get("ETag"))
			return r.header.Get("ETag"), struct{ Name, StartsAt string }{out.Name, out.StartsAt}
		}
		etag, before := get()
		newStart := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second)
		deadline := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Second)
		change := map[string]any{"name": "Tosca (new cast)", "starts_at": newStart.Format(time.RFC3339), "refund_deadline": deadline.Format(time.RFC3339)}

		// Refused: nothing changes.
		r = org.do("PATCH", base, change)
		require.Equal(t, http.StatusPreconditionRequired, r.status, "%s", r.body)
		r = org.do("PATCH", base, change, "If-Match", `"stale"`)
		require.Equal(t, http.StatusPreconditionFailed, r.status, "%s", r.body)
		require.Contains(t, r.problem(t).Type, "/stale")
		for field, body := range map[string]map[string]any{
			"refund_deadline": {"starts_at": newStart.Format(time.RFC3339)},
			"starts_at":       {"starts_at": "tomorrow", "refund_deadline": deadline.Format(time.RFC3339)},
			"name":            {"name": " "},
		} {
			r = org.do("PATCH", base, body, "If-Match", etag)
			require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s", r.body)
			require.Equal(t, field, r.problem(t).Field, "%s", r.body)
		}
		r = org.do("PATCH", base, map[string]any{"starts_at": newStart.Format(time.RFC3339),
			"refund_deadline": time.Now().Add(-time.Hour).Format(time.RFC3339)}, "If-Match", etag)
		require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s", r.body)
		require.Equal(t, "refund_deadline", r.problem(t).Field)
		require.Equal(t, http.StatusForbidden, box.do("PATCH", base, change, "If-Match", etag).status)
		require.Equal(t, http.StatusUnauthorized, e.buyer().do("PATCH", base, change, "If-Match", etag).status)
		same, after := get()
		require.Equal(t, etag, same)
		require.Equal(t, before, after)
		require.Equal(t, http.StatusNotFound, org.do("GET", base+"/replacement", nil).status)
		require.Zero(t, countKind(t, e, orders[0].ID, outbox.KindReplaced))

		// The dry run says what the change would do and changes nothing.
		dry := map[string]any{"dry_run": true}
		for k, v := range change {
			dry[k] = v
		}
		r = org.do("PATCH", base, dry, "If-Match", etag)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		var pv struct {
			DryRun       bool  `json:"dry_run"`
			PaidOrders   int   `json:"paid_orders"`
			Reservations int   `json:"reservations"`
			MostRefund   int64 `json:"most_refund"`
		}
		r.decode(t, &pv)
		require.True(t, pv.DryRun)
		require.Equal(t, refunders+3, pv.PaidOrders)
		require.Equal(t, 1, pv.Reservations)
		require.Positive(t, pv.MostRefund)
		require.Equal(t, http.StatusPreconditionFailed, org.do("PATCH", base, dry, "If-Match", `"stale"`).status, "a dry run checks If-Match too")
		same, after = get()
		require.Equal(t, etag, same, "a dry run changes nothing")
		require.Equal(t, before, after)
		require.Zero(t, countKind(t, e, orders[0].ID, outbox.KindReplaced))

		// The change.
		r = org.do("PATCH", base, change, "If-Match", etag)
		require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
		var out struct{ Job jobBody }
		r.decode(t, &out)
		require.Equal(t, "replace", out.Job.Kind)
		newTag := r.header.Get("ETag")
		require.NotEqual(t, etag, newTag)
		var got jobBody
		testkit.Eventually(t, 60*time.Second, "the replace job is done", func() bool {
			r := org.do("GET", "/api/v1/jobs/"+out.Job.ID, nil)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			r.decode(t, &got)
			require.NotEqual(t, "failed", got.State, "%s", r.body)
			return got.State == "done"
		})
		require.Equal(t, jobBody{ID: out.Job.ID, Kind: "replace", State: "done", Done: len(orders) + 1, Total: len(orders) + 1}, got)
		tag2, now := get()
		require.Equal(t, strings.TrimPrefix(newTag, "W/"), strings.TrimPrefix(tag2, "W/"))
		require.Equal(t, "Tosca (new cast)", now.Name)
		require.Equal(t, newStart.Format("2006-01-02T15:04:05"), now.StartsAt[:19])
		// The old tag is stale now.
		r = org.do("PATCH", base, map[string]any{"name": "Again"}, "If-Match", etag)
		require.Equal(t, http.StatusPreconditionFailed, r.status, "%s", r.body)
		for _, o := range append(slices.Clone(orders), resv) {
			require.Equal(t, 1, countKind(t, e, o.ID, outbox.KindReplaced), o.Number)
		}
		ms, err := e.store.OrderMessages(ctx, orders[0].ID)
		require.NoError(t, err)
		for _, m := range ms {
			if m.Kind == outbox.KindReplaced {
				require.Contains(t, m.Body, "Tosca (new cast)")
				require.Contains(t, m.Body, "Was:")
			}
		}

		choose := func(o keyedOrder, key, choice string) response {
			return e.buyer().do("POST", "/api/v1/orders/"+o.ID+"/replacement?key="+key, map[string]any{"choice": choice})
		}
		// Another order's key, or none: 404, nothing changed.
		r = choose(orders[0], orders[1].AccessKey, "refund")
		require.Equal(t, http.StatusNotFound, r.status, "%s", r.body)
		r = e.buyer().do("GET", "/api/v1/orders/"+orders[0].ID+"/replacement?key="+orders[1].AccessKey, nil)
		require.Equal(t, http.StatusNotFound, r.status, "%s", r.body)
		r = choose(orders[0], "", "refund")
		require.Equal(t, http.StatusNotFound, r.status, "%s", r.body)
		// Staff read it but do not choose without the key.
		require.Equal(t, http.StatusOK, box.do("GET", "/api/v1/orders/"+orders[0].ID+"/replacement", nil).status)
		require.Equal(t, http.StatusNotFound, box.do("POST", "/api/v1/orders/"+orders[0].ID+"/replacement", map[string]any{"choice": "refund"}).status)
		r = choose(orders[0], orders[0].AccessKey, "maybe")
		require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s", r.body)
		require.Equal(t, "choice", r.problem(t).Field)
		stored, err := e.store.GetOrder(ctx, orders[0].ID)
		require.NoError(t, err)
		require.Equal(t, "paid", stored.Status)

		var offer offerBody
		r = e.buyer().do("GET", "/api/v1/orders/"+orders[0].ID+"/replacement?key="+orders[0].AccessKey, nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		r.decode(t, &offer)
		require.True(t, offer.Open)
		require.Nil(t, offer.Choice)
		require.Equal(t, before.Name, offer.Replacement.OldName)
		require.Equal(t, "Tosca (new cast)", offer.Replacement.NewName)
		require.NotEmpty(t, offer.Replacement.RefundDeadline)

		// An open map; 30 buyers choose a refund at once.
		wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		conn, _, err := websocket.Dial(wctx, "ws"+strings.TrimPrefix(e.url, "http")+base+"/live", nil)
		require.NoError(t, err)
		defer conn.CloseNow()
		var snap struct {
			Type   string
			States string
		}
		_, data, err := conn.Read(wctx)
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(data, &snap))
		require.Equal(t, "snapshot", snap.Type)
		waiting := map[int]bool{}
		for _, o := range orders[:refunders] {
			i := idxOf[o.Seats[0]]
			require.Equal(t, byte('2'), snap.States[i], "sold before")
			waiting[i] = true
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		var lastAnswer time.Time
		for _, o := range orders[:refunders] {
			wg.Go(func() {
				r := choose(o, o.AccessKey, "refund")
				mu.Lock()
				lastAnswer = time.Now()
				mu.Unlock()
				require.Equal(t, http.StatusOK, r.status, "%s", r.body)
				var off offerBody
				r.decode(t, &off)
				require.Equal(t, "refund", *off.Choice)
				require.Equal(t, "refunded", off.Status)
				require.Equal(t, off.Total, off.Refunded)
			})
		}
		wg.Wait()
		for len(waiting) > 0 {
			_, data, err := conn.Read(wctx)
			require.NoError(t, err, "seats still sold: %v", waiting)
			var d struct {
				Type    string
				Changes [][2]int
				States  string
			}
			require.NoError(t, json.Unmarshal(data, &d))
			for _, c := range d.Changes {
				if c[1] == 0 {
					delete(waiting, c[0])
				}
			}
			if d.Type == "snapshot" {
				for i := range waiting {
					if d.States[i] == '0' {
						delete(waiting, i)
					}
				}
			}
		}
		took := time.Since(lastAnswer)
		t.Logf("%s: the map saw the 30 refunded seats free %v after the last answer", b.name, took)
		require.Less(t, took, time.Second)

		for _, o := range orders[:refunders] {
			stored, err := e.store.GetOrder(ctx, o.ID)
			require.NoError(t, err)
			require.Equal(t, "refunded", stored.Status)
			require.Equal(t, stored.Total, stored.Refunded, "to the cent")
			rfs, err := e.store.Refunds(ctx, o.ID)
			require.NoError(t, err)
			require.Len(t, rfs, 1)
			require.Equal(t, checkout.ReplaceKey(o.ID), rfs[0].IdempotencyKey)
			require.Equal(t, o.Total, rfs[0].Amount)
		}
		// Again: the first choice stands; the refund is not made twice;
		// refund never turns back into attend.
		r = choose(orders[0], orders[0].AccessKey, "refund")
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		rfs, err := e.store.Refunds(ctx, orders[0].ID)
		require.NoError(t, err)
		require.Len(t, rfs, 1)
		r = choose(orders[0], orders[0].AccessKey, "attend")
		require.Equal(t, http.StatusConflict, r.status, "%s", r.body)
		require.Contains(t, r.problem(t).Type, "replacement-refunded")

		// Attend stands, twice; attend may still become refund.
		attend, switcher := orders[refunders], orders[refunders+1]
		for range 2 {
			r = choose(attend, attend.AccessKey, "attend")
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		}
		r = choose(switcher, switcher.AccessKey, "attend")
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		r = choose(switcher, switcher.AccessKey, "refund")
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		r.decode(t, &offer)
		require.Equal(t, "refund", *offer.Choice)
		require.Equal(t, "refunded", offer.Status)
		// The reservation's refund annuls it.
		r = choose(resv, resv.AccessKey, "refund")
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		r.decode(t, &offer)
		require.Equal(t, "annulled", offer.Status)

		var counts struct {
			Counts map[string]int `json:"counts"`
		}
		r = box.do("GET", base+"/replacement", nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		r.decode(t, &counts)
		require.Equal(t, map[string]int{"notified": len(orders) + 1, "attend": 1, "refund": refunders + 2, "undecided": 1}, counts.Counts)
		free, _, sold, _ := e.counts(p.ID)
		require.Equal(t, 2, sold, "the attending and the undecided order")
		require.Positive(t, free)

		// After the deadline: the orders left stand; choices are refused.
		e.clock.Add(3 * time.Hour)
		undecided := orders[refunders+2]
		r = choose(undecided, undecided.AccessKey, "refund")
		require.Equal(t, http.StatusConflict, r.status, "%s", r.body)
		require.Contains(t, r.problem(t).Type, "replacement-choice-closed")
		r = choose(attend, attend.AccessKey, "refund")
		require.Equal(t, http.StatusConflict, r.status, "%s", r.body)
		stored, err = e.store.GetOrder(ctx, undecided.ID)
		require.NoError(t, err)
		require.Equal(t, "paid", stored.Status)
		r = e.buyer().do("GET", "/api/v1/orders/"+undecided.ID+"/replacement?key="+undecided.AccessKey, nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		r.decode(t, &offer)
		require.False(t, offer.Open)

		// A cancelled performance is not replaced.
		r = org.do("POST", base+"/cancel", map[string]any{"reason": "storm"})
		require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
		tag3, _ := get()
		r = org.do("PATCH", base, map[string]any{"name": "Later"}, "If-Match", tag3)
		require.Equal(t, http.StatusConflict, r.status, "%s", r.body)
		require.Contains(t, r.problem(t).Type, "performance-cancelled")
		r = choose(undecided, undecided.AccessKey, "refund")
		require.Equal(t, http.StatusConflict, r.status, "%s", r.body)
		require.Contains(t, r.problem(t).Type, "performance-cancelled")
		r = org.do("PATCH", "/api/v1/performances/missing", map[string]any{"name": "Later"}, "If-Match", tag3)
		require.Equal(t, http.StatusNotFound, r.status, "%s", r.body)
	})
}
