package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/payment/testpay"
	"github.com/seatmap/seatmap/staff"
)

type holderOut struct {
	Name      string  `json:"name"`
	BirthDate *string `json:"birth_date"`
}

type personalizedPass struct {
	passOut
	Holder holderOut `json:"holder"`
}

func holderBody(name, birth string) map[string]any {
	return map[string]any{"holder": map[string]string{"name": name, "birth_date": birth}}
}

// Personalization through the buyer's link: the holder named, renamed until
// printed, refused after; another order's token and bad input change
// nothing.
func TestPersonalizePasses(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b)
			org, _ := e.staffUser(staff.RoleOrganizer)
			annual := org.createProduct(t, annualBody)
			buy := func() passOrder {
				r := e.buyer().do("POST", "/api/v1/orders", buyBody(item(annual.ID, 2)))
				require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
				var o passOrder
				r.decode(t, &o)
				require.Equal(t, "paid", o.Status)
				require.NotNil(t, o.PersonalizeURL)
				return o
			}
			o, other := buy(), buy()
			link := *o.PersonalizeURL
			first, second := o.Passes[0].ID, o.Passes[1].ID
			passes := func(url string) []personalizedPass {
				t.Helper()
				var pz struct {
					Passes []personalizedPass `json:"passes"`
				}
				r := e.buyer().do("GET", url, nil)
				require.Equal(t, http.StatusOK, r.status, "%s", r.body)
				r.decode(t, &pz)
				return pz.Passes
			}

			// Happy path, with no session: the token is the secret.
			r := e.buyer().do("PUT", link+"/passes/"+first, holderBody(" Ada Lovelace ", "1990-12-10"))
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			var got personalizedPass
			r.decode(t, &got)
			require.Equal(t, first, got.ID)
			require.Equal(t, "personalized", got.State)
			require.Equal(t, "Ada Lovelace", got.Holder.Name)
			require.Equal(t, "1990-12-10", *got.Holder.BirthDate)
			require.Nil(t, got.Code, "the link does not hand out codes")
			// Renamed while not printed.
			r = e.buyer().do("PUT", link+"/passes/"+first, holderBody("Grace Hopper", "1906-12-09"))
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)

			// GET shows the holder.
			shown := passes(link)
			require.Len(t, shown, 2)
			require.Equal(t, first, shown[0].ID)
			require.Equal(t, "personalized", shown[0].State)
			require.Equal(t, "Grace Hopper", shown[0].Holder.Name)
			require.Equal(t, "1906-12-09", *shown[0].Holder.BirthDate)
			require.Equal(t, "awaiting_personalization", shown[1].State)
			require.Empty(t, shown[1].Holder.Name)

			// Another order's token, an unknown token or pass: 404.
			for _, path := range []string{
				*other.PersonalizeURL + "/passes/" + second,
				"/api/v1/personalize/not-a-token/passes/" + second,
				link + "/passes/" + other.Passes[0].ID,
				link + "/passes/no-such-pass",
			} {
				r = e.buyer().do("PUT", path, holderBody("Mallory", "1980-01-01"))
				require.Equal(t, http.StatusNotFound, r.status, "%s: %s", path, r.body)
			}

			// Bad input: 422 naming the field.
			for _, c := range []struct {
				body  any
				field string
			}{
				{holderBody("", "1990-01-01"), "holder.name"},
				{holderBody(strings.Repeat("x", 201), "1990-01-01"), "holder.name"},
				{holderBody("Ada\tLovelace", "1990-01-01"), "holder.name"},
				{holderBody("Ada", "1990-02-30"), "holder.birth_date"},
				{holderBody("Ada", "10.12.1990"), "holder.birth_date"},
				{holderBody("Ada", "1899-12-31"), "holder.birth_date"},
				{holderBody("Ada", "2999-01-01"), "holder.birth_date"},
				{holderBody("Ada", ""), "holder.birth_date"},
				{map[string]any{}, "holder"},
			} {
				r = e.buyer().do("PUT", link+"/passes/"+second, c.body)
				require.Equal(t, http.StatusUnprocessableEntity, r.status, "%v: %s", c.body, r.body)
				require.Contains(t, r.problem(t).Field, c.field, "%v", c.body)
			}
			for _, p := range append(passes(link), passes(*other.PersonalizeURL)...) {
				if p.ID != first {
					require.Equal(t, "awaiting_personalization", p.State, "nothing changed")
					require.Empty(t, p.Holder.Name)
				}
			}

			// Printed: 409, the holder kept.
			printed, err := e.store.MarkPassesPrinted(context.Background(), []string{first})
			require.NoError(t, err)
			require.Len(t, printed, 1)
			r = e.buyer().do("PUT", link+"/passes/"+first, holderBody("Renamed", "1990-01-01"))
			require.Equal(t, http.StatusConflict, r.status, "%s", r.body)
			require.Contains(t, r.problem(t).Detail, "printed")
			shown = passes(link)
			require.Equal(t, "printed", shown[0].State)
			require.Equal(t, "Grace Hopper", shown[0].Holder.Name)
		})
	}
}

// A token opens nothing before its order is paid.
func TestPersonalizeNeedsAPaidOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t, embedded, func(o *envOptions) { o.payments = testpay.New() })
	org, _ := e.staffUser(staff.RoleOrganizer)
	annual := org.createProduct(t, annualBody)
	r := e.buyer().do("POST", "/api/v1/orders", buyBody(item(annual.ID, 1)))
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	var o passOrder
	r.decode(t, &o)
	require.Equal(t, "pending_payment", o.Status)
	got, err := e.store.GetPass(context.Background(), o.Passes[0].ID)
	require.NoError(t, err)
	token := got.PersonalizeToken
	require.NotEmpty(t, token)
	r = e.buyer().do("PUT", "/api/v1/personalize/"+token+"/passes/"+o.Passes[0].ID, holderBody("Ada", "1990-01-01"))
	require.Equal(t, http.StatusNotFound, r.status, "%s", r.body)
	got, err = e.store.GetPass(context.Background(), o.Passes[0].ID)
	require.NoError(t, err)
	require.Equal(t, "awaiting_personalization", got.State)
	require.Empty(t, got.Holder.Name)
}
