package pass

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/input"
)

func d(s string) Date {
	v, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return v
}

func ptr[T any](v T) *T { return &v }

// The two bodies of issue 14 as products.
func annual() Product {
	return Product{Kind: KindAnnual, Name: "Jahreskarte 2027", Price: 8900, Currency: "EUR", Channels: []string{"web", "box_office"},
		Validity: Validity{From: d("2027-01-01"), To: d("2027-12-31")}}
}

func dayTicket() Product {
	return Product{Kind: KindDay, Name: "Tageskarte", Price: 1500, Currency: "EUR", Channels: []string{"web"}, Rules: Rules{Entries: ptr(1)}}
}

func TestNormalizeIssueExamples(t *testing.T) {
	t.Parallel()
	a := annual()
	require.NoError(t, a.Normalize())
	require.Equal(t, ValidFixed, a.Validity.Mode)
	require.True(t, a.Rules.Personalized, "an annual pass is always personalized")

	p := dayTicket()
	require.NoError(t, p.Normalize())
	require.Equal(t, Validity{Mode: ValidFirstUse, Days: 1}, p.Validity)
}

func TestNormalizeRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		base  func() Product
		edit  func(p *Product)
		field string
	}{
		{"unknown kind", dayTicket, func(p *Product) { p.Kind = "monthly" }, "kind"},
		{"empty name", dayTicket, func(p *Product) { p.Name = "  " }, "name"},
		{"long name", dayTicket, func(p *Product) { p.Name = string(make([]byte, 201)) + "x" }, "name"},
		{"negative price", dayTicket, func(p *Product) { p.Price = -1 }, "price"},
		{"absurd price", dayTicket, func(p *Product) { p.Price = MaxPrice + 1 }, "price"},
		{"unknown currency", dayTicket, func(p *Product) { p.Currency = "XXY" }, "currency"},
		{"no channels", dayTicket, func(p *Product) { p.Channels = nil }, "channels"},
		{"bad channel", dayTicket, func(p *Product) { p.Channels = []string{"Web Shop"} }, "channels[0]"},
		{"channel twice", dayTicket, func(p *Product) { p.Channels = []string{"web", "web"} }, "channels[1]"},
		{"too many channels", dayTicket, func(p *Product) {
			for i := range MaxChannels + 1 {
				p.Channels = append(p.Channels, "c"+string(rune('a'+i)))
			}
		}, "channels"},
		{"valid_to before valid_from", annual, func(p *Product) { p.Validity.To = d("2026-12-31") }, "valid_to"},
		{"fixed without end", annual, func(p *Product) { p.Validity = Validity{Mode: ValidFixed, From: d("2027-01-01")} }, "valid_from"},
		{"unknown validity", annual, func(p *Product) { p.Validity.Mode = "forever" }, "validity"},
		{"day ticket for two days", dayTicket, func(p *Product) { p.Validity = Validity{Mode: ValidFirstUse, Days: 2} }, "validity"},
		{"window ends before it starts", dayTicket, func(p *Product) { p.Rules.Window = &TimeRange{"12:00", "08:00"} }, "window"},
		{"window not a time", dayTicket, func(p *Product) { p.Rules.Window = &TimeRange{"8:00", "12:00"} }, "window"},
		{"re-entry lock on a single entry", dayTicket, func(p *Product) { p.Rules.ReentryLockMinutes = 30 }, "reentry_lock_minutes"},
		{"anti-passback on a single entry", dayTicket, func(p *Product) { p.Rules.AntiPassback = true }, "anti_passback"},
		{"entries out of range", dayTicket, func(p *Product) { p.Rules.Entries = ptr(-1) }, "entries"},
		{"rule of another kind", dayTicket, func(p *Product) { p.Rules.Cards = 10 }, "cards"},
		{"zones on a discount card", dayTicket, func(p *Product) {
			p.Kind, p.Rules = KindDiscount, Rules{DiscountGroup: "seniors", Zones: []string{"spa"}}
		}, "zones"},
		{"bad zone on a day ticket", dayTicket, func(p *Product) { p.Rules.Zones = []string{"Spa Area"} }, "zones[0]"},
		{"lock from nowhere", dayTicket, func(p *Product) { p.Rules.Entries, p.Rules.ReentryLockFrom = ptr(0), "noon" }, "reentry_lock_from"},
		{"surcharge from nowhere", dayTicket, func(p *Product) {
			p.Kind, p.Rules = KindTime, Rules{DurationMinutes: 240, SurchargeFrom: "lunch"}
		}, "surcharge_from"},
		{"day choice N > M", dayTicket, func(p *Product) { p.Kind, p.Rules = KindDayChoice, Rules{Days: 6, WithinDays: 5} }, "days"},
		{"multi-day without days", dayTicket, func(p *Product) { p.Kind, p.Rules = KindMultiDay, Rules{} }, "days"},
		{"block of one", dayTicket, func(p *Product) { p.Kind, p.Rules = KindBlock, Rules{Cards: 1} }, "cards"},
		{"block of seats", dayTicket, func(p *Product) { p.Kind, p.Rules = KindBlock, Rules{Cards: 10, CardKind: "seat"} }, "card_kind"},
		{"time card without duration", dayTicket, func(p *Product) { p.Kind, p.Rules = KindTime, Rules{} }, "duration_minutes"},
		{"surcharge without interval", dayTicket, func(p *Product) {
			p.Kind, p.Rules = KindTime, Rules{DurationMinutes: 240, Surcharge: 200}
		}, "surcharge_interval_minutes"},
		{"discount card without group", dayTicket, func(p *Product) { p.Kind, p.Rules = KindDiscount, Rules{DiscountPercent: 10} }, "discount_group"},
		{"discount over 100", dayTicket, func(p *Product) {
			p.Kind, p.Rules = KindDiscount, Rules{DiscountGroup: "seniors", DiscountPercent: 101}
		}, "discount_percent"},
		{"entitlement without zones", dayTicket, func(p *Product) { p.Kind, p.Rules = KindEntitlement, Rules{} }, "zones"},
		{"pass voucher for nothing", dayTicket, func(p *Product) { p.Kind, p.Rules = KindPassVoucher, Rules{} }, "exchange_for"},
		{"staff card on a channel", dayTicket, func(p *Product) { p.Kind, p.Rules, p.Price = KindStaff, Rules{}, 0 }, "channels"},
		{"staff card on sale", dayTicket, func(p *Product) { p.Kind, p.Rules, p.Price, p.Channels, p.OnSale = KindStaff, Rules{}, 0, nil, true }, "on_sale"},
		{"week with fixed dates", annual, func(p *Product) { p.Kind, p.Rules, p.Validity.Mode = KindWeek, Rules{}, ValidFixed }, "validity"},
		{"calendar annual", annual, func(p *Product) { p.Validity.Mode = ValidCalendar }, "validity"},
		{"first use of no days", annual, func(p *Product) { p.Validity = Validity{Mode: ValidFirstUse} }, "valid_days"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := tc.base()
			tc.edit(&p)
			err := p.Normalize()
			var ie *input.Error
			require.True(t, errors.As(err, &ie), "got %v", err)
			require.Equal(t, tc.field, ie.Field, ie.Reason)
		})
	}
}

