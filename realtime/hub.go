package realtime

import (
	"context"
	"errors"
	"hash/maphash"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/seatmap/seatmap/engine"
	"github.com/seatmap/seatmap/internal/startstop"
)

// ErrNotFound is what Shards returns (wrapped) for an unknown performance.
var ErrNotFound = errors.New("performance not found")

// Shards finds the live shard of a performance. It returns an error wrapping
// ErrNotFound (or one Options.IsNotFound recognises) when there is none.
type Shards interface {
	Shard(ctx context.Context, performanceID string) (*engine.Shard, error)
}

// Options configure a Hub. Zero values take the defaults.
type Options struct {
	Shards Shards
	Logger *slog.Logger
	// Interval is the coalescing window between delta frames of one performance.
	Interval time.Duration // default 50 ms
	// FrameRate bounds the frames per second one room writes to all its
	// clients together: a room of more than FrameRate×Interval clients
	// widens its window to clients/FrameRate. Every frame is one write per
	// socket, so ten thousand sockets at 20 frames a second would be 200,000
	// writes a second, more than two cores do besides selling seats; at the
	// default a 10,000-socket room sends a frame every 200 ms.
	FrameRate int // default 50,000
	// QueueSize is how many frames may wait for one client before it counts as slow.
	QueueSize int // default 64
	// WriteTimeout bounds every write and every ping's round trip.
	WriteTimeout time.Duration // default 10 s
	PingInterval time.Duration // default 20 s
	// MaxClients bounds the sockets of this node; one more is closed with
	// CloseTooMany.
	MaxClients int // default 100,000
	// OriginPatterns allows cross-origin pages (websocket.AcceptOptions); empty
	// accepts only pages of the same host.
	OriginPatterns []string
	// IsNotFound tells a missing performance from other lookup errors; default
	// errors.Is(err, ErrNotFound).
	IsNotFound func(error) bool
	// IsUnavailable tells an outage of a backing service, which is logged
	// where it is found (once, by its circuit breaker), from other lookup
	// errors, which are logged here; default: none is.
	IsUnavailable func(error) bool
	// OnSlowClient is called once for every client closed with CloseSlow, at
	// the moment it is found out (possibly with a room's lock held): it must
	// be quick and must not call the Hub. Meant for a metrics counter.
	OnSlowClient func()
}

// compressThreshold is the smallest frame sent compressed. coder/websocket
// compresses every frame once per socket, so a delta shared by ten thousand
// sockets would be deflated ten thousand times: at an on-sale's 10-20 KB per
// frame that is about a core-second per frame. Snapshots (a stadium's is 293
// KB, 14 KB deflated) go to one joiner at a time and are worth it.
const compressThreshold = 64 << 10

// hubShards splits the room registry so that joins and leaves of different
// performances do not contend on one lock.
const hubShards = 64

// Hub runs the rooms. It is safe for concurrent use.
//
// Lock order: Hub.mu (shared by ServeWS and Start, exclusive only in shutdown), then a
// hubShard.mu, then a room.mu. A client has no lock of its own.
type Hub struct {
	o       Options
	log     *slog.Logger
	ctx     context.Context // ends at Stop; rooms and clients derive theirs from it
	cancel  context.CancelFunc
	seed    maphash.Seed
	shards  [hubShards]hubShard
	clients atomic.Int64
	rooms   atomic.Int64
	slow    atomic.Int64

	mu      sync.RWMutex // guards stopped; held shared while ServeWS registers with wg
	stopped bool

	wg sync.WaitGroup // ServeWS calls that got past Stop's check, and room goroutines

	life startstop.Runner // ends the hub when Start's context ends
}

type hubShard struct {
	mu    sync.Mutex // guards rooms and every room's refs
	rooms map[string]*room
}

