package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/hall"
)

// staffFix is what the staff pages show in these tests: one order, one live
// hold, and seats nobody has touched.
type staffFix struct {
	orderID   string
	orderSeat string // one seat of the order
	heldSeat  string // a seat in a live hold
	freeSeats []string
}

// staffFixture sells S-R1-S1 and S-R1-S2 and holds S-R2-S1 through the API, as
// a buyer would.
func staffFixture(t *testing.T, base, perf string) staffFix {
	t.Helper()
	buyer := newAPIClient(t, base)
	var h struct{ Token string }
	require.Equal(t, 201, buyer.call("POST", "/api/v1/performances/"+perf+"/holds", map[string]any{"seats": []string{"S-R1-S1", "S-R1-S2"}}, &h))
	var o orderJSON
	require.Equal(t, 201, buyer.call("POST", "/api/v1/orders", map[string]any{
		"hold_token": h.Token, "buyer": map[string]string{"name": "Grace Hopper", "email": "grace@example.com"},
	}, &o, "Idempotency-Key", "order-"+h.Token))
	other := newAPIClient(t, base)
	require.Equal(t, 201, other.call("POST", "/api/v1/performances/"+perf+"/holds", map[string]any{"seats": []string{"S-R2-S1"}}, nil))
	return staffFix{orderID: o.ID, orderSeat: "S-R1-S1", heldSeat: "S-R2-S1", freeSeats: []string{"S-R8-S5", "S-R8-S6", "S-R8-S7", "S-R8-S8"}}
}

// staffPagesOf lists every staff page (signed in as an admin) and when each is
// ready to look at.
func staffPagesOf(base, perf string, fx staffFix) []axePage {
	const live = `window.seatmap && window.seatmap.ready && window.seatmap.connected`
	return []axePage{
		{name: "staff performances", url: base + "/#/staff", ready: `!!document.querySelector("#performances-table:not([hidden]) tbody tr")`},
		{name: "painter", url: base + "/#/staff/p/" + perf + "/paint", ready: live},
		{name: "reschedule", url: base + "/#/staff/p/" + perf + "/reschedule", ready: `!!document.querySelector("#reschedule-form")`},
		{name: "desk", url: base + "/#/staff/p/" + perf + "/desk", ready: live + ` && !!document.querySelector(".desk-holds tbody tr, #holds-table tbody tr")`},
		{name: "orders", url: base + "/#/orders", ready: `!!document.querySelector("#orders-table:not([hidden]) tbody tr")`},
		{name: "order detail", url: base + "/#/orders/" + fx.orderID, ready: `!document.querySelector(".order-page-body .shows-status") && !!document.querySelector(".order-page-body h1")`},
		{name: "vouchers", url: base + "/#/vouchers", ready: `!!document.querySelector("#promotions-table, .vouchers") && !document.querySelector(".staff-loading")`},
		{name: "reports", url: base + "/#/reports", ready: `!!document.querySelector("#report") && document.querySelector("#report").getAttribute("aria-busy") !== "true" && document.querySelector("#report").children.length > 0`},
		{name: "hall upload", url: base + "/#/staff/halls", ready: `!!document.querySelector("#hall-file")`},
		{name: "payments", url: base + "/#/payments", ready: `!!document.querySelector(".payments-page") && !!document.querySelector("#payments-status") && document.querySelector("#payments-table").getAttribute("aria-busy") !== "true" && !!document.querySelector("#reconcile-last .reconcile-verdict, #reconcile-last .hint:not(.loading)")`},
		{name: "products", url: base + "/#/products", ready: `!!document.querySelector("#product-form") && !/Loading/.test(document.querySelector(".products-page .shows-status").textContent)`},
		{name: "till", url: base + "/#/till", ready: `!!document.querySelector("#till-status") && (document.querySelector("#till-status").hidden || !/Loading/.test(document.querySelector("#till-status").textContent))`},
		{name: "gate scanner", url: base + "/#/gate", ready: `!!document.querySelector("#gate-status") && (document.querySelector("#gate-status").hidden || !/Loading/.test(document.querySelector("#gate-status").textContent))`},
		{name: "gates", url: base + "/#/scans", ready: `!!document.querySelector("#scans-status") && !/Loading/.test(document.querySelector("#scans-status").textContent)`},
		{name: "facility", url: base + "/#/facility", ready: `!!document.querySelector("#facility-form") && document.querySelector("#facility-form").dataset.loaded === "true"`},
		{name: "passes", url: base + "/#/passes", ready: `/\d+ pass|No passes/.test((document.querySelector("#passes-status") || {}).textContent || "")`},
		{name: "production", url: base + "/#/production", ready: `!!document.querySelector("#production-queue-status") && !/Loading/.test(document.querySelector("#production-queue-status").textContent)`},
		{name: "document template", url: base + "/#/document-template", ready: `!!document.querySelector("#tpl-form") && !!document.querySelector("#tpl-form").dataset.version`},
		{name: "documents", url: base + "/#/staff/p/" + perf + "/documents", ready: `!!document.querySelector("#doc-make-settlement") && document.querySelector("#documents-list").getAttribute("aria-busy") === "false"`},
	}
}