func TestNormalizeEveryKind(t *testing.T) {
	t.Parallel()
	ok := map[string]Product{
		KindDay: {Rules: Rules{Entries: ptr(0), Window: &TimeRange{"08:00", "12:00"}, ReentryLockMinutes: 30, ReentryLockFrom: "exit",
			AntiPassback: true, CreditLimit: 5000, Zones: []string{"pool"}}},
		KindMultiDay:    {Rules: Rules{Days: 3, Personalized: true}},
		KindDayChoice:   {Rules: Rules{Days: 3, WithinDays: 5}},
		KindWeek:        {},
		KindMonth:       {},
		KindYear:        {},
		KindSeason:      {},
		KindBlock:       {Rules: Rules{Cards: 10, DurationMinutes: 120}},
		KindTime:        {Rules: Rules{DurationMinutes: 240, Surcharge: 250, SurchargeIntervalMinutes: 30, SurchargeFrom: "tolerance"}},
		KindDiscount:    {Rules: Rules{DiscountGroup: "seniors", DiscountPercent: 20}},
		KindValue:       {Rules: Rules{Value: 5000, AutoDebitProduct: "pr1"}},
		KindCustomer:    {Rules: Rules{Value: 1000, DiscountGroup: "members", DiscountPercent: 5}},
		KindEntitlement: {Rules: Rules{Zones: []string{"spa", "sauna"}, Permanent: true}},
		KindStaff:       {Validity: Validity{To: d("2030-12-31")}},
		KindAnnual:      {},
		KindPassVoucher: {Rules: Rules{ExchangeFor: "pr1"}},
	}
	require.Len(t, ok, len(Kinds))
	for kind, p := range ok {
		p.Kind, p.Name, p.Currency = kind, "P", "EUR"
		if kind != KindStaff {
			p.Channels, p.Price = []string{"web"}, 100
		}
		require.NoError(t, p.Normalize(), kind)
		require.NotEmpty(t, p.Validity.Mode, kind)
		for _, f := range RuleFields(kind) {
			require.Contains(t, []string{"entries", "window", "reentry_lock_minutes", "reentry_lock_from", "surcharge_from", "anti_passback", "credit_limit", "days", "within_days",
				"cards", "card_kind", "duration_minutes", "surcharge", "surcharge_interval_minutes", "discount_group", "discount_percent",
				"value", "auto_debit_product", "zones", "permanent", "personalized", "exchange_for"}, f)
		}
	}
	cust := Product{Kind: KindCustomer, Name: "K", Currency: "EUR", Channels: []string{"box_office"}}
	require.NoError(t, cust.Normalize())
	require.True(t, cust.Rules.Personalized, "a customer card is always personalized")
}

