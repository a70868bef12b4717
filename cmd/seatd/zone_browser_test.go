package main

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/checkout"
)

// TestVenueTimesAsTheEmails runs the binary with a venue in New York, where
// the browser's zone data and Go's disagree on the zone's name ("GMT-5"
// against "EST"), and opens its pages in a browser whose clock is in Tokyo:
// the performance page writes the start exactly as the e-mails do
// (checkout.FormatWhen), and the repertoire's date badge and time line are on
// New York's calendar and clock, named as Go names them. The pages compute
// this from the zone's spans the server gives them (format.js), not from
// Intl.
func TestVenueTimesAsTheEmails(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	p := startBinary(t, t.TempDir(), nil, "-tz", "America/New_York")
	perf := demoPerformance(t, p.Base)
	var pj struct {
		StartsAt time.Time `json:"starts_at"`
	}
	getJSON(t, p.Base+"/api/v1/performances/"+perf, &pj)
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	when := checkout.FormatWhen(pj.StartsAt, ny)
	require.Regexp(t, `^\w{3} \d{1,2} \w{3} \d{4}, \d\d:\d\d E[SD]T \(America/New_York\)$`, when)

	newPage := browser(t)
	page := newPage()
	inZone(t, page, "Asia/Tokyo")
	require.NoError(t, chromedp.Do(page, chromedp.Navigate(p.Base+"/#/p/"+perf)))
	waitFor(t, page, `window.seatmap && window.seatmap.ready`, 30*time.Second)
	require.Equal(t, when, eval[string](t, page, `document.querySelector('.perf-when').textContent`), "the performance page writes the time as the e-mail does")

	require.NoError(t, chromedp.Do(page, chromedp.Navigate(p.Base+"/#/")))
	waitFor(t, page, `document.querySelector('.show .show-meta time') !== null`, 30*time.Second)
	local := pj.StartsAt.In(ny)
	type card struct{ Weekday, Day, Month, Line string }
	got := eval[card](t, page, `(() => {
		const a = document.querySelector('.show[href$="`+perf+`"]');
		return { weekday: a.querySelector('.show-wd').textContent, day: a.querySelector('.show-day').textContent,
			month: a.querySelector('.show-month').textContent, line: a.querySelector('.show-meta time').textContent };
	})()`)
	require.Equal(t, card{local.Format("Mon"), local.Format("2"), local.Format("Jan"),
		local.Format("Monday 2 January 2006") + " · " + local.Format("15:04 MST") + " (America/New_York)"}, got)
}
