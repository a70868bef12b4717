package cluster

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/internal/fence"
	"github.com/seatmap/seatmap/lease/redis/redistest"
)

// node is a Cluster with a record of what it was told: its shards (token by
// performance) and a store fence shared by all nodes of a test, standing in
// for the store's performance_fences (the Postgres adapter's AdvanceFence is
// tested in store/postgres).
type node struct {
	*Cluster
	mu     sync.Mutex
	shards map[string]uint64
	lost   []string
}

type fences struct {
	mu sync.Mutex
	m  map[string]uint64
}

func (f *fences) advance(perf string, tok uint64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m[perf] >= tok {
		return fence.ErrStale
	}
	f.m[perf] = tok
	return nil
}

func newNode(t *testing.T, c goredis.UniversalClient, prefix, id string, secret string, f *fences, perfs []string) *node {
	t.Helper()
	n := &node{shards: map[string]uint64{}}
	cl, err := New(Config{
		NodeID: id, Addr: "127.0.0.1:" + fmt.Sprint(10000+len(id)*7+int(id[len(id)-1])), Secret: []byte(secret), Redis: c, Prefix: prefix,
		TTL:          400 * time.Millisecond,
		Performances: func(context.Context) ([]string, error) { return perfs, nil },
		Fence:        func(_ context.Context, perf string, tok uint64) error { return f.advance(perf, tok) },
		Current: func(_ context.Context, perf string) (uint64, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			return f.m[perf], nil
		},
		Gained: func(_ context.Context, perf string, tok uint64) error {
			n.mu.Lock()
			n.shards[perf] = tok
			n.mu.Unlock()
			return nil
		},
		Lost: func(perf string) {
			n.mu.Lock()
			delete(n.shards, perf)
			n.lost = append(n.lost, perf)
			n.mu.Unlock()
		},
	})
	require.NoError(t, err)
	n.Cluster = cl
	cl.Serve()
	t.Cleanup(func() {
		if n.stop != nil {
			n.Leave(context.Background())
		}
	})
	return n
}

// kill stops a node's loop without handing anything over: a process killed.
func (n *node) kill() {
	close(n.stop)
	<-n.done
	n.stop = nil
}

const secret = "0123456789abcdef0123456789abcdef-test"

// owners maps each performance to the nodes that serve it.
func owners(nodes []*node, perfs []string) map[string][]string {
	out := map[string][]string{}
	for _, p := range perfs {
		for _, n := range nodes {
			if _, ok := n.Owns(p); ok {
				out[p] = append(out[p], n.NodeID())
			}
		}
	}
	return out
}

