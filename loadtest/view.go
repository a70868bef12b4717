package loadtest

import (
	"math"
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// view is the seat map as the buyers' pages show it: each seat free or taken.
// Buyers click seats their page shows free, as people do; a conflict then
// happens only when somebody else took the seat within the map's lag, or is
// taking it at the same moment — the real race of an on-sale, not a crowd
// clicking at seats already shown red.
//
// The view learns from the answers buyers get (a hold's 201 and a conflict's
// seat list turn seats taken, a release frees them) and shows each change lag
// after it happened, as a live map would. It is fed from answers, not from the
// target's socket, so seatd and the baselines (which have no live map) face
// the same buyers and the same conflicts; the watchers measure seatd's real
// socket lag separately.
//
// It is safe for concurrent use: every seat is one atomic word.
type view struct {
	start time.Time
	lag   time.Duration
	// seats[i] is the time the seat's latest change shows (ms since start,
	// shifted left by one) with its new state in the lowest bit (1: taken).
	seats []atomic.Uint64
	// Rows, so that a buyer skips rows the page shows full without looking at
	// each seat (the generator's search was a third of its CPU near a
	// sell-out): the row of each seat, and per row its seats taken and since
	// when that shows as all of them (ms since start, shifted by one, plus
	// one; 0 while not full).
	rowOf    []int32
	rowSize  []int32
	rowTaken []atomic.Int32
	rowFull  []atomic.Uint64
	// sellable seats (priced, in the web channel) and how many are taken.
	sellable  []bool
	total     int64
	taken     atomic.Int64
	soldOutAt atomic.Int64 // ns since start when the last sellable seat was taken; 0 before
}

// newView starts a view of the venue's seat map, with the states the map had
// when it was fetched.
func newView(v *Venue, start time.Time, lag time.Duration) *view {
	w := &view{start: start, lag: lag, seats: make([]atomic.Uint64, len(v.Map.IDs)), sellable: make([]bool, len(v.Map.IDs)),
		rowOf: make([]int32, len(v.Map.IDs)), rowSize: make([]int32, len(v.rows)), rowTaken: make([]atomic.Int32, len(v.rows)), rowFull: make([]atomic.Uint64, len(v.rows))}
	for r, seats := range v.rows {
		w.rowSize[r] = int32(len(seats))
	}
	for i := range w.rowOf {
		w.rowOf[i] = -1
		if i < len(v.Map.Row) && v.Map.Row[i] < len(v.rows) {
			w.rowOf[i] = int32(v.Map.Row[i])
		}
	}
	for i := range w.sellable {
		priced := i >= len(v.Map.Zone) || v.Map.Zone[i] >= 0
		web := i >= len(v.Map.Channel) || v.Map.Channel[i] == 0
		w.sellable[i] = priced && web
		taken := i < len(v.Map.States) && v.Map.States[i] != '0'
		if !w.sellable[i] {
			taken = true
		}
		if taken {
			w.seats[i].Store(1) // shown taken from the start
			w.rowChanged(i, true, 1)
		}
		if w.sellable[i] {
			w.total++
			if taken {
				w.taken.Add(1)
			}
		}
	}
	return w
}

func (w *view) ms(at time.Time) uint64 { return uint64(max(at.Sub(w.start), 0) / time.Millisecond) }

// set records that seat became taken or free at time at.
func (w *view) set(seat int, taken bool, at time.Time) {
	if seat < 0 || seat >= len(w.seats) {
		return
	}
	bit := uint64(0)
	if taken {
		bit = 1
	}
	word := (w.ms(at.Add(w.lag)) << 1) | bit
	for {
		old := w.seats[seat].Load()
		if old&1 == bit {
			return // no change of state: keep the earlier moment it showed
		}
		if w.seats[seat].CompareAndSwap(old, word) {
			break
		}
	}
	w.rowChanged(seat, taken, word>>1+1)
	if !w.sellable[seat] {
		return
	}
	if taken {
		if w.taken.Add(1) == w.total {
			w.soldOutAt.CompareAndSwap(0, int64(max(at.Sub(w.start), 1)))
		}
	} else {
		w.taken.Add(-1)
	}
}

// rowChanged counts a seat of a row taken or freed; shows is when a row it
// fills shows full (ms since start, plus one).
func (w *view) rowChanged(seat int, taken bool, shows uint64) {
	r := w.rowOf[seat]
	if r < 0 {
		return
	}
	if !taken {
		if w.rowTaken[r].Add(-1) == w.rowSize[r]-1 {
			w.rowFull[r].Store(0)
		}
		return
	}
	if w.rowTaken[r].Add(1) == w.rowSize[r] {
		w.rowFull[r].Store(shows)
	}
}

// rowShownFull reports whether a page shows every seat of row r taken at now.
func (w *view) rowShownFull(r int, nowMs uint64) bool {
	at := w.rowFull[r].Load()
	return at != 0 && nowMs+1 >= at && w.rowTaken[r].Load() == w.rowSize[r]
}

// shownFree reports whether a page shows the seat free at now.
func (w *view) shownFree(seat int, nowMs uint64) bool {
	word := w.seats[seat].Load()
	taken, at := word&1 == 1, word>>1
	if nowMs >= at {
		return !taken
	}
	return taken // the change does not show yet: the page shows the state before it
}

// nothingShown reports whether the page shows every seat taken at now: it
// then says sold out. (Changes show after the lag, so a sell-out shows lag
// after it happened.)
func (w *view) nothingShown(now time.Time) bool {
	at, done := w.soldOut()
	return done && w.taken.Load() >= w.total && now.Sub(w.start) >= at+w.lag
}

// soldOut is when the last sellable seat was taken, and whether it was.
func (w *view) soldOut() (time.Duration, bool) {
	ns := w.soldOutAt.Load()
	return time.Duration(ns), ns != 0
}

// pickShown chooses k adjacent seats that the page shows free, as near as
// possible to a preferred spot: a section at random, a row drawn towards its
// front (where everybody wants to sit), a seat near the row's middle; failing
// that row, the rows behind it, then another section. avoid lists seats this
// buyer was just refused. It returns nil when the buyer sees nothing left.
func (v *Venue) pickShown(rng *rand.Rand, k int, w *view, now time.Time, avoid map[int]bool) []string {
	if len(v.sections) == 0 {
		return nil
	}
	nowMs := w.ms(now)
	free := func(seat int) bool { return w.shownFree(seat, nowMs) && (avoid == nil || !avoid[seat]) }
	for range 3 {
		sec := v.sections[rng.IntN(len(v.sections))]
		if len(sec) == 0 {
			continue
		}
		depth := min(int(rng.ExpFloat64()*float64(len(sec))/6), len(sec)-1)
		spot := rng.NormFloat64() / 6 // where in the row, -0.5..0.5 of its width around the middle
		for d := 0; d < len(sec); d++ {
			r := sec[(depth+d)%len(sec)]
			if w.rowShownFull(r, nowMs) {
				continue
			}
			row := v.rows[r]
			kk := min(k, len(row))
			if kk == 0 {
				continue
			}
			want := int(math.Round(float64(len(row)-kk)/2 + spot*float64(len(row))))
			if start, ok := nearestRun(row, kk, want, free); ok {
				out := make([]string, kk)
				for i := range out {
					out[i] = v.Map.IDs[row[start+i]]
				}
				return out
			}
		}
	}
	return nil
}

// nearestRun finds the start of k adjacent free seats of row nearest to want.
func nearestRun(row []int, k, want int, free func(int) bool) (int, bool) {
	best, bestDist := -1, math.MaxInt
	run := 0
	for i, seat := range row {
		if !free(seat) {
			run = 0
			continue
		}
		run++
		if run >= k {
			start := i - k + 1
			dist := start - want
			if dist < 0 {
				dist = -dist
			}
			if dist < bestDist {
				best, bestDist = start, dist
			}
		}
	}
	return best, best >= 0
}
