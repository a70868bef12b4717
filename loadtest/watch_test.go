package loadtest

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEachHeld(t *testing.T) {
	for _, tc := range []struct {
		name  string
		frame string
		want  []int
	}{
		{"delta as seatd writes it", `{"type":"delta","from":4,"to":9,"changes":[[3,1],[17,2],[80001,1]],"zones":[[3,2]]}`, []int{3, 80001}},
		{"no changes", `{"type":"delta","from":4,"to":5,"changes":[]}`, nil},
		{"spaced out: decoded the slow way", `{"type":"delta","from":4,"to":9,"changes":[ [3, 1], [5,0] ]}`, []int{3}},
		{"snapshot ignored", `{"type":"snapshot","version":3,"states":"0110"}`, nil},
		{"refresh ignored", `{"type":"refresh"}`, nil},
		{"garbage ignored", `{"type":"delta","changes":[[3,`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []int
			eachHeld([]byte(tc.frame), func(seat int) { got = append(got, seat) })
			require.Equal(t, tc.want, got)
		})
	}
}

func FuzzEachHeld(f *testing.F) {
	f.Add([]byte(`{"type":"delta","from":4,"to":9,"changes":[[3,1],[17,2]]}`))
	f.Add([]byte(`{"type":"delta","changes":[[1,1],[2`))
	f.Fuzz(func(t *testing.T, data []byte) {
		eachHeld(data, func(seat int) {
			if seat < 0 {
				t.Fatalf("negative seat %d", seat)
			}
		})
	})
}

func TestEachHeldRefusesOverlongNumbers(t *testing.T) {
	var got []int
	eachHeld([]byte(`{"type":"delta","from":1,"to":2,"changes":[[99999999999999999999999,1]]}`), func(seat int) { got = append(got, seat) })
	require.Empty(t, got) // the json fallback cannot fit it in an int64 either
}
