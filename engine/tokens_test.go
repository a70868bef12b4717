package engine

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestTokenIndex runs random inserts, removes and lookups against a map, the way
// the shard uses the index (holds in slots, freed slots reused), checking the
// table after every step. Besides the real hash it runs with hashes squeezed into
// a few values at the end of the table, so that probe runs are long, collide on
// the full hash and wrap around, which backward-shift deletion must survive.
func TestTokenIndex(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		squeeze func(uint32) uint32
		live    int // at most, enough to grow the table a few times
	}{
		{"seeded hash", func(h uint32) uint32 { return h }, 300},
		{"four hashes at the table's end", func(h uint32) uint32 { return h | ^uint32(3) }, 150},
		{"one hash", func(uint32) uint32 { return 7 }, 150},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(1, 2))
			ti := newTokenIndex()
			holds := make([]hold, 1) // slot 0 is unused, as in the shard
			var free []uint32
			want := map[string]uint32{}
			var live []string
			hash := func(tok string) uint32 { return tc.squeeze(ti.hash(tok)) }
			for step := 0; step < 4000; step++ {
				switch op := rng.IntN(10); {
				case op < 5 && len(live) < tc.live: // insert a new token
					tok := fmt.Sprintf("p5x2ktq7mzdv3hr4n.%d", step)
					h := hash(tok)
					pos, slot := ti.find(tok, h, holds)
					require.Zero(t, slot, "step %d: %q found before insert", step, tok)
					if k := len(free); k > 0 {
						slot, free = free[k-1], free[:k-1]
					} else {
						holds = append(holds, hold{})
						slot = uint32(len(holds) - 1)
					}
					holds[slot].token, holds[slot].hash = tok, h
					ti.insert(pos, h, slot)
					want[tok] = slot
					live = append(live, tok)
				case op < 8 && len(live) > 0: // remove a live token
					k := rng.IntN(len(live))
					tok := live[k]
					live[k] = live[len(live)-1]
					live = live[:len(live)-1]
					slot := want[tok]
					ti.remove(holds[slot].hash, slot)
					holds[slot].token = ""
					free = append(free, slot)
					delete(want, tok)
				default: // look up a live or a missing token
					tok := fmt.Sprintf("p5x2ktq7mzdv3hr4n.%d", rng.IntN(step+1))
					_, slot := ti.find(tok, hash(tok), holds)
					require.Equal(t, want[tok], slot, "step %d: find %q", step, tok)
				}
				require.NoError(t, ti.check(holds), "step %d", step)
				require.Equal(t, len(want), ti.n)
			}
			for tok, slot := range want {
				_, got := ti.find(tok, hash(tok), holds)
				require.Equal(t, slot, got, tok)
			}
		})
	}
}
