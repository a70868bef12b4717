package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

const staffPassword = "correct horse battery staple"

// createStaff makes a staff user with a password, through the API as the admin.
func createStaff(t *testing.T, base, login, role string) {
	t.Helper()
	admin := newAPIClient(t, base)
	require.Equal(t, 201, admin.call("POST", "/api/v1/users", map[string]any{
		"login": login, "name": "Test " + login, "role": role, "password": staffPassword,
	}, nil, "Authorization", "Bearer "+testAdminToken))
}

// signIn signs a staff member in through the #/login page.
func signIn(t *testing.T, page context.Context, base, login string) {
	t.Helper()
	require.NoError(t, chromedp.Do(page, chromedp.Navigate(base+"/#/login")))
	waitFor(t, page, `!!document.querySelector("#login-button")`, 10*time.Second)
	eval[any](t, page, `document.querySelector("#login").value = document.querySelector("#password").value = "", null`)
	require.NoError(t, chromedp.Do(page,
		chromedp.SendKeys(chromedp.ID("#login"), login),
		chromedp.SendKeys(chromedp.ID("#password"), staffPassword),
		chromedp.Click(chromedp.ID("#login-button")),
	))
	waitFor(t, page, `location.hash === "#/staff" && !!document.querySelector("#sign-out")`, 10*time.Second)
}

// openMap opens a page with a live seat map and waits until it is drawn and live.
func openMap(t *testing.T, page context.Context, url string) {
	t.Helper()
	require.NoError(t, chromedp.Do(page, chromedp.Navigate(url)))
	waitFor(t, page, `window.seatmap && window.seatmap.ready && window.seatmap.connected`, 20*time.Second)
}

// held sets the left button as held during a move, as a real drag does.
func held(p *input.DispatchMouseEventParams) {
	p.Button = input.MouseButtonLeft
	p.Buttons = 1
}

