package realtime

import (
	"bytes"
	"context"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/engine"
)

// BenchmarkFanOut1000 is one hold reaching 1,000 sockets: from the hold until
// every client has read the delta frame that carries it. The clients run in
// the same process and only find "to" in each frame.
func BenchmarkFanOut1000(b *testing.B) {
	s := engine.NewShard(engine.Config{Hall: stadium})
	srv := serve(b, s, Options{Interval: time.Microsecond, QueueSize: 1 << 10, MaxClients: 2000}, false)
	const n = 1000
	hold(b, s, "first", 0)
	var target atomic.Uint64 // the version every client must reach
	target.Store(s.Version())
	reached := make(chan struct{}, n)
	var wg sync.WaitGroup
	conns := make([]*websocket.Conn, n)
	for i := range conns {
		conns[i] = dial(b, srv.url)
	}
	for _, conn := range conns {
		wg.Go(func() {
			var acked uint64
			for {
				_, data, err := conn.Read(context.Background())
				if err != nil {
					return
				}
				to := frameTo(data)
				if t := target.Load(); to >= t && acked < t {
					acked = t
					reached <- struct{}{}
				}
			}
		})
	}
	b.Cleanup(func() {
		for _, c := range conns {
			c.CloseNow()
		}
		wg.Wait()
	})
	for range n { // every client has its snapshot
		<-reached
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		target.Store(s.Version() + 1)
		i++
		hold(b, s, strconv.Itoa(i), uint32(i%stadium.N())) // seat 0 is "first"'s
		for range n {
			<-reached
		}
	}
}

// frameTo finds the version a frame leads to, cheaply.
func frameTo(data []byte) uint64 {
	key := []byte(`"to":`)
	if bytes.HasPrefix(data, []byte(`{"type":"snapshot"`)) {
		key = []byte(`"version":`)
	}
	i := bytes.Index(data, key)
	if i < 0 {
		return 0
	}
	data = data[i+len(key):]
	j := bytes.IndexAny(data, ",}")
	v, _ := strconv.ParseUint(string(data[:j]), 10, 64)
	return v
}

// BenchmarkRoomStep1000 is the room's own work for one frame and 1,000
// clients: read the change log, sort, encode once, queue to every client.
func BenchmarkRoomStep1000(b *testing.B) {
	s := engine.NewShard(engine.Config{Hall: stadium})
	h := NewHub(Options{Shards: shardMap{"p": s}})
	defer h.Stop()
	rm := newRoom(h, "p", s)
	defer rm.unsub()
	clients := make([]*client, 1000)
	for i := range clients {
		clients[i] = newClient(h, rm, nil)
		rm.add(clients[i])
	}
	drain := func() {
		for _, c := range clients {
			for len(c.queue) > 0 {
				<-c.queue
			}
		}
	}
	drain()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		hold(b, s, strconv.Itoa(i), uint32(i%stadium.N()))
		i++
		rm.step()
		b.StopTimer()
		drain()
		b.StartTimer()
	}
	require.Zero(b, h.SlowClosed())
}

// midSale is a stadium part-way through an on-sale: runs of sold, held and
// blocked seats among free ones, seats in their default zones.
func midSale() *engine.Snapshot {
	r := rand.New(rand.NewPCG(1, 2))
	n := stadium.N()
	snap := &engine.Snapshot{Version: 123456, States: make([]engine.State, n), Zones: append([]uint16(nil), stadium.ZoneOf...), Channels: make([]engine.Channel, n)}
	for i := 0; i < n; {
		run := 1 + r.IntN(12)
		st := engine.Free
		switch p := r.IntN(100); {
		case p < 45:
			st = engine.Sold
		case p < 55:
			st = engine.Held
		case p < 58:
			st = engine.Blocked
		}
		for k := 0; k < run && i < n; k++ {
			snap.States[i] = st
			i++
		}
	}
	return snap
}