// TestStaffPagesFitAPhone opens every staff page at 390×844: the page never
// scrolls sideways (tables scroll inside their own box).
func TestStaffPagesFitAPhone(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	base := startSeatd(t, nil, "-payment", "none")
	perf := demoPerformance(t, base)
	createStaff(t, base, "phone-admin", "admin")
	fx := staffFixture(t, base, perf)
	page := browser(t)()
	require.NoError(t, chromedp.Do(page, chromedp.EmulateViewport(390, 844)))
	login := axePage{name: "login", url: base + "/#/login", ready: `!!document.querySelector("#login-button")`}
	require.NoError(t, chromedp.Do(page, chromedp.Navigate(login.url)))
	waitFor(t, page, login.ready, 10*time.Second)
	require.LessOrEqual(t, eval[int](t, page, `document.scrollingElement.scrollWidth`), 390, "login")
	signIn(t, page, base, "phone-admin")
	for _, p := range staffPagesOf(base, perf, fx) {
		require.NoError(t, chromedp.Do(page, chromedp.Navigate(p.url)))
		waitFor(t, page, p.ready, 20*time.Second)
		w := eval[int](t, page, `document.scrollingElement.scrollWidth`)
		if w > 390 {
			wide := eval[[]string](t, page, `[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 391 && !(e.parentElement && e.parentElement.closest('.table-scroll'))).slice(0, 12).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + '.' + [...e.classList].join('.') + ' ' + Math.round(e.getBoundingClientRect().right))`)
			t.Errorf("%s is %d px wide at 390 px: %v", p.name, w, wide)
		} else {
			t.Logf("%s: %d px wide at 390 px", p.name, w)
		}
	}
}

type box struct{ X, Y, Width, Height, ViewW, ViewH float64 }

// boxOf measures an element against the window: where it is, and how big the
// window is.
func boxOf(t *testing.T, page context.Context, sel string) box {
	t.Helper()
	return eval[box](t, page, fmt.Sprintf(`(() => { const r = document.querySelector(%q).getBoundingClientRect();
		return { X: r.x, Y: r.y, Width: r.width, Height: r.height, ViewW: innerWidth, ViewH: innerHeight }; })()`, sel))
}