// NewHub returns a hub. Sockets are served from the start; Start only ties the
// hub's life to a context, and Stop ends it.
func NewHub(o Options) *Hub {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Interval <= 0 {
		o.Interval = 50 * time.Millisecond
	}
	if o.FrameRate <= 0 {
		o.FrameRate = 50_000
	}
	if o.QueueSize <= 0 {
		o.QueueSize = 64
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 10 * time.Second
	}
	if o.PingInterval <= 0 {
		o.PingInterval = 20 * time.Second
	}
	if o.MaxClients <= 0 {
		o.MaxClients = 100_000
	}
	if o.IsNotFound == nil {
		o.IsNotFound = func(err error) bool { return errors.Is(err, ErrNotFound) }
	}
	if o.IsUnavailable == nil {
		o.IsUnavailable = func(error) bool { return false }
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &Hub{o: o, log: o.Logger.With("component", "realtime"), ctx: ctx, cancel: cancel, seed: maphash.MakeSeed()}
	for i := range h.shards {
		h.shards[i].rooms = map[string]*room{}
	}
	return h
}

// Start ties the hub's life to ctx: it stops when ctx ends or Stop is
// called, whichever comes first. It returns at once; a hub already stopped
// cannot be started again.
func (h *Hub) Start(ctx context.Context) error {
	if h.isStopped() {
		return errors.New("realtime: hub stopped")
	}
	return h.life.Start(ctx, func(ctx context.Context) {
		<-ctx.Done()
		h.shutdown()
	})
}

// Stop closes every socket with CloseGoingAway and waits for every goroutine
// of the hub, including ServeWS calls in progress. A socket whose peer does not
// read may take up to WriteTimeout plus the close handshake's 10 s to let go.
// Later ServeWS calls answer with CloseGoingAway at once. Stop may be called
// before Start (the hub serves from NewHub on), twice, and concurrently.
func (h *Hub) Stop() {
	h.life.Stop()
	h.shutdown()
}

// shutdown refuses new sockets, ends the rooms and clients, and waits for
// them. Calling it again waits again, for nothing.
func (h *Hub) shutdown() {
	h.mu.Lock()
	h.stopped = true
	h.mu.Unlock()
	h.cancel()
	h.wg.Wait()
}

func (h *Hub) isStopped() bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.stopped
}

// Clients is the number of connected sockets.
func (h *Hub) Clients() int { return int(h.clients.Load()) }

// Rooms is the number of performances with at least one socket.
func (h *Hub) Rooms() int { return int(h.rooms.Load()) }

// SlowClosed is the number of clients closed with CloseSlow so far.
func (h *Hub) SlowClosed() int64 { return h.slow.Load() }

// enter registers a ServeWS call with wg unless the hub has stopped.
func (h *Hub) enter() bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if h.stopped {
		return false
	}
	h.wg.Add(1)
	return true
}

// ServeWS upgrades the request and streams the performance's seat states until
// the client leaves or the hub stops. It blocks for the socket's whole life. w
// must be (or Unwrap to) the server's own http.ResponseWriter, which can hijack
// the connection.
func (h *Hub) ServeWS(w http.ResponseWriter, r *http.Request, performanceID string) {
	if !h.enter() {
		h.Refuse(w, r, CloseGoingAway)
		return
	}
	defer h.wg.Done()
	if h.clients.Add(1) > int64(h.o.MaxClients) {
		h.clients.Add(-1)
		h.Refuse(w, r, CloseTooMany)
		return
	}
	defer h.clients.Add(-1)

	// Look the shard up before the upgrade: the request's context is not to
	// be used once the connection is hijacked.
	shard, err := h.o.Shards.Shard(r.Context(), performanceID)
	if err != nil {
		code := CloseUnavailable
		switch {
		case h.o.IsNotFound(err):
			code = CloseNotFound
		case h.o.IsUnavailable(err):
			// Every reconnecting page would log the outage again.
			h.log.Debug("live seat map: load performance", "performance", performanceID, "err", err)
		default:
			h.log.Warn("live seat map: load performance", "performance", performanceID, "err", err)
		}
		h.Refuse(w, r, code)
		return
	}
	conn := h.accept(w, r)
	if conn == nil {
		return
	}
	rm := h.join(performanceID, shard)
	defer h.leave(rm)
	c := newClient(h, rm, conn)
	c.gzip = r.URL.Query().Get("snapshot") == "gzip"
	rm.add(c)
	c.run()
	rm.remove(c)
}

