package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"
)

// payPending holds seats on the buyer's page, fills the form and confirms: on
// the embedded default (-payment test) the hold panel shows the payment step.
// It returns the order's link (with its key) that the step offers.
func payPending(t *testing.T, page context.Context, base, perf string, seats ...string) string {
	t.Helper()
	openMap(t, page, base+"/#/p/"+perf)
	for _, s := range seats {
		require.True(t, eval[bool](t, page, fmt.Sprintf(`window.seatmap.select(%q)`, s)), "select %s", s)
	}
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#hold-button"))))
	waitFor(t, page, `!!document.querySelector("#confirm-button") && window.seatmap.heldSeats().length === `+fmt.Sprint(len(seats)), 10*time.Second)
	require.NoError(t, chromedp.Do(page,
		chromedp.SendKeys(chromedp.ID("#buyer-name"), "Ada Lovelace"),
		chromedp.SendKeys(chromedp.ID("#buyer-email"), "ada@example.com"),
		chromedp.Click(chromedp.ID("#confirm-button")),
	))
	// Focus moves to the payment step's heading.
	waitFor(t, page, `document.activeElement && document.activeElement.id === "pay-title"`, 10*time.Second)
	return eval[string](t, page, `document.querySelector("#pay-link").href`)
}

// orderOf reads an order as the holder of its key does.
func orderOf(t *testing.T, link string) (id string, o struct {
	Status  string `json:"status"`
	Total   int64  `json:"total"`
	Payment *struct {
		Provider string `json:"provider"`
	} `json:"payment"`
}) {
	t.Helper()
	frag := link[strings.Index(link, "#/order/")+len("#/order/"):]
	id, key, ok := strings.Cut(frag, "?key=")
	require.True(t, ok, link)
	base := link[:strings.Index(link, "/#/")]
	resp, err := http.Get(base + "/api/v1/orders/" + id + "?key=" + key)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&o))
	return id, o
}

// TestPayApproveOnAPhone: on the embedded default, as users run it, a buyer
// on a 390 px phone confirms two seats; the hold panel shows the payment
// step (heading focused, the server's amount, a countdown, the test box said
// to move no money, announced), which a reload brings back; it is reached
// and approved with the keyboard alone; the order page then shows the paid order with a ticket, code and QR
// image per seat and the payment in its history.
func TestPayApproveOnAPhone(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	dir := t.TempDir()
	p := startBinary(t, dir, nil, "-data", dir)
	perf := demoPerformance(t, p.Base)
	newPage := browser(t)
	buyer := newPage()
	require.NoError(t, chromedp.Do(buyer, chromedp.EmulateViewport(390, 844)))

	link := payPending(t, buyer, p.Base, perf, "S-R4-S10", "S-R4-S11")
	_, o := orderOf(t, link)
	require.Equal(t, "pending_payment", o.Status)
	require.Equal(t, "test", o.Payment.Provider)
	require.Equal(t, fmt.Sprint(o.Total), eval[string](t, buyer, `document.querySelector("#pay-amount").dataset.minor`), "the amount is the server's")
	require.Regexp(t, `^\d\d:\d\d$`, eval[string](t, buyer, `document.querySelector("#pay-countdown").textContent`))
	require.Contains(t, eval[string](t, buyer, `document.querySelector("#test-pay").innerText`), "Test payment — no money moves")
	waitFor(t, buyer, `document.querySelector("#announcer").textContent.includes("waiting for its payment")`, 5*time.Second)
	require.True(t, eval[bool](t, buyer, `document.querySelector("#checkout-form").hidden && document.querySelector("#confirm-button").offsetParent === null`), "the form gave way to the payment")
	require.LessOrEqual(t, eval[int](t, buyer, `document.scrollingElement.scrollWidth`), 390, "the step fits the phone")
	require.Equal(t, []string{"mine", "mine"}, eval[[]string](t, buyer, `["S-R4-S10", "S-R4-S11"].map((s) => window.seatmap.stateOf(s))`), "the seats stay the buyer's while paying")

	// A reload of the performance page finds the order waiting for its
	// payment, and shows its step again.
	require.NoError(t, chromedp.Do(buyer, chromedp.Reload()))
	waitFor(t, buyer, `window.seatmap && window.seatmap.ready && document.activeElement && document.activeElement.id === "pay-title"`, 20*time.Second)
	require.Equal(t, fmt.Sprint(o.Total), eval[string](t, buyer, `document.querySelector("#pay-amount").dataset.minor`))
	require.True(t, eval[bool](t, buyer, `document.querySelector("#choose-title").offsetParent === null`), "no seat picker while paying")

	// Keyboard only: Tab from the heading reaches Approve, Enter pays.
	tabTo(t, buyer, "#pay-approve")
	require.True(t, eval[bool](t, buyer, `(() => { const r = document.activeElement.getBoundingClientRect(); return r.left >= 0 && r.right <= 390; })()`))
	press(t, buyer, kb.Enter)
	waitFor(t, buyer, `location.hash.startsWith("#/order/") && document.querySelectorAll("#order-tickets .ticket-qr").length === 2`, 15*time.Second)
	require.Equal(t, "Thank you, your tickets are booked", eval[string](t, buyer, `document.querySelector("#order-title").textContent`))
	require.Len(t, eval[[]string](t, buyer, `[...document.querySelectorAll("#order-tickets .ticket-code")].map((e) => e.textContent)`), 2)
	waitFor(t, buyer, `[...document.querySelectorAll("#order-tickets .ticket-qr")].every((i) => i.complete && i.naturalWidth > 0)`, 10*time.Second)
	require.Equal(t, "succeeded", eval[string](t, buyer, `document.querySelector('#order-payments li[data-kind="payment"]').dataset.status`))
	require.LessOrEqual(t, eval[int](t, buyer, `document.scrollingElement.scrollWidth`), 390, "the order page fits the phone")
	_, o = orderOf(t, link)
	require.Equal(t, "paid", o.Status)
	c := perfCounts(t, p.Base, perf)
	require.Equal(t, 2, c.Sold)
}

