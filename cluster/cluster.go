// Package cluster makes several seatd nodes one system (issue 18): nodes
// announce themselves in Redis, each performance has exactly one owner at a
// time, and every node knows where to send a performance's seat commands.
//
// # Ownership
//
// A performance's owner holds a lease in Redis: the record
// "<prefix>{<performance>}:owner" = "<node>|<token>|<address>" with a TTL,
// renewed by the owner every TTL/4 while it lives. The token comes from
// INCR of "<prefix>{<performance>}:fence" when the lease is taken, so it
// only grows from one owner to the next. Both keys carry the performance's
// hash tag: on a Redis Cluster they live in the slot of its hold leases,
// and the lease scripts read the record to fence their writes.
//
// Taking a performance over is three steps, in order: the Redis lease (the
// token), the store's fence advanced to the token (which waits for the
// former owner's writes under way and refuses every later one), then the
// shard rebuilt from the store and the leases (Config.Gained). Only then
// does Owns answer for it. An owner whose renewal fails, or finds the
// record changed, stops serving at once (Config.Lost); a paused owner that
// wakes after its TTL has lost nothing to the store: every write it still
// tries carries its old token and is refused.
//
// # Placement
//
// Performances go to nodes by rendezvous hashing over the live members:
// each node takes those it wins whose record is free, at once when asked
// (Route) and every tick for those Config.Performances lists. An owner
// hands a performance over (Lost, then the record deleted) when another
// member, alive for a while, wins it; a node that stops hands all of its
// performances over before it exits. A node that dies is found out by the
// TTL: its records lapse and the winners among the living take over.
//
// No consensus is made here: Redis decides who holds a lease, and the
// store's fence decides whose writes count.
package cluster

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"

	"github.com/seatmap/seatmap/internal/fence"
	leaseredis "github.com/seatmap/seatmap/lease/redis"
)

// ErrNoOwner: no live node owns the performance just now (a failover is
// under way). The caller answers 503 with Retry-After.
var ErrNoOwner = errors.New("no node owns the performance just now")

// DefaultTTL is an ownership lease's life: a dead owner's performances move
// after at most this long (plus a tick and the rebuild).
const DefaultTTL = time.Second

// MinSecret is the shortest cluster secret accepted, in bytes.
const MinSecret = 32

// Config sets up a node. NodeID, Addr, Secret and Redis are required.
type Config struct {
	NodeID string // unique among the nodes, e.g. "seatd-1"
	Addr   string // where the other nodes reach this one: host:port
	Secret []byte // shared by all nodes; never logged
	Redis  goredis.UniversalClient
	Prefix string // of every key; default "seatmap:"
	TTL    time.Duration
	Logger *slog.Logger

	// Performances lists those to place: each node takes the ones it wins.
	// Called every few ticks; nil places only on demand (Route).
	Performances func(ctx context.Context) ([]string, error)
	// Fence advances the store's fence of perf to token (the store adapter's
	// AdvanceFence), before the node serves it.
	Fence func(ctx context.Context, perf string, token uint64) error
	// Current returns the store's fence of perf: a Redis that lost its keys
	// starts its counters anew, and the counter is moved past the store's.
	Current func(ctx context.Context, perf string) (uint64, error)
	// Gained builds the shard of perf under token (seating.Service.Adopt).
	Gained func(ctx context.Context, perf string, token uint64) error
	// Lost drops the shard of perf: this node no longer owns it. Called
	// before the record is given up on a handover.
	Lost func(perf string)
	// Took, if set, is told once the node serves perf (Owns answers for
	// it): background work of the performance resumes there.
	Took func(perf string)
}

// Member is a live node.
type Member struct {
	ID, Addr string
}

// Cluster is one node's view of the cluster. Safe for concurrent use.
type Cluster struct {
	cfg    Config
	log    *slog.Logger
	prefix string

	acquiring singleflight.Group

	mu      sync.RWMutex
	owned   map[string]ownership // performances this node serves
	owners  map[string]cached    // others' records, as last read
	members []Member             // live, sorted by id
	seen    map[string]time.Time // when each member was first seen alive, for handovers
	perfs   []string             // to place, as last listed
	listed  time.Time

	stop chan struct{}
	done chan struct{}
	// serving: the node answers HTTP, so it may take performances by
	// placement and on demand (Serve); Take works before.
	serving atomic.Bool
}

type ownership struct {
	token   uint64
	value   string    // the record as written
	renewed time.Time // when the lease was last written or renewed
}

