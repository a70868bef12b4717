package pass

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/seatmap/seatmap/money"
)

// Kinds of product (seed 002, and the annual pass of seed 000).
const (
	KindDay         = "day"          // Tageskarte: one day, within the opening hours
	KindMultiDay    = "multi_day"    // Mehrtageskarte: N day tickets
	KindDayChoice   = "day_choice"   // Tageswahlkarte: N entry days within M days
	KindWeek        = "week"         // Wochenkarte: a calendar week, Monday to Sunday
	KindMonth       = "month"        // Monatskarte: a calendar month
	KindYear        = "year"         // Jahreskarte (calendar): 1.1. to 31.12.
	KindSeason      = "season"       // Saisonkarte: the facility's season
	KindBlock       = "block"        // Blockkarte: N cards of one kind, sold together
	KindTime        = "time"         // Zeitkarte: a stay of a duration, then a surcharge
	KindDiscount    = "discount"     // Rabattkarte: a discount group's discount at tills
	KindValue       = "value"        // Wertkarte: a balance that pays
	KindCustomer    = "customer"     // Kundenkarte: personalized; may carry value and discount
	KindEntitlement = "entitlement"  // Berechtigung: extra zones on a pass
	KindStaff       = "staff"        // Mitarbeiterkarte: given to a staff user, never sold
	KindAnnual      = "annual"       // Jahreskarte (seed 000): personalized, produced, handed over
	KindPassVoucher = "pass_voucher" // a code sold at a till, exchanged for a pass at the counter
)

// Kinds lists every kind.
var Kinds = []string{KindDay, KindMultiDay, KindDayChoice, KindWeek, KindMonth, KindYear, KindSeason, KindBlock,
	KindTime, KindDiscount, KindValue, KindCustomer, KindEntitlement, KindStaff, KindAnnual, KindPassVoucher}

// Validity modes.
const (
	// ValidFixed: from ValidFrom to ValidTo, both included.
	ValidFixed = "fixed"
	// ValidCalendar: the calendar period of the kind (week, month, year,
	// season) that holds the day of first use.
	ValidCalendar = "calendar"
	// ValidFirstUse: Days days from the day of first use.
	ValidFirstUse = "first_use"
	// ValidOpen: no period of its own; From and To, when set, still bound it
	// (a staff card's expiry, a value card's).
	ValidOpen = "open"
)

// Bounds on products.
const (
	MaxPrice    = 100_000_000 // minor units: a million euros
	MaxChannels = 16
	MaxDays     = 366 * 10
	MaxEntries  = 1000
	MaxCards    = 1000
	MaxMinutes  = 24 * 60
)

// Validity is when a product's pass is valid. From and To bound every mode
// when set; Mode says what period it has within them.
type Validity struct {
	Mode string `json:"mode"`
	From Date   `json:"from,omitzero"`
	To   Date   `json:"to,omitzero"`
	Days int    `json:"days,omitempty"` // ValidFirstUse
}

// Rules are the rules of a product's kind; a rule that does not belong to the
// kind is refused (KindRules). JSON is how stores keep them and the API shows
// them.
type Rules struct {
	// Entries a day: 1 single entry, 0 unlimited.
	Entries *int `json:"entries,omitempty"`
	// Window limits entry to a span of the day (8:00 to 12:00).
	Window *TimeRange `json:"window,omitempty"`
	// ReentryLockMinutes must pass between two entries (multiple entries only).
	ReentryLockMinutes int `json:"reentry_lock_minutes,omitempty"`
	// ReentryLockFrom is where the lock counts from: "entry" (the default,
	// the last entry) or "exit" (the last exit). Seed 002 leaves it open.
	ReentryLockFrom string `json:"reentry_lock_from,omitempty"`
	// AntiPassback: no second entry before an exit (multiple entries only).
	AntiPassback bool `json:"anti_passback,omitempty"`
	// CreditLimit a day ticket may spend in the house, minor units.
	CreditLimit int64 `json:"credit_limit,omitempty"`
	// Days: a multi-day ticket's day tickets, a day-choice ticket's entry days.
	Days int `json:"days,omitempty"`
	// WithinDays: a day-choice ticket's days must be used within this many.
	WithinDays int `json:"within_days,omitempty"`
	// Cards of a block card, each of kind CardKind (day or time).
	Cards    int    `json:"cards,omitempty"`
	CardKind string `json:"card_kind,omitempty"`
	// DurationMinutes a time card (or a block's card) lets its holder stay.
	DurationMinutes int `json:"duration_minutes,omitempty"`
	// Surcharge per started SurchargeIntervalMinutes beyond duration and
	// tolerance, paid at the till (time card), minor units.
	Surcharge                int64 `json:"surcharge,omitempty"`
	SurchargeIntervalMinutes int   `json:"surcharge_interval_minutes,omitempty"`
	// SurchargeFrom is where the started intervals count from once the
	// facility's tolerance is exceeded: "duration" (the default: the end of
	// the duration; the tolerance is a grace) or "tolerance" (its end).
	SurchargeFrom string `json:"surcharge_from,omitempty"`
	// DiscountGroup a discount, value or customer card belongs to, and its
	// percentage off.
	DiscountGroup   string `json:"discount_group,omitempty"`
	DiscountPercent int    `json:"discount_percent,omitempty"`
	// Value loaded on a value or customer card when it is issued, minor units.
	Value int64 `json:"value,omitempty"`
	// AutoDebitProduct is booked on a value card at each entry.
	AutoDebitProduct string `json:"auto_debit_product,omitempty"`
	// Zones an entitlement adds (Permanent keeps them on the pass, else for
	// this visit only); on an entry product, the zones it admits to (none:
	// every zone).
	Zones     []string `json:"zones,omitempty"`
	Permanent bool     `json:"permanent,omitempty"`
	// Personalized: a holder's name (and photo) before the pass is produced.
	Personalized bool `json:"personalized,omitempty"`
	// ExchangeFor is the product a pass voucher is exchanged for.
	ExchangeFor string `json:"exchange_for,omitempty"`
}

