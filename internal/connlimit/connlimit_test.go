package connlimit

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// dialFrom connects from a loopback address of its own and reports whether
// the server kept the connection (a refused one is reset at once).
func dialFrom(t *testing.T, addr, local string) (net.Conn, bool) {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, false // reset before the handshake was reported
	}
	require.NoError(t, c.SetReadDeadline(time.Now().Add(300*time.Millisecond)))
	_, err = c.Read(make([]byte, 1))
	var ne net.Error
	if err != nil && (!asNetError(err, &ne) || !ne.Timeout()) {
		c.Close()
		return nil, false // closed by the server
	}
	return c, true
}

func asNetError(err error, ne *net.Error) bool {
	e, ok := err.(net.Error)
	if ok {
		*ne = e
	}
	return ok
}

func TestCapsInTotalAndPerAddress(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	l := New(inner, 3, 2)
	accepted := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}
	}()
	defer l.Close()
	addr := inner.Addr().String()

	a1, ok := dialFrom(t, addr, "127.0.0.1")
	require.True(t, ok)
	defer a1.Close()
	a2, ok := dialFrom(t, addr, "127.0.0.1")
	require.True(t, ok)
	defer a2.Close()
	_, ok = dialFrom(t, addr, "127.0.0.1")
	require.False(t, ok, "a third connection of one address is over -per-address")
	b1, ok := dialFrom(t, addr, "127.0.0.2")
	require.True(t, ok, "another address has room")
	_, ok = dialFrom(t, addr, "127.0.0.3")
	require.False(t, ok, "a fourth connection is over the total")
	require.Equal(t, 3, l.Open())
	require.EqualValues(t, 2, l.Refused())

	// A connection closed by the server (as when a handler finishes) frees
	// its place, in total and for its address.
	srv := <-accepted
	<-accepted
	<-accepted
	require.NoError(t, srv.Close())
	_ = srv.Close() // closing twice counts once
	b1.Close()
	require.Eventually(t, func() bool { return l.Open() == 2 }, 5*time.Second, 10*time.Millisecond)
	c1, ok := dialFrom(t, addr, "127.0.0.3")
	require.True(t, ok)
	defer c1.Close()
}
