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
