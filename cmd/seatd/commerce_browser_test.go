package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// orderJSON is the part of an order the commerce tests check.
type orderJSON struct {
	ID          string
	Number      string
	Status      string
	Subtotal    int64
	Discount    int64
	VoucherCode *string `json:"voucher_code"`
	Total       int64
	Refunded    int64
	Tickets     []struct{ Seat, Status string }
}

// adminCall is an API call as the admin (bearer token).
func adminCall(t *testing.T, base, method, path string, body, out any) int {
	t.Helper()
	return newAPIClient(t, base).call(method, path, body, out, "Authorization", "Bearer "+testAdminToken)
}

// typeCode replaces what the checkout's code field holds by text, as typing does.
func typeCode(t *testing.T, page context.Context, text string) {
	t.Helper()
	eval[any](t, page, `(() => { const i = document.querySelector("#voucher-code"); i.value = ""; i.dispatchEvent(new Event("input")); return null; })()`)
	if text != "" {
		require.NoError(t, chromedp.Do(page, chromedp.SendKeys(chromedp.ID("#voucher-code"), text)))
	}
}

// codeResult waits until the code field's answer is in the given state and
// returns its text.
func codeResult(t *testing.T, page context.Context, state string) string {
	t.Helper()
	waitFor(t, page, fmt.Sprintf(`(document.querySelector("#voucher-result") || {}).dataset?.state === %q`, state), 5*time.Second)
	return eval[string](t, page, `document.querySelector("#voucher-result").textContent`)
}

// TestCommerceVoucherAtCheckout: a buyer holds two seats and types codes. An
// unknown one says so; a valid promotion shows its discount and the new total;
// a code blocked between the check and the confirm is refused at the confirm
// with the seats still held, and shows as blocked when typed again; with the
// valid code the order is placed at the discounted total.
func TestCommerceVoucherAtCheckout(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	base := startSeatd(t, nil, "-payment", "none")
	perf := demoPerformance(t, base)
	for _, p := range []map[string]any{
		{"code": "SUMMER25", "name": "Summer promo", "percent": 25},
		{"code": "LATE10", "name": "Late booker", "amount": 1000, "currency": "EUR"},
	} {
		require.Equal(t, 201, adminCall(t, base, "POST", "/api/v1/promotions", p, nil), "%v", p)
	}

	page := browser(t)()
	openMap(t, page, base+"/#/p/"+perf)
	seats := []string{"S-R6-S10", "S-R6-S11"}
	var subtotal int64
	for _, s := range seats {
		require.True(t, eval[bool](t, page, fmt.Sprintf(`window.seatmap.select(%q)`, s)))
		subtotal += int64(eval[float64](t, page, fmt.Sprintf(`window.seatmap.priceOf(%q)`, s)))
	}
	require.Positive(t, subtotal)
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#hold-button"))))
	waitFor(t, page, `window.seatmap.holdToken() !== null && !!document.querySelector("#voucher-code")`, 10*time.Second)
	token := eval[string](t, page, `window.seatmap.holdToken()`)
	totalMinor := func() int64 {
		return int64(eval[float64](t, page, `Number(document.querySelector("#total-amount").dataset.minor)`))
	}
	require.Equal(t, subtotal, totalMinor())

	start := time.Now()
	typeCode(t, page, "NOPE-1234")
	require.Contains(t, codeResult(t, page, "bad"), "not known")
	t.Logf("unknown code answered %v after typing began", time.Since(start))
	require.Equal(t, "true", eval[string](t, page, `document.querySelector("#voucher-code").getAttribute("aria-invalid")`))
	require.Equal(t, subtotal, totalMinor())

	// An amount off: the discount line and the total change at once.
	typeCode(t, page, "late10")
	text := codeResult(t, page, "ok")
	require.Contains(t, text, "Late booker")
	require.Contains(t, text, "new total")
	require.Equal(t, subtotal-1000, totalMinor())
	require.False(t, eval[bool](t, page, `document.querySelector("#discount-amount").closest(".total-line").hidden`))

	// Blocked after the check: the confirm is refused, the seats stay held.
	require.Equal(t, 200, adminCall(t, base, "POST", "/api/v1/vouchers/LATE10/block", nil, nil))
	require.NoError(t, chromedp.Do(page,
		chromedp.SendKeys(chromedp.ID("#buyer-name"), "Grace Hopper"),
		chromedp.SendKeys(chromedp.ID("#buyer-email"), "grace@example.com"),
		chromedp.Click(chromedp.ID("#confirm-button")),
	))
	require.Contains(t, codeResult(t, page, "bad"), "blocked")
	waitFor(t, page, `!document.querySelector("#error").hidden && document.querySelector("#error").textContent.includes("blocked")`, 5*time.Second)
	require.Equal(t, token, eval[string](t, page, `window.seatmap.holdToken()`))
	require.True(t, eval[bool](t, page, `location.hash.startsWith("#/p/")`))
	require.Equal(t, subtotal, totalMinor())

	// Typed again, the blocked code says so before any confirm.
	typeCode(t, page, "LATE10")
	require.Contains(t, codeResult(t, page, "bad"), "blocked")

	// A percentage: 25 % off, and the order is placed with it.
	typeCode(t, page, "Summer 25")
	text = codeResult(t, page, "ok")
	require.Contains(t, text, "Summer promo")
	discount := subtotal * 25 / 100
	require.Equal(t, subtotal-discount, totalMinor())
	require.Contains(t, eval[string](t, page, `document.querySelector("#discount-label").textContent`), "Summer promo")
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#confirm-button"))))
	waitFor(t, page, `!!document.querySelector("#order-number")`, 10*time.Second)
	require.Equal(t, subtotal-discount, int64(eval[float64](t, page, `Number(document.querySelector("#order-total").dataset.minor)`)))
	require.Contains(t, eval[string](t, page, `document.querySelector("#order-discount").textContent`), "SUMMER25")

	id := eval[string](t, page, `decodeURIComponent(location.hash.replace("#/order/", ""))`)
	var o orderJSON
	require.Equal(t, 200, adminCall(t, base, "GET", "/api/v1/orders/"+id, nil, &o))
	require.Equal(t, "paid", o.Status)
	require.Equal(t, subtotal, o.Subtotal)
	require.Equal(t, discount, o.Discount)
	require.Equal(t, subtotal-discount, o.Total)
	require.NotNil(t, o.VoucherCode)
	require.Equal(t, "SUMMER25", *o.VoucherCode)
}