// TestCheckoutConfirmInView holds four seats on a 1366×768 laptop and a
// 390×844 phone: the confirm button is inside the window without scrolling.
func TestCheckoutConfirmInView(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	base := startSeatd(t, nil)
	perf := demoPerformance(t, base)
	newPage := browser(t)
	for i, size := range []struct {
		name string
		w, h int64
	}{{"laptop", 1366, 768}, {"phone", 390, 844}} {
		page := newPage()
		require.NoError(t, chromedp.Do(page, chromedp.EmulateViewport(size.w, size.h)))
		openMap(t, page, base+"/#/p/"+perf)
		for s := 1; s <= 4; s++ {
			eval[any](t, page, fmt.Sprintf(`window.seatmap.select("S-R%d-S%d"), null`, 10+i, 10+s))
		}
		eval[any](t, page, `document.querySelector("#hold-button").click(), null`)
		waitFor(t, page, `!!document.querySelector("#confirm-button") && document.querySelector("#confirm-button").offsetParent !== null && /\d+:\d\d/.test((document.querySelector("#countdown") || {}).textContent || "")`, 10*time.Second)
		scrollY := eval[float64](t, page, `scrollY`)
		b := boxOf(t, page, "#confirm-button")
		t.Logf("%s %dx%d: confirm button at x %.0f y %.0f, %.0fx%.0f; window %.0fx%.0f, page scrolled %.0f px", size.name, size.w, size.h, b.X, b.Y, b.Width, b.Height, b.ViewW, b.ViewH, scrollY)
		require.Zero(t, scrollY, "the page scrolled by itself")
		require.GreaterOrEqual(t, b.Y, 0.0)
		require.GreaterOrEqual(t, b.X, 0.0)
		require.LessOrEqual(t, b.Y+b.Height, b.ViewH, "the confirm button is below the fold")
		require.LessOrEqual(t, b.X+b.Width, b.ViewW)
		require.Greater(t, b.Height, 20.0)
		// And it is the topmost thing there: a click lands on it.
		require.True(t, eval[bool](t, page, `(() => { const b = document.querySelector("#confirm-button"), r = b.getBoundingClientRect();
			return b.contains(document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2)); })()`))
	}
}

