package checkout

import (
	"context"
	"time"

	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/report"
)

// SalesReport is a store report plus the holds open now.
type SalesReport struct {
	report.Sales
	Holds     int // open holds of the performance, or of all of them
	HeldSeats int
}

// SalesReport sums orders made and refunds given in [from, to) (zero:
// unbounded), for one performance or all.
func (s *Service) SalesReport(ctx context.Context, performanceID string, from, to time.Time) (SalesReport, error) {
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		return SalesReport{}, &input.Error{Field: "to", Reason: "must be after from"}
	}
	var out SalesReport
	if performanceID != "" {
		var err error
		if out.Holds, out.HeldSeats, err = s.seats.OpenHolds(ctx, performanceID); err != nil {
			return SalesReport{}, err
		}
	} else {
		out.Holds, out.HeldSeats = s.seats.AllOpenHolds()
	}
	var err error
	out.Sales, err = s.store.SalesReport(ctx, report.Filter{PerformanceID: performanceID, From: from, To: to})
	return out, err
}

// SalesTimeline is the sales over time (issue 17): the paid orders made and
// the refunds given in [from, to) of one performance or all, by day or by
// hour on the venue's clock. Without bounds it runs from the first sale to
// the last; more than report.MaxBuckets buckets is refused, naming bucket.
func (s *Service) SalesTimeline(ctx context.Context, performanceID string, from, to time.Time, bucket string) ([]report.Point, error) {
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		return nil, &input.Error{Field: "to", Reason: "must be after from"}
	}
	if err := report.CheckBucket(bucket); err != nil {
		return nil, err
	}
	if !from.IsZero() && !to.IsZero() {
		// Refused before the store is asked.
		if _, err := report.Timeline(nil, s.loc, bucket, from, to); err != nil {
			return nil, err
		}
	}
	rows, err := s.store.SalesTimeline(ctx, report.Filter{PerformanceID: performanceID, From: from, To: to})
	if err != nil {
		return nil, err
	}
	return report.Timeline(rows, s.loc, bucket, from, to)
}

// SalesExport is SalesReport (without the holds) and SalesTimeline of the same
// filters read from one snapshot, for the CSV that has both: its buckets add
// up to its total whatever is written meanwhile.
func (s *Service) SalesExport(ctx context.Context, performanceID string, from, to time.Time, bucket string) (report.Sales, []report.Point, error) {
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		return report.Sales{}, nil, &input.Error{Field: "to", Reason: "must be after from"}
	}
	if err := report.CheckBucket(bucket); err != nil {
		return report.Sales{}, nil, err
	}
	if !from.IsZero() && !to.IsZero() {
		if _, err := report.Timeline(nil, s.loc, bucket, from, to); err != nil {
			return report.Sales{}, nil, err
		}
	}
	sales, rows, err := s.store.SalesExport(ctx, report.Filter{PerformanceID: performanceID, From: from, To: to})
	if err != nil {
		return report.Sales{}, nil, err
	}
	points, err := report.Timeline(rows, s.loc, bucket, from, to)
	return sales, points, err
}