func BenchmarkEncodeStadiumSnapshot(b *testing.B) {
	empty := engine.NewShard(engine.Config{Hall: stadium})
	var fresh engine.Snapshot
	empty.Snapshot(&fresh)
	for name, snap := range map[string]*engine.Snapshot{"empty": &fresh, "mid-sale": midSale()} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			var size int
			for b.Loop() {
				size = len(encodeSnapshot(snap))
			}
			b.ReportMetric(float64(size), "frame-B")
		})
	}
}

// countingListener counts what crosses the server's connections (in a
// benchmark whose clients only read: what the server writes).
type countingListener struct {
	net.Listener
	n *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return countingConn{c, l.n}, nil
}

// countingConn counts the bytes that cross it, both ways.
type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.n.Add(int64(n))
	return n, err
}

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// BenchmarkSnapshotWrite sends a mid-sale stadium snapshot over a real socket
// in each compression mode coder/websocket offers, and gzipped once by the
// room (?snapshot=gzip: compressed once per version, written as it is to
// every socket). write-ns/op is the server's Write (compression included),
// wire-B/op what went on the wire, heap-B/conn what each of 50 sockets keeps
// after one snapshot, and gzip-ns/version the room's one compression.
func BenchmarkSnapshotWrite(b *testing.B) {
	frame := encodeSnapshot(midSale())
	modes := []struct {
		name string
		mode websocket.CompressionMode
		gzip bool
	}{
		{"none", websocket.CompressionDisabled, false},
		{"no-context-takeover", websocket.CompressionNoContextTakeover, false},
		{"context-takeover", websocket.CompressionContextTakeover, false},
		{"gzip-once", websocket.CompressionNoContextTakeover, true},
	}
	for _, m := range modes {
		b.Run(m.name, func(b *testing.B) {
			payload, typ := frame, websocket.MessageText
			var gzipNs float64
			if m.gzip {
				start := time.Now()
				const rounds = 20
				for range rounds {
					payload = gzipFrame(frame)
				}
				gzipNs = float64(time.Since(start).Nanoseconds()) / rounds
				typ = websocket.MessageBinary
			}
			var wire atomic.Int64
			accepted := make(chan *websocket.Conn, 64)
			ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: m.mode})
				if err != nil {
					return
				}
				accepted <- conn
			}))
			ts.Listener = countingListener{ts.Listener, &wire}
			ts.Start()
			defer ts.Close()
			url := "ws" + strings.TrimPrefix(ts.URL, "http")
			open := func() (server, client *websocket.Conn, read chan struct{}) {
				client, _, err := websocket.Dial(context.Background(), url, &websocket.DialOptions{CompressionMode: m.mode})
				require.NoError(b, err)
				client.SetReadLimit(-1)
				server = <-accepted
				read = make(chan struct{}, 1)
				go func() {
					for {
						if _, _, err := client.Read(context.Background()); err != nil {
							close(read)
							return
						}
						read <- struct{}{}
					}
				}()
				return server, client, read
			}
			closeAll := func(server, client *websocket.Conn, read chan struct{}) {
				client.CloseNow()
				server.CloseNow()
				for range read {
				}
			}

			// What each socket keeps once it has sent one snapshot.
			const k = 50
			type trio struct {
				s, c *websocket.Conn
				r    chan struct{}
			}
			var held []trio
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for range k {
				s, c, r := open()
				require.NoError(b, s.Write(context.Background(), typ, payload))
				<-r
				held = append(held, trio{s, c, r})
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			for _, t := range held {
				closeAll(t.s, t.c, t.r)
			}

			server, client, read := open()
			defer closeAll(server, client, read)
			wire.Store(0)
			var writing time.Duration
			b.ReportAllocs()
			for b.Loop() {
				start := time.Now()
				require.NoError(b, server.Write(context.Background(), typ, payload))
				writing += time.Since(start)
				<-read
			}
			b.ReportMetric(float64(wire.Load())/float64(b.N), "wire-B/op")
			b.ReportMetric(float64(writing.Nanoseconds())/float64(b.N), "write-ns/op")
			b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/k, "heap-B/conn")
			if m.gzip {
				b.ReportMetric(gzipNs, "gzip-ns/version")
			}
		})
	}
}
