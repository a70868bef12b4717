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

// payInput is a consistent run whose buyers paid through the test provider:
// one order paid, one declined (its seat A5 free, A6 resold to the paid
// order's neighbour), one abandoned and ended, one still in its window.
func payInput() AuditInput {
	in := cleanInput()
	now := in.Now
	paid := []AuditPayment{{Kind: "payment", Status: "succeeded", Amount: 9000}}
	in.Orders = []AuditOrder{
		{ID: "o1", Number: "N1", Status: "paid", Seats: []string{"A1", "A2"}, AllSeats: []string{"A1", "A2"}, Total: 9000, Payments: paid},
		{ID: "o2", Number: "N2", Status: "payment_failed", AllSeats: []string{"A5"}, Total: 4500,
			Payments: []AuditPayment{{Kind: "payment", Status: "failed", Amount: 4500}}},
		{ID: "o3", Number: "N3", Status: "payment_failed", AllSeats: []string{"A6"}, Total: 4500, Deadline: now.Add(-time.Minute),
			Payments: []AuditPayment{{Kind: "payment", Status: "canceled", Amount: 4500}}},
		{ID: "o4", Number: "N4", Status: "pending_payment", Seats: []string{"A3"}, AllSeats: []string{"A3"}, Total: 4500, Deadline: now.Add(time.Minute),
			Payments: []AuditPayment{{Kind: "payment", Status: "pending", Amount: 4500}}},
		{ID: "o5", Number: "N5", Status: "paid", Seats: []string{"A6"}, AllSeats: []string{"A6"}, Total: 4500,
			Payments: []AuditPayment{{Kind: "payment", Status: "succeeded", Amount: 4500}}},
	}
	in.States = map[string]byte{"A1": '2', "A2": '2', "A3": '1', "A4": '1', "A5": '0', "A6": '2'}
	in.Holds[0].ExpiresAt = now.Add(time.Minute) // o4's hold runs to its window's end
	in.Confirmed = map[string][]string{"o1": {"A1", "A2"}, "o5": {"A6"}}
	in.Pay = true
	in.Declined = map[string][]string{"o2": {"A5"}}
	in.Abandoned = map[string]time.Time{"o3": now.Add(-time.Minute), "o4": now.Add(time.Minute)}
	in.Late = map[string]bool{}
	in.Unanswered = map[string]bool{}
	return in
}

func TestAuditPassesConsistentPayments(t *testing.T) {
	a := Check(payInput())
	require.True(t, a.OK, a.Violations)
	require.Equal(t, 2, a.Orders)
	require.Equal(t, 2, a.Payments)
	require.Equal(t, 1, a.Pending)
	require.Equal(t, 3, a.SoldSeats)
}

// An approval that got no answer (a timeout) may have been applied: its
// order paid is no violation.
func TestAuditAcceptsAnUnansweredApprovalPaid(t *testing.T) {
	in := payInput()
	delete(in.Confirmed, "o5")
	in.Unanswered["o5"] = true
	a := Check(in)
	require.True(t, a.OK, a.Violations)
}

