package checkout

import "time"

// ZoneSpan is a stretch of time in which a zone's clock keeps one offset and
// one abbreviation. The pages show times in the venue's zone from these
// (frontend/static/format.js), exactly as FormatWhen writes them in e-mails
// and documents, and without the browser's time-zone data: its first use
// costs a phone hundreds of milliseconds (issue 12), and it names zones
// otherwise ("GMT-5" where Go's tzdata says "EST").
type ZoneSpan struct {
	From   int64  `json:"from"`   // Unix seconds, the first second of the span
	To     int64  `json:"to"`     // Unix seconds, the first second after it
	Offset int    `json:"offset"` // seconds east of UTC
	Abbr   string `json:"abbr"`   // as FormatWhen's "MST" writes it
}

// ZoneSpans are loc's spans that cover [from, to), in order, each cut to
// that window. A zone without transitions (UTC) has one span.
func ZoneSpans(loc *time.Location, from, to time.Time) []ZoneSpan {
	var out []ZoneSpan
	for t := from; t.Before(to); {
		lt := t.In(loc)
		_, off := lt.Zone()
		span := ZoneSpan{From: t.Unix(), Offset: off, Abbr: lt.Format("MST")}
		_, end := lt.ZoneBounds()
		if end.IsZero() || !end.Before(to) {
			end = to
		}
		span.To = end.Unix()
		// Two periods with the same offset and name (a change of rule
		// only) read as one.
		if n := len(out); n > 0 && out[n-1].Offset == span.Offset && out[n-1].Abbr == span.Abbr {
			out[n-1].To = span.To
		} else {
			out = append(out, span)
		}
		if !end.After(t) {
			break
		}
		t = end
	}
	return out
}

// VenueZoneSpans are the venue zone's spans the pages are given: from two
// years before now to five years after it, which holds the performances
// anyone looks at. A time outside them is formatted by the browser.
func VenueZoneSpans(loc *time.Location, now time.Time) []ZoneSpan {
	return ZoneSpans(loc, now.AddDate(-2, 0, 0).Truncate(time.Hour), now.AddDate(5, 0, 0).Truncate(time.Hour))
}
