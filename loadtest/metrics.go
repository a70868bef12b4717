package loadtest

import (
	"slices"
	"sort"
	"sync"
	"time"
)

// Operation names.
const (
	OpHold    = "hold"
	OpConfirm = "confirm"
	OpRelease = "release"
	OpSocket  = "socket"
	// OpApprove and OpDecline answer a payment through seatd's test
	// provider (Options.Pay).
	OpApprove = "approve"
	OpDecline = "decline"
)

type sample struct {
	at  time.Duration // since the start of the run
	dur time.Duration
}

// Recorder collects what a run does. It is safe for concurrent use.
type Recorder struct {
	start time.Time

	mu        sync.Mutex // guards everything below
	latencies map[string][]sample
	errors    map[string]int    // by kind: "hold 409", "confirm 503", "network"…
	examples  map[string]string // the first error of each kind
	seatsHeld []sample          // one per held seat, at the hold's answer
	orders    []sample
	payments  map[string]int // payment outcomes by name: approved, declined, abandoned, late
	lags      []sample
	conflicts int
	left      int           // buyers whose page showed nothing left to click
	soldOut   bool          // best-available found nothing together
	soldOutAt time.Duration // when the last seat was taken, 0 if never
	joined    time.Duration // how long the watchers took to join
	served    int
	wanted    int
}

// Served records how many buyers were served of how many arrived.
func (r *Recorder) Served(done, of int) {
	r.mu.Lock()
	r.served, r.wanted = done, of
	r.mu.Unlock()
}

// Begin restarts the run's clock at t, when the load proper begins (after the
// watchers have joined). Nothing is recorded before.
func (r *Recorder) Begin(t time.Time) {
	r.mu.Lock()
	r.start = t
	r.mu.Unlock()
}

// Elapsed is the time since the run's clock started.
func (r *Recorder) Elapsed() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return time.Since(r.start)
}

// SocketsJoined records how long the watchers took to join before the load.
func (r *Recorder) SocketsJoined(d time.Duration) {
	r.mu.Lock()
	r.joined = d
	r.mu.Unlock()
}

// NewRecorder starts the run's clock.
func NewRecorder(start time.Time) *Recorder {
	return &Recorder{start: start, latencies: map[string][]sample{}, errors: map[string]int{}, examples: map[string]string{}, payments: map[string]int{}}
}

// Payment outcomes a buyer's payment step ends in.
const (
	PaidApproved  = "approved"  // approved, the order paid
	PaidDeclined  = "declined"  // declined, the order payment_failed
	PaidAbandoned = "abandoned" // never answered: the window ends it
	PaidLate      = "late"      // approved after the window ended and given back
)

// Payment records how one buyer's payment step ended.
func (r *Recorder) Payment(outcome string) {
	r.mu.Lock()
	r.payments[outcome]++
	r.mu.Unlock()
}

// Op records one operation's latency.
func (r *Recorder) Op(op string, at time.Time, d time.Duration) {
	r.mu.Lock()
	r.latencies[op] = append(r.latencies[op], sample{at.Sub(r.start), d})
	r.mu.Unlock()
}

// Held records seats held by one successful hold.
func (r *Recorder) Held(at time.Time, seats int) {
	r.mu.Lock()
	for i := 0; i < seats; i++ {
		r.seatsHeld = append(r.seatsHeld, sample{at: at.Sub(r.start)})
	}
	r.mu.Unlock()
}

// Ordered records a confirmed order.
func (r *Recorder) Ordered(at time.Time) {
	r.mu.Lock()
	r.orders = append(r.orders, sample{at: at.Sub(r.start)})
	r.mu.Unlock()
}

// Conflict records a hold refused because the seats were taken.
func (r *Recorder) Conflict() {
	r.mu.Lock()
	r.conflicts++
	r.mu.Unlock()
}

// Error records a failure by kind.
func (r *Recorder) Error(kind string) {
	r.mu.Lock()
	r.errors[kind]++
	r.mu.Unlock()
}

