package realtime

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/seatmap/seatmap/engine"
	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/internal/startstop"
	"github.com/seatmap/seatmap/internal/testkit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var (
	theatre = hall.MustCompile(hall.Theatre())
	stadium = hall.MustCompile(hall.Stadium())
)

// shardMap serves performance ids from a map; "broken" fails as a store would.
type shardMap map[string]*engine.Shard

func (m shardMap) Shard(_ context.Context, id string) (*engine.Shard, error) {
	if id == "broken" {
		return nil, fmt.Errorf("load performance %s: connection refused", id)
	}
	if s, ok := m[id]; ok {
		return s, nil
	}
	return nil, fmt.Errorf("performance %s: %w", id, ErrNotFound)
}

// testServer is a hub behind a real HTTP server with one performance "p".
type testServer struct {
	hub *Hub
	url string // ws://host/p
	ts  *httptest.Server
}

// serve starts a hub for shard. With small set, every accepted socket gets a
// tiny kernel send buffer, so a peer that does not read blocks writes quickly.
func serve(t testing.TB, shard *engine.Shard, o Options, small bool) *testServer {
	t.Helper()
	if o.Shards == nil {
		o.Shards = shardMap{"p": shard}
	}
	if o.Interval == 0 {
		o.Interval = 5 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	h := NewHub(o)
	require.NoError(t, h.Start(context.Background()))
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeWS(w, r, strings.TrimPrefix(r.URL.Path, "/"))
	}))
	if small {
		ts.Listener = smallBuffers{ts.Listener}
	}
	ts.Start()
	t.Cleanup(func() {
		h.Stop()
		ts.Close()
	})
	return &testServer{hub: h, url: "ws" + strings.TrimPrefix(ts.URL, "http") + "/p", ts: ts}
}

func (s *testServer) urlOf(id string) string {
	return "ws" + strings.TrimPrefix(s.ts.URL, "http") + "/" + id
}

type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(4 << 10)
	}
	return c, err
}

// dial opens a raw socket.
func dial(t testing.TB, url string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, url, nil)
	require.NoError(t, err)
	conn.SetReadLimit(8 << 20)
	return conn
}

// frame is any server frame.
type frame struct {
	Type     string          `json:"type"`
	Version  uint64          `json:"version"`
	States   string          `json:"states"`
	Zones    json.RawMessage `json:"zones"`
	Channels json.RawMessage `json:"channels"`
	From     uint64          `json:"from"`
	To       uint64          `json:"to"`
	Changes  [][2]uint32     `json:"changes"`
}

// watcher is a test client that applies frames the way the browser does, and
// records every way the stream could be wrong.
type watcher struct {
	conn   *websocket.Conn
	closed chan websocket.StatusCode // the close code, once the socket ends
	done   chan struct{}

	mu        sync.Mutex
	states    []byte
	zones     []byte // zone index + 1
	channels  []byte
	version   uint64
	synced    bool // a snapshot arrived
	frames    int
	snapshots int
	deltas    int
	refresh   int
	raw       []string // frames as received, when keepRaw
	keepRaw   bool
	problems  []string
}

func watch(t testing.TB, url string) *watcher { return watchWith(t, url, false) }

func watchWith(t testing.TB, url string, keepRaw bool) *watcher {
	t.Helper()
	w := &watcher{conn: dial(t, url), closed: make(chan websocket.StatusCode, 1), done: make(chan struct{}), keepRaw: keepRaw}
	go w.loop()
	t.Cleanup(func() {
		w.conn.CloseNow()
		<-w.done
		w.mu.Lock()
		defer w.mu.Unlock()
		for _, p := range w.problems {
			t.Errorf("watcher: %s", p)
		}
	})
	return w
}

func (w *watcher) loop() {
	defer close(w.done)
	for {
		_, data, err := w.conn.Read(context.Background())
		if err != nil {
			w.closed <- websocket.CloseStatus(err)
			return
		}
		w.apply(data)
	}
}

func (w *watcher) problem(format string, args ...any) {
	w.problems = append(w.problems, fmt.Sprintf(format, args...))
}

