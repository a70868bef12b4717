package livebus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/seatmap/seatmap/engine"
	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/internal/startstop"
	"github.com/seatmap/seatmap/internal/testkit"
	"github.com/seatmap/seatmap/lease/redis/redistest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var (
	theatre = hall.MustCompile(hall.Theatre())
	stadium = hall.MustCompile(hall.Stadium())
)

// owner is the node that owns performance "p": its shard and token, which a
// failover replaces, served by Handler behind a real HTTP server.
type owner struct {
	mu    sync.Mutex
	token uint64
	shard *engine.Shard
	url   string
	fails atomic.Int64 // answer 503 while above zero
	asked atomic.Int64
}

func (o *owner) get(_ context.Context, perf string) (uint64, *engine.Shard, error) {
	o.asked.Add(1)
	if perf != "p" {
		return 0, nil, fmt.Errorf("performance %s: %w", perf, ErrNotFound)
	}
	if o.fails.Load() > 0 {
		o.fails.Add(-1)
		return 0, nil, errors.New("rebuilding")
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.token, o.shard, nil
}

func (o *owner) set(token uint64, shard *engine.Shard) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.token, o.shard = token, shard
}

func (o *owner) current() (uint64, *engine.Shard) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.token, o.shard
}

// env is one Redis, an owner and two nodes' Mirrors.
type env struct {
	rc      redis.UniversalClient
	prefix  string
	owner   *owner
	pub     *Publisher
	mirrors [2]*Mirrors
}

type envOptions struct {
	hall  *hall.Hall
	check time.Duration
	beat  time.Duration // the publisher's
	now   func() time.Time
	redis redis.UniversalClient
}

func newEnv(t testing.TB, eo envOptions) *env {
	t.Helper()
	if eo.hall == nil {
		eo.hall = theatre
	}
	if eo.check == 0 {
		eo.check = 200 * time.Millisecond
	}
	e := &env{owner: &owner{token: 7, shard: engine.NewShard(engine.Config{Hall: eo.hall})}}
	e.rc = eo.redis
	if e.rc == nil {
		e.rc = redistest.Client(t)
	}
	e.prefix = redistest.Prefix(t)
	mux := http.NewServeMux()
	mux.Handle("GET "+SnapshotPath, Handler(e.owner.get))
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	e.owner.url = ts.URL
	log := slog.New(slog.DiscardHandler)
	e.pub = NewPublisher(PublisherOptions{Redis: e.rc, Prefix: e.prefix, Logger: log, Beat: eo.beat})
	for i := range e.mirrors {
		m := New(Options{
			Redis:  e.rc,
			Prefix: e.prefix,
			Hall: func(_ context.Context, perf string) (*hall.Hall, error) {
				if perf != "p" {
					return nil, fmt.Errorf("performance %s: %w", perf, ErrNotFound)
				}
				return eo.hall, nil
			},
			Fetch: func(ctx context.Context, perf string) (Snapshot, error) {
				return FetchHTTP(ctx, ts.Client(), ts.URL, perf, nil)
			},
			Logger: log,
			Now:    eo.now,
			Check:  eo.check,
		})
		require.NoError(t, m.Start(context.Background()))
		t.Cleanup(m.Stop)
		e.mirrors[i] = m
	}
	return e
}

// publish starts the owner's publisher; it stops when the test ends.
func (e *env) publish(t testing.TB) (stop func()) {
	t.Helper()
	token, shard := e.owner.current()
	stop = e.pub.Publish(context.Background(), "p", token, shard)
	t.Cleanup(stop)
	return stop
}

// publishSettled starts the owner's publisher after the mirrors were made,
// and waits for its first reset to have been handled by each (a gap and a
// fetch that finds nothing new), so a test can count gaps from there.
func (e *env) publishSettled(t testing.TB) {
	t.Helper()
	e.publish(t)
	testkit.Eventually(t, 10*time.Second, "the publisher's first reset handled", func() bool {
		for _, m := range e.mirrors {
			if m.Stats().Mirrors > 0 && (m.Stats().Gaps == 0 || m.busy()) {
				return false
			}
		}
		return true
	})
}

// busy reports whether a mirror is loading or fetching.
func (m *Mirrors) busy() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, mr := range m.mirrors {
		mr.mu.Lock()
		busy := mr.shard == nil || mr.fetching
		mr.mu.Unlock()
		if busy {
			return true
		}
	}
	return false
}