// TestCheckoutHoldRunsOut lets a hold run out (seatd -hold-ttl 10s) after the
// buyer typed their details: the panel keeps name, e-mail and code and offers
// "Hold the same seats again", which holds them again in one click. The next
// time one seat was taken meanwhile: the panel names it, holds the one still
// free, and the kept details confirm the order.
func TestCheckoutHoldRunsOut(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	base := startSeatd(t, nil, "-hold-ttl", "10s", "-payment", "none")
	perf := demoPerformance(t, base)
	page := browser(t)()
	require.NoError(t, chromedp.Do(page, chromedp.EmulateViewport(390, 844)))
	openMap(t, page, base+"/#/p/"+perf)
	seats := []string{"S-R12-S1", "S-R12-S2"}
	for _, s := range seats {
		eval[any](t, page, fmt.Sprintf(`window.seatmap.select(%q), null`, s))
	}
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#hold-button"))))
	mine := `window.seatmap.stateOf("S-R12-S1") === "mine" && window.seatmap.stateOf("S-R12-S2") === "mine"`
	waitFor(t, page, mine, 10*time.Second)
	require.NoError(t, chromedp.Do(page,
		chromedp.SendKeys(chromedp.ID("#buyer-name"), "Ada Lovelace"),
		chromedp.SendKeys(chromedp.ID("#buyer-email"), "ada@example.com"),
		chromedp.SendKeys(chromedp.ID("#voucher-code"), "NOSUCHCODE"),
	))
	kept := `document.querySelector("#buyer-name").value === "Ada Lovelace" && document.querySelector("#buyer-email").value === "ada@example.com" && document.querySelector("#voucher-code").value === "NOSUCHCODE"`
	lapsed := `(() => { const b = document.querySelector("#hold-lapsed"); return !!b && !b.hidden && b.offsetParent !== null && document.querySelector("#rehold-button").offsetParent !== null; })()`

	waitFor(t, page, lapsed, 25*time.Second)
	require.True(t, eval[bool](t, page, kept), "the typed details were lost")
	require.Equal(t, "Hold the same seats again", eval[string](t, page, `document.querySelector("#rehold-button").textContent`))
	require.Equal(t, "free", eval[string](t, page, `window.seatmap.stateOf("S-R12-S1")`))

	// One click (Enter on the focused button does the same) holds them again.
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#rehold-button"))))
	waitFor(t, page, mine+` && /\d+:\d\d/.test(document.querySelector("#countdown").textContent) && document.querySelector("#hold-lapsed").hidden && document.querySelector("#confirm-button").offsetParent !== null`, 10*time.Second)
	require.True(t, eval[bool](t, page, kept), "the typed details were lost on holding again")

	// It runs out again; another buyer takes S-R12-S2 meanwhile.
	waitFor(t, page, lapsed, 25*time.Second)
	other := newAPIClient(t, base)
	require.Equal(t, 201, other.call("POST", "/api/v1/performances/"+perf+"/holds", map[string]any{"seats": []string{"S-R12-S2"}}, nil))
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#rehold-button"))))
	waitFor(t, page, `/no longer free/.test(document.querySelector("#hold-lapsed-text").textContent)`, 10*time.Second)
	gone := eval[[]string](t, page, `[...document.querySelectorAll(".seat-list .seat-gone .seat-name")].map(e => e.textContent)`)
	require.Len(t, gone, 1)
	require.Regexp(t, `Row 12 · Seat 2`, gone[0])
	require.Contains(t, eval[string](t, page, `document.querySelector("#hold-lapsed-text").textContent`), gone[0])
	require.Equal(t, "Hold the seat still free", eval[string](t, page, `document.querySelector("#rehold-button").textContent`))
	require.True(t, eval[bool](t, page, kept))

	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#rehold-button"))))
	waitFor(t, page, `window.seatmap.stateOf("S-R12-S1") === "mine" && window.seatmap.stateOf("S-R12-S2") === "held" && document.querySelector("#hold-lapsed").hidden`, 10*time.Second)
	// The details are still there: clear the unknown code and confirm.
	eval[any](t, page, `document.querySelector("#voucher-clear").click(), null`)
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#confirm-button"))))
	waitFor(t, page, `!!document.querySelector("#order-number") && document.querySelector("#order-number").textContent.trim().length >= 11`, 10*time.Second)
}