func (w *watcher) apply(data []byte) {
	var f frame
	err := json.Unmarshal(data, &f)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.frames++
	if w.keepRaw {
		w.raw = append(w.raw, string(data))
	}
	if err != nil {
		w.problem("bad frame %.100s: %v", data, err)
		return
	}
	switch f.Type {
	case "snapshot":
		w.snapshots++
		w.synced = true
		w.states, w.version = []byte(f.States), f.Version
		var z, c string
		if json.Unmarshal(f.Zones, &z) != nil || json.Unmarshal(f.Channels, &c) != nil {
			w.problem("snapshot without zones or channels")
		}
		w.zones, _ = base64.StdEncoding.DecodeString(z)
		w.channels, _ = base64.StdEncoding.DecodeString(c)
	case "delta":
		w.deltas++
		if !w.synced {
			w.problem("delta before any snapshot")
			return
		}
		// The heart of the protocol: every delta starts where the client is
		// (no gap, no repeat) and moves it forward.
		if f.From != w.version || f.To <= f.From {
			w.problem("delta %d→%d applied at version %d", f.From, f.To, w.version)
		}
		for i, c := range f.Changes {
			if i > 0 && f.Changes[i-1][0] >= c[0] {
				w.problem("changes not sorted and unique: %v", f.Changes)
				break
			}
		}
		for _, c := range f.Changes {
			w.states[c[0]] = '0' + byte(c[1])
		}
		var zs, cs [][2]int
		_ = json.Unmarshal(f.Zones, &zs)
		_ = json.Unmarshal(f.Channels, &cs)
		for _, z := range zs {
			w.zones[z[0]] = byte(z[1] + 1)
		}
		for _, c := range cs {
			w.channels[c[0]] = byte(c[1])
		}
		w.version = f.To
	case "refresh":
		w.refresh++
	default:
		w.problem("unknown frame type %q", f.Type)
	}
}

func (w *watcher) count() (frames, snapshots, deltas int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.frames, w.snapshots, w.deltas
}

func (w *watcher) at() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.version
}

// want is the shard's picture encoded as the watcher keeps it.
func want(s *engine.Shard) (states, zones, channels string, v uint64) {
	var snap engine.Snapshot
	s.Snapshot(&snap)
	st, zs, cs := make([]byte, len(snap.States)), make([]byte, len(snap.States)), make([]byte, len(snap.States))
	for i := range snap.States {
		st[i], zs[i], cs[i] = '0'+byte(snap.States[i]), byte(snap.Zones[i]+1), byte(snap.Channels[i])
	}
	return string(st), string(zs), string(cs), snap.Version
}

// converged waits until the watcher holds exactly the shard's version, states,
// zones and channels (the caller has stopped changing the shard).
func (w *watcher) converged(t testing.TB, s *engine.Shard) {
	t.Helper()
	var last string
	ok := testkit.Within(10*time.Second, func() bool {
		states, zones, channels, v := want(s)
		w.mu.Lock()
		defer w.mu.Unlock()
		last = fmt.Sprintf("watcher at %d, shard at %d; %d problems", w.version, v, len(w.problems))
		return w.version == v && string(w.states) == states && string(w.zones) == zones && string(w.channels) == channels
	})
	require.True(t, ok, "watcher did not converge: %s", last)
	w.mu.Lock()
	defer w.mu.Unlock()
	require.Empty(t, w.problems)
}

func hold(t testing.TB, s *engine.Shard, tok string, seats ...uint32) {
	t.Helper()
	_, err := s.Hold(engine.HoldRequest{Token: tok, Owner: "o", Seats: seats, Expires: time.Now().Add(time.Hour)}, nil)
	require.NoError(t, err)
}

func closeStatus(t testing.TB, ch <-chan websocket.StatusCode) websocket.StatusCode {
	t.Helper()
	select {
	case code := <-ch:
		return code
	case <-time.After(15 * time.Second):
		t.Fatal("socket was not closed")
		return 0
	}
}

func TestSnapshotThenDeltas(t *testing.T) {
	t.Parallel()
	s := engine.NewShard(engine.Config{Hall: theatre})
	hold(t, s, "before", 1, 2)
	srv := serve(t, s, Options{}, false)
	w := watch(t, srv.url)
	w.converged(t, s)
	_, snapshots, _ := w.count()
	require.Equal(t, 1, snapshots)

	hold(t, s, "a", 10, 11)
	w.converged(t, s)
	require.NoError(t, s.Release("a", "o"))
	_, _, err := s.MarkSold([]uint32{1, 2, 3}) // 1 and 2 are held: skipped
	require.NoError(t, err)
	w.converged(t, s)
	hold(t, s, "c", 30)
	require.NoError(t, s.Confirm("c"))
	_, _, err = s.Block([]uint32{40, 41})
	require.NoError(t, err)
	w.converged(t, s)
	require.Equal(t, "112", string(w.states[1:4]))
	require.Equal(t, "2", string(w.states[30]))
	require.Equal(t, "33", string(w.states[40:42]))

	// Zones and channels travel too; a change of zone definitions sends refresh.
	_, _, err = s.PaintZone([]uint32{20, 21}, 1)
	require.NoError(t, err)
	_, _, err = s.PaintChannel([]uint32{22}, 1)
	require.NoError(t, err)
	w.converged(t, s)
	require.Equal(t, byte(2), w.zones[20])
	require.Equal(t, byte(1), w.channels[22])
	s.Touch()
	testkit.Eventually(t, 5*time.Second, "a refresh frame", func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.refresh == 1
	})
	w.converged(t, s)
	_, snapshots, deltas := w.count()
	require.Equal(t, 1, snapshots, "deltas carry everything; no second snapshot")
	require.Positive(t, deltas)
}

