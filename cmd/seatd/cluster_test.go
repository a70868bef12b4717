package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/lease/redis/redistest"
	"github.com/seatmap/seatmap/store/postgres/pgtest"
)

// The cluster tests (issue 18) run three seatd binaries on loopback, as the
// README's docker-compose runs them, on one real Postgres schema and one
// Redis key prefix.

const testClusterSecret = "cluster-secret-for-tests-0123456789abcdef"

type testCluster struct {
	t     *testing.T
	env   map[string]string
	args  []string
	mu    sync.Mutex
	nodes map[string]*seatdProc // by node id
}

func newTestCluster(t *testing.T, ids []string, extraEnv map[string]string, args ...string) *testCluster {
	t.Helper()
	if testing.Short() {
		t.Skip("runs three seatd binaries")
	}
	env := map[string]string{
		"DATABASE_URL":         pgtest.Schema(t, ""),
		"REDIS_URL":            redistest.URL(),
		"SEATD_REDIS_PREFIX":   redistest.Prefix(t),
		"SEATD_CLUSTER_SECRET": testClusterSecret,
		"SEATD_ADMIN_TOKEN":    testAdminToken,
	}
	for k, v := range extraEnv {
		env[k] = v
	}
	c := &testCluster{t: t, env: env, args: append([]string{"-payment", "none", "-rate-limit=false"}, args...), nodes: map[string]*seatdProc{}}
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() { c.start(id) })
	}
	wg.Wait()
	return c
}

// start runs node id (again).
func (c *testCluster) start(id string) *seatdProc {
	env := map[string]string{"SEATD_NODE_ID": id}
	for k, v := range c.env {
		env[k] = v
	}
	p := startBinary(c.t, c.t.TempDir(), env, c.args...)
	c.mu.Lock()
	c.nodes[id] = p
	c.mu.Unlock()
	return p
}

func (c *testCluster) node(id string) *seatdProc {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nodes[id]
}

// bases lists the live nodes' base URLs, sorted by node id.
func (c *testCluster) bases() map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]string{}
	for id, p := range c.nodes {
		out[id] = p.Base
	}
	return out
}

// nodeClient is a buyer's or a staff member's HTTP client that reports
// network errors instead of failing the test: nodes die in these tests.
type nodeClient struct {
	http *http.Client
}

func newNodeClient() *nodeClient {
	jar, _ := cookiejar.New(nil)
	return &nodeClient{http: &http.Client{Jar: jar, Timeout: 20 * time.Second}}
}

func (c *nodeClient) do(method, url string, body, out any, header ...string) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, data, err
		}
	}
	return resp.StatusCode, data, nil
}

var adminAuth = []string{"Authorization", "Bearer " + testAdminToken}

type ownerView struct {
	Node  string
	Owner struct {
		Node  string
		Addr  string
		Token uint64
	}
}

// owner asks base who owns perf.
func owner(t *testing.T, base, perf string) ownerView {
	t.Helper()
	var v ownerView
	st, body, err := newNodeClient().do("GET", base+"/api/v1/cluster?performance="+perf, nil, &v, adminAuth...)
	require.NoError(t, err)
	require.Equal(t, 200, st, "%s", body)
	return v
}

// waitOwned waits until some node owns perf, and returns its id.
func (c *testCluster) waitOwned(perf string, within time.Duration) string {
	c.t.Helper()
	var id string
	require.Eventually(c.t, func() bool {
		for _, base := range c.bases() {
			v := owner(c.t, base, perf)
			if v.Owner.Node != "" && c.node(v.Owner.Node) != nil {
				id = v.Owner.Node
				return true
			}
			break
		}
		return false
	}, within, 20*time.Millisecond)
	return id
}

// liveSocket is a live seat map open on one node; it notes when it first
// saw a seat held after arm.
type liveSocket struct {
	conn  *websocket.Conn
	ready chan struct{}
	armed atomic.Int64 // unix nanos; 0: not yet
	held  chan time.Time
}

