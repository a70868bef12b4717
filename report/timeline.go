package report

import (
	"fmt"
	"slices"
	"time"

	"github.com/seatmap/seatmap/input"
)

// Quarter is the step of the rows a store's timeline query returns: the
// quarter hours of UTC. Every time zone's offset is a whole number of quarter
// hours, so a quarter lies wholly inside one hour and one day of any venue's
// clock, and the buckets are made here, in the venue's zone, never in SQL.
const Quarter = 15 * time.Minute

// MaxBuckets bounds a timeline: more buckets than this is refused (a period
// of years by the hour); the caller asks for days, or a shorter period.
const MaxBuckets = 2000

// Buckets a timeline may be cut into.
const (
	Day  = "day"
	Hour = "hour"
)

// TimeRow is what a store counts in one quarter hour (At, UTC, a multiple of
// Quarter): the paid orders made in it (with their tickets, passes, gross
// and discounts, as the sales report's total counts them) and the refunds
// given in it.
type TimeRow struct {
	At        time.Time
	Orders    int   // paid, partially refunded or refunded orders made
	Tickets   int   // their live tickets
	Passes    int   // their live passes
	Gross     int64 // their ticket and pass prices
	Discounts int64 // their discounts
	Refunds   int   // refunds given
	Refunded  int64 // what they gave back
}

// Point is one bucket of a timeline: [Start, End) on the venue's clock, and
// its sums. Net is Gross - Discounts - Refunded, as in the sales report.
type Point struct {
	Start, End time.Time
	Orders     int
	Tickets    int
	Passes     int
	Gross      int64
	Discounts  int64
	Refunds    int
	Refunded   int64
	Net        int64
}

// BucketStart is the start of the bucket t falls in, on loc's clock: its
// local midnight, or the start of its local hour (the real instant, so that
// the hour repeated when clocks go back is a bucket of its own).
func BucketStart(t time.Time, loc *time.Location, bucket string) time.Time {
	l := t.In(loc)
	if bucket == Day {
		return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
	}
	return l.Add(-time.Duration(l.Minute())*time.Minute - time.Duration(l.Second())*time.Second - time.Duration(l.Nanosecond()))
}

// nextBucket is the start of the bucket after the one starting at start.
func nextBucket(start time.Time, loc *time.Location, bucket string) time.Time {
	if bucket == Day {
		return time.Date(start.Year(), start.Month(), start.Day()+1, 0, 0, 0, 0, loc)
	}
	return BucketStart(start.Add(time.Hour), loc, Hour)
}

// CheckBucket refuses a bucket other than day and hour.
func CheckBucket(bucket string) error {
	if bucket != Day && bucket != Hour {
		return &input.Error{Field: "bucket", Reason: fmt.Sprintf("%q is neither day nor hour", bucket)}
	}
	return nil
}

// Timeline cuts [from, to) into buckets on loc's clock and sums the rows
// into them. A zero from or to is taken from the rows (the first one's, and
// the end of the last one's quarter), so a performance's timeline runs from
// its first sale to its last; with neither rows nor bounds it is empty.
// Every bucket in the range is returned, empty ones too, so a chart's axis
// is even. More than MaxBuckets buckets is an *input.Error naming bucket.
func Timeline(rows []TimeRow, loc *time.Location, bucket string, from, to time.Time) ([]Point, error) {
	if err := CheckBucket(bucket); err != nil {
		return nil, err
	}
	rows = slices.Clone(rows)
	slices.SortFunc(rows, func(a, b TimeRow) int { return a.At.Compare(b.At) })
	if from.IsZero() && len(rows) > 0 {
		from = rows[0].At
	}
	if to.IsZero() && len(rows) > 0 {
		to = rows[len(rows)-1].At.Add(Quarter)
	}
	if from.IsZero() || to.IsZero() {
		// One bound and no rows: nothing to show.
		return []Point{}, nil
	}
	var out []Point
	for start := BucketStart(from, loc, bucket); start.Before(to); {
		if len(out) == MaxBuckets {
			return nil, &input.Error{Field: "bucket", Reason: fmt.Sprintf("the period has more than %d buckets of a %s: choose day, or a shorter period", MaxBuckets, bucket)}
		}
		end := nextBucket(start, loc, bucket)
		out = append(out, Point{Start: start, End: end})
		start = end
	}
	i := 0
	for _, r := range rows {
		for i < len(out) && !r.At.Before(out[i].End) {
			i++
		}
		if i == len(out) {
			break
		}
		if r.At.Before(out[i].Start) {
			// Before the first bucket: only when a row lies outside
			// [from, to), which the store does not return.
			continue
		}
		p := &out[i]
		p.Orders += r.Orders
		p.Tickets += r.Tickets
		p.Passes += r.Passes
		p.Gross += r.Gross
		p.Discounts += r.Discounts
		p.Refunds += r.Refunds
		p.Refunded += r.Refunded
	}
	for i := range out {
		out[i].Net = out[i].Gross - out[i].Discounts - out[i].Refunded
	}
	return out, nil
}

// MergeRows adds rows of the same quarter together, sorted by At: a store
// reads orders, tickets, passes and refunds by separate queries and hands
// the union here.
func MergeRows(rows []TimeRow) []TimeRow {
	by := map[time.Time]*TimeRow{}
	for _, r := range rows {
		r.At = r.At.UTC()
		m := by[r.At]
		if m == nil {
			m = &TimeRow{At: r.At}
			by[r.At] = m
		}
		m.Orders += r.Orders
		m.Tickets += r.Tickets
		m.Passes += r.Passes
		m.Gross += r.Gross
		m.Discounts += r.Discounts
		m.Refunds += r.Refunds
		m.Refunded += r.Refunded
	}
	out := make([]TimeRow, 0, len(by))
	for _, r := range by {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b TimeRow) int { return a.At.Compare(b.At) })
	return out
}
