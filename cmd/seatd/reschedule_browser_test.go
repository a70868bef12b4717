package main

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// TestStaffReschedule: an organizer on a phone follows the painter's
// "Reschedule to a new date…", keeps the default choice (decide each
// reservation), starts the move and sees the progress end in the
// reconciliation: both dates side by side, equal; the reservation waiting
// for a decision is kept with one button, and the queue says none wait.
// axe-core finds nothing serious on the form, the reconciliation and the
// queue.
func TestStaffReschedule(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	base := startSeatd(t, nil, "-payment", "none")
	perf := demoPerformance(t, base)
	createStaff(t, base, "rita", "organizer")
	fx := staffFixture(t, base, perf)
	// A reservation made at the box office.
	admin := newAPIClient(t, base)
	auth := []string{"Authorization", "Bearer " + testAdminToken}
	var h struct{ Token string }
	require.Equal(t, 201, admin.call("POST", "/api/v1/performances/"+perf+"/holds", map[string]any{"seats": []string{"S-R5-S1"}}, &h, auth...))
	require.Equal(t, 201, admin.call("POST", "/api/v1/holds/"+h.Token+"/reserve", map[string]any{"days": 2,
		"buyer": map[string]string{"name": "Rosa", "email": "rosa@example.com"}}, nil, auth...))

	require.Equal(t, 200, admin.call("PUT", "/api/v1/performances/"+perf+"/fares", map[string]any{"fares": []map[string]any{
		{"id": "normal"},
		{"id": "student", "name": "Student", "kind": "reduced", "prices": map[string]int64{"premium": 4500, "standard": 2900, "value": 1900}},
	}}, nil, auth...))

	newPage := browser(t)
	page := newPage()
	require.NoError(t, chromedp.Do(page, chromedp.EmulateViewport(390, 844)))
	signIn(t, page, base, "rita")
	openMap(t, page, base+"/#/staff/p/"+perf+"/paint")
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#reschedule-link"))))
	waitFor(t, page, `!!document.querySelector("#reschedule-form")`, 10*time.Second)
	requireAxeClean(t, page, "the reschedule form")

	// The dry run says what will move before anything does.
	require.True(t, eval[bool](t, page, `document.querySelector("#reschedule-go").hidden`), "no start before the dry run")
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#reschedule-check"))))
	waitFor(t, page, `!!document.querySelector("#reschedule-dry-run")`, 5*time.Second)
	dry := eval[string](t, page, `document.querySelector("#reschedule-dry-run").textContent`)
	require.Contains(t, dry, "1 paid order with 2 seats")
	require.Contains(t, dry, "1 reservation")
	requireAxeClean(t, page, "the reschedule's dry run")

	// A date in the past is refused on the page.
	eval[any](t, page, `(d => { d.value = "2001-01-01"; })(document.querySelector("#reschedule-date")), null`)
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#reschedule-go"))))
	waitFor(t, page, `!document.querySelector("#reschedule-error").hidden`, 5*time.Second)
	eval[any](t, page, `(d => { d.value = new Date(Date.now() + 40 * 86400000).toISOString().slice(0, 10); })(document.querySelector("#reschedule-date")), null`)
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#reschedule-go"))))

	waitFor(t, page, `!!document.querySelector("#reconciliation-table")`, 30*time.Second)
	require.Equal(t, "true", eval[string](t, page, `document.querySelector("#reconciliation-verdict").dataset.equal`))
	require.Contains(t, eval[string](t, page, `document.querySelector("#reconciliation-table").textContent`), "Printed (gedruckt Vortermin)")
	waitFor(t, page, `document.querySelectorAll("#pending-table tbody tr").length === 1`, 10*time.Second)
	requireAxeClean(t, page, "the reconciliation and the queue")

	// Kept at the reduced fare.
	eval[any](t, page, `(s => { s.value = "student"; })(document.querySelector("#pending-table select")), null`)
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.CSS(`#pending-table button[aria-label^="Keep"]`))))
	waitFor(t, page, `!!document.querySelector("#pending-none")`, 10*time.Second)
	var rc struct {
		ReplacementID string `json:"replacement_id"`
	}
	require.Equal(t, 200, admin.call("GET", "/api/v1/performances/"+perf+"/reconciliation", nil, &rc, auth...))
	var kept struct {
		Items []struct {
			Tickets []struct{ Fare string }
		}
	}
	require.Equal(t, 200, admin.call("GET", "/api/v1/orders?status=reserved&performance="+rc.ReplacementID, nil, &kept, auth...))
	require.Len(t, kept.Items, 1)
	require.Equal(t, "student", kept.Items[0].Tickets[0].Fare)
	require.Equal(t, "true", eval[string](t, page, `document.querySelector("#reconciliation-verdict").dataset.equal`))

	// A buyer opening the previous date's map is told where it moved.
	buyer := newPage()
	require.NoError(t, chromedp.Do(buyer, chromedp.EmulateViewport(390, 844)))
	require.NoError(t, chromedp.Do(buyer, chromedp.Navigate(base+"/#/p/"+perf)))
	waitFor(t, buyer, `document.body.textContent.includes("This performance moves to a new date")`, 10*time.Second)
	requireAxeClean(t, buyer, "the buyer's map of a rescheduled performance")

	var o orderJSON
	require.Equal(t, 200, admin.call("GET", "/api/v1/orders/"+fx.orderID, nil, &o, auth...))
	require.Equal(t, "paid", o.Status, "the original order stays paid")

	// The order table and the order page show the notes naming the new order.
	require.NoError(t, chromedp.Do(page, chromedp.Navigate(base+"/#/orders/"+fx.orderID)))
	waitFor(t, page, `!!document.querySelector("#order-notes")`, 10*time.Second)
	require.Contains(t, eval[string](t, page, `document.querySelector("#order-notes").textContent`), "moved to order")
	require.NoError(t, chromedp.Do(page, chromedp.Navigate(base+"/#/orders")))
	waitFor(t, page, `document.querySelectorAll("#orders-table .order-notes").length >= 2`, 10*time.Second)
	notes := eval[string](t, page, `[...document.querySelectorAll("#orders-table .order-notes")].map(n => n.textContent).join("|")`)
	require.Contains(t, notes, "moved from order")
	require.Contains(t, notes, "moved to order")
}