// TestDeltaFrames checks the wire form: one frame for changes inside one
// window, each seat once with its last state, sorted by seat.
func TestDeltaFrames(t *testing.T) {
	t.Parallel()
	s := engine.NewShard(engine.Config{Hall: theatre})
	srv := serve(t, s, Options{Interval: 500 * time.Millisecond}, false)
	w := watchWith(t, srv.url, true)
	w.converged(t, s)
	// The first change after a quiet spell goes out at once and opens a window;
	// the rest land inside it and leave as one frame.
	hold(t, s, "open", 700)
	testkit.Eventually(t, 5*time.Second, "the watcher at the shard's version", func() bool { return w.at() == s.Version() })
	v := s.Version()
	hold(t, s, "a", 9, 3)
	hold(t, s, "b", 5)
	require.NoError(t, s.Release("a", "o")) // 9 and 3 end free
	hold(t, s, "c", 3)                      // 3 ends held
	_, _, err := s.Block([]uint32{1})
	require.NoError(t, err)
	w.converged(t, s)
	w.mu.Lock()
	last := w.raw[len(w.raw)-1]
	w.mu.Unlock()
	require.Equal(t, fmt.Sprintf(`{"type":"delta","from":%d,"to":%d,"changes":[[1,3],[3,1],[5,1],[9,0]]}`, v, v+5), last)
}

func TestCoalescing(t *testing.T) {
	t.Parallel()
	s := engine.NewShard(engine.Config{Hall: stadium})
	srv := serve(t, s, Options{Interval: 50 * time.Millisecond}, false)
	w := watch(t, srv.url)
	w.converged(t, s)
	start := time.Now()
	for i := range 1000 {
		hold(t, s, fmt.Sprint(i), uint32(i*7))
		if i%3 == 0 {
			require.NoError(t, s.Release(fmt.Sprint(i), "o"))
		}
	}
	burst := time.Since(start)
	w.converged(t, s)
	frames, _, deltas := w.count()
	t.Logf("1,000 holds and 334 releases in %v reached the client in %d delta frames", burst, deltas)
	// One frame at once, then at most one per 50 ms window of the burst.
	require.LessOrEqual(t, deltas, 3+int(burst/(50*time.Millisecond)))
	require.Less(t, frames, 100, "1,000 holds should coalesce into few frames")
}

// TestFrameRate: a room with more clients than its frame budget allows at
// Interval widens its window, so its sockets get fewer, bigger frames.
func TestFrameRate(t *testing.T) {
	t.Parallel()
	s := engine.NewShard(engine.Config{Hall: stadium})
	// 10 clients at 50 frames a second for the room: one frame per 200 ms.
	srv := serve(t, s, Options{Interval: 5 * time.Millisecond, FrameRate: 50}, false)
	ws := make([]*watcher, 10)
	for i := range ws {
		ws[i] = watch(t, srv.url)
		ws[i].converged(t, s)
	}
	start := time.Now()
	for i := 0; time.Since(start) < 600*time.Millisecond; i++ {
		hold(t, s, fmt.Sprint(i), uint32(i))
		time.Sleep(time.Millisecond)
	}
	burst := time.Since(start)
	for _, w := range ws {
		w.converged(t, s)
		_, _, deltas := w.count()
		// One at once, then one per 200 ms window; at 5 ms it would be ~120.
		require.LessOrEqual(t, deltas, 2+int(burst/(200*time.Millisecond)), "deltas in %v", burst)
	}
}

func TestRoomWindow(t *testing.T) {
	h := &Hub{o: Options{Interval: 50 * time.Millisecond, FrameRate: 50_000}}
	rm := &room{hub: h}
	for _, tc := range []struct {
		clients int64
		want    time.Duration
	}{{0, 50 * time.Millisecond}, {1000, 50 * time.Millisecond}, {2500, 50 * time.Millisecond}, {10_000, 200 * time.Millisecond}, {100_000, 2 * time.Second}} {
		rm.size.Store(tc.clients)
		require.Equal(t, tc.want, rm.window(), "%d clients", tc.clients)
	}
}