func openLive(t *testing.T, base, perf string) *liveSocket {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url := "ws" + strings.TrimPrefix(base, "http") + "/api/v1/performances/" + perf + "/live"
	conn, _, err := websocket.Dial(ctx, url, nil)
	require.NoError(t, err)
	conn.SetReadLimit(8 << 20)
	s := &liveSocket{conn: conn, ready: make(chan struct{}), held: make(chan time.Time, 1)}
	t.Cleanup(func() { conn.CloseNow() })
	go func() {
		first := true
		for {
			_, data, err := conn.Read(context.Background())
			if err != nil {
				return
			}
			var f struct {
				Type    string
				Changes [][2]int
			}
			if json.Unmarshal(data, &f) != nil {
				continue
			}
			if f.Type == "snapshot" && first {
				first = false
				close(s.ready)
			}
			if f.Type == "delta" && s.armed.Load() != 0 {
				for _, ch := range f.Changes {
					if ch[1] == 1 {
						select {
						case s.held <- time.Now():
						default:
						}
						break
					}
				}
			}
		}
	}()
	select {
	case <-s.ready:
	case <-time.After(10 * time.Second):
		t.Fatalf("no snapshot from %s", base)
	}
	return s
}

// TestClusterHoldThroughAnyNode: a hold made through a node that does not own
// the performance is forwarded to the owner, answered as the owner answers,
// and seen on live seat maps open on all three nodes within 100 ms.
func TestClusterHoldThroughAnyNode(t *testing.T) {
	c := newTestCluster(t, []string{"n1", "n2", "n3"}, nil)
	bases := c.bases()
	perf := demoPerformance(t, bases["n1"])
	own := c.waitOwned(perf, 15*time.Second)
	var through string
	for id := range bases {
		if id != own {
			through = id
			break
		}
	}
	t.Logf("%s owns %s; holding through %s", own, perf, through)

	ids := []string{"n1", "n2", "n3"}
	for round := range 10 {
		sockets := make([]*liveSocket, len(ids))
		for i, id := range ids {
			sockets[i] = openLive(t, bases[id], perf)
		}
		// Pages open a while before the buyer picks (and the last round's
		// release has gone out).
		time.Sleep(300 * time.Millisecond)
		for _, s := range sockets {
			s.armed.Store(time.Now().UnixNano())
		}
		buyer := newNodeClient()
		var h struct {
			Token string
			Seats []string
		}
		// Measured from the request's start: an upper bound of the time
		// from the hold to each socket.
		sent := time.Now()
		st, body, err := buyer.do("POST", bases[through]+"/api/v1/performances/"+perf+"/holds", map[string]any{"best": map[string]any{"count": 2}}, &h)
		require.NoError(t, err)
		require.Equal(t, 201, st, "%s", body)
		answered := time.Since(sent)
		for i, s := range sockets {
			select {
			case at := <-s.held:
				lag := at.Sub(sent)
				t.Logf("round %d: socket on %s saw the hold %s after it was asked for (answered after %s)", round, ids[i],
					lag.Round(100*time.Microsecond), answered.Round(100*time.Microsecond))
				// The 100 ms target is a speed figure (BENCHMARKS "Issue 18"),
				// not asserted here: a crowded machine may miss it.
			case <-time.After(2 * time.Second):
				t.Fatalf("socket on %s never saw the hold", ids[i])
			}
		}
		// The hold is the owner's: extended through a third node and
		// released through the owner, with the buyer's session.
		var third string
		for _, id := range ids {
			if id != own && id != through {
				third = id
			}
		}
		st, body, err = buyer.do("POST", bases[third]+"/api/v1/holds/"+h.Token+"/extend", nil, nil)
		require.NoError(t, err)
		require.Equal(t, 200, st, "%s", body)
		st, _, err = buyer.do("DELETE", bases[own]+"/api/v1/holds/"+h.Token, nil, nil)
		require.NoError(t, err)
		require.Equal(t, 204, st)
		for _, s := range sockets {
			s.conn.CloseNow()
		}
	}

	// A forged forwarded request is refused.
	st, _, err := newNodeClient().do("POST", bases[own]+"/api/v1/performances/"+perf+"/holds", map[string]any{"best": map[string]any{"count": 1}}, nil,
		"Seatmap-Node", "n2", "Seatmap-Node-Time", fmt.Sprint(time.Now().Unix()), "Seatmap-Node-Signature", "forged")
	require.NoError(t, err)
	require.Equal(t, 401, st)
}

