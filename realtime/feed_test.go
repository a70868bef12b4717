package realtime

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"
)

// TestServeFeed: the document at once, again after a change (coalesced:
// three signals in a burst send one message), and the handler returns when
// the client goes.
func TestServeFeed(t *testing.T) {
	t.Parallel()
	changes := make(chan struct{}, 1)
	var n atomic.Int64
	done := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(done)
		_ = ServeFeed(r.Context(), w, r, changes, 20*time.Millisecond, func(context.Context) (any, error) {
			return map[string]int64{"n": n.Add(1)}, nil
		})
	}))
	defer ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http"), nil)
	require.NoError(t, err)
	read := func() int64 {
		_, data, err := conn.Read(ctx)
		require.NoError(t, err)
		var v struct{ N int64 }
		require.NoError(t, json.Unmarshal(data, &v))
		return v.N
	}
	require.Equal(t, int64(1), read(), "at once")
	for range 3 {
		select {
		case changes <- struct{}{}:
		default:
		}
	}
	require.Equal(t, int64(2), read(), "after the changes, once")
	conn.Close(websocket.StatusNormalClosure, "")
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the feed outlived its client")
	}
	require.Equal(t, int64(2), n.Load(), "no message without a change")
}
