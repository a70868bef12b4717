package livebus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seatmap/seatmap/engine"
	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/internal/startstop"
)

// Options configure Mirrors. Zero durations take the defaults.
type Options struct {
	Redis  redis.UniversalClient
	Prefix string // the key prefix, as the Publisher's
	// Hall finds a performance's hall, to build its mirror.
	Hall func(ctx context.Context, perf string) (*hall.Hall, error)
	// Fetch asks the owner for a snapshot (FetchHTTP does, given the owner's
	// address). An error wrapping ErrNotOwner or any other is retried with a
	// backoff; a snapshot whose token is older than a frame already seen
	// (an owner that has lost its lease) is asked again.
	Fetch  func(ctx context.Context, perf string) (Snapshot, error)
	Logger *slog.Logger
	Now    func() time.Time // default time.Now
	// Check is how long a mirror with subscribers may hear nothing (no frame,
	// not even the owner's beat, sent every PublisherOptions.Beat while
	// quiet) before it asks the owner for a snapshot to compare: a line to
	// Redis down, or an owner gone without a successor yet.
	Check time.Duration // default 2 s
	// Idle is how long a mirror lives without subscribers (hub rooms).
	Idle time.Duration // default 1 min
	// FetchTimeout bounds one Fetch.
	FetchTimeout time.Duration // default 5 s
}

// maxBuffered bounds the frames a mirror keeps while it fetches a snapshot;
// past it they are dropped and the snapshot is fetched again once this one
// is in.
const maxBuffered = 1024

// Mirrors keeps a mirror shard of every performance a hub asks for, fed by
// the owner's frames over one Redis subscription connection. It satisfies
// realtime.Shards. It is safe for concurrent use.
//
// Lock order: Mirrors.subMu (the subscription commands) → Mirrors.mu (the
// registry) → mirror.mu → the engine shard's own lock. The receive loop takes
// Mirrors.mu only to look a mirror up, and never holds it with a mirror's.
type Mirrors struct {
	o    Options
	log  *slog.Logger
	life startstop.Runner

	fetches, frames, gaps, lost atomic.Int64

	subMu sync.Mutex      // serialises SUBSCRIBE and UNSUBSCRIBE against the registry
	ps    *redis.PubSub   // nil until Start
	ctx   context.Context // the loops' context; fetches derive theirs from it
	wg    sync.WaitGroup  // fetches in flight

	mu      sync.Mutex // guards mirrors and started
	mirrors map[string]*mirror
	started bool
}

// mirror is one performance's picture. Its shard is set once, when the first
// snapshot is in; until then ready is open and frames wait in buf. ready is
// closed under mu, once: by the load with the shard, or by fail with err.
type mirror struct {
	perf, channel string
	ready         chan struct{} // closed once shard is set or err is
	subscribed    chan struct{} // closed when Redis confirms the subscription
	subOnce       sync.Once

	mu        sync.Mutex // guards everything below
	shard     *engine.Shard
	err       error // the first load's failure; the mirror is then dropped
	h         *hall.Hall
	token, at uint64 // the owner's token and version the picture is at
	maxToken  uint64 // the newest token seen in a frame or snapshot
	fetching  bool   // a fetch is in flight: frames go to buf
	// A reset frame says the owner's versions may start over (a shard
	// rebuilt under the same token): the next snapshot of that token at
	// resetTo or later is taken even when it is below at.
	resetPending        bool
	resetToken, resetTo uint64
	again               bool // frames were dropped while fetching: fetch again
	buf                 []frame
	heard               time.Time // last frame, or snapshot taken
	asked               time.Time // last Shard call, or last time it had subscribers
}

// Stats are counters since New.
type Stats struct {
	Mirrors int   // mirrors kept
	Frames  int64 // frames applied
	Fetches int64 // snapshots fetched
	Gaps    int64 // frames that did not follow (lost, reset, new owner): a fetch each
	Lost    int64 // frames dropped while a fetch was under way beyond maxBuffered
}

