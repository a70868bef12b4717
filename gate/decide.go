package gate

import (
	"slices"
	"time"

	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/pass"
)

// Input is everything a decision reads.
type Input struct {
	Subject  Subject
	Usage    Usage
	Gate     Gate
	Scan     Scan
	Facility pass.Facility
	// Loc is the venue's zone: days and hours are its wall clock.
	Loc *time.Location
}

// Decide answers one scan and returns the code's usage after it: changed on
// a grant, as it was on a denial. The rules run in the order seed 002 and
// the issue write them; the first that refuses decides:
//
//	entry: lock → validity → staff card (done) → day rules → opening
//	       hours and window → entry count → re-entry lock → anti-passback →
//	       zone
//	exit:  lock (a blocked card still leaves) → overstay (a time card owes
//	       its surcharge)
//
// A seat ticket is refused when refunded or void, at a gate of another
// performance, on another day, or the second time in (unless the
// performance lets it in again after an exit).
func Decide(in Input) (Verdict, Usage) {
	if in.Subject.Ticket != nil {
		return decideTicket(in)
	}
	if in.Subject.Pass == nil {
		return deny(ReasonUnknown), in.Usage
	}
	p := *in.Subject.Pass
	v := Verdict{Kind: "pass", PassID: p.ID, Holder: p.Holder.Name}
	if in.Scan.Direction == Out {
		return exitPass(in, v)
	}
	day := pass.DayIn(in.Scan.At, in.Loc)
	prod := in.Subject.Product
	r := prod.Rules
	u := in.Usage

	// Lock: staff's block, a replaced or void code, a pass not yet
	// personalized, a product that gives no entry.
	switch p.State {
	case pass.StateBlocked:
		return v.deny(ReasonLocked), u
	case pass.StateReplaced:
		return v.deny(ReasonReplaced), u
	case pass.StateVoid:
		return v.deny(ReasonRefunded), u
	case pass.StateExpired:
		return v.deny(ReasonExpired), u
	case pass.StateAwaitingPersonalization:
		return v.deny(ReasonNotPersonalized), u
	}
	var debit int64
	if !entryKind(prod.Kind) {
		d := in.Subject.Debit
		if d == nil || !entryKind(d.Product.Kind) || d.Product.Kind == pass.KindStaff {
			return v.deny(ReasonNoEntry), u
		}
		// The card enters by the booked product's rules, on the card's
		// own dates and lock.
		prod, r, debit = d.Product, d.Product.Rules, d.Product.Price
	}

	// Validity: the pass's own dates (set at sale), then the product's
	// period from the first use (first-use, calendar, season).
	if !p.ValidFrom.IsZero() && day.Compare(p.ValidFrom) < 0 {
		return v.deny(ReasonNotValidToday), u
	}
	if !p.ValidTo.IsZero() && day.Compare(p.ValidTo) > 0 {
		return v.deny(ReasonExpired), u
	}
	// (An automatic debit books a new product at each entry: its period
	// starts today.)
	firstUse := u.FirstUse
	if debit > 0 {
		firstUse = pass.Date{}
	}
	if !prod.ValidOn(day, firstUse, in.Facility) {
		if !firstUse.IsZero() {
			if _, to := prod.Period(firstUse, in.Facility); !to.IsZero() && day.Compare(to) > 0 {
				return v.deny(ReasonExpired), u
			}
		}
		if !prod.Validity.To.IsZero() && day.Compare(prod.Validity.To) > 0 {
			return v.deny(ReasonExpired), u
		}
		return v.deny(ReasonNotValidToday), u
	}

	// A staff card: only its lock and expiry count.
	if prod.Kind == pass.KindStaff {
		return v.grant(), enter(u, in.Scan.At, day, false, in.Gate.Zones)
	}

	// Day rules: a day ticket (and a block's or time card's) is valid on
	// the day of its first entry only; multi-day and day-choice tickets
	// consume a day by its first entry, once.
	newDay := !slices.Contains(u.Days, day)
	switch prod.Kind {
	case pass.KindDay, pass.KindBlock, pass.KindTime:
		if prod.Validity.Mode == pass.ValidOpen && !firstUse.IsZero() && day != firstUse {
			return v.deny(ReasonExpired), u
		}
	case pass.KindMultiDay, pass.KindDayChoice:
		if newDay && len(u.Days) >= r.Days {
			return v.deny(ReasonDaysUsedUp), u
		}
	}

	// Opening hours and the product's window of the day.
	if !in.Facility.OpenAt(in.Scan.At, in.Loc) {
		return v.deny(ReasonOutsideHours), u
	}
	local := in.Scan.At.In(loc(in.Loc))
	minute := local.Hour()*60 + local.Minute()
	if r.Window != nil && !r.Window.Contains(minute) {
		return v.deny(ReasonOutsideWindow), u
	}

	// Entry count: single (1), N a day, or unlimited (0 or unset).
	entriesToday := 0
	if u.Day == day {
		entriesToday = u.Entries
	}
	limit := 0
	if r.Entries != nil {
		limit = *r.Entries
	}
	if limit > 0 && entriesToday >= limit {
		return v.deny(ReasonUsedUp), u
	}

	// Re-entry lock: minutes since the last entry (or exit).
	if r.ReentryLockMinutes > 0 {
		from := u.LastEntry
		if r.ReentryLockFrom == ReentryFromExit {
			from = u.LastExit
		}
		if !from.IsZero() {
			until := from.Add(time.Duration(r.ReentryLockMinutes) * time.Minute)
			if in.Scan.At.Before(until) {
				out := v.deny(ReasonReentryLocked)
				out.RetryAt = until
				return out, u
			}
		}
	}

	// Anti-passback: no second entry without an exit.
	if r.AntiPassback && u.Inside {
		return v.deny(ReasonPassback), u
	}

	// Zone: the gate leads into a zone the pass admits to.
	if !admits(in.Gate.Zones, r.Zones, u) {
		return v.deny(ReasonNoZone), u
	}

	// An automatic debit: the balance pays, down to the credit limit.
	if d := in.Subject.Debit; debit > 0 && d != nil && d.Balance-debit < -d.CreditLimit {
		return v.deny(ReasonInsufficientFunds), u
	}

	next := enter(u, in.Scan.At, day, prod.Kind == pass.KindTime || prod.Kind == pass.KindBlock && r.DurationMinutes > 0, in.Gate.Zones)
	out := v.grant()
	out.Debit = debit
	switch {
	case limit > 0:
		left := limit - next.Entries
		out.Remaining = &left
	case prod.Kind == pass.KindMultiDay || prod.Kind == pass.KindDayChoice:
		left := r.Days - len(next.Days)
		out.Remaining = &left
	}
	return out, next
}

