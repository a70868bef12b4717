package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/internal/pdftest"
)

// The invoice of an order (issue 17): a line per ticket, and a discount
// line naming the promotion and its code; the buyer reads it through the
// order's key, nobody else.
func TestInvoice(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b stack) {
		e := newEnv(t, b)
		admin := e.staff()
		p := e.performance(hall.Theatre(), true)
		r := admin.do("POST", "/api/v1/promotions", map[string]any{"code": "GIFT-TEN", "name": "Gift", "amount": 1000, "currency": "EUR"})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		o, r := e.buy(p.ID, "GIFT-TEN", "S-R1-S1", "S-R1-S2")
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		var full struct {
			AccessKey string `json:"access_key"`
		}
		admin.do("GET", "/api/v1/orders/"+o.ID, nil).decode(t, &full)

		path := "/api/v1/orders/" + o.ID + "/invoice.pdf"
		r = e.buyer().do("GET", path+"?key="+full.AccessKey, nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Equal(t, 1, pdftest.Pages(t, r.body))
		text := pdftest.Text(t, r.body)
		require.Contains(t, text, "Invoice")
		require.Contains(t, text, o.Number)
		require.Contains(t, text, "row 1, seat 2")
		require.Regexp(t, `Gift \(GIFT-?TEN\)\s+-10\.00`, text)
		require.Regexp(t, `Total\s+`+dec(o.Total), text)

		plain, r := e.buy(p.ID, "", "S-R2-S1")
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		r = admin.do("GET", "/api/v1/orders/"+plain.ID+"/invoice.pdf", nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.NotContains(t, pdftest.Text(t, r.body), "Gift")
		require.Equal(t, http.StatusNotFound, e.buyer().do("GET", path, nil).status, "a stranger without the key")
		require.Equal(t, http.StatusNotFound, admin.do("GET", "/api/v1/orders/nope/invoice.pdf", nil).status)
	})
}

func dec(minor int64) string {
	s := []byte{}
	s = append(s, []byte(itoa(int(minor/100)))...)
	cents := minor % 100
	return string(s) + "." + string([]byte{byte('0' + cents/10), byte('0' + cents%10)})
}
