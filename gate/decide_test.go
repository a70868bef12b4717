package gate

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/pass"
)

var berlin = func() *time.Location {
	l, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	return l
}()

// at is a wall-clock time in Berlin: "2027-03-01 10:00".
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, berlin)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr[T any](v T) *T { return &v }

// product is a normalized product of kind with rules r.
func product(t *testing.T, kind string, edit func(p *pass.Product)) pass.Product {
	t.Helper()
	p := pass.Product{ID: "pr-" + kind, Kind: kind, Name: kind, Price: 1500, Currency: "EUR", Channels: []string{"web"}, OnSale: true}
	if kind == pass.KindStaff {
		p.Channels, p.Price, p.OnSale = nil, 0, false
	}
	if edit != nil {
		edit(&p)
	}
	require.NoError(t, p.Normalize())
	return p
}

// card is a code at a facility, scanned in order; it keeps its usage as the
// store would.
type card struct {
	t   *testing.T
	sub Subject
	u   Usage
	f   pass.Facility
	g   Gate
}

func newCard(t *testing.T, prod pass.Product) *card {
	p := pass.Pass{ID: "ps1", ProductID: prod.ID, Kind: prod.Kind, State: pass.StateHandedOver, Holder: pass.Holder{Name: "Ada"}}
	return &card{t: t, sub: Subject{Code: "C", Pass: &p, Product: prod}, g: Gate{ID: "g1", Direction: Both}}
}

// scan scans the card at when in dir and returns the verdict.
func (c *card) scan(when, dir string) Verdict {
	c.t.Helper()
	v, u := Decide(Input{Subject: c.sub, Usage: c.u, Gate: c.g, Scan: Scan{Code: "C", GateID: c.g.ID, Direction: dir, At: at(when)},
		Facility: c.f, Loc: berlin})
	if !v.OK() {
		require.Equal(c.t, c.u, u, "a denial changes nothing")
	}
	c.u = u
	return v
}

func (c *card) in(when string) Verdict  { return c.scan(when, In) }
func (c *card) out(when string) Verdict { return c.scan(when, Out) }

func granted(t *testing.T, v Verdict, what string) {
	t.Helper()
	require.True(t, v.OK(), "%s: denied %s", what, v.Reason)
}

func denied(t *testing.T, v Verdict, reason, what string) {
	t.Helper()
	require.False(t, v.OK(), "%s: granted", what)
	require.Equal(t, reason, v.Reason, what)
}

// Re-entry lock 30 min (counted from the last entry): in 10:00, out 10:05,
// in 10:20 denied with retry_at 10:30, in 10:31 granted.
func TestReentryLock(t *testing.T) {
	t.Parallel()
	c := newCard(t, product(t, pass.KindDay, func(p *pass.Product) { p.Rules.Entries, p.Rules.ReentryLockMinutes = ptr(0), 30 }))
	granted(t, c.in("2027-03-01 10:00"), "first entry")
	granted(t, c.out("2027-03-01 10:05"), "exit")
	v := c.in("2027-03-01 10:20")
	denied(t, v, ReasonReentryLocked, "within the lock")
	require.Equal(t, at("2027-03-01 10:30"), v.RetryAt)
	granted(t, c.in("2027-03-01 10:31"), "after the lock")

	// Counted from the exit instead: out 10:40, in 11:05 locked until 11:10.
	c = newCard(t, product(t, pass.KindDay, func(p *pass.Product) {
		p.Rules.Entries, p.Rules.ReentryLockMinutes, p.Rules.ReentryLockFrom = ptr(0), 30, ReentryFromExit
	}))
	granted(t, c.in("2027-03-01 10:00"), "first entry")
	granted(t, c.out("2027-03-01 10:40"), "exit")
	v = c.in("2027-03-01 11:05")
	denied(t, v, ReasonReentryLocked, "within the lock from the exit")
	require.Equal(t, at("2027-03-01 11:10"), v.RetryAt)
	granted(t, c.in("2027-03-01 11:10"), "the lock's end")
}

// Anti-passback: a second entry without an exit → passback; after an exit
// → granted.
func TestAntiPassback(t *testing.T) {
	t.Parallel()
	c := newCard(t, product(t, pass.KindDay, func(p *pass.Product) { p.Rules.Entries, p.Rules.AntiPassback = ptr(0), true }))
	granted(t, c.in("2027-03-01 10:00"), "first entry")
	denied(t, c.in("2027-03-01 10:01"), ReasonPassback, "passed back")
	granted(t, c.out("2027-03-01 10:30"), "exit")
	granted(t, c.in("2027-03-01 10:31"), "after the exit")
}

