package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/hall"
)

// stadiumPerformance creates an 80,000-seat stadium performance on sale.
func stadiumPerformance(t *testing.T, base string) string {
	t.Helper()
	staff := newAPIClient(t, base)
	auth := []string{"Authorization", "Bearer " + testAdminToken}
	var h struct{ ID string }
	require.Equal(t, 201, staff.call("POST", "/api/v1/halls", hall.Stadium(), &h, auth...))
	var p struct{ ID string }
	require.Equal(t, 201, staff.call("POST", "/api/v1/performances", map[string]any{
		"hall_id": h.ID, "name": "Cup Final", "starts_at": time.Now().Add(72 * time.Hour).Format(time.RFC3339), "on_sale": true,
	}, &p, auth...))
	return p.ID
}

// TestMapStadiumOverviewSpeed measures, on a desktop window, the stadium's
// overview draw and the frames while panning it (figures for the report:
// go test -count=1 -run TestMapStadiumOverviewSpeed -v ./cmd/seatd). Speed is
// logged, not asserted; the test asserts that frames were drawn.
func TestMapStadiumOverviewSpeed(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	base := startSeatd(t, nil)
	perf := stadiumPerformance(t, base)
	page := browser(t)()
	openMap(t, page, base+"/#/p/"+perf)

	type stats struct {
		Frames       int
		AvgMs, MaxMs float64
		// Intervals between animation frames while panning.
		FrameAvgMs, FrameP95Ms float64
	}
	measure := func(name, step string) {
		eval[any](t, page, `window.seatmap.fit(), null`)
		eval[any](t, page, `window.seatmap.resetFrameStats(), null`)
		s := evalAwait[stats](t, page, `(async () => {
			const gaps = [];
			let last = 0;
			for (let i = 0; i < 60; i++) {
				`+step+`;
				const now = await new Promise(r => requestAnimationFrame(r));
				if (last) gaps.push(now - last);
				last = now;
			}
			gaps.sort((a, b) => a - b);
			const f = window.seatmap.frameStats();
			return {Frames: f.frames, AvgMs: f.avgMs, MaxMs: f.maxMs,
				FrameAvgMs: gaps.reduce((a, b) => a + b, 0) / gaps.length,
				FrameP95Ms: gaps[Math.floor(gaps.length * 0.95)]};
		})()`)
		require.Greater(t, s.Frames, 10, name)
		t.Logf("stadium %s: %d draws, %.2f ms average draw, %.2f ms worst; frame interval %.1f ms average, %.1f ms p95",
			name, s.Frames, s.AvgMs, s.MaxMs, s.FrameAvgMs, s.FrameP95Ms)
	}
	measure("overview redraw", `window.seatmap.pan(0, 0)`)
	measure("overview pan", `window.seatmap.pan(i % 2 ? 7 : -7, 3)`)
}

// evalAwait evaluates an expression that yields a promise and returns its value.
func evalAwait[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	require.NoError(t, err, expr)
	return v
}

// viewport is a window size the buyer map is tested at.
type viewport struct {
	name          string
	width, height int64
	mobile        bool
}

var mapViewports = []viewport{
	{name: "phone", width: 390, height: 844, mobile: true},
	{name: "desktop", width: 1280, height: 900},
}

// emulate sizes the page as a phone (touch, device pixel ratio 3) or a desktop.
func emulate(t *testing.T, page context.Context, v viewport) {
	t.Helper()
	if v.mobile {
		require.NoError(t, chromedp.Do(page, chromedp.EmulateViewport(v.width, v.height, chromedp.EmulateScale(3), chromedp.EmulateMobile, chromedp.EmulateTouch)))
		return
	}
	require.NoError(t, chromedp.Do(page, chromedp.EmulateViewport(v.width, v.height)))
}

type labelBox struct {
	Section    string
	Lines      []string
	X, Y, W, H float64
}

