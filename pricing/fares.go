package pricing

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/order"
)

// Fares (issue 16, seed 003's "Rabatte und Ermäßigungen"): a performance's
// prices per zone. Every zone has the normal fare, its zone's price (the
// zone price of the API); staff may add reduced fares (ermäßigt: "Student",
// a price per zone they are offered in) and free fares (price 0 in every
// zone, for block orders; "gedruckt Vortermin"). A fare may be for staff
// only: the web channel cannot choose it. A seat's fare is chosen when the
// order is confirmed and the ticket keeps it with its price.

// Fare kinds.
const (
	FareNormal  = "normal"
	FareReduced = "reduced"
	FareFree    = "free"
)

// NormalFareID is the id of every performance's normal fare, and the fare of
// a ticket sold without a choice (and of every ticket sold before fares).
const NormalFareID = "normal"

// NormalFareName is the normal fare's name: it is not renamed, so a ticket
// sold at it reads the same before and after any change of the fares.
const NormalFareName = "Normal"

// Bounds of a performance's fares.
const (
	MaxFares       = 20
	MaxFareNameLen = 60
	MaxFareIDLen   = 40
	// MaxFarePrice bounds a price (minor units), well inside int64 sums.
	MaxFarePrice = 100_000_000_00
)

var fareIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// Fare is one fare of a performance. Prices (minor units, by zone id) are
// where a reduced fare is offered; the normal fare's are its zones' prices
// (filled in by WithZones, never stored), a free fare's are 0 everywhere.
type Fare struct {
	ID        string
	Name      string
	Kind      string
	Prices    map[string]int64
	StaffOnly bool // refused on the web channel
}

// DefaultFares are the fares of a performance whose staff set none: the
// normal fare alone.
func DefaultFares() []Fare {
	return []Fare{{ID: NormalFareID, Name: NormalFareName, Kind: FareNormal}}
}

// WithZones returns fares (DefaultFares when empty) with the normal fare's
// prices filled in from zones, and every fare's prices limited to zones that
// exist: a zone removed since no longer offers its fares.
func WithZones(fares []Fare, zones []hall.Zone) []Fare {
	if len(fares) == 0 {
		fares = DefaultFares()
	}
	out := make([]Fare, len(fares))
	for i, f := range fares {
		f.Prices = pricesIn(f, zones)
		out[i] = f
	}
	return out
}

func pricesIn(f Fare, zones []hall.Zone) map[string]int64 {
	prices := make(map[string]int64, len(zones))
	for _, z := range zones {
		switch f.Kind {
		case FareNormal:
			prices[z.ID] = z.Price
		case FareFree:
			prices[z.ID] = 0
		default:
			if p, ok := f.Prices[z.ID]; ok {
				prices[z.ID] = p
			}
		}
	}
	return prices
}

// Find returns the fare with id.
func Find(fares []Fare, id string) (Fare, bool) {
	for _, f := range fares {
		if f.ID == id {
			return f, true
		}
	}
	return Fare{}, false
}

