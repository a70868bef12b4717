package main

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"
)

// TestGateScanner: a gate person on a 390 px phone signs in and lands on the
// scanner, chooses the gate once (the device remembers it after a reload),
// types a single-entry pass's code: green, granted; again: red, "Already
// used". The network drops: the next scan is let through provisionally
// (amber) and queued on the device; when the network is back the queue
// uploads, and the scan log shows it as an offline scan whose verdict the
// rules contradict. The staff page shows one person inside, and a second
// one live, when another gate lets them in.
func TestGateScanner(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	base := startSeatd(t, nil, "-payment", "none")
	admin := newAPIClient(t, base)
	auth := []string{"Authorization", "Bearer " + testAdminToken}
	ids := createProducts(t, base, `{"kind":"day","name":"Tageskarte","price":1500,"currency":"EUR","channels":["web"],"entries":1}`)
	var o struct {
		Passes []struct{ Code string }
	}
	buyer := newAPIClient(t, base)
	require.Equal(t, http.StatusCreated, buyer.call("POST", "/api/v1/orders", map[string]any{
		"items": []map[string]any{{"product_id": ids[0], "quantity": 2}}, "buyer": map[string]string{"name": "Ada", "email": "ada@example.com"},
	}, &o))
	require.Len(t, o.Passes, 2)
	var g struct{ ID string }
	require.Equal(t, http.StatusCreated, admin.call("POST", "/api/v1/gates", map[string]any{"name": "North"}, &g, auth...))
	require.Equal(t, http.StatusCreated, admin.call("POST", "/api/v1/gates", map[string]any{"name": "South"}, nil, auth...))
	createStaff(t, base, "turnstile", "gate")

	page := browser(t)()
	require.NoError(t, chromedp.Do(page, chromedp.EmulateViewport(390, 844), chromedp.Navigate(base+"/#/login")))
	waitFor(t, page, `!!document.querySelector("#login-button")`, 10*time.Second)
	require.NoError(t, chromedp.Do(page,
		chromedp.SendKeys(chromedp.ID("#login"), "turnstile"),
		chromedp.SendKeys(chromedp.ID("#password"), staffPassword),
		chromedp.Click(chromedp.ID("#login-button"))))
	waitFor(t, page, `location.hash === "#/gate" && document.querySelector("#gate-pick-form")?.hidden === false`, 10*time.Second)

	// The gate is chosen once, by keyboard.
	eval[any](t, page, fmt.Sprintf(`document.querySelector("#gate-pick").value = %q, null`, g.ID))
	tabTo(t, page, "#gate-pick-ok")
	press(t, page, kb.Enter)
	waitFor(t, page, `document.querySelector("#gate-scanner")?.hidden === false && document.querySelector("#gate-name")?.textContent === "North"`, 5*time.Second)
	require.Equal(t, "gate-code", eval[string](t, page, `document.activeElement.id`), "ready to type a code")
	require.LessOrEqual(t, eval[int](t, page, `document.scrollingElement.scrollWidth`), 390, "the scanner fits the phone")

	scan := func(code string) {
		t.Helper()
		waitFor(t, page, `document.querySelector("#gate-verdict")?.hidden === true`, 5*time.Second)
		for _, k := range code {
			press(t, page, string(k))
		}
		press(t, page, kb.Enter)
	}
	scan(o.Passes[0].Code)
	waitFor(t, page, `document.querySelector("#gate-verdict").dataset.verdict === "granted" && !document.querySelector("#gate-verdict").hidden`, 10*time.Second)
	require.Equal(t, "rgb(11, 107, 47)", eval[string](t, page, `getComputedStyle(document.querySelector("#gate-verdict")).backgroundColor`), "green")
	require.Contains(t, eval[string](t, page, `document.querySelector("#gate-verdict").innerText`), "Granted")
	eval[any](t, page, `document.querySelector("#gate-verdict").click(), null`)
	scan(o.Passes[0].Code)
	waitFor(t, page, `document.querySelector("#gate-verdict").dataset.verdict === "denied" && !document.querySelector("#gate-verdict").hidden`, 10*time.Second)
	require.Contains(t, eval[string](t, page, `document.querySelector("#gate-verdict").innerText`), "Already used")
	eval[any](t, page, `document.querySelector("#gate-verdict").click(), null`)

	// The device remembers its gate.
	require.NoError(t, chromedp.Do(page, chromedp.Reload()))
	waitFor(t, page, `!!document.querySelector("#gate-scanner") && !document.querySelector("#gate-scanner").hidden && document.querySelector("#gate-name").textContent === "North"`, 10*time.Second)

	// Offline: let through provisionally, queued, uploaded when back.
	_, err := chromedp.Call(page, network.Enable, network.EnableParams{})
	require.NoError(t, err)
	_, err = chromedp.Call(page, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		MatchedNetworkConditions: []*network.Conditions{{Offline: true}},
	})
	require.NoError(t, err)
	eval[any](t, page, `document.querySelector("#gate-code").focus(), null`)
	scan(o.Passes[0].Code)
	waitFor(t, page, `document.querySelector("#gate-verdict").dataset.verdict === "offline" && !document.querySelector("#gate-verdict").hidden`, 10*time.Second)
	require.Equal(t, "1", eval[string](t, page, `document.querySelector("#gate-queue").dataset.count`))
	_, err = chromedp.Call(page, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		MatchedNetworkConditions: []*network.Conditions{{}},
	})
	require.NoError(t, err)
	eval[any](t, page, `window.dispatchEvent(new Event("online")), null`)
	waitFor(t, page, `document.querySelector("#gate-queue")?.dataset.count === "0"`, 20*time.Second)

	var log struct {
		Items []struct {
			Verdict, Reason, Conflict string
			Offline                   bool
		}
	}
	require.Equal(t, http.StatusOK, admin.call("GET", "/api/v1/scans?conflict=true", nil, &log, auth...))
	require.Len(t, log.Items, 1)
	require.True(t, log.Items[0].Offline)
	require.Equal(t, "used_up", log.Items[0].Reason)

	// The gates page: one person inside, the log with the three scans.
	require.NoError(t, chromedp.Do(page, chromedp.Navigate(base+"/#/scans")))
	waitFor(t, page, `!!document.querySelector("#occupancy-total") && document.querySelectorAll("#scans-table tbody tr[data-scan]").length === 3`, 10*time.Second)
	require.Equal(t, "1", eval[string](t, page, `document.querySelector("#occupancy-total .stat-value").dataset.count`))
	// Live: a scan at another gate shows on the open page, without a reload.
	waitFor(t, page, `document.querySelector("#occupancy")?.dataset.live === "true"`, 10*time.Second)
	require.Equal(t, http.StatusOK, admin.call("POST", "/api/v1/scans", map[string]string{"code": o.Passes[1].Code, "gate_id": g.ID, "direction": "in", "nonce": "live-1"}, nil, auth...))
	waitFor(t, page, `document.querySelector("#occupancy-total .stat-value")?.dataset.count === "2"`, 10*time.Second)
	require.LessOrEqual(t, eval[int](t, page, `document.scrollingElement.scrollWidth`), 390, "the gates page fits the phone")
}
