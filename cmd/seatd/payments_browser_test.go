package main

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"
)

// TestPaymentsPage: with -payment test, a buyer pays through the test
// provider; an organizer on a phone opens #/payments, sees the payment with
// its order, and checks the period with the keyboard: everything matches.
// The daily check ran at start, and the page shows it.
func TestPaymentsPage(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	p := startBinary(t, t.TempDir(), map[string]string{"SEATD_ADMIN_TOKEN": testAdminToken}, "-payment", "test")
	base := p.Base
	perf := demoPerformance(t, base)
	buyer := newAPIClient(t, base)
	var hold struct{ Token string }
	require.Equal(t, 201, buyer.call("POST", "/api/v1/performances/"+perf+"/holds", map[string]any{"seats": []string{"S-R9-S1", "S-R9-S2"}}, &hold))
	var o struct {
		ID      string
		Number  string
		Status  string
		Payment struct {
			ID           string
			ClientSecret string `json:"client_secret"`
		}
	}
	require.Equal(t, 201, buyer.call("POST", "/api/v1/orders", map[string]any{"hold_token": hold.Token, "buyer": map[string]string{"name": "Ada", "email": "ada@example.com"}}, &o))
	require.Equal(t, "pending_payment", o.Status)
	var paid struct{ Status string }
	require.Equal(t, 200, buyer.call("POST", "/api/v1/payments/test/"+o.Payment.ID+"/approve", map[string]string{"client_secret": o.Payment.ClientSecret}, &paid))
	require.Equal(t, "paid", paid.Status)
	require.Contains(t, p.Stderr.String(), `msg="daily payment reconciliation"`, "the daily check ran at start")

	createStaff(t, base, "pay-olga", "organizer")
	page := browser(t)()
	require.NoError(t, chromedp.Do(page, chromedp.EmulateViewport(390, 844)))
	signIn(t, page, base, "pay-olga")
	waitFor(t, page, `!!document.querySelector('.staff-bar nav a[href="#/payments"]')`, 10*time.Second)
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.CSS(`.staff-bar nav a[href="#/payments"]`))))
	waitFor(t, page, `!!document.querySelector("#payments-table:not([hidden]) tbody tr")`, 10*time.Second)

	type row struct{ ID, Provider, Text string }
	rows := eval[[]row](t, page, `[...document.querySelectorAll("#payments-table tbody tr")].map(r => ({ ID: r.dataset.id, Provider: r.dataset.providerId, Text: r.textContent }))`)
	require.Len(t, rows, 1)
	require.Equal(t, o.Payment.ID, rows[0].Provider)
	require.Contains(t, rows[0].Text, o.Number)
	require.Contains(t, rows[0].Text, "Succeeded")
	require.Contains(t, rows[0].Text, "Payment")
	require.Contains(t, rows[0].Text, "Paid")
	// At 390 px the table scrolls inside its box, never the page.
	require.Equal(t, 390, eval[int](t, page, `document.scrollingElement.scrollWidth`))
	require.LessOrEqual(t, eval[int](t, page, `document.querySelector("#payments-table").closest(".table-scroll").clientWidth`), 390)

	// The last daily check: yesterday, nothing to match.
	waitFor(t, page, `!!document.querySelector("#reconcile-last .reconcile-verdict")`, 10*time.Second)
	require.Contains(t, eval[string](t, page, `document.querySelector("#reconcile-last").textContent`), "Everything matches: 0 payments, 0 orders")

	// Check now, from the keyboard.
	tabTo(t, page, "#reconcile-button")
	press(t, page, kb.Enter)
	waitFor(t, page, `!!document.querySelector("#reconcile-result .reconcile-verdict")`, 10*time.Second)
	require.Equal(t, "Everything matches: 1 payment, 1 order.", eval[string](t, page, `document.querySelector("#reconcile-result .reconcile-verdict").textContent`))
	require.Zero(t, eval[int](t, page, `document.querySelectorAll("#reconcile-findings li").length`))
	requireAxeClean(t, page, "payments after a check")
}