// TestClusterOtherSecretCannotJoin: a node started with another secret on the
// same Redis stops at once, saying why, and never writes the secret out.
func TestClusterOtherSecretCannotJoin(t *testing.T) {
	c := newTestCluster(t, []string{"n1"}, nil)
	env := map[string]string{"SEATD_NODE_ID": "intruder"}
	for k, v := range c.env {
		env[k] = v
	}
	env["SEATD_CLUSTER_SECRET"] = "another-cluster-secret-0123456789abcdef"
	p := startArgvNoWait(t, t.TempDir(), env, []string{seatdBinary(t), "-payment", "none"})
	err := p.wait(60 * time.Second)
	require.Error(t, err, "the intruder exits")
	require.Contains(t, p.Stderr.String(), "SEATD_CLUSTER_SECRET")
	require.NotContains(t, p.Stderr.String()+p.Stdout.String(), "another-cluster-secret")
	require.NotContains(t, c.node("n1").Stderr.String()+c.node("n1").Stdout.String(), testClusterSecret)
}

// buyerLoad is buyers that keep holding seats through any live node and
// buying some, retrying on another node when one is gone or a performance
// is moving, as a load balancer and a buyer pressing reload would.
type buyerLoad struct {
	c    *testCluster
	perf string

	mu     sync.Mutex
	orders map[string][]string // order id → seats, every 201
	holds  map[string]time.Time
	errs   map[string]int
}

