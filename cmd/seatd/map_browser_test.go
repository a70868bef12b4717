package main

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
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