// mirror returns node i's mirror of "p" with a watcher on it.
func (e *env) mirror(t testing.TB, i int) (*engine.Shard, *follower) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := e.mirrors[i].Shard(ctx, "p")
	require.NoError(t, err)
	return s, follow(t, s)
}

// follower reads a shard's changes as a hub room does and checks that its
// version never goes back; it keeps every seat's sequence of states.
type follower struct {
	s    *engine.Shard
	stop func()
	done chan struct{}

	mu       sync.Mutex
	version  uint64
	gaps     int
	states   map[uint32][]engine.State
	problems []string
}

func follow(t testing.TB, s *engine.Shard) *follower {
	t.Helper()
	f := &follower{s: s, done: make(chan struct{}), states: map[uint32][]engine.State{}}
	sig, unsub := s.Subscribe()
	f.version = s.Version()
	ctx, cancel := context.WithCancel(context.Background())
	f.stop = func() { cancel(); <-f.done }
	go func() {
		defer close(f.done)
		defer unsub()
		var buf []engine.Change
		for {
			select {
			case <-ctx.Done():
				return
			case <-sig:
			}
			f.mu.Lock()
			changes, to, err := s.Since(f.version, buf[:0])
			buf = changes
			if to < f.version {
				f.problems = append(f.problems, fmt.Sprintf("version went back from %d to %d", f.version, to))
			}
			if errors.Is(err, engine.ErrGap) {
				f.gaps++
			} else {
				for _, c := range changes {
					if c.Kind == engine.StateChange {
						f.states[c.Seat] = append(f.states[c.Seat], c.State)
					}
				}
			}
			f.version = to
			f.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		f.stop()
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, p := range f.problems {
			t.Errorf("follower: %s", p)
		}
	})
	return f
}

func (f *follower) sequences() (map[uint32][]engine.State, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[uint32][]engine.State, len(f.states))
	for k, v := range f.states {
		out[k] = append([]engine.State(nil), v...)
	}
	return out, f.gaps
}

// samePicture reports whether two shards show the same seats.
func samePicture(a, b *engine.Shard) bool {
	var x, y engine.Snapshot
	a.Snapshot(&x)
	b.Snapshot(&y)
	return string(statesBytes(x.States)) == string(statesBytes(y.States)) &&
		fmt.Sprint(x.Zones) == fmt.Sprint(y.Zones) && fmt.Sprint(x.Channels) == fmt.Sprint(y.Channels)
}

func statesBytes(s []engine.State) []byte {
	b := make([]byte, len(s))
	for i, st := range s {
		b[i] = byte(st)
	}
	return b
}

func converged(t testing.TB, want, mirror *engine.Shard) {
	t.Helper()
	testkit.Eventually(t, 10*time.Second, "the mirror showing the owner's seats", func() bool { return samePicture(want, mirror) })
	require.NoError(t, mirror.Verify())
}

func hold(t testing.TB, s *engine.Shard, tok string, seats ...uint32) {
	t.Helper()
	_, err := s.Hold(engine.HoldRequest{Token: tok, Owner: "o", Seats: seats, Expires: time.Now().Add(time.Hour)}, nil)
	require.NoError(t, err)
}

// churn makes n random changes on s: holds, releases, sales, blocks, paint.
func churn(t testing.TB, s *engine.Shard, rng *rand.Rand, n int, pause time.Duration) {
	t.Helper()
	seats := uint32(s.Hall().N())
	for i := range n {
		pick := []uint32{rng.Uint32N(seats), rng.Uint32N(seats)}
		switch rng.IntN(8) {
		case 0, 1, 2:
			_, _ = s.Hold(engine.HoldRequest{Token: fmt.Sprint("h", i, rng.Int()), Owner: "o", Seats: pick, Expires: time.Now().Add(time.Hour)}, nil)
		case 3, 4:
			if hs := s.Holds(); len(hs) > 0 {
				h := hs[rng.IntN(len(hs))]
				if rng.IntN(2) == 0 {
					_ = s.Release(h.Token, engine.AnyOwner)
				} else {
					_ = s.Confirm(h.Token)
				}
			}
		case 5:
			_, _, _ = s.Block(pick)
		case 6:
			_, _, _ = s.Unblock(pick)
		case 7:
			if rng.IntN(2) == 0 {
				_, _, _ = s.PaintZone(pick, uint16(rng.IntN(len(s.Hall().Layout.Zones))))
			} else {
				_, _, _ = s.PaintChannel(pick, engine.Channel(rng.IntN(3)))
			}
		}
		if pause > 0 && i%10 == 0 {
			time.Sleep(pause)
		}
	}
}

