package loadtest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestHTTP1(t *testing.T) {
	var seen atomic.Int64
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Add(1)
		switch r.URL.Path {
		case "/echo":
			body, _ := io.ReadAll(r.Body)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(`{"cookie":"` + r.Header.Get("Cookie") + `","key":"` + r.Header.Get("Idempotency-Key") + `","body":` + string(body) + `}`))
		case "/chunked":
			for range 3 {
				_, _ = w.Write([]byte(strings.Repeat("x", 3000)))
				w.(http.Flusher).Flush()
			}
		case "/close":
			w.Header().Set("Connection", "close")
			w.WriteHeader(http.StatusConflict)
			_, _ = w.Write([]byte(`{"type":"seats-taken"}`))
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		case "/block":
			<-block
		}
	}))
	defer srv.Close()
	defer close(block)
	h, err := newHTTP1(srv.URL, 10*time.Second)
	require.NoError(t, err)
	defer h.closeIdle()
	ctx := context.Background()

	t.Run("body both ways, headers, keep-alive", func(t *testing.T) {
		for range 3 {
			status, data, err := h.do(ctx, "POST", "/echo", []string{"Cookie", "s=1", "Idempotency-Key", "k"}, []byte(`{"a":1}`))
			require.NoError(t, err)
			require.Equal(t, 201, status)
			require.JSONEq(t, `{"cookie":"s=1","key":"k","body":{"a":1}}`, string(data))
		}
		h.mu.Lock()
		require.Len(t, h.idle, 1, "one connection served all three")
		h.mu.Unlock()
	})
	t.Run("chunked", func(t *testing.T) {
		status, data, err := h.do(ctx, "GET", "/chunked", nil, nil)
		require.NoError(t, err)
		require.Equal(t, 200, status)
		require.Equal(t, strings.Repeat("x", 9000), string(data))
	})
	t.Run("connection close", func(t *testing.T) {
		status, data, err := h.do(ctx, "DELETE", "/close", nil, nil)
		require.NoError(t, err)
		require.Equal(t, 409, status)
		require.Equal(t, `{"type":"seats-taken"}`, string(data))
		status, _, err = h.do(ctx, "DELETE", "/empty", nil, nil)
		require.NoError(t, err)
		require.Equal(t, 204, status)
	})
	t.Run("idle connection closed by the server is retried", func(t *testing.T) {
		_, _, err := h.do(ctx, "GET", "/empty", nil, nil)
		require.NoError(t, err)
		srv.CloseClientConnections()
		before := seen.Load()
		status, _, err := h.do(ctx, "GET", "/empty", nil, nil)
		require.NoError(t, err)
		require.Equal(t, 204, status)
		require.Equal(t, before+1, seen.Load(), "sent once")
	})
	t.Run("cancel", func(t *testing.T) {
		cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, _, err := h.do(cctx, "GET", "/block", nil, nil)
		require.Error(t, err)
		require.Less(t, time.Since(start), 5*time.Second)
	})
}

func TestHTTP1RefusesHTTPS(t *testing.T) {
	_, err := newHTTP1("https://example.com", time.Second)
	require.Error(t, err)
}

func TestAsciiEqualFold(t *testing.T) {
	require.True(t, asciiEqualFold([]byte("content-LENGTH"), "Content-Length"))
	require.False(t, asciiEqualFold([]byte("Content-Lengths"), "Content-Length"))
	require.False(t, asciiEqualFold([]byte("Content-Lengtx"), "Content-Length"))
}
