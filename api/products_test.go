package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/staff"
)

// The two bodies issue 14 fixes, exactly.
const (
	annualBody = `{"kind":"annual","name":"Jahreskarte 2027","price":8900,"currency":"EUR","channels":["web","box_office"],"valid_from":"2027-01-01","valid_to":"2027-12-31"}`
	dayBody    = `{"kind":"day","name":"Tageskarte","price":1500,"currency":"EUR","channels":["web"],"entries":1}`
)

type productOut struct {
	ID           string   `json:"id"`
	Kind         string   `json:"kind"`
	Name         string   `json:"name"`
	Price        int64    `json:"price"`
	Channels     []string `json:"channels"`
	OnSale       bool     `json:"on_sale"`
	Validity     string   `json:"validity"`
	ValidFrom    string   `json:"valid_from"`
	ValidTo      string   `json:"valid_to"`
	ValidDays    int      `json:"valid_days"`
	Entries      *int     `json:"entries"`
	Personalized bool     `json:"personalized"`
	Version      int      `json:"version"`
}

func (c *client) createProduct(t *testing.T, body any) productOut {
	t.Helper()
	r := c.do("POST", "/api/v1/products", body)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	var p productOut
	r.decode(t, &p)
	require.NotEmpty(t, p.ID)
	require.Equal(t, fmt.Sprintf(`"%d"`, p.Version), strings.TrimPrefix(r.header.Get("ETag"), "W/"))
	return p
}

func listIDs(t *testing.T, r response) []string {
	t.Helper()
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var page struct{ Items []productOut }
	r.decode(t, &page)
	out := []string{}
	for _, p := range page.Items {
		out = append(out, p.ID)
	}
	return out
}

func TestProducts(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b)
			org, _ := e.staffUser(staff.RoleOrganizer)
			box, _ := e.staffUser(staff.RoleBoxOffice)
			buyer := e.buyer()

			// The examples answer 201 with the product.
			annual := org.createProduct(t, annualBody)
			require.Equal(t, "annual", annual.Kind)
			require.Equal(t, int64(8900), annual.Price)
			require.Equal(t, "fixed", annual.Validity)
			require.Equal(t, "2027-01-01", annual.ValidFrom)
			require.Equal(t, "2027-12-31", annual.ValidTo)
			require.True(t, annual.Personalized, "annual passes need personalization")
			require.True(t, annual.OnSale)
			day := org.createProduct(t, dayBody)
			require.Equal(t, 1, *day.Entries)
			require.Equal(t, "first_use", day.Validity)
			require.Equal(t, 1, day.ValidDays)

			counter := org.createProduct(t, map[string]any{"kind": "day", "name": "Kasse", "price": 1200, "currency": "EUR", "channels": []string{"box_office"}})
			off := org.createProduct(t, map[string]any{"kind": "week", "name": "Woche", "price": 4000, "currency": "EUR", "channels": []string{"web"}, "on_sale": false})
			staffCard := org.createProduct(t, map[string]any{"kind": "staff", "name": "Mitarbeiter", "price": 0, "currency": "EUR", "channels": []string{}, "on_sale": false})

			// Buyers: only what is on sale on the web; no filters of theirs widen it.
			require.Equal(t, []string{annual.ID, day.ID}, listIDs(t, buyer.do("GET", "/api/v1/products", nil)))
			require.Equal(t, []string{annual.ID, day.ID}, listIDs(t, buyer.do("GET", "/api/v1/products?on_sale=false&channel=box_office", nil)))
			require.Equal(t, []string{day.ID}, listIDs(t, buyer.do("GET", "/api/v1/products?kind=day", nil)))
			require.Equal(t, http.StatusOK, buyer.do("GET", "/api/v1/products/"+day.ID, nil).status)
			for _, hidden := range []string{counter.ID, off.ID, staffCard.ID} {
				r := buyer.do("GET", "/api/v1/products/"+hidden, nil)
				require.Equal(t, http.StatusNotFound, r.status)
				require.Contains(t, r.problem(t).Type, "product-not-found")
			}
			// Staff: everything, with filters.
			require.Equal(t, []string{annual.ID, day.ID, counter.ID, off.ID, staffCard.ID}, listIDs(t, box.do("GET", "/api/v1/products", nil)))
			require.Equal(t, []string{off.ID, staffCard.ID}, listIDs(t, box.do("GET", "/api/v1/products?on_sale=false", nil)))
			require.Equal(t, []string{annual.ID, counter.ID}, listIDs(t, box.do("GET", "/api/v1/products?channel=box_office", nil)))
			require.Equal(t, http.StatusOK, box.do("GET", "/api/v1/products/"+staffCard.ID, nil).status)
			// Keyset pages.
			r := box.do("GET", "/api/v1/products?limit=2", nil)
			require.Equal(t, []string{annual.ID, day.ID}, listIDs(t, r))
			var page struct{ Next string }
			r.decode(t, &page)
			require.NotEmpty(t, page.Next)
			require.Equal(t, []string{counter.ID, off.ID}, listIDs(t, box.do("GET", "/api/v1/products?limit=2&cursor="+page.Next, nil)))

			// Buyers and the box office cannot make or change products.
			r = buyer.do("POST", "/api/v1/products", dayBody)
			require.Equal(t, http.StatusUnauthorized, r.status)
			r = box.do("POST", "/api/v1/products", dayBody)
			require.Equal(t, http.StatusForbidden, r.status)
			require.Equal(t, http.StatusUnauthorized, buyer.do("PATCH", "/api/v1/products/"+day.ID, `{"price":1}`).status)
			require.Equal(t, http.StatusForbidden, box.do("PATCH", "/api/v1/products/"+day.ID, `{"price":1}`).status)
			require.Len(t, listIDs(t, box.do("GET", "/api/v1/products", nil)), 5, "nothing was made")
		})
	}
}

func TestProductBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t, embedded)
	org, _ := e.staffUser(staff.RoleOrganizer)
	for _, tc := range []struct {
		name, body, field string
	}{
		{"unknown kind", `{"kind":"monthly","name":"X","price":1,"currency":"EUR","channels":["web"]}`, "kind"},
		{"negative price", `{"kind":"day","name":"X","price":-1,"currency":"EUR","channels":["web"]}`, "price"},
		{"absurd price", `{"kind":"day","name":"X","price":100000000000,"currency":"EUR","channels":["web"]}`, "price"},
		{"unknown currency", `{"kind":"day","name":"X","price":1,"currency":"EUX","channels":["web"]}`, "currency"},
		{"no channels", `{"kind":"day","name":"X","price":1,"currency":"EUR","channels":[]}`, "channels"},
		{"bad channel", `{"kind":"day","name":"X","price":1,"currency":"EUR","channels":["Web Shop"]}`, "channels[0]"},
		{"long name", `{"kind":"day","name":"` + strings.Repeat("x", 201) + `","price":1,"currency":"EUR","channels":["web"]}`, "name"},
		{"valid_to before valid_from", `{"kind":"annual","name":"X","price":1,"currency":"EUR","channels":["web"],"valid_from":"2027-12-31","valid_to":"2027-01-01"}`, "valid_to"},
		{"not a date", `{"kind":"annual","name":"X","price":1,"currency":"EUR","channels":["web"],"valid_from":"2027-02-30","valid_to":"2027-12-31"}`, "valid_from"},
		{"day choice N > M", `{"kind":"day_choice","name":"X","price":1,"currency":"EUR","channels":["web"],"days":6,"within_days":5}`, "days"},
		{"window backwards", `{"kind":"day","name":"X","price":1,"currency":"EUR","channels":["web"],"window":{"from":"12:00","to":"08:00"}}`, "window"},
		{"rule of another kind", `{"kind":"day","name":"X","price":1,"currency":"EUR","channels":["web"],"cards":10}`, "cards"},
		{"staff card on sale", `{"kind":"staff","name":"X","price":0,"currency":"EUR","channels":["box_office"]}`, "channels"},
		{"staff card on sale without channels", `{"kind":"staff","name":"X","price":0,"currency":"EUR","channels":[],"on_sale":true}`, "on_sale"},
		{"pass voucher for no product", `{"kind":"pass_voucher","name":"X","price":1,"currency":"EUR","channels":["box_office"],"exchange_for":"pr-none"}`, "exchange_for"},
	} {
		r := org.do("POST", "/api/v1/products", tc.body)
		require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s: %s", tc.name, r.body)
		p := r.problem(t)
		require.Equal(t, tc.field, p.Field, "%s: %s", tc.name, p.Detail)
	}
	r := org.do("POST", "/api/v1/products", `{"kind":"day","name":"X","price":1,"currency":"EUR","channels":["web"],"colour":"red"}`)
	require.Equal(t, http.StatusUnprocessableEntity, r.status, "unknown fields are refused")
	r = org.do("POST", "/api/v1/products", `{"kind":"day","name":"`+strings.Repeat("x", 20<<10)+`"}`)
	require.Equal(t, http.StatusRequestEntityTooLarge, r.status)
	r = org.do("POST", "/api/v1/products", map[string]any{"kind": "entitlement", "name": "X", "price": 1, "currency": "EUR", "channels": []string{"web"}, "zones": make([]string, 65)})
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	require.Empty(t, listIDs(t, org.do("GET", "/api/v1/products", nil)), "nothing was made")
}

func TestProductPatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t, production)
	org, _ := e.staffUser(staff.RoleOrganizer)
	day := org.createProduct(t, dayBody)

	r := org.do("PATCH", "/api/v1/products/"+day.ID, `{"price":1800,"channels":["web","box_office"]}`, "If-Match", `"1"`)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var got productOut
	r.decode(t, &got)
	require.Equal(t, int64(1800), got.Price)
	require.Equal(t, []string{"web", "box_office"}, got.Channels)
	require.Equal(t, "Tageskarte", got.Name, "fields not named stay")
	require.Equal(t, 1, *got.Entries)
	require.Equal(t, 2, got.Version)
	require.Equal(t, `"2"`, strings.TrimPrefix(r.header.Get("ETag"), "W/"))

	// An edit made on version 1 is stale.
	r = org.do("PATCH", "/api/v1/products/"+day.ID, `{"price":1}`, "If-Match", `"1"`)
	require.Equal(t, http.StatusPreconditionFailed, r.status, "%s", r.body)
	require.Contains(t, r.problem(t).Type, "stale")
	// Bad changes name their field and change nothing.
	for body, field := range map[string]string{
		`{"price":-5}`:    "price",
		`{"kind":"week"}`: "kind",
		`{"window":{"from":"10:00","to":"09:00"}}`: "window",
		`{"channels":[]}`:                          "channels",
	} {
		r = org.do("PATCH", "/api/v1/products/"+day.ID, body)
		require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s: %s", body, r.body)
		require.Equal(t, field, r.problem(t).Field, body)
	}
	require.Equal(t, http.StatusUnprocessableEntity, org.do("PATCH", "/api/v1/products/"+day.ID, `{"id":"other"}`).status)
	r = org.do("GET", "/api/v1/products/"+day.ID, nil)
	r.decode(t, &got)
	require.Equal(t, int64(1800), got.Price)
	require.Equal(t, 2, got.Version)
	// Off sale: buyers no longer see it.
	require.Equal(t, http.StatusOK, org.do("PATCH", "/api/v1/products/"+day.ID, `{"on_sale":false}`).status)
	require.Equal(t, http.StatusNotFound, e.buyer().do("GET", "/api/v1/products/"+day.ID, nil).status)
	require.Equal(t, http.StatusNotFound, org.do("PATCH", "/api/v1/products/pr-none", `{"price":1}`).status)
}

