package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/internal/testkit"
)

// Issue 10, item 11: money.Format(1000, "JPY") printed "10.00 JPY" in e-mails
// and the order history, as every currency was taken to have cents. These
// tests sell the demo performance in yen with the built binary, as a user
// runs it (-data's default, the admin token the first start prints).

// yenZones prices the demo performance in yen: Value 1000, Standard 2500,
// Premium 4000. The seats keep their zones.
func yenZones(t *testing.T, base, token, perf string) {
	t.Helper()
	zones := []map[string]any{
		{"id": "premium", "name": "Premium", "price": 4000, "currency": "JPY", "color": "#c0392b"},
		{"id": "standard", "name": "Standard", "price": 2500, "currency": "JPY", "color": "#2e86c1"},
		{"id": "value", "name": "Value", "price": 1000, "currency": "JPY", "color": "#27ae60"},
	}
	require.Equal(t, 200, newAPIClient(t, base).call("PUT", "/api/v1/performances/"+perf+"/zones", zones, nil, "Authorization", "Bearer "+token))
}

// outboxMail waits until n e-mails are in the outbox and returns their texts.
func outboxMail(t *testing.T, dir string, n int) []string {
	t.Helper()
	var files []string
	testkit.Eventually(t, 30*time.Second, fmt.Sprintf("%d e-mails in %s", n, dir), func() bool {
		files, _ = filepath.Glob(filepath.Join(dir, "*.eml"))
		return len(files) >= n
	})
	var out []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		msg, err := mail.ReadMessage(bytes.NewReader(data))
		require.NoError(t, err)
		body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
		require.NoError(t, err)
		out = append(out, msg.Header.Get("Subject")+"\n"+string(body))
	}
	return out
}

// act runs browser actions, failing the test rather than waiting for ever for
// an element that does not come.
func act(t *testing.T, page context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(page, 20*time.Second)
	defer cancel()
	require.NoError(t, chromedp.Do(ctx, actions...))
}

// TestMoneyYenInEmailsAndHistory: an order of two ¥1,000 seats and a refund of
// ¥300 read 2000 JPY and 300 JPY in the e-mails and the order history, where
// they read 20.00 JPY and 3.00 JPY.
func TestMoneyYenInEmailsAndHistory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := startBinary(t, dir, nil, "-payment", "none")
	token := p.AdminToken()
	require.NotEmpty(t, token)
	staff := func(method, path string, body, out any) int {
		return newAPIClient(t, p.Base).call(method, path, body, out, "Authorization", "Bearer "+token, "Idempotency-Key", "k-"+path)
	}
	perf := demoPerformance(t, p.Base)
	yenZones(t, p.Base, token, perf)

	buyer := newAPIClient(t, p.Base)
	var hold struct{ Token string }
	require.Equal(t, 201, buyer.call("POST", "/api/v1/performances/"+perf+"/holds", map[string]any{"seats": []string{"B-R1-S10", "B-R1-S11"}}, &hold))
	var o struct {
		ID       string
		Total    int64
		Currency string
	}
	require.Equal(t, 201, buyer.call("POST", "/api/v1/orders", map[string]any{"hold_token": hold.Token, "buyer": map[string]string{"name": "Ada", "email": "ada@example.com"}}, &o, "Idempotency-Key", "yen-1"))
	require.Equal(t, int64(2000), o.Total, "two seats at ¥1,000, in yen: JPY has no minor unit")
	require.Equal(t, "JPY", o.Currency)
	require.Equal(t, 201, staff("POST", "/api/v1/orders/"+o.ID+"/refunds", map[string]any{"amount": 300, "reason": "Late start", "method": "cash"}, nil))

	var h struct {
		History []struct{ Action, Detail string }
	}
	require.Equal(t, 200, staff("GET", "/api/v1/orders/"+o.ID+"/history", nil, &h))
	var details []string
	for _, e := range h.History {
		details = append(details, e.Detail)
	}
	all := strings.Join(details, "\n")
	require.Contains(t, all, "2 seat(s), 2000 JPY")
	require.Contains(t, all, "300 JPY")
	require.NotContains(t, all, ".00 JPY")

	mails := outboxMail(t, filepath.Join(dir, "data", "outbox"), 2)
	text := strings.Join(mails, "\n----\n")
	require.Regexp(t, `Balcony, row 1, seat 10 +Value +1000 JPY`, text)
	require.Regexp(t, `Total +2000 JPY`, text)
	require.Contains(t, text, "We have refunded 300 JPY (Late start).")
	require.Regexp(t, `Refunded +-300 JPY`, text)
	require.NotContains(t, text, ".00 JPY")
	p.Stop()
}

