package loadtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Options describe a run.
type Options struct {
	Target string // base URL of seatd or a baseline
	Token  string // staff bearer token
	Preset string
	Buyers int
	// Duration bounds the run; arrivals on a ramp or in waves spread over it.
	Duration time.Duration
	// Curve is how buyers arrive: "all" (at once, the on-sale second), "ramp"
	// (evenly over Duration) or "waves" (Waves bursts over Duration).
	Curve string
	Waves int
	// Concurrency is how many buyers act at once (open connections).
	Concurrency int
	// BestShare of buyers use best-available; the others click seats near a
	// preferred spot, hot spots near the stage.
	BestShare float64
	// Retries on conflict per buyer.
	Retries int
	// ConfirmShare of holds are confirmed, ReleaseShare released; the rest are
	// abandoned to expire.
	ConfirmShare, ReleaseShare float64
	// Watchers are live seat map sockets kept open on the performance to measure
	// how long a hold takes to reach them.
	Watchers int
	// SeatsPerBuyer is the most seats one buyer takes (1..n, weighted to 2).
	SeatsPerBuyer int
	// MapLag is how long after a hold or release the buyers' pages show it
	// (see view). Buyers who click pick seats their page shows free.
	MapLag time.Duration
	// PromoCode, if set, is a promotion PromoShare of the confirmations try
	// (seatd only; see CreatePromotion). A buyer told it is used up confirms
	// without it, as people do.
	PromoCode  string
	PromoShare float64
	// Pay, if "test", makes buyers pay as seatd's built-in test provider
	// (-payment test) asks: an order comes back pending_payment, and the
	// buyer's page then approves it, or declines it (DeclineShare of them),
	// or is closed and never answers (AbandonShare), leaving the payment
	// window to end it. Payments, if set, keeps what they did for the audit.
	Pay                        string
	DeclineShare, AbandonShare float64
	Payments                   *PayLog
	// Record, if set, receives every buyer action as a trace.
	Record *TraceWriter
	// Progress is called about every 200 ms with buyers done.
	Progress func(done, total int)
	// MidSurge, if set, runs once when half the buyers are done, while the
	// others keep buying: -kill-owner kills the performance's owner node
	// there (issue 18).
	MidSurge func(ctx context.Context)
	Seed     uint64
}

// Venue is the performance under test and its seats.
type Venue struct {
	Performance string
	Map         Seatmap
	index       map[string]int
	rows        [][]int // seat indices by row, in standing order
	sections    [][]int // row indices by section, front row first
}

// NewVenue indexes a seat map for picking seats.
func NewVenue(perf string, m Seatmap) *Venue {
	v := &Venue{Performance: perf, Map: m, index: make(map[string]int, len(m.IDs))}
	for i, id := range m.IDs {
		v.index[id] = i
	}
	v.rows = make([][]int, len(m.Rows))
	for i, r := range m.Row {
		if r < len(v.rows) {
			v.rows[r] = append(v.rows[r], i)
		}
	}
	for r, row := range m.Rows {
		for len(v.sections) <= row.Section {
			v.sections = append(v.sections, nil)
		}
		v.sections[row.Section] = append(v.sections[row.Section], r)
	}
	return v
}

