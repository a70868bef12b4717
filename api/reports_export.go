package api

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/money"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/report"
)

// The exports and the sales over time of issue 17: every report page has a
// CSV of what it shows, and the sales report a timeline.

// reportQuery is a report's filters: a performance or all, [from, to).
type reportQuery struct {
	performance string
	from, to    time.Time
	bucket      string
}

func parseReportQuery(c *echo.Context) (reportQuery, error) {
	q := reportQuery{performance: c.QueryParam("performance"), bucket: c.QueryParam("bucket")}
	var err error
	if q.from, err = parseTime("from", c.QueryParam("from")); err != nil {
		return q, err
	}
	if q.to, err = parseTime("to", c.QueryParam("to")); err != nil {
		return q, err
	}
	if q.bucket == "" {
		q.bucket = report.Day
	}
	return q, nil
}

// name is the part of a download's file name that says what it covers.
func (q reportQuery) name() string {
	parts := []string{"all"}
	if q.performance != "" {
		parts[0] = q.performance
	}
	if !q.from.IsZero() {
		parts = append(parts, "from-"+q.from.UTC().Format("20060102T1504Z"))
	}
	if !q.to.IsZero() {
		parts = append(parts, "to-"+q.to.UTC().Format("20060102T1504Z"))
	}
	return fileSafe(strings.Join(parts, "-"))
}

// fileSafe keeps letters, digits, '-', '_' and '.' of a file name.
func fileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, s)
}

type pointJSON struct {
	Start     string `json:"start"`
	End       string `json:"end"`
	Orders    int    `json:"orders"`
	Tickets   int    `json:"tickets"`
	Passes    int    `json:"passes"`
	Gross     int64  `json:"gross"`
	Discounts int64  `json:"discounts"`
	Refunds   int    `json:"refunds"`
	Refunded  int64  `json:"refunded"`
	Net       int64  `json:"net"`
}

// venueTime is a moment on the venue's clock, with its offset.
func venueTime(t time.Time, loc *time.Location) string { return t.In(loc).Format(time.RFC3339) }

// salesTimeline answers GET /reports/sales/timeline: the paid orders made
// and the refunds given, by day or hour on the venue's clock.
func (s *Server) salesTimeline(c *echo.Context) error {
	q, err := parseReportQuery(c)
	if err != nil {
		return err
	}
	points, err := s.checkout.SalesTimeline(c.Request().Context(), q.performance, q.from, q.to, q.bucket)
	if err != nil {
		return err
	}
	loc := s.checkout.Location()
	out := struct {
		Bucket   string      `json:"bucket"`
		TimeZone string      `json:"time_zone"`
		Points   []pointJSON `json:"points"`
	}{Bucket: q.bucket, TimeZone: loc.String(), Points: make([]pointJSON, 0, len(points))}
	for _, p := range points {
		out.Points = append(out.Points, pointJSON{Start: venueTime(p.Start, loc), End: venueTime(p.End, loc), Orders: p.Orders, Tickets: p.Tickets,
			Passes: p.Passes, Gross: p.Gross, Discounts: p.Discounts, Refunds: p.Refunds, Refunded: p.Refunded, Net: p.Net})
	}
	return c.JSON(http.StatusOK, out)
}

// salesCSVHeader is the one layout of GET /reports/sales.csv: a line per
// row of the report, its section first (total, zone, channel, product,
// fare, code, then day or hour for the timeline), its key second.
var salesCSVHeader = []string{"section", "key", "reservations", "reserved_seats", "paid_orders", "seats", "refunded_seats",
	"passes", "refunded_passes", "refunds", "uses", "gross", "discounts", "refunded", "net", "currency"}

// salesCSV answers GET /reports/sales.csv: the sales report and its
// timeline (bucket, day unless asked) as one table, both read from one
// snapshot. Money is written in the currency's units ("59.00"), times on the
// venue's clock.
func (s *Server) salesCSV(c *echo.Context) error {
	q, err := parseReportQuery(c)
	if err != nil {
		return err
	}
	r, points, err := s.checkout.SalesExport(c.Request().Context(), q.performance, q.from, q.to, q.bucket)
	if err != nil {
		return err
	}
	cur := r.Currency
	m := func(v int64) string { return money.Decimal(v, cur) }
	n := strconv.Itoa
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(salesCSVHeader)
	figures := func(section, key string, f report.Figures) {
		_ = w.Write([]string{section, csvSafe(key), n(f.Reservations), n(f.ReservedSeats), n(f.PaidOrders), n(f.Seats), n(f.RefundedSeats),
			n(f.Passes), n(f.RefundedPasses), n(f.Refunds), "", m(f.Gross), m(f.Discounts), m(f.Refunded), m(f.Net), cur})
	}
	figures("total", "", r.Total)
	for _, sec := range []struct {
		name  string
		lines []report.Line
	}{{"zone", r.Zones}, {"channel", r.Channels}, {"product", r.Products}, {"fare", r.Fares}} {
		for _, l := range sec.lines {
			figures(sec.name, l.Key, l.Figures)
		}
	}
	for _, code := range r.Codes {
		_ = w.Write([]string{"code", csvSafe(code.Code), "", "", "", "", "", "", "", "", n(code.Uses), "", m(code.Discount), "", "", cur})
	}
	loc := s.checkout.Location()
	for _, p := range points {
		_ = w.Write([]string{q.bucket, venueTime(p.Start, loc), "", "", n(p.Orders), n(p.Tickets), "", n(p.Passes), "", n(p.Refunds), "",
			m(p.Gross), m(p.Discounts), m(p.Refunded), m(p.Net), cur})
	}
	w.Flush()
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="sales-%s.csv"`, q.name()))
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// maxPaymentsCSV bounds GET /payments.csv; a longer period is refused,
// naming from.
const maxPaymentsCSV = 50000

// paymentsCSV answers GET /payments.csv: the payments list of the days
// chosen as a spreadsheet, every page of it.
func (s *Server) paymentsCSV(c *echo.Context) error {
	from, err := parseTime("from", c.QueryParam("from"))
	if err != nil {
		return err
	}
	to, err := parseTime("to", c.QueryParam("to"))
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	loc := s.checkout.Location()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"created_at", "kind", "provider", "provider_id", "refund_id", "status", "amount", "currency", "reason",
		"order_number", "order_id", "order_status", "order_total", "order_refunded"})
	f := order.PaymentFilter{From: from, To: to, Limit: 1000}
	rows := 0
	for {
		page, err := s.checkout.ListPayments(ctx, f)
		if err != nil {
			return err
		}
		for _, l := range page {
			p := l.Payment
			_ = w.Write([]string{venueTime(p.CreatedAt, loc), p.Kind, p.Provider, csvSafe(p.ProviderID), csvSafe(p.RefundID), p.Status,
				money.Decimal(p.Amount, p.Currency), p.Currency, csvSafe(p.Reason), csvSafe(l.OrderNumber), p.OrderID, l.OrderStatus,
				money.Decimal(l.OrderTotal, p.Currency), money.Decimal(l.OrderRefunded, p.Currency)})
		}
		rows += len(page)
		if rows > maxPaymentsCSV {
			return &input.Error{Field: "from", Reason: fmt.Sprintf("more than %d payments: choose fewer days", maxPaymentsCSV)}
		}
		if len(page) < f.Limit {
			break
		}
		last := page[len(page)-1]
		f.Before, f.BeforeID = last.CreatedAt, last.ID
	}
	w.Flush()
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="payments-%s.csv"`, reportQuery{from: from, to: to}.name()))
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}