func TestResync(t *testing.T) {
	t.Parallel()
	s := engine.NewShard(engine.Config{Hall: theatre})
	srv := serve(t, s, Options{}, false)
	w := watch(t, srv.url)
	w.converged(t, s)
	w.mu.Lock()
	w.states[5] = '3' // corrupt the replica: a resync repairs it
	w.mu.Unlock()
	require.NoError(t, w.conn.Write(context.Background(), websocket.MessageText, []byte(`{"type":"resync"}`)))
	testkit.Eventually(t, 5*time.Second, "a second snapshot with seat 5 free", func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.snapshots == 2 && w.states[5] == '0'
	})
	// Deltas continue from the new snapshot.
	hold(t, s, "after", 6)
	w.converged(t, s)
}

// TestGap: more changes inside one window than the shard's log keeps make the
// room send everyone a snapshot instead of a delta.
func TestGap(t *testing.T) {
	t.Parallel()
	s := engine.NewShard(engine.Config{Hall: theatre, LogSize: 8})
	srv := serve(t, s, Options{Interval: 100 * time.Millisecond}, false)
	w1, w2 := watch(t, srv.url), watch(t, srv.url)
	w1.converged(t, s)
	w2.converged(t, s)
	_, _, err := s.Block([]uint32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	require.NoError(t, err)
	w1.converged(t, s)
	w2.converged(t, s)
	for _, w := range []*watcher{w1, w2} {
		_, snapshots, _ := w.count()
		require.Equal(t, 2, snapshots)
	}
	// And deltas resume from the new snapshot.
	hold(t, s, "after", 20)
	w1.converged(t, s)
	w2.converged(t, s)
}

// TestSurgeOnSmallHall: with the change log sized to the hall (256 entries for
// the 800-seat theatre), a small hall's ordinary traffic goes out as deltas,
// and a surge that outruns the log within one window is sent as snapshots:
// every watcher still ends with the shard's states, each delta chaining from
// the frame before, and deltas resume after the surge.
func TestSurgeOnSmallHall(t *testing.T) {
	t.Parallel()
	s := engine.NewShard(engine.Config{Hall: theatre})
	srv := serve(t, s, Options{Interval: 50 * time.Millisecond}, false)
	ws := []*watcher{watch(t, srv.url), watch(t, srv.url)}
	for _, w := range ws {
		w.converged(t, s)
	}

	// Ordinary traffic: 200 changes, fewer than the log keeps, so no window
	// can miss any however late the room reads.
	for i := range 100 {
		hold(t, s, fmt.Sprint("paced", i), uint32(i))
		require.NoError(t, s.Release(fmt.Sprint("paced", i), "o"))
	}
	for _, w := range ws {
		w.converged(t, s)
		_, snapshots, _ := w.count()
		require.Equal(t, 1, snapshots, "ordinary traffic sent a snapshot")
	}

	// A surge: four buyers holding and releasing as fast as the shard takes it.
	var surge sync.WaitGroup
	var changes atomic.Int64
	until := time.Now().Add(300 * time.Millisecond)
	for g := range 4 {
		surge.Go(func() {
			for i := 0; time.Now().Before(until); i++ {
				tok := fmt.Sprintf("surge%d.%d", g, i)
				seat := uint32((g*200 + i) % theatre.N())
				if _, err := s.Hold(engine.HoldRequest{Token: tok, Owner: "o", Seats: []uint32{seat}, Expires: time.Now().Add(time.Hour)}, nil); err != nil {
					continue // another buyer has it
				}
				if i%7 != 0 || i > 50 { // most go again; a few stay
					require.NoError(t, s.Release(tok, "o"))
					changes.Add(1)
				}
				changes.Add(1)
			}
		})
	}
	surge.Wait()
	for _, w := range ws {
		w.converged(t, s)
		frames, snapshots, deltas := w.count()
		t.Logf("%d changes in 300 ms: %d frames, %d snapshots, %d deltas", changes.Load(), frames, snapshots, deltas)
		require.Greater(t, snapshots, 1, "the surge outran the log: snapshots repair the gap")
	}
	free := uint32(0)
	for s.State(free) != engine.Free {
		free++
	}
	hold(t, s, "after", free)
	for _, w := range ws {
		_, before, _ := w.count()
		w.converged(t, s)
		_, after, _ := w.count()
		require.Equal(t, before, after, "deltas resume after the surge")
	}
}

// TestExpiryFoundByARequest: a hold that a request (here Get, as GET
// /holds/{token} does) finds past its deadline reaches the watchers with no
// other change and no sweep. (Issue 10, item 3: the expiry was silent, and open
// maps showed the seats held until an unrelated change.)
func TestExpiryFoundByARequest(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Date(2026, 11, 22, 19, 0, 0, 0, time.UTC)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	s := engine.NewShard(engine.Config{Hall: theatre, Now: clock})
	srv := serve(t, s, Options{}, false)
	w := watch(t, srv.url)
	_, err := s.Hold(engine.HoldRequest{Token: "a", Owner: "o", Seats: []uint32{3, 4}, Expires: clock().Add(time.Minute)}, nil)
	require.NoError(t, err)
	w.converged(t, s)
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	_, err = s.Get("a", "o")
	require.ErrorIs(t, err, engine.ErrNotFound)
	w.converged(t, s)
	require.Equal(t, engine.Free, s.State(3))
	require.Zero(t, s.Expire(clock()), "nothing left for a sweep")
}

// TestJoinRace: clients join while holds and releases pour in. Each one's
// stream must be one snapshot and then deltas that chain from it exactly (the
// watcher flags any delta whose from is not its version), ending at the
// shard's final states.
func TestJoinRace(t *testing.T) {
	t.Parallel()
	// The change log is long and the churn paced, so that it races the
	// joiners rather than outrunning the log however slowly they join on a
	// loaded machine: a gap would be repaired by a snapshot too, but this test
	// is about joins.
	s := engine.NewShard(engine.Config{Hall: stadium, LogSize: 1 << 20})
	srv := serve(t, s, Options{Interval: 2 * time.Millisecond, QueueSize: 1024}, false)
	stop := make(chan struct{})
	var churn sync.WaitGroup
	churn.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if i%64 == 63 {
				time.Sleep(100 * time.Microsecond)
			}
			seat := uint32(i % stadium.N())
			if s.State(seat) != engine.Free {
				continue
			}
			hold(t, s, fmt.Sprint(i), seat)
			if i%5 != 0 { // most holds go again; some stay
				require.NoError(t, s.Release(fmt.Sprint(i), "o"))
			}
		}
	})
	const joiners = 60
	ws := make([]*watcher, joiners)
	var joins sync.WaitGroup
	for i := range ws {
		joins.Go(func() {
			time.Sleep(time.Duration(i%20) * time.Millisecond)
			ws[i] = watch(t, srv.url)
		})
	}
	joins.Wait()
	// Some ask for a snapshot in the middle of the stream, too.
	for _, w := range ws[:10] {
		require.NoError(t, w.conn.Write(context.Background(), websocket.MessageText, []byte(`{"type":"resync"}`)))
	}
	// The churn goes on past the resyncs (a thousand more changes), then
	// stops; the resyncs are answered by then or after. Waiting for the
	// answers while the churn still runs would measure how fast a loaded
	// machine drains a socket, not the hub.
	after := s.Version() + 1000
	testkit.Eventually(t, 10*time.Second, "the churn going on past the resyncs", func() bool { return s.Version() >= after })
	close(stop)
	churn.Wait()
	testkit.Eventually(t, 20*time.Second, "a snapshot for every resync", func() bool {
		for _, w := range ws[:10] {
			if _, snapshots, _ := w.count(); snapshots < 2 {
				return false
			}
		}
		return true
	})
	for _, w := range ws {
		w.converged(t, s)
	}
	for _, w := range ws {
		// The join and the resync; on a loaded machine the churn can outrun the
		// change log once or twice more, and a gap is repaired by a snapshot too.
		_, snapshots, _ := w.count()
		require.LessOrEqual(t, snapshots, 4)
	}
	require.Equal(t, 1, srv.hub.Rooms())
}