// TestEveryChangeReachesBothMirrorsInOrder: what a hub room reads from either
// mirror is, seat by seat, the owner's own sequence of states, with no gap and
// no snapshot after the first.
func TestEveryChangeReachesBothMirrorsInOrder(t *testing.T) {
	t.Parallel()
	// No quiet checks: one in a stall of the churn would fetch a snapshot
	// ahead of the frames in flight and apply it as one coalesced delta.
	e := newEnv(t, envOptions{hall: stadium, check: time.Hour})
	_, shard := e.owner.current()
	ownerSeen := follow(t, shard)
	m0, f0 := e.mirror(t, 0)
	m1, f1 := e.mirror(t, 1)
	e.publishSettled(t)
	churn(t, shard, rand.New(rand.NewPCG(3, 4)), 2000, time.Millisecond)
	converged(t, shard, m0)
	converged(t, shard, m1)
	testkit.Eventually(t, 5*time.Second, "the followers at their shards' versions", func() bool {
		f0.mu.Lock()
		defer f0.mu.Unlock()
		f1.mu.Lock()
		defer f1.mu.Unlock()
		return f0.version == m0.Version() && f1.version == m1.Version()
	})
	want, gaps := ownerSeen.sequences()
	require.Zero(t, gaps)
	require.NotEmpty(t, want)
	for i, f := range []*follower{f0, f1} {
		got, gaps := f.sequences()
		require.Zero(t, gaps, "mirror %d: no reset", i)
		require.Equal(t, want, got, "mirror %d: every seat's states in the owner's order", i)
	}
	for i, m := range e.mirrors {
		st := m.Stats()
		require.Equal(t, 1, st.Mirrors)
		require.Equal(t, int64(1), st.Gaps, "mirror %d: the publisher's first reset only", i)
		require.Positive(t, st.Frames)
	}
}

// TestLostFrameFetchesSnapshot: a frame whose from does not continue the
// mirror's version (the one before it was lost) makes the mirror fetch a
// snapshot, which brings it to the owner's seats, the lost change included.
func TestLostFrameFetchesSnapshot(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{check: time.Hour}) // no quiet checks: only the gap may fetch
	stop := e.publish(t)
	token, shard := e.owner.current()
	m0, f0 := e.mirror(t, 0)
	m1, _ := e.mirror(t, 1)
	hold(t, shard, "seen", 1)
	converged(t, shard, m0)
	converged(t, shard, m1)
	// The publisher's first reset may have come after the mirrors were made.
	before := e.mirrors[0].Stats()

	stop()
	hold(t, shard, "lost", 2, 3) // never published
	from := shard.Version()
	hold(t, shard, "next", 4)
	changes, to, err := shard.Since(from, nil)
	require.NoError(t, err)
	msg := appendFrame(nil, &frame{perf: "p", token: token, from: from, to: to, changes: changes})
	require.NoError(t, e.rc.Publish(context.Background(), Channel(e.prefix, "p"), msg).Err())

	converged(t, shard, m0)
	converged(t, shard, m1)
	st := e.mirrors[0].Stats()
	require.Equal(t, before.Gaps+1, st.Gaps)
	require.Greater(t, st.Fetches, before.Fetches)
	// Three seats differ: the snapshot came as an ordinary delta, not a reset.
	_, gaps := f0.sequences()
	require.Zero(t, gaps)
}

// TestQuietMirrorChecks: a change whose frame never comes (the owner's last
// before a quiet spell) reaches a watched mirror by its periodic check.
func TestQuietMirrorChecks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{check: 100 * time.Millisecond})
	_, shard := e.owner.current()
	m0, _ := e.mirror(t, 0) // followed: it has a subscriber
	hold(t, shard, "unpublished", 5, 6)
	converged(t, shard, m0)
}