type cached struct {
	node, addr string
	at         time.Time
}

// New checks cfg and returns a node that has not joined yet.
func New(cfg Config) (*Cluster, error) {
	switch {
	case cfg.NodeID == "" || strings.ContainsAny(cfg.NodeID, "|{} \t\n"):
		return nil, fmt.Errorf("cluster: node id %q: want a non-empty name without '|', braces or spaces", cfg.NodeID)
	case cfg.Addr == "" || strings.ContainsAny(cfg.Addr, "|{} "):
		return nil, fmt.Errorf("cluster: advertise address %q: want host:port", cfg.Addr)
	case len(cfg.Secret) < MinSecret:
		return nil, fmt.Errorf("cluster: the secret has %d bytes, want at least %d", len(cfg.Secret), MinSecret)
	case cfg.Redis == nil:
		return nil, errors.New("cluster: no Redis")
	case cfg.Fence == nil || cfg.Gained == nil || cfg.Lost == nil:
		return nil, errors.New("cluster: Fence, Gained and Lost are required")
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "seatmap:"
	}
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Cluster{cfg: cfg, log: cfg.Logger, prefix: cfg.Prefix, owned: map[string]ownership{},
		owners: map[string]cached{}, seen: map[string]time.Time{}}, nil
}

// NodeID is this node's id.
func (c *Cluster) NodeID() string { return c.cfg.NodeID }

// Secret is the cluster's shared secret, for signing requests between nodes.
func (c *Cluster) Secret() []byte { return c.cfg.Secret }

// TTL is the life of an ownership lease.
func (c *Cluster) TTL() time.Duration { return c.cfg.TTL }

func (c *Cluster) tick() time.Duration { return c.cfg.TTL / 4 }

// keys in the cluster's own slot.
func (c *Cluster) membersKey() string { return c.prefix + "{cluster}:members" }
func (c *Cluster) addrsKey() string   { return c.prefix + "{cluster}:addrs" }
func (c *Cluster) checkKey() string   { return c.prefix + "{cluster}:secret-check" }

// keys in a performance's slot.
func (c *Cluster) ownerKey(perf string) string { return leaseredis.OwnerKey(c.prefix, perf) }
func (c *Cluster) fenceKey(perf string) string { return c.prefix + "{" + perf + "}:fence" }

// secretCheck is what every node of one cluster writes and compares: an HMAC
// of a fixed text under the secret, which tells nothing of the secret.
func (c *Cluster) secretCheck() string {
	m := hmac.New(sha256.New, c.cfg.Secret)
	m.Write([]byte("seatmap cluster secret check v1"))
	return hex.EncodeToString(m.Sum(nil))
}