// TestPayDeclineFreesSeats: a declined payment says so in the hold panel
// (focused, announced) and the seats turn free on another buyer's live map;
// "Choose seats again" leads back to the seat picker, where the same seats
// can be picked again; the order's page says the payment was not completed
// and links back to the performance.
func TestPayDeclineFreesSeats(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	dir := t.TempDir()
	p := startBinary(t, dir, map[string]string{"SEATD_ADMIN_TOKEN": testAdminToken}, "-data", dir)
	perf := demoPerformance(t, p.Base)
	newPage := browser(t)
	watcher := newPage()
	openMap(t, watcher, p.Base+"/#/p/"+perf)
	buyer := newPage()

	seats := `["S-R7-S3", "S-R7-S4"]`
	link := payPending(t, buyer, p.Base, perf, "S-R7-S3", "S-R7-S4")
	waitFor(t, watcher, seats+`.every((s) => window.seatmap.stateOf(s) === "held")`, 5*time.Second)

	require.NoError(t, chromedp.Do(buyer, chromedp.Click(chromedp.ID("#pay-decline"))))
	waitFor(t, buyer, `document.activeElement && document.activeElement.id === "pay-failed-title"`, 10*time.Second)
	require.Equal(t, "Payment declined", eval[string](t, buyer, `document.querySelector("#pay-failed-title").textContent`))
	require.Contains(t, eval[string](t, buyer, `document.querySelector("#pay-failed-text").textContent`), "seats were released")
	waitFor(t, buyer, `document.querySelector("#announcer").textContent.includes("declined")`, 5*time.Second)
	waitFor(t, watcher, seats+`.every((s) => window.seatmap.stateOf(s) === "free")`, 5*time.Second)
	waitFor(t, buyer, seats+`.every((s) => window.seatmap.stateOf(s) === "free")`, 5*time.Second)
	_, o := orderOf(t, link)
	require.Equal(t, "payment_failed", o.Status)

	require.NoError(t, chromedp.Do(buyer, chromedp.Click(chromedp.ID("#choose-again"))))
	waitFor(t, buyer, `document.activeElement && document.activeElement.id === "choose-title"`, 5*time.Second)
	require.True(t, eval[bool](t, buyer, `window.seatmap.select("S-R7-S3")`), "the declined seat can be picked again")
	require.NoError(t, chromedp.Do(buyer, chromedp.Click(chromedp.ID("#hold-button"))))
	waitFor(t, buyer, `window.seatmap.stateOf("S-R7-S3") === "mine" && !!document.querySelector("#confirm-button") && document.querySelector("#confirm-button").offsetParent !== null`, 10*time.Second)
	require.True(t, eval[bool](t, buyer, `document.querySelector("#pay-box").hidden && !document.querySelector("#checkout-form").hidden`), "a new hold shows the form again")

	// The order's own page.
	page := newPage()
	require.NoError(t, chromedp.Do(page, chromedp.Navigate(link)))
	waitFor(t, page, `(document.querySelector("#order-title") || {}).textContent === "Payment not completed"`, 10*time.Second)
	require.Contains(t, eval[string](t, page, `document.querySelector("#pay-failed-text").textContent`), "declined")
	require.Equal(t, "#/p/"+perf, eval[string](t, page, `document.querySelector("#back-to-performance").getAttribute("href")`))
	require.Zero(t, eval[int](t, page, `document.querySelectorAll("#pay-approve, #order-tickets").length`))
	require.Equal(t, "failed", eval[string](t, page, `document.querySelector('#order-payments li[data-kind="payment"]').dataset.status`))

	// Staff see the payment at the provider, with its id, on the order's page.
	id, _ := orderOf(t, link)
	createStaff(t, p.Base, "pay-desk", "box_office")
	desk := newPage()
	signIn(t, desk, p.Base, "pay-desk")
	require.NoError(t, chromedp.Do(desk, chromedp.Navigate(p.Base+"/#/orders/"+id)))
	waitFor(t, desk, `!!document.querySelector("#order-provider-payments tbody tr")`, 10*time.Second)
	require.Equal(t, "payment_failed", eval[string](t, desk, `document.querySelector("#order-status [data-status]").dataset.status`))
	row := eval[string](t, desk, `document.querySelector('#order-provider-payments tr[data-kind="payment"]').innerText`)
	require.Contains(t, row, "Failed")
	require.Regexp(t, `tp_\w+`, row, "the provider's payment id")
}