func TestFacilitySettings(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b)
			org, _ := e.staffUser(staff.RoleOrganizer)
			box, _ := e.staffUser(staff.RoleBoxOffice)
			buyer := e.buyer()

			r := buyer.do("GET", "/api/v1/facility", nil)
			require.Equal(t, http.StatusOK, r.status)
			require.JSONEq(t, `{"hours":{},"exceptions":[],"season":null}`, string(r.body), "no settings: open every day, all day")

			settings := `{"hours":{"mon":{"closed":true},"tue":{"ranges":[{"from":"09:00","to":"12:00"},{"from":"13:00","to":"18:00"}]}},
"exceptions":[{"date":"2027-12-24","note":"Heiligabend","ranges":[{"from":"09:00","to":"13:00"}]}],
"season":{"from":"2027-05-01","to":"2027-09-30"},"tolerance_minutes":15,"zones":[{"id":"pool","name":"Becken"},{"id":"sauna","name":"Sauna"}]}`
			require.Equal(t, http.StatusUnauthorized, buyer.do("PUT", "/api/v1/facility", settings).status)
			require.Equal(t, http.StatusForbidden, box.do("PUT", "/api/v1/facility", settings).status)
			r = org.do("PUT", "/api/v1/facility", settings, "If-Match", `"0"`)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			require.Equal(t, `"1"`, strings.TrimPrefix(r.header.Get("ETag"), "W/"))
			r = org.do("PUT", "/api/v1/facility", settings, "If-Match", `"0"`)
			require.Equal(t, http.StatusPreconditionFailed, r.status, "a second first write is stale")

			var pub struct {
				Hours map[string]struct {
					Closed bool
					Ranges []struct{ From, To string }
				}
				Zones            []any
				ToleranceMinutes *int `json:"tolerance_minutes"`
			}
			buyer.do("GET", "/api/v1/facility", nil).decode(t, &pub)
			require.True(t, pub.Hours["mon"].Closed)
			require.Len(t, pub.Hours["tue"].Ranges, 2)
			require.Nil(t, pub.Zones, "buyers see hours, not zones")
			require.Nil(t, pub.ToleranceMinutes)
			var full struct {
				Zones            []struct{ ID, Name string }
				ToleranceMinutes int `json:"tolerance_minutes"`
				Version          int
			}
			box.do("GET", "/api/v1/facility", nil).decode(t, &full)
			require.Equal(t, 15, full.ToleranceMinutes)
			require.Equal(t, "Becken", full.Zones[0].Name)
			require.Equal(t, 1, full.Version)

			for body, field := range map[string]string{
				`{"hours":{"mon":{"ranges":[{"from":"18:00","to":"09:00"}]}}}`:               "hours.mon.ranges[0]",
				`{"hours":{"monday":{}}}`:                                                    "hours",
				`{"season":{"from":"2027-09-30","to":"2027-05-01"}}`:                         "season.to",
				`{"tolerance_minutes":-1}`:                                                   "tolerance_minutes",
				`{"zones":[{"id":"Pool Area","name":"Pool"}]}`:                               "zones[0].id",
				`{"exceptions":[{"date":"2027-01-01","closed":true},{"date":"2027-01-01"}]}`: "exceptions[1].date",
			} {
				r = org.do("PUT", "/api/v1/facility", body)
				require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s: %s", body, r.body)
				require.Equal(t, field, r.problem(t).Field, body)
			}
			box.do("GET", "/api/v1/facility", nil).decode(t, &full)
			require.Equal(t, 1, full.Version, "bad settings change nothing")
			r = org.do("PUT", "/api/v1/facility", `{"tolerance_minutes":5}`)
			require.Equal(t, http.StatusOK, r.status, "without If-Match the settings are replaced")
			box.do("GET", "/api/v1/facility", nil).decode(t, &full)
			require.Equal(t, 2, full.Version)
			require.Equal(t, 5, full.ToleranceMinutes)
		})
	}
}
