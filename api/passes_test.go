package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/payment/testpay"
	"github.com/seatmap/seatmap/staff"
)

type passOut struct {
	ID          string  `json:"id"`
	OrderID     string  `json:"order_id"`
	Code        *string `json:"code"`
	State       string  `json:"state"`
	ProductID   string  `json:"product_id"`
	ProductName string  `json:"product_name"`
	Price       int64   `json:"price"`
	ValidFrom   *string `json:"valid_from"`
	ValidTo     *string `json:"valid_to"`
	Personalize bool    `json:"personalize"`
}

type passOrder struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Total  int64  `json:"total"`
	Items  []struct {
		ProductID string `json:"product_id"`
		Quantity  int    `json:"quantity"`
		Price     int64  `json:"price"`
		Amount    int64  `json:"amount"`
		Passes    int    `json:"passes"`
	} `json:"items"`
	Passes         []passOut `json:"passes"`
	Tickets        []struct{ ID string }
	PersonalizeURL *string `json:"personalize_url"`
	AccessKey      string  `json:"access_key"`
	Payment        *struct {
		ID           string `json:"id"`
		ClientSecret string `json:"client_secret"`
	} `json:"payment"`
}

func buyBody(items ...map[string]any) map[string]any {
	return map[string]any{"items": items, "buyer": map[string]string{"name": "Ada", "email": "ada@example.com"}}
}

func item(product string, quantity int) map[string]any {
	return map[string]any{"product_id": product, "quantity": quantity}
}

// The acceptance through the API, in -payment none and with the
// test provider: one order of 267.00, three passes awaiting
// personalization, one link; codes once paid.
func TestBuyAnnualPasses(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		for _, mode := range []string{"none", "test"} {
			t.Run(b.name+"/"+mode, func(t *testing.T) {
				t.Parallel()
				var e *testEnv
				if mode == "test" {
					e = newEnv(t, b, func(o *envOptions) { o.payments = testpay.New() })
				} else {
					e = newEnv(t, b)
				}
				org, _ := e.staffUser(staff.RoleOrganizer)
				annual := org.createProduct(t, annualBody)
				buyer := e.buyer()
				r := buyer.do("POST", "/api/v1/orders", buyBody(item(annual.ID, 3)))
				require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
				var o passOrder
				r.decode(t, &o)
				require.Equal(t, int64(26700), o.Total)
				require.Len(t, o.Items, 1)
				require.Equal(t, 3, o.Items[0].Quantity)
				require.Equal(t, int64(8900), o.Items[0].Price)
				require.Len(t, o.Passes, 3)
				for _, p := range o.Passes {
					require.Equal(t, "awaiting_personalization", p.State)
					require.Equal(t, "Jahreskarte 2027", p.ProductName)
					require.Equal(t, "2027-01-01", *p.ValidFrom)
					require.Equal(t, "2027-12-31", *p.ValidTo)
				}
				if mode == "test" {
					require.Equal(t, "pending_payment", o.Status)
					for _, p := range o.Passes {
						require.Nil(t, p.Code, "no code before payment")
					}
					require.Nil(t, o.PersonalizeURL, "no link before payment")
					r = buyer.do("POST", "/api/v1/payments/test/"+o.Payment.ID+"/approve", map[string]string{"client_secret": o.Payment.ClientSecret})
					require.Equal(t, http.StatusOK, r.status, "%s", r.body)
					id := o.ID
					o = passOrder{}
					buyer.do("GET", "/api/v1/orders/"+id, nil).decode(t, &o)
				}
				require.Equal(t, "paid", o.Status)
				require.NotNil(t, o.PersonalizeURL)
				require.True(t, strings.HasPrefix(*o.PersonalizeURL, "/api/v1/personalize/"))
				for _, p := range o.Passes {
					require.NotNil(t, p.Code)
				}

				// The link is real: the three passes, holders empty, no codes.
				var pz struct {
					Passes []passOut `json:"passes"`
				}
				r = e.buyer().do("GET", *o.PersonalizeURL, nil)
				require.Equal(t, http.StatusOK, r.status, "%s", r.body)
				r.decode(t, &pz)
				require.Len(t, pz.Passes, 3)
				for _, p := range pz.Passes {
					require.Nil(t, p.Code)
				}
				require.Equal(t, http.StatusNotFound, e.buyer().do("GET", "/api/v1/personalize/not-a-token", nil).status)

				// The pass: to its buyer and to staff; a stranger gets 404.
				one := "/api/v1/passes/" + o.Passes[0].ID
				var got passOut
				r = buyer.do("GET", one, nil)
				require.Equal(t, http.StatusOK, r.status, "%s", r.body)
				r.decode(t, &got)
				require.Equal(t, *o.Passes[0].Code, *got.Code)
				require.Equal(t, http.StatusOK, e.staff().do("GET", one, nil).status)
				require.Equal(t, http.StatusNotFound, e.buyer().do("GET", one, nil).status)
				require.Equal(t, http.StatusOK, e.buyer().do("GET", one+"?key="+o.AccessKey, nil).status)
				qr := buyer.do("GET", "/api/v1/orders/"+o.ID+"/passes/"+o.Passes[0].ID+"/qr.svg", nil)
				require.Equal(t, http.StatusOK, qr.status, "%s", qr.body)
				require.Contains(t, string(qr.body), "<svg")

				// Staff list them by state and product.
				var page struct{ Items []passOut }
				r = e.staff().do("GET", "/api/v1/passes?state=awaiting_personalization&product="+annual.ID, nil)
				require.Equal(t, http.StatusOK, r.status, "%s", r.body)
				r.decode(t, &page)
				require.Len(t, page.Items, 3)
				require.Equal(t, http.StatusUnauthorized, e.buyer().do("GET", "/api/v1/passes", nil).status)
				require.Equal(t, http.StatusUnprocessableEntity, e.staff().do("GET", "/api/v1/passes?state=lost", nil).status)
			})
		}
	}
}