// Join checks that this node may join (the same secret as the others; its
// id not taken by another live node), announces it, and starts the loop
// that renews its leases and places performances, until Leave.
func (c *Cluster) Join(ctx context.Context) error {
	want := c.secretCheck()
	if err := c.cfg.Redis.SetNX(ctx, c.checkKey(), want, 0).Err(); err != nil {
		return fmt.Errorf("cluster: join: %w", err)
	}
	got, err := c.cfg.Redis.Get(ctx, c.checkKey()).Result()
	if err != nil {
		return fmt.Errorf("cluster: join: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return errors.New("cluster: join refused: the nodes on this Redis (key prefix " + strconv.Quote(c.prefix) +
			") share another SEATD_CLUSTER_SECRET; give this node the same secret")
	}
	members, err := c.readMembers(ctx)
	if err != nil {
		return fmt.Errorf("cluster: join: %w", err)
	}
	for _, m := range members {
		if m.ID == c.cfg.NodeID && m.Addr != c.cfg.Addr {
			return fmt.Errorf("cluster: join refused: node id %q is in use by the live node at %s; give each node its own -node-id", m.ID, m.Addr)
		}
	}
	if err := c.beat(ctx); err != nil {
		return fmt.Errorf("cluster: join: %w", err)
	}
	if err := c.refreshMembers(ctx); err != nil {
		return fmt.Errorf("cluster: join: %w", err)
	}
	c.stop, c.done = make(chan struct{}), make(chan struct{})
	go c.loop(c.stop, c.done)
	c.log.Info("joined the cluster", "node", c.cfg.NodeID, "addr", c.cfg.Addr, "members", len(c.Members()), "ttl", c.cfg.TTL)
	return nil
}

// Serve tells the node it answers HTTP now: from here on it takes the
// performances it wins. Before, other nodes could not reach it.
func (c *Cluster) Serve() { c.serving.Store(true) }

// Leave hands every performance of this node over and leaves the cluster:
// the node is taken off the members first, so no other node chooses it, then
// each performance is dropped (Lost) and its record deleted, for the winner
// among the others to take at its next tick.
func (c *Cluster) Leave(ctx context.Context) {
	if c.stop == nil {
		return
	}
	close(c.stop)
	<-c.done
	c.stop = nil
	if err := c.cfg.Redis.ZRem(ctx, c.membersKey(), c.cfg.NodeID).Err(); err != nil {
		c.log.Warn("leave the cluster", "err", err)
	}
	c.mu.Lock()
	owned := c.owned
	c.owned = map[string]ownership{}
	c.mu.Unlock()
	for perf, o := range owned {
		c.cfg.Lost(perf)
		c.release(ctx, perf, o)
	}
	c.log.Info("left the cluster", "node", c.cfg.NodeID, "handed_over", len(owned))
}

// Owns reports whether this node serves perf, and under which token.
func (c *Cluster) Owns(perf string) (uint64, bool) {
	c.mu.RLock()
	o, ok := c.owned[perf]
	c.mu.RUnlock()
	// A node that was paused (or starved) past its lease serves nothing
	// until its loop has renewed it, or found it lost.
	if !ok || time.Since(o.renewed) > c.cfg.TTL {
		return 0, false
	}
	return o.token, true
}

// Take makes this node the owner of perf now if no node owns it (a
// performance it has just created). Another owner is no error: Owns tells.
func (c *Cluster) Take(ctx context.Context, perf string) error { return c.take(ctx, perf) }

// Forget drops what this node read of perf's owner: the owner did not
// answer, and the next Route reads the record again.
func (c *Cluster) Forget(perf string) {
	c.mu.Lock()
	delete(c.owners, perf)
	c.mu.Unlock()
}

// Owned lists the performances this node serves.
func (c *Cluster) Owned() map[string]uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make(map[string]uint64, len(c.owned))
	for p, o := range c.owned {
		out[p] = o.token
	}
	return out
}

// Members lists the live nodes as last read, this one included.
func (c *Cluster) Members() []Member {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return append([]Member(nil), c.members...)
}

// Owner names perf's owner as Redis has it: its node, address and token.
// ok is false when no node owns it.
func (c *Cluster) Owner(ctx context.Context, perf string) (node, addr string, token uint64, ok bool, err error) {
	v, err := c.cfg.Redis.Get(ctx, c.ownerKey(perf)).Result()
	if errors.Is(err, goredis.Nil) {
		return "", "", 0, false, nil
	}
	if err != nil {
		return "", "", 0, false, err
	}
	node, token, addr, perr := parseRecord(v)
	if perr != nil {
		return "", "", 0, false, perr
	}
	return node, addr, token, true, nil
}

// ownerFresh is how long a read owner record is believed for routing.
const ownerFresh = 200 * time.Millisecond

// Route says where perf's seat commands run: on this node (self), or on the
// owner at baseURL. A performance without an owner is taken by this node
// when it wins it, else routed to the winner, which takes it when the
// request arrives. ErrNoOwner when no live node can serve it now.
func (c *Cluster) Route(ctx context.Context, perf string) (self bool, baseURL string, err error) {
	if _, ok := c.Owns(perf); ok {
		return true, "", nil
	}
	c.mu.RLock()
	o, ok := c.owners[perf]
	c.mu.RUnlock()
	if !ok || time.Since(o.at) > ownerFresh {
		node, addr, _, _, err := c.Owner(ctx, perf)
		if err != nil {
			return false, "", err
		}
		o = cached{node: node, addr: addr, at: time.Now()} // node "": free
		c.mu.Lock()
		c.owners[perf] = o
		c.mu.Unlock()
	}
	mine := o.node == c.cfg.NodeID
	if o.node != "" && !mine {
		if !c.live(o.node) {
			// Its record has not lapsed yet, but the node stopped beating:
			// dead or cut off. Nobody serves the performance until the
			// record lapses and a live node takes it.
			return false, "", ErrNoOwner
		}
		return false, "http://" + o.addr, nil
	}
	// Free, or a record of this node that it does not serve (from before
	// a restart, or a takeover under way): the winner takes it, this node
	// taking its own record again.
	if !mine {
		w, ok := c.winner(perf)
		if !ok {
			return false, "", ErrNoOwner
		}
		if w.ID != c.cfg.NodeID {
			return false, "http://" + w.Addr, nil
		}
	}
	if !c.serving.Load() {
		return false, "", ErrNoOwner
	}
	if err := c.take(ctx, perf); err != nil {
		return false, "", err
	}
	if _, ok := c.Owns(perf); ok {
		return true, "", nil
	}
	return false, "", ErrNoOwner
}

