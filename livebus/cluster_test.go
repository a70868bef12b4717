package livebus

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/engine"
	"github.com/seatmap/seatmap/internal/testkit"
	"github.com/seatmap/seatmap/lease/redis/redistest"
)

// TestRedisCluster runs the owner and two nodes' mirrors on a Redis Cluster
// of three masters: frames published to the channel's slot master reach
// subscription connections on any node, in order, and a failover converges.
func TestRedisCluster(t *testing.T) {
	t.Parallel()
	cc := redistest.Cluster(t)
	e := newEnv(t, envOptions{hall: stadium, redis: cc, check: time.Hour})
	token, shard := e.owner.current()
	ownerSeen := follow(t, shard)
	m0, f0 := e.mirror(t, 0)
	m1, f1 := e.mirror(t, 1)
	e.publishSettled(t)

	// Where the subscriptions landed (PUBSUB NUMSUB counts a node's own
	// connections), against the node PUBLISH goes to.
	ctx := context.Background()
	channel := Channel(e.prefix, "p")
	master, err := cc.MasterForKey(ctx, channel)
	require.NoError(t, err)
	var mu sync.Mutex
	var masters []string
	require.NoError(t, cc.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error {
		mu.Lock()
		defer mu.Unlock()
		masters = append(masters, n.Options().Addr)
		return nil
	}))
	require.Len(t, masters, 3)
	subscribers, elsewhere := int64(0), int64(0)
	var raw []*redis.PubSub
	for _, addr := range masters {
		c := redis.NewClient(&redis.Options{Addr: addr})
		t.Cleanup(func() { c.Close() })
		counts, err := c.PubSubNumSub(ctx, channel).Result()
		require.NoError(t, err)
		subscribers += counts[channel]
		if addr != master.Options().Addr {
			elsewhere += counts[channel]
		}
		// And a raw subscriber on every master: each must hear every frame.
		ps := c.Subscribe(ctx, channel)
		_, err = ps.ReceiveTimeout(ctx, 5*time.Second) // the confirmation
		require.NoError(t, err)
		raw = append(raw, ps)
	}
	require.Equal(t, int64(2), subscribers)
	t.Logf("%d of the 2 subscription connections are on a node other than the channel's slot master %s", elsewhere, master.Options().Addr)

	churn(t, shard, rand.New(rand.NewPCG(11, 12)), 1000, time.Millisecond)
	converged(t, shard, m0)
	converged(t, shard, m1)
	testkit.Eventually(t, 5*time.Second, "the followers at their shards' versions", func() bool {
		f0.mu.Lock()
		defer f0.mu.Unlock()
		f1.mu.Lock()
		defer f1.mu.Unlock()
		return f0.version == m0.Version() && f1.version == m1.Version()
	})
	want, _ := ownerSeen.sequences()
	for i, f := range []*follower{f0, f1} {
		got, gaps := f.sequences()
		require.Zero(t, gaps)
		require.Equal(t, want, got, "mirror %d: every seat's states in the owner's order", i)
		require.Equal(t, int64(1), e.mirrors[i].Stats().Gaps, "the publisher's first reset only")
	}

	heard := make([]int, len(raw))
	for i, ps := range raw {
		for {
			msg, err := ps.ReceiveTimeout(ctx, 300*time.Millisecond)
			if err != nil {
				break // quiet: every frame is in
			}
			var f frame
			require.NoError(t, parseFrame([]byte(msg.(*redis.Message).Payload), &f))
			if !f.beat { // beats come by the clock, not by the changes
				heard[i]++
			}
		}
		require.NoError(t, ps.Close())
	}
	t.Logf("delta frames heard on each master: %v", heard)
	require.Positive(t, heard[0])
	require.Equal(t, []int{heard[0], heard[0], heard[0]}, heard, "every node hears every frame")

	rebuilt := engine.NewShard(engine.Config{Hall: stadium})
	hold(t, rebuilt, "after-failover", 7, 8, 9)
	e.owner.set(token+1, rebuilt)
	e.publish(t)
	converged(t, rebuilt, m0)
	converged(t, rebuilt, m1)
}
