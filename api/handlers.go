package api

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/checkout"
	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/sales"
)

func (s *Server) healthz(c *echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(c *echo.Context) error {
	if err := s.sales.Ready(c.Request().Context()); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}

// ---- halls ----

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
	sh, _, err := s.sales.CreateHall(r.Context(), data)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, hallJSON{ID: sh.ID, Name: sh.Name, Seats: sh.Seats, CreatedAt: rfc3339(sh.CreatedAt)})
}

func (s *Server) getHall(c *echo.Context) error {
	sh, err := s.sales.GetHall(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, hallJSON{ID: sh.ID, Name: sh.Name, Seats: sh.Seats, CreatedAt: rfc3339(sh.CreatedAt), Layout: sh.Layout})
}

// ---- performances ----

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
	ID        string      `json:"id"`
	HallID    string      `json:"hall_id"`
	Name      string      `json:"name"`
	StartsAt  string      `json:"starts_at"`
	Status    string      `json:"status"`
	Zones     []hall.Zone `json:"zones"`
	Counts    *countsJSON `json:"counts,omitempty"`
	Limits    *limitsJSON `json:"limits,omitempty"`
	CreatedAt string      `json:"created_at"`
}

func (s *Server) performanceJSON(c *echo.Context, p catalog.Performance) performanceJSON {
	out := performanceJSON{
		ID: p.ID, HallID: p.HallID, Name: p.Name, StartsAt: rfc3339(p.StartsAt), Status: p.Status,
		Zones: p.Zones, CreatedAt: rfc3339(p.CreatedAt),
	}
	if out.Zones == nil {
		out.Zones = []hall.Zone{}
	}
	if counts, err := s.sales.Counts(c.Request().Context(), p.ID); err == nil {
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
}

func (s *Server) createPerformance(c *echo.Context) error {
	var in createPerformanceJSON
	if err := decode(c, &in, 1<<20); err != nil {
		return err
	}
	p, err := s.sales.CreatePerformance(c.Request().Context(), sales.NewPerformance{
		HallID: in.HallID, Name: in.Name, StartsAt: in.StartsAt, Zones: in.Zones, OnSale: in.OnSale, TemplateID: in.TemplateID,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, s.performanceJSON(c, p))
}

type listJSON[T any] struct {
	Items []T     `json:"items"`
	Next  *string `json:"next"`
}

// parseTime accepts RFC 3339 or a plain date (midnight UTC).
func parseTime(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	return time.Time{}, &input.Error{Field: field, Reason: fmt.Sprintf("%q is not an RFC 3339 time or a YYYY-MM-DD date", v)}
}

func parseLimit(c *echo.Context, def, max int) (int, error) {
	v := c.QueryParam("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, &input.Error{Field: "limit", Reason: fmt.Sprintf("must be a number from 1 to %d", max)}
	}
	return n, nil
}

// Cursors are opaque to clients: base64 of "<unix micro>|<id>".
func encodeCursor(t time.Time, id string) *string {
	c := base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(t.UnixMicro(), 10) + "|" + id))
	return &c
}

func decodeCursor(v string) (time.Time, string, error) {
	bad := &input.Error{Field: "cursor", Reason: "is not a cursor from a previous page"}
	if len(v) > 200 {
		return time.Time{}, "", bad
	}
	raw, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return time.Time{}, "", bad
	}
	ts, id, ok := strings.Cut(string(raw), "|")
	micro, err := strconv.ParseInt(ts, 10, 64)
	if !ok || err != nil || id == "" {
		return time.Time{}, "", bad
	}
	return time.UnixMicro(micro).UTC(), id, nil
}