// TestJoinBetweenFrames drives a room by hand: clients that join at any point
// between frames get exactly the deltas after their snapshot.
func TestJoinBetweenFrames(t *testing.T) {
	t.Parallel()
	s := engine.NewShard(engine.Config{Hall: theatre})
	h := NewHub(Options{Shards: shardMap{"p": s}})
	defer h.Stop()
	rm := newRoom(h, "p", s)
	defer rm.unsub()
	var clients []*client
	join := func() {
		c := newClient(h, rm, nil)
		c.queue = make(chan []byte, 100)
		rm.add(c)
		clients = append(clients, c)
	}
	join()
	for i := range 30 {
		hold(t, s, fmt.Sprint(i), uint32(i))
		switch i % 3 {
		case 0:
			join() // changes are pending: the joiner's snapshot is the room's
		case 1:
			rm.step()
		case 2:
			rm.step()
			join()
		}
	}
	rm.step()
	wantStates, _, _, v := want(s)
	for k, c := range clients {
		var version uint64
		var states []byte
		close(c.queue)
		for data := range c.queue {
			var f frame
			require.NoError(t, json.Unmarshal(data, &f))
			switch f.Type {
			case "snapshot":
				require.Nil(t, states, "client %d: one snapshot", k)
				states, version = []byte(f.States), f.Version
			case "delta":
				require.Equal(t, version, f.From, "client %d", k)
				for _, ch := range f.Changes {
					states[ch[0]] = '0' + byte(ch[1])
				}
				version = f.To
			}
		}
		require.Equal(t, v, version, "client %d", k)
		require.Equal(t, wantStates, string(states), "client %d", k)
	}
}

