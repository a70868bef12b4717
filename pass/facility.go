package pass

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/seatmap/seatmap/input"
)

// Bounds on the facility's settings.
const (
	MaxRangesPerDay  = 8
	MaxExceptions    = 400
	MaxZones         = 64
	MaxToleranceMins = 24 * 60
	MaxNameLen       = 200
)

// Weekdays are the keys of Facility.Hours, Monday first.
var Weekdays = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

func weekdayKey(w time.Weekday) string { return Weekdays[(int(w)+6)%7] }

// TimeRange is a span of the day as HH:MM, From included, To excluded; To
// may be 24:00, the end of the day.
type TimeRange struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// minutes parses HH:MM (00:00..24:00) as minutes after midnight.
func minutes(s string) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	m := int(s[3]-'0')*10 + int(s[4]-'0')
	if m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, false
	}
	return h*60 + m, true
}

// span is a checked TimeRange in minutes.
func (r TimeRange) span() (from, to int, err error) {
	from, ok1 := minutes(r.From)
	to, ok2 := minutes(r.To)
	switch {
	case !ok1:
		return 0, 0, fmt.Errorf("from %q is not a time HH:MM", r.From)
	case !ok2:
		return 0, 0, fmt.Errorf("to %q is not a time HH:MM (24:00 is the end of the day)", r.To)
	case to <= from:
		return 0, 0, fmt.Errorf("ends at %s, not after it starts at %s", r.To, r.From)
	}
	return from, to, nil
}

// Contains says the minute of the day m (0..1439) is in r. r must be valid.
func (r TimeRange) Contains(m int) bool {
	from, to, err := r.span()
	return err == nil && m >= from && m < to
}

// DayHours are the opening hours of one day: closed, open within Ranges, or
// open all day (not closed and no ranges).
type DayHours struct {
	Closed bool        `json:"closed"`
	Ranges []TimeRange `json:"ranges"`
}

func (h DayHours) openAt(minute int) bool {
	if h.Closed {
		return false
	}
	if len(h.Ranges) == 0 {
		return true
	}
	for _, r := range h.Ranges {
		if r.Contains(minute) {
			return true
		}
	}
	return false
}

// Exception replaces a day's usual hours: a holiday closed, a late opening.
type Exception struct {
	Date Date   `json:"date"`
	Note string `json:"note,omitempty"`
	DayHours
}

// DateRange is a span of days, both included.
type DateRange struct {
	From Date `json:"from"`
	To   Date `json:"to"`
}

// Zone is an area of the facility that passes admit to (the pool, the
// sauna); an entitlement adds zones to a pass.
type Zone struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Facility is the venue's settings for passes. The zero Facility is open
// every day, all day, has no season, no tolerance and no zones.
type Facility struct {
	// Hours by weekday key (Weekdays); a day not named is open all day.
	Hours      map[string]DayHours `json:"hours"`
	Exceptions []Exception         `json:"exceptions"`
	// Season is what a season pass is valid for; nil: no season set.
	Season *DateRange `json:"season,omitempty"`
	// ToleranceMinutes is what a time card may overstay before its surcharge.
	ToleranceMinutes int    `json:"tolerance_minutes"`
	Zones            []Zone `json:"zones"`
	// Version counts stored changes: 0 before the first.
	Version   int       `json:"-"`
	UpdatedAt time.Time `json:"-"`
}

// HoursOn are the hours of a day: its exception, else its weekday's.
func (f Facility) HoursOn(d Date) DayHours {
	for _, e := range f.Exceptions {
		if e.Date == d {
			return e.DayHours
		}
	}
	return f.Hours[weekdayKey(d.Weekday())]
}

// OpenAt says whether the facility is open at t, read on the wall clock of
// loc (nil: UTC): on a day daylight saving time starts, 02:30 does not occur;
// on the day it ends, both 02:30s are 02:30.
func (f Facility) OpenAt(t time.Time, loc *time.Location) bool {
	if loc == nil {
		loc = time.UTC
	}
	l := t.In(loc)
	return f.HoursOn(DateOf(l)).openAt(l.Hour()*60 + l.Minute())
}

var zoneID = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

func badf(field, format string, args ...any) *input.Error {
	return &input.Error{Field: field, Reason: fmt.Sprintf(format, args...)}
}

