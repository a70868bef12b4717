package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/seating"
)

type hallJSON struct {
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Seats     int             `json:"seats"`
	CreatedAt string          `json:"created_at"`
	Layout    json.RawMessage `json:"layout,omitempty"`
}

func (s *Server) createHall(c *echo.Context) error {
	r := c.Request()
	if err := requireJSON(r, "layout"); err != nil {
		return err
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, hall.MaxLayoutBytes+1))
	if err != nil {
		return problem(http.StatusBadRequest, "bad-body", "Unreadable body", err.Error())
	}
	if len(data) > hall.MaxLayoutBytes {
		return problem(http.StatusRequestEntityTooLarge, "too-large", "Layout too large", fmt.Sprintf("a layout may have at most %d bytes", hall.MaxLayoutBytes))
	}
	if err := checkBody(data); err != nil {
		return err
	}
	sh, _, err := s.seats.CreateHall(r.Context(), data)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, hallJSON{ID: sh.ID, Name: sh.Name, Seats: sh.Seats, CreatedAt: rfc3339(sh.CreatedAt)})
}

func (s *Server) getHall(c *echo.Context) error {
	sh, err := s.seats.GetHall(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, hallJSON{ID: sh.ID, Name: sh.Name, Seats: sh.Seats, CreatedAt: rfc3339(sh.CreatedAt), Layout: sh.Layout})
}

type countsJSON struct {
	Free    int `json:"free"`
	Held    int `json:"held"`
	Sold    int `json:"sold"`
	Blocked int `json:"blocked"`
}

type limitsJSON struct {
	MaxSeatsPerHold int `json:"max_seats_per_hold"`
	HoldTTLSeconds  int `json:"hold_ttl_seconds"`
}

type performanceJSON struct {
	ID       string      `json:"id"`
	HallID   string      `json:"hall_id"`
	Name     string      `json:"name"`
	StartsAt string      `json:"starts_at"`
	TimeZone string      `json:"time_zone"` // the venue's (IANA), in which starts_at is shown
	Status   string      `json:"status"`
	Zones    []hall.Zone `json:"zones"`
	Counts   *countsJSON `json:"counts,omitempty"`
	Limits   *limitsJSON `json:"limits,omitempty"`
	// Reentry: a ticket gets in again after an exit.
	Reentry   bool   `json:"reentry"`
	CreatedAt string `json:"created_at"`
	// RescheduledTo: the replacement date it moved to (issue 16); one
	// performance's read only.
	RescheduledTo *rescheduledJSON `json:"rescheduled_to,omitempty"`
}

func (s *Server) performanceJSON(c *echo.Context, p catalog.Performance) performanceJSON {
	out := performanceJSON{
		ID: p.ID, HallID: p.HallID, Name: p.Name, StartsAt: rfc3339(p.StartsAt), TimeZone: s.checkout.Location().String(), Status: p.Status,
		Zones: p.Zones, Reentry: p.Reentry, CreatedAt: rfc3339(p.CreatedAt),
	}
	if out.Zones == nil {
		out.Zones = []hall.Zone{}
	}
	if counts, err := s.seats.Counts(c.Request().Context(), p.ID); err == nil {
		out.Counts = &countsJSON{Free: counts.Free, Held: counts.Held, Sold: counts.Sold, Blocked: counts.Blocked}
	}
	return out
}

type createPerformanceJSON struct {
	HallID     string      `json:"hall_id"`
	Name       string      `json:"name"`
	StartsAt   time.Time   `json:"starts_at"`
	Zones      []hall.Zone `json:"zones"`
	OnSale     bool        `json:"on_sale"`
	TemplateID string      `json:"template_id"`
	Reentry    bool        `json:"reentry"`
}