func (b *buyerLoad) pick(r *rand.Rand) string {
	bases := b.c.bases()
	ids := make([]string, 0, len(bases))
	for id := range bases {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return bases[ids[r.IntN(len(ids))]]
}

// retry sends a request to random live nodes until one answers other than
// with a network error or 503, for at most 15 s.
func (b *buyerLoad) retry(r *rand.Rand, cl *nodeClient, method, path string, body, out any, header ...string) (int, []byte) {
	deadline := time.Now().Add(15 * time.Second)
	for {
		st, data, err := cl.do(method, b.pick(r)+path, body, out, header...)
		if err == nil && st != 503 {
			return st, data
		}
		b.mu.Lock()
		if err != nil {
			b.errs["network"]++
		} else {
			b.errs["503"]++
		}
		b.mu.Unlock()
		if time.Now().After(deadline) {
			return st, data
		}
		time.Sleep(time.Duration(20+r.IntN(30)) * time.Millisecond)
	}
}

func (b *buyerLoad) run(ctx context.Context, seed uint64) {
	r := rand.New(rand.NewPCG(seed, seed*7919))
	for ctx.Err() == nil {
		cl := newNodeClient()
		var h struct {
			Token string
			Seats []string
		}
		st, _ := b.retry(r, cl, "POST", "/api/v1/performances/"+b.perf+"/holds", map[string]any{"best": map[string]any{"count": 1 + r.IntN(2)}}, &h)
		if st != 201 {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		switch x := r.Float64(); {
		case x < 0.3:
			var o struct {
				ID    string
				Seats []string
			}
			key := fmt.Sprintf("k-%d-%d", seed, r.Uint64())
			st, data := b.retry(r, cl, "POST", "/api/v1/orders", map[string]any{"hold_token": h.Token,
				"buyer": map[string]string{"name": "Kim", "email": "kim@example.com"}}, &o, "Idempotency-Key", key)
			b.mu.Lock()
			if st == 201 || st == 200 {
				b.orders[o.ID] = h.Seats
			} else {
				b.errs[fmt.Sprintf("confirm %d %s", st, firstLine(data))]++
			}
			b.mu.Unlock()
		case x < 0.6:
			b.retry(r, cl, "DELETE", "/api/v1/holds/"+h.Token, nil, nil)
		default:
			b.mu.Lock()
			b.holds[h.Token] = time.Now()
			b.mu.Unlock()
		}
		time.Sleep(time.Duration(20+r.IntN(40)) * time.Millisecond)
	}
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(string(b), "\n")
	if len(s) > 120 {
		s = s[:120]
	}
	return s
}

// audit checks, through any node, that every order that got 201 is paid with
// its seats, and that no seat is sold twice.
func (b *buyerLoad) audit(t *testing.T) {
	t.Helper()
	cl := newNodeClient()
	base := b.pick(rand.New(rand.NewPCG(1, 2)))
	type ticket struct{ Seat, Status string }
	type listed struct {
		ID, Status string
		Tickets    []ticket
	}
	got := map[string]listed{}
	cursor := ""
	for {
		var page struct {
			Items []listed
			Next  string
		}
		st, body, err := cl.do("GET", base+"/api/v1/orders?limit=200&performance="+b.perf+"&cursor="+cursor, nil, &page, adminAuth...)
		require.NoError(t, err)
		require.Equal(t, 200, st, "%s", body)
		for _, o := range page.Items {
			got[o.ID] = o
		}
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for id, seats := range b.orders {
		o, ok := got[id]
		require.True(t, ok, "order %s got 201 and is not stored", id)
		require.Equal(t, "paid", o.Status, "order %s", id)
		var have []string
		for _, tk := range o.Tickets {
			have = append(have, tk.Seat)
		}
		require.ElementsMatch(t, seats, have, "order %s", id)
	}
	sold := map[string]string{}
	for _, o := range got {
		if o.Status != "paid" {
			continue
		}
		for _, tk := range o.Tickets {
			if tk.Status != "live" && tk.Status != "" {
				continue
			}
			prev, dup := sold[tk.Seat]
			require.False(t, dup, "seat %s sold twice: orders %s and %s", tk.Seat, prev, o.ID)
			sold[tk.Seat] = o.ID
		}
	}
	t.Logf("audit: %d orders promised, %d stored, %d seats sold once each; errors retried: %v", len(b.orders), len(got), len(sold), b.errs)
}

// TestClusterKillOwnerMidSurge (issue 18): buyers hold and buy through every
// node while the performance's owner is killed with SIGKILL, 20 times; each
// time another node serves the performance within 2 s, every order that got
// 201 is stored, no seat is sold twice, and holds made before the kill live on.
func TestClusterKillOwnerMidSurge(t *testing.T) {
	ids := []string{"n1", "n2", "n3"}
	c := newTestCluster(t, ids, nil)
	perf := demoPerformance(t, c.bases()["n1"])
	c.waitOwned(perf, 15*time.Second)
	load := &buyerLoad{c: c, perf: perf, orders: map[string][]string{}, holds: map[string]time.Time{}, errs: map[string]int{}}
	ctx, stop := context.WithCancel(context.Background())
	var buyers sync.WaitGroup
	for i := range 6 {
		buyers.Go(func() { load.run(ctx, uint64(i+1)) })
	}
	defer func() {
		stop()
		buyers.Wait()
	}()

	kills := 20
	var took []time.Duration
	for round := range kills {
		time.Sleep(700 * time.Millisecond) // buyers buy under this owner
		own := c.waitOwned(perf, 20*time.Second)
		load.mu.Lock()
		before := make([]string, 0, len(load.holds))
		for tok := range load.holds {
			before = append(before, tok)
		}
		load.mu.Unlock()
		killed := time.Now()
		c.node(own).Kill()
		c.mu.Lock()
		delete(c.nodes, own)
		c.mu.Unlock()
		// Served again: its live counts (the owner's shard) through a
		// living node.
		cl := newNodeClient()
		var served time.Duration
		for {
			var base string
			for _, b := range c.bases() {
				base = b
				break
			}
			st, _, err := cl.do("GET", base+"/api/v1/performances/"+perf, nil, nil)
			if err == nil && st == 200 {
				if v := owner(t, base, perf); v.Owner.Node != "" && v.Owner.Node != own {
					served = time.Since(killed)
					break
				}
			}
			require.Less(t, time.Since(killed), 30*time.Second, "round %d: no node serves %s after %s was killed", round, perf, own)
			time.Sleep(10 * time.Millisecond)
		}
		took = append(took, served)
		t.Logf("round %d: killed owner %s; served again after %s", round, own, served.Round(time.Millisecond))
		// The holds made before the kill are still there.
		kept := 0
		for _, tok := range before {
			var base string
			for _, b := range c.bases() {
				base = b
				break
			}
			st, body, err := cl.do("GET", base+"/api/v1/holds/"+tok, nil, nil, adminAuth...)
			for t0 := time.Now(); (err != nil || st == 503) && time.Since(t0) < 2*time.Second; {
				time.Sleep(20 * time.Millisecond)
				st, body, err = cl.do("GET", base+"/api/v1/holds/"+tok, nil, nil, adminAuth...)
			}
			if err == nil && st == 200 {
				kept++
			} else {
				t.Logf("hold %s: %d %v %s", tok, st, err, firstLine(body))
			}
		}
		t.Logf("round %d: %d of %d holds made before the kill live on", round, kept, len(before))
		if kept != len(before) {
			for id, p := range c.nodes {
				for _, line := range strings.Split(p.Stderr.String(), "\n") {
					if strings.Contains(line, "lease") || strings.Contains(line, "owner") {
						t.Logf("%s: %s", id, line)
					}
				}
			}
		}
		require.Equal(t, len(before), kept, "round %d: holds lost with the owner", round)
		c.start(own)
	}
	stop()
	buyers.Wait()
	slices.Sort(took)
	t.Logf("failover over %d kills: min %s, median %s, p90 %s, max %s", kills, took[0].Round(time.Millisecond),
		took[len(took)/2].Round(time.Millisecond), took[len(took)*9/10].Round(time.Millisecond), took[len(took)-1].Round(time.Millisecond))
	// Within 2 s is a speed target, reported here and in BENCHMARKS, not
	// asserted: a crowded machine may miss it; that another node serves at
	// all (within 30 s, above) is asserted every round.
	load.audit(t)
}

// TestClusterPausedOwner (issue 18): the owner is stopped (SIGSTOP) past its
// lease; another node takes the performance over; when the old owner wakes
// (SIGCONT), nothing it is asked to do reaches a buyer as success until it
// knows, and then forwards to the new owner.
func TestClusterPausedOwner(t *testing.T) {
	c := newTestCluster(t, []string{"n1", "n2", "n3"}, nil)
	perf := demoPerformance(t, c.bases()["n1"])
	own := c.waitOwned(perf, 15*time.Second)
	old := c.node(own)
	buyer := newNodeClient()
	var h struct{ Token string }
	st, body, err := buyer.do("POST", old.Base+"/api/v1/performances/"+perf+"/holds", map[string]any{"best": map[string]any{"count": 2}}, &h)
	require.NoError(t, err)
	require.Equal(t, 201, st, "%s", body)

	require.NoError(t, old.cmd.Process.Signal(syscall.SIGSTOP))
	c.mu.Lock()
	delete(c.nodes, own)
	c.mu.Unlock()
	newOwner := c.waitOwned(perf, 10*time.Second)
	require.NotEqual(t, own, newOwner)
	// Requests queue at the sleeping owner meanwhile; it answers when it wakes.
	type answer struct {
		status int
		body   []byte
	}
	answers := make(chan answer, 20)
	var sent sync.WaitGroup
	for range 10 {
		sent.Go(func() {
			cl := newNodeClient()
			st, body, err := cl.do("POST", old.Base+"/api/v1/performances/"+perf+"/holds", map[string]any{"best": map[string]any{"count": 1}}, nil)
			if err != nil {
				st = 0
			}
			answers <- answer{st, body}
		})
	}
	time.Sleep(200 * time.Millisecond)
	require.NoError(t, old.cmd.Process.Signal(syscall.SIGCONT))
	sent.Wait()
	close(answers)
	oks := 0
	for a := range answers {
		if a.status == 201 {
			oks++
		}
		t.Logf("old owner answered %d %s", a.status, firstLine(a.body))
	}
	// A hold that succeeded must be the new owner's: it was forwarded once
	// the old owner knew. None may come from the old owner's own shard.
	var held struct{ Counts struct{ Held int } }
	st, _, err = buyer.do("GET", c.bases()[newOwner]+"/api/v1/performances/"+perf, nil, &held)
	require.NoError(t, err)
	require.Equal(t, 200, st)
	require.Equal(t, 2+oks, held.Counts.Held, "every hold answered 201 is a hold on the new owner, and the one made before the pause lives on")
	// The hold made before the pause is there.
	st, _, err = buyer.do("GET", c.bases()[newOwner]+"/api/v1/holds/"+h.Token, nil, nil)
	require.NoError(t, err)
	require.Equal(t, 200, st)
}

// startArgvNoWait runs argv in dir with env and returns at once: for a start
// that is expected to fail.
func startArgvNoWait(t *testing.T, dir string, env map[string]string, argv []string) *seatdProc {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = userEnv(env)
	p := &seatdProc{t: t, cmd: cmd, Stdout: &syncBuffer{}, Stderr: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = p.Stdout, p.Stderr
	require.NoError(t, cmd.Start())
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() { p.Kill() })
	return p
}

// TestClusterOnRedisCluster (issue 18): the same nodes on a Redis Cluster of
// three masters (a performance's keys in one slot): buyers through every
// node, the owner killed once mid-way, every 201 order stored, no seat sold
// twice, live maps on every node.
func TestClusterOnRedisCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three seatd binaries and three redis-server processes")
	}
	rc := redistest.Cluster(t)
	addrs := rc.Options().Addrs
	require.Len(t, addrs, 3)
	url := "redis://" + addrs[0] + "?addr=" + addrs[1] + "&addr=" + addrs[2]
	c := newTestCluster(t, []string{"n1", "n2", "n3"}, map[string]string{"REDIS_URL": url, "SEATD_REDIS_CLUSTER": "true"})
	perf := demoPerformance(t, c.bases()["n1"])
	own := c.waitOwned(perf, 15*time.Second)

	// A hold through a non-owner shows on a socket of every node.
	var sockets []*liveSocket
	for _, base := range c.bases() {
		sockets = append(sockets, openLive(t, base, perf))
	}
	time.Sleep(300 * time.Millisecond)
	for _, s := range sockets {
		s.armed.Store(time.Now().UnixNano())
	}
	var through string
	for id, base := range c.bases() {
		if id != own {
			through = base
		}
	}
	st, body, err := newNodeClient().do("POST", through+"/api/v1/performances/"+perf+"/holds", map[string]any{"best": map[string]any{"count": 2}}, nil)
	require.NoError(t, err)
	require.Equal(t, 201, st, "%s", body)
	for _, s := range sockets {
		select {
		case <-s.held:
		case <-time.After(2 * time.Second):
			t.Fatal("a socket never saw the hold")
		}
		s.conn.CloseNow()
	}

	load := &buyerLoad{c: c, perf: perf, orders: map[string][]string{}, holds: map[string]time.Time{}, errs: map[string]int{}}
	ctx, stop := context.WithCancel(context.Background())
	var buyers sync.WaitGroup
	for i := range 6 {
		buyers.Go(func() { load.run(ctx, uint64(100+i)) })
	}
	time.Sleep(2 * time.Second)
	killed := time.Now()
	c.node(own).Kill()
	c.mu.Lock()
	delete(c.nodes, own)
	c.mu.Unlock()
	next := c.waitOwned(perf, 10*time.Second)
	t.Logf("killed owner %s; %s serves after %s", own, next, time.Since(killed).Round(time.Millisecond))
	time.Sleep(2 * time.Second)
	stop()
	buyers.Wait()
	require.NotEmpty(t, load.orders)
	load.audit(t)
}
