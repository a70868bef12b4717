package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"
)

// TestPeriodDocumentsCard (issue 17): on the reports page, on a phone and
// by keyboard alone, an organizer chooses days on the venue's clock and a
// kind, makes the period's document (a new version, then unchanged), and
// downloads its PDF and CSV from the versions listed; nothing scrolls
// sideways, axe finds nothing.
func TestPeriodDocumentsCard(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	base := startSeatd(t, nil, "-payment", "none", "-tz", "Europe/Berlin")
	perf := demoPerformance(t, base)
	createStaff(t, base, "period-olga", "organizer")
	buyer := newAPIClient(t, base)
	var h struct{ Token string }
	require.Equal(t, 201, buyer.call("POST", "/api/v1/performances/"+perf+"/holds", map[string]any{"seats": []string{"S-R1-S1", "S-R1-S2"}}, &h))
	require.Equal(t, 201, buyer.call("POST", "/api/v1/orders", map[string]any{"hold_token": h.Token,
		"buyer": map[string]string{"name": "Grace Hopper", "email": "grace@example.com"}}, nil, "Idempotency-Key", "order-"+h.Token))
	// Both tickets numbered (in the background, after the sale): a number
	// drawn is a change the documents count.
	require.Eventually(t, func() bool {
		var reg struct{ Issued int }
		return adminCall(t, base, "GET", "/api/v1/performances/"+perf+"/ticket-numbers", nil, &reg) == 200 && reg.Issued == 2
	}, 20*time.Second, 50*time.Millisecond)
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	// The demo starts tomorrow evening: a period from today to the day
	// after holds it.
	from := time.Now().In(berlin).Format("2006-01-02")
	to := time.Now().In(berlin).AddDate(0, 0, 2).Format("2006-01-02")

	page := browser(t)()
	inZone(t, page, "UTC")
	require.NoError(t, chromedp.Do(page, chromedp.EmulateViewport(390, 844)))
	signIn(t, page, base, "period-olga")
	require.NoError(t, chromedp.Do(page, chromedp.Navigate(base+"/#/reports")))
	waitFor(t, page, `!!document.querySelector("#period-card") && !!document.querySelector("#period-versions li")`, 15*time.Second)
	require.Equal(t, "None made for these days yet.", eval[string](t, page, `document.querySelector("#period-versions li").textContent`))
	set := func(id, value string) {
		t.Helper()
		require.True(t, eval[bool](t, page, `(() => { const el = document.querySelector("#`+id+`");
			el.value = "`+value+`"; el.dispatchEvent(new Event("change", { bubbles: true })); return true; })()`))
	}
	set("period-from", from)
	set("period-to", to)
	require.Equal(t, "realization", eval[string](t, page, `document.querySelector("#period-kind").value`), "the realization report first")

	// By keyboard: from the first day, Tab to "Make now", Enter.
	toMake := func() {
		t.Helper()
		require.True(t, eval[bool](t, page, `(() => { document.querySelector("#period-from").focus(); return true; })()`))
		tabTo(t, page, "#period-make")
	}
	toMake()
	press(t, page, kb.Enter)
	waitFor(t, page, `document.querySelector("#period-said").textContent === "A new version was made."`, 15*time.Second)
	waitFor(t, page, `document.querySelectorAll("#period-versions li[data-version]").length === 1`, 10*time.Second)
	require.Contains(t, eval[string](t, page, `document.querySelector("#period-versions li").textContent`), "Realization report, version 1")
	toMake()
	press(t, page, kb.Enter)
	waitFor(t, page, `document.querySelector("#period-said").textContent === "Unchanged since the last version."`, 15*time.Second)
	require.Equal(t, 1, eval[int](t, page, `document.querySelectorAll("#period-versions li[data-version]").length`))

	// The links download what was made.
	got := evalAwait[string](t, page, `fetch(document.querySelectorAll("#period-versions a")[1].href).then(async (r) => r.status + " " + r.headers.get("content-type") + "\n" + await r.text())`)
	require.True(t, strings.HasPrefix(got, "200 text/csv"), got)
	require.Contains(t, got, "\ntotal,,2,0,2,", "the demo's two tickets")
	require.Contains(t, got, "Die Zauberflöte")
	require.Equal(t, "200 application/pdf", evalAwait[string](t, page, `fetch(document.querySelector("#period-versions a").href).then((r) => r.status + " " + r.headers.get("content-type"))`))

	// Another kind: its own versions.
	set("period-kind", "settlement")
	waitFor(t, page, `document.querySelector("#period-versions li").textContent === "None made for these days yet."`, 10*time.Second)
	toMake()
	press(t, page, kb.Enter)
	waitFor(t, page, `document.querySelector("#period-versions li[data-version]")?.textContent.startsWith("Organizer settlement, version 1")`, 15*time.Second)

	// Days the wrong way round: said, nothing asked.
	set("period-from", to)
	set("period-to", from)
	waitFor(t, page, `document.querySelector("#period-versions li").textContent === "Choose a first day not after the last."`, 10*time.Second)

	require.Equal(t, 390, eval[int](t, page, `document.scrollingElement.scrollWidth`))
	requireAxeClean(t, page, "reports with the documents for a period")
}