func (s *Server) createPerformance(c *echo.Context) error {
	var in createPerformanceJSON
	if err := decode(c, &in, 1<<20); err != nil {
		return err
	}
	p, err := s.seats.CreatePerformance(c.Request().Context(), seating.NewPerformance{
		HallID: in.HallID, Name: in.Name, StartsAt: in.StartsAt, Zones: in.Zones, OnSale: in.OnSale, TemplateID: in.TemplateID, Reentry: in.Reentry,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, s.performanceJSON(c, p))
}

func (s *Server) listPerformances(c *echo.Context) error {
	_, staff, err := s.staffOf(c)
	if err != nil {
		return err
	}
	q, err := parsePage(c)
	if err != nil {
		return err
	}
	f := catalog.PerformanceFilter{From: q.From, To: q.To, Limit: q.Limit, AfterStartsAt: q.CursorTime, AfterID: q.CursorID}
	page, err := s.seats.ListPerformances(c.Request().Context(), f)
	if err != nil {
		return err
	}
	out := listJSON[performanceJSON]{Items: []performanceJSON{}}
	for _, p := range page {
		if !staff && p.Status == catalog.Draft {
			continue // drafts are for staff eyes only
		}
		out.Items = append(out.Items, s.performanceJSON(c, p))
	}
	if len(page) == f.Limit {
		last := page[len(page)-1]
		out.Next = encodeCursor(last.StartsAt, last.ID)
	}
	return c.JSON(http.StatusOK, out)
}

// visiblePerformance loads a performance; drafts are hidden from buyers.
func (s *Server) visiblePerformance(c *echo.Context, id string) (catalog.Performance, error) {
	p, err := s.seats.GetPerformance(c.Request().Context(), id)
	if err != nil {
		return p, err
	}
	if p.Status == catalog.Draft {
		if _, staff, err := s.staffOf(c); err != nil || !staff {
			return catalog.Performance{}, fmt.Errorf("performance %s: %w", id, seating.ErrPerformanceNotFound)
		}
	}
	return p, nil
}

func (s *Server) getPerformance(c *echo.Context) error {
	p, err := s.visiblePerformance(c, c.Param("id"))
	if err != nil {
		return err
	}
	out := s.performanceJSON(c, p)
	if p.Status != catalog.OnSale { // a rescheduled original is stopped: no look-up on a sale's page
		out.RescheduledTo = s.rescheduledTo(c, p.ID)
	}
	l := s.seats.Limits()
	out.Limits = &limitsJSON{MaxSeatsPerHold: l.MaxSeatsPerHold, HoldTTLSeconds: int(l.HoldTTL / time.Second)}
	c.Response().Header().Set("ETag", catalog.PerformanceETag(p)) // If-Match of a PATCH
	return c.JSON(http.StatusOK, out)
}

func (s *Server) setStatus(status string) echo.HandlerFunc {
	return func(c *echo.Context) error {
		id := c.Param("id")
		if err := s.seats.SetStatus(c.Request().Context(), id, status); err != nil {
			return err
		}
		p, err := s.seats.GetPerformance(c.Request().Context(), id)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, s.performanceJSON(c, p))
	}
}

type seatJSON struct {
	ID      string  `json:"id"`
	Index   int     `json:"index"`
	Section string  `json:"section"`
	Row     string  `json:"row"`
	Number  string  `json:"number"`
	X       float64 `json:"x"`
	Y       float64 `json:"y"`
	Zone    *string `json:"zone"`
	State   string  `json:"state"`
	Channel string  `json:"channel"`
	Block   string  `json:"block,omitempty"`
	// Accessible marks wheelchair spaces and their companion seats.
	Accessible bool `json:"accessible,omitempty"`
}

type seatmapJSON struct {
	PerformanceID string      `json:"performance_id"`
	Version       uint64      `json:"version"`
	Seats         []seatJSON  `json:"seats"`
	Zones         []hall.Zone `json:"zones"`
	Channels      []string    `json:"channels"`
	Stage         *hall.Rect  `json:"stage"`
}

type rowJSON struct {
	Section int    `json:"section"`
	Label   string `json:"label"`
}

type sectionJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// compactSeatmapJSON carries the same facts column by column: a third of the
// size of the verbose form for a stadium, and cheap to load into typed arrays.
type compactSeatmapJSON struct {
	PerformanceID string        `json:"performance_id"`
	Version       uint64        `json:"version"`
	Count         int           `json:"count"`
	IDs           []string      `json:"ids"`
	X             []float64     `json:"x"`
	Y             []float64     `json:"y"`
	Zone          []int         `json:"zone"`
	Row           []uint32      `json:"row"`
	Number        []string      `json:"number"`
	Rows          []rowJSON     `json:"rows"`
	Sections      []sectionJSON `json:"sections"`
	States        string        `json:"states"`
	Channel       []int         `json:"channel"`
	Channels      []string      `json:"channels"`
	Blocks        [][2]any      `json:"blocks,omitempty"` // staff only: [seat index, reason]
	Accessible    []int         `json:"accessible"`       // indexes of accessible seats, ascending
	Zones         []hall.Zone   `json:"zones"`
	Stage         *hall.Rect    `json:"stage"`
}