// Window 08:00–12:00: 07:59 denied, 08:00 granted, 12:00 denied.
func TestWindow(t *testing.T) {
	t.Parallel()
	prod := product(t, pass.KindDay, func(p *pass.Product) {
		p.Rules.Entries, p.Rules.Window = ptr(0), &pass.TimeRange{From: "08:00", To: "12:00"}
	})
	denied(t, newCard(t, prod).in("2027-03-01 07:59"), ReasonOutsideWindow, "07:59")
	granted(t, newCard(t, prod).in("2027-03-01 08:00"), "08:00")
	denied(t, newCard(t, prod).in("2027-03-01 12:00"), ReasonOutsideWindow, "12:00")
}

// 3-of-5 days first used on a Monday: Mon, Tue, Thu granted; Fri
// days_used_up; Sat expired.
func TestDayChoice(t *testing.T) {
	t.Parallel()
	c := newCard(t, product(t, pass.KindDayChoice, func(p *pass.Product) {
		p.Rules.Days, p.Rules.WithinDays = 3, 5
		p.Validity = pass.Validity{Mode: pass.ValidFirstUse, Days: 5}
	}))
	// 2027-03-01 is a Monday.
	v := c.in("2027-03-01 10:00")
	granted(t, v, "Monday")
	require.Equal(t, 2, *v.Remaining, "two days left")
	granted(t, c.in("2027-03-01 15:00"), "Monday again: the same day, not a new one")
	granted(t, c.in("2027-03-02 10:00"), "Tuesday")
	granted(t, c.in("2027-03-04 10:00"), "Thursday")
	denied(t, c.in("2027-03-05 10:00"), ReasonDaysUsedUp, "Friday")
	denied(t, c.in("2027-03-06 10:00"), ReasonExpired, "Saturday")
	require.Len(t, c.u.Days, 3)
}

// Time card 4 h + 15 min tolerance, 2.00 per started 30 min: exits at 4:14
// granted, 4:16 denied with the surcharge due, paid at the till, then
// granted.
func TestTimeCard(t *testing.T) {
	t.Parallel()
	prod := product(t, pass.KindTime, func(p *pass.Product) {
		p.Rules.DurationMinutes, p.Rules.Surcharge, p.Rules.SurchargeIntervalMinutes = 240, 200, 30
	})
	f := pass.Facility{ToleranceMinutes: 15}
	c := newCard(t, prod)
	c.f = f
	granted(t, c.in("2027-03-01 10:00"), "in")
	granted(t, c.out("2027-03-01 14:14"), "out within duration and tolerance")

	c = newCard(t, prod)
	c.f = f
	granted(t, c.in("2027-03-01 10:00"), "in")
	v := c.out("2027-03-01 14:16")
	denied(t, v, ReasonSurchargeDue, "out after the tolerance")
	require.Equal(t, int64(200), v.SurchargeDue, "one started interval of 30 minutes after the duration")
	require.Equal(t, "EUR", v.Currency)
	c.u.SurchargePaid += v.SurchargeDue // paid at the till
	granted(t, c.out("2027-03-01 14:17"), "out once paid")

	// Counted from the tolerance's end instead, the same minute owes one
	// interval too; 5:10 owes three from the duration (70 minutes), two
	// from the tolerance (55).
	start := at("2027-03-01 10:00")
	require.Equal(t, int64(600), Surcharge(prod.Rules, 15, start, at("2027-03-01 15:10")))
	prod.Rules.SurchargeFrom = SurchargeFromTolerance
	require.Equal(t, int64(200), Surcharge(prod.Rules, 15, start, at("2027-03-01 14:16")))
	require.Equal(t, int64(400), Surcharge(prod.Rules, 15, start, at("2027-03-01 15:10")))
	require.Zero(t, Surcharge(prod.Rules, 15, start, at("2027-03-01 14:15")), "the tolerance's last minute is free")
}