// TestStaffChannelsNamesAndHeldNow: in the painter the channel is chosen from
// the performance's channels or "New channel…" (no free-text box); a new one,
// once painted, joins the list. The desk and the order page name seats as
// people say them, not by id; the sales report over all performances counts
// the seats held now.
func TestStaffChannelsNamesAndHeldNow(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	base := startSeatd(t, nil, "-payment", "none")
	perf := demoPerformance(t, base)
	createStaff(t, base, "ines", "organizer")
	fx := staffFixture(t, base, perf)
	page := browser(t)()
	require.NoError(t, chromedp.Do(page, chromedp.EmulateViewport(390, 844)))
	signIn(t, page, base, "ines")

	// Painter: a select of channels.
	openMap(t, page, base+"/#/staff/p/"+perf+"/paint")
	require.Zero(t, eval[int](t, page, `document.querySelectorAll("#channel-name, input[list]").length`), "the free-text channel box is still there")
	require.Equal(t, []string{"web", "box_office", "-new"}, eval[[]string](t, page, `[...document.querySelectorAll("#channel-select option")].map(o => o.value)`))
	require.Equal(t, "New channel…", eval[string](t, page, `document.querySelector("#channel-select option[value='-new']").textContent`))
	require.True(t, eval[bool](t, page, `document.querySelector("#channel-new").closest(".tool-option").hidden`))
	eval[any](t, page, `(s => { s.value = "-new"; s.dispatchEvent(new Event("change")); })(document.querySelector("#channel-select")), null`)
	waitFor(t, page, `!document.querySelector("#channel-new").closest(".tool-option").hidden && document.activeElement === document.querySelector("#channel-new")`, 5*time.Second)
	require.NoError(t, chromedp.Do(page, chromedp.SendKeys(chromedp.ID("#channel-new"), "partner-a")))
	_, err := chromedp.Run(page, chromedp.Evaluate[any](`window.seatmap.paintSeats(["S-R3-S1", "S-R3-S2"])`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	waitFor(t, page, `[...document.querySelectorAll("#channel-select option")].some(o => o.value === "partner-a") && document.querySelector("#channel-select").value === "partner-a"`, 10*time.Second)
	require.True(t, eval[bool](t, page, `document.querySelector("#channel-new").closest(".tool-option").hidden`))

	// Desk: the live hold is named, not shown by id.
	openMap(t, page, base+"/#/staff/p/"+perf+"/desk")
	waitFor(t, page, `!!document.querySelector("#holds-table tbody tr .seats-cell")`, 10*time.Second)
	cell := eval[string](t, page, `[...document.querySelectorAll("#holds-table tbody .seats-cell")].map(c => c.textContent).join(" | ")`)
	require.Regexp(t, `Row 2 · Seat 1`, cell)
	require.NotContains(t, cell, fx.heldSeat)

	// Order page: seats and the refund boxes by name.
	require.NoError(t, chromedp.Do(page, chromedp.Navigate(base+"/#/orders/"+fx.orderID)))
	waitFor(t, page, `!!document.querySelector("#order-seats tbody th")`, 10*time.Second)
	names := eval[[]string](t, page, `[...document.querySelectorAll("#order-seats tbody th")].map(e => e.textContent)`)
	require.Len(t, names, 2)
	require.Regexp(t, `Row 1 · Seat 1$`, names[0])
	require.Regexp(t, `Row 1 · Seat 2$`, names[1])
	require.NotContains(t, eval[string](t, page, `document.querySelector("#order-seats").textContent`), fx.orderSeat)
	require.Regexp(t, `^Refund .*Row 1 · Seat 1$`, eval[string](t, page, fmt.Sprintf(`document.querySelector('#order-seats .refund-seat[value=%q]').getAttribute("aria-label")`, fx.orderSeat)))
	// Each live ticket links to its QR code, which staff may open.
	qr := eval[string](t, page, `document.querySelector("#order-seats .ticket-code-link").href`)
	require.Contains(t, qr, "/qr.svg")
	svg, err := chromedp.Run(page, chromedp.Evaluate[string](fmt.Sprintf(`fetch(%q).then(r => r.ok ? r.text() : "HTTP " + r.status)`, qr), chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.Contains(t, svg, "<svg")

	// Sales report, all performances: one seat is held now.
	require.NoError(t, chromedp.Do(page, chromedp.Navigate(base+"/#/reports")))
	waitFor(t, page, `!!document.querySelector("#report-held .stat-value")`, 10*time.Second)
	require.Equal(t, "", eval[string](t, page, `document.querySelector("#report-performance").value`))
	require.Equal(t, "1", eval[string](t, page, `document.querySelector("#report-held .stat-value").textContent.trim()`))
	require.Contains(t, eval[string](t, page, `document.querySelector("#report-held").textContent`), "1 hold in checkout")
}

// TestStaffHallUpload: an organizer chooses a layout file on #/staff/halls and
// sees it drawn before saving. A file with a duplicate seat id is refused and
// the problem stands in the outline under the row it names (and the drawing
// rings the seat); a good file is saved and becomes a hall.
func TestStaffHallUpload(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	base := startSeatd(t, nil)
	createStaff(t, base, "olga", "organizer")
	dir := t.TempDir()
	write := func(name string, l hall.Layout) string {
		data, err := json.Marshal(l)
		require.NoError(t, err)
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, data, 0o600))
		return p
	}
	bad := hall.Theatre()
	bad.Name = "Broken Theatre"
	bad.Sections[0].Rows[2].Seats[5].ID = bad.Sections[0].Rows[2].Seats[4].ID
	good := hall.Theatre()
	good.Name = "Kammerspiele"
	seats := 0
	for _, s := range good.Sections {
		for _, r := range s.Rows {
			seats += len(r.Seats)
		}
	}

	page := browser(t)()
	require.NoError(t, chromedp.Do(page, chromedp.EmulateViewport(390, 844)))
	signIn(t, page, base, "olga")
	require.NoError(t, chromedp.Do(page, chromedp.Navigate(base+"/#/staff/halls")))
	waitFor(t, page, `!!document.querySelector("#hall-file")`, 10*time.Second)
	require.True(t, eval[bool](t, page, `document.querySelector("#hall-save").disabled`))

	// The bad file: previewed, then refused with the problem at its place.
	require.NoError(t, chromedp.Do(page, chromedp.SetUploadFiles("#hall-file", []string{write("bad.json", bad)})))
	waitFor(t, page, `!document.querySelector("#hall-save").disabled`, 10*time.Second)
	require.Contains(t, eval[string](t, page, `document.querySelector("#hall-status").textContent`), fmt.Sprintf("%d seats", seats))
	// The preview drew seat dots.
	require.Greater(t, eval[int](t, page, `(() => { const c = document.querySelector("#hall-preview"), d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data; let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; })()`), 1000)
	require.Equal(t, 390, eval[int](t, page, `document.scrollingElement.scrollWidth`))
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#hall-save"))))
	waitFor(t, page, `!!document.querySelector("#hall-outline .hall-problem")`, 10*time.Second)
	type placed struct{ Path, Item, Text string }
	problems := eval[[]placed](t, page, `[...document.querySelectorAll("#hall-outline .hall-problem")].map(p => ({ Path: p.dataset.path, Item: p.closest("li[data-path]").dataset.path, Text: p.textContent }))`)
	require.Len(t, problems, 1)
	require.Equal(t, "sections[0].rows[2].seats[5].id", problems[0].Path)
	require.Equal(t, "sections[0].rows[2]", problems[0].Item, "the problem is not under the row it names")
	require.Contains(t, problems[0].Text, "duplicate seat id")
	require.Contains(t, problems[0].Text, "seat 6 (id "+bad.Sections[0].Rows[2].Seats[5].ID+")")
	require.True(t, eval[bool](t, page, `document.querySelector("#hall-outline li[data-path='sections[0]'] > details").open`))
	require.True(t, eval[bool](t, page, `(() => { const r = document.querySelector("#hall-outline .hall-problem").getBoundingClientRect(); return r.width > 0 && r.height > 0; })()`), "the problem is not shown")
	require.Contains(t, eval[string](t, page, `document.querySelector("#hall-problems").textContent`), "duplicate seat id")
	requireAxeClean(t, page, "hall upload with a problem")
	staff := newAPIClient(t, base)
	var halls struct{ Items []struct{ Name string } }
	require.Equal(t, 200, staff.call("GET", "/api/v1/halls", nil, &halls, "Authorization", "Bearer "+testAdminToken))
	for _, h := range halls.Items {
		require.NotEqual(t, bad.Name, h.Name)
	}

	// The good file: saved.
	require.NoError(t, chromedp.Do(page, chromedp.SetUploadFiles("#hall-file", []string{write("good.json", good)})))
	waitFor(t, page, `!document.querySelector("#hall-save").disabled && !document.querySelector("#hall-outline .hall-problem")`, 10*time.Second)
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#hall-save"))))
	waitFor(t, page, `!document.querySelector("#hall-saved").hidden`, 10*time.Second)
	require.Contains(t, eval[string](t, page, `document.querySelector("#hall-saved").textContent`), "Kammerspiele was saved")
	require.Equal(t, 200, staff.call("GET", "/api/v1/halls", nil, &halls, "Authorization", "Bearer "+testAdminToken))
	var names []string
	for _, h := range halls.Items {
		names = append(names, h.Name)
	}
	require.Contains(t, names, "Kammerspiele")
}
