package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/seatmap/seatmap/checkout"
	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/store"
)

// Reschedule to a replacement date (issue 16, seed 003 Ersatztermin).

// errNotRescheduled: the performance has no replacement date.
var errNotRescheduled = errors.New("performance is not rescheduled")

// reschedulePerformance sets the replacement up and starts the job that moves
// the orders: 202 {job, replacement_id}; the same request again, the same.
func (s *Server) reschedulePerformance(c *echo.Context) error {
	var in struct {
		StartsAt     string `json:"starts_at"`
		Reservations string `json:"reservations"`
		DryRun       bool   `json:"dry_run"`
	}
	if err := decode(c, &in, maxBody); err != nil {
		return err
	}
	if in.DryRun {
		pv, err := s.checkout.PreviewReschedule(c.Request().Context(), c.Param("id"))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"dry_run": map[string]int{
			"paid_orders": pv.PaidOrders, "seats": pv.Seats, "printed": pv.Printed, "reservations": pv.Reservations,
			"reserved_seats": pv.ReservedSeats, "pending_payments": pv.PendingPayments, "blocks": pv.Blocks, "holds": pv.Holds,
		}})
	}
	var at time.Time
	if in.StartsAt != "" {
		var err error
		if at, err = time.Parse(time.RFC3339, in.StartsAt); err != nil {
			return &input.Error{Field: "starts_at", Reason: "is not an RFC 3339 time"}
		}
	}
	a, err := s.actorOf(c)
	if err != nil {
		return err
	}
	j, r, err := s.checkout.Reschedule(c.Request().Context(), c.Param("id"), checkout.RescheduleInput{StartsAt: at, Reservations: in.Reservations}, a)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Location", "/api/v1/jobs/"+j.ID)
	return c.JSON(http.StatusAccepted, map[string]any{"job": toJobJSON(j), "replacement_id": r.ReplacementID})
}

type sideJSON struct {
	Orders      int `json:"orders"`
	SeatsBooked int `json:"seats_booked"`
	Printed     int `json:"printed"`
	Reserved    int `json:"reserved"`
	Blocked     int `json:"blocked"`
	Free        int `json:"free"`
}

type replacementSideJSON struct {
	sideJSON
	Moving    int `json:"moving"`
	SoldSince int `json:"sold_since"`
	Released  int `json:"released"`
}

func toSideJSON(x checkout.SideCounts) sideJSON {
	return sideJSON{Orders: x.Orders, SeatsBooked: x.SeatsBooked, Printed: x.Printed, Reserved: x.Reserved, Blocked: x.Blocked, Free: x.Free}
}

// reconciliation sets the original and the replacement side by side.
func (s *Server) reconciliation(c *echo.Context) error {
	rc, err := s.checkout.ReconcileDates(c.Request().Context(), c.Param("id"))
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("performance %s: %w", c.Param("id"), errNotRescheduled)
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{
		"origin_id": rc.Reschedule.OriginID, "replacement_id": rc.Reschedule.ReplacementID,
		"starts_at": rfc3339(rc.StartsAt), "reservations": rc.Reschedule.Reservations,
		"job":    toJobJSON(rc.Job),
		"origin": toSideJSON(rc.Origin),
		"replacement": replacementSideJSON{sideJSON: toSideJSON(rc.Replacement), Moving: rc.Replacement.Moving,
			SoldSince: rc.Replacement.SoldSince, Released: rc.Replacement.Released},
		"equal": rc.Equal,
	})
}

// pendingReservations lists the original's reservations waiting for staff
// ("reserviert Vortermin", reservations: "decide").
func (s *Server) pendingReservations(c *echo.Context) error {
	r, os, err := s.checkout.PendingReservations(c.Request().Context(), c.Param("id"))
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("performance %s: %w", c.Param("id"), errNotRescheduled)
	}
	if err != nil {
		return err
	}
	out := make([]orderJSON, len(os))
	for i, o := range os {
		out[i] = toOrderJSON(o)
	}
	return c.JSON(http.StatusOK, map[string]any{"origin_id": r.OriginID, "replacement_id": r.ReplacementID, "reservations": out})
}

// decideReservation keeps or releases one waiting reservation.
func (s *Server) decideReservation(c *echo.Context) error {
	var in struct {
		Decision string `json:"decision"`
		Fare     string `json:"fare"`
	}
	if err := decode(c, &in, maxBody); err != nil {
		return err
	}
	if in.Decision != "keep" && in.Decision != "release" {
		return &input.Error{Field: "decision", Reason: `is "keep" or "release"`}
	}
	a, err := s.actorOf(c)
	if err != nil {
		return err
	}
	if len(in.Fare) > 64 {
		return &input.Error{Field: "fare", Reason: "is longer than 64 characters"}
	}
	m, err := s.checkout.DecideReservation(c.Request().Context(), c.Param("order"), in.Decision == "keep", in.Fare, a)
	if err != nil {
		return err
	}
	out := map[string]any{"order_id": m.OriginOrderID, "kind": m.Kind}
	if m.NewOrderID != "" {
		out["new_order_id"] = m.NewOrderID
	}
	return c.JSON(http.StatusOK, out)
}

// rescheduledJSON names the replacement date a performance moved to.
type rescheduledJSON struct {
	ID       string `json:"id"`
	StartsAt string `json:"starts_at"`
}

// rescheduledTo is the replacement of a rescheduled performance, nil if it
// has none (or it cannot be read now: the page shows the status alone).
func (s *Server) rescheduledTo(c *echo.Context, id string) *rescheduledJSON {
	r, err := s.checkout.Rescheduled(c.Request().Context(), id)
	if err != nil || r.OriginID != id {
		return nil
	}
	at := r.StartsAt
	if rp, err := s.seats.GetPerformance(c.Request().Context(), r.ReplacementID); err == nil {
		at = rp.StartsAt // moved again since (PATCH)
	}
	return &rescheduledJSON{ID: r.ReplacementID, StartsAt: rfc3339(at)}
}
