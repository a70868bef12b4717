package voucher_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/voucher"
)

// TestEvaluate is seed 004's rules, one row each.
func TestEvaluate(t *testing.T) {
	// Friday 2026-07-03 19:30 in the venue's zone.
	friday := time.Date(2026, 7, 3, 19, 30, 0, 0, time.UTC)
	booking := voucher.Booking{Offering: "p1", StartsAt: friday, Amount: 2500, Currency: "EUR"}
	code := func(f func(c *voucher.Code)) voucher.Code {
		c := voucher.Code{Code: "X", Kind: voucher.KindPromotion, Percent: 0, Amount: 5000, Currency: "EUR", State: voucher.Available}
		f(&c)
		return c
	}
	tests := []struct {
		name   string
		code   voucher.Code
		b      voucher.Booking
		value  int64
		reason string
	}{
		{"fixed amount capped at the booking", code(func(*voucher.Code) {}), booking, 2500, ""},
		{"fixed amount below the booking", code(func(c *voucher.Code) { c.Amount = 311 }), booking, 311, ""},
		{"percentage", code(func(c *voucher.Code) { c.Amount, c.Percent = 0, 25 }), booking, 625, ""},
		{"percentage rounds down", code(func(c *voucher.Code) { c.Amount, c.Percent = 0, 33 }), booking, 825, ""},
		{"hundred percent", code(func(c *voucher.Code) { c.Amount, c.Percent = 0, 100 }), booking, 2500, ""},
		{"percentage of nothing", code(func(c *voucher.Code) { c.Amount, c.Percent = 0, 50 }), voucher.Booking{Offering: "p1", StartsAt: friday}, 0, ""},
		{"other currency", code(func(c *voucher.Code) { c.Currency = "CHF" }), booking, 0, voucher.ReasonWrongCurrency},
		{"percentage in any currency", code(func(c *voucher.Code) { c.Amount, c.Percent, c.Currency = 0, 10, "CHF" }), booking, 250, ""},
		{"prepared", code(func(c *voucher.Code) { c.State = voucher.Prepared }), booking, 0, voucher.ReasonPrepared},
		{"blocked", code(func(c *voucher.Code) { c.State = voucher.Blocked }), booking, 0, voucher.ReasonBlocked},
		{"voucher used", code(func(c *voucher.Code) { c.Kind, c.MaxUses, c.Uses = voucher.KindVoucher, 1, 1 }), booking, 0, voucher.ReasonUsedUp},
		{"promotion used up", code(func(c *voucher.Code) { c.MaxUses, c.Uses = 10, 10 }), booking, 0, voucher.ReasonUsedUp},
		{"promotion with uses left", code(func(c *voucher.Code) { c.MaxUses, c.Uses = 10, 9 }), booking, 2500, ""},
		{"unlimited", code(func(c *voucher.Code) { c.MaxUses, c.Uses = 0, 1_000_000 }), booking, 2500, ""},
		{"blocked beats used up", code(func(c *voucher.Code) { c.State, c.MaxUses, c.Uses = voucher.Blocked, 1, 1 }), booking, 0, voucher.ReasonBlocked},
		{"right offering", code(func(c *voucher.Code) { c.Restrictions.Offerings = []string{"p0", "p1"} }), booking, 2500, ""},
		{"wrong offering", code(func(c *voucher.Code) { c.Restrictions.Offerings = []string{"p2"} }), booking, 0, voucher.ReasonWrongOffering},
		{"date inside", code(func(c *voucher.Code) {
			c.Restrictions.Dates = []voucher.DateRange{{From: "2026-07-01", To: "2026-08-31"}}
		}), booking, 2500, ""},
		{"date on the last day", code(func(c *voucher.Code) {
			c.Restrictions.Dates = []voucher.DateRange{{From: "2026-06-01", To: "2026-07-03"}}
		}), booking, 2500, ""},
		{"date outside", code(func(c *voucher.Code) {
			c.Restrictions.Dates = []voucher.DateRange{{From: "2026-07-04", To: "2026-08-31"}}
		}), booking, 0, voucher.ReasonWrongDate},
		{"second date range", code(func(c *voucher.Code) {
			c.Restrictions.Dates = []voucher.DateRange{{From: "2026-01-01", To: "2026-01-31"}, {From: "2026-07-03", To: "2026-07-03"}}
		}), booking, 2500, ""},
		{"weekday", code(func(c *voucher.Code) { c.Restrictions.Weekdays = []int{5, 6, 7} }), booking, 2500, ""},
		{"wrong weekday", code(func(c *voucher.Code) { c.Restrictions.Weekdays = []int{6, 7} }), booking, 0, voucher.ReasonWrongWeekday},
		{"sunday is 7", code(func(c *voucher.Code) { c.Restrictions.Weekdays = []int{7} }), voucher.Booking{Offering: "p1", StartsAt: friday.AddDate(0, 0, 2), Amount: 100, Currency: "EUR"}, 100, ""},
		{"time inside", code(func(c *voucher.Code) { c.Restrictions.Times = []voucher.TimeRange{{From: "18:00", To: "24:00"}} }), booking, 2500, ""},
		{"time at its start", code(func(c *voucher.Code) { c.Restrictions.Times = []voucher.TimeRange{{From: "19:30", To: "20:00"}} }), booking, 2500, ""},
		{"time at its end", code(func(c *voucher.Code) { c.Restrictions.Times = []voucher.TimeRange{{From: "18:00", To: "19:30"}} }), booking, 0, voucher.ReasonWrongTime},
		{"matinee only", code(func(c *voucher.Code) { c.Restrictions.Times = []voucher.TimeRange{{From: "10:00", To: "16:00"}} }), booking, 0, voucher.ReasonWrongTime},
		{"seed example: weekends in July and August", code(func(c *voucher.Code) {
			c.Amount = 311
			c.Restrictions = voucher.Restrictions{Weekdays: []int{6, 7}, Dates: []voucher.DateRange{{From: "2026-07-01", To: "2026-08-31"}}}
		}), voucher.Booking{Offering: "p1", StartsAt: friday.AddDate(0, 0, 1), Amount: 5000, Currency: "EUR"}, 311, ""},
		{"seed example on a friday", code(func(c *voucher.Code) {
			c.Restrictions = voucher.Restrictions{Weekdays: []int{6, 7}, Dates: []voucher.DateRange{{From: "2026-07-01", To: "2026-08-31"}}}
		}), booking, 0, voucher.ReasonWrongWeekday},
		{"offering before date", code(func(c *voucher.Code) {
			c.Restrictions = voucher.Restrictions{Offerings: []string{"p9"}, Dates: []voucher.DateRange{{From: "2020-01-01", To: "2020-01-01"}}}
		}), booking, 0, voucher.ReasonWrongOffering},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			value, reason := voucher.Evaluate(tc.code, tc.b)
			require.Equal(t, tc.reason, reason)
			require.Equal(t, tc.value, value)
			require.LessOrEqual(t, value, tc.b.Amount, "never more than the booking")
		})
	}
}

