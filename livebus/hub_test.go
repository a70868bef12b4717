package livebus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/engine"
	"github.com/seatmap/seatmap/internal/testkit"
	"github.com/seatmap/seatmap/realtime"
)

// socket is a browser's view of a live seat map: it applies snapshots and
// deltas as the page does and notes any delta that does not chain.
type socket struct {
	conn *websocket.Conn
	done chan struct{}

	mu        sync.Mutex
	states    []byte
	version   uint64
	snapshots int
	deltas    int
	problems  []string
}

func dialSocket(t *testing.T, url string) *socket {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, url, nil)
	require.NoError(t, err)
	conn.SetReadLimit(8 << 20)
	s := &socket{conn: conn, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for {
			_, data, err := conn.Read(context.Background())
			if err != nil {
				return
			}
			s.apply(data)
		}
	}()
	t.Cleanup(func() {
		conn.CloseNow()
		<-s.done
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, p := range s.problems {
			t.Errorf("socket: %s", p)
		}
	})
	return s
}

func (s *socket) apply(data []byte) {
	var f struct {
		Type    string      `json:"type"`
		Version uint64      `json:"version"`
		States  string      `json:"states"`
		From    uint64      `json:"from"`
		To      uint64      `json:"to"`
		Changes [][2]uint32 `json:"changes"`
	}
	err := json.Unmarshal(data, &f)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.problems = append(s.problems, fmt.Sprintf("bad frame %.80s: %v", data, err))
		return
	}
	switch f.Type {
	case "snapshot":
		s.snapshots++
		s.states, s.version = []byte(f.States), f.Version
	case "delta":
		s.deltas++
		if f.From != s.version || f.To <= f.From {
			s.problems = append(s.problems, fmt.Sprintf("delta %d→%d at version %d", f.From, f.To, s.version))
		}
		for _, c := range f.Changes {
			s.states[c[0]] = '0' + byte(c[1])
		}
		s.version = f.To
	}
}

func (s *socket) sees(owner *engine.Shard) bool {
	states, _ := owner.States(nil)
	want := make([]byte, len(states))
	for i, st := range states {
		want[i] = '0' + byte(st)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return string(s.states) == string(want)
}

func (s *socket) counts() (snapshots, deltas int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snapshots, s.deltas
}

// TestHubOnMirror: realtime's hub, unchanged, serves a mirror: a socket gets
// the snapshot, then every owner change as deltas; a failover that changes
// most seats reaches it as one snapshot, and deltas chain on from there.
func TestHubOnMirror(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{check: time.Hour})
	e.publish(t)
	token, shard := e.owner.current()
	hub := realtime.NewHub(realtime.Options{Shards: e.mirrors[1], Logger: slog.New(slog.DiscardHandler), Interval: 5 * time.Millisecond,
		IsNotFound: func(err error) bool { return errors.Is(err, ErrNotFound) }})
	require.NoError(t, hub.Start(context.Background()))
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hub.ServeWS(w, r, strings.TrimPrefix(r.URL.Path, "/"))
	}))
	t.Cleanup(func() {
		hub.Stop()
		ts.Close()
	})
	url := "ws" + strings.TrimPrefix(ts.URL, "http") + "/p"

	hold(t, shard, "before", 1, 2)
	sock := dialSocket(t, url)
	testkit.Eventually(t, 10*time.Second, "the socket showing the owner's seats", func() bool { return sock.sees(shard) })
	hold(t, shard, "a", 10, 11)
	testkit.Eventually(t, 10*time.Second, "the hold on the socket", func() bool { return sock.sees(shard) })
	// Paced: a burst of more changes than the theatre's change log keeps
	// between two reads of a room sends a snapshot, mirror or not.
	churn(t, shard, rand.New(rand.NewPCG(9, 9)), 200, time.Millisecond)
	testkit.Eventually(t, 10*time.Second, "the churn on the socket", func() bool { return sock.sees(shard) })
	snapshots, deltas := sock.counts()
	require.Equal(t, 1, snapshots, "deltas carried everything")
	require.Positive(t, deltas)

	// Failover to a shard where everything is blocked: too many seats differ
	// for a delta, so the mirror resets and the room sends a snapshot.
	rebuilt := engine.NewShard(engine.Config{Hall: theatre})
	all := make([]uint32, theatre.N())
	for i := range all {
		all[i] = uint32(i)
	}
	_, _, err := rebuilt.Block(all)
	require.NoError(t, err)
	e.owner.set(token+1, rebuilt)
	e.publish(t)
	testkit.Eventually(t, 10*time.Second, "the new owner's seats on the socket", func() bool { return sock.sees(rebuilt) })
	_, _, err = rebuilt.Unblock([]uint32{5})
	require.NoError(t, err)
	testkit.Eventually(t, 10*time.Second, "a delta after the reset", func() bool { return sock.sees(rebuilt) })
	snapshots, _ = sock.counts()
	require.Equal(t, 2, snapshots)

	// An unknown performance is refused as not found.
	conn, _, err := websocket.Dial(context.Background(), "ws"+strings.TrimPrefix(ts.URL, "http")+"/nope", nil)
	require.NoError(t, err)
	defer conn.CloseNow()
	_, _, err = conn.Read(context.Background())
	require.Equal(t, realtime.CloseNotFound.Code, websocket.CloseStatus(err))
}
