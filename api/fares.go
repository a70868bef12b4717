package api

import (
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/pricing"
)

// fareJSON is one fare of a performance (issue 16): prices by zone id in
// minor units. The normal fare's prices are the zones' prices (set with the
// zones); a free fare costs 0 in every zone; a reduced fare is offered in
// the zones it has a price for. staff_only fares are refused on the web.
type fareJSON struct {
	ID        string           `json:"id"`
	Name      string           `json:"name"`
	Kind      string           `json:"kind"`
	Prices    map[string]int64 `json:"prices"`
	StaffOnly bool             `json:"staff_only"`
}

type faresJSON struct {
	PerformanceID string     `json:"performance_id"`
	Currency      string     `json:"currency"`
	Fares         []fareJSON `json:"fares"`
}

func toFaresJSON(id string, fares []pricing.Fare, zones []hall.Zone) faresJSON {
	out := faresJSON{PerformanceID: id, Fares: make([]fareJSON, len(fares))}
	if len(zones) > 0 {
		out.Currency = zones[0].Currency
	}
	for i, f := range fares {
		prices := f.Prices
		if prices == nil {
			prices = map[string]int64{}
		}
		out.Fares[i] = fareJSON{ID: f.ID, Name: f.Name, Kind: f.Kind, Prices: prices, StaffOnly: f.StaffOnly}
	}
	return out
}

// getFares lists a performance's fares: every fare for staff, those the
// web may choose for everyone else (the buyer's checkout).
func (s *Server) getFares(c *echo.Context) error {
	a, err := s.actorOf(c)
	if err != nil {
		return err
	}
	fares, zones, err := s.checkout.Fares(c.Request().Context(), c.Param("id"), a.Staff())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toFaresJSON(c.Param("id"), fares, zones))
}

// putFares replaces a performance's fares (organizers, as the painter's
// zones): the list whole, the normal fare in it.
func (s *Server) putFares(c *echo.Context) error {
	var in struct {
		Fares []fareJSON `json:"fares"`
	}
	if err := decode(c, &in, 256<<10); err != nil {
		return err
	}
	if in.Fares == nil {
		return &input.Error{Field: "fares", Reason: "send the full list of fares, the normal fare in it"}
	}
	fares := make([]pricing.Fare, len(in.Fares))
	for i, f := range in.Fares {
		fares[i] = pricing.Fare{ID: f.ID, Name: f.Name, Kind: f.Kind, Prices: f.Prices, StaffOnly: f.StaffOnly}
	}
	out, zones, err := s.checkout.SetFares(c.Request().Context(), c.Param("id"), fares)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toFaresJSON(c.Param("id"), out, zones))
}
