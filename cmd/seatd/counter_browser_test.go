package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"
)

// buyPasses buys quantity units of a product on the web (-payment none: paid
// at once) and returns the codes of its passes.
func buyPasses(t *testing.T, base, product string, quantity int) []string {
	t.Helper()
	var o struct {
		Passes []struct{ ID, Code string }
	}
	require.Equal(t, http.StatusCreated, newAPIClient(t, base).call("POST", "/api/v1/orders", map[string]any{
		"items": []map[string]any{{"product_id": product, "quantity": quantity}},
		"buyer": map[string]string{"name": "Ada", "email": "ada@example.com"},
	}, &o))
	var codes []string
	for _, p := range o.Passes {
		codes = append(codes, p.Code)
	}
	return codes
}

// typeKeys types text into the focused field, key by key.
func typeKeys(t *testing.T, page context.Context, text string) {
	t.Helper()
	for _, k := range text {
		press(t, page, string(k))
	}
}

// TestPassCounter: at the pass counter, on a 390 px phone and by keyboard, a
// pass-counter clerk exchanges a pass voucher bought on the web (its code
// typed in lower case, in groups) for the annual pass it names, made out to
// the holder: the pass shows handed over with its QR code and prints alone;
// the same voucher again is refused, naming the pass it became. The clerk
// sees a value card's balance and ledger but takes no money. A box-office
// clerk debits 30.00 of a value card loaded with 50.00 (20.00 kept), tops
// it up, and a debit beyond the balance is refused with the balance shown;
// the card then moves to a new medium with its balance.
func TestPassCounter(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	base := startSeatd(t, nil, "-payment", "none")
	annual := createProducts(t, base,
		`{"kind":"annual","name":"Jahreskarte 2027","price":8900,"currency":"EUR","channels":["web","box_office"],"valid_from":"2027-01-01","valid_to":"2027-12-31"}`)[0]
	ids := createProducts(t, base,
		fmt.Sprintf(`{"kind":"pass_voucher","name":"Jahreskarten-Gutschein","price":8900,"currency":"EUR","channels":["web","box_office"],"exchange_for":%q}`, annual),
		`{"kind":"value","name":"Wertkarte","price":5000,"currency":"EUR","channels":["web","box_office"]}`)
	voucher := buyPasses(t, base, ids[0], 1)[0]
	card := buyPasses(t, base, ids[1], 1)[0]
	createStaff(t, base, "counter-clerk", "pass_counter")
	createStaff(t, base, "till-clerk", "box_office")

	page := browser(t)()
	require.NoError(t, chromedp.Do(page, chromedp.EmulateViewport(390, 844)))
	signIn(t, page, base, "counter-clerk")
	waitFor(t, page, `!!document.querySelector("a[href='#/counter']")`, 5*time.Second)
	require.NoError(t, chromedp.Do(page, chromedp.Navigate(base+"/#/counter")))
	waitFor(t, page, `!!document.querySelector("#counter-code")`, 10*time.Second)

	// Exchange with nothing typed stops at the code.
	tabTo(t, page, "#counter-exchange")
	press(t, page, kb.Enter)
	waitFor(t, page, `!document.querySelector("#counter-code-error").hidden && document.activeElement.id === "counter-code"`, 5*time.Second)
	typeKeys(t, page, strings.ToLower(voucher[:4]+" "+voucher[4:]))
	tabTo(t, page, "#counter-name")
	typeKeys(t, page, "Ada Lovelace")
	setValue(t, page, "#counter-birth", "1990-12-10")
	tabTo(t, page, "#counter-exchange")
	press(t, page, kb.Enter)
	waitFor(t, page, `!document.querySelector("#counter-pass").hidden && !!document.querySelector("#counter-pass .pass-qr")`, 10*time.Second)
	require.Equal(t, "handed_over", eval[string](t, page, `document.querySelector("#counter-pass [data-state]").dataset.state`))
	require.Contains(t, eval[string](t, page, `document.querySelector("#counter-pass").innerText`), "Ada Lovelace")
	require.Contains(t, eval[string](t, page, `document.querySelector("#counter-pass").innerText`), "Jahreskarte 2027")
	newCode := eval[string](t, page, `document.querySelector("#counter-pass .pass-code").dataset.code`)
	require.Len(t, newCode, 28)
	require.NotEqual(t, voucher, newCode)
	waitFor(t, page, `(() => { const i = document.querySelector("#counter-pass .pass-qr"); return i.complete && i.naturalWidth > 0 })()`, 10*time.Second)

	// Print: the pass alone (the forms and the staff bar are hidden).
	eval[any](t, page, `window.print = () => { window.__printed = document.body.dataset.print;
		window.__hidden = getComputedStyle(document.querySelector("#counter-exchange-form")).display; }, null`)
	media := func(m string) {
		t.Helper()
		_, err := chromedp.Call(page, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: m})
		require.NoError(t, err)
	}
	media("print")
	tabTo(t, page, "#counter-print")
	press(t, page, kb.Enter)
	require.Equal(t, "pass", eval[string](t, page, `window.__printed`))
	require.Equal(t, "none", eval[string](t, page, `window.__hidden`))
	media("")

	// The same voucher again: refused, naming the pass it became.
	var pass struct{ ID, State string }
	admin := newAPIClient(t, base)
	require.Equal(t, http.StatusOK, admin.call("GET", "/api/v1/pass-codes/"+newCode, nil, &pass, "Authorization", "Bearer "+testAdminToken))
	require.Equal(t, "handed_over", pass.State)
	tabTo(t, page, "#counter-code")
	typeKeys(t, page, voucher)
	tabTo(t, page, "#counter-name")
	typeKeys(t, page, "Grace Hopper")
	setValue(t, page, "#counter-birth", "1906-12-09")
	tabTo(t, page, "#counter-exchange")
	press(t, page, kb.Enter)
	waitFor(t, page, `!document.querySelector("#counter-code-error").hidden`, 10*time.Second)
	require.Contains(t, eval[string](t, page, `document.querySelector("#counter-code-error").textContent`), "already exchanged for pass "+pass.ID)

	// The value card: balance and ledger, no money for the pass counter.
	tabTo(t, page, "#card-code")
	typeKeys(t, page, card)
	press(t, page, kb.Enter)
	waitFor(t, page, `!!document.querySelector("#card-balance")`, 10*time.Second)
	require.Equal(t, "5000", eval[string](t, page, `document.querySelector("#card-balance").dataset.minor`))
	require.False(t, eval[bool](t, page, `!!document.querySelector("#card-debit") || !!document.querySelector("#card-topup")`))
	require.LessOrEqual(t, eval[int](t, page, `document.scrollingElement.scrollWidth`), 390, "the counter fits the phone")
	requireAxeClean(t, page, "pass counter")

	// A box-office clerk takes money.
	till := browser(t)()
	require.NoError(t, chromedp.Do(till, chromedp.EmulateViewport(390, 844)))
	signIn(t, till, base, "till-clerk")
	require.NoError(t, chromedp.Do(till, chromedp.Navigate(base+"/#/counter")))
	waitFor(t, till, `!!document.querySelector("#card-code")`, 10*time.Second)
	tabTo(t, till, "#card-code")
	typeKeys(t, till, card)
	press(t, till, kb.Enter)
	waitFor(t, till, `!!document.querySelector("#card-debit")`, 10*time.Second)
	book := func(button, amount string) {
		t.Helper()
		tabTo(t, till, "#card-amount")
		typeKeys(t, till, amount)
		tabTo(t, till, button)
		press(t, till, kb.Enter)
	}
	book("#card-debit", "30.00")
	waitFor(t, till, `document.querySelector("#card-balance").dataset.minor === "2000"`, 10*time.Second)
	require.Equal(t, []string{"top_up", "debit"}, eval[[]string](t, till, `[...document.querySelectorAll("#card-ledger tbody tr")].map((r) => r.dataset.kind)`))
	book("#card-topup", "10")
	waitFor(t, till, `document.querySelector("#card-balance").dataset.minor === "3000"`, 10*time.Second)
	book("#card-debit", "40")
	waitFor(t, till, `!document.querySelector("#card-amount-error").hidden`, 10*time.Second)
	require.Contains(t, eval[string](t, till, `document.querySelector("#card-amount-error").textContent`), "30.00")
	require.Equal(t, "3000", eval[string](t, till, `document.querySelector("#card-balance").dataset.minor`), "nothing debited")
	var l struct{ Balance int64 }
	require.Equal(t, http.StatusOK, admin.call("GET", "/api/v1/passes/"+eval[string](t, till, `document.querySelector("#card-box [data-pass]").dataset.pass`)+"/ledger", nil, &l,
		"Authorization", "Bearer "+testAdminToken))
	require.Equal(t, int64(3000), l.Balance)
	require.LessOrEqual(t, eval[int](t, till, `document.scrollingElement.scrollWidth`), 390)
	requireAxeClean(t, till, "pass counter with a value card")

	// Moved to a new card: a new code, the balance goes on with it.
	oldID := eval[string](t, till, `document.querySelector("#card-box [data-pass]").dataset.pass`)
	tabTo(t, till, "#card-transfer")
	press(t, till, kb.Enter)
	waitFor(t, till, `document.querySelector("#card-box [data-pass]").dataset.pass !== `+fmt.Sprintf("%q", oldID), 10*time.Second)
	require.NotEqual(t, card, eval[string](t, till, `document.querySelector("#card-box .pass-code").dataset.code`))
	require.Equal(t, "3000", eval[string](t, till, `document.querySelector("#card-balance").dataset.minor`))
	require.Equal(t, []string{"transfer"}, eval[[]string](t, till, `[...document.querySelectorAll("#card-ledger tbody tr")].map((r) => r.dataset.kind)`))
	var old struct{ State string }
	require.Equal(t, http.StatusOK, admin.call("GET", "/api/v1/pass-codes/"+card, nil, &old, "Authorization", "Bearer "+testAdminToken))
	require.Equal(t, "replaced", old.State)
}