// TestBeatsSpareFetches: a watched mirror of a quiet owner hears its beats
// and fetches nothing, however long the quiet lasts.
func TestBeatsSpareFetches(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{check: 200 * time.Millisecond, beat: 50 * time.Millisecond})
	_, shard := e.owner.current()
	m0, _ := e.mirror(t, 0)
	e.publishSettled(t)
	hold(t, shard, "last", 3)
	converged(t, shard, m0)
	fetches := e.mirrors[0].Stats().Fetches
	time.Sleep(time.Second) // five Checks of quiet
	require.Equal(t, fetches, e.mirrors[0].Stats().Fetches)

	// A lost last frame: the next beat shows the owner ahead.
	token, _ := e.owner.current()
	hold(t, shard, "x", 4) // a real frame follows, but first a forged beat says more
	converged(t, shard, m0)
	gaps := e.mirrors[0].Stats().Gaps
	v := shard.Version()
	msg := appendFrame(nil, &frame{beat: true, perf: "p", token: token, from: v + 1, to: v + 1})
	require.NoError(t, e.rc.Publish(context.Background(), Channel(e.prefix, "p"), msg).Err())
	testkit.Eventually(t, 5*time.Second, "the beat ahead of the picture seen as a gap", func() bool {
		return e.mirrors[0].Stats().Gaps == gaps+1
	})
	converged(t, shard, m0)
}

// TestShardRebuiltUnderSameToken: an owner that rebuilds its shard keeps its
// token but its versions start over; the new publisher's reset makes the
// mirrors take the rebuilt shard's snapshot although its version is lower
// than theirs, and follow its frames from there.
func TestShardRebuiltUnderSameToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{check: time.Hour})
	stop := e.publish(t)
	token, old := e.owner.current()
	m0, _ := e.mirror(t, 0)
	churn(t, old, rand.New(rand.NewPCG(15, 16)), 300, 0)
	converged(t, old, m0)
	stop()

	rebuilt := engine.NewShard(engine.Config{Hall: theatre})
	hold(t, rebuilt, "kept", 20, 21)
	require.Less(t, rebuilt.Version(), old.Version())
	e.owner.set(token, rebuilt)
	e.publish(t)
	converged(t, rebuilt, m0)
	hold(t, rebuilt, "next", 22)
	converged(t, rebuilt, m0)
}

// TestFailover: a new owner (a new token, a rebuilt shard whose versions
// start over) is followed at once through its first reset frame; frames the
// old owner still sends are ignored; mirror versions never go back.
func TestFailover(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{check: time.Hour})
	e.publish(t)
	token, old := e.owner.current()
	m0, f0 := e.mirror(t, 0)
	m1, f1 := e.mirror(t, 1)
	rng := rand.New(rand.NewPCG(5, 6))
	churn(t, old, rng, 300, 0)
	converged(t, old, m0)
	converged(t, old, m1)
	before := [2]uint64{m0.Version(), m1.Version()}

	// The new owner rebuilds: its version is far below the old one's.
	rebuilt := engine.NewShard(engine.Config{Hall: theatre})
	var snap engine.Snapshot
	old.Snapshot(&snap)
	var sold []uint32
	for i, st := range snap.States {
		if st == engine.Sold {
			sold = append(sold, uint32(i))
		}
	}
	_, _, err := rebuilt.MarkSold(sold)
	require.NoError(t, err)
	hold(t, rebuilt, "after-failover", firstFree(rebuilt, 0), firstFree(rebuilt, 100))
	require.Less(t, rebuilt.Version(), old.Version())
	e.owner.set(token+1, rebuilt)
	e.publish(t)
	converged(t, rebuilt, m0)
	converged(t, rebuilt, m1)

	// The old owner, paused and back, keeps changing its shard and
	// publishing: the mirrors ignore it.
	churn(t, old, rng, 50, 0)
	hold(t, rebuilt, "new-owner-goes-on", firstFree(rebuilt, 200))
	converged(t, rebuilt, m0)
	converged(t, rebuilt, m1)
	for i, m := range []*engine.Shard{m0, m1} {
		require.Greater(t, m.Version(), before[i], "mirror %d", i)
	}
	_ = f0
	_ = f1 // their cleanup checks that versions never went back
}

func firstFree(s *engine.Shard, from uint32) uint32 {
	for seat := from; ; seat++ {
		if s.State(seat) == engine.Free {
			return seat
		}
	}
}

