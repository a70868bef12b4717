package loadtest

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func cleanInput() AuditInput {
	now := time.Now()
	return AuditInput{
		Orders: []AuditOrder{
			{ID: "o1", Number: "N1", Status: "paid", Seats: []string{"A1", "A2"}},
			{ID: "o2", Number: "N2", Status: "reserved", Seats: []string{"A3"}},
			{ID: "o3", Number: "N3", Status: "annulled", Seats: []string{"A1"}},
		},
		States:    map[string]byte{"A1": '2', "A2": '2', "A3": '1', "A4": '1', "A5": '0'},
		Holds:     []AuditHold{{Token: "t-reserved", Seats: []string{"A3"}, ExpiresAt: now.Add(time.Hour)}, {Token: "t-live", Seats: []string{"A4"}, ExpiresAt: now.Add(time.Minute)}},
		Confirmed: map[string][]string{"o1": {"A2", "A1"}},
		Now:       now,
		Grace:     time.Second,
	}
}

func TestAuditPassesConsistentData(t *testing.T) {
	a := Check(cleanInput())
	require.True(t, a.OK, a.Violations)
	require.Equal(t, 2, a.Orders)
	require.Equal(t, 2, a.SoldSeats)
	require.Equal(t, 2, a.HeldSeats)
}

func TestAuditReportsPlantedInconsistencies(t *testing.T) {
	cases := []struct {
		name  string
		plant func(in *AuditInput)
		want  string
	}{
		{"a seat in two orders", func(in *AuditInput) {
			in.Orders = append(in.Orders, AuditOrder{ID: "o4", Number: "N4", Status: "paid", Seats: []string{"A2"}})
		}, "seat A2 is in two orders: N1 and N4"},
		{"a sold seat with no order", func(in *AuditInput) { in.States["A5"] = '2' }, "seat A5 is sold but no paid order has it"},
		{"a paid seat not sold", func(in *AuditInput) { in.States["A2"] = '0' }, "seat A2 is in paid order N1"},
		{"a hold past its expiry", func(in *AuditInput) { in.Holds[1].ExpiresAt = in.Now.Add(-time.Minute) }, "outlived its expiry"},
		{"a held seat without a hold", func(in *AuditInput) { in.States["A5"] = '1' }, "seat A5 shows held but no live hold"},
		{"a seat in two holds", func(in *AuditInput) {
			in.Holds = append(in.Holds, AuditHold{Token: "t-other", Seats: []string{"A4"}, ExpiresAt: in.Now.Add(time.Minute)})
		}, "seat A4 is in two holds"},
		{"a promotion counting more uses than orders", func(in *AuditInput) {
			in.Promo, in.PromoUses, in.PromoLimit = "RUSH", 2, 5
			in.Orders[0].VoucherCode = "RUSH"
		}, "promotion RUSH counts 2 uses but 1 orders redeemed it"},
		{"a promotion over its limit", func(in *AuditInput) {
			in.Promo, in.PromoUses, in.PromoLimit = "RUSH", 2, 1
			in.Orders[0].VoucherCode, in.Orders[1].VoucherCode = "RUSH", "RUSH"
		}, "over its limit of 1"},
		{"a promised order missing", func(in *AuditInput) { in.Confirmed["o9"] = []string{"A5"} }, "order o9 confirmed to a buyer is not in the store"},
		{"a promised order with other seats", func(in *AuditInput) { in.Confirmed["o1"] = []string{"A1"} }, "the buyer was promised"},
		{"a seat promised twice", func(in *AuditInput) {
			in.Orders = append(in.Orders, AuditOrder{ID: "o5", Number: "N5", Status: "paid", Seats: []string{"A9"}})
			in.States["A9"] = '2'
			in.Confirmed["o5"] = []string{"A1"}
		}, "seat A1 was promised to two buyers"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := cleanInput()
			tc.plant(&in)
			a := Check(in)
			require.False(t, a.OK)
			require.True(t, strings.Contains(strings.Join(a.Violations, "\n"), tc.want), "want %q in %v", tc.want, a.Violations)
		})
	}
}

func TestPercentiles(t *testing.T) {
	var durs []time.Duration
	for i := 1; i <= 1000; i++ {
		durs = append(durs, time.Duration(i)*time.Millisecond)
	}
	p := percentiles(durs)
	require.Equal(t, Percentiles{N: 1000, P50: 500, P95: 950, P99: 990, Max: 1000}, p)
	require.Equal(t, Percentiles{N: 1, P50: 7, P95: 7, P99: 7, Max: 7}, percentiles([]time.Duration{7 * time.Millisecond}))
	require.Equal(t, Percentiles{}, percentiles(nil))
	// Order of input does not matter.
	rev := make([]time.Duration, len(durs))
	for i, d := range durs {
		rev[len(durs)-1-i] = d
	}
	require.Equal(t, p, percentiles(rev))
}
