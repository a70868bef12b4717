package realtime

import (
	"context"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// resyncEvery spaces one client's resync requests: each costs a snapshot's
// compression on the socket, so a client asking in a loop waits instead.
const resyncEvery = time.Second

// client is one socket: a writer goroutine draining a bounded queue (writer.go)
// and a reader for resync requests. Rooms hand it frames with send, which never
// blocks.
type client struct {
	hub   *Hub
	room  *room
	conn  *websocket.Conn
	queue chan []byte // frames shared with every other client of the room: never modify
	// gzip: the client asked for snapshots gzipped (?snapshot=gzip), sent as
	// binary messages. Set before the client is added to its room.
	gzip bool

	// ctx ends when the client is to be closed, with code saying why.
	ctx     context.Context
	cancel  context.CancelFunc
	once    sync.Once
	code    CloseCode // written once inside once.Do; read only after calling it
	wg      sync.WaitGroup
	pinging atomic.Bool // a ping is waiting for its pong
}

func newClient(h *Hub, rm *room, conn *websocket.Conn) *client {
	ctx, cancel := context.WithCancel(rm.ctx)
	return &client{hub: h, room: rm, conn: conn, queue: make(chan []byte, h.o.QueueSize), ctx: ctx, cancel: cancel}
}

// send queues a frame without ever blocking; a full queue closes the client
// with CloseSlow. The caller holds the room's lock, which orders frames.
func (c *client) send(frame []byte) {
	select {
	case c.queue <- frame:
	default:
		c.kill(CloseSlow)
	}
}

// kill ends the client with code; the first reason wins. A slow client is
// counted here, when it is found out, not when its socket finally lets go.
func (c *client) kill(code CloseCode) {
	c.once.Do(func() {
		c.code = code
		c.cancel()
		if code == CloseSlow {
			c.hub.slow.Add(1)
			if f := c.hub.o.OnSlowClient; f != nil {
				f()
			}
		}
	})
}

// run serves the client until it leaves, falls behind, breaks the protocol, or
// the hub stops.
func (c *client) run() {
	c.wg.Go(c.read)
	c.write()
	c.kill(CloseGoingAway)
	code := c.code // once.Do above has returned: the write inside it is visible
	// Close sends the code (when the peer still reads) and ends the reader and
	// any ping waiting for its pong.
	closeWith(c.conn, code)
	c.wg.Wait()
}

// read serves the client's frames until the connection ends. Its context is
// never cancelled: cancelling a read closes the connection at once, before the
// close code could go out.
func (c *client) read() {
	var last time.Time
	for {
		typ, r, err := c.conn.Reader(context.Background())
		if err != nil {
			c.kill(CloseGoingAway) // the peer left; the code goes nowhere
			return
		}
		// Read one byte past the limit to tell "too big" from "just fits",
		// and answer a too big frame with ClosePolicy ourselves.
		data, err := io.ReadAll(io.LimitReader(r, maxClientFrame+1))
		if err != nil {
			c.kill(CloseGoingAway)
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
		// Capped well below WriteTimeout: while it waits the reader takes no
		// pongs, and a ping must not fail for it.
		if wait := min(resyncEvery, c.hub.o.WriteTimeout/2) - time.Since(last); !last.IsZero() && wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-c.ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
		last = time.Now()
		c.room.resync(c)
	}
}