// New returns Mirrors; Start runs them.
func New(o Options) *Mirrors {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Check <= 0 {
		o.Check = 2 * time.Second
	}
	if o.Idle <= 0 {
		o.Idle = time.Minute
	}
	if o.FetchTimeout <= 0 {
		o.FetchTimeout = 5 * time.Second
	}
	return &Mirrors{o: o, log: o.Logger.With("component", "livebus"), mirrors: map[string]*mirror{}}
}

// Start opens the subscription connection and runs the receive loop and the
// sweep (quiet checks, idle mirrors) until ctx ends or Stop. Shard works from
// when Start returns.
func (m *Mirrors) Start(ctx context.Context) error {
	if m.o.Redis == nil || m.o.Hall == nil || m.o.Fetch == nil {
		return errors.New("livebus: Mirrors need Redis, Hall and Fetch")
	}
	m.subMu.Lock()
	defer m.subMu.Unlock()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.started {
		return startstop.ErrStarted
	}
	ctx, cancel := context.WithCancel(ctx)
	ps := m.o.Redis.Subscribe(ctx) // no channel yet: mirrors add theirs
	msgs := ps.ChannelWithSubscriptions(redis.WithChannelSize(4096))
	if err := m.life.Start(ctx, func(ctx context.Context) { m.run(ctx, cancel, ps, msgs) }); err != nil {
		cancel()
		_ = ps.Close()
		return err
	}
	m.ps, m.ctx, m.started = ps, ctx, true
	return nil
}

// Stop ends the loops, waits for fetches in flight, and forgets every mirror.
func (m *Mirrors) Stop() { m.life.Stop() }

func (m *Mirrors) run(ctx context.Context, cancel context.CancelFunc, ps *redis.PubSub, msgs <-chan any) {
	defer func() {
		cancel() // fetches and their backoffs run on the context from Start
		m.mu.Lock()
		m.started = false
		for _, mr := range m.mirrors {
			mr.fail(errors.New("livebus: stopped"))
		}
		m.mirrors = map[string]*mirror{}
		m.mu.Unlock()
		m.subMu.Lock()
		_ = ps.Close()
		m.ps = nil
		m.subMu.Unlock()
		m.wg.Wait()
	}()

	sweep := time.NewTicker(max(m.o.Check/4, 10*time.Millisecond))
	defer sweep.Stop()
	var f frame
	for {
		select {
		case <-ctx.Done():
			return
		case <-sweep.C:
			m.sweep()
		case msg, ok := <-msgs:
			if !ok {
				return
			}
			switch msg := msg.(type) {
			case *redis.Subscription:
				if msg.Kind == "subscribe" {
					if mr := m.byChannel(msg.Channel); mr != nil {
						mr.subOnce.Do(func() { close(mr.subscribed) })
					}
				}
			case *redis.Message:
				mr := m.byChannel(msg.Channel)
				if mr == nil {
					continue
				}
				if err := parseFrame([]byte(msg.Payload), &f); err != nil || f.perf != mr.perf {
					m.log.Warn("live seat map: bad frame", "channel", msg.Channel, "err", err)
					continue
				}
				m.onFrame(mr, &f)
			}
		}
	}
}

func (m *Mirrors) byChannel(channel string) *mirror {
	m.mu.Lock()
	defer m.mu.Unlock()
	// Channels are prefix + "live:{" + perf + "}".
	p := len(m.o.Prefix) + len("live:{")
	if len(channel) < p+1 {
		return nil
	}
	mr := m.mirrors[channel[p:len(channel)-1]]
	if mr == nil || mr.channel != channel {
		return nil
	}
	return mr
}

// Stats returns the counters.
func (m *Mirrors) Stats() Stats {
	m.mu.Lock()
	n := len(m.mirrors)
	m.mu.Unlock()
	return Stats{Mirrors: n, Frames: m.frames.Load(), Fetches: m.fetches.Load(), Gaps: m.gaps.Load(), Lost: m.lost.Load()}
}