func TestAuditReportsPlantedPaymentInconsistencies(t *testing.T) {
	order := func(in *AuditInput, id string) *AuditOrder {
		for i := range in.Orders {
			if in.Orders[i].ID == id {
				return &in.Orders[i]
			}
		}
		t.Fatalf("no order %s", id)
		return nil
	}
	cases := []struct {
		name  string
		plant func(in *AuditInput)
		want  string
	}{
		{"a paid order without a payment", func(in *AuditInput) { order(in, "o1").Payments = nil }, "paid order N1 has 0 succeeded payments, not one"},
		{"a paid order paid twice", func(in *AuditInput) {
			o := order(in, "o1")
			o.Payments = append(o.Payments, o.Payments[0])
		}, "paid order N1 has 2 succeeded payments, not one"},
		{"a payment short of the total", func(in *AuditInput) { order(in, "o1").Payments[0].Amount = 8000 }, "paid order N1 has a payment of 8000 for its total of 9000"},
		{"a declined order left pending", func(in *AuditInput) {
			o := order(in, "o2")
			o.Status, o.Deadline, o.Seats = "pending_payment", in.Now.Add(time.Minute), []string{"A5"}
			o.Payments = []AuditPayment{{Kind: "payment", Status: "pending", Amount: 4500}}
			in.States["A5"] = '1'
			in.Holds = append(in.Holds, AuditHold{Token: "t-o2", Seats: []string{"A5"}, ExpiresAt: in.Now.Add(time.Minute)})
		}, "order N2 whose payment was declined is pending_payment, not payment_failed"},
		{"a declined order without a failed payment", func(in *AuditInput) { order(in, "o2").Payments[0].Status = "canceled" }, "order N2 whose payment was declined has no failed payment"},
		{"a failed order with live tickets", func(in *AuditInput) { order(in, "o2").Seats = []string{"A5"} }, "order N2 is payment_failed but its tickets for [A5] are live"},
		{"a failed order's seat still held", func(in *AuditInput) { in.States["A5"] = '1' }, "seat A5 of order N2 (payment_failed) shows '1' and no other order or hold has it"},
		{"a failed order keeping the money", func(in *AuditInput) {
			order(in, "o3").Payments[0].Status = "succeeded"
		}, "order N3 is payment_failed but keeps 4500 paid of which 0 was given back"},
		{"an approval without a paid order", func(in *AuditInput) {
			in.Confirmed["o9"] = []string{"A9"}
		}, "3 payments were approved but the store has 2 paid orders"},
		{"a pending order past its window", func(in *AuditInput) {
			order(in, "o4").Deadline = in.Now.Add(-time.Minute)
		}, "order N4 still waits for its payment 1m0s after its window ended"},
		{"a pending order with no pending payment", func(in *AuditInput) { order(in, "o4").Payments = nil }, "order N4 waits for its payment but has 0 pending payments"},
		{"an ended order whose payment stays pending", func(in *AuditInput) {
			order(in, "o3").Payments[0].Status = "pending"
		}, "order N3 is payment_failed but its payment is still pending"},
		{"an abandoned order paid", func(in *AuditInput) {
			o := order(in, "o3")
			o.Status, o.Seats = "paid", []string{"A6"}
			o.Payments[0].Status = "succeeded"
		}, "order N3 whose payment was abandoned is paid"},
		{"a seat of a pending order sold to another", func(in *AuditInput) {
			o := order(in, "o5")
			o.Seats, o.AllSeats = []string{"A6", "A3"}, []string{"A6", "A3"}
		}, "seat A3 is in two orders: N4 and N5"},
		{"a late approval answered failed but paid", func(in *AuditInput) { in.Late["o1"] = true }, "order N1 was answered payment_failed on its late approval but is paid"},
		{"a paid order nobody approved", func(in *AuditInput) { delete(in.Confirmed, "o5") }, "order N5 is paid but no buyer approved its payment"},
		{"seatd's reconciliation finding something", func(in *AuditInput) {
			in.Findings = []string{"duplicate_payment: order N1: two payments"}
		}, "seatd's reconciliation found duplicate_payment: order N1: two payments"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := payInput()
			tc.plant(&in)
			a := Check(in)
			require.False(t, a.OK)
			require.True(t, strings.Contains(strings.Join(a.Violations, "\n"), tc.want), "want %q in %v", tc.want, a.Violations)
		})
	}
}

// numbered is cleanInput with the register of ticket numbers: the paid
// order's two tickets numbered, a voided number between them.
func numbered() AuditInput {
	in := cleanInput()
	in.Orders[0].Issued = []string{"t1", "t2"}
	voided := in.Now
	in.Numbers = []AuditNumber{
		{Series: "AA", Number: 1, TicketID: "t1"},
		{Series: "AA", Number: 2, TicketID: "t2", Voided: true, VoidedAt: &voided},
		{Series: "AA", Number: 3, TicketID: "t2"},
	}
	return in
}

func TestAuditChecksTicketNumbers(t *testing.T) {
	a := Check(numbered())
	require.True(t, a.OK, a.Violations)
	require.Equal(t, 2, a.Numbered)
	for name, tc := range map[string]struct {
		plant func(in *AuditInput)
		want  string
	}{
		"a ticket without a number": {func(in *AuditInput) { in.Numbers = in.Numbers[:2] }, "ticket t2 of order N1 has no number"},
		"a number used twice":       {func(in *AuditInput) { in.Numbers[2].Number = 1 }, "ticket number AA 000001 is used twice"},
		"a gap":                     {func(in *AuditInput) { in.Numbers[2].Number = 5 }, "jump from 2 to 5"},
		"two current numbers":       {func(in *AuditInput) { in.Numbers[1].Voided = false }, "has 2 current numbers"},
		"a stranger's number": {func(in *AuditInput) {
			in.Numbers = append(in.Numbers, AuditNumber{Series: "AA", Number: 4, TicketID: "t9"})
		}, "not an issued ticket"},
	} {
		t.Run(name, func(t *testing.T) {
			in := numbered()
			tc.plant(&in)
			a := Check(in)
			require.False(t, a.OK)
			require.Contains(t, strings.Join(a.Violations, "\n"), tc.want)
		})
	}
}
