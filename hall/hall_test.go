package hall

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestGenerators(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		l          Layout
		seats      int
		accessible int
	}{
		{"theatre", Theatre(), 800, 6},
		{"arena", Arena(), 18_000, 24 * 6},
		{"stadium", Stadium(), 80_000, 40 * 6},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, err := Compile(tc.l)
			require.NoError(t, err)
			require.Equal(t, tc.seats, h.N())
			// Rows are contiguous index ranges in standing order.
			next := uint32(0)
			for _, r := range h.Rows {
				require.Equal(t, next, r.First)
				for i := r.First; i < r.First+r.Count; i++ {
					require.Equal(t, h.Rows[h.Seats[i].Row].First, r.First)
				}
				next += r.Count
			}
			require.Equal(t, uint32(h.N()), next)
			// Accessible seats: the flag and the bitset agree.
			accessible := 0
			for i, s := range h.Seats {
				bit := h.AccessibleWords[i>>6]>>(i&63)&1 == 1
				require.Equal(t, s.Accessible, bit, s.ID)
				if bit {
					accessible++
				}
			}
			require.Equal(t, tc.accessible, accessible)
			// Every seat has a zone and the lookup agrees with the dense index.
			for i, s := range h.Seats {
				require.NotEqual(t, uint16(NoZone), h.ZoneOf[i], s.ID)
				j, ok := h.Lookup(s.ID)
				require.True(t, ok)
				require.Equal(t, uint32(i), j)
			}
			// Best rows come first.
			for i := 1; i < len(h.RowsByRank); i++ {
				require.LessOrEqual(t, h.Rows[h.RowsByRank[i-1]].Rank, h.Rows[h.RowsByRank[i]].Rank)
			}
			// The layout survives a JSON round trip unchanged.
			data, err := json.Marshal(tc.l)
			require.NoError(t, err)
			h2, err := ParseBytes(data)
			require.NoError(t, err)
			require.Equal(t, h.Seats, h2.Seats)
		})
	}
}

func small() Layout {
	return Layout{
		Name:  "Small",
		Zones: []Zone{{ID: "a", Name: "A", Price: 1000, Currency: "EUR", Color: "#112233"}},
		Sections: []Section{{ID: "P", Zone: "a", Rows: []Row{
			{Label: "1", Seats: []Seat{{ID: "P-1-1"}, {ID: "P-1-2"}}},
			{Label: "2", Seats: []Seat{{ID: "P-2-1"}}},
		}}},
	}
}

