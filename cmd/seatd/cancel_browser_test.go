package main

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// TestStaffCancelPerformance: an organizer on a phone opens "Cancel
// performance…" in the painter, sees the dry run (one paid order and what
// it refunds, one hold), gives a reason and confirms; the progress bar ends
// full with "Cancelled", and a buyer's open seat map says the performance is
// cancelled without a reload. axe-core finds nothing serious on either.
func TestStaffCancelPerformance(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	base := startSeatd(t, nil, "-payment", "none")
	perf := demoPerformance(t, base)
	createStaff(t, base, "carla", "organizer")
	fx := staffFixture(t, base, perf)
	newPage := browser(t)
	page, buyer := newPage(), newPage()
	require.NoError(t, chromedp.Do(page, chromedp.EmulateViewport(390, 844)))
	openMap(t, buyer, base+"/#/p/"+perf)
	signIn(t, page, base, "carla")
	openMap(t, page, base+"/#/staff/p/"+perf+"/paint")

	// The wizard: stop sales first, then choose; "Cancel" opens its panel.
	waitFor(t, page, `!!document.querySelector("#wizard-stop")`, 10*time.Second)
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#wizard-stop"))))
	waitFor(t, page, `!!document.querySelector("#wizard-stopped")`, 10*time.Second)
	require.True(t, eval[bool](t, page, `document.querySelector("#sales-stop").disabled`), "the toolbar says so too")
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#wizard-cancel"))))
	waitFor(t, page, `document.querySelector("#cancel-details").open`, 5*time.Second)
	require.Contains(t, eval[string](t, page, `document.querySelector("#wizard-reschedule").getAttribute("href")`), "/reschedule")
	require.True(t, eval[bool](t, page, `document.querySelector("#cancel-confirm").hidden`), "no confirm before the dry run")
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#cancel-check"))))
	waitFor(t, page, `!!document.querySelector("#cancel-dry-run")`, 5*time.Second)
	dry := eval[string](t, page, `document.querySelector("#cancel-dry-run").textContent`)
	require.Contains(t, dry, "1 paid order")
	require.Contains(t, dry, "to refund")
	require.Contains(t, dry, "1 live hold")
	requireAxeClean(t, page, "painter with the cancel's dry run")
	require.False(t, eval[bool](t, buyer, `document.body.textContent.includes("cancelled")`), "the dry run changes nothing")

	// No reason: the field says so, nothing is sent.
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#cancel-confirm"))))
	require.Equal(t, "true", eval[string](t, page, `document.querySelector("#cancel-reason").getAttribute("aria-invalid")`))
	require.NoError(t, chromedp.Do(page,
		chromedp.SendKeys(chromedp.ID("#cancel-reason"), "The tenor is ill"),
		chromedp.Click(chromedp.ID("#cancel-confirm"))))
	waitFor(t, page, `document.querySelector("#cancel-progress").dataset.state === "done"`, 20*time.Second)
	require.Contains(t, eval[string](t, page, `document.querySelector("#cancel-progress-text").textContent`), "Cancelled: 1 order")
	require.True(t, eval[bool](t, page, `(p => p.value === p.max)(document.querySelector("#cancel-progress"))`))
	require.True(t, eval[bool](t, page, `document.querySelector("#sales-start").disabled && document.querySelector("#sales-stop").disabled`))

	requireAxeClean(t, page, "painter with the cancel done")

	waitFor(t, buyer, `document.body.textContent.includes("This performance is cancelled")`, 5*time.Second)
	requireAxeClean(t, buyer, "the buyer's map of a cancelled performance")

	var o orderJSON
	require.Equal(t, 200, newAPIClient(t, base).call("GET", "/api/v1/orders/"+fx.orderID, nil, &o, "Authorization", "Bearer "+testAdminToken))
	require.Equal(t, "refunded", o.Status)
}
