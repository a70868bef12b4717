package main

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// TestBuyerPageExplainsHoldCap: two buyers behind one address, which may hold
// ten seats at once; the second is told in words why her seats cannot be held
// and what to do, not "wait about 600 s".
func TestBuyerPageExplainsHoldCap(t *testing.T) {
	t.Parallel()
	p := startBinary(t, t.TempDir(), nil, "-max-held-per-address", "10")
	perf := demoPerformance(t, p.Base)
	newPage := browser(t)
	a, b := newPage(), newPage()
	for _, page := range []context.Context{a, b} {
		require.NoError(t, chromedp.Do(page, chromedp.Navigate(p.Base+"/#/p/"+perf)))
		waitFor(t, page, `window.seatmap && window.seatmap.ready && window.seatmap.connected`, 20*time.Second)
	}
	require.NoError(t, chromedp.Do(a, chromedp.SetValue(chromedp.ID("#best-count"), "10"), chromedp.Click(chromedp.ID("#best-button"))))
	waitFor(t, a, `/\d+:\d\d/.test((document.querySelector("#countdown") || {}).textContent || "")`, 10*time.Second)

	require.NoError(t, chromedp.Do(b, chromedp.SetValue(chromedp.ID("#best-count"), "2"), chromedp.Click(chromedp.ID("#best-button"))))
	waitFor(t, b, `!document.getElementById("error").hidden`, 10*time.Second)
	msg := eval[string](t, b, `document.querySelector("#error .error-text").textContent`)
	require.Contains(t, msg, "as many seats as one buyer may at once")
	require.Regexp(t, `wait about \d+ min`, msg)
	require.NotRegexp(t, `\d+:\d\d`, eval[string](t, b, `(document.querySelector("#countdown") || {}).textContent || ""`), "no hold was made")
}