// TestMapOverviewSections opens the stadium on a phone and on a desktop: the
// overview labels its sections with their free seats and prices, no two labels
// overlap, a click on a section zooms in until seats are at least 24 CSS px,
// and the minimap appears then.
func TestMapOverviewSections(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	base := startSeatd(t, nil)
	perf := stadiumPerformance(t, base)
	newPage := browser(t)
	for _, v := range mapViewports {
		t.Run(v.name, func(t *testing.T) {
			page := newPage()
			emulate(t, page, v)
			openMap(t, page, base+"/#/p/"+perf)
			require.True(t, eval[bool](t, page, `window.seatmap.overview()`), "the stadium opens at overview")
			require.False(t, eval[bool](t, page, `window.seatmap.minimapShown()`))
			waitFor(t, page, `window.seatmap.labels().length > 0`, 5*time.Second)
			labels := eval[[]labelBox](t, page, `window.seatmap.labels()`)
			t.Logf("%s: %d of 40 section labels placed", v.name, len(labels))
			min := 8
			if v.mobile {
				min = 4
			}
			require.GreaterOrEqual(t, len(labels), min)
			for _, l := range labels {
				require.Len(t, l.Lines, 2)
				require.Regexp(t, `^Block \d{3}$`, l.Lines[0])
				require.Regexp(t, `^2,000 free( · €\d+\.\d\d(–€\d+\.\d\d)?)?$`, l.Lines[1])
				require.True(t, l.X >= 0 && l.Y >= 0 && l.X+l.W <= float64(v.width) && l.Y+l.H <= float64(v.height), "label %s inside the map", l.Section)
			}
			for a := range labels {
				for b := a + 1; b < len(labels); b++ {
					p, q := labels[a], labels[b]
					overlap := p.X < q.X+q.W && q.X < p.X+p.W && p.Y < q.Y+q.H && q.Y < p.Y+p.H
					require.False(t, overlap, "labels %s and %s overlap: %+v %+v", p.Section, q.Section, p, q)
				}
			}
			// A click on a labelled section zooms to it, seats big enough to tap.
			name := labels[0].Section
			pt := eval[struct{ X, Y float64 }](t, page, fmt.Sprintf(`window.seatmap.sectionPoint(%q)`, name))
			require.NoError(t, chromedp.Do(page, chromedp.MouseClickXY(pt.X, pt.Y)))
			waitFor(t, page, `window.seatmap.seatPx() >= 24 && !window.seatmap.overview()`, 5*time.Second)
			t.Logf("%s: %s zoomed to seats of %.1f CSS px", v.name, name, eval[float64](t, page, `window.seatmap.seatPx()`))
			waitFor(t, page, `window.seatmap.minimapShown()`, 2*time.Second)
			require.Empty(t, eval[[]labelBox](t, page, `window.seatmap.labels()`), "no section cards over seats")
			// The minimap moves the view: a click on its far corner goes there.
			before := eval[struct{ X, Y float64 }](t, page, `(() => { const p = window.seatmap.sectionPoint(`+fmt.Sprintf("%q", name)+`); return p; })()`)
			box := eval[struct{ X, Y, W, H float64 }](t, page, `(() => { const r = document.querySelector('.map-minimap').getBoundingClientRect(); return {X: r.left, Y: r.top, W: r.width, H: r.height}; })()`)
			require.NoError(t, chromedp.Do(page, chromedp.MouseClickXY(box.X+box.W*0.5, box.Y+box.H*0.5)))
			waitFor(t, page, fmt.Sprintf(`(() => { const p = window.seatmap.sectionPoint(%q); return Math.hypot(p.x - %f, p.y - %f) > 50; })()`, name, before.X, before.Y), 2*time.Second)
		})
	}
}

// press sends one key to the focused element.
func press(t *testing.T, page context.Context, key string) {
	t.Helper()
	require.NoError(t, chromedp.Do(page, chromedp.KeyEvent(key)))
}

// tabTo presses Tab until the element matching selector has focus.
func tabTo(t *testing.T, page context.Context, selector string) {
	t.Helper()
	for n := 0; n < 40; n++ {
		if eval[bool](t, page, fmt.Sprintf(`document.activeElement === document.querySelector(%q)`, selector)) {
			return
		}
		press(t, page, kb.Tab)
	}
	t.Fatalf("Tab never reached %s", selector)
}

