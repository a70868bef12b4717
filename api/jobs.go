package api

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/checkout"
)

// jobJSON is a background job and how far it got (issue 16).
type jobJSON struct {
	ID            string `json:"id"`
	Kind          string `json:"kind"`
	PerformanceID string `json:"performance_id"`
	State         string `json:"state"`
	Done          int    `json:"done"`
	Total         int    `json:"total"`
	Failed        int    `json:"failed"`
	Error         string `json:"error,omitempty"`
	CreatedAt     string `json:"created_at"`
	UpdatedAt     string `json:"updated_at"`
}

func toJobJSON(j catalog.Job) jobJSON {
	return jobJSON{ID: j.ID, Kind: j.Kind, PerformanceID: j.PerformanceID, State: j.State, Done: j.Done, Total: j.Total,
		Failed: j.Failed, Error: j.Error, CreatedAt: rfc3339(j.CreatedAt), UpdatedAt: rfc3339(j.UpdatedAt)}
}

// cancelPerformance cancels a performance: 202 with the job that ends its
// holds and reservations and refunds its orders; again, the same job.
func (s *Server) cancelPerformance(c *echo.Context) error {
	var in struct {
		Reason string `json:"reason"`
		DryRun bool   `json:"dry_run"`
	}
	if err := decode(c, &in, maxBody); err != nil {
		return err
	}
	if in.DryRun {
		pv, err := s.checkout.PreviewCancel(c.Request().Context(), c.Param("id"))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"dry_run": map[string]any{
			"paid_orders": pv.PaidOrders, "to_refund": pv.ToRefund, "currency": pv.Currency,
			"reservations": pv.Reservations, "pending_payments": pv.PendingPayments, "holds": pv.Holds,
		}})
	}
	a, err := s.actorOf(c)
	if err != nil {
		return err
	}
	j, err := s.checkout.Cancel(c.Request().Context(), c.Param("id"), in.Reason, a)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Location", "/api/v1/jobs/"+j.ID)
	return c.JSON(http.StatusAccepted, map[string]jobJSON{"job": toJobJSON(j)})
}

// maxJobID bounds the id looked up.
const maxJobID = 64

func (s *Server) getJob(c *echo.Context) error {
	id := c.Param("id")
	if len(id) > maxJobID {
		return fmt.Errorf("job: %w", checkout.ErrJobNotFound)
	}
	j, err := s.checkout.Job(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toJobJSON(j))
}