// Surge runs a surge of buyers against a venue.
func Surge(ctx context.Context, o Options, api *API, v *Venue, rec *Recorder) (map[string][]string, error) {
	if o.Concurrency <= 0 {
		o.Concurrency = 256
	}
	if o.SeatsPerBuyer <= 0 {
		o.SeatsPerBuyer = 4
	}
	holdAt := make([]atomic.Int64, len(v.Map.IDs)) // unix nanos of the hold's 201, for lag
	watchCtx, stopWatch := context.WithCancel(ctx)
	var watchers sync.WaitGroup
	allReady := make(chan struct{})
	var waiting atomic.Int64
	waiting.Store(int64(o.Watchers))
	ready := func() {
		if waiting.Add(-1) == 0 {
			close(allReady)
		}
	}
	for w := 0; w < o.Watchers; w++ {
		// Dialled a few at a time, as pages open before an on-sale: ten
		// thousand handshakes at once would only measure the listen backlog.
		watchers.Go(func() { watch(watchCtx, api, v, w, min(o.Watchers, lagSamplers), holdAt, rec, ready) })
		if w%64 == 63 {
			time.Sleep(time.Millisecond)
		}
	}
	defer func() {
		stopWatch()
		watchers.Wait()
	}()
	if o.Watchers > 0 {
		// The on-sale starts when every page shows the map (or after two
		// minutes): pages open before the sale, and their joining is not the
		// surge.
		joining := time.Now()
		select {
		case <-allReady:
		case <-time.After(2 * time.Minute):
			rec.Error("socket not ready within 2 min")
		case <-ctx.Done():
		}
		rec.SocketsJoined(time.Since(joining))
	}
	rec.Begin(time.Now())
	seen := newView(v, rec.start, o.MapLag)
	// Arrivals spread over Duration; buyers still queued a while after it are
	// not served and the run says so (Result.Unfinished).
	ctx, cancel := context.WithTimeout(ctx, o.Duration+30*time.Second)
	defer cancel()

	arrivals := make(chan int, o.Concurrency)
	go func() {
		defer close(arrivals)
		start := time.Now()
		for b := 0; b < o.Buyers; b++ {
			if at := arrival(o, b); at > 0 {
				if wait := time.Until(start.Add(at)); wait > 0 {
					select {
					case <-time.After(wait):
					case <-ctx.Done():
						return
					}
				}
			}
			select {
			case arrivals <- b:
			case <-ctx.Done():
				return
			}
		}
	}()

	var done atomic.Int64
	var mu sync.Mutex
	confirmed := map[string][]string{}
	var workers sync.WaitGroup
	for w := 0; w < o.Concurrency; w++ {
		workers.Go(func() {
			for b := range arrivals {
				if ctx.Err() != nil {
					continue
				}
				seed := o.Seed*1_000_003 + uint64(b)
				if id, seats := buyer(ctx, o, api, v, seen, rec, rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), b, holdAt); id != "" {
					mu.Lock()
					confirmed[id] = seats
					mu.Unlock()
				}
				done.Add(1)
			}
		})
	}
	midDone := make(chan struct{})
	if o.MidSurge != nil {
		go func() {
			defer close(midDone)
			t := time.NewTicker(5 * time.Millisecond)
			defer t.Stop()
			for done.Load() < int64(o.Buyers/2) {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
			o.MidSurge(ctx)
		}()
	} else {
		close(midDone)
	}
	defer func() { <-midDone }()
	if o.Progress != nil {
		tick := time.NewTicker(200 * time.Millisecond)
		finished := make(chan struct{})
		go func() {
			workers.Wait()
			close(finished)
		}()
	loop:
		for {
			select {
			case <-tick.C:
				o.Progress(int(done.Load()), o.Buyers)
			case <-finished:
				break loop
			}
		}
		tick.Stop()
		o.Progress(int(done.Load()), o.Buyers)
	}
	workers.Wait()
	rec.Served(int(done.Load()), o.Buyers)
	if at, ok := seen.soldOut(); ok {
		rec.SoldOutAfter(at)
	}
	if err := ctx.Err(); err != nil && !errors.Is(err, context.Canceled) {
		// The target could not keep up: a result, not a failure of the tester.
		return confirmed, nil
	}
	return confirmed, nil
}

// arrival is when buyer b arrives, from the start of the run.
func arrival(o Options, b int) time.Duration {
	frac := float64(b) / float64(max(1, o.Buyers))
	switch o.Curve {
	case "ramp":
		return time.Duration(frac * float64(o.Duration))
	case "waves":
		waves := max(1, o.Waves)
		wave := int(frac * float64(waves))
		return time.Duration(float64(wave) / float64(waves) * float64(o.Duration))
	}
	return 0
}

// seatsWanted draws how many seats a buyer takes: mostly pairs.
func seatsWanted(rng *rand.Rand, most int) int {
	weights := []int{20, 45, 15, 20} // 1, 2, 3, 4 seats
	n := rng.IntN(100)
	for k, w := range weights {
		if n < w {
			return min(k+1, most)
		}
		n -= w
	}
	return min(2, most)
}