// Shard returns the performance's mirror shard, making it on first ask:
// subscribe, fetch a snapshot, apply the frames that follow it. The shard
// stays the same for the mirror's life (a new owner or a lost frame resets
// its seats, not the shard), so hub rooms keep it; a mirror without
// subscribers for Idle is dropped, and the next ask makes a new one.
func (m *Mirrors) Shard(ctx context.Context, perf string) (*engine.Shard, error) {
	if perf == "" || len(perf) > maxPerf {
		return nil, fmt.Errorf("livebus: performance id %q: %w", perf, ErrNotFound)
	}
	now := m.o.Now()
	m.mu.Lock()
	if !m.started {
		m.mu.Unlock()
		return nil, errors.New("livebus: mirrors not started")
	}
	mr := m.mirrors[perf]
	made := mr == nil
	if made {
		mr = &mirror{perf: perf, channel: Channel(m.o.Prefix, perf), ready: make(chan struct{}), subscribed: make(chan struct{}), asked: now}
		m.mirrors[perf] = mr
		m.wg.Add(1)
	}
	m.mu.Unlock()
	if made {
		go m.load(mr)
	} else {
		mr.mu.Lock()
		mr.asked = now
		stale := mr.shard != nil && !mr.fetching && now.Sub(mr.heard) >= m.o.Check
		if stale {
			mr.fetching = true
		}
		mr.mu.Unlock()
		if stale {
			// Quiet while nobody watched: a frame may have been lost.
			m.fetch(mr)
		}
	}
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-mr.ready:
	}
	mr.mu.Lock()
	defer mr.mu.Unlock()
	if mr.err != nil {
		return nil, mr.err
	}
	return mr.shard, nil
}

// load makes a new mirror: subscribe first, then fetch, so that no frame
// after the snapshot is missed.
func (m *Mirrors) load(mr *mirror) {
	defer m.wg.Done()
	ctx, cancel := context.WithTimeout(m.ctx, m.o.FetchTimeout)
	defer cancel()
	// The hall first: an unknown performance costs Redis nothing.
	h, err := m.o.Hall(ctx, mr.perf)
	if err == nil {
		err = m.subscribe(ctx, mr)
	}
	if err == nil {
		// Redis confirms on the receive loop; a fetch before the confirmation
		// could miss a frame between them (found later as a gap, but why).
		select {
		case <-mr.subscribed:
		case <-ctx.Done():
			err = fmt.Errorf("livebus: subscribe to %s: %w", mr.channel, ctx.Err())
		}
	}
	var snap Snapshot
	if err == nil {
		m.fetches.Add(1)
		snap, err = m.o.Fetch(ctx, mr.perf)
	}
	if err == nil && len(snap.States) != h.N() {
		err = fmt.Errorf("livebus: snapshot of %s has %d seats, its hall %d", mr.perf, len(snap.States), h.N())
	}
	var shard *engine.Shard
	if err == nil {
		shard = engine.NewMirror(engine.Config{Hall: h})
		_, err = shard.ResetStates(snap.States, snap.Zones, snap.Channels)
	}
	if err != nil {
		m.drop(mr)
		mr.fail(err)
		return
	}
	mr.mu.Lock()
	if mr.err != nil {
		mr.mu.Unlock() // stopped meanwhile: waiters have their answer
		return
	}
	mr.h, mr.shard = h, shard
	mr.token, mr.at, mr.maxToken = snap.Token, snap.Version, max(mr.maxToken, snap.Token)
	mr.heard = m.o.Now()
	refetch := m.replayLocked(mr)
	close(mr.ready)
	mr.mu.Unlock()
	if refetch {
		m.fetch(mr)
	}
}

func (mr *mirror) fail(err error) {
	mr.mu.Lock()
	defer mr.mu.Unlock()
	if mr.shard == nil && mr.err == nil {
		mr.err = err
		close(mr.ready)
	}
}

func (m *Mirrors) subscribe(ctx context.Context, mr *mirror) error {
	m.subMu.Lock()
	defer m.subMu.Unlock()
	if m.ps == nil {
		return errors.New("livebus: mirrors stopped")
	}
	if err := m.ps.Subscribe(ctx, mr.channel); err != nil {
		return fmt.Errorf("livebus: subscribe to %s: %w", mr.channel, err)
	}
	return nil
}

