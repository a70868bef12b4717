package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/store"
)

const (
	jobColumns = `id, kind, performance_id, state, done, total, failed, reason, error, created_by, created_at, updated_at`
	// The no-op update makes RETURNING yield the job that won on conflict:
	// one job of a kind per performance.
	insertJob = `INSERT INTO jobs (` + jobColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
ON CONFLICT (kind, performance_id) DO UPDATE SET kind = jobs.kind
RETURNING ` + jobColumns + `, (xmax = 0)`
	selectJob   = `SELECT ` + jobColumns + ` FROM jobs WHERE id = $1`
	updateJob   = `UPDATE jobs SET state = $2, done = $3, total = $4, failed = $5, error = $6, updated_at = $7 WHERE id = $1 RETURNING ` + jobColumns
	runningJobs = `SELECT ` + jobColumns + ` FROM jobs WHERE state = 'running' ORDER BY created_at, id`
)

func scanJob(r pgx.Row, extra ...any) (catalog.Job, error) {
	var j catalog.Job
	err := r.Scan(append([]any{&j.ID, &j.Kind, &j.PerformanceID, &j.State, &j.Done, &j.Total, &j.Failed, &j.Reason, &j.Error,
		&j.CreatedBy, &j.CreatedAt, &j.UpdatedAt}, extra...)...)
	j.CreatedAt, j.UpdatedAt = j.CreatedAt.UTC(), j.UpdatedAt.UTC()
	return j, err
}

// CreateJob stores a job unless one of its kind exists for its performance,
// and returns the stored one; created says whether it is j.
func (s *Store) CreateJob(ctx context.Context, j catalog.Job) (catalog.Job, bool, error) {
	var created bool
	out, err := scanJob(s.pool.QueryRow(ctx, insertJob, j.ID, j.Kind, j.PerformanceID, j.State, j.Done, j.Total, j.Failed,
		j.Reason, j.Error, j.CreatedBy, s.now()), &created)
	switch {
	case isMissingParent(err):
		return catalog.Job{}, false, fmt.Errorf("create job: performance %s: %w", j.PerformanceID, store.ErrNotFound)
	case err != nil:
		return catalog.Job{}, false, fmt.Errorf("create job %s: %w", j.ID, err)
	}
	return out, created, nil
}

// GetJob returns a job or ErrNotFound.
func (s *Store) GetJob(ctx context.Context, id string) (catalog.Job, error) {
	j, err := scanJob(s.pool.QueryRow(ctx, selectJob, id))
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return catalog.Job{}, fmt.Errorf("job %s: %w", id, store.ErrNotFound)
	case err != nil:
		return catalog.Job{}, fmt.Errorf("job %s: %w", id, err)
	}
	return j, nil
}

// UpdateJob writes a job's state, counters and error, and returns it.
func (s *Store) UpdateJob(ctx context.Context, j catalog.Job) (catalog.Job, error) {
	out, err := scanJob(s.pool.QueryRow(ctx, updateJob, j.ID, j.State, j.Done, j.Total, j.Failed, j.Error, s.now()))
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return catalog.Job{}, fmt.Errorf("update job %s: %w", j.ID, store.ErrNotFound)
	case err != nil:
		return catalog.Job{}, fmt.Errorf("update job %s: %w", j.ID, err)
	}
	return out, nil
}

// RunningJobs lists the jobs still running, oldest first.
func (s *Store) RunningJobs(ctx context.Context) ([]catalog.Job, error) {
	rows, err := s.pool.Query(ctx, runningJobs)
	if err != nil {
		return nil, fmt.Errorf("running jobs: %w", err)
	}
	defer rows.Close()
	var out []catalog.Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, fmt.Errorf("running jobs: %w", err)
		}
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("running jobs: %w", err)
	}
	return out, nil
}
