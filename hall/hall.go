package hall

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"sort"
	"strings"
)

// Limits on what a layout may contain. They bound memory and work for untrusted input.
const (
	MaxSeats        = 200_000
	MaxLayoutBytes  = 32 << 20
	MaxSections     = 2_000
	MaxRowSeats     = 1_000
	MaxZones        = 250
	MaxStanding     = 200
	MaxCapacity     = 500_000
	MaxIDLen        = 64
	MaxNameLen      = 200
	MaxCoordinate   = 1e7
	MaxPrice        = 100_000_000_00 // minor units: a hundred million euros, ten billion yen
	maxProblemsKept = 20
)

// NoZone marks a seat that belongs to no price zone.
const NoZone = math.MaxUint16

// Problem names one bad element of a layout by its JSON path.
type Problem struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// ValidationError lists what is wrong with a layout, the first problems first.
type ValidationError struct {
	Problems []Problem
	Omitted  int // problems found beyond the ones kept
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("invalid hall layout: ")
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.Path)
		b.WriteString(": ")
		b.WriteString(p.Reason)
	}
	if e.Omitted > 0 {
		fmt.Fprintf(&b, " (and %d more)", e.Omitted)
	}
	return b.String()
}

// SeatInfo is a compiled seat.
type SeatInfo struct {
	ID         string
	Number     string
	Section    uint32 // index into Hall.Sections
	Row        uint32 // index into Hall.Rows
	X, Y       float64
	Accessible bool
}

// RowInfo is a compiled row: the seats First..First+Count-1, in standing order.
type RowInfo struct {
	Section uint32
	Label   string
	Rank    int // best-available order, lower is better
	First   uint32
	Count   uint32
}

// SectionInfo is a compiled section.
type SectionInfo struct {
	ID   string
	Name string
}

// Hall is a validated, compiled layout. It is immutable and safe for concurrent use.
type Hall struct {
	Layout   Layout
	Seats    []SeatInfo
	Rows     []RowInfo
	Sections []SectionInfo
	// ZoneOf is the default zone of each seat as an index into Layout.Zones, or NoZone.
	ZoneOf []uint16
	// RowsByRank lists row indices best first.
	RowsByRank []uint32
	// RowOf is each seat's row index: Seats[i].Row, packed for hot loops.
	RowOf []uint32
	// AccessibleWords is a bitset of the accessible seats (wheelchair spaces
	// and their companion seats), 64 seats a word; nil when there are none.
	// Shared by every performance in the hall.
	AccessibleWords []uint64

	index map[string]uint32
}

// Lookup returns the dense index of a seat id.
func (h *Hall) Lookup(id string) (uint32, bool) {
	i, ok := h.index[id]
	return i, ok
}

// N is the number of seats.
func (h *Hall) N() int { return len(h.Seats) }

// Parse decodes and compiles a layout. Unknown fields, trailing data and documents
// over MaxLayoutBytes are refused.
func Parse(r io.Reader) (*Hall, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxLayoutBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read hall layout: %w", err)
	}
	if len(data) > MaxLayoutBytes {
		return nil, &ValidationError{Problems: []Problem{{Path: "$", Reason: fmt.Sprintf("layout is larger than %d bytes", MaxLayoutBytes)}}}
	}
	return ParseBytes(data)
}

// ParseBytes is Parse on a byte slice.
func ParseBytes(data []byte) (*Hall, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var l Layout
	if err := dec.Decode(&l); err != nil {
		return nil, &ValidationError{Problems: []Problem{{Path: "$", Reason: "malformed JSON: " + err.Error()}}}
	}
	if dec.More() {
		return nil, &ValidationError{Problems: []Problem{{Path: "$", Reason: "trailing data after the layout"}}}
	}
	return Compile(l)
}