// drop forgets mr and unsubscribes from its channel unless a new mirror of
// the same performance has been made since.
func (m *Mirrors) drop(mr *mirror) {
	m.subMu.Lock()
	defer m.subMu.Unlock()
	m.mu.Lock()
	if m.mirrors[mr.perf] == mr {
		delete(m.mirrors, mr.perf)
	}
	again := m.mirrors[mr.perf] != nil
	m.mu.Unlock()
	if again || m.ps == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := m.ps.Unsubscribe(ctx, mr.channel); err != nil {
		// The connection is gone; it resubscribes only to what is left.
		m.log.Debug("live seat map: unsubscribe", "channel", mr.channel, "err", err)
	}
}

// onFrame applies a frame that continues the picture, buffers it while a
// snapshot is on its way, and fetches one when the frame does not follow.
func (m *Mirrors) onFrame(mr *mirror, f *frame) {
	mr.mu.Lock()
	if f.token < mr.maxToken {
		mr.mu.Unlock() // an owner that has lost its lease
		return
	}
	mr.maxToken = f.token
	mr.heard = m.o.Now()
	if mr.shard == nil || mr.fetching {
		if len(mr.buf) < maxBuffered {
			mr.buf = append(mr.buf, f.clone())
		} else {
			mr.again = true
			m.lost.Add(1)
		}
		mr.mu.Unlock()
		return
	}
	gap := m.applyLocked(mr, f)
	if gap {
		mr.fetching = true
	}
	mr.mu.Unlock()
	if gap {
		m.fetch(mr)
	}
}

// applyLocked applies f if it continues the picture and reports whether it
// does not (a snapshot is needed). Frames are absolute (a seat's new state),
// so a frame that overlaps the picture (from below at, to above it: the
// snapshot was taken inside the frame's span) applies whole. A beat is a
// frame of no changes from the owner's version to itself: a gap when that is
// past the picture.
func (m *Mirrors) applyLocked(mr *mirror, f *frame) (gap bool) {
	switch {
	case f.token < mr.token:
		return false
	case f.reset:
		mr.resetPending, mr.resetToken, mr.resetTo = true, f.token, f.to
		m.gaps.Add(1)
		return true
	case f.token != mr.token || f.from > mr.at:
		m.gaps.Add(1)
		return true
	case f.to <= mr.at:
		return false // already in the picture; a beat that finds it up to date
	}
	if _, err := mr.shard.ApplyChanges(f.changes); err != nil {
		m.log.Warn("live seat map: frame does not fit the hall", "performance", mr.perf, "err", err)
		return true
	}
	mr.at = f.to
	m.frames.Add(1)
	return false
}

// replayLocked applies the frames buffered during a fetch, and reports
// whether a snapshot is needed again.
func (m *Mirrors) replayLocked(mr *mirror) (refetch bool) {
	refetch = mr.again
	mr.again = false
	for i := range mr.buf {
		if !refetch {
			refetch = m.applyLocked(mr, &mr.buf[i])
		}
		mr.buf[i] = frame{}
	}
	mr.buf = mr.buf[:0]
	mr.fetching = refetch
	return refetch
}

func (f *frame) clone() frame {
	c := *f
	c.changes = append([]engine.Change(nil), f.changes...)
	return c
}

// fetch gets a snapshot in the background and applies it; the caller has set
// mr.fetching. Failures are retried with a backoff while the mirror lives.
func (m *Mirrors) fetch(mr *mirror) {
	m.mu.Lock()
	ok := m.started && m.mirrors[mr.perf] == mr
	if ok {
		m.wg.Add(1)
	}
	m.mu.Unlock()
	if !ok {
		return
	}
	go func() {
		defer m.wg.Done()
		backoff := 50 * time.Millisecond
		for {
			again, err := m.fetchOnce(mr)
			if err == nil && !again {
				return
			}
			m.mu.Lock()
			live := m.started && m.mirrors[mr.perf] == mr
			m.mu.Unlock()
			if !live {
				return
			}
			if err == nil {
				continue // frames buffered meanwhile did not follow the snapshot
			}
			m.log.Warn("live seat map: fetch snapshot", "performance", mr.perf, "err", err)
			if !sleep(m.ctx, backoff) {
				return
			}
			backoff = min(2*backoff, 2*time.Second)
		}
	}()
}

// errStale: the snapshot came from an owner older than a frame already seen.
var errStale = errors.New("snapshot from an earlier owner")

