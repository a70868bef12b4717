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

// TestTillSellsABlockCard: a box-office clerk on a 390 px screen sells, by
// keyboard, a block card of 10 at 80.00 in cash at the till (#/till): the
// receipt shows 80.00 and nine cards at 0.00, each with its code; the web
// product is not offered at the counter. On the staff order page the block
// is one box for its ten cards; refunding one card alone is refused by the
// server (409), refunding the block through the page voids all ten, and the
// sales report shows it by product.
func TestTillSellsABlockCard(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	base := startSeatd(t, nil)
	ids := createProducts(t, base,
		`{"kind":"block","name":"10er-Block","price":8000,"currency":"EUR","channels":["box_office"],"cards":10}`,
		`{"kind":"day","name":"Web only","price":1500,"currency":"EUR","channels":["web"],"entries":1}`)
	block := ids[0]
	createStaff(t, base, "till-clerk", "box_office")
	page := browser(t)()
	require.NoError(t, chromedp.Do(page, chromedp.EmulateViewport(390, 844)))
	signIn(t, page, base, "till-clerk")
	require.NoError(t, chromedp.Do(page, chromedp.Navigate(base+"/#/till")))
	waitFor(t, page, `!!document.querySelector("#till-form:not([hidden]) .till-qty")`, 10*time.Second)
	require.Equal(t, []string{block}, eval[[]string](t, page, `[...document.querySelectorAll("#till-products li[data-product]")].map((e) => e.dataset.product)`),
		"only what the box office sells")

	tabTo(t, page, "#till-qty-"+block)
	press(t, page, kb.Backspace)
	press(t, page, "1")
	waitFor(t, page, `document.querySelector("#till-total").dataset.minor === "8000"`, 5*time.Second)
	tabTo(t, page, "#till-sell")
	press(t, page, kb.Enter)
	waitFor(t, page, `!document.querySelector("#till-receipt").hidden && document.querySelectorAll("#till-lines tbody tr").length === 10`, 15*time.Second)
	prices := eval[[]string](t, page, `[...document.querySelectorAll("#till-lines tbody td.num")].map((e) => e.dataset.minor)`)
	require.Equal(t, []string{"8000", "0", "0", "0", "0", "0", "0", "0", "0", "0"}, prices, "one card at the price, nine at 0")
	require.Equal(t, "8000", eval[string](t, page, `document.querySelector("#till-receipt-total").dataset.minor`))
	require.Equal(t, 10, eval[int](t, page, `[...document.querySelectorAll("#till-lines code")].filter((c) => c.textContent.length >= 20).length`), "every card has its code")
	require.Equal(t, "till-receipt", eval[string](t, page, `document.activeElement.id`), "focus moves to the receipt")
	require.LessOrEqual(t, eval[int](t, page, `document.scrollingElement.scrollWidth`), 390, "the till fits the phone")

	// The surcharge box: a card that is not inside owes nothing; a code that
	// is no pass is named so.
	firstCode := eval[string](t, page, `document.querySelector("#till-lines code").textContent`)
	require.NoError(t, chromedp.Do(page, chromedp.SendKeys(`#surcharge-code`, firstCode+"\r")))
	waitFor(t, page, `document.querySelector("#surcharge-note").textContent.includes("Nothing is due")`, 10*time.Second)
	eval[any](t, page, `document.querySelector("#surcharge-code").value = "", null`)
	require.NoError(t, chromedp.Do(page, chromedp.SendKeys(`#surcharge-code`, "NOSUCHCODE\r")))
	waitFor(t, page, `document.querySelector("#surcharge-note").textContent.includes("No time card")`, 10*time.Second)
	require.True(t, eval[bool](t, page, `document.querySelector("#surcharge-take").hidden`))

	// One card of the block alone cannot be refunded.
	orderID := eval[string](t, page, `decodeURIComponent(document.querySelector("#till-order-number").getAttribute("href").split("/").pop())`)
	var o struct {
		Passes []struct {
			ID, State string
		}
	}
	admin := newAPIClient(t, base)
	require.Equal(t, http.StatusOK, admin.call("GET", "/api/v1/orders/"+orderID, nil, &o, "Authorization", "Bearer "+testAdminToken))
	require.Len(t, o.Passes, 10)
	require.Equal(t, http.StatusConflict, admin.call("POST", "/api/v1/orders/"+orderID+"/refunds", map[string]any{
		"passes": []string{o.Passes[3].ID}, "reason": "one card", "method": "cash",
	}, nil, "Authorization", "Bearer "+testAdminToken, "Idempotency-Key", "till-one-card"))

	// The staff order page: one box for the block; refunding it voids the ten.
	require.NoError(t, chromedp.Do(page, chromedp.Click(`#till-order-number`)))
	waitFor(t, page, `document.querySelectorAll("#order-passes tbody tr").length === 10`, 10*time.Second)
	require.Equal(t, 1, eval[int](t, page, `document.querySelectorAll("#order-passes .refund-pass").length`), "a block is refunded whole")
	require.Contains(t, eval[string](t, page, `document.querySelector("#order-passes .refund-pass").getAttribute("aria-label")`), "block of 10 cards")
	require.NoError(t, chromedp.Do(page,
		chromedp.Click(`#order-passes .refund-pass`),
		chromedp.SendKeys(`#refund-reason`, "Changed their mind"),
	))
	waitFor(t, page, `document.querySelector("#refund-chosen").textContent.includes("1 pass")`, 5*time.Second)
	require.NoError(t, chromedp.Do(page, chromedp.Click(`#refund-button`)))
	waitFor(t, page, `[...document.querySelectorAll("#order-passes tbody tr")].every((r) => r.dataset.state === "void")`, 15*time.Second)
	require.Equal(t, "8000", eval[string](t, page, `document.querySelector("#order-refunded").dataset.minor`))
	require.Equal(t, http.StatusOK, admin.call("GET", "/api/v1/orders/"+orderID, nil, &o, "Authorization", "Bearer "+testAdminToken))
	for _, p := range o.Passes {
		require.Equal(t, "void", p.State, fmt.Sprintf("pass %s", p.ID))
	}

	// The sales report counts the block by product: 80.00 gross, 80.00 back.
	require.NoError(t, chromedp.Do(page, chromedp.Navigate(base+"/#/reports")))
	waitFor(t, page, `!!document.querySelector("#table-products tr[data-key='10er-Block']")`, 15*time.Second)
	require.Equal(t, []string{"10er-Block", "0", "80.00", "0.00", "80.00", "0.00"},
		eval[[]string](t, page, `[...document.querySelector("#table-products tr[data-key='10er-Block']").children].map((c) => c.textContent.replace(/[^0-9A-Za-z.-]/g, ""))`))
	require.Contains(t, eval[string](t, page, `document.querySelector("#report-passes").textContent`), "10 refunded")
}
