package main

import (
	"encoding/json"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/profiler"
	"github.com/chromedp/cdproto/tracing"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// traceEvent is what TestPhoneTrace reads of a Chrome trace event.
type traceEvent struct {
	Name string  `json:"name"`
	Ph   string  `json:"ph"`
	Pid  int     `json:"pid"`
	Tid  int     `json:"tid"`
	Ts   float64 `json:"ts"`  // µs
	Dur  float64 `json:"dur"` // µs, complete events ("X")
	Args struct {
		Name string `json:"name"` // thread_name metadata
	} `json:"args"`
}

// mainThreadBusy reads a trace of one page load: how long the renderer's
// main thread ran tasks from the navigation until untilMs after it, in ms.
func mainThreadBusy(events []traceEvent, untilMs float64) (busy float64, ok bool) {
	type thread struct{ pid, tid int }
	names := map[thread]string{}
	count := map[thread]int{}
	for _, e := range events {
		th := thread{e.Pid, e.Tid}
		count[th]++
		if e.Ph == "M" && e.Name == "thread_name" {
			names[th] = e.Args.Name
		}
	}
	var main thread
	for th, n := range names {
		if n == "CrRendererMain" && count[th] > count[main] {
			main = th
		}
	}
	start := -1.0
	for _, e := range events {
		if e.Name == "navigationStart" && e.Pid == main.pid && e.Tid == main.tid && (start < 0 || e.Ts < start) {
			start = e.Ts
		}
	}
	if start < 0 || untilMs <= 0 {
		return 0, false
	}
	end := start + untilMs*1000
	var tasks []traceEvent
	for _, e := range events {
		if (e.Pid == main.pid && e.Tid == main.tid) && e.Ph == "X" && (e.Name == "ThreadControllerImpl::RunTask" || e.Name == "RunTask") && e.Ts+e.Dur > start && e.Ts < end {
			tasks = append(tasks, e)
		}
	}
	// Top-level tasks only: a task inside another is counted with it.
	sort.Slice(tasks, func(i, j int) bool { return tasks[i].Ts < tasks[j].Ts })
	last := start
	for _, e := range tasks {
		from, to := max(e.Ts, last), min(e.Ts+e.Dur, end)
		if to > from {
			busy += to - from
			last = to
		}
	}
	return busy / 1000, true
}

// TestPhoneTrace records a Chrome trace of the theatre's first visit on the
// phone of issue 12 and reports when the map was first drawn and how long the
// renderer's main thread was busy until then: on this machine the first
// visit is bound by that thread (BENCHMARKS.md, issue 12), so this is the
// figure a change to the page's start moves, steadier than the time itself.
// The trace goes to $SEATMAP_TRACE_OUT when set, for DevTools' Performance
// panel, and a V8 CPU profile of the visit to $SEATMAP_CPUPROFILE_OUT (a
// .cpuprofile for DevTools); SEATMAP_TRACE_HALL=stadium traces the stadium
// (80,000 seats) instead. Tracing costs time of its own: compare traced runs
// with traced runs.
func TestPhoneTrace(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	p := startBinary(t, t.TempDir(), map[string]string{"SEATD_ADMIN_TOKEN": testAdminToken})
	perf, name := demoPerformance(t, p.Base), "theatre"
	if os.Getenv("SEATMAP_TRACE_HALL") == "stadium" {
		perf, name = stadiumPerformance(t, p.Base), "stadium"
	}
	proxy := newCountingProxy(t, strings.TrimPrefix(p.Base, "http://"))
	newPage := browser(t)
	pp := newPhonePage(t, newPage())
	var mu sync.Mutex
	var raw []json.RawMessage
	done := make(chan struct{})
	require.NoError(t, chromedp.Listen(pp.ctx, func(ev any) {
		switch e := ev.(type) {
		case *tracing.EventDataCollected:
			mu.Lock()
			for _, v := range e.Value {
				raw = append(raw, append(json.RawMessage(nil), v...))
			}
			mu.Unlock()
		case *tracing.EventTracingComplete:
			close(done)
		}
	}))
	require.NoError(t, chromedp.Do(pp.ctx, chromedp.Navigate("about:blank")))
	_, err := chromedp.Call(pp.ctx, tracing.Start, tracing.StartParams{TransferMode: tracing.StartTransferModeReportEvents,
		TraceConfig: &tracing.TraceConfig{IncludedCategories: []string{"devtools.timeline", "disabled-by-default-devtools.timeline", "v8.execute", "blink.user_timing", "loading"}}})
	require.NoError(t, err)
	profileOut := os.Getenv("SEATMAP_CPUPROFILE_OUT")
	if profileOut != "" {
		_, err = chromedp.Call(pp.ctx, profiler.Enable, cdp.Empty{})
		require.NoError(t, err)
		_, err = chromedp.Call(pp.ctx, profiler.SetSamplingInterval, profiler.SetSamplingIntervalParams{Interval: 200})
		require.NoError(t, err)
		_, err = chromedp.Call(pp.ctx, profiler.Start, cdp.Empty{})
		require.NoError(t, err)
	}
	require.NoError(t, chromedp.Do(pp.ctx, chromedp.Navigate("http://"+proxy.ln.Addr().String()+"/#/p/"+perf)))
	waitFor(t, pp.ctx, `window.seatmap && window.seatmap.ready && window.seatmap.connected`, 120*time.Second)
	drawn := eval[float64](t, pp.ctx, `window.seatmap.firstDrawAt`)
	if profileOut != "" {
		res, err := chromedp.Call(pp.ctx, profiler.Stop, cdp.Empty{})
		require.NoError(t, err)
		b, err := json.Marshal(res.Profile)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(profileOut, b, 0o644))
	}
	_, err = chromedp.Call(pp.ctx, tracing.End, cdp.Empty{})
	require.NoError(t, err)
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("the trace did not end")
	}
	mu.Lock()
	defer mu.Unlock()
	if out := os.Getenv("SEATMAP_TRACE_OUT"); out != "" {
		b, err := json.Marshal(raw)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(out, b, 0o644))
	}
	events := make([]traceEvent, 0, len(raw))
	for _, r := range raw {
		var e traceEvent
		if json.Unmarshal(r, &e) == nil {
			events = append(events, e)
		}
	}
	busy, ok := mainThreadBusy(events, drawn)
	require.True(t, ok, "the trace holds the navigation")
	t.Logf("%s, first visit, traced: first draw %.0f ms, main thread busy %.0f ms until then", name, drawn, busy)
	require.Positive(t, busy)
	require.LessOrEqual(t, busy, drawn+1, "busy time within the time to the first draw")
}

