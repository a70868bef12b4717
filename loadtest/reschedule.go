package loadtest

import (
	"context"
	"fmt"
	"time"
)

// Job is a background job as GET /api/v1/jobs/{id} answers it.
type Job struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	State  string `json:"state"`
	Done   int    `json:"done"`
	Total  int    `json:"total"`
	Failed int    `json:"failed"`
}

// Reschedule moves a performance to a replacement date (issue 16): it
// returns the job moving its orders and the replacement's id.
func (a *API) Reschedule(ctx context.Context, perf string, startsAt time.Time, reservations string) (Job, string, error) {
	var out struct {
		Job           Job    `json:"job"`
		ReplacementID string `json:"replacement_id"`
	}
	body := map[string]any{"starts_at": startsAt.UTC().Format(time.RFC3339), "reservations": reservations}
	if err := a.call(ctx, "POST", "/api/v1/performances/"+perf+"/reschedule", "", true, body, &out); err != nil {
		return Job{}, "", fmt.Errorf("reschedule: %w", err)
	}
	return out.Job, out.ReplacementID, nil
}

// WaitJob polls a job until it is no longer running, or until timeout.
func (a *API) WaitJob(ctx context.Context, id string, timeout time.Duration) (Job, error) {
	deadline := time.Now().Add(timeout)
	for {
		var j Job
		if err := a.call(ctx, "GET", "/api/v1/jobs/"+id, "", true, nil, &j); err != nil {
			return j, fmt.Errorf("job %s: %w", id, err)
		}
		if j.State != "running" {
			return j, nil
		}
		if time.Now().After(deadline) {
			return j, fmt.Errorf("job %s still running after %v: %d of %d", id, timeout, j.Done, j.Total)
		}
		select {
		case <-ctx.Done():
			return j, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// DateSide is one date's column of a reschedule's reconciliation.
type DateSide map[string]any

// Reconciliation reads GET /performances/{id}/reconciliation: both dates
// side by side and whether they are equal.
func (a *API) Reconciliation(ctx context.Context, perf string) (equal bool, origin, replacement DateSide, err error) {
	var out struct {
		Equal       bool     `json:"equal"`
		Origin      DateSide `json:"origin"`
		Replacement DateSide `json:"replacement"`
	}
	if err := a.call(ctx, "GET", "/api/v1/performances/"+perf+"/reconciliation", "", true, nil, &out); err != nil {
		return false, nil, nil, fmt.Errorf("reconciliation: %w", err)
	}
	return out.Equal, out.Origin, out.Replacement, nil
}