// Failed records a failed operation by the kind of its error, keeping the
// first error of each kind as an example for the report.
func (r *Recorder) Failed(op string, err error) {
	kind := errKind(op, err)
	r.mu.Lock()
	r.errors[kind]++
	if _, ok := r.examples[kind]; !ok {
		r.examples[kind] = err.Error()
	}
	r.mu.Unlock()
}

// Lag records how long a hold took to reach a watcher's socket.
func (r *Recorder) Lag(at time.Time, d time.Duration) {
	if d < 0 {
		d = 0
	}
	r.mu.Lock()
	r.lags = append(r.lags, sample{at.Sub(r.start), d})
	r.mu.Unlock()
}

// Left records a buyer who left without asking: the page showed no seats.
func (r *Recorder) Left() {
	r.mu.Lock()
	r.left++
	r.mu.Unlock()
}

// SoldOutAfter records when the last seat was taken, from the start of the run.
func (r *Recorder) SoldOutAfter(d time.Duration) {
	r.mu.Lock()
	r.soldOutAt = d
	r.mu.Unlock()
}

// SoldOut marks that best-available found nothing left.
func (r *Recorder) SoldOut() {
	r.mu.Lock()
	r.soldOut = true
	r.mu.Unlock()
}

// Percentiles of a latency distribution, in milliseconds.
type Percentiles struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// percentiles uses the nearest-rank method on a sorted copy.
func percentiles(durs []time.Duration) Percentiles {
	if len(durs) == 0 {
		return Percentiles{}
	}
	s := slices.Clone(durs)
	slices.Sort(s)
	rank := func(p float64) float64 {
		i := int(p*float64(len(s))+0.999999999) - 1
		i = max(0, min(i, len(s)-1))
		return ms(s[i])
	}
	return Percentiles{N: len(s), P50: rank(0.50), P95: rank(0.95), P99: rank(0.99), Max: ms(s[len(s)-1])}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func durations(ss []sample) []time.Duration {
	out := make([]time.Duration, len(ss))
	for i, s := range ss {
		out[i] = s.dur
	}
	return out
}

// Second is one second of the run, for the charts.
type Second struct {
	T         int     `json:"t"`
	Holds     int     `json:"holds"`
	SeatsHeld int     `json:"seats_held"`
	Orders    int     `json:"orders"`
	HoldP50Ms float64 `json:"hold_p50_ms"`
	HoldP99Ms float64 `json:"hold_p99_ms"`
	LagP99Ms  float64 `json:"lag_p99_ms,omitempty"`
}

// Result is what a run measured; its JSON is the machine-readable report.
type Result struct {
	Target        string  `json:"target"`
	Preset        string  `json:"preset"`
	Buyers        int     `json:"buyers"`
	Seats         int     `json:"seats"`
	Watchers      int     `json:"watchers"`
	DurationS     float64 `json:"duration_s"`
	HoldsPerS     float64 `json:"holds_per_s"`
	SeatsHeldPerS float64 `json:"seats_held_per_s"`
	OrdersPerS    float64 `json:"orders_per_s"`
	Holds         int     `json:"holds"`
	SeatsHeld     int     `json:"seats_held"`
	Orders        int     `json:"orders"`
	Conflicts     int     `json:"conflicts"`
	SoldOut       bool    `json:"sold_out"`
	// SellOutS is how long until every seat was held or sold, as the buyers'
	// pages knew it; 0 if it never came. SellOutSeatsPerS is the seats held
	// until then per second of it: the on-sale rate, without the tail of
	// buyers who came too late.
	SellOutS         float64 `json:"sell_out_s,omitempty"`
	SellOutSeatsPerS float64 `json:"sell_out_seats_held_per_s,omitempty"`
	Left             int     `json:"buyers_left_seeing_nothing"`
	// SocketsJoinedS is how long the watchers took to open and take their
	// snapshots before the on-sale began (not part of DurationS).
	SocketsJoinedS float64 `json:"sockets_joined_s,omitempty"`
	BuyersServed   int     `json:"buyers_served"`
	Unfinished     bool    `json:"unfinished"`
	// Payments counts how the buyers' payment steps ended (Options.Pay):
	// approved, declined, abandoned, late.
	Payments      map[string]int         `json:"payments,omitempty"`
	Errors        map[string]int         `json:"errors"`
	ErrorExamples map[string]string      `json:"error_examples,omitempty"`
	HoldLatencyMs Percentiles            `json:"hold_latency_ms"`
	LatencyMs     map[string]Percentiles `json:"latency_ms"`
	DeltaLagMs    Percentiles            `json:"delta_lag_ms"`
	Timeline      []Second               `json:"timeline"`
	Audit         Audit                  `json:"audit"`
	Settings      map[string]string      `json:"settings"`
}

// Result summarises the run up to now.
func (r *Recorder) Result(elapsed time.Duration) Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	secs := elapsed.Seconds()
	if secs <= 0 {
		secs = 1e-9
	}
	res := Result{
		DurationS:      secs,
		Holds:          len(r.latencies[OpHold+" ok"]),
		SeatsHeld:      len(r.seatsHeld),
		Orders:         len(r.orders),
		Conflicts:      r.conflicts,
		SoldOut:        r.soldOut || r.soldOutAt > 0,
		Left:           r.left,
		SocketsJoinedS: r.joined.Seconds(),
		BuyersServed:   r.served,
		Unfinished:     r.served < r.wanted,
		Errors:         map[string]int{},
		ErrorExamples:  map[string]string{},
		LatencyMs:      map[string]Percentiles{},
		DeltaLagMs:     percentiles(durations(r.lags)),
		HoldLatencyMs:  percentiles(durations(append(slices.Clone(r.latencies[OpHold+" ok"]), r.latencies[OpHold+" conflict"]...))),
	}
	for k, v := range r.errors {
		res.Errors[k] = v
	}
	for k, v := range r.examples {
		res.ErrorExamples[k] = v
	}
	if len(r.payments) > 0 {
		res.Payments = map[string]int{}
		for k, v := range r.payments {
			res.Payments[k] = v
		}
	}
	for op, ss := range r.latencies {
		res.LatencyMs[op] = percentiles(durations(ss))
	}
	res.HoldsPerS = float64(res.Holds) / secs
	res.SeatsHeldPerS = float64(res.SeatsHeld) / secs
	res.OrdersPerS = float64(res.Orders) / secs
	if r.soldOutAt > 0 {
		res.SellOutS = r.soldOutAt.Seconds()
		before := 0
		for _, s := range r.seatsHeld {
			if s.at <= r.soldOutAt {
				before++
			}
		}
		res.SellOutSeatsPerS = float64(before) / res.SellOutS
	}
	res.Timeline = r.timeline(elapsed)
	return res
}

func (r *Recorder) timeline(elapsed time.Duration) []Second {
	n := int(elapsed/time.Second) + 1
	out := make([]Second, n)
	holdLat := make([][]time.Duration, n)
	lags := make([][]time.Duration, n)
	idx := func(at time.Duration) int { return min(max(int(at/time.Second), 0), n-1) }
	for i := range out {
		out[i].T = i
	}
	for _, s := range r.latencies[OpHold+" ok"] {
		i := idx(s.at)
		out[i].Holds++
		holdLat[i] = append(holdLat[i], s.dur)
	}
	for _, s := range r.seatsHeld {
		out[idx(s.at)].SeatsHeld++
	}
	for _, s := range r.orders {
		out[idx(s.at)].Orders++
	}
	for _, s := range r.lags {
		lags[idx(s.at)] = append(lags[idx(s.at)], s.dur)
	}
	for i := range out {
		p := percentiles(holdLat[i])
		out[i].HoldP50Ms, out[i].HoldP99Ms = p.P50, p.P99
		out[i].LagP99Ms = percentiles(lags[i]).P99
	}
	return out
}

// sortedKeys returns a map's keys in order, for stable reports.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