func normalized(p Product) Product {
	if err := p.Normalize(); err != nil {
		panic(err)
	}
	return p
}

func product(kind string, v Validity) Product {
	p := Product{Kind: kind, Name: "P", Currency: "EUR", Channels: []string{"web"}, Validity: v}
	if kind == KindDayChoice {
		p.Rules = Rules{Days: 3, WithinDays: 5}
	}
	if err := p.Normalize(); err != nil {
		panic(err)
	}
	return p
}

func TestValidOn(t *testing.T) {
	t.Parallel()
	season := Facility{Season: &DateRange{d("2027-05-01"), d("2027-09-30")}}
	for _, tc := range []struct {
		name          string
		p             Product
		f             Facility
		day, firstUse string
		want          bool
	}{
		{"week: Monday of the same week", product(KindWeek, Validity{}), Facility{}, "2027-03-01", "2027-03-03", true},
		{"week: Sunday of the same week", product(KindWeek, Validity{}), Facility{}, "2027-03-07", "2027-03-03", true},
		{"week: next Monday", product(KindWeek, Validity{}), Facility{}, "2027-03-08", "2027-03-07", false},
		{"week across the year end", product(KindWeek, Validity{}), Facility{}, "2028-01-02", "2027-12-27", true},
		{"month: last of February in a leap year", product(KindMonth, Validity{}), Facility{}, "2028-02-29", "2028-02-01", true},
		{"month: next month", product(KindMonth, Validity{}), Facility{}, "2028-03-01", "2028-02-29", false},
		{"month: same month a year later", product(KindMonth, Validity{}), Facility{}, "2029-02-10", "2028-02-10", false},
		{"year: 31.12.", product(KindYear, Validity{}), Facility{}, "2027-12-31", "2027-01-01", true},
		{"year: 1.1. of the next", product(KindYear, Validity{}), Facility{}, "2028-01-01", "2027-12-31", false},
		{"season: inside", product(KindSeason, Validity{}), season, "2027-09-30", "2027-05-01", true},
		{"season: after", product(KindSeason, Validity{}), season, "2027-10-01", "2027-05-01", false},
		{"season: none set", product(KindSeason, Validity{}), Facility{}, "2027-06-01", "", false},
		{"annual fixed: last day", normalized(annual()), Facility{}, "2027-12-31", "2027-03-01", true},
		{"annual fixed: before", normalized(annual()), Facility{}, "2026-12-31", "", false},
		{"annual first use: 365th day in a leap year", product(KindAnnual, Validity{}), Facility{}, "2028-12-30", "2028-01-01", true},
		{"annual first use: 366th day", product(KindAnnual, Validity{}), Facility{}, "2028-12-31", "2028-01-01", false},
		{"day ticket: the day of use", product(KindDay, Validity{}), Facility{}, "2027-03-28", "2027-03-28", true},
		{"day ticket: unused, any day", product(KindDay, Validity{}), Facility{}, "2027-03-28", "", true},
		{"day ticket: the next day", product(KindDay, Validity{}), Facility{}, "2027-03-29", "2027-03-28", false},
		{"day choice: 5th day", product(KindDayChoice, Validity{}), Facility{}, "2027-03-05", "2027-03-01", true},
		{"day choice: 6th day", product(KindDayChoice, Validity{}), Facility{}, "2027-03-06", "2027-03-01", false},
		{"week bounded by valid_to", product(KindWeek, Validity{To: d("2027-03-05")}), Facility{}, "2027-03-06", "2027-03-03", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, tc.p.ValidOn(d(tc.day), d(tc.firstUse), tc.f))
		})
	}
}