func (s *Server) seatmap(c *echo.Context) error {
	id := c.Param("id")
	if _, err := s.visiblePerformance(c, id); err != nil {
		return err
	}
	_, staff, err := s.staffOf(c)
	if err != nil {
		return err
	}
	m, err := s.seats.Seatmap(c.Request().Context(), id)
	if err != nil {
		return err
	}
	h, snap := m.Hall, &m.Snapshot
	zones := m.Zones
	if zones == nil {
		zones = []hall.Zone{}
	}
	switch c.QueryParam("format") {
	case "", "full":
	case "packed":
		return jsonValidated(c, packSeatmap(id, &m, zones, staff))
	case "compact":
		out := compactSeatmapJSON{
			PerformanceID: id, Version: snap.Version, Count: h.N(),
			IDs: make([]string, h.N()), X: make([]float64, h.N()), Y: make([]float64, h.N()),
			Zone: make([]int, h.N()), Row: make([]uint32, h.N()), Number: make([]string, h.N()),
			Channel: make([]int, h.N()), Channels: m.Channels,
			Zones: zones, Stage: h.Layout.Stage, Accessible: []int{},
		}
		states := make([]byte, h.N())
		for i, st := range h.Seats {
			out.IDs[i], out.X[i], out.Y[i], out.Row[i], out.Number[i] = st.ID, st.X, st.Y, st.Row, st.Number
			out.Zone[i] = -1
			if z := snap.Zones[i]; z != hall.NoZone {
				out.Zone[i] = int(z)
			}
			out.Channel[i] = int(snap.Channels[i])
			states[i] = '0' + byte(snap.States[i])
			if st.Accessible {
				out.Accessible = append(out.Accessible, i)
			}
		}
		out.States = string(states)
		for _, r := range h.Rows {
			out.Rows = append(out.Rows, rowJSON{Section: int(r.Section), Label: r.Label})
		}
		for _, sec := range h.Sections {
			out.Sections = append(out.Sections, sectionJSON{ID: sec.ID, Name: sec.Name})
		}
		if staff {
			out.Blocks = [][2]any{}
			for _, seat := range slices.Sorted(maps.Keys(m.Blocks)) {
				out.Blocks = append(out.Blocks, [2]any{seat, m.Blocks[seat]})
			}
		}
		return c.JSON(http.StatusOK, out)
	default:
		return &input.Error{Field: "format", Reason: "must be full, compact or packed"}
	}
	out := seatmapJSON{PerformanceID: id, Version: snap.Version, Seats: make([]seatJSON, h.N()), Zones: zones, Channels: m.Channels, Stage: h.Layout.Stage}
	for i, st := range h.Seats {
		sj := seatJSON{
			ID: st.ID, Index: i, Section: h.Sections[st.Section].ID, Row: h.Rows[st.Row].Label,
			Number: st.Number, X: st.X, Y: st.Y, State: snap.States[i].String(), Channel: m.Channels[snap.Channels[i]],
			Accessible: st.Accessible,
		}
		if z := snap.Zones[i]; z != hall.NoZone {
			sj.Zone = &zones[z].ID
		}
		if r, ok := m.Blocks[uint32(i)]; ok && staff {
			sj.Block = r
		}
		out.Seats[i] = sj
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) liveSeatmap(c *echo.Context) error {
	id := c.Param("id")
	addr := clientAddress(c)
	if err := s.sockets.take(addr); err != nil {
		// Close the connection with the answer, or a refused client would
		// keep it idle.
		c.Response().Header().Set("Connection", "close")
		return err
	}
	defer s.sockets.release(addr)
	if _, err := s.visiblePerformance(c, id); err != nil {
		if errors.Is(err, seating.ErrPerformanceNotFound) && c.Request().Header.Get("Upgrade") != "" {
			s.live.RefuseNotFound(c.Response(), c.Request())
			return nil
		}
		return err
	}
	s.live.ServeWS(c.Response(), c.Request(), id)
	return nil
}

func (s *Server) listHalls(c *echo.Context) error {
	hs, err := s.seats.ListHalls(c.Request().Context())
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
	p, err := s.seats.SetZoneList(c.Request().Context(), c.Param("id"), zones)
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

func toPaintJSON(r seating.PaintResult) paintJSON {
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
	st := seating.Stroke{Seats: in.Seats, Zone: in.Zone, Channel: in.Channel, Block: in.Block}
	if in.Unblock != nil {
		if !*in.Unblock {
			return &input.Error{Field: "unblock", Reason: "must be true when given"}
		}
		st.Unblock = true
	}
	r, err := s.seats.Paint(c.Request().Context(), c.Param("id"), st)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toPaintJSON(r))
}

type templateJSON struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	HallID    string `json:"hall_id"`
	CreatedAt string `json:"created_at"`
}

func (s *Server) listTemplates(c *echo.Context) error {
	ts, err := s.seats.Templates(c.Request().Context(), c.Param("id"))
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
	if _, err := s.seats.GetHall(c.Request().Context(), c.Param("id")); err != nil {
		return err
	}
	t, err := s.seats.SaveTemplate(c.Request().Context(), c.Param("id"), in.Name, in.PerformanceID)
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
	r, err := s.seats.ApplyTemplate(c.Request().Context(), c.Param("id"), in.TemplateID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toPaintJSON(r))
}