func waitFor(t *testing.T, within time.Duration, what string, ok func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !ok() {
		if time.Since(start) > within {
			t.Fatalf("not within %s: %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

func TestOwnershipSpreadHandoverFailover(t *testing.T) {
	c := redistest.Client(t)
	prefix := redistest.Prefix(t)
	ctx := context.Background()
	perfs := make([]string, 24)
	for i := range perfs {
		perfs[i] = fmt.Sprintf("perf-%02d", i)
	}
	f := &fences{m: map[string]uint64{}}
	a := newNode(t, c, prefix, "node-a", secret, f, perfs)
	require.NoError(t, a.Join(ctx))
	// Alone, a takes everything.
	waitFor(t, 5*time.Second, "node-a owns all", func() bool { return len(a.Owned()) == len(perfs) })

	b := newNode(t, c, prefix, "node-b", secret, f, perfs)
	cc := newNode(t, c, prefix, "node-c", secret, f, perfs)
	require.NoError(t, b.Join(ctx))
	require.NoError(t, cc.Join(ctx))
	nodes := []*node{a, b, cc}
	// Once b and c are stable, a hands theirs over: every performance has
	// exactly one owner, and each node has some.
	waitFor(t, 10*time.Second, "spread over three nodes", func() bool {
		o := owners(nodes, perfs)
		for _, p := range perfs {
			if len(o[p]) != 1 {
				return false
			}
		}
		return len(a.Owned()) > 0 && len(b.Owned()) > 0 && len(cc.Owned()) > 0 && len(a.Owned())+len(b.Owned())+len(cc.Owned()) == len(perfs)
	})
	t.Logf("spread: a %d, b %d, c %d", len(a.Owned()), len(b.Owned()), len(cc.Owned()))
	for _, n := range nodes {
		for p, tok := range n.Owned() {
			n.mu.Lock()
			require.Equal(t, tok, n.shards[p], "the shard was built under the lease's token")
			n.mu.Unlock()
			f.mu.Lock()
			require.Equal(t, tok, f.m[p], "the store's fence is the owner's token")
			f.mu.Unlock()
		}
	}

	// Route: on b, a's performance routes to a's address; b's to itself.
	for p := range a.Owned() {
		self, url, err := b.Route(ctx, p)
		require.NoError(t, err)
		require.False(t, self)
		require.Equal(t, "http://"+a.cfg.Addr, url)
		break
	}
	for p := range b.Owned() {
		self, _, err := b.Route(ctx, p)
		require.NoError(t, err)
		require.True(t, self)
		break
	}

	// b leaves: its performances are handed over, each at a higher token.
	before := b.Owned()
	require.NotEmpty(t, before)
	b.Leave(ctx)
	require.Empty(t, b.Owned())
	rest := []*node{a, cc}
	took := waitFor(t, 5*time.Second, "b's performances taken over", func() bool {
		o := owners(rest, perfs)
		for p := range before {
			if len(o[p]) != 1 {
				return false
			}
		}
		return true
	})
	t.Logf("handed over %d performances in %s", len(before), took.Round(time.Millisecond))
	for p, old := range before {
		for _, n := range rest {
			if tok, ok := n.Owns(p); ok {
				require.Greater(t, tok, old, "the token grows")
			}
		}
	}

	// c dies: after its TTL, a takes all of c's.
	gone := cc.Owned()
	require.NotEmpty(t, gone)
	cc.kill()
	took = waitFor(t, 5*time.Second, "c's performances taken over after its death", func() bool {
		for p := range gone {
			if _, ok := a.Owns(p); !ok {
				return false
			}
		}
		return true
	})
	t.Logf("failover of %d performances after a kill: %s (TTL %s)", len(gone), took.Round(time.Millisecond), a.cfg.TTL)
	// The dead node's view still lists them until its renewals are
	// attempted; they expired: Owns refuses them on time alone.
	for p := range gone {
		_, ok := cc.Owns(p)
		require.False(t, ok, "a node past its lease serves nothing")
	}
	a.Leave(ctx)
}

// TestPausedOwnerLoses: an owner whose renewals stop (a paused process) loses
// its performance to another node; when it wakes its loop finds the record
// changed and drops the shard, and its stale token is refused by the fence.
func TestPausedOwnerLoses(t *testing.T) {
	c := redistest.Client(t)
	prefix := redistest.Prefix(t)
	ctx := context.Background()
	f := &fences{m: map[string]uint64{}}
	perfs := []string{"p1"}
	a := newNode(t, c, prefix, "node-a", secret, f, perfs)
	require.NoError(t, a.Join(ctx))
	waitFor(t, 5*time.Second, "a owns p1", func() bool { _, ok := a.Owns("p1"); return ok })
	oldTok, _ := a.Owns("p1")
	// Pause a: its loop stops, its state stays.
	a.kill()
	b := newNode(t, c, prefix, "node-b", secret, f, perfs)
	require.NoError(t, b.Join(ctx))
	waitFor(t, 5*time.Second, "b takes p1", func() bool { _, ok := b.Owns("p1"); return ok })
	newTok, _ := b.Owns("p1")
	require.Greater(t, newTok, oldTok)
	require.ErrorIs(t, f.advance("p1", oldTok), fence.ErrStale)
	// a wakes: one step finds its lease gone.
	a.step(ctx)
	a.mu.Lock()
	_, still := a.owned["p1"]
	a.mu.Unlock()
	require.False(t, still)
	require.Contains(t, a.lost, "p1")
	b.Leave(ctx)
}

func TestJoinRefused(t *testing.T) {
	c := redistest.Client(t)
	prefix := redistest.Prefix(t)
	ctx := context.Background()
	f := &fences{m: map[string]uint64{}}
	a := newNode(t, c, prefix, "node-a", secret, f, nil)
	require.NoError(t, a.Join(ctx))
	defer a.Leave(ctx)

	other := newNode(t, c, prefix, "node-x", "another-secret-of-at-least-32-bytes!!", f, nil)
	err := other.Join(ctx)
	require.Error(t, err)
	require.Contains(t, err.Error(), "SEATD_CLUSTER_SECRET")
	require.NotContains(t, err.Error(), "another-secret", "the secret is never written out")

	twin := newNode(t, c, prefix, "node-a", secret, f, nil)
	twin.cfg.Addr = "127.0.0.1:1"
	err = twin.Join(ctx)
	require.Error(t, err)
	require.True(t, strings.Contains(err.Error(), "in use"), err.Error())

	_, err = New(Config{NodeID: "n", Addr: "h:1", Secret: []byte("short"), Redis: c,
		Fence: func(context.Context, string, uint64) error { return nil }, Gained: func(context.Context, string, uint64) error { return nil }, Lost: func(string) {}})
	require.ErrorContains(t, err, "at least 32")
}

// TestRouteTakesOnDemand: a performance nobody owns is taken at once by the
// node that wins it when a request asks; another node routes to the winner.
func TestRouteTakesOnDemand(t *testing.T) {
	c := redistest.Client(t)
	prefix := redistest.Prefix(t)
	ctx := context.Background()
	f := &fences{m: map[string]uint64{}}
	a := newNode(t, c, prefix, "node-a", secret, f, nil)
	b := newNode(t, c, prefix, "node-b", secret, f, nil)
	require.NoError(t, a.Join(ctx))
	require.NoError(t, b.Join(ctx))
	defer a.Leave(ctx)
	defer b.Leave(ctx)
	waitFor(t, 2*time.Second, "both see both", func() bool { return len(a.Members()) == 2 && len(b.Members()) == 2 })
	for i := range 10 {
		p := fmt.Sprint("demand-", i)
		w, _ := a.winner(p)
		win, other := a, b
		if w.ID == "node-b" {
			win, other = b, a
		}
		self, url, err := other.Route(ctx, p)
		require.NoError(t, err)
		require.False(t, self)
		require.Equal(t, "http://"+win.cfg.Addr, url)
		self, _, err = win.Route(ctx, p)
		require.NoError(t, err)
		require.True(t, self, "the winner takes it when asked")
		tok, ok := win.Owns(p)
		require.True(t, ok)
		f.mu.Lock()
		require.Equal(t, tok, f.m[p])
		f.mu.Unlock()
	}
}