// Passed is usage after the holder passed the gate whatever the rules say
// (an offline scanner's grant, which stands).
func Passed(u Usage, g Gate, s Scan, l *time.Location) Usage {
	if s.Direction == Out {
		return leave(u, s.At)
	}
	return enter(u, s.At, pass.DayIn(s.At, l), false, g.Zones)
}

// exitPass lets a pass out, unless a time card owes its surcharge.
func exitPass(in Input, v Verdict) (Verdict, Usage) {
	u := in.Usage
	prod := in.Subject.Product
	r := prod.Rules
	if (prod.Kind == pass.KindTime || prod.Kind == pass.KindBlock) && r.DurationMinutes > 0 && !u.StayStart.IsZero() {
		if due := Surcharge(r, in.Facility.ToleranceMinutes, u.StayStart, in.Scan.At) - u.SurchargePaid; due > 0 {
			out := v.deny(ReasonSurchargeDue)
			out.SurchargeDue, out.Currency = due, prod.Currency
			return out, u
		}
	}
	return v.grant(), leave(u, in.Scan.At)
}

// Surcharge is what a stay from start to at owes: nothing within duration
// plus tolerance, else the surcharge for each started interval, counted from
// the end of the duration (or, with SurchargeFrom "tolerance", of the
// tolerance).
func Surcharge(r pass.Rules, toleranceMinutes int, start, at time.Time) int64 {
	if r.Surcharge <= 0 || r.SurchargeIntervalMinutes <= 0 {
		return 0
	}
	stay := at.Sub(start)
	free := time.Duration(r.DurationMinutes+toleranceMinutes) * time.Minute
	if stay <= free {
		return 0
	}
	from := time.Duration(r.DurationMinutes) * time.Minute
	if r.SurchargeFrom == SurchargeFromTolerance {
		from = free
	}
	over := stay - from
	interval := time.Duration(r.SurchargeIntervalMinutes) * time.Minute
	started := int64((over + interval - 1) / interval)
	return started * r.Surcharge
}

