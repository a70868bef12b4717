package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// replacePerformance moves a performance a week later under a new name,
// with a refund deadline an hour from now, as the admin (PATCH with the
// ETag read first), and waits until every buyer is told.
func replacePerformance(t *testing.T, base, perf, name string) {
	t.Helper()
	req, err := http.NewRequest("GET", base+"/api/v1/performances/"+perf, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	var p struct {
		StartsAt time.Time `json:"starts_at"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&p))
	resp.Body.Close()
	etag := resp.Header.Get("ETag")
	require.NotEmpty(t, etag)
	body := fmt.Sprintf(`{"name":%q,"starts_at":%q,"refund_deadline":%q}`, name,
		p.StartsAt.Add(7*24*time.Hour).Format(time.RFC3339), time.Now().Add(time.Hour).Format(time.RFC3339))
	req, err = http.NewRequest("PATCH", base+"/api/v1/performances/"+perf, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+testAdminToken)
	req.Header.Set("If-Match", etag)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusAccepted, resp.StatusCode, "%s", data)
	var out struct{ Job struct{ ID string } }
	require.NoError(t, json.Unmarshal(data, &out))
	deadline := time.Now().Add(30 * time.Second)
	for {
		var j struct{ State string }
		require.Equal(t, 200, adminCall(t, base, "GET", "/api/v1/jobs/"+out.Job.ID, nil, &j))
		if j.State == "done" {
			return
		}
		require.NotEqual(t, "failed", j.State)
		require.True(t, time.Now().Before(deadline), "the replace job did not finish")
		time.Sleep(50 * time.Millisecond)
	}
}

// replacementLink is the attend-or-refund page of an order, with its key,
// as the e-mail links it.
func replacementLink(t *testing.T, base, orderID string) string {
	t.Helper()
	var o struct {
		AccessKey string `json:"access_key"`
	}
	require.Equal(t, 200, adminCall(t, base, "GET", "/api/v1/orders/"+orderID, nil, &o))
	require.NotEmpty(t, o.AccessKey)
	return base + "/#/order/" + orderID + "/replacement?key=" + o.AccessKey
}

// TestBuyerChoosesRefundAfterReplace: the performance moves to a new date
// under a new name; the buyer opens the e-mail's link on a phone and sees
// old and new, the deadline and two choices; by keyboard alone they choose
// a refund and confirm it; the page says refunded, and a seat map open in
// another browser shows the order's seats free within a second. Another
// order's key shows nothing to choose. axe-core finds nothing serious.
func TestBuyerChoosesRefundAfterReplace(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	base := startSeatd(t, nil, "-payment", "none")
	perf := demoPerformance(t, base)
	fx := staffFixture(t, base, perf)
	replacePerformance(t, base, perf, "Die Zauberflöte (new date)")
	link := replacementLink(t, base, fx.orderID)

	newPage := browser(t)
	page, watcher := newPage(), newPage()
	require.NoError(t, chromedp.Do(page, chromedp.EmulateViewport(390, 844)))
	openMap(t, watcher, base+"/#/p/"+perf)
	require.Equal(t, "sold", eval[string](t, watcher, fmt.Sprintf(`window.seatmap.stateOf(%q)`, fx.orderSeat)))

	require.NoError(t, chromedp.Do(page, chromedp.Navigate(link)))
	waitFor(t, page, `!!document.querySelector("#choose-refund")`, 10*time.Second)
	require.Contains(t, eval[string](t, page, `document.querySelector("#replacement-new").textContent`), "Die Zauberflöte (new date)")
	require.NotEqual(t, eval[string](t, page, `document.querySelector("#replacement-old").textContent`),
		eval[string](t, page, `document.querySelector("#replacement-new").textContent`))
	require.NotEmpty(t, eval[string](t, page, `document.querySelector("#replacement-deadline").textContent`))
	require.True(t, eval[bool](t, page, `!!document.querySelector("#choose-attend")`))
	require.LessOrEqual(t, eval[int](t, page, `document.scrollingElement.scrollWidth`), 390, "fits a phone")
	requireAxeClean(t, page, "the buyer's attend-or-refund page")

	// Keyboard: focus "I want a refund", Enter; the confirm gets focus; Enter.
	eval[any](t, page, `document.querySelector("#choose-refund").focus(), null`)
	require.NoError(t, chromedp.Do(page, chromedp.KeyEvent("\r")))
	waitFor(t, page, `!document.querySelector("#refund-confirm").hidden && document.activeElement && document.activeElement.id === "confirm-refund"`, 5*time.Second)
	requireAxeClean(t, page, "the refund's confirmation")
	require.NoError(t, chromedp.Do(page, chromedp.KeyEvent("\r")))
	waitFor(t, page, `document.querySelector("section.replacement").dataset.choice === "refund"`, 10*time.Second)
	require.Contains(t, eval[string](t, page, `document.querySelector("#replacement-said").textContent`), "Refunded")
	lag := waitFor(t, watcher, fmt.Sprintf(`window.seatmap.stateOf(%q) === "free"`, fx.orderSeat), time.Second)
	t.Logf("the refunded seat showed free on the open map after %v", lag)
	requireAxeClean(t, page, "the attend-or-refund page after the refund")

	var o orderJSON
	require.Equal(t, 200, adminCall(t, base, "GET", "/api/v1/orders/"+fx.orderID, nil, &o))
	require.Equal(t, "refunded", o.Status)
	require.Equal(t, o.Total, o.Refunded)

	// A key of another order: nothing to choose.
	wrong := link[strings.Index(link, "#"):strings.Index(link, "?key=")] + "?key=not-the-key"
	eval[any](t, page, fmt.Sprintf(`location.hash = %q, null`, wrong))
	waitFor(t, page, `document.body.textContent.includes("Nothing to choose here")`, 10*time.Second)
}

// TestStaffReplacePerformance: an organizer on a phone opens "Change name
// or date…" in the painter: the fields hold the name and the date on the
// venue's clock; a new date without a deadline is refused in the form; with
// a new name, a date a week later and a deadline the change is sent, the
// job's progress ends with the buyer told, the header shows the new name
// and the counts say 1 told, 1 undecided; once the buyer takes the refund
// through their link the counts say so. A change made meanwhile by another
// hand is 412 in the form (nothing overwritten). axe-core finds nothing
// serious.
func TestStaffReplacePerformance(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	base := startSeatd(t, nil, "-payment", "none")
	perf := demoPerformance(t, base)
	createStaff(t, base, "olga", "organizer")
	fx := staffFixture(t, base, perf)
	page := browser(t)()
	require.NoError(t, chromedp.Do(page, chromedp.EmulateViewport(390, 844)))
	signIn(t, page, base, "olga")
	openMap(t, page, base+"/#/staff/p/"+perf+"/paint")

	eval[any](t, page, `document.querySelector("#replace-details").open = true, null`)
	waitFor(t, page, `document.querySelector("#replace-name").value !== "" && !!document.querySelector("#replace-none")`, 10*time.Second)
	require.Regexp(t, `^\d{4}-\d{2}-\d{2}$`, eval[string](t, page, `document.querySelector("#replace-date").value`))
	require.LessOrEqual(t, eval[int](t, page, `document.scrollingElement.scrollWidth`), 390, "the open form fits a phone")
	// A week later, same time; no deadline yet: refused in the form.
	newDate := eval[string](t, page, `(() => { const d = new Date(document.querySelector("#replace-date").value + "T12:00:00Z"); d.setUTCDate(d.getUTCDate() + 7); return d.toISOString().slice(0, 10) })()`)
	setValue(t, page, "#replace-name", "Die Zauberflöte (Ersatztermin)")
	setValue(t, page, "#replace-date", newDate)
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#replace-confirm"))))
	waitFor(t, page, `!document.querySelector("#replace-error").hidden && document.querySelector("#replace-deadline-date").getAttribute("aria-invalid") === "true"`, 5*time.Second)
	requireAxeClean(t, page, "painter with the change form refused")

	tomorrow := time.Now().Add(24 * time.Hour).Format("2006-01-02")
	setValue(t, page, "#replace-deadline-date", tomorrow)
	setValue(t, page, "#replace-deadline-time", "18:00")
	// The dry run first: what it would do, nothing changed.
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#replace-check"))))
	waitFor(t, page, `document.querySelector("#replace-preview").textContent.includes("will be told")`, 10*time.Second)
	require.Contains(t, eval[string](t, page, `document.querySelector("#replace-preview").textContent`), "1 paid order")
	require.Contains(t, eval[string](t, page, `document.querySelector("#replace-preview").textContent`), "Nothing has changed yet")
	require.True(t, eval[bool](t, page, `!!document.querySelector("#replace-none")`), "no change made by the dry run")
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#replace-confirm"))))
	waitFor(t, page, `document.querySelector("#replace-progress").dataset.state === "done"`, 20*time.Second)
	require.Contains(t, eval[string](t, page, `document.querySelector("#replace-progress-text").textContent`), "Told: 1 buyer")
	// Enabled again, and past the button's colour transition.
	waitFor(t, page, `!!document.querySelector("#replace-choices") && !document.querySelector("#replace-confirm").disabled && getComputedStyle(document.querySelector("#replace-confirm")).backgroundColor !== "rgb(207, 202, 221)"`, 10*time.Second)
	time.Sleep(200 * time.Millisecond)
	require.Contains(t, eval[string](t, page, `document.querySelector("#replace-choices [data-count=notified]").textContent`), "1 told")
	require.Contains(t, eval[string](t, page, `document.body.textContent`), "Die Zauberflöte (Ersatztermin)")
	requireAxeClean(t, page, "painter with the change done")

	var p struct {
		Name     string    `json:"name"`
		StartsAt time.Time `json:"starts_at"`
	}
	getJSON(t, base+"/api/v1/performances/"+perf, &p)
	require.Equal(t, "Die Zauberflöte (Ersatztermin)", p.Name)

	// The buyer takes the refund; the counts say so.
	link := replacementLink(t, base, fx.orderID)
	key := link[strings.Index(link, "?key=")+5:]
	require.Equal(t, 200, newAPIClient(t, base).call("POST", "/api/v1/orders/"+fx.orderID+"/replacement?key="+key, map[string]any{"choice": "refund"}, nil))
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#replace-refresh"))))
	waitFor(t, page, `/1 refunded/.test(document.querySelector("#replace-choices [data-count=refund]").textContent)`, 5*time.Second)

	// Another hand changes the name meanwhile: this form's change is refused.
	replacePerformance(t, base, perf, "Changed elsewhere")
	setValue(t, page, "#replace-name", "Mine")
	setValue(t, page, "#replace-deadline-date", tomorrow)
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#replace-confirm"))))
	waitFor(t, page, `/Someone changed this performance/.test(document.querySelector("#replace-error").textContent)`, 5*time.Second)
	getJSON(t, base+"/api/v1/performances/"+perf, &p)
	require.Equal(t, "Changed elsewhere", p.Name)
}