// TestMoneyYenInBrowser: with the demo performance in yen, the buyer's page
// shows the ¥1,000 zone as ¥1,000 (not ¥10.00) on the legend, the selection,
// the checkout and the order; the organizer types zone prices in whole yen
// ("2,500" is ¥2,500, not ¥3; "12.50" is refused, not rounded); the order page
// shows the history in yen and refunds an amount typed in yen. The page counts
// every currency's decimals as the server does (the browser's own data differs
// for HUF, MNT and a few more).
func TestMoneyYenInBrowser(t *testing.T) {
	t.Parallel()
	p := startBinary(t, t.TempDir(), nil, "-payment", "none")
	base, token := p.Base, p.AdminToken()
	require.NotEmpty(t, token)
	perf := demoPerformance(t, base)
	yenZones(t, base, token, perf)
	require.Equal(t, 201, newAPIClient(t, base).call("POST", "/api/v1/users", map[string]any{
		"login": "olga", "name": "Olga", "role": "organizer", "password": staffPassword,
	}, nil, "Authorization", "Bearer "+token))
	newPage := browser(t)
	buyer, staff := newPage(), newPage()
	text := func(page context.Context, sel string) string {
		t.Helper()
		return eval[string](t, page, fmt.Sprintf(`document.querySelector(%q)?.textContent ?? ""`, sel))
	}

	// The buyer: legend, selection, checkout and order in yen.
	openMap(t, buyer, base+"/#/p/"+perf)
	legend := text(buyer, ".legend")
	require.Contains(t, legend, "¥1,000")
	require.Contains(t, legend, "¥2,500")
	require.NotContains(t, legend, "¥10.00")
	for _, s := range []string{"B-R1-S10", "B-R1-S11"} {
		require.Equal(t, 1000.0, eval[float64](t, buyer, fmt.Sprintf(`window.seatmap.priceOf(%q)`, s)))
		require.True(t, eval[bool](t, buyer, fmt.Sprintf(`window.seatmap.select(%q)`, s)))
	}
	waitFor(t, buyer, `document.querySelector(".total-amount")?.textContent === "¥2,000"`, 5*time.Second)
	act(t, buyer, chromedp.Click(chromedp.ID("#hold-button")))
	waitFor(t, buyer, `window.seatmap.holdToken() !== null && document.querySelector("#total-amount")?.textContent === "¥2,000"`, 10*time.Second)
	require.Equal(t, "2000", eval[string](t, buyer, `document.querySelector("#total-amount").dataset.minor`))
	act(t, buyer,
		chromedp.SendKeys(chromedp.ID("#buyer-name"), "Ada Lovelace"),
		chromedp.SendKeys(chromedp.ID("#buyer-email"), "ada@example.com"),
		chromedp.Click(chromedp.ID("#confirm-button")),
	)
	waitFor(t, buyer, `!!document.querySelector("#order-number")`, 10*time.Second)
	require.Equal(t, "¥2,000", text(buyer, "#order-total"))
	order := eval[string](t, buyer, `decodeURIComponent(location.hash.replace("#/order/", ""))`)

	// The organizer types prices in yen.
	signIn(t, staff, base, "olga")
	openMap(t, staff, base+"/#/staff/p/"+perf+"/paint")
	require.Contains(t, text(staff, "#tool-zone-value"), "¥1,000")
	addZone := func(name, price string) {
		t.Helper()
		act(t, staff, chromedp.Click(chromedp.ID("#zone-add")))
		waitFor(t, staff, `!!document.querySelector("#zone-price")`, 5*time.Second)
		require.Equal(t, "0", eval[string](t, staff, `document.querySelector("#zone-price").placeholder`), "no decimals to type in yen")
		act(t, staff,
			chromedp.SendKeys(chromedp.ID("#zone-name"), name),
			chromedp.SendKeys(chromedp.ID("#zone-price"), price),
			chromedp.Click(chromedp.ID("#zone-save")),
		)
	}
	addZone("Box", "12.50")
	waitFor(t, staff, `document.querySelector("#zone-error")?.hidden === false`, 5*time.Second)
	require.Contains(t, text(staff, "#zone-error"), "JPY has no minor unit")
	act(t, staff, chromedp.Click(chromedp.CSS(`#zone-form .btn-ghost`)))
	addZone("Gallery", "2,500")
	waitFor(t, staff, `(document.getElementById("tool-zone-gallery") || {}).ariaPressed === "true"`, 5*time.Second)
	require.Contains(t, text(staff, "#tool-zone-gallery"), "¥2,500")
	var pf struct {
		Zones []struct {
			ID, Currency string
			Price        int64
		}
	}
	getJSON(t, base+"/api/v1/performances/"+perf, &pf)
	prices := map[string]int64{}
	for _, z := range pf.Zones {
		require.Equal(t, "JPY", z.Currency)
		prices[z.ID] = z.Price
	}
	require.Equal(t, map[string]int64{"premium": 4000, "standard": 2500, "value": 1000, "gallery": 2500}, prices)

	// A promotion of ¥500 off, typed in yen on the vouchers page.
	act(t, staff, chromedp.Navigate(base+"/#/vouchers"))
	waitFor(t, staff, `!!document.querySelector("#promo-create") && document.querySelector("#promo-currency")?.value === "JPY"`, 10*time.Second)
	act(t, staff,
		chromedp.SendKeys(chromedp.ID("#promo-code"), "yen500"),
		chromedp.SendKeys(chromedp.ID("#promo-name"), "Yen off"),
		chromedp.Click(chromedp.ID("#promo-by-amount")),
	)
	require.Equal(t, "0", eval[string](t, staff, `document.querySelector("#promo-value").placeholder`))
	act(t, staff,
		chromedp.SendKeys(chromedp.ID("#promo-value"), "500"),
		chromedp.Click(chromedp.ID("#promo-create")),
	)
	var promo struct {
		Amount   int64
		Currency string
	}
	testkit.Eventually(t, 10*time.Second, "the promotion made", func() bool {
		return newAPIClient(t, base).call("GET", "/api/v1/vouchers/YEN500", nil, &promo, "Authorization", "Bearer "+token) == 200
	})
	require.Equal(t, int64(500), promo.Amount)
	require.Equal(t, "JPY", promo.Currency)
	waitFor(t, staff, `[...document.querySelectorAll("td, li")].some((e) => e.textContent.includes("¥500"))`, 10*time.Second)

	// The order page: history and refund in yen.
	act(t, staff, chromedp.Navigate(base+"/#/orders/"+order))
	waitFor(t, staff, `!!document.querySelector("#refund-form") && !!document.querySelector("#order-history")`, 10*time.Second)
	require.Contains(t, text(staff, "#order-history"), "2 seat(s), 2000 JPY")
	require.Contains(t, text(staff, "#refund-amount-hint"), "1500")
	require.NotContains(t, text(staff, "#refund-amount-hint"), "12.50")
	refund := func(amount string) {
		t.Helper()
		eval[any](t, staff, `document.querySelector("#refund-amount").value = "", null`)
		act(t, staff,
			chromedp.Click(chromedp.ID("#refund-by-amount")),
			chromedp.SendKeys(chromedp.ID("#refund-amount"), amount),
			chromedp.SendKeys(chromedp.ID("#refund-reason"), "Late start"),
			chromedp.Click(chromedp.ID("#refund-button")),
		)
	}
	refund("2.50")
	waitFor(t, staff, `document.querySelector("#refund-error")?.hidden === false`, 5*time.Second)
	require.Contains(t, text(staff, "#refund-error"), "JPY has no minor unit")
	eval[any](t, staff, `document.querySelector("#refund-reason").value = "", null`)
	refund("300")
	waitFor(t, staff, `document.querySelector("#order-status .order-status")?.dataset.status === "partially_refunded"`, 10*time.Second)
	require.Contains(t, text(staff, "#order-refunds"), "¥300")
	require.Contains(t, text(staff, "#order-history"), "300 JPY")
	var o struct{ Refunded int64 }
	require.Equal(t, 200, newAPIClient(t, base).call("GET", "/api/v1/orders/"+order, nil, &o, "Authorization", "Bearer "+token))
	require.Equal(t, int64(300), o.Refunded)

	// Every currency the server knows has the server's decimals on the page.
	type check struct {
		Differ []string
		HUF    string
		BHD    string
	}
	ctx, cancel := context.WithTimeout(staff, 20*time.Second)
	defer cancel()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[check](`(async () => {
		const f = window.seatmap.format;
		const list = await (await fetch("/api/v1/currencies")).json();
		return {
			differ: list.items.filter((c) => f.minorDigits(c.code) !== c.decimals).map((c) => c.code),
			huf: f.money(150000, "HUF"),
			bhd: f.money(1250, "BHD"),
		};
	})()`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.Empty(t, got.Differ)
	require.Contains(t, got.HUF, "1,500.00", "1500.00 HUF, as the e-mails say, not 150,000")
	require.Contains(t, got.BHD, "1.250")
	p.Stop()
}
