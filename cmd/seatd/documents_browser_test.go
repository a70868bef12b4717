package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"
)

// fetchInPage fetches a URL from the page (its session cookie) and returns
// the status, the Content-Type and the first bytes of the body.
func fetchInPage(t *testing.T, page context.Context, url string) (status int, contentType, head string) {
	t.Helper()
	type answer struct {
		Status int
		Type   string
		Head   string
	}
	out := evalAwait[answer](t, page, fmt.Sprintf(`fetch(%q, {credentials: "same-origin"}).then(async r => ({Status: r.status, Type: r.headers.get("Content-Type") || "", Head: (await r.text()).slice(0, 40)}))`, url))
	return out.Status, out.Type, out.Head
}

// TestStaffDocumentsPage (issue 17): an organizer on a phone opens a
// performance's documents from the painter's staff bar, makes the
// realization report (a new version), makes it again (unchanged); a
// refund later, "Make now" gives version 2, version 1 is listed under it
// as superseded, and each version's PDF and CSV download. Keyboard: the
// button works by Enter. axe-core finds nothing serious.
func TestStaffDocumentsPage(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	base := startSeatd(t, nil, "-payment", "none")
	perf := demoPerformance(t, base)
	createStaff(t, base, "dora", "organizer")
	fx := staffFixture(t, base, perf)
	buyer := newAPIClient(t, base)
	var h struct{ Token string }
	require.Equal(t, 201, buyer.call("POST", "/api/v1/performances/"+perf+"/holds", map[string]any{"seats": []string{"S-R3-S1", "S-R3-S2", "S-R3-S3"}}, &h))
	require.Equal(t, 201, buyer.call("POST", "/api/v1/orders", map[string]any{
		"hold_token": h.Token, "buyer": map[string]string{"name": "Ada Lovelace", "email": "ada@example.com"},
	}, nil, "Idempotency-Key", "order-"+h.Token))

	page := browser(t)()
	require.NoError(t, chromedp.Do(page, chromedp.EmulateViewport(390, 844)))
	signIn(t, page, base, "dora")
	openMap(t, page, base+"/#/staff/p/"+perf+"/paint")
	require.NoError(t, chromedp.Do(page, chromedp.Click(`.staff-bar a[href$="/documents"]`)))
	waitFor(t, page, `document.querySelector("#documents-list").getAttribute("aria-busy") === "false" && !!document.querySelector("#doc-make-realization")`, 10*time.Second)
	require.Equal(t, 5, eval[int](t, page, `document.querySelectorAll(".doc-kind").length`))
	require.Contains(t, eval[string](t, page, `document.querySelector("#doc-realization").textContent`), "Not made yet")
	require.LessOrEqual(t, eval[int](t, page, `document.scrollingElement.scrollWidth`), 390, "fits a phone")

	// By keyboard: focus the button and press Enter.
	eval[any](t, page, `document.querySelector("#doc-make-realization").focus(), null`)
	press(t, page, kb.Enter)
	waitFor(t, page, `document.querySelector("#doc-result-realization").dataset.outcome === "created"`, 10*time.Second)
	require.Contains(t, eval[string](t, page, `document.querySelector("#doc-result-realization").textContent`), "New version 1")
	waitFor(t, page, `!!document.querySelector("#doc-realization .doc-current")`, 5*time.Second)
	require.Equal(t, "doc-make-realization", eval[string](t, page, `document.activeElement.id`), "focus stays on the button")
	require.Regexp(t, `^[0-9a-f]{12}$`, eval[string](t, page, `document.querySelector("#doc-realization .doc-sha").textContent`))
	require.Contains(t, eval[string](t, page, `document.querySelector("#doc-realization .doc-current").textContent`), "by dora")

	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#doc-make-realization"))))
	waitFor(t, page, `document.querySelector("#doc-result-realization").dataset.outcome === "unchanged"`, 10*time.Second)
	require.Contains(t, eval[string](t, page, `document.querySelector("#doc-result-realization").textContent`), "Unchanged")

	// A refund: the next make is a new version; the first is listed under it.
	require.Equal(t, 201, newAPIClient(t, base).call("POST", "/api/v1/orders/"+fx.orderID+"/refunds",
		map[string]any{"seats": []string{fx.orderSeat}, "reason": "ill", "method": "cash"}, nil,
		"Authorization", "Bearer "+testAdminToken, "Idempotency-Key", "doc-refund"))
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#doc-make-realization"))))
	waitFor(t, page, `document.querySelector("#doc-result-realization").dataset.outcome === "created" && /New version 2/.test(document.querySelector("#doc-result-realization").textContent)`, 10*time.Second)
	waitFor(t, page, `document.querySelectorAll("#doc-realization .doc-version").length === 2`, 5*time.Second)
	require.Contains(t, eval[string](t, page, `document.querySelector("#doc-realization .doc-current").textContent`), "Version 2 (current)")
	require.Contains(t, eval[string](t, page, `document.querySelector("#doc-realization .doc-older").textContent`), "Version 1 (superseded)")
	links := eval[[]string](t, page, `[...document.querySelectorAll("#doc-realization a.doc-pdf, #doc-realization a.doc-csv")].map(a => a.getAttribute("href"))`)
	require.Len(t, links, 4)
	for _, l := range links {
		status, ct, head := fetchInPage(t, page, l)
		require.Equal(t, 200, status, l)
		if l[len(l)-4:] == ".pdf" {
			require.Equal(t, "application/pdf", ct, l)
			require.Contains(t, head, "%PDF-", l)
		} else {
			require.Contains(t, ct, "text/csv", l)
			require.Contains(t, head, "line,key,tickets_issued", l)
		}
	}
	requireAxeClean(t, page, "documents page with two versions")
}
