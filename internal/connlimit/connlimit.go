// Package connlimit bounds the connections a server keeps open, in total and
// per client address, so that one client (or a flood of idle connections)
// cannot take every file descriptor of the process: the stores, the log and
// the outbox need theirs, and other clients need room.
package connlimit

import (
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
)

// Listener accepts from an inner listener and closes at once every
// connection over a cap; Accept never returns those. Connections it hands
// out count until closed, also after an HTTP server hijacks them (WebSockets).
type Listener struct {
	net.Listener
	max, perAddr int

	mu     sync.Mutex // guards byAddr
	byAddr map[netip.Prefix]int
	open   atomic.Int64

	refused atomic.Int64
}

// New wraps inner. max bounds the open connections in all (0: no bound);
// perAddr those of one client address, an IPv6 client by its /64 (0: no
// bound; behind a proxy every connection comes from the proxy, so there it
// must be 0).
func New(inner net.Listener, max, perAddr int) *Listener {
	return &Listener{Listener: inner, max: max, perAddr: perAddr, byAddr: map[netip.Prefix]int{}}
}

// Open is the number of connections open now.
func (l *Listener) Open() int { return int(l.open.Load()) }

// Refused is the number of connections closed at once for being over a cap.
func (l *Listener) Refused() int64 { return l.refused.Load() }

// Accept returns the next connection within the caps.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err // net/http backs off on temporary errors (EMFILE)
		}
		key, ok := addrKey(c.RemoteAddr())
		if l.take(key, ok) {
			return &conn{Conn: c, l: l, key: key, keyed: ok}, nil
		}
		l.refused.Add(1)
		// A reset, not a graceful close: the refused peer learns at once and
		// no descriptor lingers in TIME_WAIT on this side.
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
		c.Close()
	}
}

func (l *Listener) take(key netip.Prefix, keyed bool) bool {
	if l.max > 0 && l.open.Add(1) > int64(l.max) {
		l.open.Add(-1)
		return false
	} else if l.max <= 0 {
		l.open.Add(1)
	}
	if l.perAddr <= 0 || !keyed {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byAddr[key] >= l.perAddr {
		l.open.Add(-1)
		return false
	}
	l.byAddr[key]++
	return true
}

func (l *Listener) release(key netip.Prefix, keyed bool) {
	l.open.Add(-1)
	if l.perAddr <= 0 || !keyed {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := l.byAddr[key] - 1; n > 0 {
		l.byAddr[key] = n
	} else {
		delete(l.byAddr, key)
	}
}

// addrKey is the client address a connection counts against: the IP, or the
// /64 of an IPv6 address.
func addrKey(a net.Addr) (netip.Prefix, bool) {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return netip.Prefix{}, false
	}
	ip, ok := netip.AddrFromSlice(ta.IP)
	if !ok {
		return netip.Prefix{}, false
	}
	ip = ip.Unmap()
	bits := 32
	if ip.Is6() {
		bits = 64
	}
	p, err := ip.Prefix(bits)
	return p, err == nil
}

type conn struct {
	net.Conn
	l     *Listener
	key   netip.Prefix
	keyed bool
	once  sync.Once
}

func (c *conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.key, c.keyed) })
	return err
}

// ReadFrom lets net/http send files with sendfile, as it would on the bare
// TCP connection.
func (c *conn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(c.Conn, r)
}