func (s *Server) listPerformances(c *echo.Context) error {
	_, staff, err := s.staffOf(c)
	if err != nil {
		return err
	}
	var f catalog.PerformanceFilter
	if f.From, err = parseTime("from", c.QueryParam("from")); err != nil {
		return err
	}
	if f.To, err = parseTime("to", c.QueryParam("to")); err != nil {
		return err
	}
	if f.Limit, err = parseLimit(c, 50, 200); err != nil {
		return err
	}
	if cur := c.QueryParam("cursor"); cur != "" {
		if f.AfterStartsAt, f.AfterID, err = decodeCursor(cur); err != nil {
			return err
		}
	}
	page, err := s.sales.ListPerformances(c.Request().Context(), f)
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
	p, err := s.sales.GetPerformance(c.Request().Context(), id)
	if err != nil {
		return p, err
	}
	if p.Status == catalog.Draft {
		if _, staff, err := s.staffOf(c); err != nil || !staff {
			return catalog.Performance{}, fmt.Errorf("performance %s: %w", id, sales.ErrPerformanceNotFound)
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
	l := s.sales.Limits()
	out.Limits = &limitsJSON{MaxSeatsPerHold: l.MaxSeatsPerHold, HoldTTLSeconds: int(l.HoldTTL / time.Second)}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) setStatus(status string) echo.HandlerFunc {
	return func(c *echo.Context) error {
		id := c.Param("id")
		if err := s.sales.SetStatus(c.Request().Context(), id, status); err != nil {
			return err
		}
		p, err := s.sales.GetPerformance(c.Request().Context(), id)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, s.performanceJSON(c, p))
	}
}

// ---- seat map ----

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
	m, err := s.sales.Seatmap(c.Request().Context(), id)
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
	case "compact":
		out := compactSeatmapJSON{
			PerformanceID: id, Version: snap.Version, Count: h.N(),
			IDs: make([]string, h.N()), X: make([]float64, h.N()), Y: make([]float64, h.N()),
			Zone: make([]int, h.N()), Row: make([]uint32, h.N()), Number: make([]string, h.N()),
			Channel: make([]int, h.N()), Channels: m.Channels,
			Zones: zones, Stage: h.Layout.Stage,
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
		return &input.Error{Field: "format", Reason: "must be full or compact"}
	}
	out := seatmapJSON{PerformanceID: id, Version: snap.Version, Seats: make([]seatJSON, h.N()), Zones: zones, Channels: m.Channels, Stage: h.Layout.Stage}
	for i, st := range h.Seats {
		sj := seatJSON{
			ID: st.ID, Index: i, Section: h.Sections[st.Section].ID, Row: h.Rows[st.Row].Label,
			Number: st.Number, X: st.X, Y: st.Y, State: snap.States[i].String(), Channel: m.Channels[snap.Channels[i]],
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
		if errors.Is(err, sales.ErrPerformanceNotFound) && c.Request().Header.Get("Upgrade") != "" {
			s.live.RefuseNotFound(c.Response(), c.Request())
			return nil
		}
		return err
	}
	s.live.ServeWS(c.Response(), c.Request(), id)
	return nil
}

// ---- holds ----

type createHoldJSON struct {
	Seats []string `json:"seats"`
	Best  *struct {
		Count int    `json:"count"`
		Zone  string `json:"zone"`
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

func toHoldJSON(h sales.Hold, staff bool) holdJSON {
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
		if ok, wait := s.limits.allow(sessionOf(c), clientAddress(c), time.Now()); !ok {
			return limited("Too many requests", "too many holds from this session or address; retry in %d s", wait)
		}
	}
	var in createHoldJSON
	if err := decode(c, &in, maxBody); err != nil {
		return err
	}
	hi := sales.HoldInput{Seats: in.Seats, Channel: in.Channel}
	if in.Best != nil {
		if in.Best.Count <= 0 {
			return &input.Error{Field: "best.count", Reason: "must be at least 1"}
		}
		hi.BestCount, hi.BestZone = in.Best.Count, in.Best.Zone
	}
	h, err := s.sales.Hold(c.Request().Context(), c.Param("id"), a, hi)
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
	h, err := s.sales.GetHold(c.Request().Context(), c.Param("token"), a)
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
		if in.Minutes < 1 || in.Minutes > int(sales.MaxStaffExtension/time.Minute) {
			return &input.Error{Field: "minutes", Reason: fmt.Sprintf("must be from 1 to %d", int(sales.MaxStaffExtension/time.Minute))}
		}
		if !a.Staff() {
			return &input.Error{Field: "minutes", Reason: "only staff choose the extension"}
		}
		by = time.Duration(in.Minutes) * time.Minute
	}
	h, err := s.sales.Extend(c.Request().Context(), c.Param("token"), a, by)
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
	if err := s.sales.Release(c.Request().Context(), c.Param("token"), a); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// ---- orders ----

type buyerJSON struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

type createOrderJSON struct {
	HoldToken   string    `json:"hold_token"`
	Buyer       buyerJSON `json:"buyer"`
	VoucherCode string    `json:"voucher_code"`
	Payment     *struct {
		Method string `json:"method"`
	} `json:"payment"`
}

type paymentJSON struct {
	Method string `json:"method"`
}

type ticketJSON struct {
	Seat   string `json:"seat"`
	Zone   string `json:"zone"`
	Price  int64  `json:"price"`
	Status string `json:"status"`
}

type orderJSON struct {
	ID            string       `json:"id"`
	Number        string       `json:"number"`
	Status        string       `json:"status"`
	PerformanceID string       `json:"performance_id"`
	Seats         []string     `json:"seats"`
	Tickets       []ticketJSON `json:"tickets"`
	Subtotal      int64        `json:"subtotal"` // before the discount
	Discount      int64        `json:"discount"`
	VoucherCode   *string      `json:"voucher_code"`
	Total         int64        `json:"total"` // what was paid (or is due)
	Refunded      int64        `json:"refunded"`
	Currency      string       `json:"currency"`
	Buyer         buyerJSON    `json:"buyer"`
	Channel       string       `json:"channel"`
	Payment       *paymentJSON `json:"payment"`
	Deadline      *string      `json:"deadline,omitempty"`
	CreatedAt     string       `json:"created_at"`
}

func toOrderJSON(o order.Order) orderJSON {
	out := orderJSON{
		ID: o.ID, Number: o.Number, Status: o.Status, PerformanceID: o.PerformanceID,
		Seats: make([]string, len(o.Tickets)), Tickets: make([]ticketJSON, len(o.Tickets)),
		Subtotal: o.Total + o.Discount, Discount: o.Discount, Total: o.Total, Refunded: o.Refunded,
		Currency: o.Currency, Buyer: buyerJSON{Name: o.BuyerName, Email: o.BuyerEmail},
		Channel: o.Channel, CreatedAt: rfc3339(o.CreatedAt),
	}
	if o.PaymentMethod != "" {
		out.Payment = &paymentJSON{Method: o.PaymentMethod}
	}
	if o.VoucherCode != "" {
		out.VoucherCode = &o.VoucherCode
	}
	if !o.Deadline.IsZero() {
		d := rfc3339(o.Deadline)
		out.Deadline = &d
	}
	for i, t := range o.Tickets {
		out.Seats[i] = t.SeatID
		out.Tickets[i] = ticketJSON{Seat: t.SeatID, Zone: t.Zone, Price: t.Price, Status: t.Status}
	}
	return out
}

func (s *Server) createOrder(c *echo.Context) (err error) {
	defer func() { s.metrics.orders.WithLabelValues(s.outcome(c, err)).Inc() }()
	var in createOrderJSON
	if err := decode(c, &in, maxBody); err != nil {
		return err
	}
	a, err := s.actorOf(c)
	if err != nil {
		return err
	}
	ci := checkout.ConfirmInput{
		Token: in.HoldToken, Actor: a, BuyerName: in.Buyer.Name, BuyerEmail: in.Buyer.Email,
		IdempotencyKey: c.Request().Header.Get("Idempotency-Key"),
	}
	if in.VoucherCode != "" {
		if err := s.allowCodeCheck(c, a); err != nil {
			return err
		}
		ci.VoucherCode = in.VoucherCode
	}
	if in.Payment != nil {
		if in.Payment.Method == "" {
			return &input.Error{Field: "payment.method", Reason: "must be cash or card"}
		}
		ci.PaymentMethod = in.Payment.Method
	}
	o, replayed, err := s.checkout.Confirm(c.Request().Context(), ci)
	if err != nil {
		return err
	}
	if replayed {
		c.Response().Header().Set("Idempotent-Replayed", "true")
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/orders/"+o.ID)
	return c.JSON(http.StatusCreated, toOrderJSON(o))
}

func (s *Server) getOrder(c *echo.Context) error {
	a, err := s.actorOf(c)
	if err != nil {
		return err
	}
	o, err := s.checkout.GetOrder(c.Request().Context(), c.Param("id"), a)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toOrderJSON(o))
}

func (s *Server) listOrders(c *echo.Context) error {
	f := order.Filter{PerformanceID: c.QueryParam("performance"), Status: c.QueryParam("status"),
		Channel: c.QueryParam("channel"), Buyer: c.QueryParam("buyer")}
	var err error
	if len(f.Buyer) > 200 {
		return &input.Error{Field: "buyer", Reason: "is longer than 200 characters"}
	}
	if f.From, err = parseTime("from", c.QueryParam("from")); err != nil {
		return err
	}
	if f.To, err = parseTime("to", c.QueryParam("to")); err != nil {
		return err
	}
	if f.Limit, err = parseLimit(c, 50, 200); err != nil {
		return err
	}
	if cur := c.QueryParam("cursor"); cur != "" {
		if f.Before, f.BeforeID, err = decodeCursor(cur); err != nil {
			return err
		}
	}
	page, err := s.checkout.ListOrders(c.Request().Context(), f)
	if err != nil {
		return err
	}
	out := listJSON[orderJSON]{Items: make([]orderJSON, 0, len(page))}
	for _, o := range page {
		out.Items = append(out.Items, toOrderJSON(o))
	}
	if len(page) == f.Limit {
		last := page[len(page)-1]
		out.Next = encodeCursor(last.CreatedAt, last.ID)
	}
	return c.JSON(http.StatusOK, out)
}