// TestCommerceOrderTableAndRefund: with orders of several buyers made through
// the API, a box office clerk filters the order table by buyer, pages through
// it, opens an order and refunds one seat with a reason. The page shows the
// order partially refunded with the refund and its history, and the seat is
// free again on a buyer's seat map.
func TestCommerceOrderTableAndRefund(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	base := startSeatd(t, nil, "-payment", "none")
	perf := demoPerformance(t, base)
	createStaff(t, base, "kim", "box_office")

	order := func(name, email string, seats ...string) orderJSON {
		t.Helper()
		buyer := newAPIClient(t, base)
		var h struct{ Token string }
		require.Equal(t, 201, buyer.call("POST", "/api/v1/performances/"+perf+"/holds", map[string]any{"seats": seats}, &h))
		var o orderJSON
		require.Equal(t, 201, buyer.call("POST", "/api/v1/orders", map[string]any{
			"hold_token": h.Token, "buyer": map[string]string{"name": name, "email": email},
		}, &o, "Idempotency-Key", "order-"+h.Token))
		return o
	}
	// Twelve orders of Margaret, oldest first, between orders of others.
	var margaret []orderJSON
	for i := 1; i <= 12; i++ {
		margaret = append(margaret, order("Margaret Hamilton", "margaret@example.com",
			fmt.Sprintf("S-R8-S%d", 2*i-1), fmt.Sprintf("S-R8-S%d", 2*i)))
		if i%4 == 0 {
			order("Alan Turing", "alan@example.com", fmt.Sprintf("S-R9-S%d", i))
		}
	}

	newPage := browser(t)
	desk, buyer := newPage(), newPage()
	signIn(t, desk, base, "kim")
	require.True(t, eval[bool](t, desk, `!!document.querySelector('.staff-bar a[href="#/orders"]')`))
	require.NoError(t, chromedp.Do(desk, chromedp.Click(chromedp.CSS(`.staff-bar a[href="#/orders"]`))))
	waitFor(t, desk, `!!document.querySelector("#orders-table tbody tr")`, 10*time.Second)
	require.Equal(t, 15, eval[int](t, desk, `document.querySelectorAll("#orders-table tbody tr").length`))

	rows := func() []string {
		return eval[[]string](t, desk, `[...document.querySelectorAll("#orders-table tbody tr")].map((r) => r.dataset.number)`)
	}
	loaded := func() string {
		return eval[string](t, desk, `document.querySelector(".staff-content").dataset.loaded || ""`)
	}
	waitLoaded := func(before string) {
		t.Helper()
		waitFor(t, desk, fmt.Sprintf(`(document.querySelector(".staff-content").dataset.loaded || "") !== %q && !document.querySelector("#orders-table").hasAttribute("aria-busy")`, before), 5*time.Second)
	}
	numbers := func(os []orderJSON) []string {
		out := make([]string, len(os))
		for i, o := range os {
			out[len(os)-1-i] = o.Number // newest first
		}
		return out
	}

	// Ten a page, Margaret only.
	before := loaded()
	require.NoError(t, chromedp.Do(desk, chromedp.SetValue(chromedp.ID("#orders-limit"), "10")))
	eval[any](t, desk, `document.querySelector("#orders-limit").dispatchEvent(new Event("change")), null`)
	waitLoaded(before)
	before = loaded()
	require.NoError(t, chromedp.Do(desk, chromedp.SendKeys(chromedp.ID("#orders-buyer"), "MARGARET@")))
	waitLoaded(before)
	want := numbers(margaret)
	require.Equal(t, want[:10], rows())
	require.True(t, eval[bool](t, desk, `document.querySelector("#orders-prev").disabled`))
	require.Contains(t, eval[string](t, desk, `document.querySelector("#orders-table tbody tr").textContent`), "Margaret Hamilton")

	before = loaded()
	require.NoError(t, chromedp.Do(desk, chromedp.Click(chromedp.ID("#orders-next"))))
	waitLoaded(before)
	require.Equal(t, want[10:], rows())
	require.True(t, eval[bool](t, desk, `document.querySelector("#orders-next").disabled`))
	require.Contains(t, eval[string](t, desk, `document.querySelector("#orders-page").textContent`), "2")

	before = loaded()
	require.NoError(t, chromedp.Do(desk, chromedp.Click(chromedp.ID("#orders-prev"))))
	waitLoaded(before)
	require.Equal(t, want[:10], rows())

	// The oldest of Margaret's orders is on page two: open it from there.
	before = loaded()
	require.NoError(t, chromedp.Do(desk, chromedp.Click(chromedp.ID("#orders-next"))))
	waitLoaded(before)
	target := margaret[0]
	require.NoError(t, chromedp.Do(desk, chromedp.Click(chromedp.CSS(fmt.Sprintf(`#orders-table tr[data-number=%q] td`, target.Number)))))
	waitFor(t, desk, `!!document.querySelector("#refund-form")`, 10*time.Second)
	require.Equal(t, "#/orders/"+target.ID, eval[string](t, desk, `location.hash`))
	require.Equal(t, target.Number, eval[string](t, desk, `document.querySelector("#order-number").textContent`))
	require.Equal(t, "paid", eval[string](t, desk, `document.querySelector("#order-status .order-status").dataset.status`))
	require.Equal(t, 2, eval[int](t, desk, `document.querySelectorAll("#order-seats .refund-seat").length`))
	require.Contains(t, eval[string](t, desk, `document.querySelector("#order-history").textContent`), "Created")

	// The box office prints the hard tickets: both printed, in the history.
	require.Equal(t, "0", eval[string](t, desk, `document.querySelector("#print-status").dataset.printed`))
	require.NoError(t, chromedp.Do(desk, chromedp.Click(chromedp.ID("#print-button"))))
	waitFor(t, desk, `document.querySelector("#print-status")?.dataset.printed === "2"`, 10*time.Second)
	require.Contains(t, eval[string](t, desk, `document.querySelector("#order-history").textContent`), "Tickets printed")

	// Refund one seat; the reason is required.
	seat := target.Tickets[0].Seat
	openMap(t, buyer, base+"/#/p/"+perf)
	require.Equal(t, "sold", eval[string](t, buyer, fmt.Sprintf(`window.seatmap.stateOf(%q)`, seat)))
	require.NoError(t, chromedp.Do(desk,
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#order-seats .refund-seat[value=%q]`, seat))),
		chromedp.Click(chromedp.ID("#refund-button")),
	))
	waitFor(t, desk, `!document.querySelector("#refund-error").hidden && document.querySelector("#refund-error").textContent.includes("why")`, 5*time.Second)
	require.NoError(t, chromedp.Do(desk, chromedp.SendKeys(chromedp.ID("#refund-reason"), "Buyer is ill")))
	// A double click: both clicks reach the same button before the page can
	// answer the first (two chromedp clicks could find the form re-rendered
	// in between, and the second button gone).
	eval[any](t, desk, `(() => { const b = document.querySelector("#refund-button"); b.click(); b.click(); return null })()`)
	waitFor(t, desk, `document.querySelector("#order-status .order-status")?.dataset.status === "partially_refunded"`, 10*time.Second)
	require.Contains(t, eval[string](t, desk, `document.querySelector("#order-status").textContent`), "Partially refunded")
	require.Equal(t, 1, eval[int](t, desk, `document.querySelectorAll("#order-refunds tbody tr").length`))
	require.Contains(t, eval[string](t, desk, `document.querySelector("#order-refunds").textContent`), "Buyer is ill")
	require.Contains(t, eval[string](t, desk, `document.querySelector("#order-history").textContent`), "Buyer is ill")
	require.Equal(t, "refunded", eval[string](t, desk, fmt.Sprintf(`document.querySelector('#order-seats tr[data-seat=%q]').dataset.status`, seat)))
	require.Equal(t, 1, eval[int](t, desk, `document.querySelectorAll("#order-seats .refund-seat").length`))

	// The double click refunded once, and the seat is for sale again.
	var o orderJSON
	require.Equal(t, 200, adminCall(t, base, "GET", "/api/v1/orders/"+target.ID, nil, &o))
	require.Equal(t, "partially_refunded", o.Status)
	require.Equal(t, o.Total/2, o.Refunded)
	lag := waitFor(t, buyer, fmt.Sprintf(`window.seatmap.stateOf(%q) === "free"`, seat), 2*time.Second)
	t.Logf("refunded seat free on the buyer's map %v after the order page showed the refund", lag)
	require.Equal(t, "sold", eval[string](t, buyer, fmt.Sprintf(`window.seatmap.stateOf(%q)`, target.Tickets[1].Seat)))

	// Back to the table: the filter and the page are kept, the row shows the refund.
	require.NoError(t, chromedp.Do(desk, chromedp.Click(chromedp.CSS(`.order-page .back`))))
	waitFor(t, desk, fmt.Sprintf(`!!document.querySelector('#orders-table tr[data-number=%q]')`, target.Number), 10*time.Second)
	require.Equal(t, "MARGARET@", eval[string](t, desk, `document.querySelector("#orders-buyer").value`))
	require.Equal(t, want[10:], rows())
	require.Equal(t, "partially_refunded", eval[string](t, desk, fmt.Sprintf(`document.querySelector('#orders-table tr[data-number=%q] .order-status').dataset.status`, target.Number)))
}

