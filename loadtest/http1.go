package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// http1 is the buyers' HTTP/1.1 client: persistent connections, one request at
// a time on each (keep-alive, no pipelining), requests written in one piece and
// answers parsed just enough (status, Content-Length or chunked, Connection).
// The generator shares the machine with the target, and net/http's client
// spends as much CPU per request as the server it measures; this one spends a
// fraction of it, so the figures are the server's. Set-up and audit calls,
// which are few, keep using net/http.
type http1 struct {
	addr    string // host:port
	host    string // the Host header
	timeout time.Duration

	mu   sync.Mutex // guards idle
	idle []*h1conn
}

type h1conn struct {
	c      net.Conn
	r      *bufio.Reader
	buf    []byte // the request being written, reused
	reused bool   // it has served a request before
}

// maxAnswer bounds an answer the buyers' client reads (holds and orders are
// small; anything bigger is an error of the target).
const maxAnswer = 1 << 20

func newHTTP1(base string, timeout time.Duration) (*http1, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" {
		return nil, fmt.Errorf("the buyers' client speaks plain http, not %q", u.Scheme)
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	return &http1{addr: addr, host: u.Host, timeout: timeout}, nil
}

func (h *http1) get(ctx context.Context) (*h1conn, error) {
	h.mu.Lock()
	if n := len(h.idle); n > 0 {
		c := h.idle[n-1]
		h.idle = h.idle[:n-1]
		h.mu.Unlock()
		c.reused = true
		return c, nil
	}
	h.mu.Unlock()
	d := net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	nc, err := d.DialContext(ctx, "tcp", h.addr)
	if err != nil {
		return nil, err
	}
	return &h1conn{c: nc, r: bufio.NewReaderSize(nc, 4<<10), buf: make([]byte, 0, 1<<10)}, nil
}

func (h *http1) put(c *h1conn) {
	h.mu.Lock()
	h.idle = append(h.idle, c)
	h.mu.Unlock()
}

// closeIdle closes the idle connections.
func (h *http1) closeIdle() {
	h.mu.Lock()
	idle := h.idle
	h.idle = nil
	h.mu.Unlock()
	for _, c := range idle {
		c.c.Close()
	}
}

// do sends one request and returns the status and body. headers are name,
// value pairs. A connection that was closed while idle is retried once on a
// fresh one, as net/http does for requests that never reached the server.
func (h *http1) do(ctx context.Context, method, path string, headers []string, body []byte) (int, []byte, error) {
	for attempt := 0; ; attempt++ {
		c, err := h.get(ctx)
		if err != nil {
			return 0, nil, err
		}
		status, data, keep, sent, err := h.roundTrip(ctx, c, method, path, headers, body)
		if err != nil {
			c.c.Close()
			if !sent && c.reused && attempt == 0 && ctx.Err() == nil {
				continue
			}
			return 0, nil, err
		}
		if keep {
			h.put(c)
		} else {
			c.c.Close()
		}
		return status, data, nil
	}
}

// roundTrip writes the request and reads the answer. sent is false when the
// server cannot have seen the request: the write failed, or the connection
// was found closed before any byte of an answer.
func (h *http1) roundTrip(ctx context.Context, c *h1conn, method, path string, headers []string, body []byte) (status int, data []byte, keep, sent bool, err error) {
	deadline := time.Now().Add(h.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = c.c.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = c.c.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	b := c.buf[:0]
	b = append(b, method...)
	b = append(b, ' ')
	b = append(b, path...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, h.host...)
	b = append(b, "\r\nUser-Agent: seatmap-loadtest\r\n"...)
	for i := 0; i+1 < len(headers); i += 2 {
		b = append(b, headers[i]...)
		b = append(b, ": "...)
		b = append(b, headers[i+1]...)
		b = append(b, "\r\n"...)
	}
	if body != nil {
		b = append(b, "Content-Type: application/json\r\nContent-Length: "...)
		b = strconv.AppendInt(b, int64(len(body)), 10)
		b = append(b, "\r\n"...)
	}
	b = append(b, "\r\n"...)
	b = append(b, body...)
	c.buf = b
	if _, err := c.c.Write(b); err != nil {
		return 0, nil, false, false, err
	}

	line, err := c.r.ReadSlice('\n')
	if err != nil {
		// Nothing came back: a keep-alive connection the server had closed.
		return 0, nil, false, len(line) > 0 || !errors.Is(err, io.EOF), err
	}
	// "HTTP/1.1 201 Created"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, nil, false, true, fmt.Errorf("malformed status line %q", line)
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, nil, false, true, fmt.Errorf("malformed status line %q", line)
	}
	length, chunked := -1, false
	keep = line[7] == '1' // HTTP/1.1 keeps the connection unless told otherwise
	for {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			return 0, nil, false, true, fmt.Errorf("read headers: %w", err)
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return 0, nil, false, true, fmt.Errorf("malformed header %q", line)
		}
		value = bytes.TrimSpace(value)
		switch {
		case asciiEqualFold(name, "Content-Length"):
			if length, err = strconv.Atoi(string(value)); err != nil || length < 0 || length > maxAnswer {
				return 0, nil, false, true, fmt.Errorf("bad Content-Length %q", value)
			}
		case asciiEqualFold(name, "Transfer-Encoding"):
			chunked = asciiEqualFold(value, "chunked")
		case asciiEqualFold(name, "Connection"):
			if asciiEqualFold(value, "close") {
				keep = false
			}
		}
	}
	switch {
	case chunked:
		data, err = readChunked(c.r)
	case length >= 0:
		data = make([]byte, length)
		_, err = io.ReadFull(c.r, data)
	case status == 204 || status == 304 || method == "HEAD":
	default:
		data, err = io.ReadAll(io.LimitReader(c.r, maxAnswer))
		keep = false
	}
	if err != nil {
		return 0, nil, false, true, fmt.Errorf("read body: %w", err)
	}
	return status, data, keep, true, nil
}

func readChunked(r *bufio.Reader) ([]byte, error) {
	var out []byte
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return nil, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if i := bytes.IndexByte(line, ';'); i >= 0 {
			line = line[:i]
		}
		n, err := strconv.ParseInt(string(bytes.TrimSpace(line)), 16, 32)
		if err != nil || n < 0 || len(out)+int(n) > maxAnswer {
			return nil, fmt.Errorf("bad chunk size %q", line)
		}
		if n == 0 {
			for { // trailers, then the blank line
				t, err := r.ReadSlice('\n')
				if err != nil {
					return nil, err
				}
				if len(bytes.TrimRight(t, "\r\n")) == 0 {
					return out, nil
				}
			}
		}
		start := len(out)
		out = append(out, make([]byte, n)...)
		if _, err := io.ReadFull(r, out[start:]); err != nil {
			return nil, err
		}
		if _, err := r.Discard(2); err != nil { // the chunk's CRLF
			return nil, err
		}
	}
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(s) {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