// TestCodeStates is the life of a code: every move the seed allows, and none
// it does not.
func TestCodeStates(t *testing.T) {
	states := []string{voucher.Prepared, voucher.Available, voucher.Blocked, voucher.Redeemed, "bogus"}
	allowed := map[[2]string]bool{
		{voucher.Prepared, voucher.Available}: true, // released
		{voucher.Prepared, voucher.Blocked}:   true,
		{voucher.Available, voucher.Blocked}:  true,
		{voucher.Blocked, voucher.Available}:  true, // unblocked
	}
	for _, from := range states {
		for _, to := range states {
			require.Equal(t, allowed[[2]string{from, to}], voucher.MoveAllowed(from, to), "%s → %s", from, to)
		}
	}
	c := voucher.Code{State: voucher.Available, MaxUses: 1}
	require.Equal(t, voucher.Available, c.Status())
	c.Uses = 1
	require.Equal(t, voucher.Redeemed, c.Status(), "used up is redeemed")
	c.State = voucher.Blocked
	require.Equal(t, voucher.Blocked, c.Status())
	c = voucher.Code{State: voucher.Available, Uses: 99}
	require.Equal(t, voucher.Available, c.Status(), "unlimited is never used up")
}

func TestNormalizeAndFormat(t *testing.T) {
	require.Equal(t, "SUMMER25", voucher.Normalize(" summer-25 "))
	require.Equal(t, "SUMMER25", voucher.Normalize("Sum mer\t25"))
	v := voucher.Code{Code: "GIFTABCDEFGHJKMN", Kind: voucher.KindVoucher}
	require.Equal(t, "GIFT-ABCD-EFGH-JKMN", voucher.Format(v))
	require.Equal(t, "GIFTABCDEFGHJKMN", voucher.Normalize(voucher.Format(v)), "the printed form reads back")
	v.Code = "ABCDEFGHJKMN"
	require.Equal(t, "ABCD-EFGH-JKMN", voucher.Format(v))
	p := voucher.Code{Code: "SUMMER25", Kind: voucher.KindPromotion}
	require.Equal(t, "SUMMER25", voucher.Format(p))
}
