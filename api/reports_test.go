package api_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/hall"
)

type timelineResp struct {
	Bucket   string `json:"bucket"`
	TimeZone string `json:"time_zone"`
	Points   []struct {
		Start, End                       string
		Orders, Tickets, Passes, Refunds int
		Gross, Discounts, Refunded, Net  int64
	} `json:"points"`
}

// TestSalesExportsAndTimeline (issue 17): the sales report's codes, its CSV
// (one table of sections, money in units) and its timeline by day and hour on
// the venue's clock (Berlin here), which adds up to the report's total; bad
// buckets and periods are 422 naming their field.
func TestSalesExportsAndTimeline(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	forEachBackend(t, func(t *testing.T, b stack) {
		e := newEnv(t, b, func(o *envOptions) { o.location = berlin })
		p := e.performance(hall.Theatre(), true)
		staff := e.staff()
		require.Equal(t, http.StatusCreated, staff.do("POST", "/api/v1/promotions", map[string]any{"code": "TENOFF", "name": "Ten", "amount": 1000, "currency": "EUR"}).status)
		first, r := e.buy(p.ID, "TENOFF", "S-R15-S1", "S-R15-S2")
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		_, r = e.buy(p.ID, "", "S-R15-S3")
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		r = staff.do("POST", "/api/v1/orders/"+first.ID+"/refunds", map[string]any{"amount": 500, "reason": "late start"}, "Idempotency-Key", "r1")
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		e.clock.Add(26 * time.Hour) // a sale on the next day
		_, r = e.buy(p.ID, "", "S-R15-S4")
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)

		var rep struct {
			Currency string
			Total    map[string]int64
			Codes    []struct {
				Code     string
				Uses     int
				Discount int64
			}
		}
		r = staff.do("GET", "/api/v1/reports/sales?performance="+p.ID, nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		r.decode(t, &rep)
		require.Equal(t, int64(3), rep.Total["paid_orders"])
		require.Equal(t, int64(4*5900-1000-500), rep.Total["net"])
		require.Len(t, rep.Codes, 1)
		require.Equal(t, "TENOFF", rep.Codes[0].Code)
		require.Equal(t, 1, rep.Codes[0].Uses)
		require.Equal(t, int64(1000), rep.Codes[0].Discount)

		// The timeline by day: the venue's midnights, adding up to the total.
		var tl timelineResp
		r = staff.do("GET", "/api/v1/reports/sales/timeline?performance="+p.ID, nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		r.decode(t, &tl)
		require.Equal(t, "day", tl.Bucket)
		require.Equal(t, "Europe/Berlin", tl.TimeZone)
		require.GreaterOrEqual(t, len(tl.Points), 2)
		var orders, tickets int
		var gross, discounts, refunded, net int64
		for _, pt := range tl.Points {
			start, err := time.Parse(time.RFC3339, pt.Start)
			require.NoError(t, err)
			local := start.In(berlin)
			require.Equal(t, [3]int{0, 0, 0}, [3]int{local.Hour(), local.Minute(), local.Second()}, "a day starts at the venue's midnight: %s", pt.Start)
			_, off := start.Zone()
			_, want := local.Zone()
			require.Equal(t, want, off, "written with the venue's offset: %s", pt.Start)
			orders += pt.Orders
			tickets += pt.Tickets
			gross += pt.Gross
			discounts += pt.Discounts
			refunded += pt.Refunded
			net += pt.Net
			require.Equal(t, pt.Gross-pt.Discounts-pt.Refunded, pt.Net)
		}
		require.Positive(t, tl.Points[0].Orders, "the range starts on the first sale's day")
		require.Positive(t, tl.Points[len(tl.Points)-1].Orders, "and ends on the last one's")
		days := len(tl.Points)
		require.Equal(t, int64(3), int64(orders))
		require.Equal(t, rep.Total["seats"], int64(tickets))
		require.Equal(t, rep.Total["gross"], gross)
		require.Equal(t, rep.Total["discounts"], discounts)
		require.Equal(t, rep.Total["refunded"], refunded)
		require.Equal(t, rep.Total["net"], net)

		// By hour over the last two days: 48 buckets or so, the sales in them.
		now := e.clock.Now()
		q := "&from=" + now.Add(-30*time.Hour).UTC().Format(time.RFC3339) + "&to=" + now.Add(time.Hour).UTC().Format(time.RFC3339)
		r = staff.do("GET", "/api/v1/reports/sales/timeline?bucket=hour&performance="+p.ID+q, nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		r.decode(t, &tl)
		require.InDelta(t, 32, len(tl.Points), 1)
		orders = 0
		for _, pt := range tl.Points {
			orders += pt.Orders
		}
		require.Equal(t, 3, orders)

		// The CSV: one table, header first, money in units.
		r = staff.do("GET", "/api/v1/reports/sales.csv?performance="+p.ID, nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Equal(t, "text/csv; charset=utf-8", r.header.Get("Content-Type"))
		require.Contains(t, r.header.Get("Content-Disposition"), `attachment; filename="sales-`+p.ID)
		recs, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
		require.NoError(t, err)
		header := recs[0]
		col := func(name string) int {
			for i, h := range header {
				if h == name {
					return i
				}
			}
			t.Fatalf("no column %s in %v", name, header)
			return -1
		}
		require.Equal(t, []string{"section", "key"}, header[:2])
		rows := map[string][][]string{}
		for _, rec := range recs[1:] {
			require.Len(t, rec, len(header))
			rows[rec[0]] = append(rows[rec[0]], rec)
		}
		require.Len(t, rows["total"], 1)
		total := rows["total"][0]
		require.Equal(t, "3", total[col("paid_orders")])
		require.Equal(t, "236.00", total[col("gross")])
		require.Equal(t, "10.00", total[col("discounts")])
		require.Equal(t, "5.00", total[col("refunded")])
		require.Equal(t, "221.00", total[col("net")])
		require.Equal(t, "EUR", total[col("currency")])
		require.Len(t, rows["zone"], 1)
		require.Equal(t, "standard", rows["zone"][0][col("key")])
		require.Len(t, rows["channel"], 1)
		require.Equal(t, [][]string{{"code", "TENOFF", "", "", "", "", "", "", "", "", "1", "", "10.00", "", "", "EUR"}}, rows["code"])
		require.Len(t, rows["day"], days, "the timeline by day follows the report")
		var dayGross float64
		for _, d := range rows["day"] {
			v, err := strconv.ParseFloat(d[col("gross")], 64)
			require.NoError(t, err)
			dayGross += v
			require.True(t, strings.HasSuffix(d[col("key")], "T00:00:00+01:00") || strings.HasSuffix(d[col("key")], "T00:00:00+02:00"), d[col("key")])
		}
		require.InDelta(t, 236.0, dayGross, 0.001, "the days add up to the total")
		r = staff.do("GET", "/api/v1/reports/sales.csv?bucket=hour&performance="+p.ID+q, nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Contains(t, string(r.body), "\nhour,")

		// Bad input names its field.
		for _, c := range []struct{ query, field string }{
			{"/api/v1/reports/sales/timeline?bucket=week", "bucket"},
			{"/api/v1/reports/sales/timeline?bucket=hour&from=2020-01-01&to=2026-01-01", "bucket"},
			{"/api/v1/reports/sales/timeline?from=2026-02-01&to=2026-01-01", "to"},
			{"/api/v1/reports/sales/timeline?from=soon", "from"},
			{"/api/v1/reports/sales.csv?bucket=minute", "bucket"},
			{"/api/v1/reports/sales.csv?to=later", "to"},
		} {
			r = staff.do("GET", c.query, nil)
			require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s: %s", c.query, r.body)
			require.Equal(t, c.field, r.problem(t).Field, c.query)
		}
		// Buyers see none of it.
		require.Equal(t, http.StatusUnauthorized, e.buyer().do("GET", "/api/v1/reports/sales.csv", nil).status)
		require.Equal(t, http.StatusUnauthorized, e.buyer().do("GET", "/api/v1/reports/sales/timeline", nil).status)

		// The payments list as CSV: the header, and the bounds it requires.
		day := now.In(berlin).Format(time.DateOnly)
		r = staff.do("GET", "/api/v1/payments.csv?from="+day+"&to="+now.Add(48*time.Hour).In(berlin).Format(time.DateOnly), nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		recs, err = csv.NewReader(bytes.NewReader(r.body)).ReadAll()
		require.NoError(t, err)
		require.Equal(t, "created_at", recs[0][0])
		require.Contains(t, r.header.Get("Content-Disposition"), `filename="payments-`)
		require.Equal(t, http.StatusUnprocessableEntity, staff.do("GET", "/api/v1/payments.csv?to="+day, nil).status)
	})
}

// TestSalesReportConsistentUnderSurge (issue 17): buyers place orders of two
// seats, each 5.00 off with a promotion, while staff read the sales report
// again and again: every report agrees with itself — the total with its zones,
// channels and codes, the orders with their tickets, net with gross less
// discounts and refunds.
//
// The CSV, read in between, has day lines that add up to its total line.
func TestSalesReportConsistentUnderSurge(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b stack) {
		e := newEnv(t, b)
		p := e.performance(hall.Theatre(), true)
		staff := e.staff()
		require.Equal(t, http.StatusCreated, staff.do("POST", "/api/v1/promotions", map[string]any{"code": "SURGE", "name": "Surge", "amount": 500, "currency": "EUR"}).status)
		const buyers, each = 4, 8
		var wg sync.WaitGroup
		var failed atomic.Int32
		var done atomic.Bool
		for w := range buyers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					row := 3 + w
					seats := []string{fmt.Sprintf("S-R%d-S%d", row, 2*i+1), fmt.Sprintf("S-R%d-S%d", row, 2*i+2)}
					if !buyOnce(e, p.ID, "SURGE", seats) {
						failed.Add(1)
					}
				}
			}()
		}
		go func() { wg.Wait(); done.Store(true) }()
		type line struct {
			Key                             string
			Seats                           int
			PaidOrders                      int `json:"paid_orders"`
			Gross, Discounts, Refunded, Net int64
		}
		type total struct {
			Seats                           int
			PaidOrders                      int `json:"paid_orders"`
			Gross, Discounts, Refunded, Net int64
		}
		reads := 0
		check := func() total {
			r := staff.do("GET", "/api/v1/reports/sales?performance="+p.ID, nil)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			var rep struct {
				Total    total
				Zones    []line
				Channels []line
				Codes    []struct {
					Uses     int
					Discount int64
				}
			}
			r.decode(t, &rep)
			tot := rep.Total
			msg := fmt.Sprintf("report %d: %s", reads, r.body)
			require.Equal(t, tot.Gross-tot.Discounts-tot.Refunded, tot.Net, msg)
			require.Equal(t, 2*tot.PaidOrders, tot.Seats, "orders and their tickets: "+msg)
			require.Equal(t, int64(500*tot.PaidOrders), tot.Discounts, msg)
			var zs, cs line
			for _, z := range rep.Zones {
				zs.Seats += z.Seats
				zs.Gross += z.Gross
				zs.Discounts += z.Discounts
			}
			for _, c := range rep.Channels {
				cs.Seats += c.Seats
				cs.PaidOrders += c.PaidOrders
				cs.Gross += c.Gross
				cs.Net += c.Net
			}
			require.Equal(t, tot.Seats, zs.Seats, "total = sum of zones: "+msg)
			require.Equal(t, tot.Gross, zs.Gross, msg)
			require.Equal(t, tot.Discounts, zs.Discounts, msg)
			require.Equal(t, tot.Seats, cs.Seats, "total = sum of channels: "+msg)
			require.Equal(t, tot.PaidOrders, cs.PaidOrders, msg)
			require.Equal(t, tot.Gross, cs.Gross, msg)
			require.Equal(t, tot.Net, cs.Net, msg)
			uses, given := 0, int64(0)
			for _, c := range rep.Codes {
				uses += c.Uses
				given += c.Discount
			}
			require.Equal(t, tot.PaidOrders, uses, msg)
			require.Equal(t, tot.Discounts, given, msg)
			reads++
			return tot
		}
		// The CSV's days add up to its total: one snapshot for both.
		checkCSV := func() {
			r := staff.do("GET", "/api/v1/reports/sales.csv?performance="+p.ID, nil)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			recs, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
			require.NoError(t, err)
			cents := func(s string) int64 {
				v, err := strconv.ParseInt(strings.Replace(s, ".", "", 1), 10, 64)
				require.NoError(t, err, s)
				return v
			}
			var totOrders, dayOrders, totGross, dayGross, totNet, dayNet int64
			for _, rec := range recs[1:] {
				switch rec[0] {
				case "total":
					totOrders, totGross, totNet = cents(rec[4]), cents(rec[11]), cents(rec[14])
				case "day":
					dayOrders, dayGross, dayNet = dayOrders+cents(rec[4]), dayGross+cents(rec[11]), dayNet+cents(rec[14])
				}
			}
			require.Equal(t, totOrders, dayOrders, "%s", r.body)
			require.Equal(t, totGross, dayGross, "%s", r.body)
			require.Equal(t, totNet, dayNet, "%s", r.body)
		}
		for !done.Load() {
			check()
			checkCSV()
		}
		checkCSV()
		require.Zero(t, failed.Load(), "every order placed")
		tot := check()
		require.Equal(t, buyers*each, tot.PaidOrders)
		t.Logf("%d reports read while %d orders were placed", reads, buyers*each)
	})
}

// buyOnce holds seats and places the order with a code, reporting failure
// instead of failing the test (it runs off the test's goroutine).
func buyOnce(e *testEnv, perf, code string, seats []string) bool {
	b := e.buyer()
	post := func(path string, body any, out any) bool {
		data, err := json.Marshal(body)
		if err != nil {
			return false
		}
		req, err := http.NewRequest("POST", e.url+path, bytes.NewReader(data))
		if err != nil {
			return false
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := b.http.Do(req)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			return false
		}
		return out == nil || json.NewDecoder(resp.Body).Decode(out) == nil
	}
	var h hold
	if !post("/api/v1/performances/"+perf+"/holds", map[string]any{"seats": seats}, &h) {
		return false
	}
	return post("/api/v1/orders", map[string]any{"hold_token": h.Token, "voucher_code": code,
		"buyer": map[string]string{"name": "Sam Surge", "email": "sam@example.com"}}, nil)
}
