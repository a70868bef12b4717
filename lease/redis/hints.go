package redis

import (
	"hash/maphash"
	"sync"
	"time"
)

// hints remember the seats of the leases this store wrote, so that Release,
// Extend and a replacing Acquire can name the seat keys they touch in KEYS, as
// Redis Cluster and every Lua-compatible server require, and still finish in
// one round trip. A hint is only a guess: a script that meets a seat missing
// from its KEYS writes nothing and answers with the lease's record, and the
// store asks again naming those seats. A missing or stale hint (another node
// wrote the lease, or this process restarted) costs one more round trip, never
// a wrong write.
type hints struct {
	now    func() time.Time
	seed   maphash.Seed
	shards [64]hintShard
}

type hintShard struct {
	mu      sync.Mutex // guards the fields below
	m       map[string]hint
	sweepAt int // sweep lapsed hints when m reaches this size
}

type hint struct {
	seats    []uint32 // ascending; never modified once stored
	deadline int64    // unix ms
}

func newHints(now func() time.Time) *hints {
	h := &hints{now: now, seed: maphash.MakeSeed()}
	for i := range h.shards {
		h.shards[i].m = map[string]hint{}
		h.shards[i].sweepAt = minSweep
	}
	return h
}

// minSweep keeps sweeps rare while a shard is small.
const minSweep = 256

func (h *hints) shard(key string) *hintShard {
	return &h.shards[maphash.String(h.seed, key)%uint64(len(h.shards))]
}

// get returns the seats last written for the lease with record key key.
func (h *hints) get(key string) []uint32 {
	sh := h.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return sh.m[key].seats
}

func (h *hints) put(key string, seats []uint32, deadline int64) {
	sh := h.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.m[key] = hint{seats: seats, deadline: deadline}
	if len(sh.m) < sh.sweepAt {
		return
	}
	// Leases that lapse without a Release leave hints behind; dropping the lapsed
	// ones whenever the shard doubles keeps it near the number of live leases at
	// amortised constant cost.
	now := h.now().UnixMilli()
	for k, v := range sh.m {
		if v.deadline <= now {
			delete(sh.m, k)
		}
	}
	sh.sweepAt = max(2*len(sh.m), minSweep)
}

// setDeadline moves the deadline of a hint, if there is one.
func (h *hints) setDeadline(key string, deadline int64) {
	sh := h.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if v, ok := sh.m[key]; ok {
		v.deadline = deadline
		sh.m[key] = v
	}
}

func (h *hints) drop(key string) {
	sh := h.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	delete(sh.m, key)
}