// TestSlowClient: a client that never reads fills its socket, then its queue,
// and is closed with CloseSlow, while a reading client of the same performance
// keeps getting deltas and holds keep their speed.
func TestSlowClient(t *testing.T) {
	s := engine.NewShard(engine.Config{Hall: stadium})
	var hooked atomic.Int32
	srv := serve(t, s, Options{QueueSize: 16, Interval: 5 * time.Millisecond, WriteTimeout: 20 * time.Second, OnSlowClient: func() { hooked.Add(1) }}, true)
	fast := watch(t, srv.url)
	fast.converged(t, s)
	slow := dial(t, srv.url)
	defer slow.CloseNow()
	testkit.Eventually(t, 5*time.Second, "two clients", func() bool { return srv.hub.Clients() == 2 })

	// Holds pour in from their own goroutine, timed one by one.
	stop := make(chan struct{})
	var lat []time.Duration
	var holds sync.WaitGroup
	holds.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			seats := make([]uint32, 20) // bigger frames fill the socket sooner
			for k := range seats {
				seats[k] = uint32((i*20 + k) % stadium.N())
			}
			tok := fmt.Sprint(i)
			start := time.Now()
			_, err := s.Hold(engine.HoldRequest{Token: tok, Owner: "o", Seats: seats, Expires: time.Now().Add(time.Hour)}, nil)
			lat = append(lat, time.Since(start))
			if err != nil {
				t.Errorf("hold: %v", err)
				return
			}
			if err := s.Release(tok, "o"); err != nil {
				t.Errorf("release: %v", err)
				return
			}
			time.Sleep(200 * time.Microsecond) // a steady stream, not a flood
		}
	})
	// Meanwhile: how long until the reading client has what the shard has?
	var lag []time.Duration
	for len(lag) < 20 || srv.hub.SlowClosed() == 0 {
		v, start := s.Version(), time.Now()
		testkit.Eventually(t, 10*time.Second, "the reading client to catch up", func() bool { return fast.at() >= v })
		lag = append(lag, time.Since(start))
		if srv.hub.SlowClosed() == 0 && len(lag) > 2000 {
			t.Fatal("the client that does not read was never closed")
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(stop)
	holds.Wait()
	require.EqualValues(t, 1, srv.hub.SlowClosed())
	require.EqualValues(t, 1, hooked.Load())
	fast.converged(t, s)

	p := func(d []time.Duration, q float64) time.Duration {
		d = append([]time.Duration(nil), d...)
		slices.Sort(d)
		return d[int(q*float64(len(d)-1))]
	}
	t.Logf("holds while a client fell behind: %d, p50 %v, p99 %v, max %v", len(lat), p(lat, .5), p(lat, .99), p(lat, 1))
	t.Logf("reading client's lag behind the shard: p50 %v, max %v", p(lag, .5), p(lag, 1))
	// Generous bounds: the point is that nothing waits on the slow socket.
	require.Less(t, p(lat, .5), time.Millisecond, "a hold never waits on a watcher")
	require.Less(t, p(lat, .99), 10*time.Millisecond, "a hold never waits on a watcher")
	require.Less(t, p(lag, 1), 2*time.Second)

	// Once it reads, the slow client finds its frames and then the close code.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		if _, _, err := slow.Read(ctx); err != nil {
			require.Equal(t, CloseSlow.Code, websocket.CloseStatus(err), "%v", err)
			break
		}
	}
	testkit.Eventually(t, 10*time.Second, "one client left", func() bool { return srv.hub.Clients() == 1 })
}

