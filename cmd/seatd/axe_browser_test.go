package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// axeVersion is the axe-core that scripts/deps.sh installs into .cache/npm.
const axeVersion = "4.10.2"

var axeScript = sync.OnceValues(func() (string, error) {
	b, err := os.ReadFile(filepath.Join("..", "..", ".cache", "npm", "node_modules", "axe-core", "axe.min.js"))
	return string(b), err
})

// axeSource returns npm's axe-core, as installed by `make deps`.
func axeSource(t *testing.T) string {
	t.Helper()
	src, err := axeScript()
	if err != nil {
		t.Fatalf("axe-core %s is not installed: run `make deps` (scripts/deps.sh): %v", axeVersion, err)
	}
	require.Contains(t, src, "axe v"+axeVersion, "axe-core in .cache/npm is not the pinned version: run `make deps`")
	return src
}

// axeViolation is one rule axe found broken, with the elements that break it.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []axeHit `json:"nodes"`
}

type axeHit struct {
	Target  []string `json:"target"`
	Summary string   `json:"failureSummary"`
}

// runAxe loads axe-core into the page and returns what it finds. The script
// goes in through the DevTools protocol (Runtime.evaluate), which the page's
// Content-Security-Policy (script-src 'self') does not govern; the test checks
// that the page really refuses an inline script, so a green run is not a page
// with a weaker policy.
func runAxe(t *testing.T, page context.Context) []axeViolation {
	t.Helper()
	if !eval[bool](t, page, `typeof window.axe === "object"`) {
		_, err := chromedp.Run(page, chromedp.Evaluate[chromedp.Void](axeSource(t)+"\n;undefined"))
		require.NoError(t, err, "load axe-core")
	}
	v, err := chromedp.Run(page, chromedp.Evaluate[[]axeViolation](`(async () => {
		// label-content-name-mismatch is experimental in axe, so off unless asked for.
		const r = await axe.run(document, { resultTypes: ['violations'], rules: { 'label-content-name-mismatch': { enabled: true } } });
		return r.violations.map(v => ({ id: v.id, impact: v.impact || '', help: v.help,
			nodes: v.nodes.map(n => ({ target: n.target.map(String), failureSummary: n.failureSummary || '' })) }));
	})()`, chromedp.EvalAwaitPromise))
	require.NoError(t, err, "axe.run")
	return v
}

// requireAxeClean fails the test on any serious or critical axe violation on
// the page, naming the rule, its impact and each element; lesser ones are logged.
func requireAxeClean(t *testing.T, page context.Context, name string) {
	t.Helper()
	var bad []string
	for _, v := range runAxe(t, page) {
		for _, n := range v.Nodes {
			line := fmt.Sprintf("%s: %s (%s) at %s: %s", name, v.ID, v.Impact, strings.Join(n.Target, " "), strings.ReplaceAll(n.Summary, "\n", " "))
			if v.Impact == "serious" || v.Impact == "critical" {
				bad = append(bad, line)
			} else {
				t.Logf("axe, not failing: %s", line)
			}
		}
	}
	if len(bad) > 0 {
		t.Errorf("axe-core found %d serious or critical problems:\n%s", len(bad), strings.Join(bad, "\n"))
	}
}

// cspBlocksInline checks that the page's policy refuses an inline script the
// page itself would add: axe's exemption comes from the DevTools protocol only.
func cspBlocksInline(t *testing.T, page context.Context) {
	t.Helper()
	ran := eval[bool](t, page, `(() => {
		window.__inlineRan = false;
		const s = document.createElement('script');
		s.textContent = 'window.__inlineRan = true';
		document.head.append(s);
		s.remove();
		return window.__inlineRan;
	})()`)
	require.False(t, ran, "the page ran an inline script: its CSP no longer forbids them")
}

// axePage is one page of the app: where it is and when it is ready.
type axePage struct {
	name  string
	url   string
	ready string
	setup func(t *testing.T, page context.Context) // after ready, before axe
}