// live reports whether node is among the live members as last read.
func (c *Cluster) live(node string) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, m := range c.members {
		if m.ID == node {
			return true
		}
	}
	return false
}

// winner is the live member rendezvous hashing gives perf to.
func (c *Cluster) winner(perf string) (Member, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return rendezvous(c.members, perf)
}

func rendezvous(members []Member, perf string) (Member, bool) {
	var best Member
	var top uint64
	found := false
	for _, m := range members {
		h := fnv.New64a()
		h.Write([]byte(m.ID))
		h.Write([]byte{0})
		h.Write([]byte(perf))
		if s := mix(h.Sum64()); !found || s > top || (s == top && m.ID < best.ID) {
			best, top, found = m, s, true
		}
	}
	return best, found
}

// mix is murmur3's finalizer: FNV alone leaves names that differ in their
// last byte with correlated high bits, and one node would win nearly all.
func mix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// parseRecord reads "<node>|<token>|<addr>".
func parseRecord(v string) (node string, token uint64, addr string, err error) {
	parts := strings.SplitN(v, "|", 3)
	if len(parts) != 3 {
		return "", 0, "", fmt.Errorf("cluster: owner record %q is malformed", v)
	}
	token, err = strconv.ParseUint(parts[1], 10, 64)
	if err != nil || token == 0 {
		return "", 0, "", fmt.Errorf("cluster: owner record %q has no token", v)
	}
	return parts[0], token, parts[2], nil
}

// acquireScript takes a performance's record when it is free or this node's
// (a record of this node that it does not serve is from before a restart):
// a new token from the counter, the record written with the TTL. Returns
// the token, or the record of the other node that holds it.
var acquireScript = goredis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur and string.match(cur, '^([^|]*)|') ~= ARGV[1] then
  return cur
end
local tok = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. tok .. '|' .. ARGV[2], 'PX', ARGV[3])
return tok
`)

// renewScript moves the record's TTL if it is still exactly ours.
var renewScript = goredis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`)

// releaseScript deletes the record if it is still exactly ours.
var releaseScript = goredis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

// raiseScript moves the token counter up to at least ARGV[1].
var raiseScript = goredis.NewScript(`
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if cur < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1])
end
return 1
`)

// take makes this node perf's owner if the record is free (or this node's):
// lease, store fence, shard, in that order. Concurrent calls for one
// performance share one attempt.
func (c *Cluster) take(ctx context.Context, perf string) error {
	_, err, _ := c.acquiring.Do(perf, func() (any, error) {
		if _, ok := c.Owns(perf); ok {
			return nil, nil
		}
		return nil, c.acquire(context.WithoutCancel(ctx), perf)
	})
	return err
}