// Product is something a venue sells that is not a seat.
type Product struct {
	ID       string
	Kind     string
	Name     string
	Price    int64 // minor units of Currency
	Currency string
	// Channels it is sold in: web, box_office, or a named channel.
	Channels  []string
	OnSale    bool
	Validity  Validity
	Rules     Rules
	Version   int // 1 when created; each change adds one
	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// SoldOn says the product is on sale in channel.
func (p Product) SoldOn(channel string) bool { return p.OnSale && slices.Contains(p.Channels, channel) }

var (
	channelName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)
	idRef       = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
)

// rule names a rule field, the kinds it belongs to, and whether it is set.
type rule struct {
	field string
	kinds []string
	set   func(r Rules) bool
}

var (
	entryKinds    = []string{KindDay, KindMultiDay, KindDayChoice, KindWeek, KindMonth, KindYear, KindSeason, KindBlock, KindTime, KindAnnual}
	personalKinds = []string{KindMultiDay, KindDayChoice, KindWeek, KindMonth, KindYear, KindSeason, KindBlock, KindDiscount, KindValue, KindCustomer, KindAnnual}
	cardKinds     = []string{KindDiscount, KindValue, KindCustomer}
)

var rules = []rule{
	{"entries", entryKinds, func(r Rules) bool { return r.Entries != nil }},
	{"window", []string{KindDay, KindTime, KindBlock}, func(r Rules) bool { return r.Window != nil }},
	{"reentry_lock_minutes", entryKinds, func(r Rules) bool { return r.ReentryLockMinutes != 0 }},
	{"anti_passback", entryKinds, func(r Rules) bool { return r.AntiPassback }},
	{"reentry_lock_from", entryKinds, func(r Rules) bool { return r.ReentryLockFrom != "" }},
	{"surcharge_from", []string{KindTime, KindBlock}, func(r Rules) bool { return r.SurchargeFrom != "" }},
	{"credit_limit", []string{KindDay, KindTime, KindCustomer, KindValue}, func(r Rules) bool { return r.CreditLimit != 0 }},
	{"days", []string{KindMultiDay, KindDayChoice}, func(r Rules) bool { return r.Days != 0 }},
	{"within_days", []string{KindDayChoice}, func(r Rules) bool { return r.WithinDays != 0 }},
	{"cards", []string{KindBlock}, func(r Rules) bool { return r.Cards != 0 }},
	{"card_kind", []string{KindBlock}, func(r Rules) bool { return r.CardKind != "" }},
	{"duration_minutes", []string{KindTime, KindBlock}, func(r Rules) bool { return r.DurationMinutes != 0 }},
	{"surcharge", []string{KindTime, KindBlock}, func(r Rules) bool { return r.Surcharge != 0 }},
	{"surcharge_interval_minutes", []string{KindTime, KindBlock}, func(r Rules) bool { return r.SurchargeIntervalMinutes != 0 }},
	{"discount_group", cardKinds, func(r Rules) bool { return r.DiscountGroup != "" }},
	{"discount_percent", cardKinds, func(r Rules) bool { return r.DiscountPercent != 0 }},
	{"value", []string{KindValue, KindCustomer}, func(r Rules) bool { return r.Value != 0 }},
	{"auto_debit_product", []string{KindValue, KindCustomer}, func(r Rules) bool { return r.AutoDebitProduct != "" }},
	{"zones", append([]string{KindEntitlement}, entryKinds...), func(r Rules) bool { return r.Zones != nil }},
	{"permanent", []string{KindEntitlement}, func(r Rules) bool { return r.Permanent }},
	{"personalized", personalKinds, func(r Rules) bool { return r.Personalized }},
	{"exchange_for", []string{KindPassVoucher}, func(r Rules) bool { return r.ExchangeFor != "" }},
}

