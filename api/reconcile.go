package api

import (
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/seatmap/seatmap/checkout"
	"github.com/seatmap/seatmap/order"
)

// paymentLineJSON is a payment or refund at the provider in the staff list:
// the row and its order.
type paymentLineJSON struct {
	paymentRowJSON
	OrderID       string `json:"order_id"`
	OrderNumber   string `json:"order_number"`
	OrderStatus   string `json:"order_status"`
	OrderTotal    int64  `json:"order_total"`
	OrderRefunded int64  `json:"order_refunded"`
}

// listPayments answers GET /payments?from=&to=: the payment and refund rows
// made in [from, to), newest first, a page at a time. Both bounds are
// required (checkout.MaxReconcilePeriod at most).
func (s *Server) listPayments(c *echo.Context) error {
	q, err := parsePage(c)
	if err != nil {
		return err
	}
	f := order.PaymentFilter{From: q.From, To: q.To, Limit: q.Limit, Before: q.CursorTime, BeforeID: q.CursorID}
	page, err := s.checkout.ListPayments(c.Request().Context(), f)
	if err != nil {
		return err
	}
	out := listJSON[paymentLineJSON]{Items: make([]paymentLineJSON, 0, len(page))}
	for _, l := range page {
		p := l.Payment
		out.Items = append(out.Items, paymentLineJSON{
			paymentRowJSON: paymentRowJSON{ID: p.ID, Kind: p.Kind, Provider: p.Provider, ProviderID: p.ProviderID, RefundID: p.RefundID,
				Status: p.Status, Amount: p.Amount, Currency: p.Currency, Reason: p.Reason,
				CreatedAt: rfc3339(p.CreatedAt), UpdatedAt: rfc3339(p.UpdatedAt)},
			OrderID: p.OrderID, OrderNumber: l.OrderNumber, OrderStatus: l.OrderStatus, OrderTotal: l.OrderTotal, OrderRefunded: l.OrderRefunded,
		})
	}
	if len(page) == f.Limit {
		last := page[len(page)-1]
		out.Next = encodeCursor(last.CreatedAt, last.ID)
	}
	return c.JSON(http.StatusOK, out)
}

type findingJSON struct {
	Kind        string `json:"kind"`
	OrderID     string `json:"order_id"`
	OrderNumber string `json:"order_number"`
	PaymentID   string `json:"payment_id,omitempty"`
	Detail      string `json:"detail"`
}

type reconciliationJSON struct {
	From     string        `json:"from"`
	To       string        `json:"to"`
	Payments int           `json:"payments"`
	Refunds  int           `json:"refunds"`
	Orders   int           `json:"orders"`
	Findings []findingJSON `json:"findings"`
}

func toReconciliationJSON(r checkout.Reconciliation) reconciliationJSON {
	out := reconciliationJSON{From: rfc3339(r.From), To: rfc3339(r.To), Payments: r.Payments, Refunds: r.Refunds, Orders: r.Orders,
		Findings: make([]findingJSON, 0, len(r.Findings))}
	for _, f := range r.Findings {
		out.Findings = append(out.Findings, findingJSON{Kind: f.Kind, OrderID: f.OrderID, OrderNumber: f.OrderNumber, PaymentID: f.PaymentID, Detail: f.Detail})
	}
	return out
}

// reconcile answers POST /payments/reconciliation {from, to}: the check of
// that period, now.
func (s *Server) reconcile(c *echo.Context) error {
	var in struct {
		From string `json:"from"`
		To   string `json:"to"`
	}
	if err := decode(c, &in, maxBody); err != nil {
		return err
	}
	from, err := parseTime("from", in.From)
	if err != nil {
		return err
	}
	to, err := parseTime("to", in.To)
	if err != nil {
		return err
	}
	res, err := s.checkout.Reconcile(c.Request().Context(), from, to)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toReconciliationJSON(res))
}

// lastReconciliation answers GET /payments/reconciliation: whether the
// daily check runs, and its last run (null before the first).
func (s *Server) lastReconciliation(c *echo.Context) error {
	type runJSON struct {
		At     string             `json:"at"`
		Result reconciliationJSON `json:"result"`
	}
	out := struct {
		Daily bool     `json:"daily"`
		Last  *runJSON `json:"last"`
	}{Daily: s.checkout.ReconcileDaily()}
	if run := s.checkout.LastReconciliation(); run != nil {
		out.Last = &runJSON{At: rfc3339(run.At), Result: toReconciliationJSON(run.Result)}
	}
	return c.JSON(http.StatusOK, out)
}