// TestValidOnAgreesWithPeriod: for random first-use days, a calendar
// product is valid exactly on the days of its Period, and the period has the
// length of its calendar unit.
func TestValidOnAgreesWithPeriod(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	f := Facility{Season: &DateRange{d("2027-04-15"), d("2027-10-15")}}
	for range 300 {
		first := Date{2024, time.January, 1}.AddDays(r.IntN(6 * 366))
		for _, kind := range []string{KindWeek, KindMonth, KindYear, KindDay, KindAnnual} {
			p := product(kind, Validity{})
			from, to := p.Period(first, f)
			require.True(t, first.Within(from, to), "%s from %s: %s..%s", kind, first, from, to)
			n := to.utc().Sub(from.utc()).Hours()/24 + 1
			switch kind {
			case KindWeek:
				require.Equal(t, time.Monday, from.Weekday())
				require.EqualValues(t, 7, n)
			case KindMonth:
				require.Equal(t, 1, from.Day)
				require.Equal(t, from.Month, to.Month)
				require.NotEqual(t, to.Month, to.AddDays(1).Month)
			case KindYear:
				leap := first.Year%4 == 0 && (first.Year%100 != 0 || first.Year%400 == 0)
				require.EqualValues(t, map[bool]int{true: 366, false: 365}[leap], n)
			case KindDay:
				require.EqualValues(t, 1, n)
			case KindAnnual:
				require.EqualValues(t, 365, n)
			}
			for day := from.AddDays(-3); day.Compare(to.AddDays(3)) <= 0; day = day.AddDays(1) {
				require.Equal(t, day.Within(from, to), p.ValidOn(day, first, f), "%s first %s on %s", kind, first, day)
			}
		}
	}
}

func berlin(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	return loc
}

func TestOpenAt(t *testing.T) {
	t.Parallel()
	loc := berlin(t)
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		require.NoError(t, err)
		return v
	}
	require.True(t, Facility{}.OpenAt(at("2027-03-28 02:30"), loc), "without settings: open every day, all day")
	require.True(t, Facility{}.OpenAt(at("2027-12-25 23:59"), loc))

	f := Facility{
		Hours: map[string]DayHours{
			"mon": {Closed: true},
			"sun": {Ranges: []TimeRange{{"01:00", "03:30"}, {"10:00", "18:00"}}},
			"sat": {Ranges: []TimeRange{{"20:00", "24:00"}}},
		},
		Exceptions: []Exception{{Date: d("2027-12-25"), DayHours: DayHours{Closed: true}}, {Date: d("2027-03-29"), DayHours: DayHours{Ranges: []TimeRange{{"12:00", "14:00"}}}}},
	}
	require.NoError(t, f.Validate())
	for _, tc := range []struct {
		when string
		want bool
	}{
		{"2027-03-22 12:00", false}, // Monday: closed
		{"2027-03-29 12:30", true},  // a Monday opened by its exception
		{"2027-03-29 14:00", false}, // the exception's end is excluded
		{"2027-03-23 03:00", true},  // Tuesday: not named, open all day
		{"2027-12-25 12:00", false}, // Christmas, a Saturday, closed by exception
		{"2027-03-27 23:59", true},  // Saturday until midnight
		{"2027-03-28 09:59", false}, // Sunday, DST starts at 02:00
		{"2027-03-28 10:00", true},
		{"2027-03-28 17:59", true},
		{"2027-03-28 18:00", false},
		{"2027-03-28 03:15", true}, // after the jump: the wall clock counts
		{"2027-03-28 03:30", false},
	} {
		require.Equal(t, tc.want, f.OpenAt(at(tc.when), loc), tc.when)
	}
	// DST starts in Berlin on 2027-03-28: 01:30 UTC is 03:30 CEST, closed;
	// 00:30 UTC is 01:30 CET, open. The instants are an hour apart; the wall
	// clock two.
	require.False(t, f.OpenAt(time.Date(2027, 3, 28, 1, 30, 0, 0, time.UTC), loc))
	require.True(t, f.OpenAt(time.Date(2027, 3, 28, 0, 30, 0, 0, time.UTC), loc))
	// 23:30 UTC on Saturday is already Sunday 00:30 in Berlin: closed.
	require.False(t, f.OpenAt(time.Date(2027, 3, 27, 23, 30, 0, 0, time.UTC), loc))
	// DST ends on 2027-10-31 (a Sunday): 02:30 happens twice, in both open
	// (01:00–03:30).
	require.True(t, f.OpenAt(time.Date(2027, 10, 31, 0, 30, 0, 0, time.UTC), loc))  // 02:30 CEST
	require.True(t, f.OpenAt(time.Date(2027, 10, 31, 1, 30, 0, 0, time.UTC), loc))  // 02:30 CET
	require.False(t, f.OpenAt(time.Date(2027, 10, 31, 2, 30, 0, 0, time.UTC), loc)) // 03:30 CET
}