// RuleFields lists the rule fields that belong to kind, for forms that
// follow the kind.
func RuleFields(kind string) []string {
	var out []string
	for _, r := range rules {
		if slices.Contains(r.kinds, kind) {
			out = append(out, r.field)
		}
	}
	return out
}

// Normalize fills a product's defaults and checks it: the first problem is an
// *input.Error naming its field (as the API names it). It is the one check of
// a product, on create and on every change.
func (p *Product) Normalize() error {
	if !slices.Contains(Kinds, p.Kind) {
		return badf("kind", "%q is not a kind: use one of %s", p.Kind, strings.Join(Kinds, ", "))
	}
	p.Name = strings.TrimSpace(p.Name)
	switch {
	case p.Name == "":
		return badf("name", "is empty")
	case len(p.Name) > MaxNameLen:
		return badf("name", "is longer than %d characters", MaxNameLen)
	case p.Price < 0:
		return badf("price", "must not be negative")
	case p.Price > MaxPrice:
		return badf("price", "must be at most %d minor units", MaxPrice)
	}
	p.Currency = strings.ToUpper(strings.TrimSpace(p.Currency))
	if len(p.Currency) != 3 || !money.Known(p.Currency) {
		return badf("currency", "%q is not a currency code (ISO 4217)", p.Currency)
	}
	if err := p.checkChannels(); err != nil {
		return err
	}
	for _, r := range rules {
		if r.set(p.Rules) && !slices.Contains(r.kinds, p.Kind) {
			return badf(r.field, "is not a rule of a %s product", p.Kind)
		}
	}
	if err := p.checkRules(); err != nil {
		return err
	}
	return p.checkValidity()
}

func (p *Product) checkChannels() error {
	if p.Kind == KindStaff {
		// A staff card is given to a staff user, never sold.
		if len(p.Channels) > 0 {
			return badf("channels", "a staff card is not sold on any channel")
		}
		if p.OnSale {
			return badf("on_sale", "a staff card is never on sale")
		}
		if p.Price != 0 {
			return badf("price", "a staff card has no price")
		}
		p.Channels = []string{}
		return nil
	}
	switch {
	case len(p.Channels) == 0:
		return badf("channels", "name at least one sales channel: web, box_office or a named channel")
	case len(p.Channels) > MaxChannels:
		return badf("channels", "at most %d channels", MaxChannels)
	}
	for i, c := range p.Channels {
		if !channelName.MatchString(c) {
			return badf(fmt.Sprintf("channels[%d]", i), "a channel is 1 to 32 lower-case letters, digits, - or _ (web, box_office, …)")
		}
		if slices.Contains(p.Channels[:i], c) {
			return badf(fmt.Sprintf("channels[%d]", i), "%q is named twice", c)
		}
	}
	return nil
}

func inRange(field string, v, lo, hi int) error {
	if v < lo || v > hi {
		return badf(field, "must be from %d to %d", lo, hi)
	}
	return nil
}