// TestMapKeyboardOnly chooses and holds seats with the keyboard alone, on a
// phone and a desktop: Tab reaches the map, arrows move a seat cursor that the
// announcer reads out (section, row, seat, price, state), Enter picks, Tab
// and Enter hold, and focus lands in the hold panel, not on the page body.
func TestMapKeyboardOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	base := startSeatd(t, nil)
	perf := demoPerformance(t, base)
	newPage := browser(t)
	for _, v := range mapViewports {
		t.Run(v.name, func(t *testing.T) {
			page := newPage()
			emulate(t, page, v)
			openMap(t, page, base+"/#/p/"+perf)
			tabTo(t, page, ".map-canvas")
			require.Equal(t, "application", eval[string](t, page, `document.activeElement.getAttribute("role")`))
			require.NotEmpty(t, eval[string](t, page, `document.activeElement.getAttribute("aria-label")`))

			announced := func() string {
				waitFor(t, page, `document.querySelector("#announcer").textContent !== ""`, 2*time.Second)
				return eval[string](t, page, `document.querySelector("#announcer").textContent`)
			}
			speech := `^(Stalls|Balcony), row (\d+), seat (\d+)\. (Premium|Standard|Value), €\d+\.\d\d\. Available, Enter selects it\.$`
			press(t, page, kb.ArrowRight)
			first := eval[string](t, page, `window.seatmap.cursor()`)
			require.NotEmpty(t, first)
			require.Regexp(t, speech, announced())
			waitFor(t, page, `window.seatmap.seatPx() >= 24`, 2*time.Second) // the view zooms to the cursor

			var sec string
			var row, num int
			_, err := fmt.Sscanf(first, "%1s-R%d-S%d", &sec, &row, &num)
			require.NoError(t, err)
			press(t, page, kb.ArrowRight)
			require.Equal(t, fmt.Sprintf("%s-R%d-S%d", sec, row, num+1), eval[string](t, page, `window.seatmap.cursor()`), "right: the next seat in the row")
			waitFor(t, page, fmt.Sprintf(`document.querySelector("#announcer").textContent.includes("row %d, seat %d.")`, row, num+1), 2*time.Second)
			press(t, page, kb.ArrowDown)
			require.Equal(t, fmt.Sprintf("%s-R%d-S%d", sec, row+1, num+1), eval[string](t, page, `window.seatmap.cursor()`), "down: the seat behind")
			press(t, page, kb.ArrowUp)
			press(t, page, kb.Enter)
			waitFor(t, page, fmt.Sprintf(`window.seatmap.isSelected("%s-R%d-S%d")`, sec, row, num+1), 2*time.Second)
			waitFor(t, page, `document.querySelector("#announcer").textContent.startsWith("Selected ")`, 2*time.Second)
			press(t, page, kb.ArrowLeft)
			press(t, page, " ")
			waitFor(t, page, fmt.Sprintf(`window.seatmap.isSelected(%q)`, first), 2*time.Second)
			require.Len(t, eval[[]string](t, page, `window.seatmap.selection()`), 2)

			tabTo(t, page, "#hold-button")
			press(t, page, kb.Enter)
			waitFor(t, page, fmt.Sprintf(`window.seatmap.stateOf(%q) === "mine"`, first), 10*time.Second)
			waitFor(t, page, `document.activeElement !== document.body && !!document.activeElement.closest(".panel")`, 5*time.Second)
			t.Logf("%s: focus after the hold on <%s> %q", v.name,
				eval[string](t, page, `document.activeElement.tagName`), eval[string](t, page, `document.activeElement.textContent`))
		})
	}
}

