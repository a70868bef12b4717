package main

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"
)

// createProducts makes products through the API as the admin and returns
// their ids, in order.
func createProducts(t *testing.T, base string, bodies ...string) []string {
	t.Helper()
	staff := newAPIClient(t, base)
	var ids []string
	for _, b := range bodies {
		var p struct{ ID string }
		require.Equal(t, http.StatusCreated, staff.call("POST", "/api/v1/products", rawJSON(b), &p, "Authorization", "Bearer "+testAdminToken))
		ids = append(ids, p.ID)
	}
	return ids
}

// rawJSON is a JSON body sent as it is.
type rawJSON string

func (r rawJSON) MarshalJSON() ([]byte, error) { return []byte(r), nil }

// TestPassShop: a buyer on a 390 px phone, by keyboard alone, finds the pass
// shop from the repertoire, sees what is on sale on the web (not the
// counter's product) with its price and kind, is stopped at the name field
// when it is empty, buys 3 annual passes at 89.00 (267.00, the server's
// total), pays through the test provider's step on the order page, and then
// sees the three passes with their codes and QR codes and the personalization
// note; staff find the order in their list.
func TestPassShop(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	base := startSeatd(t, nil, "-payment", "test")
	ids := createProducts(t, base,
		`{"kind":"annual","name":"Jahreskarte 2027","price":8900,"currency":"EUR","channels":["web","box_office"],"valid_from":"2027-01-01","valid_to":"2027-12-31"}`,
		`{"kind":"day","name":"Tageskarte","price":1500,"currency":"EUR","channels":["web"],"entries":1}`,
		`{"kind":"day","name":"Counter only","price":1200,"currency":"EUR","channels":["box_office"],"entries":1}`)
	annual := ids[0]

	page := browser(t)()
	require.NoError(t, chromedp.Do(page, chromedp.EmulateViewport(390, 844), chromedp.Navigate(base+"/#/")))
	waitFor(t, page, `!!document.querySelector("#shop-link")`, 10*time.Second)
	tabTo(t, page, "#shop-link")
	press(t, page, kb.Enter)
	waitFor(t, page, `document.querySelectorAll("#shop-products li").length === 2`, 10*time.Second)
	names := eval[[]string](t, page, `[...document.querySelectorAll("#shop-products .shop-product-name")].map((e) => e.textContent)`)
	require.ElementsMatch(t, []string{"Jahreskarte 2027", "Tageskarte"}, names, "only what is on sale on the web")
	row := fmt.Sprintf(`document.querySelector('#shop-products li[data-product=%q]')`, annual)
	require.Contains(t, eval[string](t, page, row+`.innerText`), "89.00")
	require.Contains(t, eval[string](t, page, row+`.innerText`), "Annual pass")

	// Three annual passes, typed.
	tabTo(t, page, "#qty-"+annual)
	press(t, page, kb.Backspace)
	press(t, page, "3")
	waitFor(t, page, `document.querySelector("#shop-total").dataset.minor === "26700"`, 5*time.Second)

	// Buying with no name stops at the name field.
	tabTo(t, page, "#shop-buy")
	press(t, page, kb.Enter)
	waitFor(t, page, `!document.querySelector("#shop-name-error").hidden && document.activeElement.id === "shop-name"`, 5*time.Second)
	for _, k := range "Ada Lovelace" {
		press(t, page, string(k))
	}
	tabTo(t, page, "#shop-email")
	for _, k := range "ada@example.com" {
		press(t, page, string(k))
	}
	tabTo(t, page, "#shop-buy")
	press(t, page, kb.Enter)

	// The order page shows the payment step; approve it by keyboard.
	waitFor(t, page, `location.hash.startsWith("#/order/") && !!document.querySelector("#pay-approve")`, 15*time.Second)
	require.Equal(t, "26700", eval[string](t, page, `document.querySelector("#pay-amount").dataset.minor`), "the amount is the server's")
	tabTo(t, page, "#pay-approve")
	press(t, page, kb.Enter)
	waitFor(t, page, `document.querySelectorAll("#order-passes .pass-qr").length === 3`, 15*time.Second)
	require.Equal(t, "Thank you, your passes are booked", eval[string](t, page, `document.querySelector("#order-title").textContent`))
	require.Len(t, eval[[]string](t, page, `[...document.querySelectorAll("#order-passes .pass-code")].map((e) => e.dataset.code)`), 3)
	waitFor(t, page, `[...document.querySelectorAll("#order-passes .pass-qr")].every((i) => i.complete && i.naturalWidth > 0)`, 10*time.Second)
	require.True(t, eval[bool](t, page, `!!document.querySelector("#order-personalize")`), "the personalization note")
	require.Equal(t, []string{"awaiting_personalization", "awaiting_personalization", "awaiting_personalization"},
		eval[[]string](t, page, `[...document.querySelectorAll("#order-passes li")].map((e) => e.dataset.state)`))
	require.LessOrEqual(t, eval[int](t, page, `document.scrollingElement.scrollWidth`), 390, "the order page fits the phone")
	require.Equal(t, "26700", eval[string](t, page, `document.querySelector("#order-total").dataset.minor`))

	// Staff find the order of passes alone in the orders list and open it.
	createStaff(t, base, "shop-desk", "box_office")
	desk := browser(t)()
	signIn(t, desk, base, "shop-desk")
	require.NoError(t, chromedp.Do(desk, chromedp.Navigate(base+"/#/orders")))
	waitFor(t, desk, `[...document.querySelectorAll("td.perf-cell")].some((e) => e.textContent === "Passes: Jahreskarte 2027 (3)")`, 10*time.Second)
	require.NoError(t, chromedp.Do(desk, chromedp.Click(`a.order-link`)))
	waitFor(t, desk, `document.body.innerText.includes("Passes: Jahreskarte 2027 (3)") && location.hash.startsWith("#/orders/")`, 10*time.Second)
}