// TestAxeEveryPage runs axe-core on every page of the app, as a buyer and as
// staff, on a desktop window and a 390×844 phone: no serious or critical
// violation anywhere.
func TestAxeEveryPage(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	axeSource(t)
	base := startSeatd(t, nil, "-payment", "none")
	perf := demoPerformance(t, base)
	createStaff(t, base, "axe-admin", "admin")
	fx := staffFixture(t, base, perf)
	createProducts(t, base,
		`{"kind":"annual","name":"Jahreskarte 2027","price":8900,"currency":"EUR","channels":["web"],"valid_from":"2027-01-01","valid_to":"2027-12-31"}`,
		`{"kind":"block","name":"10er-Block","price":8000,"currency":"EUR","channels":["web"],"cards":10}`)
	// Fares (issue 16): the checkout and the desk show a fare select per seat.
	require.Equal(t, 200, adminCall(t, base, "PUT", "/api/v1/performances/"+perf+"/fares", map[string]any{"fares": []map[string]any{
		{"id": "normal"}, {"id": "student", "name": "Student", "kind": "reduced", "prices": map[string]int64{"premium": 4500, "standard": 2900, "value": 1900}},
	}}, nil))

	replacePerformance(t, base, perf, "Axe (new date)")
	replaceLink := replacementLink(t, base, fx.orderID)
	newPage := browser(t)
	for _, size := range []struct {
		name string
		w, h int64
	}{{"desktop", 1280, 900}, {"phone", 390, 844}} {
		t.Run(size.name, func(t *testing.T) {
			buyer := newPage()
			require.NoError(t, chromedp.Do(buyer, chromedp.EmulateViewport(size.w, size.h)))
			staff := newPage()
			require.NoError(t, chromedp.Do(staff, chromedp.EmulateViewport(size.w, size.h)))
			signIn(t, staff, base, "axe-admin")

			buyerPages := []axePage{
				{name: "repertoire", url: base + "/#/", ready: `!!document.querySelector("main a[href^='#/p/']")`},
				{name: "seat map with a hold and the checkout form", url: base + "/#/p/" + perf,
					ready: `window.seatmap && window.seatmap.ready && window.seatmap.connected`,
					setup: func(t *testing.T, page context.Context) {
						seat := fx.freeSeats[0]
						if size.name == "phone" {
							seat = fx.freeSeats[1]
						}
						eval[any](t, page, fmt.Sprintf(`window.seatmap.select(%q), null`, seat))
						require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#hold-button"))))
						waitFor(t, page, `!!document.querySelector("#confirm-button") && /\d+:\d\d/.test((document.querySelector("#countdown") || {}).textContent || "")`, 10*time.Second)
						waitFor(t, page, `!!document.querySelector("#hold-panel .fare-select, .seat-list .fare-select")`, 10*time.Second)
					}},
				{name: "order confirmation", url: "", ready: `true`,
					setup: func(t *testing.T, page context.Context) {
						require.NoError(t, chromedp.Do(page,
							chromedp.SendKeys(chromedp.ID("#buyer-name"), "Ada Lovelace"),
							chromedp.SendKeys(chromedp.ID("#buyer-email"), "ada@example.com"),
							chromedp.Click(chromedp.ID("#confirm-button")),
						))
						waitFor(t, page, `!!document.querySelector("#order-number") && document.querySelector("#order-number").textContent.trim().length >= 11`, 10*time.Second)
					}},
				{name: "attend-or-refund", url: replaceLink, ready: `!!document.querySelector("#choose-refund")`},
				{name: "pass shop", url: base + "/#/shop", ready: `document.querySelectorAll("#shop-products li").length === 2`},
				{name: "order of passes", url: "", ready: `true`,
					setup: func(t *testing.T, page context.Context) {
						setValue(t, page, "#shop-products li[data-kind=annual] input", "2")
						setValue(t, page, "#shop-products li[data-kind=block] input", "1")
						require.NoError(t, chromedp.Do(page,
							chromedp.SendKeys(chromedp.ID("#shop-name"), "Ada Lovelace"),
							chromedp.SendKeys(chromedp.ID("#shop-email"), "ada@example.com"),
							chromedp.Click(chromedp.ID("#shop-buy")),
						))
						waitFor(t, page, `document.querySelectorAll("#order-passes li").length === 12`, 10*time.Second)
					}},
				{name: "personalization", url: "", ready: `true`,
					setup: func(t *testing.T, page context.Context) {
						require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#order-personalize-link"))))
						waitFor(t, page, `document.querySelectorAll("#personalize-passes form").length === 2`, 10*time.Second)
					}},
			}
			for _, p := range buyerPages {
				visitAxe(t, buyer, p)
			}
			cspBlocksInline(t, buyer)

			staffPages := []axePage{
				{name: "login", url: base + "/#/login", ready: `!!document.querySelector("#login-button")`},
			}
			for _, p := range staffPages {
				visitAxe(t, newPage(), p)
			}
			for _, p := range staffPagesOf(base, perf, fx) {
				visitAxe(t, staff, p)
			}
			// A pass's page: one of the passes the buyer bought above.
			visitAxe(t, staff, axePage{name: "a pass", url: base + "/#/passes", ready: `!!document.querySelector("#passes-table a.pass-link")`,
				setup: func(t *testing.T, page context.Context) {
					require.NoError(t, chromedp.Do(page, chromedp.Click(`#passes-table a.pass-link`)))
					waitFor(t, page, `!!document.querySelector("#pass-history")`, 10*time.Second)
				}})
		})
	}
}

// visitAxe opens the page, waits until it is ready and runs axe on it.
func visitAxe(t *testing.T, page context.Context, p axePage) {
	t.Helper()
	if p.url != "" { // "" stays on the page the last one left
		require.NoError(t, chromedp.Do(page, chromedp.Navigate(p.url)))
	}
	waitFor(t, page, p.ready, 20*time.Second)
	if p.setup != nil {
		p.setup(t, page)
	}
	requireAxeClean(t, page, p.name)
}
