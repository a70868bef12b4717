package realtime

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/seatmap/seatmap/engine"
)

// ErrNotFound is what Shards returns (wrapped) for an unknown performance.
var ErrNotFound = errors.New("performance not found")

// Shards finds the live shard of a performance.
type Shards interface {
	Shard(ctx context.Context, performanceID string) (*engine.Shard, error)
}

// Options configure a Hub. Zero values take the defaults.
type Options struct {
	Shards Shards
	Logger *slog.Logger
	// Interval is the coalescing window between delta frames of one performance.
	Interval time.Duration // default 50 ms
	// QueueSize is how many frames may wait for one client before it counts as slow.
	QueueSize    int           // default 64
	WriteTimeout time.Duration // default 10 s
	PingInterval time.Duration // default 20 s
	MaxClients   int           // per node; default 100,000
	// OriginPatterns allows cross-origin pages (see websocket.AcceptOptions).
	OriginPatterns []string
	// IsNotFound tells a missing performance from other lookup errors; default
	// errors.Is(err, ErrNotFound).
	IsNotFound func(error) bool
	// OnSlowClient is called when a client is closed for falling behind.
	OnSlowClient func()
}

// Hub runs the rooms. It is safe for concurrent use.
type Hub struct {
	o       Options
	log     *slog.Logger
	clients atomic.Int64
	slow    atomic.Int64

	mu     sync.Mutex // guards rooms and stopped
	rooms  map[string]*room
	stop   context.CancelFunc
	ctx    context.Context
	closed bool

	wg sync.WaitGroup // rooms and clients
}

// NewHub returns a hub; call Start before serving.
func NewHub(o Options) *Hub {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Interval <= 0 {
		o.Interval = 50 * time.Millisecond
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
	ctx, cancel := context.WithCancel(context.Background())
	return &Hub{o: o, log: o.Logger, rooms: map[string]*room{}, ctx: ctx, stop: cancel}
}

// Start begins serving; background work ends when ctx ends or Stop is called.
func (h *Hub) Start(ctx context.Context) error {
	context.AfterFunc(ctx, h.Stop)
	return nil
}

// Stop closes every socket with "going away" and waits for all goroutines.
func (h *Hub) Stop() {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	h.stop()
	h.wg.Wait()
}

// Clients is the number of connected sockets.
func (h *Hub) Clients() int { return int(h.clients.Load()) }

// SlowClosed is the number of clients closed for falling behind.
func (h *Hub) SlowClosed() int { return int(h.slow.Load()) }

// ServeWS upgrades the request and streams the performance's seat states until
// the client leaves or the hub stops.
func (h *Hub) ServeWS(w http.ResponseWriter, r *http.Request, performanceID string) {
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		OriginPatterns:  h.o.OriginPatterns,
		CompressionMode: websocket.CompressionNoContextTakeover,
	})
	if err != nil {
		return // Accept has answered the request
	}
	conn.SetReadLimit(maxClientFrame)
	if n := h.clients.Add(1); n > int64(h.o.MaxClients) {
		h.clients.Add(-1)
		closeWith(conn, CloseTooMany)
		return
	}
	defer h.clients.Add(-1)

	shard, err := h.o.Shards.Shard(r.Context(), performanceID)
	if err != nil {
		code := CloseUnavailable
		if h.o.IsNotFound(err) {
			code = CloseNotFound
		}
		closeWith(conn, code)
		return
	}
	rm, ok := h.join(performanceID, shard)
	if !ok {
		closeWith(conn, CloseGoingAway)
		return
	}
	defer h.leave(rm)

	c := newClient(h, rm, conn)
	rm.add(c)
	c.run()
	rm.remove(c)
}

func closeWith(conn *websocket.Conn, code CloseCode) {
	_ = conn.Close(code.Code, code.Name)
}

// join returns the performance's room, creating it on first use.
func (h *Hub) join(id string, shard *engine.Shard) (*room, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, false
	}
	rm := h.rooms[id]
	if rm == nil || rm.shard != shard {
		rm = newRoom(h, id, shard)
		h.rooms[id] = rm
		h.wg.Add(1)
		go rm.run()
	}
	rm.refs++
	h.wg.Add(1) // the client; done in leave
	return rm, true
}

// leave drops a reference; the last one out stops the room.
func (h *Hub) leave(rm *room) {
	h.mu.Lock()
	defer h.mu.Unlock()
	rm.refs--
	if rm.refs == 0 {
		if h.rooms[rm.id] == rm {
			delete(h.rooms, rm.id)
		}
		rm.cancel()
	}
	h.wg.Done()
}

// room fans one performance's changes out to its clients.
type room struct {
	hub    *Hub
	id     string
	shard  *engine.Shard
	sig    <-chan struct{}
	unsub  func()
	ctx    context.Context
	cancel context.CancelFunc
	refs   int // guarded by hub.mu

	mu      sync.Mutex // guards the fields below; taken after hub.mu, never before
	clients map[*client]struct{}
	version uint64 // the version the room's last frame led to
	snap    []byte // encoded snapshot at snapVer, shared by joiners
	snapVer uint64
	seen    map[uint64]int
	buf     []engine.Change
	picture engine.Snapshot
}

func newRoom(h *Hub, id string, shard *engine.Shard) *room {
	sig, unsub := shard.Subscribe()
	ctx, cancel := context.WithCancel(h.ctx)
	rm := &room{hub: h, id: id, shard: shard, sig: sig, unsub: unsub, ctx: ctx, cancel: cancel,
		clients: map[*client]struct{}{}, seen: map[uint64]int{}}
	rm.version = shard.Version()
	return rm
}

