package checkout

import (
	"net/url"
	"strings"
	"time"

	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/order"
)

// SeatName is a seat as people say it: section, row and seat number.
type SeatName struct {
	Section string // the section's name (its id when it has none)
	Row     string // the row's label
	Number  string // the seat's number (its id when it has none)
}

// Label is the seat in one line: "Stalls, row 3, seat 10".
func (n SeatName) Label() string {
	var parts []string
	if n.Section != "" {
		parts = append(parts, n.Section)
	}
	if n.Row != "" {
		parts = append(parts, "row "+n.Row)
	}
	return strings.Join(append(parts, "seat "+n.Number), ", ")
}

// SeatNameOf names a seat of h by its dense index; a seat the hall does not
// have (none should) is named by nothing but id.
func SeatNameOf(h *hall.Hall, seat uint32, id string) SeatName {
	if h == nil || int(seat) >= len(h.Seats) {
		return SeatName{Number: id}
	}
	si := h.Seats[seat]
	n := SeatName{Number: si.Number}
	if n.Number == "" {
		n.Number = si.ID
	}
	if int(si.Section) < len(h.Sections) {
		sec := h.Sections[si.Section]
		n.Section = sec.Name
		if n.Section == "" {
			n.Section = sec.ID
		}
	}
	if int(si.Row) < len(h.Rows) {
		n.Row = h.Rows[si.Row].Label
	}
	return n
}

// Location is the venue's time zone, in which times are shown.
func (s *Service) Location() *time.Location { return s.loc }

// When writes a time for people, in the venue's zone and naming it: "Sat 12
// Dec 2026, 20:30 CET (Europe/Berlin)". The pages write the same
// (frontend/static/format.js dateTime).
func (s *Service) When(t time.Time) string { return FormatWhen(t, s.loc) }

// FormatWhen is When in loc.
func FormatWhen(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Mon 2 Jan 2006, 15:04 MST") + " (" + loc.String() + ")"
}

// OrderLink is the order page's address with the order's secret key: it opens
// the order on any device, without the session that made it. Empty when the
// service has no public address or the order no key.
func (s *Service) OrderLink(o order.Order) string {
	if s.publicURL == "" || o.AccessKey == "" {
		return ""
	}
	return s.publicURL + "/#/order/" + url.PathEscape(o.ID) + "?key=" + url.QueryEscape(o.AccessKey)
}

// PersonalizeLink is where the buyer personalizes o's passes without an
// account: the personalization page (#/personalize/{token} under
// PublicURL, which works through /api/v1/personalize/{token}); empty when
// no pass needs it or there is no public address.
func (s *Service) PersonalizeLink(o order.Order) string {
	token := order.PersonalizeToken(o)
	if s.publicURL == "" || token == "" {
		return ""
	}
	return s.publicURL + PersonalizePage(token)
}

// PersonalizePage is the page's path (a fragment route of the app) that
// opens an order's passes for personalization.
func PersonalizePage(token string) string { return "/#/personalize/" + url.PathEscape(token) }

// PersonalizePath is the path that opens an order's passes for
// personalization.
func PersonalizePath(token string) string { return "/api/v1/personalize/" + url.PathEscape(token) }