// NormalizeFares checks fares as staff set them for a performance with zones
// and returns them as stored: ids lower case, names trimmed, the normal fare
// named NormalFareName with no prices, a free fare with none. Problems are
// *input.Error naming the field ("fares[2].prices.parkett").
func NormalizeFares(fares []Fare, zones []hall.Zone) ([]Fare, error) {
	switch {
	case len(fares) == 0:
		return nil, &input.Error{Field: "fares", Reason: "is empty; the normal fare is required"}
	case len(fares) > MaxFares:
		return nil, &input.Error{Field: "fares", Reason: fmt.Sprintf("has more than %d fares", MaxFares)}
	}
	zone := make(map[string]int64, len(zones))
	for _, z := range zones {
		zone[z.ID] = z.Price
	}
	out := make([]Fare, 0, len(fares))
	seen := make(map[string]bool, len(fares))
	named := make(map[string]bool, len(fares))
	normal := false
	for i, f := range fares {
		path := fmt.Sprintf("fares[%d]", i)
		f.ID = strings.TrimSpace(f.ID)
		f.Name = strings.TrimSpace(f.Name)
		switch {
		case f.ID == "":
			return nil, &input.Error{Field: path + ".id", Reason: "is empty"}
		case len(f.ID) > MaxFareIDLen || !fareIDPattern.MatchString(f.ID):
			return nil, &input.Error{Field: path + ".id", Reason: fmt.Sprintf("%q must be at most %d lower-case letters, digits, _ and -, starting with a letter or digit", f.ID, MaxFareIDLen)}
		case seen[f.ID]:
			return nil, &input.Error{Field: path + ".id", Reason: fmt.Sprintf("%q is given twice", f.ID)}
		}
		seen[f.ID] = true
		if f.Kind == "" && f.ID == NormalFareID {
			f.Kind = FareNormal
		}
		switch f.Kind {
		case FareNormal:
			if f.ID != NormalFareID {
				return nil, &input.Error{Field: path + ".kind", Reason: fmt.Sprintf("only the fare %q is normal", NormalFareID)}
			}
			if f.Name != "" && f.Name != NormalFareName {
				return nil, &input.Error{Field: path + ".name", Reason: fmt.Sprintf("the normal fare is named %q", NormalFareName)}
			}
			for _, z := range slices.Sorted(maps.Keys(f.Prices)) {
				if p, ok := zone[z]; !ok || p != f.Prices[z] {
					return nil, &input.Error{Field: path + ".prices." + z, Reason: "the normal fare's prices are the zones' prices: change them with the zones"}
				}
			}
			f.Name, f.Prices, f.StaffOnly = NormalFareName, nil, false
			normal = true
		case FareReduced, FareFree:
			if f.ID == NormalFareID {
				return nil, &input.Error{Field: path + ".kind", Reason: fmt.Sprintf("the fare %q is the normal fare", NormalFareID)}
			}
			switch {
			case f.Name == "":
				return nil, &input.Error{Field: path + ".name", Reason: "is empty"}
			case len(f.Name) > MaxFareNameLen:
				return nil, &input.Error{Field: path + ".name", Reason: fmt.Sprintf("is longer than %d characters", MaxFareNameLen)}
			case strings.IndexFunc(f.Name, unicode.IsControl) >= 0:
				return nil, &input.Error{Field: path + ".name", Reason: "contains control characters"}
			}
			if f.Kind == FareFree {
				for _, z := range slices.Sorted(maps.Keys(f.Prices)) {
					if f.Prices[z] != 0 {
						return nil, &input.Error{Field: path + ".prices." + z, Reason: "a free fare costs 0"}
					}
				}
				f.Prices = nil
				break
			}
			if len(f.Prices) == 0 {
				return nil, &input.Error{Field: path + ".prices", Reason: "is empty; give a price for at least one zone"}
			}
			prices := make(map[string]int64, len(f.Prices))
			for _, z := range slices.Sorted(maps.Keys(f.Prices)) {
				p := f.Prices[z]
				if _, ok := zone[z]; !ok {
					return nil, &input.Error{Field: path + ".prices." + z, Reason: fmt.Sprintf("the performance has no zone %q", z)}
				}
				if p < 0 || p > MaxFarePrice {
					return nil, &input.Error{Field: path + ".prices." + z, Reason: fmt.Sprintf("must be between 0 and %d", int64(MaxFarePrice))}
				}
				prices[z] = p
			}
			f.Prices = prices
		default:
			return nil, &input.Error{Field: path + ".kind", Reason: fmt.Sprintf("%q is not normal, reduced or free", f.Kind)}
		}
		key := strings.ToLower(f.Name)
		if named[key] {
			return nil, &input.Error{Field: path + ".name", Reason: fmt.Sprintf("%q names another fare too", f.Name)}
		}
		named[key] = true
		out = append(out, f)
	}
	if !normal {
		return nil, &input.Error{Field: "fares", Reason: fmt.Sprintf("the normal fare %q is required", NormalFareID)}
	}
	return out, nil
}

// ApplyFares prices tickets (sold at their zone's normal price by Tickets) at
// the fares chosen for them: chosen maps a public seat id to a fare id;
// seats not named keep the normal fare. fares are the performance's, as
// WithZones returns them. web says the sale is on the web channel, where
// staff-only fares are refused. It returns the new total; problems are
// *input.Error naming "fares.<seat id>".
func ApplyFares(tickets []order.Ticket, fares []Fare, chosen map[string]string, web bool) (int64, error) {
	bySeat := make(map[string]int, len(tickets))
	for i, t := range tickets {
		bySeat[t.SeatID] = i
	}
	for _, seat := range slices.Sorted(maps.Keys(chosen)) {
		if _, ok := bySeat[seat]; !ok {
			return 0, &input.Error{Field: "fares." + seat, Reason: fmt.Sprintf("seat %q is not in the hold", seat)}
		}
	}
	var total int64
	for i := range tickets {
		t := &tickets[i]
		id := chosen[t.SeatID]
		if id == "" {
			id = NormalFareID
		}
		f, ok := Find(fares, id)
		if !ok {
			return 0, &input.Error{Field: "fares." + t.SeatID, Reason: fmt.Sprintf("the performance has no fare %q", id)}
		}
		if web && f.StaffOnly {
			return 0, &input.Error{Field: "fares." + t.SeatID, Reason: fmt.Sprintf("the fare %q is sold by staff only", id)}
		}
		price, ok := f.Prices[t.Zone]
		if !ok {
			return 0, &input.Error{Field: "fares." + t.SeatID, Reason: fmt.Sprintf("the fare %q is not offered in zone %q", id, t.Zone)}
		}
		t.Fare, t.FareName, t.Price = f.ID, f.Name, price
		total += price
	}
	return total, nil
}
