package hall

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary bytes to the layout parser: it must never panic, and a
// layout it accepts must keep its invariants.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.json")
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err == nil {
			f.Add(data)
		}
	}
	small, _ := json.Marshal(small())
	f.Add(small)
	f.Add([]byte(`{"name":"x","sections":[{"id":"A","rows":[{"label":"1","seats":[{"id":"A1"}]}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := ParseBytes(data)
		if err != nil {
			if !IsValidation(err) {
				t.Fatalf("non-validation error %T: %v", err, err)
			}
			return
		}
		if h.N() > MaxSeats {
			t.Fatalf("accepted %d seats", h.N())
		}
		seen := map[string]bool{}
		for i, s := range h.Seats {
			if seen[s.ID] {
				t.Fatalf("duplicate id %q accepted", s.ID)
			}
			seen[s.ID] = true
			r := h.Rows[s.Row]
			if uint32(i) < r.First || uint32(i) >= r.First+r.Count {
				t.Fatalf("seat %d outside its row", i)
			}
		}
		for _, r := range h.Rows {
			if r.Count == 0 {
				t.Fatal("empty row accepted")
			}
		}
	})
}
