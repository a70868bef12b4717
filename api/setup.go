package api

import (
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/seatmap/seatmap/engine"
	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/sales"
)

// Organizer and box office routes: set-up of a performance, statistics, the
// holds desk, reservations and search.

func (s *Server) listHalls(c *echo.Context) error {
	hs, err := s.sales.ListHalls(c.Request().Context())
	if err != nil {
		return err
	}
	out := listJSON[hallJSON]{Items: make([]hallJSON, 0, len(hs))}
	for _, h := range hs {
		out.Items = append(out.Items, hallJSON{ID: h.ID, Name: h.Name, Seats: h.Seats, CreatedAt: rfc3339(h.CreatedAt)})
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) setZones(c *echo.Context) error {
	var zones []hall.Zone
	if err := decode(c, &zones, 1<<20); err != nil {
		return err
	}
	if zones == nil {
		return &input.Error{Field: "zones", Reason: "send the full list of zones"}
	}
	p, err := s.sales.SetZoneList(c.Request().Context(), c.Param("id"), zones)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.performanceJSON(c, p))
}

// strokeJSON is one paint stroke: seats and exactly one action.
type strokeJSON struct {
	Seats   []string `json:"seats"`
	Zone    *string  `json:"zone"`
	Channel *string  `json:"channel"`
	Block   *string  `json:"block"`
	Unblock *bool    `json:"unblock"`
}

type skippedJSON struct {
	Seat   string `json:"seat"`
	Reason string `json:"reason"`
}

type paintJSON struct {
	Changed int           `json:"changed"`
	Skipped []skippedJSON `json:"skipped"`
}

func toPaintJSON(r sales.PaintResult) paintJSON {
	out := paintJSON{Changed: r.Changed, Skipped: make([]skippedJSON, len(r.Skipped))}
	for i, sk := range r.Skipped {
		out.Skipped[i] = skippedJSON{Seat: sk.Seat, Reason: sk.Reason}
	}
	return out
}

func (s *Server) paint(c *echo.Context) error {
	var in strokeJSON
	// 100,000 seat ids of up to 64 characters fit in 8 MB.
	if err := decode(c, &in, 8<<20); err != nil {
		return err
	}
	st := sales.Stroke{Seats: in.Seats, Zone: in.Zone, Channel: in.Channel, Block: in.Block}
	if in.Unblock != nil {
		if !*in.Unblock {
			return &input.Error{Field: "unblock", Reason: "must be true when given"}
		}
		st.Unblock = true
	}
	r, err := s.sales.Paint(c.Request().Context(), c.Param("id"), st)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toPaintJSON(r))
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
	st, err := s.sales.Stats(c.Request().Context(), c.Param("id"))
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

type templateJSON struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	HallID    string `json:"hall_id"`
	CreatedAt string `json:"created_at"`
}

func (s *Server) listTemplates(c *echo.Context) error {
	ts, err := s.sales.Templates(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	out := listJSON[templateJSON]{Items: make([]templateJSON, 0, len(ts))}
	for _, t := range ts {
		out.Items = append(out.Items, templateJSON{ID: t.ID, Name: t.Name, HallID: t.HallID, CreatedAt: rfc3339(t.CreatedAt)})
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) saveTemplate(c *echo.Context) error {
	var in struct {
		Name          string `json:"name"`
		PerformanceID string `json:"performance_id"`
	}
	if err := decode(c, &in, 4<<10); err != nil {
		return err
	}
	if _, err := s.sales.GetHall(c.Request().Context(), c.Param("id")); err != nil {
		return err
	}
	t, err := s.sales.SaveTemplate(c.Request().Context(), c.Param("id"), in.Name, in.PerformanceID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, templateJSON{ID: t.ID, Name: t.Name, HallID: t.HallID, CreatedAt: rfc3339(t.CreatedAt)})
}

func (s *Server) applyTemplate(c *echo.Context) error {
	var in struct {
		TemplateID string `json:"template_id"`
	}
	if err := decode(c, &in, 4<<10); err != nil {
		return err
	}
	r, err := s.sales.ApplyTemplate(c.Request().Context(), c.Param("id"), in.TemplateID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toPaintJSON(r))
}

func (s *Server) listHolds(c *echo.Context) error {
	hs, err := s.sales.Holds(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	out := listJSON[holdJSON]{Items: make([]holdJSON, 0, len(hs))}
	for _, h := range hs {
		out.Items = append(out.Items, toHoldJSON(h, true))
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) reserve(c *echo.Context) error {
	var in struct {
		Days        int       `json:"days"`
		Buyer       buyerJSON `json:"buyer"`
		VoucherCode string    `json:"voucher_code"`
	}
	if err := decode(c, &in, 4<<10); err != nil {
		return err
	}
	a, err := s.actorOf(c)
	if err != nil {
		return err
	}
	o, err := s.checkout.Reserve(c.Request().Context(), c.Param("token"), a, in.Days, in.Buyer.Name, in.Buyer.Email, in.VoucherCode)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toOrderJSON(o))
}

func (s *Server) extendReservation(c *echo.Context) error {
	var in struct {
		Days   int    `json:"days"`
		Reason string `json:"reason"`
	}
	if err := decode(c, &in, 4<<10); err != nil {
		return err
	}
	a, err := s.actorOf(c)
	if err != nil {
		return err
	}
	o, err := s.checkout.ExtendReservation(c.Request().Context(), c.Param("id"), in.Days, a, in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toOrderJSON(o))
}

func (s *Server) annulReservation(c *echo.Context) error {
	var in struct {
		Reason string `json:"reason"`
	}
	if c.Request().ContentLength != 0 {
		if err := decode(c, &in, 4<<10); err != nil {
			return err
		}
	}
	a, err := s.actorOf(c)
	if err != nil {
		return err
	}
	o, err := s.checkout.AnnulReservation(c.Request().Context(), c.Param("id"), a, in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toOrderJSON(o))
}

func (s *Server) payReservation(c *echo.Context) error {
	var in paymentJSON
	if err := decode(c, &in, 1<<10); err != nil {
		return err
	}
	a, err := s.actorOf(c)
	if err != nil {
		return err
	}
	o, err := s.checkout.PayReservation(c.Request().Context(), c.Param("id"), in.Method, a)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toOrderJSON(o))
}

type searchJSON struct {
	Holds  []holdJSON  `json:"holds"`
	Orders []orderJSON `json:"orders"`
}

func (s *Server) search(c *echo.Context) error {
	holds, orders, err := s.sales.Search(c.Request().Context(), c.QueryParam("q"), c.QueryParam("performance"))
	if err != nil {
		return err
	}
	out := searchJSON{Holds: make([]holdJSON, 0, len(holds)), Orders: make([]orderJSON, 0, len(orders))}
	for _, h := range holds {
		out.Holds = append(out.Holds, toHoldJSON(h, true))
	}
	for _, o := range orders {
		out.Orders = append(out.Orders, toOrderJSON(o))
	}
	return c.JSON(http.StatusOK, out)
}
