package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// TestReportsPage (issue 17): on a venue in Berlin seen from a browser in
// UTC, the sales report draws its sales over time (bars, a description and a
// table, axe clean), the codes used, and follows the choice of performance,
// days (the venue's) and buckets in its timeline and its "Download CSV" link,
// which downloads the CSV; the payments page has its CSV link too; both fit a
// phone.
func TestReportsPage(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	base := startSeatd(t, nil, "-payment", "none", "-tz", "Europe/Berlin")
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	perf := demoPerformance(t, base)
	createStaff(t, base, "rep-olga", "organizer")
	require.Equal(t, 201, adminCall(t, base, "POST", "/api/v1/promotions", map[string]any{"code": "TENOFF", "name": "Ten", "amount": 1000, "currency": "EUR"}, nil))
	buy := func(code string, seats ...string) {
		t.Helper()
		buyer := newAPIClient(t, base)
		var h struct{ Token string }
		require.Equal(t, 201, buyer.call("POST", "/api/v1/performances/"+perf+"/holds", map[string]any{"seats": seats}, &h))
		body := map[string]any{"hold_token": h.Token, "buyer": map[string]string{"name": "Grace Hopper", "email": "grace@example.com"}}
		if code != "" {
			body["voucher_code"] = code
		}
		require.Equal(t, 201, buyer.call("POST", "/api/v1/orders", body, nil, "Idempotency-Key", "order-"+h.Token))
	}
	buy("TENOFF", "S-R1-S1", "S-R1-S2")
	buy("", "S-R1-S3")

	page := browser(t)()
	inZone(t, page, "UTC")
	signIn(t, page, base, "rep-olga")
	require.NoError(t, chromedp.Do(page, chromedp.Navigate(base+"/#/reports")))
	loaded := func() string {
		return eval[string](t, page, `document.querySelector(".staff-page").parentElement.dataset.loaded || ""`)
	}
	waitFor(t, page, `!!document.querySelector("#chart-timeline svg .timeline-bar rect")`, 15*time.Second)

	// The timeline: bars with data, described in words, and a table.
	require.Equal(t, "Sales by day", eval[string](t, page, `document.querySelector("#chart-timeline-title").textContent`))
	require.Equal(t, "chart-timeline-desc", eval[string](t, page, `document.querySelector("#chart-timeline svg").getAttribute("aria-describedby")`))
	require.Contains(t, eval[string](t, page, `document.querySelector("#chart-timeline-desc").textContent`), "(Europe/Berlin)")
	require.Greater(t, eval[float64](t, page, `Math.max(...[...document.querySelectorAll("#chart-timeline .bar-gross")].map((r) => r.getBBox().height))`), 10.0)
	rows := eval[[]string](t, page, `[...document.querySelectorAll("#table-timeline tbody tr")].map((r) => r.textContent)`)
	require.NotEmpty(t, rows)
	require.Equal(t, 2, eval[int](t, page, `[...document.querySelectorAll("#table-timeline tbody tr")].reduce((n, r) => n + Number(r.children[1].textContent), 0)`))
	// The codes used.
	require.Contains(t, eval[string](t, page, `document.querySelector("#table-codes").textContent`), "TENOFF")
	requireAxeClean(t, page, "reports with a timeline")

	csvHref := func() url.Values {
		t.Helper()
		u, err := url.Parse(eval[string](t, page, `document.querySelector("#report-csv").href`))
		require.NoError(t, err)
		require.Equal(t, "/api/v1/reports/sales.csv", u.Path)
		return u.Query()
	}
	require.Equal(t, url.Values{"bucket": {"day"}}, csvHref())
	choose := func(sel, value string) {
		t.Helper()
		before := loaded()
		eval[any](t, page, fmt.Sprintf(`(() => { const s = document.querySelector(%q); s.value = %q; s.dispatchEvent(new Event("change")); return null; })()`, sel, value))
		waitFor(t, page, fmt.Sprintf(`(document.querySelector(".staff-page").parentElement.dataset.loaded || "") !== %q && document.querySelector("#report").getAttribute("aria-busy") !== "true"`, before), 10*time.Second)
	}

	// By event: the performance, by the hour of its on-sale.
	choose("#report-performance", perf)
	choose("#report-bucket", "hour")
	require.Equal(t, url.Values{"performance": {perf}, "bucket": {"hour"}}, csvHref())
	require.Equal(t, "Sales by hour", eval[string](t, page, `document.querySelector("#chart-timeline-title").textContent`))
	waitFor(t, page, `!!document.querySelector("#chart-timeline svg .timeline-bar rect")`, 5*time.Second)
	require.Contains(t, eval[string](t, page, `document.querySelector("#table-timeline thead").textContent`), "Hour")

	// By period: today on the venue's clock; the links start at Berlin's
	// midnight, not the browser's.
	today := time.Now().In(berlin)
	day := today.Format(time.DateOnly)
	choose("#report-performance", "")
	choose("#report-bucket", "day")
	choose("#report-from", day)
	choose("#report-to", day)
	midnight := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, berlin)
	q := csvHref()
	require.Equal(t, "day", q.Get("bucket"))
	from, err := time.Parse(time.RFC3339, q.Get("from"))
	require.NoError(t, err)
	require.True(t, midnight.Equal(from), "from %s is not the venue's midnight %s", from, midnight)
	to, err := time.Parse(time.RFC3339, q.Get("to"))
	require.NoError(t, err)
	require.True(t, midnight.AddDate(0, 0, 1).Equal(to), "until %s", to)
	require.Equal(t, 1, eval[int](t, page, `document.querySelectorAll("#chart-timeline .timeline-bar").length`), "one day")
	// Days without sales: the report is empty, and says so.
	choose("#report-from", "2020-01-01")
	choose("#report-to", "2020-01-02")
	require.Contains(t, eval[string](t, page, `document.querySelector("#chart-timeline").textContent`), "No sales in these days.")
	// A period too long for hours: the timeline says what to do, the report stands.
	choose("#report-to", "2026-01-01")
	require.Contains(t, eval[string](t, page, `document.querySelector("#timeline-error").textContent`), "Too many days to show")
	choose("#report-bucket", "hour")
	require.Contains(t, eval[string](t, page, `document.querySelector("#timeline-error").textContent`), "choose By day")
	require.True(t, eval[bool](t, page, `!!document.querySelector("#report-gross")`))
	choose("#report-to", day)
	choose("#report-from", day)
	choose("#report-bucket", "day")

	// The link downloads the CSV the page describes, with its own session:
	// a real download, to a directory of the test's.
	dir := t.TempDir()
	yes := true
	_, err = chromedp.CallBrowser(page, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir, EventsEnabled: &yes,
		BrowserContextID: chromedp.FromContext(page).BrowserContextID})
	require.NoError(t, err)
	saved := make(chan string, 1)
	require.NoError(t, chromedp.ListenBrowser(page, func(ev any) {
		if p, ok := ev.(*cdpbrowser.EventDownloadProgress); ok && p.State == cdpbrowser.DownloadProgressStateCompleted {
			select {
			case saved <- p.FilePath:
			default:
			}
		}
	}))
	require.Equal(t, "sales-all-from-"+day+"-until-"+day+".csv", eval[string](t, page, `document.querySelector("#report-csv").download`))
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#report-csv"))))
	var path string
	select {
	case path = <-saved:
	case <-time.After(10 * time.Second):
		t.Fatal("the CSV link downloaded nothing")
	}
	require.Equal(t, dir, filepath.Dir(path))
	require.True(t, strings.HasPrefix(filepath.Base(path), "sales-all-from-"), path)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"section", "key"}, recs[0][:2])
	sections := map[string]int{}
	for _, r := range recs[1:] {
		sections[r[0]]++
	}
	require.Equal(t, 1, sections["total"])
	require.Equal(t, 1, sections["code"])
	require.Equal(t, 1, sections["day"], "today, as the page chose")
	require.Equal(t, "2", recs[1][4], "two paid orders")
	require.True(t, strings.HasPrefix(recs[len(recs)-1][1], day+"T00:00:00+0"), "the day starts at the venue's midnight: %s", recs[len(recs)-1][1])

	// Keyboard: the link is reachable and named.
	require.Equal(t, "Download CSV", eval[string](t, page, `document.querySelector("#report-csv").textContent`))

	// On a phone: nothing scrolls sideways.
	require.NoError(t, chromedp.Do(page, chromedp.EmulateViewport(390, 844)))
	require.NoError(t, chromedp.Do(page, chromedp.Navigate(base+"/#/reports")))
	waitFor(t, page, `!!document.querySelector("#chart-timeline svg .timeline-bar rect")`, 15*time.Second)
	require.Equal(t, 390, eval[int](t, page, `document.scrollingElement.scrollWidth`))

	// The payments list has its CSV for the days it shows.
	require.NoError(t, chromedp.Do(page, chromedp.Navigate(base+"/#/payments")))
	waitFor(t, page, `!!document.querySelector("#payments-csv:not([hidden])")`, 10*time.Second)
	got := evalAwait[string](t, page, `fetch(document.querySelector("#payments-csv").href).then(async (r) => r.status + " " + r.headers.get("content-type") + "\n" + await r.text())`)
	require.True(t, strings.HasPrefix(got, "200 text/csv"), got)
	require.Contains(t, got, "created_at,kind,provider")
	require.Equal(t, 390, eval[int](t, page, `document.scrollingElement.scrollWidth`))
	requireAxeClean(t, page, "payments with the CSV link")

	// The cashier's day report (organizers): made now, made again unchanged,
	// its versions listed with links that download.
	require.NoError(t, chromedp.Do(page, chromedp.Navigate(base+"/#/reports")))
	waitFor(t, page, `!!document.querySelector("#cashier-card") && !!document.querySelector("#cashier-versions li")`, 10*time.Second)
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#cashier-make"))))
	waitFor(t, page, `document.querySelector("#cashier-said").textContent === "A new version was made."`, 10*time.Second)
	waitFor(t, page, `document.querySelectorAll("#cashier-versions li[data-version]").length === 1`, 10*time.Second)
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#cashier-make"))))
	waitFor(t, page, `document.querySelector("#cashier-said").textContent === "Unchanged since the last version."`, 10*time.Second)
	require.Equal(t, "200 application/pdf", evalAwait[string](t, page, `fetch(document.querySelector("#cashier-versions a").href).then((r) => r.status + " " + r.headers.get("content-type"))`))
	requireAxeClean(t, page, "reports with the cashier's day report")
}