// decideTicket: a seat ticket admits once to its performance on its day.
func decideTicket(in Input) (Verdict, Usage) {
	t := *in.Subject.Ticket
	u := in.Usage
	v := Verdict{Kind: "ticket", TicketID: t.ID, Holder: t.Holder}
	switch t.Status {
	case order.TicketRefunded, order.TicketVoid:
		return v.deny(ReasonRefunded), u
	}
	if in.Gate.PerformanceID != "" && in.Gate.PerformanceID != t.PerformanceID {
		return v.deny(ReasonWrongPerformance), u
	}
	if in.Scan.Direction == Out {
		return v.grant(), leave(u, in.Scan.At)
	}
	day := pass.DayIn(in.Scan.At, in.Loc)
	if day != t.Day {
		if day.Compare(t.Day) > 0 {
			return v.deny(ReasonExpired), u
		}
		return v.deny(ReasonNotValidToday), u
	}
	switch {
	case u.Total > 0 && !t.Reentry:
		return v.deny(ReasonUsedUp), u
	case u.Inside:
		return v.deny(ReasonPassback), u
	}
	return v.grant(), enter(u, in.Scan.At, day, false, in.Gate.Zones)
}

// enter is usage after a granted entry at at on day through a gate into
// zones; stay starts a time card's clock (a new stay, its surcharge not yet
// paid).
func enter(u Usage, at time.Time, day pass.Date, stay bool, zones []string) Usage {
	if u.Day != day {
		u.Day, u.Entries = day, 0
	}
	u.Entries++
	u.Total++
	if !slices.Contains(u.Days, day) {
		u.Days = append(slices.Clip(u.Days), day)
	}
	if u.FirstUse.IsZero() {
		u.FirstUse = day
	}
	if stay && !u.Inside {
		u.StayStart, u.SurchargePaid = at, 0
	}
	u.Inside, u.LastEntry = true, at
	u.InZones = slices.Clone(zones)
	if len(u.InZones) == 0 {
		u.InZones = []string{AllZones}
	}
	return u
}

// leave is usage after a granted exit: this visit's entitlements end.
func leave(u Usage, at time.Time) Usage {
	u.Inside, u.LastExit, u.VisitZones, u.InZones = false, at, nil, nil
	u.StayStart, u.SurchargePaid = time.Time{}, 0
	return u
}

// admits says a pass whose product admits to base (none: every zone), plus
// its entitlements, may pass a gate into gateZones (none: any gate).
func admits(gateZones, base []string, u Usage) bool {
	if len(gateZones) == 0 || len(base) == 0 {
		return true
	}
	for _, z := range gateZones {
		if slices.Contains(base, z) || slices.Contains(u.Zones, z) || slices.Contains(u.VisitZones, z) {
			return true
		}
	}
	return false
}

// entryKind says a product's passes are scanned for entry: every kind that
// admits, and the staff card; not the cards that only pay or discount, the
// entitlements (booked on a pass) or the vouchers.
func entryKind(kind string) bool {
	switch kind {
	case pass.KindDiscount, pass.KindValue, pass.KindCustomer, pass.KindEntitlement, pass.KindPassVoucher:
		return false
	}
	return true
}

func loc(l *time.Location) *time.Location {
	if l == nil {
		return time.UTC
	}
	return l
}

func deny(reason string) Verdict { return Verdict{Verdict: Denied, Reason: reason} }

func (v Verdict) deny(reason string) Verdict {
	v.Verdict, v.Reason = Denied, reason
	return v
}

func (v Verdict) grant() Verdict {
	v.Verdict, v.Reason = Granted, ""
	return v
}

// WithZones is u with zones added for good (permanent) or for this visit.
func WithZones(u Usage, zones []string, permanent bool) Usage {
	to := &u.VisitZones
	if permanent {
		to = &u.Zones
	}
	*to = slices.Clip(*to)
	for _, z := range zones {
		if !slices.Contains(*to, z) {
			*to = append(*to, z)
		}
	}
	return u
}