// fetchOnce fetches a snapshot, applies it and the frames buffered meanwhile,
// and reports whether another snapshot is needed (those frames did not
// follow it). mr.fetching stays set while one is.
func (m *Mirrors) fetchOnce(mr *mirror) (again bool, err error) {
	ctx, cancel := context.WithTimeout(m.ctx, m.o.FetchTimeout)
	defer cancel()
	m.fetches.Add(1)
	snap, err := m.o.Fetch(ctx, mr.perf)
	if err != nil {
		return false, err
	}
	mr.mu.Lock()
	defer mr.mu.Unlock()
	if snap.Token < mr.maxToken {
		return false, fmt.Errorf("%w (token %d, seen %d)", errStale, snap.Token, mr.maxToken)
	}
	if err := m.applySnapshotLocked(mr, &snap); err != nil {
		return false, err
	}
	mr.maxToken = snap.Token
	mr.heard = m.o.Now()
	return m.replayLocked(mr), nil
}

// applySnapshotLocked brings the mirror to snap. When only a few seats
// differ (the usual case: a frame or two lost, or a check that finds nothing
// new), the difference is applied as ordinary changes, so hub rooms send a
// delta; otherwise the seats are reset and rooms send everyone a snapshot.
func (m *Mirrors) applySnapshotLocked(mr *mirror, snap *Snapshot) error {
	if len(snap.States) != mr.h.N() {
		return fmt.Errorf("livebus: snapshot of %s has %d seats, its hall %d", mr.perf, len(snap.States), mr.h.N())
	}
	restart := mr.resetPending && snap.Token == mr.resetToken && snap.Version >= mr.resetTo
	if snap.Token == mr.token && snap.Version < mr.at && !restart {
		// Frames already applied are newer than this snapshot (it was taken
		// before them): nothing to learn.
		return nil
	}
	if restart || snap.Token > mr.resetToken {
		mr.resetPending = false
	}
	var cur engine.Snapshot
	mr.shard.Snapshot(&cur)
	diff := make([]engine.Change, 0, 64)
	limit := len(snap.States) / 8
	for i := range snap.States {
		seat := uint32(i)
		if snap.States[i] != cur.States[i] {
			diff = append(diff, engine.Change{Seat: seat, Kind: engine.StateChange, State: snap.States[i]})
		}
		if snap.Zones[i] != cur.Zones[i] {
			diff = append(diff, engine.Change{Seat: seat, Kind: engine.ZoneChange, Value: snap.Zones[i]})
		}
		if snap.Channels[i] != cur.Channels[i] {
			diff = append(diff, engine.Change{Seat: seat, Kind: engine.ChannelChange, Value: uint16(snap.Channels[i])})
		}
		if len(diff) > limit {
			break
		}
	}
	var err error
	if len(diff) > limit {
		_, err = mr.shard.ResetStates(snap.States, snap.Zones, snap.Channels)
	} else {
		_, err = mr.shard.ApplyChanges(diff)
	}
	if err != nil {
		return fmt.Errorf("livebus: apply snapshot of %s: %w", mr.perf, err)
	}
	mr.token, mr.at = snap.Token, snap.Version
	return nil
}

// sweep drops mirrors nobody watched for Idle and checks quiet ones.
func (m *Mirrors) sweep() {
	now := m.o.Now()
	m.mu.Lock()
	all := make([]*mirror, 0, len(m.mirrors))
	for _, mr := range m.mirrors {
		all = append(all, mr)
	}
	m.mu.Unlock()
	for _, mr := range all {
		mr.mu.Lock()
		if mr.shard == nil {
			mr.mu.Unlock()
			continue
		}
		watched := mr.shard.Subscribers() > 0
		if watched {
			mr.asked = now
		}
		idle := !watched && now.Sub(mr.asked) >= m.o.Idle
		check := watched && !mr.fetching && now.Sub(mr.heard) >= m.o.Check
		if check {
			mr.fetching = true
			mr.heard = now // one check per Check while quiet, whatever it finds
		}
		mr.mu.Unlock()
		switch {
		case idle:
			m.drop(mr)
		case check:
			m.fetch(mr)
		}
	}
}