func validateHours(field string, h *DayHours) error {
	if len(h.Ranges) > MaxRangesPerDay {
		return badf(field+".ranges", "at most %d ranges a day", MaxRangesPerDay)
	}
	if h.Closed && len(h.Ranges) > 0 {
		return badf(field+".ranges", "a closed day has no opening hours")
	}
	type span struct{ from, to int }
	spans := make([]span, 0, len(h.Ranges))
	for i, r := range h.Ranges {
		from, to, err := r.span()
		if err != nil {
			return badf(fmt.Sprintf("%s.ranges[%d]", field, i), "%v", err)
		}
		spans = append(spans, span{from, to})
	}
	slices.SortFunc(spans, func(a, b span) int { return a.from - b.from })
	for i := 1; i < len(spans); i++ {
		if spans[i].from < spans[i-1].to {
			return badf(field+".ranges", "ranges overlap")
		}
	}
	if h.Ranges == nil {
		h.Ranges = []TimeRange{}
	}
	return nil
}

// Validate checks the settings and fills empty lists; the first problem is
// an *input.Error naming its field.
func (f *Facility) Validate() error {
	for k := range f.Hours {
		if !slices.Contains(Weekdays, k) {
			return badf("hours", "%q is not a weekday: use mon, tue, wed, thu, fri, sat, sun", k)
		}
	}
	for _, k := range Weekdays {
		if h, ok := f.Hours[k]; ok {
			if err := validateHours("hours."+k, &h); err != nil {
				return err
			}
			f.Hours[k] = h
		}
	}
	if f.Hours == nil {
		f.Hours = map[string]DayHours{}
	}
	if len(f.Exceptions) > MaxExceptions {
		return badf("exceptions", "at most %d exceptions", MaxExceptions)
	}
	seen := map[Date]bool{}
	for i := range f.Exceptions {
		e := &f.Exceptions[i]
		field := fmt.Sprintf("exceptions[%d]", i)
		if e.Date.IsZero() {
			return badf(field+".date", "is missing")
		}
		if seen[e.Date] {
			return badf(field+".date", "%s has two exceptions", e.Date)
		}
		seen[e.Date] = true
		e.Note = strings.TrimSpace(e.Note)
		if len(e.Note) > MaxNameLen {
			return badf(field+".note", "is longer than %d characters", MaxNameLen)
		}
		if err := validateHours(field, &e.DayHours); err != nil {
			return err
		}
	}
	slices.SortFunc(f.Exceptions, func(a, b Exception) int { return a.Date.Compare(b.Date) })
	if f.Exceptions == nil {
		f.Exceptions = []Exception{}
	}
	if s := f.Season; s != nil {
		switch {
		case s.From.IsZero():
			return badf("season.from", "is missing")
		case s.To.IsZero():
			return badf("season.to", "is missing")
		case s.To.Compare(s.From) < 0:
			return badf("season.to", "is before season.from")
		case s.To.Compare(s.From.AddDays(366)) > 0:
			return badf("season.to", "a season is at most a year long")
		}
	}
	if f.ToleranceMinutes < 0 || f.ToleranceMinutes > MaxToleranceMins {
		return badf("tolerance_minutes", "must be from 0 to %d", MaxToleranceMins)
	}
	if len(f.Zones) > MaxZones {
		return badf("zones", "at most %d zones", MaxZones)
	}
	ids := map[string]bool{}
	for i := range f.Zones {
		z := &f.Zones[i]
		z.Name = strings.TrimSpace(z.Name)
		switch {
		case !zoneID.MatchString(z.ID):
			return badf(fmt.Sprintf("zones[%d].id", i), "a zone id is 1 to 32 lower-case letters, digits, - or _")
		case ids[z.ID]:
			return badf(fmt.Sprintf("zones[%d].id", i), "zone %q is named twice", z.ID)
		case z.Name == "" || len(z.Name) > MaxNameLen:
			return badf(fmt.Sprintf("zones[%d].name", i), "must have 1 to %d characters", MaxNameLen)
		}
		ids[z.ID] = true
	}
	if f.Zones == nil {
		f.Zones = []Zone{}
	}
	return nil
}
