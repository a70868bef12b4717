package realtime

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
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

// TestGzipSnapshots: a client that opens with ?snapshot=gzip gets the
// snapshot as one binary message, the plain client's JSON gzipped, compressed
// once for every such joiner of the version; deltas stay text; a resync
// answers gzipped again.
func TestGzipSnapshots(t *testing.T) {
	t.Parallel()
	shard := engine.NewShard(engine.Config{Hall: stadium})
	for i := range 500 {
		hold(t, shard, "h"+strconv.Itoa(i), uint32(7*i))
	}
	srv := serve(t, shard, Options{Interval: 20 * time.Millisecond}, false)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	dial := func(url string) *websocket.Conn {
		conn, _, err := websocket.Dial(ctx, url, nil)
		require.NoError(t, err)
		conn.SetReadLimit(8 << 20)
		t.Cleanup(func() { conn.CloseNow() })
		return conn
	}
	plain := dial(srv.url)
	typ, want, err := plain.Read(ctx)
	require.NoError(t, err)
	require.Equal(t, websocket.MessageText, typ)

	var got [][]byte
	for range 2 {
		conn := dial(srv.url + "?snapshot=gzip")
		typ, b, err := conn.Read(ctx)
		require.NoError(t, err)
		require.Equal(t, websocket.MessageBinary, typ)
		require.Less(t, len(b), len(want)/10, "gzipped snapshot of %d bytes is %d", len(want), len(b))
		zr, err := gzip.NewReader(bytes.NewReader(b))
		require.NoError(t, err)
		text, err := io.ReadAll(zr)
		require.NoError(t, err)
		require.Equal(t, string(want), string(text))
		got = append(got, b)
		if len(got) == 2 {
			require.Equal(t, got[0], got[1])
			hold(t, shard, "late", 5)
			typ, delta, err := conn.Read(ctx)
			require.NoError(t, err)
			require.Equal(t, websocket.MessageText, typ)
			require.True(t, strings.HasPrefix(string(delta), `{"type":"delta"`))
			require.NoError(t, conn.Write(ctx, websocket.MessageText, []byte(`{"type":"resync"}`)))
			typ, again, err := conn.Read(ctx)
			require.NoError(t, err)
			require.Equal(t, websocket.MessageBinary, typ)
			require.True(t, isGzip(again))
		}
	}
}

// TestSnapshotGzippedOncePerVersion: joiners of one version share one
// compressed snapshot; a change makes the next joiner's a new one.
func TestSnapshotGzippedOncePerVersion(t *testing.T) {
	t.Parallel()
	s := engine.NewShard(engine.Config{Hall: stadium})
	h := NewHub(Options{Shards: shardMap{"p": s}})
	defer h.Stop()
	rm := newRoom(h, "p", s)
	defer rm.unsub()
	a, b, plain := newClient(h, rm, nil), newClient(h, rm, nil), newClient(h, rm, nil)
	a.gzip, b.gzip = true, true
	for _, c := range []*client{a, b, plain} {
		rm.add(c)
	}
	fa, fb, fp := <-a.queue, <-b.queue, <-plain.queue
	require.True(t, isGzip(fa))
	require.Same(t, &fa[0], &fb[0], "one compression for both joiners")
	require.False(t, isGzip(fp))

	hold(t, s, "x", 1)
	rm.step()
	<-a.queue // the delta
	rm.resync(a)
	again := <-a.queue
	require.True(t, isGzip(again))
	require.NotSame(t, &fa[0], &again[0], "a new version, a new snapshot")
}
