package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// TestFareAtCheckout (issue 16): with a reduced fare set for the premium
// zone, the buyer's checkout shows a fare select per held seat (normal
// first); choosing "Student" for one seat changes its price and the total
// at once, the order is placed at the server's price for that fare, and the
// order page and the order name the fare. A staff-only fare is not offered.
func TestFareAtCheckout(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	base := startSeatd(t, nil, "-payment", "none")
	perf := demoPerformance(t, base)
	require.Equal(t, 200, adminCall(t, base, "PUT", "/api/v1/performances/"+perf+"/fares", map[string]any{"fares": []map[string]any{
		{"id": "normal"},
		{"id": "student", "name": "Student", "kind": "reduced", "prices": map[string]int64{"premium": 4500}},
		{"id": "mixer", "name": "Mixerplatz", "kind": "free", "staff_only": true},
	}}, nil))

	page := browser(t)()
	openMap(t, page, base+"/#/p/"+perf)
	seats := []string{"S-R6-S10", "S-R6-S11"}
	for _, s := range seats {
		require.True(t, eval[bool](t, page, fmt.Sprintf(`window.seatmap.select(%q)`, s)))
	}
	normal := int64(eval[float64](t, page, `window.seatmap.priceOf("S-R6-S10")`))
	require.Equal(t, int64(8900), normal)
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#hold-button"))))
	waitFor(t, page, `!!document.querySelector('[id="fare-S-R6-S10"]') && !!document.querySelector('[id="fare-S-R6-S11"]')`, 10*time.Second)
	totalMinor := func() int64 {
		return int64(eval[float64](t, page, `Number(document.querySelector("#total-amount").dataset.minor)`))
	}
	require.Equal(t, 2*normal, totalMinor())
	options := eval[[]string](t, page, `[...document.querySelector('[id="fare-S-R6-S10"]').options].map((o) => o.value)`)
	require.Equal(t, []string{"normal", "student"}, options, "the staff-only fare is not offered on the web")
	require.Equal(t, "normal", eval[string](t, page, `document.querySelector('[id="fare-S-R6-S10"]').value`))
	require.Equal(t, "Fare for Stalls · Row 6 · Seat 10", eval[string](t, page, `document.querySelector('[id="fare-S-R6-S10"]').getAttribute("aria-label")`))

	// Chosen as a person does: focus the select, pick the option.
	require.NoError(t, chromedp.Do(page,
		chromedp.Focus(chromedp.CSS(`[id="fare-S-R6-S10"]`)),
		chromedp.SetValue(chromedp.CSS(`[id="fare-S-R6-S10"]`), "student"),
	))
	eval[any](t, page, `(() => { document.querySelector('[id="fare-S-R6-S10"]').dispatchEvent(new Event("change")); return null; })()`)
	waitFor(t, page, fmt.Sprintf(`Number(document.querySelector("#total-amount").dataset.minor) === %d`, 4500+normal), 5*time.Second)
	require.Equal(t, "student", eval[string](t, page, `document.querySelector('[id="fare-S-R6-S10"]').value`), "kept after the list is drawn again")
	require.Equal(t, "fare-S-R6-S10", eval[string](t, page, `document.activeElement && document.activeElement.id`), "focus stays on the select")
	require.Contains(t, eval[string](t, page, `document.querySelector('[id="fare-S-R6-S10"]').closest("li").querySelector(".seat-price").textContent`), "45")

	require.NoError(t, chromedp.Do(page,
		chromedp.SendKeys(chromedp.ID("#buyer-name"), "Grace Hopper"),
		chromedp.SendKeys(chromedp.ID("#buyer-email"), "grace@example.com"),
		chromedp.Click(chromedp.ID("#confirm-button")),
	))
	waitFor(t, page, `!!document.querySelector("#order-number")`, 10*time.Second)
	require.Equal(t, 4500+normal, int64(eval[float64](t, page, `Number(document.querySelector("#order-total").dataset.minor)`)))
	waitFor(t, page, `!!document.querySelector('.ticket-fare[data-fare="student"]')`, 5*time.Second)
	require.Equal(t, "Fare: Student", eval[string](t, page, `document.querySelector('.ticket-fare[data-fare="student"]').textContent`))
	require.Equal(t, 1, eval[int](t, page, `document.querySelectorAll(".ticket-fare").length`), "the normal ticket names no fare")

	id := eval[string](t, page, `decodeURIComponent(location.hash.replace("#/order/", "").split("?")[0])`)
	var o struct {
		Total   int64
		Tickets []struct {
			Seat, Fare string
			Price      int64
		}
	}
	require.Equal(t, 200, adminCall(t, base, "GET", "/api/v1/orders/"+id, nil, &o))
	require.Equal(t, 4500+normal, o.Total)
	fares := map[string]string{}
	for _, tk := range o.Tickets {
		fares[tk.Seat] = fmt.Sprint(tk.Fare, " ", tk.Price)
	}
	require.Equal(t, map[string]string{"S-R6-S10": "student 4500", "S-R6-S11": "normal 8900"}, fares)
}

