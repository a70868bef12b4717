package api_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/payment/testpay"
	"github.com/seatmap/seatmap/staff"
)

type paymentLine struct {
	ID            string `json:"id"`
	Kind          string `json:"kind"`
	Provider      string `json:"provider"`
	ProviderID    string `json:"provider_id"`
	Status        string `json:"status"`
	Amount        int64  `json:"amount"`
	Currency      string `json:"currency"`
	OrderID       string `json:"order_id"`
	OrderNumber   string `json:"order_number"`
	OrderStatus   string `json:"order_status"`
	OrderTotal    int64  `json:"order_total"`
	ClientSecret  string `json:"client_secret"`
	OrderRefunded int64  `json:"order_refunded"`
}

type reconciliation struct {
	From     string `json:"from"`
	To       string `json:"to"`
	Payments int    `json:"payments"`
	Refunds  int    `json:"refunds"`
	Orders   int    `json:"orders"`
	Findings []struct {
		Kind        string `json:"kind"`
		OrderNumber string `json:"order_number"`
	} `json:"findings"`
}

// TestPaymentsAndReconciliation: staff list the payments of a period with
// their orders, page by page, and check them against the orders; buyers
// cannot; a period that is missing, reversed or too long is refused.
func TestPaymentsAndReconciliation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, embedded, func(o *envOptions) { o.payments = hookPay{testpay.New()} })
	p := e.performance(hall.Theatre(), true)
	buyer := e.buyer()
	var orders []payOrder
	for _, seat := range []string{"S-R2-S1", "S-R2-S2", "S-R2-S3"} {
		r := buyer.do("POST", "/api/v1/performances/"+p.ID+"/holds", map[string]any{"seats": []string{seat}})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		var h hold
		r.decode(t, &h)
		r = buyer.do("POST", "/api/v1/orders", map[string]any{"hold_token": h.Token, "buyer": map[string]string{"name": "Vera", "email": "vera@example.com"}})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		var o payOrder
		r.decode(t, &o)
		r = buyer.do("POST", "/api/v1/payments/test/"+o.Payment.ID+"/approve", map[string]string{"client_secret": o.Payment.ClientSecret})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		orders = append(orders, o)
	}
	from := e.clock.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	to := e.clock.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	period := url.Values{"from": {from}, "to": {to}}

	organizer, _ := e.staffUser(staff.RoleOrganizer)
	desk, _ := e.staffUser(staff.RoleBoxOffice)
	var lines []paymentLine
	next := ""
	for pages := 0; ; pages++ {
		q := url.Values{"from": {from}, "to": {to}, "limit": {"2"}}
		if next != "" {
			q.Set("cursor", next)
		}
		r := desk.do("GET", "/api/v1/payments?"+q.Encode(), nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		var page struct {
			Items []paymentLine `json:"items"`
			Next  *string       `json:"next"`
		}
		r.decode(t, &page)
		lines = append(lines, page.Items...)
		if page.Next == nil {
			break
		}
		require.Less(t, pages, 3)
		next = *page.Next
	}
	require.Len(t, lines, 3)
	for i, l := range lines {
		o := orders[len(orders)-1-i] // newest first
		require.Equal(t, o.ID, l.OrderID)
		require.Equal(t, o.Number, l.OrderNumber)
		require.Equal(t, "paid", l.OrderStatus)
		require.Equal(t, "payment", l.Kind)
		require.Equal(t, "succeeded", l.Status)
		require.Equal(t, "test", l.Provider)
		require.Equal(t, o.Payment.ID, l.ProviderID)
		require.Equal(t, o.Total, l.Amount)
		require.Equal(t, o.Total, l.OrderTotal)
		require.Empty(t, l.ClientSecret, "staff never see client secrets")
	}

	r := organizer.do("POST", "/api/v1/payments/reconciliation", map[string]string{"from": from, "to": to})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var rec reconciliation
	r.decode(t, &rec)
	require.Empty(t, rec.Findings)
	require.Equal(t, 3, rec.Payments)
	require.Equal(t, 3, rec.Orders)
	require.Zero(t, rec.Refunds)

	r = organizer.do("GET", "/api/v1/payments/reconciliation", nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var last struct {
		Daily bool            `json:"daily"`
		Last  *reconciliation `json:"last"`
	}
	r.decode(t, &last)
	require.False(t, last.Daily)
	require.Nil(t, last.Last, "no daily run here")

	// Who may: sellers list, organizers check; buyers neither.
	require.Equal(t, http.StatusUnauthorized, buyer.do("GET", "/api/v1/payments?"+period.Encode(), nil).status)
	require.Equal(t, http.StatusUnauthorized, buyer.do("POST", "/api/v1/payments/reconciliation", map[string]string{"from": from, "to": to}).status)
	require.Equal(t, http.StatusForbidden, desk.do("POST", "/api/v1/payments/reconciliation", map[string]string{"from": from, "to": to}).status)
	require.Equal(t, http.StatusForbidden, desk.do("GET", "/api/v1/payments/reconciliation", nil).status)

	// Bad periods name the field.
	for name, c := range map[string]struct{ from, to, field string }{
		"no from":      {"", to, "from"},
		"no to":        {from, "", "to"},
		"not a time":   {"yesterday", to, "from"},
		"reversed":     {to, from, "to"},
		"too long":     {"2026-01-01", "2026-06-01", "to"},
		"empty period": {from, from, "to"},
	} {
		q := url.Values{}
		if c.from != "" {
			q.Set("from", c.from)
		}
		if c.to != "" {
			q.Set("to", c.to)
		}
		r := desk.do("GET", "/api/v1/payments?"+q.Encode(), nil)
		require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s: %s", name, r.body)
		require.Contains(t, r.problem(t).Detail, c.field, name)
		r = organizer.do("POST", "/api/v1/payments/reconciliation", map[string]string{"from": c.from, "to": c.to})
		require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s: %s", name, r.body)
		require.Contains(t, r.problem(t).Detail, c.field, name)
	}
	r = organizer.do("POST", "/api/v1/payments/reconciliation", map[string]any{"from": from, "to": to, "extra": 1})
	require.Equal(t, http.StatusUnprocessableEntity, r.status, "unknown fields are refused: %s", r.body)
}