// TestMapAccessibleSeats checks the theatre's wheelchair spaces (stalls row 20,
// seats 1–3 and 28–30) on a phone and a desktop: they carry the ring mark, the
// announcer says so, the filter dims every other seat, and best-available with
// "Wheelchair-accessible seats" ticked holds only accessible seats.
func TestMapAccessibleSeats(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	base := startSeatd(t, nil)
	perf := demoPerformance(t, base)
	newPage := browser(t)
	for n, v := range mapViewports {
		t.Run(v.name, func(t *testing.T) {
			page := newPage()
			emulate(t, page, v)
			openMap(t, page, base+"/#/p/"+perf)
			require.True(t, eval[bool](t, page, `window.seatmap.isAccessible("S-R20-S1")`))
			require.False(t, eval[bool](t, page, `window.seatmap.isAccessible("S-R20-S5")`))
			require.True(t, eval[bool](t, page, `[...document.querySelectorAll(".legend li")].some(li => li.textContent === "Wheelchair accessible")`))

			// The mark: a light ring inside the accessible seat, none inside its neighbour.
			ring := func(sid string) []int {
				eval[any](t, page, fmt.Sprintf(`window.seatmap.zoomToSeat(%q), null`, sid))
				waitFor(t, page, `window.seatmap.seatPx() >= 24`, 2*time.Second)
				return evalAwait[[]int](t, page, fmt.Sprintf(`(async () => {
					await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
					const c = document.querySelector(".map-canvas"), r = c.getBoundingClientRect();
					const p = window.seatmap.seatPoint(%q), dpr = c.width / r.width;
					const off = window.seatmap.seatPx() * 0.34;
					// The brightest pixel of a short strip across the ring.
					const d = c.getContext("2d").getImageData(Math.round((p.x + off - r.left) * dpr) - 2, Math.round((p.y - r.top) * dpr), 5, 1).data;
					let best = [0, 0, 0];
					for (let k = 0; k < 20; k += 4) if (d[k] + d[k + 1] + d[k + 2] > best[0] + best[1] + best[2]) best = [d[k], d[k + 1], d[k + 2]];
					return best;
				})()`, sid))
			}
			mark, plain := ring("S-R20-S30"), ring("S-R20-S25")
			t.Logf("%s: pixel on the ring of S-R20-S30 %v, same place on S-R20-S25 %v", v.name, mark, plain)
			require.Greater(t, mark[0]+mark[1]+mark[2], 600, "a light ring on the accessible seat")
			require.Less(t, plain[0]+plain[1]+plain[2], 450, "no ring on the others")

			eval[any](t, page, `window.seatmap.cursorTo("S-R20-S3"), null`)
			waitFor(t, page, `/^Stalls, row 20, seat 3\. .*, wheelchair accessible\.$/.test(document.querySelector("#announcer").textContent)`, 2*time.Second)

			zoneColour := eval[string](t, page, `window.seatmap.colorOf("S-R20-S5")`)
			require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#accessible-only"))))
			waitFor(t, page, `window.seatmap.colorOf("S-R20-S5") === "#d9dde3"`, 2*time.Second)
			require.Equal(t, zoneColour, eval[string](t, page, `window.seatmap.colorOf("S-R20-S28")`), "accessible seats keep their colour")

			// Best available, accessible only; the two viewports each take a pair.
			require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#best-accessible"))))
			require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#best-button"))))
			waitFor(t, page, `window.seatmap.heldSeats().length === 2`, 10*time.Second)
			held := eval[[]string](t, page, `window.seatmap.heldSeats()`)
			t.Logf("%s (pair %d): best accessible held %v", v.name, n+1, held)
			for _, sid := range held {
				require.True(t, eval[bool](t, page, fmt.Sprintf(`window.seatmap.isAccessible(%q)`, sid)), "%s is accessible", sid)
			}
		})
	}
}

// TestMapSectionCountsFollowHolds has one buyer hold stadium seats while another
// watches: the watcher's free count of that section drops as the delta
// arrives, in the overview label as well.
func TestMapSectionCountsFollowHolds(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	base := startSeatd(t, nil)
	perf := stadiumPerformance(t, base)
	newPage := browser(t)
	a, b := newPage(), newPage()
	emulate(t, b, mapViewports[1])
	for _, page := range []context.Context{a, b} {
		openMap(t, page, base+"/#/p/"+perf)
	}
	waitFor(t, b, `window.seatmap.labels().some(l => l.section === "Block 001")`, 5*time.Second)
	require.Equal(t, 2000, eval[int](t, b, `window.seatmap.sectionFree("Block 001")`))
	for _, sid := range []string{"001-R10-S5", "001-R10-S6", "001-R10-S7"} {
		require.True(t, eval[bool](t, a, fmt.Sprintf(`window.seatmap.select(%q)`, sid)))
	}
	evalAwait[any](t, a, `window.seatmap.hold()`)
	lag := waitFor(t, b, `window.seatmap.sectionFree("Block 001") === 1997`, 5*time.Second)
	t.Logf("the other page's count fell after %v", lag)
	waitFor(t, b, `window.seatmap.labels().some(l => l.section === "Block 001" && l.lines[1].startsWith("1,997 free"))`, 2*time.Second)
	require.Equal(t, 2000, eval[int](t, b, `window.seatmap.sectionFree("Block 002")`))
}
