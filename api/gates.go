package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/seatmap/seatmap/gate"
	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/pass"
	"github.com/seatmap/seatmap/realtime"
)

// The gate (issue 15): gates, scans, the scan log, occupancy, surcharges
// paid at the till. A denial is a verdict (200), not an error.

type gateJSON struct {
	ID            string   `json:"id"`
	Name          string   `json:"name"`
	Zones         []string `json:"zones"`
	Direction     string   `json:"direction"`
	PerformanceID string   `json:"performance_id,omitempty"`
	CreatedAt     string   `json:"created_at"`
}

func toGateJSON(g gate.Gate) gateJSON {
	zones := g.Zones
	if zones == nil {
		zones = []string{}
	}
	return gateJSON{ID: g.ID, Name: g.Name, Zones: zones, Direction: g.Direction, PerformanceID: g.PerformanceID, CreatedAt: rfc3339(g.CreatedAt)}
}

func (s *Server) createGate(c *echo.Context) error {
	var in struct {
		Name          string   `json:"name"`
		Zones         []string `json:"zones"`
		Direction     string   `json:"direction"`
		PerformanceID string   `json:"performance_id"`
	}
	if err := decode(c, &in, maxBody); err != nil {
		return err
	}
	g, err := s.cfg.Gates.CreateGate(c.Request().Context(), gate.NewGate{Name: in.Name, Zones: in.Zones, Direction: in.Direction, PerformanceID: in.PerformanceID})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toGateJSON(g))
}