func TestDayIn(t *testing.T) {
	t.Parallel()
	loc := berlin(t)
	// The 23-hour day: its first and last minute are the same date.
	require.Equal(t, d("2027-03-28"), DayIn(time.Date(2027, 3, 27, 23, 0, 0, 0, time.UTC), loc))
	require.Equal(t, d("2027-03-28"), DayIn(time.Date(2027, 3, 28, 21, 59, 0, 0, time.UTC), loc))
	require.Equal(t, d("2027-03-29"), DayIn(time.Date(2027, 3, 28, 22, 0, 0, 0, time.UTC), loc))
	// The 25-hour day.
	require.Equal(t, d("2027-10-31"), DayIn(time.Date(2027, 10, 31, 22, 59, 0, 0, time.UTC), loc))
	require.Equal(t, d("2027-11-01"), DayIn(time.Date(2027, 10, 31, 23, 0, 0, 0, time.UTC), loc))
	require.Equal(t, d("2028-03-01"), d("2028-02-28").AddDays(2))
	require.Equal(t, d("2027-03-01"), d("2027-02-28").AddDays(1))
	require.Equal(t, d("2100-03-01"), d("2100-02-28").AddDays(1), "2100 is no leap year")
	_, err := ParseDate("2027-02-29")
	require.Error(t, err)
}

func TestFacilityValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		f     Facility
		field string
	}{
		{"unknown weekday", Facility{Hours: map[string]DayHours{"monday": {}}}, "hours"},
		{"range backwards", Facility{Hours: map[string]DayHours{"mon": {Ranges: []TimeRange{{"18:00", "10:00"}}}}}, "hours.mon.ranges[0]"},
		{"ranges overlap", Facility{Hours: map[string]DayHours{"tue": {Ranges: []TimeRange{{"08:00", "12:00"}, {"11:00", "13:00"}}}}}, "hours.tue.ranges"},
		{"closed with hours", Facility{Hours: map[string]DayHours{"wed": {Closed: true, Ranges: []TimeRange{{"08:00", "12:00"}}}}}, "hours.wed.ranges"},
		{"25:00", Facility{Hours: map[string]DayHours{"thu": {Ranges: []TimeRange{{"08:00", "25:00"}}}}}, "hours.thu.ranges[0]"},
		{"exception twice", Facility{Exceptions: []Exception{{Date: d("2027-01-01")}, {Date: d("2027-01-01")}}}, "exceptions[1].date"},
		{"exception without date", Facility{Exceptions: []Exception{{}}}, "exceptions[0].date"},
		{"season backwards", Facility{Season: &DateRange{d("2027-09-30"), d("2027-05-01")}}, "season.to"},
		{"tolerance", Facility{ToleranceMinutes: -1}, "tolerance_minutes"},
		{"zone id", Facility{Zones: []Zone{{ID: "Spa Area", Name: "Spa"}}}, "zones[0].id"},
		{"zone twice", Facility{Zones: []Zone{{ID: "spa", Name: "Spa"}, {ID: "spa", Name: "Spa 2"}}}, "zones[1].id"},
		{"zone without name", Facility{Zones: []Zone{{ID: "spa"}}}, "zones[0].name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.f.Validate()
			var ie *input.Error
			require.True(t, errors.As(err, &ie), "got %v", err)
			require.Equal(t, tc.field, ie.Field, ie.Reason)
		})
	}
	var f Facility
	require.NoError(t, f.Validate())
	require.NotNil(t, f.Hours)
	require.NotNil(t, f.Zones)
}

func FuzzTimeRange(f *testing.F) {
	for _, s := range []string{"08:00", "24:00", "23:59", "7:00", "+1:00", "2a:00", "24:01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, ok := minutes(s)
		if ok {
			require.GreaterOrEqual(t, m, 0)
			require.LessOrEqual(t, m, 24*60)
			want := time.Date(2000, 1, 1, 0, m, 0, 0, time.UTC).Format("15:04")
			if m == 24*60 {
				want = "24:00"
			}
			require.Equal(t, want, s, "only canonical HH:MM")
		}
	})
}
