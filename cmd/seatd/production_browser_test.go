package main

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// pageObjects counts a PDF's page objects ("/Type /Page", not "/Pages"),
// without the library that wrote it.
var pageObjects = regexp.MustCompile(`/Type\s*/Page([^s]|$)`)

// TestPassProductionBrowser is issue 14's acceptance, production half, as
// people do it: 3 annual passes at 89.00 bought on the web (one order of
// 267.00, three passes awaiting personalization, one link); the buyer
// personalizes all three on a 390 px phone, one with a photo from the file
// (camera) input; staff make a print batch on #/production (a 3-page PDF,
// the three printed), post two, deposit one and hand it over from the
// posting list; the pass page shows the history; the buyer's page then
// refuses to rename a printed pass, and so does the API (409).
func TestPassProductionBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	base := startSeatd(t, nil, "-payment", "none")
	annual := createProducts(t, base,
		`{"kind":"annual","name":"Jahreskarte 2027","price":8900,"currency":"EUR","channels":["web","box_office"],"valid_from":"2027-01-01","valid_to":"2027-12-31"}`)[0]
	buyer := newAPIClient(t, base)
	var o struct {
		ID, Status     string
		Total          int64
		Passes         []struct{ ID, State string }
		PersonalizeURL string `json:"personalize_url"`
	}
	require.Equal(t, http.StatusCreated, buyer.call("POST", "/api/v1/orders", map[string]any{
		"buyer": map[string]string{"name": "Ada Lovelace", "email": "ada@example.com"},
		"items": []map[string]any{{"product_id": annual, "quantity": 3}},
	}, &o))
	require.Equal(t, int64(26700), o.Total)
	require.Len(t, o.Passes, 3)
	for _, p := range o.Passes {
		require.Equal(t, "awaiting_personalization", p.State)
	}
	token := o.PersonalizeURL[strings.LastIndex(o.PersonalizeURL, "/")+1:]
	require.NotEmpty(t, token)

	// A photo file, as a phone's camera input would hand it over.
	img := image.NewRGBA(image.Rect(0, 0, 800, 1000))
	for y := range 1000 {
		for x := range 800 {
			img.Set(x, y, color.RGBA{uint8(x / 4), uint8(y / 4), 140, 255})
		}
	}
	var pngBytes bytes.Buffer
	require.NoError(t, png.Encode(&pngBytes, img))
	photoFile := filepath.Join(t.TempDir(), "face.png")
	require.NoError(t, os.WriteFile(photoFile, pngBytes.Bytes(), 0o600))

	newPage := browser(t)
	phone := newPage()
	require.NoError(t, chromedp.Do(phone, chromedp.EmulateViewport(390, 844), chromedp.Navigate(base+"/#/personalize/"+token)))
	waitFor(t, phone, `document.querySelectorAll("#personalize-passes form").length === 3`, 15*time.Second)
	require.True(t, eval[bool](t, phone, `[...document.querySelectorAll('#personalize-passes input[type=file]')].every((i) => i.accept === "image/*" && i.getAttribute("capture") === "user")`))
	names := []string{"Ada Lovelace", "Grace Hopper", "Jürgen Müller"}
	for i, p := range o.Passes {
		require.NoError(t, chromedp.Do(phone,
			chromedp.SendKeys("#pz-name-"+p.ID, names[i]),
			chromedp.SetValue("#pz-birth-"+p.ID, "1990-12-10")))
		if i == 0 {
			require.NoError(t, chromedp.Do(phone, chromedp.SetUploadFiles("#pz-photo-"+p.ID, []string{photoFile})))
		}
		require.NoError(t, chromedp.Do(phone, chromedp.Click("#pz-save-"+p.ID)))
		waitFor(t, phone, `document.querySelector("#pz-note-`+p.ID+`").textContent.startsWith("Saved")`, 15*time.Second)
		require.Equal(t, "personalized", eval[string](t, phone, `document.querySelector("#pz-form-`+p.ID+`").dataset.state`))
	}
	waitFor(t, phone, `!document.querySelector("#pz-preview-`+o.Passes[0].ID+`").hidden`, 10*time.Second)
	require.LessOrEqual(t, eval[int](t, phone, `document.scrollingElement.scrollWidth`), 390, "the page fits the phone")

	// Staff make the print batch on #/production.
	createStaff(t, base, "maker", "box_office")
	desk := newPage()
	signIn(t, desk, base, "maker")
	require.NoError(t, chromedp.Do(desk, chromedp.Navigate(base+"/#/production")))
	waitFor(t, desk, `document.querySelectorAll("#production-queue tbody tr").length === 3 && !document.querySelector("#production-make").disabled`, 15*time.Second)
	require.NoError(t, chromedp.Do(desk, chromedp.Click("#production-make")))
	waitFor(t, desk, `!!document.querySelector("#production-pdf")`, 30*time.Second)
	require.Contains(t, eval[string](t, desk, `document.querySelector("#production-progress-text").textContent`), "3 pages")
	// The batch's PDF, as its link in the list downloads it (the page's
	// own copy is a blob: URL, which the CSP keeps fetch from reading),
	// the same size as the page's, 3 pages counted without fpdf.
	waitFor(t, desk, `document.querySelectorAll("#production-batches li[data-batch]").length === 1`, 10*time.Second)
	eval[any](t, desk, `fetch(document.querySelector("#production-batches li[data-batch] a").href).then((r) => r.arrayBuffer())
		.then((b) => { window.pdfText = new TextDecoder("latin1").decode(b); window.pdfSize = b.byteLength; }), null`)
	waitFor(t, desk, `typeof window.pdfText === "string"`, 15*time.Second)
	pdf := eval[string](t, desk, `window.pdfText`)
	require.True(t, strings.HasPrefix(pdf, "%PDF-"))
	require.Len(t, pageObjects.FindAllStringIndex(pdf, -1), 3, "one page a pass")
	require.Equal(t, eval[string](t, desk, `document.querySelector("#production-pdf").dataset.size`), eval[string](t, desk, `String(window.pdfSize)`))

	staff := newAPIClient(t, base)
	auth := []string{"Authorization", "Bearer " + testAdminToken}
	state := func(id string) string {
		var p struct{ State string }
		require.Equal(t, http.StatusOK, staff.call("GET", "/api/v1/passes/"+id, nil, &p, auth...))
		return p.State
	}
	for _, p := range o.Passes {
		require.Equal(t, "printed", state(p.ID))
	}

	// The posting list: post two, deposit one, then hand it over.
	row := func(id string) string {
		return `document.querySelector('#production-shipping tr[data-pass="` + id + `"]')`
	}
	waitFor(t, desk, `document.querySelectorAll("#production-shipping tbody tr").length === 3`, 10*time.Second)
	for i, m := range []string{"ship", "ship", "deposit"} {
		id := o.Passes[i].ID
		require.NoError(t, chromedp.Do(desk, chromedp.Click(`#production-shipping tr[data-pass="`+id+`"] button[data-move="`+m+`"]`)))
		want := map[string]string{"ship": "posted", "deposit": "deposited"}[m]
		waitFor(t, desk, row(id)+` && `+row(id)+`.dataset.state === "`+want+`"`, 10*time.Second)
	}
	third := o.Passes[2].ID
	require.NoError(t, chromedp.Do(desk, chromedp.Click(`#production-shipping tr[data-pass="`+third+`"] button[data-move="hand-over"]`)))
	waitFor(t, desk, `!`+row(third), 10*time.Second)
	require.Equal(t, []string{"posted", "posted", "handed_over"}, []string{state(o.Passes[0].ID), state(o.Passes[1].ID), state(third)})

	// The pass page: its history, its photo, and the moves it allows.
	first := o.Passes[0].ID
	require.NoError(t, chromedp.Do(desk, chromedp.Navigate(base+"/#/passes/"+first)))
	waitFor(t, desk, `document.querySelectorAll("#pass-history tbody tr").length === 4`, 10*time.Second)
	require.Equal(t, []string{"hand-over", "block", "replace"}, eval[[]string](t, desk, `[...document.querySelectorAll("#pass-moves button")].map((b) => b.dataset.move)`))
	waitFor(t, desk, `document.querySelector("#pass-photo").complete && document.querySelector("#pass-photo").naturalWidth > 0`, 10*time.Second)
	// The pass list filters by state.
	require.NoError(t, chromedp.Do(desk, chromedp.Navigate(base+"/#/passes")))
	waitFor(t, desk, `document.querySelectorAll("#passes-table tbody tr").length === 3`, 10*time.Second)
	require.NoError(t, chromedp.Do(desk, chromedp.SetValue("#passes-state", "posted")))
	eval[any](t, desk, `document.querySelector("#passes-state").dispatchEvent(new Event("change")), null`)
	waitFor(t, desk, `document.querySelectorAll("#passes-table tbody tr").length === 2`, 10*time.Second)

	// Printed passes refuse edits: the page says so, and the API is 409.
	require.NoError(t, chromedp.Do(phone, chromedp.Reload()))
	waitFor(t, phone, `document.querySelectorAll("#personalize-passes form").length === 3`, 15*time.Second)
	require.True(t, eval[bool](t, phone, `[...document.querySelectorAll("#personalize-passes form")].every((f) => !f.querySelector(".pz-locked").hidden && f.querySelector("input[name=name]").disabled)`))
	require.Equal(t, http.StatusConflict, buyer.call("PUT", o.PersonalizeURL+"/passes/"+first,
		map[string]any{"holder": map[string]string{"name": "Someone Else", "birth_date": "1980-01-01"}}, nil))
	var after struct{ Holder struct{ Name string } }
	require.Equal(t, http.StatusOK, staff.call("GET", "/api/v1/passes/"+first, nil, &after, auth...))
	require.Equal(t, "Ada Lovelace", after.Holder.Name, "nothing changed")
}