// TestCommerceVouchersPageAndReport: an organizer creates a promotion and a
// batch of vouchers through the vouchers page; the new batch's codes show at
// once and are the batch's, its CSV downloads, and Block on one voucher blocks
// it. After an order with the promotion, the sales report's cards and bars
// show its gross, discount and net.
func TestCommerceVouchersPageAndReport(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	base := startSeatd(t, nil, "-payment", "none")
	perf := demoPerformance(t, base)
	createStaff(t, base, "olga", "organizer")
	page := browser(t)()
	signIn(t, page, base, "olga")
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.CSS(`.staff-bar a[href="#/vouchers"]`))))
	waitFor(t, page, `!!document.querySelector("#promo-create") && !document.querySelector("#batch-create").disabled`, 10*time.Second)

	// A promotion worth 5.00, for this performance only.
	require.NoError(t, chromedp.Do(page,
		chromedp.SendKeys(chromedp.ID("#promo-code"), "friends"),
		chromedp.SendKeys(chromedp.ID("#promo-name"), "Friends"),
		chromedp.Click(chromedp.ID("#promo-by-amount")),
		chromedp.SendKeys(chromedp.ID("#promo-value"), "5"),
		chromedp.SendKeys(chromedp.ID("#promo-max-uses"), "3"),
		chromedp.Click(chromedp.CSS(`#promo-form summary`)),
	))
	eval[any](t, page, fmt.Sprintf(`(() => { const o = document.querySelector('#promo-offerings option[value=%q]'); o.selected = true; return null; })()`, perf))
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#promo-create"))))
	waitFor(t, page, `!!document.querySelector('#promotions-table tr[data-code="FRIENDS"]')`, 5*time.Second)
	row := `#promotions-table tr[data-code="FRIENDS"]`
	require.Contains(t, eval[string](t, page, `document.querySelector('`+row+` .uses').textContent`), "0 / 3")
	require.Contains(t, eval[string](t, page, `document.querySelector('`+row+` .restrictions').textContent`), "Die Zauberflöte")
	var promo struct {
		Amount   int64
		Currency string
		MaxUses  int `json:"max_uses"`
		State    string
	}
	require.Equal(t, 200, adminCall(t, base, "GET", "/api/v1/vouchers/FRIENDS", nil, &promo))
	require.Equal(t, int64(500), promo.Amount)
	require.Equal(t, "EUR", promo.Currency)
	require.Equal(t, 3, promo.MaxUses)
	require.Equal(t, "available", promo.State)

	// A batch of four 20 % vouchers: the codes show at once.
	require.NoError(t, chromedp.Do(page,
		chromedp.SendKeys(chromedp.ID("#batch-name"), "Press"),
		chromedp.SendKeys(chromedp.ID("#batch-prefix"), "press"),
		chromedp.SetValue(chromedp.ID("#batch-count"), "4"),
		chromedp.SendKeys(chromedp.ID("#batch-value"), "20"),
		chromedp.Click(chromedp.ID("#batch-create")),
	))
	waitFor(t, page, `!document.querySelector("#batch-created").hidden && document.querySelectorAll("#batch-codes li").length === 4`, 5*time.Second)
	shown := eval[[]string](t, page, `[...document.querySelectorAll("#batch-codes li")].map((li) => li.dataset.code)`)
	var batches struct{ Items []struct{ ID, Name string } }
	require.Equal(t, 200, adminCall(t, base, "GET", "/api/v1/voucher-batches", nil, &batches))
	require.Len(t, batches.Items, 1)
	var batch struct {
		Vouchers []struct{ Code, State string }
	}
	require.Equal(t, 200, adminCall(t, base, "GET", "/api/v1/voucher-batches/"+batches.Items[0].ID, nil, &batch))
	var stored []string
	for _, v := range batch.Vouchers {
		stored = append(stored, v.Code)
	}
	require.ElementsMatch(t, stored, shown)
	for _, c := range shown {
		require.Regexp(t, `^PRESS[0-9A-Z]{12}$`, c)
	}

	// The CSV link downloads the batch with the page's own session, once the
	// list shows the new batch (it reloads after the batch is made).
	waitFor(t, page, fmt.Sprintf(`!!document.querySelector('#batches-table tr[data-batch=%q] a.batch-csv')`, batches.Items[0].ID), 5*time.Second)
	csv, err := chromedp.Run(page, chromedp.Evaluate[string](fmt.Sprintf(`(async () => {
		const a = document.querySelector('#batches-table tr[data-batch=%q] a.batch-csv');
		const r = await fetch(a.href);
		return r.status + " " + r.headers.get("Content-Type") + "\n" + await r.text();
	})()`, batches.Items[0].ID), chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.Contains(t, csv, "200 text/csv")
	for _, c := range shown {
		require.Contains(t, csv, c)
	}

	// Block one voucher from the batch's list.
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.CSS(fmt.Sprintf(`#batches-table tr[data-batch=%q] .batch-toggle`, batches.Items[0].ID)))))
	waitFor(t, page, fmt.Sprintf(`!!document.querySelector('.batch-detail tr[data-code=%q] .code-block')`, shown[0]), 5*time.Second)
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.CSS(fmt.Sprintf(`.batch-detail tr[data-code=%q] .code-block`, shown[0])))))
	waitFor(t, page, fmt.Sprintf(`document.querySelector('.batch-detail tr[data-code=%q] .code-state')?.dataset.state === "blocked" && !!document.querySelector('.batch-detail tr[data-code=%q] .code-unblock')`, shown[0], shown[0]), 5*time.Second)
	var v struct{ State string }
	require.Equal(t, 200, adminCall(t, base, "GET", "/api/v1/vouchers/"+shown[0], nil, &v))
	require.Equal(t, "blocked", v.State)

	// An order with the promotion, then the report.
	buyer := newAPIClient(t, base)
	var h struct{ Token string }
	require.Equal(t, 201, buyer.call("POST", "/api/v1/performances/"+perf+"/holds", map[string]any{"seats": []string{"S-R12-S1", "S-R12-S2"}}, &h))
	var o orderJSON
	require.Equal(t, 201, buyer.call("POST", "/api/v1/orders", map[string]any{
		"hold_token": h.Token, "buyer": map[string]string{"name": "Ada", "email": "ada@example.com"}, "voucher_code": "Friends",
	}, &o))
	require.Equal(t, int64(500), o.Discount)

	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.CSS(`.staff-bar a[href="#/reports"]`))))
	waitFor(t, page, `!!document.querySelector("#report-gross") && !!document.querySelector("#chart-zones svg")`, 10*time.Second)
	text := func(sel string) string { return eval[string](t, page, `document.querySelector("`+sel+`").textContent`) }
	money := func(minor int64) string { return fmt.Sprintf("€%d.%02d", minor/100, minor%100) }
	require.Contains(t, text("#report-gross .stat-value"), money(o.Subtotal))
	require.Contains(t, text("#report-discounts .stat-value"), money(500))
	require.Contains(t, text("#report-net .stat-value"), money(o.Total))
	require.Equal(t, 1, eval[int](t, page, `document.querySelectorAll("#chart-channels svg .chart-row").length`))
	require.Contains(t, text("#chart-channels svg"), "Web")
	// Bars are as long as their figures: net shorter than gross by the discount.
	type bars struct{ Gross, Net float64 }
	b := eval[bars](t, page, `(() => {
		const row = document.querySelector("#chart-channels svg .chart-row");
		return { gross: Number(row.querySelector(".bar-gross").getAttribute("width")), net: Number(row.querySelector(".bar-net").getAttribute("width")) };
	})()`)
	require.Positive(t, b.Net)
	require.InDelta(t, float64(o.Total)/float64(o.Subtotal), b.Net/b.Gross, 0.01)
}

