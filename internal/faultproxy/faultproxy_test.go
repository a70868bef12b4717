package faultproxy

import (
	"bufio"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// echoServer answers every line with itself.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if _, err := c.Write([]byte(line)); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func roundTrip(t *testing.T, c net.Conn, r *bufio.Reader, msg string, within time.Duration) (string, error) {
	t.Helper()
	_, err := c.Write([]byte(msg + "\n"))
	require.NoError(t, err)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(within)))
	line, err := r.ReadString('\n')
	if len(line) > 0 {
		line = line[:len(line)-1]
	}
	return line, err
}

func TestFreezeHoldsBytesUntilThaw(t *testing.T) {
	p, err := New(echoServer(t))
	require.NoError(t, err)
	defer p.Close()
	c, err := net.Dial("tcp", p.Addr())
	require.NoError(t, err)
	defer c.Close()
	r := bufio.NewReader(c)
	got, err := roundTrip(t, c, r, "one", 5*time.Second)
	require.NoError(t, err)
	require.Equal(t, "one", got)

	p.Freeze()
	_, err = roundTrip(t, c, r, "two", 300*time.Millisecond)
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	require.True(t, ne.Timeout(), "nothing passes while frozen")
	p.Thaw()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
	line, err := r.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "two\n", line, "what was held arrives after the thaw")
}

func TestDownCutsAndRefuses(t *testing.T) {
	p, err := New(echoServer(t))
	require.NoError(t, err)
	defer p.Close()
	c, err := net.Dial("tcp", p.Addr())
	require.NoError(t, err)
	defer c.Close()
	r := bufio.NewReader(c)
	_, err = roundTrip(t, c, r, "one", 5*time.Second)
	require.NoError(t, err)

	p.SetDown(true)
	_, err = roundTrip(t, c, r, "two", 5*time.Second)
	require.Error(t, err, "the open connection is cut")
	c2, err := net.Dial("tcp", p.Addr())
	require.NoError(t, err) // the listener accepts, then hangs up
	_, err = roundTrip(t, c2, bufio.NewReader(c2), "three", 5*time.Second)
	require.Error(t, err)
	c2.Close()

	p.SetDown(false)
	c3, err := net.Dial("tcp", p.Addr())
	require.NoError(t, err)
	defer c3.Close()
	got, err := roundTrip(t, c3, bufio.NewReader(c3), "four", 5*time.Second)
	require.NoError(t, err)
	require.Equal(t, "four", got)
}