func (p *Product) checkRules() error {
	r := &p.Rules
	if r.Entries != nil {
		if err := inRange("entries", *r.Entries, 0, MaxEntries); err != nil {
			return err
		}
		if *r.Entries == 1 && (r.ReentryLockMinutes != 0 || r.AntiPassback) {
			field := "reentry_lock_minutes"
			if r.AntiPassback {
				field = "anti_passback"
			}
			return badf(field, "needs more than one entry (entries 0, unlimited, or more than 1)")
		}
	}
	if w := r.Window; w != nil {
		if _, _, err := w.span(); err != nil {
			return badf("window", "%v", err)
		}
	}
	if err := inRange("reentry_lock_minutes", r.ReentryLockMinutes, 0, MaxMinutes); err != nil {
		return err
	}
	switch r.ReentryLockFrom {
	case "", "entry", "exit":
	default:
		return badf("reentry_lock_from", "is entry (the lock counts from the last entry) or exit (from the last exit)")
	}
	switch r.SurchargeFrom {
	case "", "duration", "tolerance":
	default:
		return badf("surcharge_from", "is duration (intervals count from the end of the duration) or tolerance (from the end of the tolerance)")
	}

	if r.CreditLimit < 0 || r.CreditLimit > MaxPrice {
		return badf("credit_limit", "must be from 0 to %d minor units", MaxPrice)
	}
	switch p.Kind {
	case KindMultiDay:
		if err := inRange("days", r.Days, 1, MaxDays); err != nil {
			return err
		}
	case KindDayChoice:
		if err := inRange("days", r.Days, 1, MaxDays); err != nil {
			return err
		}
		if err := inRange("within_days", r.WithinDays, 1, MaxDays); err != nil {
			return err
		}
		if r.Days > r.WithinDays {
			return badf("days", "%d entry days do not fit within %d days", r.Days, r.WithinDays)
		}
	case KindBlock:
		if err := inRange("cards", r.Cards, 2, MaxCards); err != nil {
			return err
		}
		if r.CardKind == "" {
			r.CardKind = KindDay
		}
		if r.CardKind != KindDay && r.CardKind != KindTime {
			return badf("card_kind", "a block holds day or time cards")
		}
		if r.CardKind == KindTime && r.DurationMinutes == 0 {
			return badf("duration_minutes", "time cards need a duration")
		}
	case KindTime:
		if r.DurationMinutes == 0 {
			return badf("duration_minutes", "a time card needs a duration")
		}
	case KindDiscount:
		if r.DiscountGroup == "" {
			return badf("discount_group", "a discount card belongs to a discount group")
		}
	case KindEntitlement:
		if len(r.Zones) == 0 {
			return badf("zones", "an entitlement adds at least one zone")
		}
	case KindAnnual, KindCustomer:
		// Both are produced for a person: personalization is not optional.
		r.Personalized = true
	case KindPassVoucher:
		if r.ExchangeFor == "" {
			return badf("exchange_for", "a pass voucher names the product it is exchanged for")
		}
	}
	if err := inRange("duration_minutes", r.DurationMinutes, 0, MaxMinutes); err != nil {
		return err
	}
	if r.Surcharge < 0 || r.Surcharge > MaxPrice {
		return badf("surcharge", "must be from 0 to %d minor units", MaxPrice)
	}
	if err := inRange("surcharge_interval_minutes", r.SurchargeIntervalMinutes, 0, MaxMinutes); err != nil {
		return err
	}
	if r.Surcharge > 0 && r.SurchargeIntervalMinutes == 0 {
		return badf("surcharge_interval_minutes", "a surcharge is per started interval: give its minutes")
	}
	if r.SurchargeIntervalMinutes > 0 && r.DurationMinutes == 0 {
		return badf("duration_minutes", "a surcharge starts after a duration")
	}
	if r.DiscountGroup != "" && !channelName.MatchString(r.DiscountGroup) {
		return badf("discount_group", "a group is 1 to 32 lower-case letters, digits, - or _")
	}
	if err := inRange("discount_percent", r.DiscountPercent, 0, 100); err != nil {
		return err
	}
	if r.Value < 0 || r.Value > MaxPrice {
		return badf("value", "must be from 0 to %d minor units", MaxPrice)
	}
	for field, ref := range map[string]string{"auto_debit_product": r.AutoDebitProduct, "exchange_for": r.ExchangeFor} {
		if ref != "" && !idRef.MatchString(ref) {
			return badf(field, "is not a product id")
		}
	}
	if len(r.Zones) > MaxZones {
		return badf("zones", "at most %d zones", MaxZones)
	}
	for i, z := range r.Zones {
		if !zoneID.MatchString(z) || slices.Contains(r.Zones[:i], z) {
			return badf(fmt.Sprintf("zones[%d]", i), "%q is not a zone id, or named twice", z)
		}
	}
	return nil
}

// calendarKinds have a calendar period as their validity.
var calendarKinds = []string{KindWeek, KindMonth, KindYear, KindSeason}

// defaultValidity is a kind's validity when the product names none.
func (p *Product) defaultValidity() Validity {
	v := p.Validity
	switch {
	case slices.Contains(calendarKinds, p.Kind):
		v.Mode = ValidCalendar
	case !v.From.IsZero() && !v.To.IsZero():
		v.Mode = ValidFixed
	case p.Kind == KindDay || p.Kind == KindTime:
		v.Mode, v.Days = ValidFirstUse, 1
	case p.Kind == KindDayChoice:
		v.Mode, v.Days = ValidFirstUse, p.Rules.WithinDays
	case p.Kind == KindAnnual:
		v.Mode, v.Days = ValidFirstUse, 365
	default:
		v.Mode = ValidOpen
	}
	return v
}

