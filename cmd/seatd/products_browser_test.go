package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// setValue sets an input's or select's value as a person would leave it and
// tells the page (input and change events): date and time inputs take typed
// keys by the browser's locale, which a test should not depend on.
func setValue(t *testing.T, page context.Context, sel, value string) {
	t.Helper()
	eval[any](t, page, fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = %q; e.dispatchEvent(new Event("input", {bubbles: true})); e.dispatchEvent(new Event("change", {bubbles: true})); return null })()`, sel, value))
}

type apiProduct struct {
	ID, Kind, Name, Validity string
	Price                    int64
	Channels                 []string
	ValidFrom                string `json:"valid_from"`
	ValidTo                  string `json:"valid_to"`
	Entries                  *int
	Personalized             bool
	Version                  int
	Window                   *struct{ From, To string }
	ReentryLockMinutes       int `json:"reentry_lock_minutes"`
	SurchargeIntervalMinutes int `json:"surcharge_interval_minutes"`
}

// TestProductEditor: an organizer, on a phone and by keyboard, creates an
// annual pass and a day ticket on #/products (a bad entry window is refused
// at its field), sees both listed, edits the day ticket's price; and saves
// opening hours on #/facility, where a bad range is shown at its weekday.
func TestProductEditor(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	base := startSeatd(t, nil, "-payment", "none")
	createStaff(t, base, "otto", "organizer")
	staff := newAPIClient(t, base)
	auth := []string{"Authorization", "Bearer " + testAdminToken}
	products := func() map[string]apiProduct {
		var list struct{ Items []apiProduct }
		require.Equal(t, 200, staff.call("GET", "/api/v1/products", nil, &list, auth...))
		out := map[string]apiProduct{}
		for _, p := range list.Items {
			out[p.Name] = p
		}
		return out
	}

	page := browser(t)()
	require.NoError(t, chromedp.Do(page, chromedp.EmulateViewport(390, 844)))
	signIn(t, page, base, "otto")
	require.NoError(t, chromedp.Do(page, chromedp.Navigate(base+"/#/products")))
	waitFor(t, page, `!!document.querySelector("#product-form") && /No products/.test(document.querySelector(".products-page .shows-status").textContent)`, 10*time.Second)

	// The annual pass of issue 14: the fields follow the kind.
	setValue(t, page, "#product-kind", "annual")
	require.True(t, eval[bool](t, page, `document.querySelector("[data-field=cards]").hidden && !document.querySelector("[data-field=personalized]").hidden`),
		"an annual pass shows its rules, not a block card's")
	require.True(t, eval[bool](t, page, `document.querySelector("#rule-personalized").checked`))
	require.NoError(t, chromedp.Do(page,
		chromedp.SendKeys(chromedp.ID("#product-name"), "Jahreskarte 2027"),
		chromedp.SendKeys(chromedp.ID("#product-price"), "89.00"),
	))
	setValue(t, page, "#product-valid-from", "2027-01-01")
	setValue(t, page, "#product-valid-to", "2027-12-31")
	// Enter in a field submits, as a keyboard user would.
	require.NoError(t, chromedp.Do(page, chromedp.SendKeys(chromedp.ID("#product-name"), "\r")))
	waitFor(t, page, `[...document.querySelectorAll("#products-table tbody tr")].some(r => r.textContent.includes("Jahreskarte 2027"))`, 10*time.Second)

	// A day ticket whose entry window ends before it starts: refused, at the window.
	setValue(t, page, "#product-kind", "day")
	require.True(t, eval[bool](t, page, `!document.querySelector("[data-field=window]").hidden && document.querySelector("[data-field=personalized]").hidden`))
	require.NoError(t, chromedp.Do(page,
		chromedp.SendKeys(chromedp.ID("#product-name"), "Tageskarte"),
		chromedp.SendKeys(chromedp.ID("#product-price"), "15.00"),
	))
	setValue(t, page, "#rule-entries", "1")
	setValue(t, page, "#rule-window-from", "12:00")
	setValue(t, page, "#rule-window-to", "08:00")
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#product-save"))))
	waitFor(t, page, `!document.querySelector("#rule-window-error").hidden`, 10*time.Second)
	require.Contains(t, eval[string](t, page, `document.querySelector("#rule-window-error").textContent`), "not after it starts")
	require.Equal(t, "rule-window-from", eval[string](t, page, `document.activeElement.id`), "the bad field has the focus")
	require.Len(t, products(), 1, "nothing was made")
	setValue(t, page, "#rule-window-to", "18:00")
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#product-save"))))
	waitFor(t, page, `document.querySelectorAll("#products-table tbody tr").length === 2`, 10*time.Second)
	require.True(t, eval[bool](t, page, `document.querySelector("#rule-window-error").hidden`))

	got := products()
	annual, day := got["Jahreskarte 2027"], got["Tageskarte"]
	require.Equal(t, "annual", annual.Kind)
	require.Equal(t, int64(8900), annual.Price)
	require.Equal(t, "2027-01-01", annual.ValidFrom)
	require.Equal(t, "2027-12-31", annual.ValidTo)
	require.Equal(t, "fixed", annual.Validity)
	require.True(t, annual.Personalized)
	require.Equal(t, []string{"web", "box_office"}, annual.Channels)
	require.Equal(t, "day", day.Kind)
	require.Equal(t, int64(1500), day.Price)
	require.Equal(t, 1, *day.Entries)
	require.Equal(t, "18:00", day.Window.To)

	// Edit the day ticket's price.
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.CSS(fmt.Sprintf(`#products-table tr[data-id=%q] button`, day.ID)))))
	waitFor(t, page, `document.querySelector("#product-name").value === "Tageskarte" && document.querySelector("#product-kind").disabled`, 10*time.Second)
	eval[any](t, page, `document.querySelector("#product-price").value = "", null`)
	require.NoError(t, chromedp.Do(page, chromedp.SendKeys(chromedp.ID("#product-price"), "17.50\r")))
	waitFor(t, page, fmt.Sprintf(`(document.querySelector('#products-table tr[data-id=%q] .product-price') || {}).textContent?.includes("17.50")`, day.ID), 10*time.Second)
	day = products()["Tageskarte"]
	require.Equal(t, int64(1750), day.Price)
	require.Equal(t, 2, day.Version)
	require.Equal(t, 1, *day.Entries, "what the edit did not touch stays")
	require.Equal(t, "12:00", day.Window.From)
	require.Equal(t, 390, eval[int](t, page, `document.scrollingElement.scrollWidth`), "the editor fits a phone")

	// The facility: opening hours.
	require.NoError(t, chromedp.Do(page, chromedp.Navigate(base+"/#/facility")))
	waitFor(t, page, `document.querySelector("#facility-form") && document.querySelector("#facility-form").dataset.loaded === "true"`, 10*time.Second)
	eval[any](t, page, `document.querySelector("#tolerance").value = "", null`)
	require.NoError(t, chromedp.Do(page,
		chromedp.Click(chromedp.ID("#hours-mon-closed")),
		chromedp.SendKeys(chromedp.ID("#hours-tue"), "09:00-12:00, 13:00-18:00"),
		chromedp.SendKeys(chromedp.ID("#hours-wed"), "18:00-09:00"),
		chromedp.SendKeys(chromedp.ID("#tolerance"), "5"),
		chromedp.Click(chromedp.ID("#facility-save")),
	))
	waitFor(t, page, `!document.querySelector("#hours-wed-error").hidden`, 10*time.Second)
	require.Contains(t, eval[string](t, page, `document.querySelector("#hours-wed-error").textContent`), "not after it starts")
	eval[any](t, page, `document.querySelector("#hours-wed").value = "", null`)
	require.NoError(t, chromedp.Do(page, chromedp.SendKeys(chromedp.ID("#hours-wed"), "10:00-20:00")))
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#add-exception"))))
	waitFor(t, page, `document.activeElement && document.activeElement.classList.contains("exc-date")`, 5*time.Second)
	setValue(t, page, ".exc-date", "2027-12-24")
	require.NoError(t, chromedp.Do(page, chromedp.SendKeys(chromedp.CSS(".exc-ranges"), "09:00-13:00")))
	require.NoError(t, chromedp.Do(page, chromedp.Click(chromedp.ID("#facility-save"))))
	waitFor(t, page, `document.querySelector("#facility-saved").textContent.includes("saved")`, 10*time.Second)
	require.Equal(t, 390, eval[int](t, page, `document.scrollingElement.scrollWidth`), "the settings fit a phone")

	var f struct {
		Hours map[string]struct {
			Closed bool
			Ranges []struct{ From, To string }
		}
		Exceptions []struct {
			Date   string
			Ranges []struct{ From, To string }
		}
		ToleranceMinutes int `json:"tolerance_minutes"`
		Version          int
	}
	require.Equal(t, 200, staff.call("GET", "/api/v1/facility", nil, &f, auth...))
	require.True(t, f.Hours["mon"].Closed)
	require.Len(t, f.Hours["tue"].Ranges, 2)
	require.Equal(t, "13:00", f.Hours["tue"].Ranges[1].From)
	require.Equal(t, "20:00", f.Hours["wed"].Ranges[0].To)
	require.NotContains(t, f.Hours, "thu", "a day left empty is open all day")
	require.Len(t, f.Exceptions, 1)
	require.Equal(t, "2027-12-24", f.Exceptions[0].Date)
	require.Equal(t, 5, f.ToleranceMinutes)
	require.Equal(t, 1, f.Version)

	// After a reload the page shows what is stored.
	require.NoError(t, chromedp.Do(page, chromedp.Reload()))
	waitFor(t, page, `document.querySelector("#facility-form") && document.querySelector("#facility-form").dataset.loaded === "true"`, 10*time.Second)
	require.True(t, eval[bool](t, page, `document.querySelector("#hours-mon-closed").checked && document.querySelector("#hours-mon").disabled`))
	require.Equal(t, "09:00-12:00, 13:00-18:00", eval[string](t, page, `document.querySelector("#hours-tue").value`))
}
