package livebus

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/engine"
	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/internal/faultproxy"
	"github.com/seatmap/seatmap/lease/redis/redistest"
)

// faultEnv is an owner whose publisher and a node whose mirrors each reach
// Redis through a proxy of their own, which the test cuts.
type faultEnv struct {
	owner            *owner
	pubLine, subLine *faultproxy.Proxy
	mirrors          *Mirrors
	prefix           string
}

func newFaultEnv(t *testing.T, check, beat time.Duration) *faultEnv {
	t.Helper()
	redistest.Client(t) // fails early when Redis is not there
	addr := redistest.Options(t).Addr
	e := &faultEnv{owner: &owner{token: 3, shard: engine.NewShard(engine.Config{Hall: theatre})}, prefix: redistest.Prefix(t)}
	var err error
	e.pubLine, err = faultproxy.New(addr)
	require.NoError(t, err)
	t.Cleanup(e.pubLine.Close)
	e.subLine, err = faultproxy.New(addr)
	require.NoError(t, err)
	t.Cleanup(e.subLine.Close)
	client := func(p *faultproxy.Proxy) redis.UniversalClient {
		c := redis.NewClient(&redis.Options{Addr: p.Addr(), MaxRetries: -1, DialTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second})
		t.Cleanup(func() { c.Close() })
		return c
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+SnapshotPath, Handler(e.owner.get))
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	log := slog.New(slog.DiscardHandler)
	pub := NewPublisher(PublisherOptions{Redis: client(e.pubLine), Prefix: e.prefix, Logger: log, Beat: beat})
	token, shard := e.owner.current()
	t.Cleanup(pub.Publish(context.Background(), "p", token, shard))
	e.mirrors = New(Options{Redis: client(e.subLine), Prefix: e.prefix, Logger: log, Check: check,
		Hall: func(context.Context, string) (*hall.Hall, error) { return theatre, nil },
		Fetch: func(ctx context.Context, perf string) (Snapshot, error) {
			return FetchHTTP(ctx, ts.Client(), ts.URL, perf, nil)
		}})
	require.NoError(t, e.mirrors.Start(context.Background()))
	t.Cleanup(e.mirrors.Stop)
	return e
}

// TestPublisherLineCut: frames the owner could not publish while its line
// to Redis was down are sent once it is back, nothing dropped and no gap:
// the mirror never needs a snapshot.
func TestPublisherLineCut(t *testing.T) {
	t.Parallel()
	e := newFaultEnv(t, time.Hour, 0) // no quiet checks: only frames may bring the changes
	_, shard := e.owner.current()
	m, err := e.mirrors.Shard(context.Background(), "p")
	require.NoError(t, err)
	follow(t, m)
	hold(t, shard, "before", 1)
	converged(t, shard, m)
	gaps := e.mirrors.Stats().Gaps // the publisher's first reset may come after the mirror

	e.pubLine.SetDown(true)
	rng := rand.New(rand.NewPCG(13, 14))
	for i := range 20 {
		hold(t, shard, fmt.Sprint("cut", i), firstFree(shard, rng.Uint32N(uint32(theatre.N()-200))))
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // a few failed attempts
	require.False(t, samePicture(shard, m), "nothing got through the cut line")
	e.pubLine.SetDown(false)
	converged(t, shard, m)
	require.Equal(t, gaps, e.mirrors.Stats().Gaps, "the frames after the cut continue the ones before it")
}

// TestSubscriberLineCut: frames published while a node's subscription line
// was down are lost to it; once the line is back (go-redis subscribes again)
// the owner's next beat shows the gap, and a snapshot brings the mirror back.
func TestSubscriberLineCut(t *testing.T) {
	t.Parallel()
	e := newFaultEnv(t, time.Hour, 100*time.Millisecond) // no quiet checks: the beat must find it
	_, shard := e.owner.current()
	m, err := e.mirrors.Shard(context.Background(), "p")
	require.NoError(t, err)
	follow(t, m) // watched: quiet checks apply
	hold(t, shard, "before", 1)
	converged(t, shard, m)

	fetches := e.mirrors.Stats().Fetches
	e.subLine.SetDown(true)
	hold(t, shard, "lost", 2, 3)
	time.Sleep(100 * time.Millisecond)
	require.False(t, samePicture(shard, m), "the frame was lost")
	e.subLine.SetDown(false)
	converged(t, shard, m) // by the beat
	require.Greater(t, e.mirrors.Stats().Fetches, fetches, "a snapshot brought it")
	hold(t, shard, "after", 4)
	converged(t, shard, m)
}