var (
	idPattern    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:/-]*$`)
	colorPattern = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
	currPattern  = regexp.MustCompile(`^[A-Z]{3}$`)
)

type checker struct {
	problems []Problem
	omitted  int
}

func (c *checker) add(path, format string, args ...any) {
	if len(c.problems) >= maxProblemsKept {
		c.omitted++
		return
	}
	c.problems = append(c.problems, Problem{Path: path, Reason: fmt.Sprintf(format, args...)})
}

func (c *checker) id(path, id string) {
	switch {
	case id == "":
		c.add(path, "id is empty")
	case len(id) > MaxIDLen:
		c.add(path, "id is longer than %d characters", MaxIDLen)
	case !idPattern.MatchString(id):
		c.add(path, "id %q may hold only letters, digits and . _ : / - and must start with a letter or digit", id)
	}
}

func (c *checker) text(path, s string, max int) {
	if len(s) > max {
		c.add(path, "longer than %d characters", max)
	}
}

func (c *checker) coord(path string, v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > MaxCoordinate {
		c.add(path, "coordinate must be a finite number within ±%g", float64(MaxCoordinate))
	}
}

// ValidateZone checks one zone definition; path prefixes the problems.
func ValidateZone(path string, z Zone) []Problem {
	var c checker
	c.zone(path, z)
	return c.problems
}

func (c *checker) zone(path string, z Zone) {
	c.id(path+".id", z.ID)
	c.text(path+".name", z.Name, MaxNameLen)
	if z.Name == "" {
		c.add(path+".name", "name is empty")
	}
	if z.Price < 0 {
		c.add(path+".price", "price must not be negative")
	} else if z.Price > MaxPrice {
		c.add(path+".price", "price is above %d minor units", int64(MaxPrice))
	}
	if !ValidCurrency(z.Currency) {
		c.add(path+".currency", "currency %q is not an ISO 4217 code such as EUR", z.Currency)
	}
	if !colorPattern.MatchString(z.Color) {
		c.add(path+".color", "color %q is not of the form #rrggbb", z.Color)
	}
}

// Compile validates a layout and builds its dense seat index. Errors are a
// *ValidationError naming each bad element by its JSON path.
func Compile(l Layout) (*Hall, error) {
	var c checker
	if l.Name == "" {
		c.add("name", "name is empty")
	}
	c.text("name", l.Name, MaxNameLen)

	if len(l.Zones) > MaxZones {
		return nil, &ValidationError{Problems: []Problem{{Path: "zones", Reason: fmt.Sprintf("more than %d zones", MaxZones)}}}
	}
	zoneIndex := make(map[string]uint16, len(l.Zones))
	for i, z := range l.Zones {
		p := fmt.Sprintf("zones[%d]", i)
		c.zone(p, z)
		if _, dup := zoneIndex[z.ID]; dup {
			c.add(p+".id", "duplicate zone id %q", z.ID)
			continue
		}
		zoneIndex[z.ID] = uint16(i)
	}
	zoneRef := func(path, id string) (uint16, bool) {
		if id == "" {
			return NoZone, false
		}
		zi, ok := zoneIndex[id]
		if !ok {
			c.add(path, "unknown zone %q", id)
			return NoZone, false
		}
		return zi, true
	}

	if len(l.Sections) == 0 && len(l.Standing) == 0 {
		c.add("sections", "a hall needs at least one section or standing area")
	}
	if len(l.Sections) > MaxSections {
		return nil, &ValidationError{Problems: []Problem{{Path: "sections", Reason: fmt.Sprintf("more than %d sections", MaxSections)}}}
	}
	// Count first so an oversize hall is refused before anything is allocated for it.
	total := 0
	for _, s := range l.Sections {
		for _, r := range s.Rows {
			total += len(r.Seats)
		}
	}
	if total > MaxSeats {
		return nil, &ValidationError{Problems: []Problem{{Path: "sections", Reason: fmt.Sprintf("%d seats is more than the limit of %d", total, MaxSeats)}}}
	}

	h := &Hall{
		Layout:   l,
		Seats:    make([]SeatInfo, 0, total),
		ZoneOf:   make([]uint16, 0, total),
		Sections: make([]SectionInfo, 0, len(l.Sections)),
		index:    make(map[string]uint32, total),
	}
	sectionIDs := make(map[string]int, len(l.Sections))
	for si, s := range l.Sections {
		sp := fmt.Sprintf("sections[%d]", si)
		c.id(sp+".id", s.ID)
		c.text(sp+".name", s.Name, MaxNameLen)
		if prev, dup := sectionIDs[s.ID]; dup && s.ID != "" {
			c.add(sp+".id", "duplicate section id %q (also sections[%d])", s.ID, prev)
		}
		sectionIDs[s.ID] = si
		secZone, _ := zoneRef(sp+".zone", s.Zone)
		if len(s.Rows) == 0 {
			c.add(sp+".rows", "section %q has no rows", s.ID)
		}
		h.Sections = append(h.Sections, SectionInfo{ID: s.ID, Name: s.Name})
		for ri, r := range s.Rows {
			rp := fmt.Sprintf("%s.rows[%d]", sp, ri)
			if r.Label == "" {
				c.add(rp+".label", "row label is empty")
			}
			c.text(rp+".label", r.Label, MaxIDLen)
			if r.Order < 0 {
				c.add(rp+".order", "order must not be negative")
			}
			if len(r.Seats) == 0 {
				c.add(rp+".seats", "row %q of section %q has no seats", r.Label, s.ID)
			}
			if len(r.Seats) > MaxRowSeats {
				c.add(rp+".seats", "more than %d seats in one row", MaxRowSeats)
			}
			rowZone := secZone
			if z, ok := zoneRef(rp+".zone", r.Zone); ok {
				rowZone = z
			}
			row := RowInfo{Section: uint32(si), Label: r.Label, Rank: r.Order, First: uint32(len(h.Seats)), Count: uint32(len(r.Seats))}
			rowIdx := uint32(len(h.Rows))
			for ki, st := range r.Seats {
				kp := fmt.Sprintf("%s.seats[%d]", rp, ki)
				c.id(kp+".id", st.ID)
				c.text(kp+".number", st.Number, MaxIDLen)
				c.coord(kp+".x", st.X)
				c.coord(kp+".y", st.Y)
				if prev, dup := h.index[st.ID]; dup && st.ID != "" {
					ps := h.Seats[prev]
					label := r.Label // the row being built is not in h.Rows yet
					if ps.Row < rowIdx {
						label = h.Rows[ps.Row].Label
					}
					c.add(kp+".id", "duplicate seat id %q (also in section %q row %q)", st.ID, h.Sections[ps.Section].ID, label)
				} else {
					h.index[st.ID] = uint32(len(h.Seats))
				}
				z := rowZone
				if sz, ok := zoneRef(kp+".zone", st.Zone); ok {
					z = sz
				}
				h.Seats = append(h.Seats, SeatInfo{ID: st.ID, Number: st.Number, Section: uint32(si), Row: rowIdx, X: st.X, Y: st.Y, Accessible: st.Accessible})
				h.ZoneOf = append(h.ZoneOf, z)
			}
			h.Rows = append(h.Rows, row)
		}
	}

	if len(l.Standing) > MaxStanding {
		c.add("standing", "more than %d standing areas", MaxStanding)
	}
	for i, a := range l.Standing {
		ap := fmt.Sprintf("standing[%d]", i)
		c.id(ap+".id", a.ID)
		c.text(ap+".name", a.Name, MaxNameLen)
		if _, clash := h.index[a.ID]; clash {
			c.add(ap+".id", "standing area id %q is also a seat id", a.ID)
		}
		if prev, dup := sectionIDs[a.ID]; dup {
			c.add(ap+".id", "standing area id %q is also the id of sections[%d]", a.ID, prev)
		}
		sectionIDs[a.ID] = -1
		if a.Capacity <= 0 || a.Capacity > MaxCapacity {
			c.add(ap+".capacity", "capacity must be between 1 and %d", MaxCapacity)
		}
		zoneRef(ap+".zone", a.Zone)
		c.rect(ap, a.Rect)
	}
	if l.Stage != nil {
		c.rect("stage", *l.Stage)
	}

	if len(c.problems) > 0 {
		return nil, &ValidationError{Problems: c.problems, Omitted: c.omitted}
	}

	h.RowOf = make([]uint32, len(h.Seats))
	for i, st := range h.Seats {
		h.RowOf[i] = st.Row
		if st.Accessible {
			if h.AccessibleWords == nil {
				h.AccessibleWords = make([]uint64, (len(h.Seats)+63)/64)
			}
			h.AccessibleWords[i>>6] |= 1 << (i & 63)
		}
	}
	h.RowsByRank = make([]uint32, len(h.Rows))
	for i := range h.RowsByRank {
		h.RowsByRank[i] = uint32(i)
	}
	sort.SliceStable(h.RowsByRank, func(a, b int) bool {
		ra, rb := h.Rows[h.RowsByRank[a]].Rank, h.Rows[h.RowsByRank[b]].Rank
		if (ra == 0) != (rb == 0) {
			return ra != 0 // ranked rows before unranked ones
		}
		return ra < rb
	})
	return h, nil
}

func (c *checker) rect(path string, r Rect) {
	c.coord(path+".x", r.X)
	c.coord(path+".y", r.Y)
	c.coord(path+".w", r.W)
	c.coord(path+".h", r.H)
	if r.W < 0 || r.H < 0 {
		c.add(path, "width and height must not be negative")
	}
}

// IsValidation reports whether err is a layout validation error.
func IsValidation(err error) bool {
	var v *ValidationError
	return errors.As(err, &v)
}

// ValidCurrency reports whether c is written as an ISO 4217 code: three
// capital letters, such as EUR.
func ValidCurrency(c string) bool { return currPattern.MatchString(c) }