func (c *Cluster) acquire(ctx context.Context, perf string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	res, err := acquireScript.Run(ctx, c.cfg.Redis, []string{c.ownerKey(perf), c.fenceKey(perf)},
		c.cfg.NodeID, c.cfg.Addr, c.cfg.TTL.Milliseconds()).Result()
	if err != nil {
		return fmt.Errorf("cluster: take %s: %w", perf, err)
	}
	tok, ok := res.(int64)
	if !ok {
		return nil // another node has it
	}
	o := ownership{token: uint64(tok), value: c.cfg.NodeID + "|" + strconv.FormatInt(tok, 10) + "|" + c.cfg.Addr, renewed: time.Now()}
	start := time.Now()
	if err := c.cfg.Fence(ctx, perf, o.token); err != nil {
		c.release(ctx, perf, o)
		if errors.Is(err, fence.ErrStale) && c.cfg.Current != nil {
			// Redis counts below the store: it lost its keys. Move the
			// counter past the store's token; the next attempt takes a
			// token that counts.
			if cur, cerr := c.cfg.Current(ctx, perf); cerr == nil {
				_ = raiseScript.Run(ctx, c.cfg.Redis, []string{c.fenceKey(perf)}, cur).Err()
				c.log.Warn("ownership token behind the store's; counter raised", "performance", perf, "token", o.token, "store", cur)
			}
		}
		return fmt.Errorf("cluster: take %s: %w", perf, err)
	}
	if err := c.cfg.Gained(ctx, perf, o.token); err != nil {
		c.release(ctx, perf, o)
		return fmt.Errorf("cluster: take %s: %w", perf, err)
	}
	// The rebuild may have taken a while: the lease must still be ours.
	renewedAt := time.Now()
	if n, err := renewScript.Run(ctx, c.cfg.Redis, []string{c.ownerKey(perf)}, o.value, c.cfg.TTL.Milliseconds()).Int(); err != nil || n != 1 {
		c.cfg.Lost(perf)
		return fmt.Errorf("cluster: take %s: the lease lapsed while the shard was built", perf)
	}
	o.renewed = renewedAt
	c.mu.Lock()
	c.owned[perf] = o
	delete(c.owners, perf)
	c.mu.Unlock()
	if c.cfg.Took != nil {
		c.cfg.Took(perf)
	}
	c.log.Info("owner of a performance", "performance", perf, "token", o.token, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// release gives perf's record up if it is still o's.
func (c *Cluster) release(ctx context.Context, perf string, o ownership) {
	if err := releaseScript.Run(ctx, c.cfg.Redis, []string{c.ownerKey(perf)}, o.value).Err(); err != nil {
		c.log.Warn("give a performance up; its lease lapses on its own", "performance", perf, "err", err)
	}
}

// lose stops serving perf under the lease written as value: Lost first, so
// that nothing is served under a lease the node no longer has. A newer
// lease of the same performance (taken again meanwhile) is kept.
func (c *Cluster) lose(perf, value, why string) {
	c.mu.Lock()
	o, ok := c.owned[perf]
	if ok && o.value == value {
		delete(c.owned, perf)
	}
	c.mu.Unlock()
	if !ok || o.value != value {
		return
	}
	c.cfg.Lost(perf)
	c.log.Warn("no longer the owner of a performance", "performance", perf, "token", o.token, "why", why)
}

// beat announces this node: a member is live while its last beat is less
// than a TTL old (liveFor), as its ownership leases are.
func (c *Cluster) beat(ctx context.Context) error {
	now := time.Now().UnixMilli()
	_, err := c.cfg.Redis.Pipelined(ctx, func(p goredis.Pipeliner) error {
		p.ZAdd(ctx, c.membersKey(), goredis.Z{Score: float64(now), Member: c.cfg.NodeID})
		p.HSet(ctx, c.addrsKey(), c.cfg.NodeID, c.cfg.Addr)
		return nil
	})
	return err
}

// liveFor is how long after its last beat a member counts as live: as long
// as its ownership leases.
func (c *Cluster) liveFor() time.Duration { return c.cfg.TTL }

func (c *Cluster) readMembers(ctx context.Context) ([]Member, error) {
	since := time.Now().Add(-c.liveFor()).UnixMilli()
	ids, err := c.cfg.Redis.ZRangeByScore(ctx, c.membersKey(), &goredis.ZRangeBy{Min: strconv.FormatInt(since, 10), Max: "+inf"}).Result()
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	addrs, err := c.cfg.Redis.HMGet(ctx, c.addrsKey(), ids...).Result()
	if err != nil {
		return nil, err
	}
	out := make([]Member, 0, len(ids))
	for i, id := range ids {
		a, _ := addrs[i].(string)
		if a != "" {
			out = append(out, Member{ID: id, Addr: a})
		}
	}
	return out, nil
}

func (c *Cluster) refreshMembers(ctx context.Context) error {
	ms, err := c.readMembers(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	live := make(map[string]bool, len(ms))
	for _, m := range ms {
		live[m.ID] = true
		if _, ok := c.seen[m.ID]; !ok {
			c.seen[m.ID] = now
		}
	}
	for id := range c.seen {
		if !live[id] {
			delete(c.seen, id)
		}
	}
	c.members = ms
	return nil
}

// stableAfter: a member wins performances from their owner only once it has
// been live this long, so that a node coming and going does not move them to
// and fro.
func (c *Cluster) stableAfter() time.Duration { return 3 * c.cfg.TTL }

func (c *Cluster) loop(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(c.tick())
	defer t.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		c.step(ctx)
	}
}

// step is one tick: beat, renew, read the members, place.
func (c *Cluster) step(ctx context.Context) {
	tctx, cancel := context.WithTimeout(ctx, c.cfg.TTL)
	defer cancel()
	if err := c.beat(tctx); err != nil {
		c.log.Warn("cluster heartbeat", "err", err)
	}
	c.renew(tctx)
	if err := c.refreshMembers(tctx); err != nil {
		c.log.Warn("cluster members", "err", err)
		return
	}
	c.place(ctx)
}

// renew moves every owned record's TTL in one pipeline; a record that is no
// longer ours, or a renewal that fails until the lease may have lapsed, ends
// the ownership.
func (c *Cluster) renew(ctx context.Context) {
	c.mu.RLock()
	perfs := make([]string, 0, len(c.owned))
	owned := make([]ownership, 0, len(c.owned))
	for p, o := range c.owned {
		perfs, owned = append(perfs, p), append(owned, o)
	}
	c.mu.RUnlock()
	if len(perfs) == 0 {
		return
	}
	sent := time.Now()
	cmds := make([]*goredis.Cmd, len(perfs))
	_, err := c.cfg.Redis.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, perf := range perfs {
			cmds[i] = renewScript.Run(ctx, p, []string{c.ownerKey(perf)}, owned[i].value, c.cfg.TTL.Milliseconds())
		}
		return nil
	})
	if err != nil && !errors.Is(err, goredis.Nil) {
		c.log.Warn("renew ownership leases", "err", err)
	}
	for i, perf := range perfs {
		n, err := cmds[i].Int()
		switch {
		case err == nil && n == 1:
			c.mu.Lock()
			if o, ok := c.owned[perf]; ok && o.value == owned[i].value {
				o.renewed = sent
				c.owned[perf] = o
			}
			c.mu.Unlock()
		case err == nil:
			c.lose(perf, owned[i].value, "the lease is another node's")
		case time.Since(owned[i].renewed) > c.cfg.TTL/2:
			// Redis cannot be reached: the lease lapses a TTL after its
			// last renewal; stop serving well before another node may
			// take it.
			c.lose(perf, owned[i].value, "the lease could not be renewed: "+err.Error())
		}
	}
}

