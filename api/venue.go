package api

import (
	"net/http"

	"github.com/labstack/echo/v5"
)

// venue answers GET /venue: what the pages need to know of the venue, its
// time zone (seatd's -tz), in which every time is shown.
func (s *Server) venue(c *echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.JSON(http.StatusOK, struct {
		TimeZone string `json:"time_zone"`
	}{s.checkout.Location().String()})
}
