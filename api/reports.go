package api

import (
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/seatmap/seatmap/engine"
	"github.com/seatmap/seatmap/report"
)

type figuresJSON struct {
	Key string `json:"key,omitempty"`
	report.Figures
}

// codeUseJSON is a code's line in the sales report: the paid orders made
// with it and what it took off them.
type codeUseJSON struct {
	Code     string `json:"code"`
	Uses     int    `json:"uses"`
	Discount int64  `json:"discount"`
}

func (s *Server) salesReport(c *echo.Context) error {
	from, err := parseTime("from", c.QueryParam("from"))
	if err != nil {
		return err
	}
	to, err := parseTime("to", c.QueryParam("to"))
	if err != nil {
		return err
	}
	r, err := s.checkout.SalesReport(c.Request().Context(), c.QueryParam("performance"), from, to)
	if err != nil {
		return err
	}
	out := struct {
		Currency  string        `json:"currency"`
		Holds     int           `json:"holds"`
		HeldSeats int           `json:"held_seats"`
		Total     figuresJSON   `json:"total"`
		Zones     []figuresJSON `json:"zones"`
		Channels  []figuresJSON `json:"channels"`
		Products  []figuresJSON `json:"products"`
		Fares     []figuresJSON `json:"fares"` // the tickets by fare id
		Codes     []codeUseJSON `json:"codes"` // the voucher and promotion codes used
	}{Codes: []codeUseJSON{}, Currency: r.Currency, Holds: r.Holds, HeldSeats: r.HeldSeats, Total: figuresJSON{Figures: r.Total},
		Zones: []figuresJSON{}, Channels: []figuresJSON{}, Products: []figuresJSON{}, Fares: []figuresJSON{}}
	for _, l := range r.Zones {
		out.Zones = append(out.Zones, figuresJSON{Key: l.Key, Figures: l.Figures})
	}
	for _, l := range r.Channels {
		out.Channels = append(out.Channels, figuresJSON{Key: l.Key, Figures: l.Figures})
	}
	for _, l := range r.Fares {
		out.Fares = append(out.Fares, figuresJSON{Key: l.Key, Figures: l.Figures})
	}
	for _, l := range r.Codes {
		out.Codes = append(out.Codes, codeUseJSON{Code: l.Code, Uses: l.Uses, Discount: l.Discount})
	}
	for _, l := range r.Products {
		out.Products = append(out.Products, figuresJSON{Key: l.Key, Figures: l.Figures})
	}
	return c.JSON(http.StatusOK, out)
}

type countsByJSON struct {
	Zone    string `json:"zone,omitempty"`
	Channel string `json:"channel,omitempty"`
	countsJSON
}

type statsJSON struct {
	Counts   countsJSON     `json:"counts"`
	Zones    []countsByJSON `json:"zones"`
	Channels []countsByJSON `json:"channels"`
}

func toCounts(c engine.Counts) countsJSON {
	return countsJSON{Free: c.Free, Held: c.Held, Sold: c.Sold, Blocked: c.Blocked}
}

func (s *Server) stats(c *echo.Context) error {
	st, err := s.seats.Stats(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	out := statsJSON{Counts: toCounts(st.Total), Zones: []countsByJSON{}, Channels: []countsByJSON{}}
	for _, z := range st.Zones {
		out.Zones = append(out.Zones, countsByJSON{Zone: z.Name, countsJSON: toCounts(z.Counts)})
	}
	for _, ch := range st.Channels {
		out.Channels = append(out.Channels, countsByJSON{Channel: ch.Name, countsJSON: toCounts(ch.Counts)})
	}
	return c.JSON(http.StatusOK, out)
}