// A staff card on a Sunday at 23:30 scanned twice: granted twice (opening
// hours and passback do not apply); locked: denied.
func TestStaffCard(t *testing.T) {
	t.Parallel()
	prod := product(t, pass.KindStaff, func(p *pass.Product) {
		p.Validity = pass.Validity{Mode: pass.ValidOpen, To: pass.Date{Year: 2030, Month: 12, Day: 31}}
	})
	c := newCard(t, prod)
	c.f = pass.Facility{Hours: map[string]pass.DayHours{"sun": {Closed: true}}}
	// 2027-03-07 is a Sunday.
	granted(t, c.in("2027-03-07 23:30"), "first")
	granted(t, c.in("2027-03-07 23:30"), "second, without an exit")
	c.sub.Pass.State = pass.StateBlocked
	denied(t, c.in("2027-03-07 23:31"), ReasonLocked, "locked")
	c.sub.Pass.State = pass.StateHandedOver
	denied(t, c.in("2031-01-01 10:00"), ReasonExpired, "after its expiry")
}

// Opening hours and their exceptions; single entry per day.
func TestOpeningHoursAndSingleEntry(t *testing.T) {
	t.Parallel()
	prod := product(t, pass.KindDay, func(p *pass.Product) { p.Rules.Entries = ptr(1) })
	f := pass.Facility{
		Hours:      map[string]pass.DayHours{"mon": {Ranges: []pass.TimeRange{{From: "09:00", To: "18:00"}}}},
		Exceptions: []pass.Exception{{Date: pass.Date{Year: 2027, Month: 3, Day: 8}, DayHours: pass.DayHours{Closed: true}}},
	}
	c := newCard(t, prod)
	c.f = f
	denied(t, c.in("2027-03-01 08:59"), ReasonOutsideHours, "before opening")
	v := c.in("2027-03-01 09:00")
	granted(t, v, "at opening")
	require.Equal(t, 0, *v.Remaining)
	granted(t, c.out("2027-03-01 11:00"), "out")
	denied(t, c.in("2027-03-01 12:00"), ReasonUsedUp, "single entry")
	denied(t, c.in("2027-03-02 12:00"), ReasonExpired, "a day ticket is for the day of its first entry")
	d := newCard(t, prod)
	d.f = f
	denied(t, d.in("2027-03-08 12:00"), ReasonOutsideHours, "closed on the exception")
}

// Calendar passes: a week pass is valid Monday to Sunday of its week.
func TestCalendarAndFixedValidity(t *testing.T) {
	t.Parallel()
	week := product(t, pass.KindWeek, nil)
	c := newCard(t, week)
	c.sub.Pass.ValidFrom, c.sub.Pass.ValidTo = week.Period(pass.Date{Year: 2027, Month: 3, Day: 3}, pass.Facility{})
	denied(t, c.in("2027-02-28 10:00"), ReasonNotValidToday, "the Sunday before")
	granted(t, c.in("2027-03-01 10:00"), "Monday")
	granted(t, c.in("2027-03-07 10:00"), "Sunday")
	denied(t, c.in("2027-03-08 10:00"), ReasonExpired, "the next Monday")

	// A multi-day ticket of 2 days: a third day is refused.
	c = newCard(t, product(t, pass.KindMultiDay, func(p *pass.Product) { p.Rules.Days = 2 }))
	granted(t, c.in("2027-03-01 10:00"), "day 1")
	granted(t, c.in("2027-03-10 10:00"), "day 2")
	denied(t, c.in("2027-03-20 10:00"), ReasonDaysUsedUp, "day 3")
}

// Zones: a gate into the spa admits a pass of the pool only with an
// entitlement; a visit's entitlement ends at the exit.
func TestZonesAndEntitlements(t *testing.T) {
	t.Parallel()
	prod := product(t, pass.KindDay, func(p *pass.Product) { p.Rules.Entries, p.Rules.Zones = ptr(0), []string{"pool"} })
	c := newCard(t, prod)
	c.g.Zones = []string{"spa"}
	denied(t, c.in("2027-03-01 10:00"), ReasonNoZone, "no spa on a pool ticket")
	c.u.VisitZones = []string{"spa"}
	granted(t, c.in("2027-03-01 10:01"), "with this visit's entitlement")
	granted(t, c.out("2027-03-01 11:00"), "out")
	require.Empty(t, c.u.VisitZones, "the visit's entitlement ended")
	denied(t, c.in("2027-03-01 11:01"), ReasonNoZone, "again without it")
	c.u.Zones = []string{"spa"}
	granted(t, c.in("2027-03-01 11:02"), "with a permanent entitlement")
	c.g.Zones = nil
	granted(t, c.in("2027-03-01 11:03"), "a gate of every zone")
}

