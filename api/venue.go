package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/seatmap/seatmap/checkout"
)

// venueJSON is what the pages need to know of the venue: its time zone
// (seatd's -tz), in which every time is shown, and the zone's offsets and
// abbreviations over the years around now, from which the pages write times
// as the e-mails do (checkout.FormatWhen) without the browser's zone data.
type venueJSON struct {
	TimeZone  string              `json:"time_zone"`
	ZoneSpans []checkout.ZoneSpan `json:"time_zone_spans"`
}

func newVenueJSON(loc *time.Location, now time.Time) venueJSON {
	return venueJSON{TimeZone: loc.String(), ZoneSpans: checkout.VenueZoneSpans(loc, now)}
}

// venue answers GET /venue.
func (s *Server) venue(c *echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.JSON(http.StatusOK, newVenueJSON(s.checkout.Location(), time.Now()))
}
