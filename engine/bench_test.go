package engine

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/seatmap/seatmap/hall"
)

// BenchmarkHoldRelease4 is the hot path of an on-sale: hold 4 explicit seats of the
// 80,000-seat stadium, then release them, cycling over the whole hall.
//
// The shard runs on the wall clock, as in production (seating leaves Config.Now
// nil unless a test sets a clock), not on the tests' settable clock: every
// Hold and Release reads it. TimeNow is the same on time.Now.
func BenchmarkHoldRelease4(b *testing.B) {
	b.Run("wallclock", func(b *testing.B) { benchHoldRelease4(b, nil) })
	b.Run("timenow", func(b *testing.B) { benchHoldRelease4(b, time.Now) })
}

func benchHoldRelease4(b *testing.B, now func() time.Time) {
	s := NewShard(Config{Hall: stadium, Now: now})
	// Tokens as long as seating makes them ("<performance>.<random>": 44 bytes, the
	// first 18 shared by every hold of a performance), not short ones that hash
	// and compare cheaper.
	tokens := make([]string, 1024)
	for i := range tokens {
		tokens[i] = fmt.Sprintf("p5x2ktq7mzdv3hr4n.%026d", uint64(i)*0x9e3779b97f4a7c15>>20)
	}
	exp := time.Now().Add(time.Hour)
	req := HoldRequest{Owner: "o", Seats: make([]uint32, 4), Expires: exp}
	dst := make([]uint32, 0, 8)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		base := uint32(i*4) % 80_000
		req.Seats[0], req.Seats[1], req.Seats[2], req.Seats[3] = base, base+1, base+2, base+3
		req.Token = tokens[i&1023]
		var err error
		if dst, err = s.Hold(req, dst[:0]); err != nil {
			b.Fatal(err)
		}
		if err := s.Release(req.Token, "o"); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkBestAvailable4 holds 4 seats best-available in a stadium that is half
// held (every other row block taken), then releases them.
func BenchmarkBestAvailable4(b *testing.B) {
	for _, fill := range []int{0, 50, 90} {
		b.Run(fmt.Sprintf("filled%d%%", fill), func(b *testing.B) {
			s, c := newShard(b, stadium)
			exp := c.Now().Add(time.Hour)
			// Sell the best rows first, as an on-sale does.
			target := stadium.N() * fill / 100
			var sold []uint32
			for _, r := range stadium.RowsByRank {
				row := stadium.Rows[r]
				for k := uint32(0); k < row.Count && len(sold) < target; k++ {
					sold = append(sold, row.First+k)
				}
			}
			if _, _, err := s.MarkSold(sold); err != nil {
				b.Fatal(err)
			}
			req := HoldRequest{Token: "t", Owner: "o", Best: Best{Count: 4, Zone: AnyZone}, Expires: exp}
			dst := make([]uint32, 0, 8)
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if dst, err = s.Hold(req, dst[:0]); err != nil {
					b.Fatal(err)
				}
				if err := s.Release("t", "o"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkStates is the cost of a full snapshot of the stadium.
func BenchmarkStates(b *testing.B) {
	s, c := newShard(b, stadium)
	for i := 0; i < 1000; i++ {
		if _, err := s.Hold(HoldRequest{Token: fmt.Sprint(i), Owner: "o", Seats: []uint32{uint32(i * 70)}, Expires: c.Now().Add(time.Hour)}, nil); err != nil {
			b.Fatal(err)
		}
	}
	dst := make([]State, 0, stadium.N())
	b.ReportAllocs()
	for b.Loop() {
		dst, _ = s.States(dst[:0])
	}
}

// BenchmarkNewShardStadium builds a stadium shard and reports its heap bytes per
// seat (the hall itself is shared between performances and not counted).
func BenchmarkNewShardStadium(b *testing.B) {
	b.ReportAllocs()
	var s *Shard
	for b.Loop() {
		s = NewShard(Config{Hall: stadium})
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	keep := NewShard(Config{Hall: stadium})
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(stadium.N()), "B/seat")
	runtime.KeepAlive(keep)
	runtime.KeepAlive(s)
}

// hall2000 is a 2,000-seat hall, a large theatre: 40 rows of 50 in three zones.
var hall2000 = func() *hall.Hall {
	l := hall.Layout{Name: "Hall (2,000)", Zones: []hall.Zone{
		{ID: "a", Name: "A", Price: 8900, Currency: "EUR", Color: "#c0392b"},
		{ID: "b", Name: "B", Price: 5900, Currency: "EUR", Color: "#2e86c1"},
		{ID: "c", Name: "C", Price: 3400, Currency: "EUR", Color: "#27ae60"},
	}}
	sec := hall.Section{ID: "H", Name: "Hall", Zone: "b"}
	for r := 1; r <= 40; r++ {
		row := hall.Row{Label: fmt.Sprint(r), Order: r}
		switch {
		case r <= 8:
			row.Zone = "a"
		case r > 28:
			row.Zone = "c"
		}
		for k := 1; k <= 50; k++ {
			row.Seats = append(row.Seats, hall.Seat{ID: fmt.Sprintf("H-R%d-S%d", r, k), Number: fmt.Sprint(k), X: float64(k) * 10, Y: float64(r) * 12})
		}
		sec.Rows = append(sec.Rows, row)
	}
	l.Sections = []hall.Section{sec}
	return hall.MustCompile(l)
}()

// BenchmarkHeap1000Performances reports the heap that 1,000 performances of a
// 2,000-seat hall keep, as a node with a season on sale keeps them all loaded:
// HeapAlloc after a GC, before and after building them, per seat (B/seat) and
// in all (MB). The hall is shared by its performances and not counted. The
// loop times building one shard.
func BenchmarkHeap1000Performances(b *testing.B) {
	const perfs = 1000
	b.ReportAllocs()
	for b.Loop() {
		NewShard(Config{Hall: hall2000})
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	keep := make([]*Shard, perfs)
	for i := range keep {
		keep[i] = NewShard(Config{Hall: hall2000})
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := float64(int64(after.HeapAlloc) - int64(before.HeapAlloc))
	b.ReportMetric(heap/perfs/float64(hall2000.N()), "B/seat")
	b.ReportMetric(heap/(1<<20), "MB")
	runtime.KeepAlive(keep)
}