// drag drags the mouse from one seat's centre to another's in small steps.
func drag(t *testing.T, page context.Context, from, to string) {
	t.Helper()
	type point struct{ X, Y float64 }
	a := eval[point](t, page, fmt.Sprintf(`window.seatmap.seatPoint(%q)`, from))
	b := eval[point](t, page, fmt.Sprintf(`window.seatmap.seatPoint(%q)`, to))
	actions := []chromedp.Action[chromedp.Void]{chromedp.MouseEvent(chromedp.MousePressed, a.X, a.Y, held, chromedp.ClickCount(1))}
	const steps = 8
	for i := 1; i <= steps; i++ {
		f := float64(i) / steps
		actions = append(actions, chromedp.MouseEvent(chromedp.MouseMoved, a.X+(b.X-a.X)*f, a.Y+(b.Y-a.Y)*f, held))
	}
	actions = append(actions, chromedp.MouseEvent(chromedp.MouseReleased, b.X, b.Y, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	require.NoError(t, chromedp.Do(page, actions...))
}

// TestStaffOrganizerPaintsZoneBuyerSeesIt: an organizer signs in, adds a price
// zone in the painter and drags a rectangle over 15 seats; a buyer's open seat
// map shows the zone's colour and price on exactly those seats within a second
// of the paint answer, without a reload.
func TestStaffOrganizerPaintsZoneBuyerSeesIt(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	base := startSeatd(t, nil)
	perf := demoPerformance(t, base)
	createStaff(t, base, "olga", "organizer")
	newPage := browser(t)
	painter, buyer := newPage(), newPage()

	signIn(t, painter, base, "olga")
	openMap(t, painter, base+"/#/staff/p/"+perf+"/paint")
	openMap(t, buyer, base+"/#/p/"+perf)

	var inside []string
	for r := 10; r <= 12; r++ {
		for s := 13; s <= 17; s++ {
			inside = append(inside, fmt.Sprintf("S-R%d-S%d", r, s))
		}
	}
	outside := []string{"S-R10-S12", "S-R10-S18", "S-R9-S15", "S-R13-S15", "S-R12-S18"}
	for _, s := range append(inside, outside...) {
		require.Equal(t, "standard", eval[string](t, buyer, fmt.Sprintf(`window.seatmap.zoneOf(%q)`, s)), s)
	}
	standardColor := eval[string](t, buyer, `window.seatmap.colorOf("S-R10-S13")`)
	require.Equal(t, "#2e86c1", standardColor)

	// A new zone, through the zone form.
	require.NoError(t, chromedp.Do(painter,
		chromedp.Click(chromedp.ID("#zone-add")),
		chromedp.SendKeys(chromedp.ID("#zone-name"), "Gold"),
		chromedp.SendKeys(chromedp.ID("#zone-price"), "120.00"),
		chromedp.SetValue(chromedp.ID("#zone-color"), "#d4af37"),
		chromedp.Click(chromedp.ID("#zone-save")),
	))
	waitFor(t, painter, `(document.getElementById("tool-zone-gold") || {}).ariaPressed === "true"`, 5*time.Second)
	// The buyer hears of the new zone (a refresh frame) before any seat is in it.
	waitFor(t, buyer, `document.querySelector(".legend").textContent.includes("Gold")`, 2*time.Second)

	// The buyer's page notes when every seat of the block shows Gold.
	eval[any](t, buyer, fmt.Sprintf(`(() => {
		const ids = %s;
		window.__goldAt = 0;
		const check = () => ids.every((id) => window.seatmap.zoneOf(id) === "gold" && window.seatmap.colorOf(id) === "#d4af37" && window.seatmap.priceOf(id) === 12000);
		const timer = setInterval(() => { if (check()) { window.__goldAt = Date.now(); clearInterval(timer); } }, 5);
		return null;
	})()`, jsList(inside)))

	// One real mouse drag from the block's top-left seat to its bottom-right one.
	eval[any](t, painter, `window.seatmap.zoomToSeat("S-R11-S15"), null`)
	drag(t, painter, "S-R10-S13", "S-R12-S17")
	waitFor(t, painter, `!!window.seatmap.lastStroke()`, 5*time.Second)
	type stroke struct {
		At      float64
		Changed int
		Skipped int
	}
	st := eval[stroke](t, painter, `window.seatmap.lastStroke()`)
	require.Equal(t, len(inside), st.Changed)
	require.Zero(t, st.Skipped)
	require.Contains(t, eval[string](t, painter, `document.querySelector("#paint-result").textContent`), "15 changed")

	waitFor(t, buyer, `window.__goldAt > 0`, 3*time.Second)
	lag := time.Duration(eval[float64](t, buyer, `window.__goldAt`)-st.At) * time.Millisecond
	t.Logf("zone visible on the buyer's page %v after the paint answer", lag)
	require.Less(t, lag, time.Second)
	for _, s := range outside {
		require.Equal(t, "standard", eval[string](t, buyer, fmt.Sprintf(`window.seatmap.zoneOf(%q)`, s)), s)
		require.Equal(t, standardColor, eval[string](t, buyer, fmt.Sprintf(`window.seatmap.colorOf(%q)`, s)), s)
	}
	require.Contains(t, eval[string](t, buyer, `document.querySelector(".legend").textContent`), "Gold")
}

// TestStaffBoxOfficeExtendsAndCancels: a buyer holds two seats; the box office
// extends that hold from the desk and the buyer's countdown moves later within
// a second; then cancels it and the buyer's page shows the seats free and its
// hold panel gone within a second.
func TestStaffBoxOfficeExtendsAndCancels(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	base := startSeatd(t, nil)
	perf := demoPerformance(t, base)
	createStaff(t, base, "bea", "box_office")
	newPage := browser(t)
	desk, buyer := newPage(), newPage()

	openMap(t, buyer, base+"/#/p/"+perf)
	seats := []string{"S-R4-S10", "S-R4-S11"}
	for _, s := range seats {
		require.True(t, eval[bool](t, buyer, fmt.Sprintf(`window.seatmap.select(%q)`, s)))
	}
	require.NoError(t, chromedp.Do(buyer, chromedp.Click(chromedp.ID("#hold-button"))))
	waitFor(t, buyer, `window.seatmap.holdToken() !== null && window.seatmap.expiresAt() !== null`, 10*time.Second)
	token := eval[string](t, buyer, `window.seatmap.holdToken()`)
	before := eval[float64](t, buyer, `window.seatmap.expiresAt()`)

	signIn(t, desk, base, "bea")
	openMap(t, desk, base+"/#/staff/p/"+perf+"/desk")
	row := fmt.Sprintf(`#holds-table tr[data-token=%q]`, token)
	waitFor(t, desk, fmt.Sprintf(`!!document.querySelector(%q)`, row), 5*time.Second)
	require.Equal(t, "held", eval[string](t, desk, `window.seatmap.stateOf("S-R4-S10")`))
	require.Contains(t, eval[string](t, desk, fmt.Sprintf(`document.querySelector(%q).textContent`, row)), "Buyer")

	// Extend by 30 minutes.
	require.NoError(t, chromedp.Do(desk,
		chromedp.SetValue(chromedp.CSS(row+" .extend-minutes"), "30"),
		chromedp.Click(chromedp.CSS(row+" .extend")),
	))
	lag := waitFor(t, buyer, fmt.Sprintf(`window.seatmap.expiresAt() > %f`, before+15*60*1000), time.Second)
	t.Logf("extension visible on the buyer's page after %v", lag)
	waitFor(t, desk, `document.querySelector("#desk-notice").textContent.includes("extended")`, 5*time.Second)

	// Cancel.
	require.NoError(t, chromedp.Do(desk, chromedp.Click(chromedp.CSS(row+" .cancel"))))
	lag = waitFor(t, buyer, `window.seatmap.stateOf("S-R4-S10") === "free" && window.seatmap.stateOf("S-R4-S11") === "free" &&
		window.seatmap.holdToken() === null && window.seatmap.expiresAt() === null &&
		document.querySelector("#countdown").closest("section").hidden && !document.querySelector("#hold-button").closest("section").hidden`, time.Second)
	t.Logf("cancellation visible on the buyer's page after %v", lag)
	waitFor(t, desk, fmt.Sprintf(`!document.querySelector(%q) && window.seatmap.stateOf("S-R4-S10") === "free"`, row), 5*time.Second)
}

// jsList renders strings as a JavaScript array literal.
func jsList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = fmt.Sprintf("%q", s)
	}
	return "[" + strings.Join(q, ",") + "]"
}