// TestFaresPainterAndDesk (issue 16): an organizer adds a reduced fare with
// a price for the premium zone and a staff-only free fare on the painter
// page; the box office then sells two premium seats at the counter, one at
// the free fare chosen from the seat's fare select: the total follows at
// once and the order keeps each ticket's fare and price; the staff order
// page names the fare, the sales report charts tickets by fare, and a hold
// reserved at the desk at the reduced fare keeps it.
func TestFaresPainterAndDesk(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	base := startSeatd(t, nil)
	perf := demoPerformance(t, base)
	createStaff(t, base, "olga", "organizer")
	createStaff(t, base, "dora", "box_office")
	newPage := browser(t)
	painter, desk := newPage(), newPage()

	signIn(t, painter, base, "olga")
	openMap(t, painter, base+"/#/staff/p/"+perf+"/paint")
	require.NoError(t, chromedp.Do(painter, chromedp.Click(chromedp.CSS(`#fares-details > summary`))))
	waitFor(t, painter, `!!document.querySelector('#fares-list [data-fare="normal"]')`, 10*time.Second)
	require.Contains(t, eval[string](t, painter, `document.querySelector('#fares-list [data-fare="normal"]').textContent`), "Premium")
	require.NoError(t, chromedp.Do(painter,
		chromedp.Click(chromedp.ID("#fares-add-reduced")),
		chromedp.SendKeys(chromedp.ID("#fare-name-1"), "Student"),
		chromedp.SendKeys(chromedp.ID("#fare-price-1-premium"), "45.00"),
		chromedp.Click(chromedp.ID("#fares-add-free")),
		chromedp.SendKeys(chromedp.ID("#fare-name-2"), "Mixerplatz"),
		chromedp.Click(chromedp.ID("#fares-save")),
	))
	waitFor(t, painter, `document.querySelector("#fares-status").textContent.includes("Saved 3 fares")`, 10*time.Second)
	var fares struct {
		Fares []struct {
			ID, Name, Kind string
			Prices         map[string]int64
			StaffOnly      bool `json:"staff_only"`
		}
	}
	require.Equal(t, 200, adminCall(t, base, "GET", "/api/v1/performances/"+perf+"/fares", nil, &fares))
	require.Len(t, fares.Fares, 3)
	require.Equal(t, "student", fares.Fares[1].ID)
	require.Equal(t, map[string]int64{"premium": 4500}, fares.Fares[1].Prices)
	require.False(t, fares.Fares[1].StaffOnly)
	require.Equal(t, "mixerplatz", fares.Fares[2].ID)
	require.Equal(t, "free", fares.Fares[2].Kind)
	require.True(t, fares.Fares[2].StaffOnly, "a free fare is for staff unless unticked")

	// A bad price is said before anything is sent.
	eval[any](t, painter, `(() => { document.querySelector("#fare-price-1-premium").value = "abc"; return null; })()`)
	require.NoError(t, chromedp.Do(painter, chromedp.Click(chromedp.ID("#fares-save"))))
	waitFor(t, painter, `!document.querySelector("#fares-error").hidden && document.activeElement.id === "fare-price-1-premium"`, 5*time.Second)

	// The counter: two premium seats, one at the staff-only free fare.
	signIn(t, desk, base, "dora")
	openMap(t, desk, base+"/#/staff/p/"+perf+"/desk")
	require.NoError(t, chromedp.Do(desk,
		chromedp.SetValue(chromedp.ID("#sale-best-count"), "2"),
		chromedp.SetValue(chromedp.ID("#sale-best-zone"), "premium"),
		chromedp.Click(chromedp.ID("#sale-best")),
	))
	waitFor(t, desk, `!document.querySelector(".sale-pay").hidden && document.querySelectorAll(".sale-pay .fare-select").length === 2`, 10*time.Second)
	options := eval[[]string](t, desk, `[...document.querySelector(".sale-pay .fare-select").options].map((o) => o.value)`)
	require.Equal(t, []string{"normal", "student", "mixerplatz"}, options, "staff see every fare")
	first := eval[string](t, desk, `document.querySelector(".sale-pay .fare-select").id.replace("sale-fare-", "")`)
	eval[any](t, desk, `(() => { const s = document.querySelector(".sale-pay .fare-select"); s.value = "mixerplatz"; s.dispatchEvent(new Event("change")); return null; })()`)
	waitFor(t, desk, `document.querySelector("#sale-confirm").textContent.includes("89")`, 5*time.Second)
	require.NotContains(t, eval[string](t, desk, `document.querySelector("#sale-confirm").textContent`), "178")
	require.NoError(t, chromedp.Do(desk, chromedp.Click(chromedp.ID("#sale-confirm"))))
	waitFor(t, desk, `!document.querySelector("#sale-receipt").hidden`, 10*time.Second)
	number := eval[string](t, desk, `document.querySelector("#sale-order-number").textContent`)

	var list struct {
		Items []struct {
			ID      string
			Number  string
			Total   int64
			Tickets []struct {
				Seat, Fare string
				Price      int64
			}
		}
	}
	require.Equal(t, 200, adminCall(t, base, "GET", "/api/v1/orders?performance="+perf, nil, &list))
	require.Len(t, list.Items, 1)
	o := list.Items[0]
	require.Equal(t, number, o.Number)
	require.Equal(t, int64(8900), o.Total)
	for _, tk := range o.Tickets {
		if tk.Seat == first {
			require.Equal(t, "mixerplatz 0", fmt.Sprint(tk.Fare, " ", tk.Price))
		} else {
			require.Equal(t, "normal 8900", fmt.Sprint(tk.Fare, " ", tk.Price))
		}
	}

	// The staff order page names the free ticket's fare.
	require.NoError(t, chromedp.Do(desk, chromedp.Navigate(base+"/#/orders/"+o.ID)))
	waitFor(t, desk, `!!document.querySelector('.ticket-fare-note[data-fare="mixerplatz"]')`, 10*time.Second)
	require.Contains(t, eval[string](t, desk, `document.querySelector('.ticket-fare-note[data-fare="mixerplatz"]').closest("tr").textContent`), "Mixerplatz")
	require.Equal(t, 1, eval[int](t, desk, `document.querySelectorAll(".ticket-fare-note").length`))

	// The sales report breaks the tickets down by fare.
	require.NoError(t, chromedp.Do(desk, chromedp.Navigate(base+"/#/reports")))
	waitFor(t, desk, `!!document.querySelector("#chart-fares")`, 10*time.Second)
	text := eval[string](t, desk, `document.querySelector("#chart-fares").textContent`)
	require.Contains(t, text, "mixerplatz")
	require.Contains(t, text, "normal")

	// A reservation at the desk at the reduced fare.
	var hold struct{ Token string }
	require.Equal(t, 201, adminCall(t, base, "POST", "/api/v1/performances/"+perf+"/holds", map[string]any{"seats": []string{"S-R1-S20", "S-R1-S21"}}, &hold))
	openMap(t, desk, base+"/#/staff/p/"+perf+"/desk")
	row := fmt.Sprintf(`#holds-table tr[data-token=%q]`, hold.Token)
	waitFor(t, desk, fmt.Sprintf(`!!document.querySelector(%q)`, row+" .reserve"), 10*time.Second)
	require.NoError(t, chromedp.Do(desk, chromedp.Click(chromedp.CSS(row+" .reserve"))))
	waitFor(t, desk, `!!document.querySelector(".reserve-form .reserve-fare")`, 5*time.Second)
	require.NoError(t, chromedp.Do(desk,
		chromedp.SendKeys(chromedp.CSS(".reserve-form .reserve-name"), "Ute Student"),
		chromedp.SendKeys(chromedp.CSS(".reserve-form .reserve-email"), "ute@example.com"),
		chromedp.SetValue(chromedp.CSS(".reserve-form .reserve-fare"), "student"),
		chromedp.Click(chromedp.CSS(".reserve-form .reserve-confirm")),
	))
	waitFor(t, desk, `document.querySelector("#desk-notice").textContent.includes("Reserved")`, 10*time.Second)
	require.Equal(t, 200, adminCall(t, base, "GET", "/api/v1/orders?performance="+perf+"&status=reserved", nil, &list))
	require.Len(t, list.Items, 1)
	require.Equal(t, int64(2*4500), list.Items[0].Total)
	for _, tk := range list.Items[0].Tickets {
		require.Equal(t, "student 4500", fmt.Sprint(tk.Fare, " ", tk.Price), tk.Seat)
	}
}