// TestCommerceDeskSaleWithCode: the box office sells at the counter with a
// promotion code; a used-up code is refused with its reason and the seats
// stay held, and the sale goes through without it.
func TestCommerceDeskSaleWithCode(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	base := startSeatd(t, nil)
	perf := demoPerformance(t, base)
	createStaff(t, base, "dora", "box_office")
	require.Equal(t, 201, adminCall(t, base, "POST", "/api/v1/promotions", map[string]any{"code": "COUNTER20", "name": "Counter", "percent": 20, "max_uses": 1}, nil))

	newPage := browser(t)
	desk := newPage()
	signIn(t, desk, base, "dora")
	sell := func(code string) {
		t.Helper()
		openMap(t, desk, base+"/#/staff/p/"+perf+"/desk")
		require.NoError(t, chromedp.Do(desk, chromedp.Click(chromedp.ID("#sale-best"))))
		waitFor(t, desk, `!document.querySelector(".sale-pay").hidden`, 10*time.Second)
		require.NoError(t, chromedp.Do(desk, chromedp.SendKeys(chromedp.ID("#sale-code"), code)))
		require.NoError(t, chromedp.Do(desk, chromedp.Click(chromedp.ID("#sale-confirm"))))
	}
	sell("counter20")
	waitFor(t, desk, `!document.querySelector("#sale-receipt").hidden`, 10*time.Second)
	require.Contains(t, eval[string](t, desk, `document.querySelector("#sale-receipt").textContent`), "off with COUNTER20")
	number := eval[string](t, desk, `document.querySelector("#sale-order-number").textContent`)

	// The code's one use is gone: the next sale is told so and keeps its seats.
	sell("COUNTER20")
	waitFor(t, desk, `!document.querySelector(".sale-pay .form-error").hidden`, 10*time.Second)
	require.Contains(t, eval[string](t, desk, `document.querySelector(".sale-pay .form-error").textContent`), "used up")
	require.False(t, eval[bool](t, desk, `document.querySelector(".sale-pay").hidden`), "the seats stay held for the sale")
	eval[any](t, desk, `(() => { document.querySelector("#sale-code").value = ""; return null; })()`)
	require.NoError(t, chromedp.Do(desk, chromedp.Click(chromedp.ID("#sale-confirm"))))
	waitFor(t, desk, `!document.querySelector("#sale-receipt").hidden`, 10*time.Second)
	require.NotEqual(t, number, eval[string](t, desk, `document.querySelector("#sale-order-number").textContent`))
	require.NotContains(t, eval[string](t, desk, `document.querySelector("#sale-receipt").textContent`), "off with")
}
