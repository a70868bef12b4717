package livebus

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seatmap/seatmap/engine"
)

// PublisherOptions configure a Publisher. Zero values take the defaults.
type PublisherOptions struct {
	Redis  redis.UniversalClient
	Prefix string // the key prefix, as the lease store's
	// Interval is the least time between two frames of one performance: the
	// first change after a quiet spell goes out at once, what follows within
	// Interval goes out in the next frame. See BENCHMARKS.md for the choice.
	Interval time.Duration // default DefaultInterval
	// Beat is how long a performance may be quiet before its owner publishes
	// a beat (its token and version), by which mirrors tell a lost last
	// frame or a gone owner from a quiet sale without fetching a snapshot.
	// Keep it under the Mirrors' Check.
	Beat   time.Duration // default 1 s
	Logger *slog.Logger
}

// DefaultInterval is PublisherOptions.Interval when zero: at 1,000 holds a
// second it publishes about one frame in three holds and adds under 2 ms to
// the lag (BENCHMARKS.md, "Live maps across nodes").
const DefaultInterval = 5 * time.Millisecond

// Publisher sends owners' changes to Redis. It is safe for concurrent use;
// each Publish runs its own goroutine.
type Publisher struct {
	o   PublisherOptions
	log *slog.Logger
}

// NewPublisher returns a publisher.
func NewPublisher(o PublisherOptions) *Publisher {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if o.Beat <= 0 {
		o.Beat = time.Second
	}
	return &Publisher{o: o, log: o.Logger.With("component", "livebus")}
}

// Publish sends every change of shard to the performance's channel as
// frames under token, the owner's fencing token, until ctx ends or stop is
// called; stop returns once the goroutine has. After Beat without a change
// it publishes a beat (token and version). It starts with a reset frame,
// so that mirrors following an earlier owner fetch this one's snapshot at
// once. A frame that Redis refuses is not dropped: the next attempt (after a
// backoff) carries its changes and whatever came since, or a reset when the
// shard's change log no longer reaches back. Run one Publish per performance
// at a time: stop the last before publishing a rebuilt shard (under the same
// token or a new one; its first reset lets mirrors follow versions that
// start over).
func (p *Publisher) Publish(ctx context.Context, perf string, token uint64, shard *engine.Shard) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	sig, unsub := shard.Subscribe() // before the first read: a change after it signals
	go func() {
		defer close(done)
		defer unsub()
		p.run(ctx, perf, token, shard, sig)
	}()
	var once sync.Once
	return func() {
		once.Do(cancel)
		<-done
	}
}

func (p *Publisher) run(ctx context.Context, perf string, token uint64, shard *engine.Shard, sig <-chan struct{}) {
	channel := Channel(p.o.Prefix, perf)
	f := frame{perf: perf, token: token}
	var buf []byte
	last := shard.Version()
	reset := true // first a reset: mirrors of an earlier owner fetch at once
	retry := false
	backoff := 10 * time.Millisecond
	window := time.NewTimer(p.o.Interval)
	defer window.Stop()
	quiet := time.NewTimer(p.o.Beat)
	defer quiet.Stop()
	for {
		beat := false
		if !reset && !retry {
			select {
			case <-ctx.Done():
				return
			case <-sig:
			case <-quiet.C:
				beat = true
			}
		}
		retry = false
		var err error
		var to uint64
		f.changes, to, err = shard.Since(last, f.changes[:0])
		if errors.Is(err, engine.ErrGap) {
			reset = true
		}
		switch {
		case reset:
			f.reset, f.beat, f.from, f.to, f.changes = true, false, to, to, f.changes[:0]
		case to != last:
			f.reset, f.beat, f.from, f.to = false, false, last, to
		case beat:
			f.reset, f.beat, f.from, f.to = false, true, last, last
		default:
			continue
		}
		buf = appendFrame(buf[:0], &f)
		if err := p.publish(ctx, channel, buf); err != nil {
			if ctx.Err() != nil {
				return
			}
			p.log.Warn("live seat map: publish", "performance", perf, "err", err)
			retry = true
			quiet.Reset(p.o.Beat) // a beat that failed is due again, not lost
			if !sleep(ctx, backoff) {
				return
			}
			backoff = min(2*backoff, time.Second)
			continue
		}
		backoff = 10 * time.Millisecond
		last, reset = to, false
		quiet.Reset(p.o.Beat)
		window.Reset(p.o.Interval)
		select {
		case <-ctx.Done():
			return
		case <-window.C:
		}
	}
}

// publish sends one frame. On a Redis Cluster it goes to the master of the
// channel's slot, not to any node: PUBLISH is broadcast over the cluster bus
// by the node that takes it, so frames that all enter through one node reach
// every other node in the order they were sent.
func (p *Publisher) publish(ctx context.Context, channel string, msg []byte) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if cc, ok := p.o.Redis.(*redis.ClusterClient); ok {
		node, err := cc.MasterForKey(ctx, channel)
		if err != nil {
			return err
		}
		return node.Publish(ctx, channel, msg).Err()
	}
	return p.o.Redis.Publish(ctx, channel, msg).Err()
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
