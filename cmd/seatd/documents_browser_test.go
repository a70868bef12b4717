package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/internal/pdftest"
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

// TestStaffDocumentTemplate (issue 17): an organizer on a phone fills in the
// document template — venue name, legal details, a PNG logo, a footer — and
// saves; the preview frame then shows the sample PDF of the new version,
// which prints them. A GIF named .png is refused by the server on the logo
// field; the earlier version stays. A document made after prints the
// template. axe-core finds nothing serious.
func TestStaffDocumentTemplate(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	base := startSeatd(t, nil, "-payment", "none")
	perf := demoPerformance(t, base)
	createStaff(t, base, "olga", "organizer")
	staffFixture(t, base, perf)
	dir := t.TempDir()
	img := image.NewNRGBA(image.Rect(0, 0, 80, 40))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	logo := filepath.Join(dir, "logo.png")
	require.NoError(t, os.WriteFile(logo, b.Bytes(), 0o600))
	fake := filepath.Join(dir, "fake.png")
	require.NoError(t, os.WriteFile(fake, []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), 0o600))

	page := browser(t)()
	require.NoError(t, chromedp.Do(page, chromedp.EmulateViewport(390, 844)))
	signIn(t, page, base, "olga")
	require.NoError(t, chromedp.Do(page, chromedp.Click(`.staff-bar a[href="#/document-template"]`)))
	waitFor(t, page, `document.querySelector("#tpl-form") && document.querySelector("#tpl-form").dataset.version === "0"`, 10*time.Second)
	require.Contains(t, eval[string](t, page, `document.querySelector("#tpl-status").textContent`), "No template saved yet")

	require.NoError(t, chromedp.Do(page,
		chromedp.SendKeys(chromedp.ID("#tpl-venue-name"), "Staatsoper Musterstadt"),
		chromedp.SendKeys(chromedp.ID("#tpl-legal-details"), "Musteroper GmbH\nOpernplatz 1\nUSt-IdNr. DE123456789"),
		chromedp.SendKeys(chromedp.ID("#tpl-footer"), "Thank you for your visit"),
		chromedp.SetUploadFiles(`#tpl-logo`, []string{logo})))
	waitFor(t, page, `!document.querySelector("#tpl-logo-image").hidden`, 5*time.Second)
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#tpl-save"))))
	waitFor(t, page, `document.querySelector("#tpl-form").dataset.version === "1"`, 10*time.Second)
	require.Contains(t, eval[string](t, page, `document.querySelector("#tpl-status").textContent`), "Saved: version 1")
	src := eval[string](t, page, `document.querySelector("#tpl-preview").getAttribute("src")`)
	require.Contains(t, src, "/api/v1/document-template/preview.pdf?v=1")
	status, ct, head := fetchInPage(t, page, src)
	require.Equal(t, 200, status)
	require.Equal(t, "application/pdf", ct)
	require.Contains(t, head, "%PDF-")
	// What the frame shows prints the template.
	preview := fetchBytes(t, base+src)
	text := pdftest.Text(t, preview)
	for _, w := range []string{"Staatsoper Musterstadt", "USt-IdNr. DE123456789", "Thank you for your visit"} {
		require.Contains(t, text, w)
	}
	require.LessOrEqual(t, eval[int](t, page, `document.scrollingElement.scrollWidth`), 390, "fits a phone")
	requireAxeClean(t, page, "document template editor")

	// Unsaved edits previewed: the frame shows the form's template (a PDF
	// posted for, framed as a blob), nothing saved.
	clearName := func() {
		t.Helper()
		require.True(t, eval[bool](t, page, `(() => { document.querySelector("#tpl-venue-name").value = ""; return true; })()`))
	}
	// The page's CSP lets no script fetch a blob: URL (connect-src 'self'):
	// the test keeps the Blob the page makes its frame's URL of, to read it.
	require.True(t, eval[bool](t, page, `(() => { const make = URL.createObjectURL;
		URL.createObjectURL = (b) => { const u = make(b); window.testBlobs = Object.assign(window.testBlobs || {}, { [u]: b }); return u; }; return true; })()`))
	clearName()
	require.NoError(t, chromedp.Do(page,
		chromedp.SendKeys(chromedp.ID("#tpl-venue-name"), "Большой театр")))
	// By keyboard: Tab from the form's last button, Enter.
	require.True(t, eval[bool](t, page, `(() => { document.querySelector("#tpl-save").focus(); return true; })()`))
	tabTo(t, page, "#tpl-preview-edits")
	press(t, page, kb.Enter)
	waitFor(t, page, `document.querySelector("#tpl-form").dataset.preview === "draft"`, 10*time.Second)
	require.True(t, strings.HasPrefix(eval[string](t, page, `document.querySelector("#tpl-preview").getAttribute("src")`), "blob:"))
	require.Contains(t, eval[string](t, page, `document.querySelector("#tpl-preview-hint").textContent`), "not saved yet")
	draft := evalAwait[string](t, page, `window.testBlobs[document.querySelector("#tpl-preview").src].arrayBuffer().then((b) => {
		let s = ""; new Uint8Array(b).forEach((c) => { s += String.fromCharCode(c); }); return btoa(s); })`)
	draftPDF, err := base64.StdEncoding.DecodeString(draft)
	require.NoError(t, err)
	draftText := pdftest.Text(t, draftPDF)
	require.Contains(t, draftText, "Большой театр")
	require.Contains(t, draftText, "USt-IdNr. DE123456789", "the rest of the form as it stands")
	require.NotContains(t, draftText, "Staatsoper")
	require.Equal(t, "1", eval[string](t, page, `document.querySelector("#tpl-form").dataset.version`), "nothing saved")
	require.Contains(t, pdftest.Text(t, fetchBytes(t, base+src)), "Staatsoper Musterstadt", "the saved template's preview unchanged")
	requireAxeClean(t, page, "document template editor previewing edits")
	clearName()
	require.NoError(t, chromedp.Do(page, chromedp.SendKeys(chromedp.ID("#tpl-venue-name"), "Staatsoper Musterstadt")))

	// A GIF with a .png name: the server refuses it on the logo field.
	require.NoError(t, chromedp.Do(page, chromedp.SetUploadFiles(`#tpl-logo`, []string{fake})))
	waitFor(t, page, `document.querySelector("#tpl-logo-image").alt.includes("not saved")`, 5*time.Second)
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#tpl-save"))))
	waitFor(t, page, `document.querySelector("#tpl-logo").getAttribute("aria-invalid") === "true"`, 10*time.Second)
	require.Contains(t, eval[string](t, page, `document.querySelector("#tpl-logo-error").textContent`), "PNG or JPEG")
	require.Equal(t, "tpl-logo", eval[string](t, page, `document.activeElement.id`))
	require.Contains(t, eval[string](t, page, `document.querySelector("#tpl-status").textContent`), "Version 1 stays")
	requireAxeClean(t, page, "document template editor with an error")

	// Documents made now print it.
	var d struct {
		PDFURL string `json:"pdf_url"`
	}
	require.Equal(t, 201, adminCall(t, base, "POST", "/api/v1/performances/"+perf+"/documents", map[string]string{"kind": "settlement"}, &d))
	require.Contains(t, pdftest.Text(t, fetchBytes(t, base+d.PDFURL)), "Staatsoper Musterstadt")
}

// fetchBytes GETs a URL as the admin and returns the body.
func fetchBytes(t *testing.T, url string) []byte {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+testAdminToken)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode, url)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return body
}

// TestDocumentsAfterConfig: -documents-after defaults to 6 h and is bounded.
func TestDocumentsAfterConfig(t *testing.T) {
	none := func(string) string { return "" }
	cfg, err := parseConfig(nil, none, io.Discard)
	require.NoError(t, err)
	require.Equal(t, 6*time.Hour, cfg.docsAfter)
	cfg, err = parseConfig([]string{"-documents-after", "2h"}, none, io.Discard)
	require.NoError(t, err)
	require.Equal(t, 2*time.Hour, cfg.docsAfter)
	_, err = parseConfig([]string{"-documents-after", "0s"}, none, io.Discard)
	require.ErrorContains(t, err, "-documents-after")
}