func (h *Hub) accept(w http.ResponseWriter, r *http.Request) *websocket.Conn {
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		OriginPatterns: h.o.OriginPatterns,
		// No context takeover: every socket would otherwise keep its own
		// deflate writer (about 1.2 MB) for life. Only frames of compressThreshold
		// or more are compressed: snapshots, not deltas. See doc.go.
		CompressionMode:      websocket.CompressionNoContextTakeover,
		CompressionThreshold: compressThreshold,
	})
	if err != nil {
		// Accept has answered the request (400, 403, 426...).
		h.log.Debug("live seat map: upgrade refused", "err", err)
		return nil
	}
	// The library's limit is a backstop above ours (client.read enforces
	// maxClientFrame with ClosePolicy); it would close with 1009.
	conn.SetReadLimit(2 * maxClientFrame)
	return conn
}

// Refuse upgrades only to close at once with code, saying why the socket
// cannot be served: browsers cannot read the status of a failed upgrade (they
// see 1006 and reconnect), but they can read a close code. A caller whose own
// checks fail before ServeWS (the performance is not visible to this user)
// should answer with Refuse(w, r, CloseNotFound) rather than an HTTP 404.
// It blocks for the close handshake, at most about 10 s.
func (h *Hub) Refuse(w http.ResponseWriter, r *http.Request, code CloseCode) {
	if conn := h.accept(w, r); conn != nil {
		closeWith(conn, code)
	}
}

// RefuseNotFound closes a socket for a performance that does not exist.
func (h *Hub) RefuseNotFound(w http.ResponseWriter, r *http.Request) { h.Refuse(w, r, CloseNotFound) }

func closeWith(conn *websocket.Conn, code CloseCode) {
	_ = conn.Close(code.Code, code.Name)
}

func (h *Hub) shardOf(id string) *hubShard {
	return &h.shards[maphash.String(h.seed, id)%hubShards]
}

// join returns the performance's room, creating it on first use.
func (h *Hub) join(id string, shard *engine.Shard) *room {
	hs := h.shardOf(id)
	hs.mu.Lock()
	defer hs.mu.Unlock()
	rm := hs.rooms[id]
	if rm == nil || rm.shard != shard {
		// A performance whose shard was rebuilt gets a new room; the old one
		// lives on for its own clients until they leave.
		rm = newRoom(h, id, shard)
		hs.rooms[id] = rm
		h.rooms.Add(1)
		h.wg.Add(1) // the caller is counted in wg, so wg is above zero here
		go rm.run()
	}
	rm.refs++
	return rm
}

// leave drops a reference; the last one out stops the room and its engine
// subscription.
func (h *Hub) leave(rm *room) {
	hs := h.shardOf(rm.id)
	hs.mu.Lock()
	defer hs.mu.Unlock()
	rm.refs--
	if rm.refs > 0 {
		return
	}
	if hs.rooms[rm.id] == rm {
		delete(hs.rooms, rm.id)
	}
	h.rooms.Add(-1)
	rm.cancel()
}

// room fans one performance's changes out to its clients. It keeps its own
// picture of every seat at the version its clients have, so that joiners get
// a snapshot without touching the shard, and a surge of joiners shares one
// encoding per room version (at most one per Interval).
type room struct {
	hub    *Hub
	id     string
	shard  *engine.Shard
	sig    <-chan struct{}
	unsub  func()
	ctx    context.Context
	cancel context.CancelFunc
	refs   int // guarded by the hubShard's mu

	size atomic.Int64 // len(clients), read without the lock to pace frames

	mu      sync.Mutex // guards the fields below
	clients map[*client]struct{}
	loaded  bool
	picture engine.Snapshot // every seat at version; what every client has
	version uint64          // the version of picture, and of the last frame sent
	snap    []byte          // picture encoded, nil when stale
	snapGz  []byte          // snap gzipped, nil when stale or not yet asked for
	buf     []engine.Change
	d       delta
}

func newRoom(h *Hub, id string, shard *engine.Shard) *room {
	// Subscribe before the first read of the shard (in load): a change after
	// that read is then sure to signal.
	sig, unsub := shard.Subscribe()
	ctx, cancel := context.WithCancel(h.ctx)
	return &room{hub: h, id: id, shard: shard, sig: sig, unsub: unsub, ctx: ctx, cancel: cancel,
		clients: map[*client]struct{}{}}
}