// A block card of 10 at 80.00: receipt lines 80.00 + 9 × 0.00; refunding
// one card is 409, the whole block refunds.
func TestBlockCardAPI(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b)
			org, _ := e.staffUser(staff.RoleOrganizer)
			block := org.createProduct(t, `{"kind":"block","name":"10er-Block","price":8000,"currency":"EUR","channels":["web","box_office"],"cards":10}`)
			box, _ := e.staffUser(staff.RoleBoxOffice)
			r := box.do("POST", "/api/v1/orders", map[string]any{"items": []any{item(block.ID, 1)}, "buyer": map[string]string{},
				"payment": map[string]string{"method": "cash"}})
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			var o passOrder
			r.decode(t, &o)
			require.Equal(t, "paid", o.Status)
			require.Equal(t, int64(8000), o.Total)
			require.Len(t, o.Passes, 10)
			require.Equal(t, 10, o.Items[0].Passes)
			prices := []int64{}
			ids := []string{}
			for _, p := range o.Passes {
				prices = append(prices, p.Price)
				ids = append(ids, p.ID)
				require.Equal(t, "handed_over", p.State)
				require.NotNil(t, p.Code, "sold at the counter: issued at once")
			}
			require.Equal(t, []int64{8000, 0, 0, 0, 0, 0, 0, 0, 0, 0}, prices)
			require.Nil(t, o.PersonalizeURL)

			r = box.do("POST", "/api/v1/orders/"+o.ID+"/refunds", map[string]any{"passes": ids[2:3], "reason": "one card"}, "Idempotency-Key", "one")
			require.Equal(t, http.StatusConflict, r.status, "%s", r.body)
			require.Equal(t, "https://seatmap.dev/problems/block-card-split", r.problem(t).Type)
			require.Contains(t, r.problem(t).Detail, "refund all of them together")

			r = box.do("POST", "/api/v1/orders/"+o.ID+"/refunds", map[string]any{"passes": ids, "reason": "whole block"}, "Idempotency-Key", "all")
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			var out struct {
				Refund struct {
					Amount int64    `json:"amount"`
					Passes []string `json:"passes"`
				} `json:"refund"`
				Order passOrder `json:"order"`
			}
			r.decode(t, &out)
			require.Equal(t, int64(8000), out.Refund.Amount)
			require.Len(t, out.Refund.Passes, 10)
			require.Equal(t, "refunded", out.Order.Status)
			for _, p := range out.Order.Passes {
				require.Equal(t, "void", p.State)
			}
		})
	}
}

func TestBadItemsAPI(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b)
			org, _ := e.staffUser(staff.RoleOrganizer)
			annual := org.createProduct(t, annualBody)
			buyer := e.buyer()
			for _, c := range []struct {
				name  string
				body  map[string]any
				field string
			}{
				{"unknown product", buyBody(item("pr-none", 1)), "items[0].product_id"},
				{"quantity 0", buyBody(item(annual.ID, 0)), "items[0].quantity"},
				{"quantity 10000", buyBody(item(annual.ID, 10000)), "items[0].quantity"},
				{"no hold, no items", buyBody(), "hold_token"},
			} {
				r := buyer.do("POST", "/api/v1/orders", c.body)
				require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s: %s", c.name, r.body)
				require.Equal(t, c.field, r.problem(t).Field, c.name)
			}
			var page struct{ Items []passOut }
			e.staff().do("GET", "/api/v1/passes", nil).decode(t, &page)
			require.Empty(t, page.Items)
			var orders struct{ Items []passOrder }
			e.staff().do("GET", "/api/v1/orders", nil).decode(t, &orders)
			require.Empty(t, orders.Items)
		})
	}
}

// Seats and passes in one order: one payment, one order.
func TestSeatsAndPassesAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, embedded)
	org, _ := e.staffUser(staff.RoleOrganizer)
	day := org.createProduct(t, dayBody)
	p := e.performance(hall.Theatre(), true)
	buyer := e.buyer()
	r := buyer.do("POST", "/api/v1/performances/"+p.ID+"/holds", map[string]any{"seats": []string{"S-R3-S1"}})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	var h hold
	r.decode(t, &h)
	body := buyBody(item(day.ID, 2))
	body["hold_token"] = h.Token
	r = buyer.do("POST", "/api/v1/orders", body)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	var o passOrder
	r.decode(t, &o)
	require.Len(t, o.Tickets, 1)
	require.Len(t, o.Passes, 2)
	require.Equal(t, "handed_over", o.Passes[0].State)
	require.Nil(t, o.PersonalizeURL, "a day ticket needs no personalization")
}