// buyer plays one buyer; it returns the order id and seats if it bought.
func buyer(ctx context.Context, o Options, api *API, v *Venue, seen *view, rec *Recorder, rng *rand.Rand, b int, holdAt []atomic.Int64) (string, []string) {
	sess := session()
	name := fmt.Sprint("b", b)
	best := rng.Float64() < o.BestShare
	k := seatsWanted(rng, o.SeatsPerBuyer)
	var h Hold
	var refused map[int]bool // seats this buyer was told are taken
	held := false
	for attempt := 0; attempt <= o.Retries && !held; attempt++ {
		start := time.Now()
		var err error
		var seats []string
		if best {
			if seen.nothingShown(start) {
				rec.Left() // the page says sold out: its best-available button is off
				return "", nil
			}
			o.Record.Write(TraceEvent{Buyer: name, Op: "hold_best", Count: k})
			h, err = api.HoldBest(ctx, sess, v.Performance, k)
		} else {
			if seats = v.pickShown(rng, k, seen, start, refused); seats == nil {
				rec.Left() // the page shows nothing left to click
				return "", nil
			}
			o.Record.Write(TraceEvent{Buyer: name, Op: "hold", Seats: seats})
			h, err = api.HoldSeats(ctx, sess, v.Performance, seats)
		}
		end := time.Now()
		var p *Problem
		switch {
		case err == nil:
			rec.Op(OpHold+" ok", end, end.Sub(start))
			rec.Held(end, len(h.Seats))
			for _, s := range h.Seats {
				if i, ok := v.index[s]; ok {
					holdAt[i].Store(end.UnixNano())
					seen.set(i, true, end)
				}
			}
			held = true
		case errors.As(err, &p) && p.Status == 409:
			rec.Op(OpHold+" conflict", end, end.Sub(start))
			rec.Conflict()
			if best {
				rec.SoldOut() // nothing together is left for this buyer
				return "", nil
			}
			if refused == nil {
				refused = map[int]bool{}
			}
			for _, s := range p.Seats {
				if i, ok := v.index[s]; ok {
					refused[i] = true
					seen.set(i, true, end)
				}
			}
		default:
			rec.Op(OpHold+" error", end, end.Sub(start))
			rec.Failed("hold", err)
			return "", nil
		}
	}
	if !held {
		return "", nil
	}
	switch r := rng.Float64(); {
	case r < o.ConfirmShare:
		o.Record.Write(TraceEvent{Buyer: name, Op: "confirm"})
		start := time.Now()
		key := fmt.Sprintf("%s-%d", sess[:8], b)
		code := ""
		if o.PromoCode != "" && rng.Float64() < o.PromoShare {
			code = o.PromoCode
		}
		ord, err := api.ConfirmWithCode(ctx, sess, h.Token, key, code)
		var p *Problem
		if code != "" && errors.As(err, &p) && p.Reason == "used_up" {
			rec.Op(OpConfirm+" code used up", time.Now(), time.Since(start))
			ord, err = api.ConfirmWithCode(ctx, sess, h.Token, key+"-nocode", "")
		}
		end := time.Now()
		rec.Op(OpConfirm, end, end.Sub(start))
		if err != nil {
			rec.Failed("confirm", err)
			return "", nil
		}
		if o.Pay != "" {
			return pay(ctx, o, api, v, seen, rec, rng, sess, ord)
		}
		if ord.Status == "pending_payment" {
			rec.Failed("confirm", errors.New("the order waits for its payment: seatd asks buyers to pay (-payment), run the load tester with -pay test"))
			return "", nil
		}
		rec.Ordered(end)
		return ord.ID, ord.Seats
	case r < o.ConfirmShare+o.ReleaseShare:
		o.Record.Write(TraceEvent{Buyer: name, Op: "release"})
		start := time.Now()
		err := api.Release(ctx, sess, h.Token)
		end := time.Now()
		rec.Op(OpRelease, end, end.Sub(start))
		if err != nil {
			rec.Failed("release", err)
			return "", nil
		}
		for _, s := range h.Seats {
			if i, ok := v.index[s]; ok {
				seen.set(i, false, end)
			}
		}
	}
	return "", nil
}

func errKind(op string, err error) string {
	var p *Problem
	if errors.As(err, &p) {
		if p.Status == 0 {
			return op + " network"
		}
		return fmt.Sprintf("%s %d", op, p.Status)
	}
	return op + " " + err.Error()
}
