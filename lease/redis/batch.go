package redis

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// A batcher runs the scripts of concurrent callers in shared pipelines: one
// write and one read for a whole batch, on the client and on Redis, instead of
// one round trip per script. It adds no delay: a caller that finds a pipeline
// slot free sends its script at once, from its own goroutine. Only while
// maxInFlight pipelines are out do scripts queue, and the next pipeline takes
// every one waiting, so batches grow with the load and shrink back to one.
//
// Each script keeps its own reply: a batch is not a transaction, and one
// script's error or conflict is no other script's business. A pipeline that
// go-redis retries after a network error may run a script twice, as a single
// command may be; the lease scripts are idempotent: run again, they leave the
// same keys and report the same outcome.
//
// Contexts. A script whose caller's context ends while it waits in the queue
// is never sent, and the caller gets the context's error. A script that was
// sent is waited for: its caller reports what Redis did even if its context
// ended meanwhile, as go-redis does for a single command unless
// Options.ContextTimeoutEnabled is set. Returning at once would leave the
// caller guessing, and for an Acquire the likely outcome is a lease: the sales
// layer undoes its engine hold on any error, so the seats would show free
// while Redis refused them until the lease lapsed (the hold's whole TTL). The
// wait is bounded all the same: a pipeline runs under a context that ends at
// the latest of its callers' deadlines, so go-redis stops retrying it once none
// of them would still be waiting (and with ContextTimeoutEnabled stops reading
// too); the client's ReadTimeout bounds each read, as for any command.
//
// No goroutine outlives the work: the goroutine that drains the queue exits
// when it is empty, so a Store needs no Close.
type batcher struct {
	c goredis.UniversalClient

	mu      sync.Mutex // guards the fields below
	queue   []*call    // in arrival order; taken in that order
	writers int        // pipelines being built or in flight, at most maxInFlight
}

// maxInFlight bounds the pipelines out at once: with two, the next batch is
// written while Redis runs the last one, so neither side idles waiting for
// the other; more would only lengthen Redis's queue.
const maxInFlight = 2

// maxBatch bounds the scripts of one pipeline, and maxBatchKeys their KEYS:
// Redis runs a pipeline's scripts back to back, so its size is the wait of the
// scripts behind it, and the client buffers it whole.
const (
	maxBatch     = 256
	maxBatchKeys = 8192
)

// call is one script run. The caller owns it until it is queued; after that
// the caller reads only state and done until done is closed.
type call struct {
	ctx    context.Context
	script *goredis.Script
	keys   []string
	args   []any

	state atomic.Int32  // queued, then sent or dropped, once
	done  chan struct{} // closed when res and err are set

	res any
	err error
}

const (
	queued  int32 = iota // waiting for a pipeline
	sent                 // taken into a pipeline: its reply will come
	dropped              // its caller gave up before it was sent
)

// run runs script in the next pipeline and returns its reply.
func (b *batcher) run(ctx context.Context, script *goredis.Script, keys []string, args ...any) (any, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c := &call{ctx: ctx, script: script, keys: keys, args: args, done: make(chan struct{})}
	b.mu.Lock()
	b.queue = append(b.queue, c)
	if b.writers < maxInFlight {
		// A slot is free, so the queue held nothing before c (slots are given
		// back only when it is empty): send c from here, with no hand-off.
		b.writers++
		batch := b.take()
		b.mu.Unlock()
		if len(batch) > 0 {
			b.exec(batch)
		}
		b.mu.Lock()
		if len(b.queue) > 0 {
			go b.drain() // keeps the slot
		} else {
			b.writers--
		}
	}
	b.mu.Unlock()
	select {
	case <-c.done:
		return c.res, c.err
	case <-ctx.Done():
		if c.state.CompareAndSwap(queued, dropped) {
			return nil, ctx.Err()
		}
		<-c.done // sent: its reply decides
		return c.res, c.err
	}
}

// drain sends pipelines until the queue is empty, then gives its slot back.
func (b *batcher) drain() {
	for {
		b.mu.Lock()
		batch := b.take()
		if len(batch) == 0 {
			b.writers--
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
		b.exec(batch)
	}
}

// take removes the next batch from the queue, marking its calls sent and
// leaving out those whose caller gave up. b.mu must be held.
func (b *batcher) take() []*call {
	batch := make([]*call, 0, min(len(b.queue), maxBatch))
	keys, i := 0, 0
	for ; i < len(b.queue) && len(batch) < maxBatch; i++ {
		c := b.queue[i]
		if len(batch) > 0 && keys+len(c.keys) > maxBatchKeys {
			break
		}
		// A call whose context ended stays queued: its caller drops it.
		if c.ctx.Err() != nil || !c.state.CompareAndSwap(queued, sent) {
			continue
		}
		keys += len(c.keys)
		batch = append(batch, c)
	}
	n := copy(b.queue, b.queue[i:])
	clear(b.queue[n:])
	b.queue = b.queue[:n]
	return batch
}

// exec runs batch in one pipeline and hands every call its reply. Scripts
// Redis does not know (it restarted, or SCRIPT FLUSH) go again as EVAL in a
// second pipeline, which also loads them for the next EVALSHA; EVAL carries
// its keys, so Redis Cluster routes it like the EVALSHA.
func (b *batcher) exec(batch []*call) {
	ctx, cancel := batchContext(batch)
	defer cancel()
	if len(batch) == 1 {
		// Alone, as whenever Redis keeps up: the script needs no pipeline.
		c := batch[0]
		c.finish(c.script.Run(ctx, b.c, c.keys, c.args...).Result())
		return
	}
	cmds := make([]*goredis.Cmd, len(batch))
	p := b.c.Pipeline()
	for i, c := range batch {
		cmds[i] = c.script.EvalSha(ctx, p, c.keys, c.args...)
	}
	_, _ = p.Exec(ctx) // every command carries its own error
	var again []int
	for i, cmd := range cmds {
		if isNoScript(cmd.Err()) {
			again = append(again, i)
			continue
		}
		batch[i].finish(cmd.Result())
	}
	if len(again) == 0 {
		return
	}
	p = b.c.Pipeline()
	for j, i := range again {
		cmds[j] = batch[i].script.Eval(ctx, p, batch[i].keys, batch[i].args...)
	}
	_, _ = p.Exec(ctx)
	for j, i := range again {
		batch[i].finish(cmds[j].Result())
	}
}

func (c *call) finish(res any, err error) {
	c.res, c.err = res, err
	close(c.done)
}

// batchContext returns the context a batch runs under: no caller's, since
// the batch serves them all, but ending at the latest of their deadlines, and
// never if one of them has none.
func batchContext(batch []*call) (context.Context, context.CancelFunc) {
	var last time.Time
	for _, c := range batch {
		d, ok := c.ctx.Deadline()
		if !ok {
			return context.Background(), func() {}
		}
		if d.After(last) {
			last = d
		}
	}
	return context.WithDeadline(context.Background(), last)
}

func isNoScript(err error) bool {
	return err != nil && (errors.Is(err, goredis.ErrNoScript) || goredis.HasErrorPrefix(err, "NOSCRIPT"))
}
