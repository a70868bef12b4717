package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/lease"
	"github.com/seatmap/seatmap/lease/redis/redistest"
)

// gate is a go-redis hook that holds every script call or pipeline of them
// until it is opened, and records how many scripts each carried.
type gate struct {
	open chan struct{} // closed to let everything through

	mu      sync.Mutex // guards the fields below
	held    int        // calls waiting at the gate now
	batches []int      // scripts per call or pipeline, in arrival order
}

func newGate() *gate { return &gate{open: make(chan struct{})} }

func (g *gate) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (g *gate) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		g.pass([]goredis.Cmder{cmd})
		return next(ctx, cmd)
	}
}

func (g *gate) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		g.pass(cmds)
		return next(ctx, cmds)
	}
}

func (g *gate) pass(cmds []goredis.Cmder) {
	scripts := 0
	for _, cmd := range cmds {
		if name := cmd.Name(); name == "evalsha" || name == "eval" {
			scripts++
		}
	}
	if scripts == 0 {
		return // the connection's own commands, the test's checks
	}
	g.mu.Lock()
	g.batches = append(g.batches, scripts)
	g.held++
	g.mu.Unlock()
	<-g.open
	g.mu.Lock()
	g.held--
	g.mu.Unlock()
}

// waitHeld waits until n calls wait at the gate.
func (g *gate) waitHeld(t *testing.T, n int) {
	t.Helper()
	require.Eventually(t, func() bool {
		g.mu.Lock()
		defer g.mu.Unlock()
		return g.held == n
	}, 5*time.Second, time.Millisecond)
}

func (g *gate) seen() []int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.batches)
}

// gatedStore returns a store whose client passes its scripts through a closed
// gate, which the test opens.
func gatedStore(t *testing.T) (*Store, *gate) {
	t.Helper()
	c := redistest.Client(t)
	g := newGate()
	c.AddHook(g)
	t.Cleanup(func() {
		select {
		case <-g.open:
		default:
			close(g.open) // let everything out before the client closes
		}
	})
	return New(c, Options{Prefix: redistest.Prefix(t)}), g
}

// waitQueued waits until n calls wait in s's queue.
func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	require.Eventually(t, func() bool {
		s.batch.mu.Lock()
		defer s.batch.mu.Unlock()
		return len(s.batch.queue) == n
	}, 5*time.Second, time.Millisecond)
}

func testLease(tok string, seats ...uint32) lease.Lease {
	return lease.Lease{Performance: "p", Token: tok, Owner: "o", Seats: seats, Expires: time.Now().Add(time.Hour)}
}

// fill occupies every pipeline slot of s with an Acquire held at the gate; the
// returned channel yields their results once the gate opens.
func fill(t *testing.T, s *Store, g *gate) <-chan error {
	t.Helper()
	errs := make(chan error, maxInFlight)
	for i := range maxInFlight {
		go func() { errs <- s.Acquire(context.Background(), testLease(fmt.Sprint("fill", i), uint32(1000+i))) }()
	}
	g.waitHeld(t, maxInFlight)
	return errs
}

// TestBatchCoalesces checks that calls made while the pipelines are out wait
// and then go together, each with its own answer.
func TestBatchCoalesces(t *testing.T) {
	t.Parallel()
	s, g := gatedStore(t)
	ctx := t.Context()
	filled := fill(t, s, g)

	const n = 100
	errs := make(chan error, n)
	for i := range n {
		go func() {
			seat := uint32(i)
			if i%10 == 9 {
				seat = uint32(i - 1) // taken by the call before, in the same batch
			}
			errs <- s.Acquire(ctx, testLease(fmt.Sprint("t", i), seat))
		}()
	}
	waitQueued(t, s, n)
	close(g.open)
	for range maxInFlight {
		require.NoError(t, <-filled)
	}
	conflicts := 0
	for range n {
		err := <-errs
		var c *lease.ConflictError
		if err != nil {
			require.ErrorAs(t, err, &c)
			conflicts++
		}
	}
	// Each pair goes in one order or the other; exactly one of them loses.
	require.Equal(t, n/10, conflicts)
	require.Equal(t, []int{1, 1, n}, g.seen(), "two alone, then the queue in one pipeline")
	got, err := s.List(ctx, "p")
	require.NoError(t, err)
	require.Len(t, got, n-n/10+maxInFlight)
}