func (s *Server) listGates(c *echo.Context) error {
	gs, err := s.cfg.Gates.Gates(c.Request().Context())
	if err != nil {
		return err
	}
	out := listJSON[gateJSON]{Items: make([]gateJSON, 0, len(gs))}
	for _, g := range gs {
		out.Items = append(out.Items, toGateJSON(g))
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) getGate(c *echo.Context) error {
	g, err := s.cfg.Gates.Gate(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toGateJSON(g))
}

// scanJSON is a scan's verdict and its record.
type scanJSON struct {
	ID           string  `json:"id"`
	Verdict      string  `json:"verdict"`
	Reason       string  `json:"reason,omitempty"`
	RetryAt      *string `json:"retry_at,omitempty"`
	SurchargeDue *int64  `json:"surcharge_due,omitempty"`
	Currency     string  `json:"currency,omitempty"`
	Remaining    *int    `json:"remaining,omitempty"`
	Holder       string  `json:"holder,omitempty"`
	Kind         string  `json:"kind,omitempty"`
	PassID       string  `json:"pass_id,omitempty"`
	TicketID     string  `json:"ticket_id,omitempty"`
	Debit        int64   `json:"debit,omitempty"`
	GateID       string  `json:"gate_id"`
	Direction    string  `json:"direction"`
	// Code is shown shortened: the log is for people, the code a secret.
	Code       string `json:"code"`
	At         string `json:"at"`
	RecordedAt string `json:"recorded_at"`
	Offline    bool   `json:"offline,omitempty"`
	Device     string `json:"device_verdict,omitempty"`
	Conflict   string `json:"conflict,omitempty"`
	By         string `json:"by,omitempty"`
	Replayed   bool   `json:"replayed,omitempty"`
}

func shortCode(code string) string {
	if len(code) <= 8 {
		return code
	}
	return code[:6] + "…"
}

func toScanJSON(r gate.Record, replayed bool) scanJSON {
	v := r.Verdict
	out := scanJSON{ID: r.ID, Verdict: v.Verdict, Reason: v.Reason, Currency: v.Currency, Remaining: v.Remaining, Holder: v.Holder,
		Kind: v.Kind, PassID: v.PassID, TicketID: v.TicketID, Debit: v.Debit, GateID: r.Scan.GateID, Direction: r.Scan.Direction,
		Code: shortCode(r.Scan.Code), At: rfc3339(r.Scan.At), RecordedAt: rfc3339(r.RecordedAt), Offline: r.Offline, Device: r.Device,
		Conflict: r.Conflict, By: r.By, Replayed: replayed}
	if !v.RetryAt.IsZero() {
		at := rfc3339(v.RetryAt)
		out.RetryAt = &at
	}
	if v.SurchargeDue > 0 {
		due := v.SurchargeDue
		out.SurchargeDue = &due
	}
	return out
}

type scanInJSON struct {
	Code      string `json:"code"`
	GateID    string `json:"gate_id"`
	Direction string `json:"direction"`
	Nonce     string `json:"nonce"`
	// At and Verdict: an offline scan's own time and what the scanner did.
	At      string `json:"at"`
	Verdict string `json:"verdict"`
}

func (s *Server) scan(c *echo.Context) error {
	var in scanInJSON
	if err := decode(c, &in, 16<<10); err != nil {
		return err
	}
	u, _, err := s.staffOf(c)
	if err != nil {
		return err
	}
	rec, replayed, err := s.cfg.Gates.Scan(c.Request().Context(), gate.Request{Code: in.Code, GateID: in.GateID, Direction: in.Direction, Nonce: in.Nonce, By: u.ID})
	if err != nil {
		return err
	}
	if replayed {
		c.Response().Header().Set("Idempotent-Replayed", "true")
	}
	return c.JSON(http.StatusOK, toScanJSON(rec, replayed))
}

func (s *Server) scanBatch(c *echo.Context) error {
	var in struct {
		Scans []scanInJSON `json:"scans"`
	}
	if err := decode(c, &in, 1<<20); err != nil {
		return err
	}
	u, _, err := s.staffOf(c)
	if err != nil {
		return err
	}
	if len(in.Scans) == 0 || len(in.Scans) > gate.MaxBatch {
		return &input.Error{Field: "scans", Reason: "send 1 to 1000 scans"}
	}
	reqs := make([]gate.Request, len(in.Scans))
	for i, sc := range in.Scans {
		at, err := time.Parse(time.RFC3339Nano, sc.At)
		if err != nil {
			return &input.Error{Field: fmt.Sprintf("scans[%d].at", i), Reason: "is not a time (RFC 3339)"}
		}
		reqs[i] = gate.Request{Code: sc.Code, GateID: sc.GateID, Direction: sc.Direction, Nonce: sc.Nonce, At: at, Device: sc.Verdict, By: u.ID}
	}
	results, err := s.cfg.Gates.ScanBatch(c.Request().Context(), reqs)
	if err != nil {
		return err
	}
	type resultJSON struct {
		Scan    *scanJSON `json:"scan,omitempty"`
		Problem *Problem  `json:"problem,omitempty"`
	}
	out := struct {
		Results   []resultJSON `json:"results"`
		Recorded  int          `json:"recorded"`
		Replayed  int          `json:"replayed"`
		Refused   int          `json:"refused"`
		Conflicts int          `json:"conflicts"`
	}{Results: make([]resultJSON, len(results))}
	for i, r := range results {
		switch {
		case r.Err != nil:
			out.Results[i].Problem = s.toProblem(c, r.Err)
			out.Refused++
		case r.Replayed:
			sj := toScanJSON(r.Record, true)
			out.Results[i].Scan = &sj
			out.Replayed++
		default:
			sj := toScanJSON(r.Record, false)
			out.Results[i].Scan = &sj
			out.Recorded++
			if r.Record.Conflict != "" {
				out.Conflicts++
			}
		}
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) listScans(c *echo.Context) error {
	limit, err := parseLimit(c, 100, 500)
	if err != nil {
		return err
	}
	f := gate.ScanFilter{GateID: c.QueryParam("gate_id"), Code: c.QueryParam("code"), Verdict: c.QueryParam("verdict"),
		Conflict: c.QueryParam("conflict") == "true", Limit: limit}
	if cur := c.QueryParam("cursor"); cur != "" {
		if f.Before, f.BeforeID, err = decodeCursor(cur); err != nil {
			return err
		}
	}
	recs, err := s.cfg.Gates.Scans(c.Request().Context(), f)
	if err != nil {
		return err
	}
	out := listJSON[scanJSON]{Items: make([]scanJSON, 0, len(recs))}
	for _, r := range recs {
		out.Items = append(out.Items, toScanJSON(r, false))
	}
	if len(recs) == limit {
		last := recs[len(recs)-1]
		out.Next = encodeCursor(last.RecordedAt, last.ID)
	}
	return c.JSON(http.StatusOK, out)
}

type zoneCountJSON struct {
	Zone   string `json:"zone"`
	Inside int    `json:"inside"`
}

func (s *Server) occupancy(c *echo.Context) error {
	zs, err := s.cfg.Gates.Occupancy(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toOccupancyJSON(zs))
}

func (s *Server) paySurcharge(c *echo.Context) error {
	var in struct {
		Code   string `json:"code"`
		Amount int64  `json:"amount"`
	}
	if err := decode(c, &in, maxBody); err != nil {
		return err
	}
	u, _, err := s.staffOf(c)
	if err != nil {
		return err
	}
	paid, cur, err := s.cfg.Gates.PaySurcharge(c.Request().Context(), in.Code, in.Amount, u.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, struct {
		Paid     int64  `json:"paid"`
		Currency string `json:"currency"`
	}{paid, cur})
}

// bookEntitlement books an entitlement onto a pass: POST
// /passes/{id}/entitlements {"product_id"} → 200 with the zones the pass now
// admits to besides its product's (for good, and for this visit).
func (s *Server) bookEntitlement(c *echo.Context) error {
	var in struct {
		ProductID string `json:"product_id"`
	}
	if err := decode(c, &in, maxBody); err != nil {
		return err
	}
	ctx := c.Request().Context()
	p, err := s.checkout.StaffPass(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	if !p.Live() || p.State == pass.StateReplaced || p.State == pass.StateBlocked {
		return problem(http.StatusConflict, "pass-state", "Pass is not in use", "a "+p.State+" pass takes no entitlement")
	}
	holder, err := s.passes.Product(ctx, p.ProductID)
	if err != nil {
		return err
	}
	if in.ProductID == "" || len(in.ProductID) > 64 {
		return &input.Error{Field: "product_id", Reason: "must be a product id"}
	}
	ent, err := s.passes.Product(ctx, in.ProductID)
	if errors.Is(err, pass.ErrNotFound) {
		return &input.Error{Field: "product_id", Reason: "no such product"}
	}
	if err != nil {
		return err
	}
	u, err := s.cfg.Gates.BookEntitlement(ctx, p.Code, holder, ent)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, struct {
		Zones      []string `json:"zones"`
		VisitZones []string `json:"visit_zones"`
	}{nonNilSlice(u.Zones), nonNilSlice(u.VisitZones)})
}

// occupancyLive is GET /occupancy/live: a WebSocket that carries the
// occupancy (as GET /occupancy answers it) at once and after every scan,
// at most every half second.
func (s *Server) occupancyLive(c *echo.Context) error {
	changes, stop := s.cfg.Gates.Watch()
	defer stop()
	err := realtime.ServeFeed(c.Request().Context(), c.Response(), c.Request(), changes, 500*time.Millisecond, func(ctx context.Context) (any, error) {
		zs, err := s.cfg.Gates.Occupancy(ctx)
		if err != nil {
			return nil, err
		}
		return toOccupancyJSON(zs), nil
	})
	if err != nil {
		s.log.Debug("occupancy feed", "err", err)
	}
	return nil
}

type occupancyJSON struct {
	Zones []zoneCountJSON `json:"zones"`
	Total int             `json:"total"`
}

func toOccupancyJSON(zs []gate.ZoneCount) occupancyJSON {
	out := occupancyJSON{Zones: make([]zoneCountJSON, 0, len(zs)), Total: gate.Total(zs)}
	for _, z := range zs {
		if z.Zone != "" {
			out.Zones = append(out.Zones, zoneCountJSON{Zone: z.Zone, Inside: z.Inside})
		}
	}
	return out
}

// surchargeDue is GET /surcharges/{code}: what a time card owes now, for
// the till to ask before it takes it.
func (s *Server) surchargeDue(c *echo.Context) error {
	due, cur, err := s.cfg.Gates.SurchargeDue(c.Request().Context(), c.Param("code"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, struct {
		Due      int64  `json:"due"`
		Currency string `json:"currency"`
	}{due, cur})
}
