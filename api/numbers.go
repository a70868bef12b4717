package api

import (
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/seatmap/seatmap/order"
)

// ticketNumberJSON is one line of the register of ticket numbers.
type ticketNumberJSON struct {
	Series     string  `json:"series"`
	Number     int     `json:"number"`
	Form       string  `json:"form"` // "AA 000123", as printed
	TicketID   string  `json:"ticket_id"`
	OrderID    string  `json:"order_id"`
	IssuedAt   string  `json:"issued_at"`
	VoidedAt   *string `json:"voided_at,omitempty"`
	VoidReason string  `json:"void_reason,omitempty"`
}

type ticketRegisterJSON struct {
	PerformanceID string             `json:"performance_id"`
	Issued        int                `json:"issued"` // numbers drawn, voided ones too
	Voided        int                `json:"voided"`
	Numbers       []ticketNumberJSON `json:"numbers"`
}

// ticketRegister answers GET /performances/{id}/ticket-numbers: every
// number drawn for the performance's tickets, by series and number, voided
// ones listed with why (never used again).
func (s *Server) ticketRegister(c *echo.Context) error {
	ctx := c.Request().Context()
	p, err := s.seats.Performance(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	ns, err := s.checkout.TicketRegister(ctx, p.ID())
	if err != nil {
		return err
	}
	out := ticketRegisterJSON{PerformanceID: p.ID(), Issued: len(ns), Numbers: make([]ticketNumberJSON, len(ns))}
	for i, n := range ns {
		out.Numbers[i] = toTicketNumberJSON(n)
		if n.Voided() {
			out.Voided++
		}
	}
	return c.JSON(http.StatusOK, out)
}

func toTicketNumberJSON(n order.TicketNumber) ticketNumberJSON {
	j := ticketNumberJSON{Series: n.Series, Number: n.Number, Form: n.Form(), TicketID: n.TicketID, OrderID: n.OrderID,
		IssuedAt: rfc3339(n.IssuedAt), VoidReason: n.VoidReason}
	if n.Voided() {
		v := rfc3339(n.VoidedAt)
		j.VoidedAt = &v
	}
	return j
}