func TestCompileRejects(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		mutate func(*Layout)
		path   string
		reason string
	}{
		{"empty name", func(l *Layout) { l.Name = "" }, "name", "empty"},
		{"no sections", func(l *Layout) { l.Sections = nil }, "sections", "at least one"},
		{"duplicate seat", func(l *Layout) { l.Sections[0].Rows[1].Seats[0].ID = "P-1-1" }, "sections[0].rows[1].seats[0].id", `duplicate seat id "P-1-1"`},
		{"empty row", func(l *Layout) { l.Sections[0].Rows[1].Seats = nil }, "sections[0].rows[1].seats", "has no seats"},
		{"empty section", func(l *Layout) { l.Sections[0].Rows = nil }, "sections[0].rows", "has no rows"},
		{"empty seat id", func(l *Layout) { l.Sections[0].Rows[0].Seats[1].ID = "" }, "sections[0].rows[0].seats[1].id", "empty"},
		{"bad seat id", func(l *Layout) { l.Sections[0].Rows[0].Seats[1].ID = "a b" }, "sections[0].rows[0].seats[1].id", "may hold only"},
		{"long seat id", func(l *Layout) { l.Sections[0].Rows[0].Seats[1].ID = strings.Repeat("x", 65) }, "sections[0].rows[0].seats[1].id", "longer"},
		{"unknown zone", func(l *Layout) { l.Sections[0].Rows[0].Zone = "nope" }, "sections[0].rows[0].zone", `unknown zone "nope"`},
		{"negative price", func(l *Layout) { l.Zones[0].Price = -1 }, "zones[0].price", "negative"},
		{"bad color", func(l *Layout) { l.Zones[0].Color = "red" }, "zones[0].color", "#rrggbb"},
		{"bad currency", func(l *Layout) { l.Zones[0].Currency = "euro" }, "zones[0].currency", "ISO 4217"},
		{"duplicate zone", func(l *Layout) { l.Zones = append(l.Zones, l.Zones[0]) }, "zones[1].id", "duplicate zone"},
		{"duplicate section", func(l *Layout) {
			l.Sections = append(l.Sections, Section{ID: "P", Rows: []Row{{Label: "9", Seats: []Seat{{ID: "Q"}}}}})
		}, "sections[1].id", "duplicate section"},
		{"standing without capacity", func(l *Layout) { l.Standing = []StandingArea{{ID: "F"}} }, "standing[0].capacity", "between 1"},
		{"standing id clashes with seat", func(l *Layout) { l.Standing = []StandingArea{{ID: "P-1-1", Capacity: 5}} }, "standing[0].id", "also a seat id"},
		{"negative rank", func(l *Layout) { l.Sections[0].Rows[0].Order = -2 }, "sections[0].rows[0].order", "negative"},
		{"huge coordinate", func(l *Layout) { l.Sections[0].Rows[0].Seats[0].X = 1e9 }, "sections[0].rows[0].seats[0].x", "finite"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l := small()
			tc.mutate(&l)
			_, err := Compile(l)
			var v *ValidationError
			require.True(t, errors.As(err, &v), "got %v", err)
			found := false
			for _, p := range v.Problems {
				if p.Path == tc.path && strings.Contains(p.Reason, tc.reason) {
					found = true
				}
			}
			require.True(t, found, "want %s: %s, got %v", tc.path, tc.reason, v.Problems)
		})
	}
}

func TestRefusesOversize(t *testing.T) {
	t.Parallel()
	row := Row{Label: "1"}
	for i := 0; i < MaxRowSeats; i++ {
		row.Seats = append(row.Seats, Seat{ID: "x"})
	}
	l := Layout{Name: "big"}
	for s := 0; s < MaxSeats/MaxRowSeats+1; s++ {
		l.Sections = append(l.Sections, Section{ID: "s", Rows: []Row{row}})
	}
	_, err := Compile(l)
	require.ErrorContains(t, err, "more than the limit of 200000")
}

func TestParseStrict(t *testing.T) {
	t.Parallel()
	_, err := ParseBytes([]byte(`{"name":"x","sections":[],"bogus":1}`))
	require.ErrorContains(t, err, `unknown field "bogus"`)
	_, err = ParseBytes([]byte(`{"name":"x"} {}`))
	require.ErrorContains(t, err, "trailing data")
	_, err = ParseBytes([]byte(`{"name":`))
	require.ErrorContains(t, err, "malformed JSON")
	_, err = Parse(strings.NewReader(strings.Repeat(" ", MaxLayoutBytes+1)))
	require.ErrorContains(t, err, "larger than")

	h, err := ParseBytes([]byte(`{"name":"ok","sections":[{"id":"A","rows":[{"label":"1","seats":[{"id":"A1","x":1,"y":2},{"id":"A2","x":2,"y":2}]}]}]}`))
	require.NoError(t, err)
	require.Equal(t, 2, h.N())
	require.Equal(t, uint16(NoZone), h.ZoneOf[0])
}

func TestZoneInheritance(t *testing.T) {
	t.Parallel()
	l := small()
	l.Zones = append(l.Zones, Zone{ID: "b", Name: "B", Price: 500, Currency: "EUR", Color: "#445566"})
	l.Sections[0].Rows[1].Zone = "b"
	l.Sections[0].Rows[0].Seats[1].Zone = "b"
	h, err := Compile(l)
	require.NoError(t, err)
	require.Equal(t, []uint16{0, 1, 1}, h.ZoneOf)
}
