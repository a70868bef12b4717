package realtime

import (
	"context"
	"errors"
	"time"

	"github.com/coder/websocket"
)

// write is the client's one writer: it drains the queue, each write bounded by
// WriteTimeout, and pings every PingInterval. It returns when the client is
// killed or a write fails.
func (c *client) write() {
	ping := time.NewTicker(c.hub.o.PingInterval)
	defer ping.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case frame := <-c.queue:
			if c.ctx.Err() != nil {
				return // killed meanwhile: what is queued is moot
			}
			if err := c.writeFrame(frame); err != nil {
				return
			}
		case <-ping.C:
			c.ping()
		}
	}
}

func (c *client) writeFrame(frame []byte) error {
	// Not derived from c.ctx: cancelling a write closes the connection at once,
	// and a client being closed should still get its close code.
	ctx, cancel := context.WithTimeout(context.Background(), c.hub.o.WriteTimeout)
	defer cancel()
	typ := websocket.MessageText
	if isGzip(frame) {
		typ = websocket.MessageBinary
	}
	err := c.conn.Write(ctx, typ, frame)
	if err != nil {
		c.failed(err)
	}
	return err
}

// ping checks the peer is alive without holding up the queue: the pong comes
// back through the reader, and the writer goes on meanwhile. A peer that does
// not answer within WriteTimeout is closed as slow. At most one ping waits.
func (c *client) ping() {
	if !c.pinging.CompareAndSwap(false, true) {
		return
	}
	c.wg.Go(func() {
		defer c.pinging.Store(false)
		ctx, cancel := context.WithTimeout(context.Background(), c.hub.o.WriteTimeout)
		defer cancel()
		if err := c.conn.Ping(ctx); err != nil {
			c.failed(err)
		}
	})
}

// failed kills the client after a write or ping failed: a timeout means the
// peer could not keep up, anything else that the connection is gone.
func (c *client) failed(err error) {
	if errors.Is(err, context.DeadlineExceeded) {
		c.kill(CloseSlow)
		return
	}
	c.kill(CloseGoingAway)
}