// TestOwnerUnavailable: a mirror whose first fetch fails is not made (the
// socket is refused and the page retries); one whose later fetch fails keeps
// retrying and converges once the owner answers.
func TestOwnerUnavailable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{check: time.Hour})
	e.owner.fails.Store(1)
	_, err := e.mirrors[0].Shard(context.Background(), "p")
	require.Error(t, err)
	require.Zero(t, e.mirrors[0].Stats().Mirrors)

	e.publish(t)
	token, shard := e.owner.current()
	m0, _ := e.mirror(t, 0)
	e.owner.fails.Store(3)
	// A reset frame: the mirror must fetch, and the owner fails three times.
	msg := appendFrame(nil, &frame{reset: true, perf: "p", token: token, from: shard.Version(), to: shard.Version()})
	require.NoError(t, e.rc.Publish(context.Background(), Channel(e.prefix, "p"), msg).Err())
	hold(t, shard, "meanwhile", 9)
	converged(t, shard, m0)

	_, err = e.mirrors[0].Shard(context.Background(), "nope")
	require.ErrorIs(t, err, ErrNotFound)
}

// TestIdleMirrorDropped: a mirror nobody watches for Idle is dropped and its
// channel unsubscribed; the next ask makes a new one.
func TestIdleMirrorDropped(t *testing.T) {
	t.Parallel()
	clock := testkit.NewClock(time.Now())
	e := newEnv(t, envOptions{now: clock.Now, check: 40 * time.Millisecond})
	e.publish(t)
	m := e.mirrors[0]
	s1, err := m.Shard(context.Background(), "p")
	require.NoError(t, err)
	// Watched: it stays however long.
	sig, unsub := s1.Subscribe()
	_ = sig
	clock.Add(2 * time.Minute)
	time.Sleep(100 * time.Millisecond) // a few sweeps
	require.Equal(t, 1, m.Stats().Mirrors)
	unsub()
	clock.Add(30 * time.Second)
	time.Sleep(100 * time.Millisecond)
	require.Equal(t, 1, m.Stats().Mirrors, "unwatched for less than Idle")
	clock.Add(31 * time.Second)
	testkit.Eventually(t, 5*time.Second, "the idle mirror dropped", func() bool { return m.Stats().Mirrors == 0 })
	testkit.Eventually(t, 5*time.Second, "the channel unsubscribed", func() bool {
		n, err := e.rc.PubSubNumSub(context.Background(), Channel(e.prefix, "p")).Result()
		require.NoError(t, err)
		return n[Channel(e.prefix, "p")] == 0 // the other node never asked for "p"
	})
	s2, err := m.Shard(context.Background(), "p")
	require.NoError(t, err)
	require.NotSame(t, s1, s2)
}

func TestMirrorsStartStop(t *testing.T) {
	t.Parallel()
	rc := redistest.Client(t)
	prefix := redistest.Prefix(t)
	testkit.StartStop(t, func(t *testing.T) startstop.Service {
		return New(Options{Redis: rc, Prefix: prefix,
			Hall:  func(context.Context, string) (*hall.Hall, error) { return theatre, nil },
			Fetch: func(context.Context, string) (Snapshot, error) { return Snapshot{}, errors.New("no owner") }})
	})
	_, err := New(Options{Redis: rc, Prefix: prefix}).Shard(context.Background(), "p")
	require.Error(t, err, "not started")
	require.Error(t, New(Options{Redis: rc}).Start(context.Background()), "no Hall or Fetch")
}

// TestStopWhileLoading: a snapshot that comes in after Stop began is not
// used, and the caller waiting for the mirror gets an error.
func TestStopWhileLoading(t *testing.T) {
	t.Parallel()
	rc := redistest.Client(t)
	release := make(chan struct{})
	fetching := make(chan struct{})
	m := New(Options{Redis: rc, Prefix: redistest.Prefix(t), Logger: slog.New(slog.DiscardHandler),
		Hall: func(context.Context, string) (*hall.Hall, error) { return theatre, nil },
		Fetch: func(context.Context, string) (Snapshot, error) {
			close(fetching)
			<-release // an owner that answers whatever the context says
			return SnapshotOf(1, engine.NewShard(engine.Config{Hall: theatre})), nil
		}})
	require.NoError(t, m.Start(context.Background()))
	got := make(chan error, 1)
	go func() {
		_, err := m.Shard(context.Background(), "p")
		got <- err
	}()
	<-fetching
	stopped := make(chan struct{})
	go func() {
		m.Stop()
		close(stopped)
	}()
	require.ErrorContains(t, <-got, "stopped")
	close(release)
	<-stopped
}
