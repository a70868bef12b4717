package api

import (
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/seating"
)

func (s *Server) listHolds(c *echo.Context) error {
	hs, err := s.seats.Holds(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	out := listJSON[holdJSON]{Items: make([]holdJSON, 0, len(hs))}
	for _, h := range hs {
		out.Items = append(out.Items, toHoldJSON(h, true))
	}
	return c.JSON(http.StatusOK, out)
}

type createHoldJSON struct {
	Seats []string `json:"seats"`
	Best  *struct {
		Count      int    `json:"count"`
		Zone       string `json:"zone"`
		Accessible bool   `json:"accessible"`
	} `json:"best"`
	Channel string `json:"channel"`
}

type reservationJSON struct {
	OrderID  string    `json:"order_id"`
	Number   string    `json:"number"`
	Buyer    buyerJSON `json:"buyer"`
	Deadline string    `json:"deadline"`
}

type holdJSON struct {
	Token         string           `json:"token"`
	PerformanceID string           `json:"performance_id"`
	Seats         []string         `json:"seats"`
	ExpiresAt     string           `json:"expires_at"`
	Owner         string           `json:"owner,omitempty"`
	Channels      []string         `json:"channels,omitempty"`
	Reservation   *reservationJSON `json:"reservation,omitempty"`
}

func toHoldJSON(h seating.Hold, staff bool) holdJSON {
	out := holdJSON{Token: h.Token, PerformanceID: h.PerformanceID, Seats: h.Seats, ExpiresAt: rfc3339(h.Expires)}
	if staff {
		out.Owner, out.Channels = h.Owner, h.Channels
		if r := h.Reservation; r != nil {
			out.Reservation = &reservationJSON{OrderID: r.OrderID, Number: r.Number, Buyer: buyerJSON{Name: r.Buyer, Email: r.Email}, Deadline: rfc3339(r.Deadline)}
		}
	}
	return out
}

func (s *Server) createHold(c *echo.Context) (err error) {
	defer func() { s.metrics.holds.WithLabelValues(s.outcome(c, err)).Inc() }()
	a, err := s.actorOf(c)
	if err != nil {
		return err
	}
	if !a.Staff() {
		if ok, wait := s.limits.allow(sessionOf(c), clientAddress(c), s.now()); !ok {
			return limited("Too many requests", "too many holds from this session or address; retry in %d s", wait)
		}
	}
	var in createHoldJSON
	if err := decode(c, &in, maxBody); err != nil {
		return err
	}
	hi := seating.HoldInput{Seats: in.Seats, Channel: in.Channel}
	if in.Best != nil {
		hi.Best, hi.BestCount, hi.BestZone, hi.BestAccessible = true, in.Best.Count, in.Best.Zone, in.Best.Accessible
	}
	h, err := s.seats.Hold(c.Request().Context(), c.Param("id"), a, hi)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toHoldJSON(h, a.Staff()))
}

func (s *Server) getHold(c *echo.Context) error {
	a, err := s.actorOf(c)
	if err != nil {
		return err
	}
	h, err := s.seats.GetHold(c.Request().Context(), c.Param("token"), a)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toHoldJSON(h, a.Staff()))
}

func (s *Server) extendHold(c *echo.Context) error {
	a, err := s.actorOf(c)
	if err != nil {
		return err
	}
	var by time.Duration
	if c.Request().ContentLength > 0 {
		var in struct {
			Minutes int `json:"minutes"`
		}
		if err := decode(c, &in, 1<<10); err != nil {
			return err
		}
		if in.Minutes < 1 || in.Minutes > int(seating.MaxStaffExtension/time.Minute) {
			return &input.Error{Field: "minutes", Reason: fmt.Sprintf("must be from 1 to %d", int(seating.MaxStaffExtension/time.Minute))}
		}
		if !a.Staff() {
			return &input.Error{Field: "minutes", Reason: "only staff choose the extension"}
		}
		by = time.Duration(in.Minutes) * time.Minute
	}
	h, err := s.seats.Extend(c.Request().Context(), c.Param("token"), a, by)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toHoldJSON(h, a.Staff()))
}

func (s *Server) releaseHold(c *echo.Context) error {
	a, err := s.actorOf(c)
	if err != nil {
		return err
	}
	if err := s.seats.Release(c.Request().Context(), c.Param("token"), a); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