// loadLocked reads the whole shard: once when the first client comes (not under
// the hub shard's lock) and again when the change log no longer reaches back
// to the room's version.
func (rm *room) loadLocked() {
	rm.shard.Snapshot(&rm.picture)
	rm.version = rm.picture.Version
	rm.snap, rm.snapGz = nil, nil
	rm.loaded = true
}

// snapshotLocked returns the picture encoded, gzipped for a client that asked
// for that, encoding and compressing it at most once per version: a surge of
// joiners costs one compression, not one per socket.
func (rm *room) snapshotLocked(gz bool) []byte {
	if !rm.loaded {
		rm.loadLocked()
	}
	if rm.snap == nil {
		rm.snap = encodeSnapshot(&rm.picture)
	}
	if !gz {
		return rm.snap
	}
	if rm.snapGz == nil {
		rm.snapGz = gzipFrame(rm.snap)
	}
	return rm.snapGz
}

// add registers c and queues its snapshot in one step under rm.mu, so c gets
// exactly the deltas after the snapshot's version: every frame step sends
// starts at rm.version, which is the snapshot's version.
func (rm *room) add(c *client) {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	rm.clients[c] = struct{}{}
	rm.size.Store(int64(len(rm.clients)))
	c.send(rm.snapshotLocked(c.gzip))
}

func (rm *room) remove(c *client) {
	rm.mu.Lock()
	delete(rm.clients, c)
	rm.size.Store(int64(len(rm.clients)))
	rm.mu.Unlock()
}

// resync queues a client a fresh snapshot; deltas after it chain from it.
func (rm *room) resync(c *client) {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	c.send(rm.snapshotLocked(c.gzip))
}

func (rm *room) run() {
	defer rm.hub.wg.Done()
	defer rm.unsub()
	window := time.NewTimer(rm.hub.o.Interval)
	defer window.Stop()
	for {
		select {
		case <-rm.ctx.Done():
			return
		case <-rm.sig:
		}
		rm.step()
		// Coalesce: whatever changes during the window goes out in the next
		// frame. The first change after a quiet spell goes out at once.
		window.Reset(rm.window())
		select {
		case <-rm.ctx.Done():
			return
		case <-window.C:
		}
	}
}

// window is the coalescing window: Interval, or wider for a room so large
// that frames every Interval would exceed FrameRate writes a second.
func (rm *room) window() time.Duration {
	o := &rm.hub.o
	return max(o.Interval, time.Duration(rm.size.Load())*time.Second/time.Duration(o.FrameRate))
}

// step sends every client the changes since the room's version as one frame,
// encoded once. Sends never block: a client whose queue is full is closed.
func (rm *room) step() {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	if !rm.loaded {
		return // no client yet; the first one loads the picture
	}
	changes, to, err := rm.shard.Since(rm.version, rm.buf[:0])
	rm.buf = changes[:0]
	if errors.Is(err, engine.ErrGap) {
		rm.loadLocked()
		for c := range rm.clients {
			c.send(rm.snapshotLocked(c.gzip))
		}
		return
	}
	if to == rm.version {
		return
	}
	rm.d.split(changes)
	// A delta goes out even when only meta changes happened: it carries the
	// version forward so the next frame chains.
	frame := encodeDelta(rm.version, to, &rm.d)
	rm.apply(&rm.d, to)
	for c := range rm.clients {
		c.send(frame)
		if rm.d.meta {
			c.send(refreshFrame)
		}
	}
}

// apply moves the picture to version to: the changes Since returned are every
// change up to to, so the picture then equals the shard at to.
func (rm *room) apply(d *delta, to uint64) {
	p := &rm.picture
	for _, c := range d.states {
		p.States[c.Seat] = c.State
	}
	for _, c := range d.zones {
		p.Zones[c.Seat] = c.Value
	}
	for _, c := range d.channels {
		p.Channels[c.Seat] = engine.Channel(c.Value)
	}
	p.Version = to
	rm.version = to
	rm.snap, rm.snapGz = nil, nil
}