// TestPing: a peer that answers pings stays; one that never reads cannot
// answer, and is closed as slow after WriteTimeout. Not parallel: a starved
// test process could miss a pong.
func TestPing(t *testing.T) {
	s := engine.NewShard(engine.Config{Hall: theatre})
	srv := serve(t, s, Options{PingInterval: 10 * time.Millisecond, WriteTimeout: time.Second}, false)
	alive := watch(t, srv.url)
	alive.converged(t, s)
	mute := dial(t, srv.url)
	defer mute.CloseNow()
	testkit.Eventually(t, 10*time.Second, "the mute client closed as slow", func() bool { return srv.hub.SlowClosed() == 1 })
	_, _, err := mute.Read(context.Background()) // the snapshot
	require.NoError(t, err)
	_, _, err = mute.Read(context.Background())
	require.Equal(t, CloseSlow.Code, websocket.CloseStatus(err))
	// The one that reads (and so answers pings) is still served.
	hold(t, s, "x", 1)
	alive.converged(t, s)
	require.Equal(t, 1, srv.hub.Clients())
}

func TestCloseCodes(t *testing.T) {
	t.Parallel()
	s := engine.NewShard(engine.Config{Hall: theatre})
	srv := serve(t, s, Options{}, false)

	t.Run("unknown performance", func(t *testing.T) {
		w := watch(t, srv.urlOf("nope"))
		require.Equal(t, CloseNotFound.Code, closeStatus(t, w.closed))
	})
	t.Run("lookup fails", func(t *testing.T) {
		w := watch(t, srv.urlOf("broken"))
		require.Equal(t, CloseUnavailable.Code, closeStatus(t, w.closed))
	})
	bad := map[string]struct {
		typ  websocket.MessageType
		data string
	}{
		"unknown type": {websocket.MessageText, `{"type":"dance"}`},
		"not json":     {websocket.MessageText, `resync`},
		"no type":      {websocket.MessageText, `{}`},
		"binary":       {websocket.MessageBinary, `{"type":"resync"}`},
		"too big":      {websocket.MessageText, `{"type":"resync","pad":"` + strings.Repeat("x", maxClientFrame) + `"}`},
		"far too big":  {websocket.MessageText, `{"type":"resync","pad":"` + strings.Repeat("x", 100*maxClientFrame) + `"}`},
	}
	for name, tc := range bad {
		t.Run(name, func(t *testing.T) {
			w := watch(t, srv.url)
			w.converged(t, s)
			_ = w.conn.Write(context.Background(), tc.typ, []byte(tc.data))
			require.Equal(t, ClosePolicy.Code, closeStatus(t, w.closed))
		})
	}
	t.Run("extra fields are fine", func(t *testing.T) {
		w := watch(t, srv.url)
		w.converged(t, s)
		require.NoError(t, w.conn.Write(context.Background(), websocket.MessageText, []byte(`{"type":"resync","why":"gap"}`)))
		testkit.Eventually(t, 5*time.Second, "a second snapshot", func() bool {
			_, snapshots, _ := w.count()
			return snapshots == 2
		})
	})
}

func TestStop(t *testing.T) {
	t.Parallel()
	s := engine.NewShard(engine.Config{Hall: theatre})
	srv := serve(t, s, Options{}, false)
	ws := []*watcher{watch(t, srv.url), watch(t, srv.url), watch(t, srv.url)}
	for _, w := range ws {
		w.converged(t, s)
	}
	require.Equal(t, 3, srv.hub.Clients())
	require.Equal(t, 1, srv.hub.Rooms())
	srv.hub.Stop()
	for _, w := range ws {
		require.Equal(t, CloseGoingAway.Code, closeStatus(t, w.closed))
	}
	require.Zero(t, srv.hub.Clients())
	require.Zero(t, srv.hub.Rooms())
	// Later sockets hear "going away" at once.
	late := watch(t, srv.url)
	require.Equal(t, CloseGoingAway.Code, closeStatus(t, late.closed))
	srv.hub.Stop() // twice is fine
}

func TestStartContext(t *testing.T) {
	t.Parallel()
	s := engine.NewShard(engine.Config{Hall: theatre})
	ctx, cancel := context.WithCancel(context.Background())
	h := NewHub(Options{Shards: shardMap{"p": s}})
	require.NoError(t, h.Start(ctx))
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeWS(w, r, "p") }))
	defer ts.Close()
	w := watch(t, "ws"+strings.TrimPrefix(ts.URL, "http"))
	w.converged(t, s)
	cancel()
	require.Equal(t, CloseGoingAway.Code, closeStatus(t, w.closed))
	h.Stop()
}

