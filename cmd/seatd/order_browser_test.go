package main

import (
	"context"
	"fmt"
	"io"
	"mime/quotedprintable"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/checkout"
)

var (
	orderLinkRe  = regexp.MustCompile(`http://\S+/#/order/\S+\?key=\S+`)
	ticketCodeRe = regexp.MustCompile(`Ticket code ((?:[2-9A-Z]{4} ){6}[2-9A-Z]{4})`)
)

// TestOrderPageFromTheEmailLink runs the built binary with -tz Europe/Berlin:
// a buyer buys two seats in Chromium; the confirmation e-mail (an .eml file
// of the embedded default) names the seats, their prices and ticket codes,
// the time in Berlin with the zone named, and a link; the link opened in a
// fresh browser context (another device, whose clock is in Tokyo) shows the
// seats as people say them, the prices, one QR image and code per ticket,
// and the same time text as the e-mail. Without the key, or with a wrong
// one, the order is not found.
func TestOrderPageFromTheEmailLink(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	dir := t.TempDir()
	p := startBinary(t, dir, nil, "-tz", "Europe/Berlin", "-data", dir, "-payment", "none")
	require.Contains(t, p.Stderr.String(), `msg="venue time zone" tz=Europe/Berlin`)
	base := p.Base
	perf := demoPerformance(t, base)
	var pj struct {
		StartsAt time.Time `json:"starts_at"`
		TimeZone string    `json:"time_zone"`
	}
	getJSON(t, base+"/api/v1/performances/"+perf, &pj)
	require.Equal(t, "Europe/Berlin", pj.TimeZone)
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	when := checkout.FormatWhen(pj.StartsAt, berlin) // e.g. "Sat 12 Dec 2026, 20:30 CET (Europe/Berlin)"
	require.Regexp(t, `^\w{3} \d{1,2} \w{3} \d{4}, \d\d:\d\d CES?T \(Europe/Berlin\)$`, when)

	newPage := browser(t)
	buyer := newPage()
	inZone(t, buyer, "America/New_York")
	require.NoError(t, chromedp.Do(buyer, chromedp.Navigate(base+"/#/p/"+perf)))
	waitFor(t, buyer, `window.seatmap && window.seatmap.ready`, 20*time.Second)
	waitFor(t, buyer, `document.body.innerText.includes("(Europe/Berlin)")`, 5*time.Second)
	require.Contains(t, eval[string](t, buyer, `document.body.innerText`), when, "the performance page shows Berlin's time, not New York's")
	for _, s := range []string{"S-R5-S10", "S-R5-S11"} {
		eval[any](t, buyer, fmt.Sprintf(`window.seatmap.select(%q), null`, s))
	}
	require.NoError(t, chromedp.Do(buyer, chromedp.Click(chromedp.ID("#hold-button"))))
	waitFor(t, buyer, `window.seatmap.stateOf("S-R5-S10") === "mine" && window.seatmap.stateOf("S-R5-S11") === "mine"`, 10*time.Second)
	require.NoError(t, chromedp.Do(buyer,
		chromedp.SendKeys(chromedp.ID("#buyer-name"), "Ada Lovelace"),
		chromedp.SendKeys(chromedp.ID("#buyer-email"), "ada@example.com"),
		chromedp.Click(chromedp.ID("#confirm-button")),
	))
	waitFor(t, buyer, `document.querySelectorAll("#order-tickets .ticket-qr").length === 2`, 10*time.Second)
	number := eval[string](t, buyer, `document.querySelector("#order-number").textContent.trim()`)

	// The e-mail, as the embedded default writes it.
	_, msg := onlyEmail(t, filepath.Join(dir, "outbox"))
	raw, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	require.NoError(t, err)
	body := strings.ReplaceAll(string(raw), "\r\n", "\n")
	require.Contains(t, body, "Order "+number)
	require.Contains(t, body, when+"\n", "the e-mail says the time as the pages do")
	require.Contains(t, body, "Stalls, row 5, seat 10")
	require.Contains(t, body, "Stalls, row 5, seat 11")
	link := orderLinkRe.FindString(body)
	require.NotEmpty(t, link, "the e-mail links to the order:\n%s", body)
	require.True(t, strings.HasPrefix(link, base+"/#/order/"), "the link is on seatd's address: %s", link)
	var mailCodes []string
	for _, m := range ticketCodeRe.FindAllStringSubmatch(body, -1) {
		mailCodes = append(mailCodes, m[1])
	}
	require.Len(t, mailCodes, 2, "a code per ticket:\n%s", body)

	// Another device: a fresh browser context, with no cookie of the sale and
	// a clock in Tokyo.
	phone := newPage()
	inZone(t, phone, "Asia/Tokyo")
	require.NoError(t, chromedp.Do(phone, chromedp.Navigate(link)))
	waitFor(t, phone, `document.querySelectorAll("#order-tickets .ticket").length === 2`, 10*time.Second)
	require.Equal(t, number, eval[string](t, phone, `document.querySelector("#order-number").textContent.trim()`))
	require.Equal(t, when, eval[string](t, phone, `document.querySelector("#order-when").textContent`), "the same time text as the e-mail, in Tokyo too")
	seats := eval[[]string](t, phone, `[...document.querySelectorAll("#order-tickets .ticket-seat")].map((e) => e.textContent)`)
	require.Equal(t, []string{"Stalls, row 5, seat 10", "Stalls, row 5, seat 11"}, seats)
	prices := eval[[]string](t, phone, `[...document.querySelectorAll("#order-tickets .ticket-price")].map((e) => e.textContent)`)
	require.Len(t, prices, 2)
	for _, price := range prices {
		require.Regexp(t, `\d+\.\d\d`, price, "a price per seat")
		require.Contains(t, body, strings.TrimLeft(price, "€$£ "), "the e-mail has the same price")
	}
	codes := eval[[]string](t, phone, `[...document.querySelectorAll("#order-tickets .ticket-code")].map((e) => e.textContent)`)
	require.ElementsMatch(t, mailCodes, codes, "the page shows the codes the e-mail has")
	// Every QR image loads: an SVG the browser could draw.
	waitFor(t, phone, `[...document.querySelectorAll("#order-tickets .ticket-qr")].every((i) => i.complete && i.naturalWidth > 0)`, 10*time.Second)
	require.Equal(t, 2, eval[int](t, phone, `document.querySelectorAll("#order-tickets .ticket-qr").length`))
	// The tickets as a PDF, through the same link: a download on the page,
	// and each ticket's form number once drawn (just after the sale).
	pdf := evalAwait[string](t, phone, `fetch(document.querySelector("#order-tickets-pdf").href).then((r) => r.status + " " + r.headers.get("content-type"))`)
	require.Equal(t, "200 application/pdf", pdf)
	invoice := evalAwait[string](t, phone, `fetch(document.querySelector("#order-invoice-pdf").href).then((r) => r.status + " " + r.headers.get("content-type"))`)
	require.Equal(t, "200 application/pdf", invoice)
	require.NoError(t, chromedp.Do(phone, chromedp.Reload()))
	waitFor(t, phone, `[...document.querySelectorAll("#order-tickets .ticket-form")].length === 2`, 10*time.Second)
	require.Regexp(t, `^Ticket No\. [A-Z]{2} \d{6}$`, eval[string](t, phone, `document.querySelector("#order-tickets .ticket-form").textContent`))

	// Without the key, or with a wrong one: not found, and said so.
	orderPath := strings.SplitN(strings.TrimPrefix(link, base+"/"), "?", 2)[0] // #/order/{id}
	for _, addr := range []string{base + "/" + orderPath, base + "/" + orderPath + "?key=wrongkey"} {
		stranger := newPage()
		require.NoError(t, chromedp.Do(stranger, chromedp.Navigate(addr)))
		waitFor(t, stranger, `(document.querySelector("h1") || {}).textContent === "Order not found"`, 10*time.Second)
		require.Zero(t, eval[int](t, stranger, `document.querySelectorAll(".ticket").length`))
	}

	// The buyer's own tab reloaded, and a new tab of the same browser, show
	// the order from the server.
	require.NoError(t, chromedp.Do(buyer, chromedp.Reload()))
	waitFor(t, buyer, `document.querySelectorAll("#order-tickets .ticket-code").length === 2`, 10*time.Second)
	tab, cancel := chromedp.NewContext(buyer)
	defer cancel()
	require.NoError(t, chromedp.Do(tab, chromedp.Navigate(base+"/"+orderPath)))
	waitFor(t, tab, `document.querySelectorAll("#order-tickets .ticket-code").length === 2`, 10*time.Second)
	require.Equal(t, seats, eval[[]string](t, tab, `[...document.querySelectorAll("#order-tickets .ticket-seat")].map((e) => e.textContent)`))
}

// inZone sets the page's clock to a time zone, as a viewer elsewhere has it.
func inZone(t *testing.T, page context.Context, zone string) {
	t.Helper()
	_, err := chromedp.Call(page, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: zone})
	require.NoError(t, err)
	require.Equal(t, zone, eval[string](t, page, `Intl.DateTimeFormat().resolvedOptions().timeZone`))
}