// snapshotLocked returns the encoded current snapshot and its version, reusing
// the last one when nothing changed: a surge of joiners shares one encoding.
func (rm *room) snapshotLocked() ([]byte, uint64) {
	if rm.snap != nil && rm.shard.Version() == rm.snapVer {
		return rm.snap, rm.snapVer
	}
	rm.shard.Snapshot(&rm.picture)
	rm.snap, rm.snapVer = encodeSnapshot(&rm.picture), rm.picture.Version
	return rm.snap, rm.snapVer
}

func (rm *room) add(c *client) {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	snap, v := rm.snapshotLocked()
	c.version = v
	rm.clients[c] = struct{}{}
	c.send(snap)
}

func (rm *room) remove(c *client) {
	rm.mu.Lock()
	delete(rm.clients, c)
	rm.mu.Unlock()
}

// resync sends a client a fresh snapshot.
func (rm *room) resync(c *client) {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	snap, v := rm.snapshotLocked()
	c.version = v
	c.send(snap)
}

func (rm *room) run() {
	defer rm.hub.wg.Done()
	defer rm.unsub()
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-rm.ctx.Done():
			return
		case <-rm.sig:
		}
		rm.step()
		// Coalesce: whatever changes during the window goes out in one frame.
		t.Reset(rm.hub.o.Interval)
		select {
		case <-rm.ctx.Done():
			return
		case <-t.C:
		}
	}
}

// step sends every client the changes since its version.
func (rm *room) step() {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	changes, to, err := rm.shard.Since(rm.version, rm.buf[:0])
	rm.buf = changes[:0]
	if errors.Is(err, engine.ErrGap) {
		snap, v := rm.snapshotLocked()
		for c := range rm.clients {
			c.version = v
			c.send(snap)
		}
		rm.version = v
		return
	}
	if to == rm.version {
		return
	}
	// A delta goes out even when only meta changes happened: it carries the
	// version forward so the next frame chains.
	d := split(changes, rm.seen)
	frame := encodeDelta(rm.version, to, d)
	var relabeled map[uint64][]byte
	for c := range rm.clients {
		switch {
		case c.version >= to:
			// Joined after this read: its snapshot already has these changes.
		case c.version == rm.version:
			c.send(frame)
			c.version = to
		default:
			// Joined between two frames: its snapshot is newer than rm.version.
			// The frame holds the final state of every seat changed since
			// rm.version, a superset of what the client lacks, so the same
			// changes labelled from the client's version are exact.
			f := relabeled[c.version]
			if f == nil {
				if relabeled == nil {
					relabeled = map[uint64][]byte{}
				}
				f = encodeDelta(c.version, to, d)
				relabeled[c.version] = f
			}
			c.send(f)
			c.version = to
		}
	}
	if d.meta {
		for c := range rm.clients {
			c.send(refreshFrame)
		}
	}
	rm.version = to
}

// client is one socket: a writer goroutine draining a bounded queue, and a
// reader for resync requests.
type client struct {
	hub     *Hub
	room    *room
	conn    *websocket.Conn
	queue   chan []byte
	version uint64 // guarded by room.mu

	ctx    context.Context
	cancel context.CancelFunc
	once   sync.Once
	code   CloseCode // set once, before cancel
}

func newClient(h *Hub, rm *room, conn *websocket.Conn) *client {
	ctx, cancel := context.WithCancel(rm.ctx)
	return &client{hub: h, room: rm, conn: conn, queue: make(chan []byte, h.o.QueueSize), ctx: ctx, cancel: cancel, code: CloseGoingAway}
}

// send queues a frame without ever blocking; a full queue closes the client.
func (c *client) send(frame []byte) {
	select {
	case c.queue <- frame:
	default:
		if c.kill(CloseSlow) {
			c.hub.slow.Add(1)
			if f := c.hub.o.OnSlowClient; f != nil {
				f()
			}
		}
	}
}

// kill ends the client with code; the first reason wins.
func (c *client) kill(code CloseCode) bool {
	first := false
	c.once.Do(func() {
		c.code = code
		first = true
		c.cancel()
	})
	return first
}

// run serves the client until it leaves, falls behind, or the hub stops.
func (c *client) run() {
	var wg sync.WaitGroup
	wg.Go(c.read)
	c.write()
	c.kill(CloseGoingAway)
	// Close tells the peer why; the reader ends when the connection does.
	_ = c.conn.Close(c.code.Code, c.code.Name)
	wg.Wait()
}

func (c *client) write() {
	ping := time.NewTicker(c.hub.o.PingInterval)
	defer ping.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case frame := <-c.queue:
			// Not c.ctx: cancelling a write closes the connection at once, and a
			// client being closed should still get its close code.
			ctx, cancel := context.WithTimeout(context.Background(), c.hub.o.WriteTimeout)
			err := c.conn.Write(ctx, websocket.MessageText, frame)
			cancel()
			if err != nil {
				c.kill(CloseGoingAway)
				return
			}
		case <-ping.C:
			ctx, cancel := context.WithTimeout(context.Background(), c.hub.o.WriteTimeout)
			err := c.conn.Ping(ctx)
			cancel()
			if err != nil {
				c.kill(CloseGoingAway)
				return
			}
		}
	}
}

// read ends when the connection closes; its context is never cancelled, because
// that would close the connection before the close code goes out.
func (c *client) read() {
	for {
		typ, data, err := c.conn.Read(context.Background())
		if err != nil {
			if websocket.CloseStatus(err) == websocket.StatusMessageTooBig {
				c.kill(ClosePolicy)
			} else {
				c.kill(CloseGoingAway)
			}
			return
		}
		if typ != websocket.MessageText {
			c.kill(ClosePolicy)
			return
		}
		if _, err := decodeClientFrame(data); err != nil {
			c.kill(ClosePolicy)
			return
		}
		c.room.resync(c)
	}
}