// TestStartStopContract: the hub keeps the start/stop contract every
// long-running part keeps, with a socket open while it stops.
func TestStartStopContract(t *testing.T) {
	t.Parallel()
	testkit.StartStop(t, func(t *testing.T) startstop.Service {
		s := engine.NewShard(engine.Config{Hall: theatre})
		h := NewHub(Options{Shards: shardMap{"p": s}, Logger: slog.New(slog.DiscardHandler)})
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeWS(w, r, "p") }))
		w := watch(t, "ws"+strings.TrimPrefix(ts.URL, "http"))
		w.converged(t, s)
		t.Cleanup(func() {
			h.Stop()
			ts.Close()
		})
		return h
	})
}

// TestNoStartAfterStop: a stopped hub refuses sockets for good, so it cannot
// be started again.
func TestNoStartAfterStop(t *testing.T) {
	t.Parallel()
	h := NewHub(Options{Shards: shardMap{}})
	h.Stop()
	require.ErrorContains(t, h.Start(context.Background()), "hub stopped")
	h.Stop()
}

func TestTooManyClients(t *testing.T) {
	t.Parallel()
	s := engine.NewShard(engine.Config{Hall: theatre})
	srv := serve(t, s, Options{MaxClients: 2}, false)
	a, b := watch(t, srv.url), watch(t, srv.url)
	a.converged(t, s)
	b.converged(t, s)
	third := watch(t, srv.url)
	require.Equal(t, CloseTooMany.Code, closeStatus(t, third.closed))
	// A place frees up when a client leaves.
	a.conn.Close(websocket.StatusNormalClosure, "")
	testkit.Eventually(t, 5*time.Second, "one client left", func() bool { return srv.hub.Clients() == 1 })
	c := watch(t, srv.url)
	c.converged(t, s)
}

// TestRooms: a room lives while its performance has sockets.
func TestRooms(t *testing.T) {
	t.Parallel()
	p, q := engine.NewShard(engine.Config{Hall: theatre}), engine.NewShard(engine.Config{Hall: theatre})
	srv := serve(t, p, Options{Shards: shardMap{"p": p, "q": q}}, false)
	a, b, c := watch(t, srv.url), watch(t, srv.url), watch(t, srv.urlOf("q"))
	a.converged(t, p)
	b.converged(t, p)
	c.converged(t, q)
	require.Equal(t, 2, srv.hub.Rooms())
	c.conn.Close(websocket.StatusNormalClosure, "")
	testkit.Eventually(t, 5*time.Second, "one room left", func() bool { return srv.hub.Rooms() == 1 })
	a.conn.Close(websocket.StatusNormalClosure, "")
	hold(t, p, "x", 1)
	b.converged(t, p)
	b.conn.Close(websocket.StatusNormalClosure, "")
	testkit.Eventually(t, 5*time.Second, "no room and no client", func() bool { return srv.hub.Rooms() == 0 && srv.hub.Clients() == 0 })
	// Coming back builds a new room from the shard as it is now.
	hold(t, p, "y", 2)
	d := watch(t, srv.url)
	d.converged(t, p)
}

// TestRefuse: a caller's own check can turn a socket away with a close code the
// browser can read.
func TestRefuse(t *testing.T) {
	t.Parallel()
	h := NewHub(Options{Shards: shardMap{}})
	defer h.Stop()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.Refuse(w, r, CloseNotFound) }))
	defer ts.Close()
	w := watch(t, "ws"+strings.TrimPrefix(ts.URL, "http"))
	require.Equal(t, CloseNotFound.Code, closeStatus(t, w.closed))
	require.Zero(t, h.Clients())
}

// TestOutageLoggedQuietly: a page that cannot be served because a backing
// service is down is closed with CloseUnavailable and logged at debug only
// (its breaker logs the outage, once); other lookup failures are warnings.
func TestOutageLoggedQuietly(t *testing.T) {
	t.Parallel()
	var logs syncLog
	s := engine.NewShard(engine.Config{Hall: theatre})
	srv := serve(t, s, Options{
		Logger:        slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
		IsUnavailable: func(err error) bool { return strings.Contains(err.Error(), "connection refused") },
	}, false)
	for range 3 {
		w := watch(t, srv.urlOf("broken"))
		require.Equal(t, CloseUnavailable.Code, closeStatus(t, w.closed))
	}
	require.Empty(t, logs.String(), "an outage is not logged per socket")

	quiet := serve(t, s, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))}, false)
	w := watch(t, quiet.urlOf("broken"))
	require.Equal(t, CloseUnavailable.Code, closeStatus(t, w.closed))
	require.Contains(t, logs.String(), "level=WARN", "without IsUnavailable every lookup failure is a warning")
}

// syncLog is a log sink safe for the hub's goroutines.
type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
