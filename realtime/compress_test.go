package realtime

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/engine"
)

// TestCompressionSnapshotsOnly: a browser that offers permessage-deflate gets
// the stadium snapshot compressed, but deltas — shared by every socket of the
// room — plain, even a large one.
func TestCompressionSnapshotsOnly(t *testing.T) {
	t.Parallel()
	shard := engine.NewShard(engine.Config{Hall: stadium})
	srv := serve(t, shard, Options{Interval: 20 * time.Millisecond}, false)
	var wire atomic.Int64
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return countingConn{c, &wire}, nil // the client only reads while it is measured
	}}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, srv.url, &websocket.DialOptions{HTTPClient: client, CompressionMode: websocket.CompressionNoContextTakeover})
	require.NoError(t, err)
	defer conn.CloseNow()
	conn.SetReadLimit(8 << 20)

	before := wire.Load()
	_, snap, err := conn.Read(ctx)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(snap), `{"type":"snapshot"`))
	snapWire := wire.Load() - before
	require.Less(t, snapWire, int64(len(snap)/5), "snapshot of %d bytes came as %d on the wire", len(snap), snapWire)

	// A big delta: 2,000 holds of 2 seats at once, some 30 KB of JSON.
	for i := range 2000 {
		hold(t, shard, "t"+string(rune('a'+i%26))+strings.Repeat("x", i/26), uint32(4*i), uint32(4*i+1))
	}
	before = wire.Load()
	_, delta, err := conn.Read(ctx)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(delta), `{"type":"delta"`))
	for len(delta) < 20_000 { // the holds may have spread over two frames
		_, more, err := conn.Read(ctx)
		require.NoError(t, err)
		delta = append(delta, more...)
	}
	deltaWire := wire.Load() - before
	require.GreaterOrEqual(t, deltaWire, int64(len(delta)), "delta of %d bytes came as %d on the wire: compressed", len(delta), deltaWire)
}