// listEvery is how often the performances to place are listed again.
const listEvery = 2 * time.Second

// place takes the free performances this node wins and hands over those
// another stable member wins.
func (c *Cluster) place(ctx context.Context) {
	if !c.serving.Load() {
		return
	}
	if c.cfg.Performances != nil && time.Since(c.listed) > listEvery {
		lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		perfs, err := c.cfg.Performances(lctx)
		cancel()
		if err != nil {
			c.log.Warn("list performances to place", "err", err)
		} else {
			c.perfs, c.listed = perfs, time.Now()
		}
	}
	c.mu.RLock()
	members := c.members
	now := time.Now()
	var handover []string
	var candidates []string
	for perf := range c.owned {
		w, ok := rendezvous(members, perf)
		if ok && w.ID != c.cfg.NodeID && now.Sub(c.seen[w.ID]) > c.stableAfter() {
			handover = append(handover, perf)
		}
	}
	for _, perf := range c.perfs {
		if _, mine := c.owned[perf]; mine {
			continue
		}
		if w, ok := rendezvous(members, perf); ok && w.ID == c.cfg.NodeID {
			candidates = append(candidates, perf)
		}
	}
	c.mu.RUnlock()

	for _, perf := range handover {
		c.mu.Lock()
		o, ok := c.owned[perf]
		delete(c.owned, perf)
		c.mu.Unlock()
		if !ok {
			continue
		}
		c.cfg.Lost(perf)
		c.release(ctx, perf, o)
		c.log.Info("handed a performance over", "performance", perf)
	}
	if len(candidates) == 0 {
		return
	}
	// Which of them are free: one pipeline of GETs.
	cmds := make([]*goredis.StringCmd, len(candidates))
	_, _ = c.cfg.Redis.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, perf := range candidates {
			cmds[i] = p.Get(ctx, c.ownerKey(perf))
		}
		return nil
	})
	for i, perf := range candidates {
		v, err := cmds[i].Result()
		free := errors.Is(err, goredis.Nil)
		if err == nil {
			if node, _, _, perr := parseRecord(v); perr == nil && node == c.cfg.NodeID {
				free = true // ours from before a restart
			}
		}
		if !free {
			continue
		}
		if err := c.take(ctx, perf); err != nil {
			c.log.Warn("take a performance", "performance", perf, "err", err)
		}
	}
}