// TestBatchBounded checks that a long queue leaves in pipelines of at most
// maxBatch scripts, and that long leases fill a pipeline sooner.
func TestBatchBounded(t *testing.T) {
	t.Parallel()
	s, g := gatedStore(t)
	ctx := t.Context()
	filled := fill(t, s, g)

	const n = maxBatch + maxBatch/2
	errs := make(chan error, n)
	for i := range n {
		go func() { errs <- s.Acquire(ctx, testLease(fmt.Sprint("t", i), uint32(i))) }()
	}
	waitQueued(t, s, n)
	close(g.open)
	for range maxInFlight {
		require.NoError(t, <-filled)
	}
	for range n {
		require.NoError(t, <-errs)
	}
	seen := g.seen()
	require.Equal(t, n+maxInFlight, sum(seen))
	require.LessOrEqual(t, slices.Max(seen), maxBatch)
	require.Len(t, seen, 4, "two alone, then two pipelines: %v", seen)

	// take stops before a call whose keys would overflow the pipeline.
	b := &batcher{}
	big := make([]string, maxBatchKeys/3+1)
	for range 5 {
		b.queue = append(b.queue, &call{ctx: ctx, keys: big})
	}
	require.Len(t, b.take(), 2)
	require.Len(t, b.queue, 3)
	b.queue = []*call{{ctx: ctx, keys: make([]string, 2*maxBatchKeys)}}
	require.Len(t, b.take(), 1, "a call longer than a pipeline goes alone")
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

// TestBatchDropsCanceled checks that a call whose caller gives up while it is
// queued returns at once and is never sent.
func TestBatchDropsCanceled(t *testing.T) {
	t.Parallel()
	s, g := gatedStore(t)
	filled := fill(t, s, g)

	ctx, cancel := context.WithCancel(t.Context())
	const n = 10
	errs := make(chan error, n)
	for i := range n {
		go func() { errs <- s.Acquire(ctx, testLease(fmt.Sprint("t", i), uint32(i))) }()
	}
	waitQueued(t, s, n)
	cancel()
	for range n {
		require.ErrorIs(t, <-errs, context.Canceled) // while the gate is still shut
	}
	// The next call finds the dropped ones gone from the queue.
	kept := make(chan error, 1)
	go func() { kept <- s.Acquire(t.Context(), testLease("kept", 50)) }()
	close(g.open)
	require.NoError(t, <-kept)
	for range maxInFlight {
		require.NoError(t, <-filled)
	}
	require.Equal(t, maxInFlight+1, sum(g.seen()), "nothing canceled was sent")
	got, err := s.List(t.Context(), "p")
	require.NoError(t, err)
	require.Len(t, got, maxInFlight+1)
}

// TestBatchSentWaitsForReply checks that a caller who gives up after its
// script was sent still learns what Redis did, so it never undoes a hold
// whose lease stays behind.
func TestBatchSentWaitsForReply(t *testing.T) {
	t.Parallel()
	s, g := gatedStore(t)
	ctx, cancel := context.WithCancel(t.Context())
	errs := make(chan error, 1)
	go func() { errs <- s.Acquire(ctx, testLease("a", 1, 2)) }()
	g.waitHeld(t, 1) // sent, not answered
	cancel()
	select {
	case err := <-errs:
		t.Fatalf("returned %v before the reply", err)
	case <-time.After(20 * time.Millisecond):
	}
	close(g.open)
	require.NoError(t, <-errs, "the lease was written, so the caller is told so")
	got, err := s.List(t.Context(), "p")
	require.NoError(t, err)
	require.Len(t, got, 1)
}

// TestBatchNoScript runs a script Redis has never seen, from many callers in
// one pipeline: each EVALSHA fails with NOSCRIPT, goes again as EVAL, runs
// once and gets its own reply; afterwards Redis knows the script. The calls
// that fill the pipeline slots meanwhile take the same path alone.
func TestBatchNoScript(t *testing.T) {
	t.Parallel()
	c := redistest.Client(t)
	prefix := redistest.Prefix(t)
	g := newGate()
	c.AddHook(g)
	fresh := func(src string) *goredis.Script {
		nonce := make([]byte, 8)
		rand.Read(nonce)
		return goredis.NewScript("-- " + hex.EncodeToString(nonce) + "\n" + src)
	}
	filler := fresh("return ARGV[1]")
	script := fresh(`if ARGV[1] == 'fail' then
  return redis.error_reply('refused')
end
return {redis.call('INCR', KEYS[1]), ARGV[1]}`)
	b := &batcher{c: c}
	ctx := t.Context()
	key := prefix + "{n}:count"

	filled := make(chan error, maxInFlight)
	for i := range maxInFlight {
		go func() {
			arg := fmt.Sprint("fill", i)
			res, err := b.run(ctx, filler, nil, arg)
			if err == nil && res != arg {
				err = fmt.Errorf("filler got %v, want %s", res, arg)
			}
			filled <- err
		}()
	}
	g.waitHeld(t, maxInFlight)

	type result struct {
		arg string
		res any
		err error
	}
	const n = 50
	results := make(chan result, n)
	for i := range n {
		arg := fmt.Sprint(i)
		if i%7 == 0 {
			arg = "fail"
		}
		go func() {
			res, err := b.run(ctx, script, []string{key}, arg)
			results <- result{arg, res, err}
		}()
	}
	require.Eventually(t, func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		return len(b.queue) == n
	}, 5*time.Second, time.Millisecond)
	close(g.open)

	for range maxInFlight {
		require.NoError(t, <-filled)
	}
	var counts []int64
	for range n {
		r := <-results
		if r.arg == "fail" {
			require.ErrorContains(t, r.err, "refused")
			continue
		}
		require.NoError(t, r.err, r.arg)
		reply, ok := r.res.([]any)
		require.True(t, ok, "%#v", r.res)
		require.Equal(t, r.arg, reply[1], "each caller gets its own reply")
		counts = append(counts, reply[0].(int64))
	}
	slices.Sort(counts)
	require.Len(t, counts, n-8)
	for i, v := range counts {
		require.Equal(t, int64(i+1), v, "every script ran exactly once")
	}
	exists, err := c.ScriptExists(ctx, script.Hash(), filler.Hash()).Result()
	require.NoError(t, err)
	require.Equal(t, []bool{true, true}, exists)
	// The fillers' EVALSHAs may find the script loaded by the EVAL of another.
	seen := g.seen()
	queued := slices.DeleteFunc(slices.Clone(seen), func(k int) bool { return k != n })
	require.Len(t, queued, 2, "the queue went as one pipeline of EVALSHA, then one of EVAL: %v", seen)
}

// TestBatchRedisDown checks that every call of a pipeline that cannot reach
// Redis gets the error, and that the store recovers with Redis.
func TestBatchRedisDown(t *testing.T) {
	t.Parallel()
	opt := redistest.Options(t)
	opt.MaxRetries = -1
	c := goredis.NewClient(opt)
	t.Cleanup(func() { c.Close() })
	s := New(c, Options{Prefix: redistest.Prefix(t)})
	g := newGate()
	c.AddHook(g)
	ctx := t.Context()
	filled := fill(t, s, g)
	const n = 20
	errs := make(chan error, n)
	for i := range n {
		go func() { errs <- s.Acquire(ctx, testLease(fmt.Sprint("t", i), uint32(i))) }()
	}
	waitQueued(t, s, n)
	require.NoError(t, c.Close()) // the pipelines find the client closed
	close(g.open)
	for range n {
		err := <-errs
		require.Error(t, err)
		require.True(t, strings.HasPrefix(err.Error(), "acquire lease of p: "), err.Error())
		var conflict *lease.ConflictError
		require.NotErrorAs(t, err, &conflict)
	}
	for range maxInFlight {
		<-filled
	}
}