// The lock comes first: a blocked, replaced, refunded or unpersonalized
// pass is denied whatever else; a discount card gives no entry; a value
// card with an automatic debit enters while its balance allows.
func TestLockAndCards(t *testing.T) {
	t.Parallel()
	prod := product(t, pass.KindDay, nil)
	for state, reason := range map[string]string{pass.StateBlocked: ReasonLocked, pass.StateReplaced: ReasonReplaced,
		pass.StateVoid: ReasonRefunded, pass.StateAwaitingPersonalization: ReasonNotPersonalized, pass.StateExpired: ReasonExpired} {
		c := newCard(t, prod)
		c.sub.Pass.State = state
		denied(t, c.in("2027-03-01 10:00"), reason, state)
	}
	denied(t, newCard(t, product(t, pass.KindDiscount, func(p *pass.Product) { p.Rules.DiscountGroup = "seniors" })).in("2027-03-01 10:00"),
		ReasonNoEntry, "a discount card")

	value := newCard(t, product(t, pass.KindValue, nil))
	denied(t, value.in("2027-03-01 10:00"), ReasonNoEntry, "a value card without an automatic debit")
	value.sub.Debit = &Debit{Product: prod, Balance: 2000, CreditLimit: 0}
	v := value.in("2027-03-01 10:00")
	granted(t, v, "debited")
	require.Equal(t, int64(1500), v.Debit)
	value.sub.Debit.Balance = 500
	denied(t, value.in("2027-03-02 10:00"), ReasonInsufficientFunds, "below the credit limit")
	value.sub.Debit.CreditLimit = 1000
	granted(t, value.in("2027-03-02 10:00"), "within the credit limit")
}

// Seat tickets: once, on their performance's day, at gates of their
// performance; refunded denied.
func TestTickets(t *testing.T) {
	t.Parallel()
	tk := &Ticket{ID: "t1", PerformanceID: "perf1", Day: pass.Date{Year: 2027, Month: 3, Day: 1}, Status: order.TicketLive, Holder: "Grace"}
	scan := func(u Usage, g Gate, when, dir string) (Verdict, Usage) {
		return Decide(Input{Subject: Subject{Code: "T", Ticket: tk}, Usage: u, Gate: g, Scan: Scan{Direction: dir, At: at(when)}, Loc: berlin})
	}
	g := Gate{ID: "g", Direction: Both}
	v, u := scan(Usage{}, g, "2027-03-01 19:00", In)
	granted(t, v, "first")
	require.Equal(t, "Grace", v.Holder)
	v, _ = scan(u, g, "2027-03-01 19:01", In)
	denied(t, v, ReasonUsedUp, "twice")
	v, u2 := scan(u, g, "2027-03-01 20:00", Out)
	granted(t, v, "out")
	v, _ = scan(u2, g, "2027-03-01 20:10", In)
	denied(t, v, ReasonUsedUp, "back in without re-entry")
	tk.Reentry = true
	v, _ = scan(u2, g, "2027-03-01 20:10", In)
	granted(t, v, "back in with re-entry")
	v, _ = scan(u, g, "2027-03-01 20:10", In)
	denied(t, v, ReasonPassback, "in twice without an exit, even with re-entry")
	v, _ = scan(Usage{}, g, "2027-02-28 19:00", In)
	denied(t, v, ReasonNotValidToday, "the day before")
	v, _ = scan(Usage{}, Gate{PerformanceID: "perf2"}, "2027-03-01 19:00", In)
	denied(t, v, ReasonWrongPerformance, "another performance's gate")
	tk.Status = order.TicketRefunded
	v, _ = scan(Usage{}, g, "2027-03-01 19:00", In)
	denied(t, v, ReasonRefunded, "refunded")
	v, _ = Decide(Input{Scan: Scan{Direction: In, At: at("2027-03-01 19:00")}})
	denied(t, v, ReasonUnknown, "nothing")
}

// Days and hours are the venue's wall clock: a day ticket first used at
// 23:59 in Berlin is not valid at 00:01, an hour after midnight UTC.
func TestVenueDays(t *testing.T) {
	t.Parallel()
	c := newCard(t, product(t, pass.KindDay, func(p *pass.Product) { p.Rules.Entries = ptr(0) }))
	granted(t, c.in("2027-03-01 23:59"), "late")
	denied(t, c.in("2027-03-02 00:01"), ReasonExpired, "after midnight in Berlin")
	require.Equal(t, fmt.Sprint(pass.Date{Year: 2027, Month: 3, Day: 1}), fmt.Sprint(c.u.FirstUse))
}
