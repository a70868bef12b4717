package main

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/hall"
)

// chromium finds Debian's Chromium; make test installs it when missing.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium found: run `make deps` (apt-get install chromium)")
	return ""
}

// browser starts a headless Chromium for the test and returns a function that
// opens a page in a fresh browser context: its own cookies, so its own buyer.
func browser(t *testing.T) func() context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox,
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.WindowSize(1280, 900),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	root, cancelRoot := chromedp.NewContext(alloc)
	require.NoError(t, chromedp.Do(root)) // start the browser
	t.Cleanup(func() {
		cancelRoot()
		cancelAlloc()
	})
	return func() context.Context {
		ctx, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
		return ctx
	}
}

// waitFor polls a JavaScript predicate in the page until it is true.
func waitFor(t *testing.T, ctx context.Context, expr string, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	// A predicate that throws (an element not there yet) would leave the
	// poll's promise unsettled for good: it counts as false instead.
	guarded := "(() => { try { return !!(" + expr + "); } catch (e) { return false; } })()"
	for {
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](guarded, chromedp.WithPollingTimeout(timeout-time.Since(start)), chromedp.WithPollingInterval(10*time.Millisecond)))
		// A navigation that was still settling replaced the page's
		// JavaScript context under the poll: poll the new one.
		if err != nil && strings.Contains(err.Error(), "Cannot find context with specified id") && time.Since(start) < timeout {
			continue
		}
		require.NoError(t, err, "waiting for %s", expr)
		return time.Since(start)
	}
}

func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	require.NoError(t, err, expr)
	return v
}

// TestTwoBuyersSeeEachOther runs the real server on its embedded default and two
// buyers in headless Chromium on the demo performance: a hold in page A shows as
// held in page B within a second, and after A confirms, as sold.
func TestTwoBuyersSeeEachOther(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	base := startSeatd(t, nil, "-payment", "none")
	perf := demoPerformance(t, base)
	newPage := browser(t)

	a, b := newPage(), newPage()
	for _, page := range []context.Context{a, b} {
		require.NoError(t, chromedp.Do(page, chromedp.Navigate(base+"/#/p/"+perf)))
		waitFor(t, page, `window.seatmap && window.seatmap.ready && window.seatmap.connected`, 20*time.Second)
	}
	seats := []string{"S-R5-S10", "S-R5-S11"}
	for _, s := range seats {
		require.Equal(t, "free", eval[string](t, b, fmt.Sprintf(`window.seatmap.stateOf(%q)`, s)))
		eval[any](t, a, fmt.Sprintf(`window.seatmap.select(%q), null`, s))
	}
	require.NoError(t, chromedp.Do(a, chromedp.Click(chromedp.ID("#hold-button"))))
	waitFor(t, a, `window.seatmap.stateOf("S-R5-S10") === "mine" && window.seatmap.stateOf("S-R5-S11") === "mine"`, 10*time.Second)
	// A's hold has been answered: B must see it within a second.
	lag := waitFor(t, b, `window.seatmap.stateOf("S-R5-S10") === "held" && window.seatmap.stateOf("S-R5-S11") === "held"`, time.Second)
	t.Logf("hold visible in the other page after %v", lag)
	waitFor(t, a, `document.querySelector("#countdown") && /\d+:\d\d/.test(document.querySelector("#countdown").textContent)`, 5*time.Second)

	require.NoError(t, chromedp.Do(a,
		chromedp.SendKeys(chromedp.ID("#buyer-name"), "Ada Lovelace"),
		chromedp.SendKeys(chromedp.ID("#buyer-email"), "ada@example.com"),
		chromedp.Click(chromedp.ID("#confirm-button")),
	))
	waitFor(t, a, `!!document.querySelector("#order-number") && document.querySelector("#order-number").textContent.trim().length >= 11`, 10*time.Second)
	lag = waitFor(t, b, `window.seatmap.stateOf("S-R5-S10") === "sold" && window.seatmap.stateOf("S-R5-S11") === "sold"`, time.Second)
	t.Logf("sale visible in the other page after %v", lag)
	number := eval[string](t, a, `document.querySelector("#order-number").textContent.trim()`)
	require.Regexp(t, `^[2-9A-Z]{5}-[2-9A-Z]{5}$`, number)

	// B asks for the best two seats: a hold with a running countdown.
	require.NoError(t, chromedp.Do(b,
		chromedp.SetValue(chromedp.ID("#best-count"), "2"),
		chromedp.Click(chromedp.ID("#best-button")),
	))
	waitFor(t, b, `/\d+:\d\d/.test((document.querySelector("#countdown") || {}).textContent || "")`, 10*time.Second)
}

// TestStadiumMapRenders opens an 80,000-seat stadium in headless Chromium, pans
// and zooms it, and reports the draw cost per frame (figures for BENCHMARKS.md:
// go test -run TestStadiumMapRenders -v ./cmd/seatd). It asserts that every seat
// arrived and frames were drawn; speed is measured, not asserted.
func TestStadiumMapRenders(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	base := startSeatd(t, nil)
	staff := newAPIClient(t, base)
	auth := []string{"Authorization", "Bearer " + testAdminToken}
	var h struct{ ID string }
	require.Equal(t, 201, staff.call("POST", "/api/v1/halls", hall.Stadium(), &h, auth...))
	var p struct{ ID string }
	require.Equal(t, 201, staff.call("POST", "/api/v1/performances", map[string]any{
		"hall_id": h.ID, "name": "Cup Final", "starts_at": time.Now().Add(72 * time.Hour).Format(time.RFC3339), "on_sale": true,
	}, &p, auth...))

	page := browser(t)()
	require.NoError(t, chromedp.Do(page, chromedp.Navigate(base+"/#/p/"+p.ID)))
	waitFor(t, page, `window.seatmap && window.seatmap.ready && window.seatmap.connected`, 60*time.Second)
	require.Equal(t, "free", eval[string](t, page, `window.seatmap.stateOf("040-R50-S40")`))

	type stats struct {
		Frames       int
		AvgMs, MaxMs float64
	}
	measure := func(name, step string) {
		eval[any](t, page, `window.seatmap.resetFrameStats(), null`)
		_, err := chromedp.Run(page, chromedp.Evaluate[any](`(async () => {
			for (let i = 0; i < 40; i++) {
				`+step+`;
				await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
			}
			return null;
		})()`, chromedp.EvalAwaitPromise))
		require.NoError(t, err)
		s := eval[stats](t, page, `window.seatmap.frameStats()`)
		require.Greater(t, s.Frames, 10, name)
		t.Logf("stadium, 80,000 seats, %s: %d frames, %.1f ms average draw, %.1f ms worst", name, s.Frames, s.AvgMs, s.MaxMs)
	}
	eval[any](t, page, `window.seatmap.fit(), null`)
	measure("pan, whole hall in view", `window.seatmap.pan(i % 2 ? 7 : -7, 3)`)
	measure("zoom in and out", `window.seatmap.zoom(i < 20 ? 1.15 : 1 / 1.15)`)
}
