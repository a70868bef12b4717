package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
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
		{name: "desk", url: base + "/#/staff/p/" + perf + "/desk", ready: live + ` && !!document.querySelector(".desk-holds tbody tr, #holds-table tbody tr")`},
		{name: "orders", url: base + "/#/orders", ready: `!!document.querySelector("#orders-table:not([hidden]) tbody tr")`},
		{name: "order detail", url: base + "/#/orders/" + fx.orderID, ready: `!document.querySelector(".order-page-body .shows-status") && !!document.querySelector(".order-page-body h1")`},
		{name: "vouchers", url: base + "/#/vouchers", ready: `!!document.querySelector("#promotions-table, .vouchers") && !document.querySelector(".staff-loading")`},
		{name: "reports", url: base + "/#/reports", ready: `!!document.querySelector("#report") && document.querySelector("#report").getAttribute("aria-busy") !== "true" && document.querySelector("#report").children.length > 0`},
		{name: "hall upload", url: base + "/#/staff/halls", ready: `!!document.querySelector("#hall-file")`},
	}
}

// TestStaffPagesFitAPhone opens every staff page at 390×844: the page never
// scrolls sideways (tables scroll inside their own box).
func TestStaffPagesFitAPhone(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	base := startSeatd(t, nil)
	perf := demoPerformance(t, base)
	createStaff(t, base, "phone-admin", "admin")
	fx := staffFixture(t, base, perf)
	page := browser(t)()
	require.NoError(t, chromedp.Do(page, chromedp.EmulateViewport(390, 844)))
	signIn(t, page, base, "phone-admin")
	for _, p := range staffPagesOf(base, perf, fx) {
		require.NoError(t, chromedp.Do(page, chromedp.Navigate(p.url)))
		waitFor(t, page, p.ready, 20*time.Second)
		w := eval[int](t, page, `document.scrollingElement.scrollWidth`)
		if w > 390 {
			wide := eval[[]string](t, page, `[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 391 && !e.closest('.table-scroll')).slice(0, 8).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + '.' + [...e.classList].join('.') + ' ' + Math.round(e.getBoundingClientRect().right))`)
			t.Errorf("%s is %d px wide at 390 px: %v", p.name, w, wide)
		} else {
			t.Logf("%s: %d px wide at 390 px", p.name, w)
		}
	}
	_ = fmt.Sprint
}
