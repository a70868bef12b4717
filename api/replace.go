package api

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/checkout"
	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/order"
)

// Replacing a performance (issue 16, "замена"): PATCH changes its name or
// date in place under If-Match, a job tells the buyers, and each buyer
// chooses through the order's secret link to attend or to take a refund
// until the deadline.

type replacementJSON struct {
	ID             string `json:"id"`
	PerformanceID  string `json:"performance_id"`
	OldName        string `json:"old_name"`
	NewName        string `json:"new_name"`
	OldStartsAt    string `json:"old_starts_at"`
	NewStartsAt    string `json:"new_starts_at"`
	RefundDeadline string `json:"refund_deadline,omitempty"`
	TimeZone       string `json:"time_zone"`
	CreatedAt      string `json:"created_at"`
}

func (s *Server) toReplacementJSON(r catalog.Replacement) replacementJSON {
	out := replacementJSON{ID: r.ID, PerformanceID: r.PerformanceID, OldName: r.OldName, NewName: r.NewName,
		OldStartsAt: rfc3339(r.OldStartsAt), NewStartsAt: rfc3339(r.NewStartsAt), TimeZone: s.checkout.Location().String(),
		CreatedAt: rfc3339(r.CreatedAt)}
	if !r.RefundDeadline.IsZero() {
		out.RefundDeadline = rfc3339(r.RefundDeadline)
	}
	return out
}

// parseBodyTime reads an RFC 3339 time of a body's field.
func parseBodyTime(field string, v *string) (*time.Time, error) {
	if v == nil {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(*v))
	if err != nil {
		return nil, &input.Error{Field: field, Reason: "is not an RFC 3339 time such as 2026-12-24T19:30:00+01:00"}
	}
	return &t, nil
}

// patchPerformance changes a performance's name and/or start in place:
// If-Match must name its current entity tag (GET's ETag); 202 with the job
// that tells its buyers.
func (s *Server) patchPerformance(c *echo.Context) error {
	tag := strings.TrimSpace(c.Request().Header.Get("If-Match"))
	if tag == "" {
		return problem(http.StatusPreconditionRequired, "if-match-required", "If-Match required",
			"send the performance's ETag (from GET) in If-Match, so a change made meanwhile is not overwritten")
	}
	var in struct {
		Name           *string `json:"name"`
		StartsAt       *string `json:"starts_at"`
		RefundDeadline *string `json:"refund_deadline"`
		DryRun         bool    `json:"dry_run"`
	}
	if err := decode(c, &in, maxBody); err != nil {
		return err
	}
	ri := checkout.ReplaceInput{Name: in.Name, ETag: strings.TrimPrefix(tag, "W/")}
	var err error
	if ri.StartsAt, err = parseBodyTime("starts_at", in.StartsAt); err != nil {
		return err
	}
	if ri.RefundDeadline, err = parseBodyTime("refund_deadline", in.RefundDeadline); err != nil {
		return err
	}
	a, err := s.actorOf(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if in.DryRun {
		// The wizard's dry run: the same checks, what it would do, nothing
		// changed.
		pv, err := s.checkout.PreviewReplace(ctx, c.Param("id"), ri, a)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"dry_run": true, "replacement": s.toReplacementJSON(pv.Replacement),
			"paid_orders": pv.PaidOrders, "reservations": pv.Reservations, "most_refund": pv.MostRefund, "currency": pv.Currency})
	}
	j, r, err := s.checkout.Replace(ctx, c.Param("id"), ri, a)
	if err != nil {
		return err
	}
	p, err := s.seats.GetPerformance(ctx, r.PerformanceID)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Location", "/api/v1/jobs/"+j.ID)
	h.Set("ETag", catalog.PerformanceETag(p))
	return c.JSON(http.StatusAccepted, map[string]any{"job": toJobJSON(j), "replacement": s.toReplacementJSON(r),
		"performance": s.performanceJSON(c, p)})
}

// performanceReplacement is the last replacement of a performance with how
// many buyers were told and chose what, for staff.
func (s *Server) performanceReplacement(c *echo.Context) error {
	sum, err := s.checkout.Replacement(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	n := sum.Counts
	return c.JSON(http.StatusOK, map[string]any{"replacement": s.toReplacementJSON(sum.Replacement),
		"counts": map[string]int{"notified": n.Notified, "attend": n.Attend, "refund": n.Refund,
			"undecided": max(n.Notified-n.Attend-n.Refund, 0)}})
}

type offerJSON struct {
	OrderID     string          `json:"order_id"`
	Number      string          `json:"number"`
	Status      string          `json:"status"`
	Total       int64           `json:"total"`
	Refunded    int64           `json:"refunded"`
	Currency    string          `json:"currency"`
	Replacement replacementJSON `json:"replacement"`
	Choice      *string         `json:"choice"` // null while undecided
	Open        bool            `json:"open"`   // the buyer may choose now
	Cancelled   bool            `json:"cancelled"`
}

func (s *Server) toOfferJSON(o order.Order, off checkout.ReplacementOffer) offerJSON {
	out := offerJSON{OrderID: o.ID, Number: o.Number, Status: o.Status, Total: o.Total, Refunded: o.Refunded, Currency: o.Currency,
		Replacement: s.toReplacementJSON(off.Replacement), Open: off.Open, Cancelled: off.Cancelled}
	if off.Choice != "" {
		out.Choice = &off.Choice
	}
	return out
}

// replacementOffer is what the order's buyer is offered by the last
// replacement of its performance: the order's session, its key, or staff.
func (s *Server) replacementOffer(c *echo.Context) error {
	o, err := s.openOrder(c)
	if err != nil {
		return err
	}
	off, err := s.checkout.OfferFor(c.Request().Context(), o)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.toOfferJSON(o, off))
}

// chooseReplacement records the buyer's choice, attend or refund: only the
// order's buyer (its session or its key, ?key= or "key" in the body).
func (s *Server) chooseReplacement(c *echo.Context) error {
	var in struct {
		Choice string `json:"choice"`
		Key    string `json:"key"`
	}
	if err := decode(c, &in, maxBody); err != nil {
		return err
	}
	key, err := accessKey(c)
	if err != nil {
		return err
	}
	if key == "" {
		key = in.Key
	}
	if len(key) > maxAccessKey {
		return &input.Error{Field: "key", Reason: fmt.Sprintf("is longer than %d characters", maxAccessKey)}
	}
	a, err := s.actorOf(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	o, err := s.checkout.OpenOrder(ctx, c.Param("id"), key, a)
	if err != nil {
		return err
	}
	// Staff read any order, but choose for none without its key.
	if !order.Opens(o, key) && (a.Session == "" || a.Session != o.Session) {
		return fmt.Errorf("order %s: %w", c.Param("id"), checkout.ErrOrderNotFound)
	}
	off, after, err := s.checkout.ChooseReplacement(ctx, o, in.Choice, a)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.toOfferJSON(after, off))
}