func (p *Product) checkValidity() error {
	v := &p.Validity
	if v.Mode == "" {
		*v = p.defaultValidity()
	}
	if !v.From.IsZero() && !v.To.IsZero() && v.To.Compare(v.From) < 0 {
		return badf("valid_to", "%s is before valid_from %s", v.To, v.From)
	}
	calendar := slices.Contains(calendarKinds, p.Kind)
	switch v.Mode {
	case ValidFixed:
		if v.From.IsZero() || v.To.IsZero() {
			return badf("valid_from", "fixed validity needs valid_from and valid_to")
		}
	case ValidCalendar:
		if !calendar {
			return badf("validity", "only week, month, year and season products are calendar-bound")
		}
	case ValidFirstUse:
		if err := inRange("valid_days", v.Days, 1, MaxDays); err != nil {
			return err
		}
		if p.Kind == KindDayChoice && v.Days != p.Rules.WithinDays {
			return badf("valid_days", "a day-choice ticket is valid within_days from first use")
		}
	case ValidOpen:
	default:
		return badf("validity", "%q is not a validity: use fixed, calendar, first_use or open", v.Mode)
	}
	if v.Mode != ValidFirstUse && v.Days != 0 {
		return badf("valid_days", "is for validity first_use only")
	}
	if calendar && v.Mode != ValidCalendar {
		return badf("validity", "a %s product is calendar-bound", p.Kind)
	}
	if p.Kind == KindDay || p.Kind == KindTime {
		oneDay := (v.Mode == ValidFirstUse && v.Days == 1) || (v.Mode == ValidFixed && v.From == v.To)
		if !oneDay {
			return badf("validity", "a %s ticket is valid on one day: first_use with 1 day, or fixed with valid_from = valid_to", p.Kind)
		}
	}
	return nil
}

// ValidOn says whether a pass of the product is valid on day, by its
// calendar rules alone (entries, windows and days used are the gate's).
// firstUse is the day the pass was first used, or the day it starts, or the
// zero Date before either: then day is taken as its first day. A season pass
// needs f's season; without one it is valid on no day.
func (p Product) ValidOn(day, firstUse Date, f Facility) bool {
	v := p.Validity
	if !day.Within(v.From, v.To) {
		return false
	}
	anchor := firstUse
	if anchor.IsZero() {
		anchor = day
	}
	switch v.Mode {
	case ValidFixed, ValidOpen:
		return true
	case ValidFirstUse:
		return day.Within(anchor, anchor.AddDays(v.Days-1))
	case ValidCalendar:
		switch p.Kind {
		case KindWeek:
			return day.Monday() == anchor.Monday()
		case KindMonth:
			return day.Year == anchor.Year && day.Month == anchor.Month
		case KindYear:
			return day.Year == anchor.Year
		case KindSeason:
			return f.Season != nil && day.Within(f.Season.From, f.Season.To) && anchor.Within(f.Season.From, f.Season.To)
		}
	}
	return false
}

// Period is the first and last day a pass first used on firstUse (not
// zero) is valid (a zero bound is open): what a pass shows as its validity.
func (p Product) Period(firstUse Date, f Facility) (from, to Date) {
	v := p.Validity
	from, to = v.From, v.To
	clamp := func(lo, hi Date) {
		if from.IsZero() || lo.Compare(from) > 0 {
			from = lo
		}
		if to.IsZero() || hi.Compare(to) < 0 {
			to = hi
		}
	}
	a := firstUse
	switch {
	case v.Mode == ValidFirstUse:
		clamp(a, a.AddDays(v.Days-1))
	case v.Mode == ValidCalendar && p.Kind == KindWeek:
		clamp(a.Monday(), a.Monday().AddDays(6))
	case v.Mode == ValidCalendar && p.Kind == KindMonth:
		first := Date{a.Year, a.Month, 1}
		clamp(first, DateOf(first.utc().AddDate(0, 1, -1)))
	case v.Mode == ValidCalendar && p.Kind == KindYear:
		clamp(Date{a.Year, time.January, 1}, Date{a.Year, time.December, 31})
	case v.Mode == ValidCalendar && p.Kind == KindSeason && f.Season != nil:
		clamp(f.Season.From, f.Season.To)
	}
	return from, to
}