// TestPayAfterClosingTheTab: the buyer confirms and closes the tab before
// paying. The order's page in a new tab of the same browser shows the
// payment step (approve and decline) and keeps asking; the link the step
// offered, opened on another device, pays; the first tab turns into the paid
// order by itself.
func TestPayAfterClosingTheTab(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	dir := t.TempDir()
	p := startBinary(t, dir, nil, "-data", dir)
	perf := demoPerformance(t, p.Base)
	newPage := browser(t)
	buyer := newPage()
	require.NoError(t, chromedp.Do(buyer, chromedp.Navigate("about:blank")))

	tab, closeTab := chromedp.NewContext(buyer)
	link := payPending(t, tab, p.Base, perf, "S-R8-S5")
	id, _ := orderOf(t, link)
	closeTab()

	// A new tab of the same browser, by the order's address without its key:
	// the session that made the order may pay for it.
	again, closeAgain := chromedp.NewContext(buyer)
	defer closeAgain()
	require.NoError(t, chromedp.Do(again, chromedp.Navigate(p.Base+"/#/order/"+id)))
	waitFor(t, again, `(document.querySelector("#order-title") || {}).textContent === "Your order is waiting for its payment"`, 10*time.Second)
	waitFor(t, again, `!!document.querySelector("#pay-approve") && !!document.querySelector("#pay-decline")`, 5*time.Second)
	require.Regexp(t, `^\d\d:\d\d$`, eval[string](t, again, `document.querySelector("#pay-countdown").textContent`))
	require.Contains(t, eval[string](t, again, `document.querySelector("#test-pay").innerText`), "no money moves")

	// Another device, by the link with its key.
	phone := newPage()
	require.NoError(t, chromedp.Do(phone, chromedp.EmulateViewport(390, 844)))
	require.NoError(t, chromedp.Do(phone, chromedp.Navigate(link)))
	waitFor(t, phone, `!!document.querySelector("#pay-approve")`, 10*time.Second)
	require.NoError(t, chromedp.Do(phone, chromedp.Click(chromedp.ID("#pay-approve"))))
	waitFor(t, phone, `(document.querySelector("#order-title") || {}).textContent === "Thank you, your tickets are booked" && document.querySelectorAll("#order-tickets .ticket-qr").length === 1`, 10*time.Second)
	require.Equal(t, "order-title", eval[string](t, phone, `document.activeElement.id`), "focus goes to the news")

	// The tab that was waiting sees it by itself.
	waitFor(t, again, `(document.querySelector("#order-title") || {}).textContent === "Thank you, your tickets are booked" && document.querySelectorAll("#order-tickets .ticket-code").length === 1`, 10*time.Second)
	require.Zero(t, eval[int](t, again, `document.querySelectorAll("#pay-approve").length`))
	_, o := orderOf(t, link)
	require.Equal(t, "paid", o.Status)
}

// TestPayPagesAxe runs axe-core on the payment's page states, on a desktop
// window and a 390×844 phone: the hold panel's payment step, the order page
// of an order waiting for its payment, and of one whose payment failed.
func TestPayPagesAxe(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	axeSource(t)
	dir := t.TempDir()
	p := startBinary(t, dir, nil, "-data", dir)
	perf := demoPerformance(t, p.Base)
	newPage := browser(t)
	for i, size := range []struct {
		name string
		w, h int64
	}{{"desktop", 1280, 900}, {"phone", 390, 844}} {
		t.Run(size.name, func(t *testing.T) {
			page := newPage()
			require.NoError(t, chromedp.Do(page, chromedp.EmulateViewport(size.w, size.h)))
			link := payPending(t, page, p.Base, perf, fmt.Sprintf("S-R12-S%d", i+1))
			requireAxeClean(t, page, "the hold panel's payment step")

			other := newPage()
			require.NoError(t, chromedp.Do(other, chromedp.EmulateViewport(size.w, size.h)))
			visitAxe(t, other, axePage{name: "an order waiting for its payment", url: link, ready: `!!document.querySelector("#pay-approve")`})
			require.NoError(t, chromedp.Do(other, chromedp.Click(chromedp.ID("#pay-decline"))))
			waitFor(t, other, `(document.querySelector("#order-title") || {}).textContent === "Payment not completed"`, 10*time.Second)
			requireAxeClean(t, other, "an order whose payment failed")
			waitFor(t, page, `document.activeElement && document.activeElement.id === "pay-failed-title"`, 10*time.Second)
			requireAxeClean(t, page, "the hold panel after a failed payment")
		})
	}
}
