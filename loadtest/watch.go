package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// lagSamplers is how many watchers measure lag; the others are pages that
// only read their frames. Every frame goes to every socket of a room in no
// particular order, so a few hundred samplers spread among ten thousand
// sockets see the lag all of them see, while the load generator does not
// parse every frame ten thousand times over (it would become the bottleneck
// the run measures: ten thousand browsers do their parsing on their own
// machines).
const lagSamplers = 200

// watch keeps a live seat map socket open. A sampler (w < of) measures, for
// the seats it is responsible for (seat % of == w), how long after the hold's
// answer the delta that shows the seat held arrives: one sample per held seat
// across samplers. ready is called once, when the first snapshot has arrived.
func watch(ctx context.Context, api *API, v *Venue, w, of int, holdAt []atomic.Int64, rec *Recorder, ready func()) {
	var once sync.Once
	for attempt := 0; ctx.Err() == nil; attempt++ {
		// Spread over the nodes by the watcher's number; a watcher whose
		// node went away dials the next.
		url := "ws" + strings.TrimPrefix(api.BaseFor(w+attempt), "http") + "/api/v1/performances/" + v.Performance + "/live"
		dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		conn, _, err := websocket.Dial(dctx, url, nil)
		cancel()
		if err != nil {
			rec.Error("socket dial")
			select {
			case <-ctx.Done():
				return
			case <-time.After(500 * time.Millisecond):
				continue
			}
		}
		conn.SetReadLimit(8 << 20)
		if w < of {
			seen := make([]bool, len(holdAt)/of+1) // by seat/of: this watcher's seats only
			read(ctx, conn, w, of, holdAt, seen, rec, func() { once.Do(ready) })
		} else {
			discard(ctx, conn, rec, func() { once.Do(ready) })
		}
		conn.CloseNow()
	}
}

// discard reads frames without looking at them, into one reused buffer.
func discard(ctx context.Context, conn *websocket.Conn, rec *Recorder, snapshot func()) {
	buf := make([]byte, 32<<10)
	for first := true; ; first = false {
		_, r, err := conn.Reader(ctx)
		if err == nil {
			_, err = io.CopyBuffer(io.Discard, r, buf)
		}
		if err != nil {
			if ctx.Err() == nil {
				rec.Error("socket closed " + websocket.CloseStatus(err).String())
			}
			return
		}
		if first {
			snapshot()
		}
	}
}

type liveFrame struct {
	Type    string     `json:"type"`
	Changes [][2]int64 `json:"changes"`
}

func read(ctx context.Context, conn *websocket.Conn, w, of int, holdAt []atomic.Int64, seen []bool, rec *Recorder, snapshot func()) {
	for first := true; ; first = false {
		_, data, err := conn.Read(ctx)
		if err != nil {
			if ctx.Err() == nil {
				rec.Error("socket closed " + websocket.CloseStatus(err).String())
			}
			return
		}
		now := time.Now()
		if first {
			snapshot()
		}
		eachHeld(data, func(seat int) {
			if seat >= len(holdAt) || seat%of != w || seen[seat/of] {
				return
			}
			seen[seat/of] = true
			// Zero: the delta beat the hold's own answer to the buyer.
			lag := time.Duration(0)
			if at := holdAt[seat].Load(); at != 0 {
				lag = now.Sub(time.Unix(0, at))
			}
			rec.Lag(now, lag)
		})
	}
}

// deltaPrefix starts every delta frame (realtime/frames.go writes the fields
// in this order), and changesKey its list of state changes.
var (
	deltaPrefix = []byte(`{"type":"delta",`)
	changesKey  = []byte(`"changes":[`)
)

// eachHeld calls fn with every seat a delta frame shows turning held. Ten
// thousand watchers read every frame, so the common frame is scanned by hand
// rather than decoded; anything unexpected falls back to encoding/json.
// Snapshots and other frames are ignored.
func eachHeld(data []byte, fn func(seat int)) {
	if !bytes.HasPrefix(data, deltaPrefix) {
		return
	}
	i := bytes.Index(data, changesKey)
	if i < 0 {
		return
	}
	if scanPairs(data[i+len(changesKey):], fn) {
		return
	}
	var f liveFrame
	if err := json.Unmarshal(data, &f); err != nil {
		return
	}
	for _, c := range f.Changes {
		if c[1] == 1 && c[0] >= 0 {
			fn(int(c[0]))
		}
	}
}

// scanPairs reads `[seat,state],...]` and calls fn for held seats; false if
// the text is not in that exact form (nothing is called twice: fn runs only
// after the whole list has scanned cleanly).
func scanPairs(b []byte, fn func(seat int)) bool {
	var held []int
	num := func() (int, bool) {
		n, k := 0, 0
		for k < len(b) && k < 9 && b[k] >= '0' && b[k] <= '9' { // no seat index has more digits
			n = n*10 + int(b[k]-'0')
			k++
		}
		b = b[k:]
		return n, k > 0
	}
	if len(b) > 0 && b[0] == ']' {
		return true
	}
	for {
		if len(b) == 0 || b[0] != '[' {
			return false
		}
		b = b[1:]
		seat, ok := num()
		if !ok || len(b) == 0 || b[0] != ',' {
			return false
		}
		b = b[1:]
		state, ok := num()
		if !ok || len(b) < 2 || b[0] != ']' {
			return false
		}
		if state == 1 {
			held = append(held, seat)
		}
		switch b[1] {
		case ',':
			b = b[2:]
		case ']':
			for _, s := range held {
				fn(s)
			}
			return true
		default:
			return false
		}
	}
}
