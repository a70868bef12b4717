package loadtest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"
)

// TraceEvent is one buyer action. A trace is a JSONL file of them, recorded
// from a run or written by hand:
//
//	{"t_ms":0,"buyer":"b1","op":"hold","seats":["S-R1-S1","S-R1-S2"]}
//	{"t_ms":0,"buyer":"b2","op":"hold_best","count":4}
//	{"t_ms":850,"buyer":"b1","op":"confirm"}
//	{"t_ms":900,"buyer":"b2","op":"release"}
//
// confirm and release act on the buyer's latest hold.
type TraceEvent struct {
	TMs   int64    `json:"t_ms"`
	Buyer string   `json:"buyer"`
	Op    string   `json:"op"`
	Seats []string `json:"seats,omitempty"`
	Count int      `json:"count,omitempty"`
}

// TraceWriter records events with their time from the start. A nil writer
// records nothing. It is safe for concurrent use.
type TraceWriter struct {
	start time.Time
	mu    sync.Mutex
	enc   *json.Encoder
	err   error
}

// NewTraceWriter records to w from now.
func NewTraceWriter(w io.Writer) *TraceWriter {
	return &TraceWriter{start: time.Now(), enc: json.NewEncoder(w)}
}

// Write records one event.
func (t *TraceWriter) Write(e TraceEvent) {
	if t == nil {
		return
	}
	e.TMs = time.Since(t.start).Milliseconds()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.err == nil {
		t.err = t.enc.Encode(e)
	}
}

// Err is the first write error.
func (t *TraceWriter) Err() error {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}

// ReadTrace parses a trace, refusing unknown operations and malformed lines.
func ReadTrace(r io.Reader) ([]TraceEvent, error) {
	var out []TraceEvent
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var e TraceEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("trace line %d: %w", line, err)
		}
		switch {
		case e.Buyer == "":
			return nil, fmt.Errorf("trace line %d: no buyer", line)
		case e.Op == "hold" && len(e.Seats) == 0:
			return nil, fmt.Errorf("trace line %d: hold without seats", line)
		case e.Op == "hold_best" && e.Count <= 0:
			return nil, fmt.Errorf("trace line %d: hold_best without a count", line)
		case e.Op != "hold" && e.Op != "hold_best" && e.Op != "confirm" && e.Op != "release":
			return nil, fmt.Errorf("trace line %d: unknown op %q", line, e.Op)
		case e.TMs < 0:
			return nil, fmt.Errorf("trace line %d: negative time", line)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].TMs < out[j].TMs })
	return out, nil
}

// Replay plays a trace at speed× (1 is real time), each buyer's actions in
// order on its own session.
func Replay(ctx context.Context, events []TraceEvent, speed float64, api *API, v *Venue, rec *Recorder) (map[string][]string, error) {
	if speed <= 0 {
		return nil, errors.New("replay speed must be positive")
	}
	byBuyer := map[string][]TraceEvent{}
	var order []string
	for _, e := range events {
		if _, ok := byBuyer[e.Buyer]; !ok {
			order = append(order, e.Buyer)
		}
		byBuyer[e.Buyer] = append(byBuyer[e.Buyer], e)
	}
	start := time.Now()
	var mu sync.Mutex
	confirmed := map[string][]string{}
	var wg sync.WaitGroup
	for _, name := range order {
		evs := byBuyer[name]
		wg.Go(func() {
			sess := session()
			var h Hold
			for _, e := range evs {
				at := start.Add(time.Duration(float64(e.TMs) * float64(time.Millisecond) / speed))
				select {
				case <-time.After(time.Until(at)):
				case <-ctx.Done():
					return
				}
				t0 := time.Now()
				var err error
				switch e.Op {
				case "hold", "hold_best":
					if e.Op == "hold" {
						h, err = api.HoldSeats(ctx, sess, v.Performance, e.Seats)
					} else {
						h, err = api.HoldBest(ctx, sess, v.Performance, e.Count)
					}
					end := time.Now()
					var p *Problem
					switch {
					case err == nil:
						rec.Op(OpHold+" ok", end, end.Sub(t0))
						rec.Held(end, len(h.Seats))
					case errors.As(err, &p) && p.Status == 409:
						rec.Op(OpHold+" conflict", end, end.Sub(t0))
						rec.Conflict()
						h = Hold{}
					default:
						rec.Failed("hold", err)
						h = Hold{}
					}
				case "confirm":
					if h.Token == "" {
						continue
					}
					ord, err := api.Confirm(ctx, sess, h.Token, sess[:8]+fmt.Sprint(e.TMs))
					end := time.Now()
					rec.Op(OpConfirm, end, end.Sub(t0))
					if err != nil {
						rec.Failed("confirm", err)
						continue
					}
					rec.Ordered(end)
					mu.Lock()
					confirmed[ord.ID] = ord.Seats
					mu.Unlock()
					h = Hold{}
				case "release":
					if h.Token == "" {
						continue
					}
					err := api.Release(ctx, sess, h.Token)
					end := time.Now()
					rec.Op(OpRelease, end, end.Sub(t0))
					if err != nil {
						rec.Failed("release", err)
					}
					h = Hold{}
				}
			}
		})
	}
	wg.Wait()
	return confirmed, ctx.Err()
}