// TestPhoneIntlCost measures what a fresh page's first Intl objects cost on
// the phone of issue 12 (4× throttling), each in a tab of its own: why
// format.js writes the venue's times from the server's zone spans, and
// touches no Intl when it loads (BENCHMARKS.md, issue 12). Logged, not
// asserted, beyond that each was made.
func TestPhoneIntlCost(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	newPage := browser(t)
	for _, c := range []struct{ name, expr string }{
		{"DateTimeFormat (a zone, its name)", `new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'Europe/Berlin', timeZoneName: 'short' }).formatToParts(new Date()).length > 0`},
		{"NumberFormat (a currency, a count)", `new Intl.NumberFormat(undefined, { style: 'currency', currency: 'EUR' }).format(12).length > 0 && new Intl.NumberFormat().format(812).length > 0`},
	} {
		var ms []string
		for range 3 {
			pp := newPhonePage(t, newPage())
			require.NoError(t, chromedp.Do(pp.ctx, chromedp.Navigate("data:text/html,<p>x")))
			took := eval[float64](t, pp.ctx, `(() => { const t = performance.now(); if (!(`+c.expr+`)) return -1; return performance.now() - t; })()`)
			require.GreaterOrEqual(t, took, 0.0, c.name)
			ms = append(ms, strconv.FormatFloat(took, 'f', 0, 64))
		}
		t.Logf("a fresh page's first %s: %s ms", c.name, strings.Join(ms, ", "))
	}
}
