package engine

import "hash/maphash"

// tokenIndex maps the tokens of live holds to their slots. It replaces a
// map[string]uint32 on the hold and release path, where the map hashed the token
// four times per hold and release (look up and assign, look up and delete): a
// quarter of their instructions.
//
// It is an open-addressing table with linear probing over (hash, slot) pairs: a
// probe compares 32 bits of the hash first and only then the token, which lives in
// the hold (holds[slot].token), so the index stores no strings. The caller hashes a
// token once, before taking the shard's lock, and passes the hash to find, insert
// and remove. Deleting shifts the entries that follow back towards their home, so
// there are no tombstones and a table through which millions of holds pass keeps
// its probe lengths. Tokens are chosen by callers, so the hash is seeded per shard:
// nobody can aim tokens at one probe chain.
//
// Not safe for concurrent use; the shard owns it and guards it with its mutex
// (hash alone needs no lock: the seed never changes).
type tokenIndex struct {
	seed maphash.Seed
	ents []tokenEnt // len is a power of two, at least twice n
	n    int        // live entries
}

// tokenEnt is one entry; slot 0 (never a hold's slot) marks an empty entry.
type tokenEnt struct {
	hash uint32
	slot uint32
}

const minTokenEnts = 64

func newTokenIndex() tokenIndex {
	return tokenIndex{seed: maphash.MakeSeed(), ents: make([]tokenEnt, minTokenEnts)}
}

// hash is the token's hash for find, insert and remove.
func (t *tokenIndex) hash(token string) uint32 {
	return uint32(maphash.String(t.seed, token))
}

// find returns the slot of the live hold with token (whose hash is h), or 0 and the
// position at which insert may add it, valid until the index next changes.
func (t *tokenIndex) find(token string, h uint32, holds []hold) (pos int, slot uint32) {
	ents := t.ents
	mask := len(ents) - 1
	for i := int(h) & mask; ; i = (i + 1) & mask {
		e := ents[i]
		if e.slot == 0 {
			return i, 0
		}
		if e.hash == h && holds[e.slot].token == token {
			return i, e.slot
		}
	}
}

// insert adds slot at pos, which find returned for its token with the index
// unchanged since.
func (t *tokenIndex) insert(pos int, h uint32, slot uint32) {
	t.ents[pos] = tokenEnt{hash: h, slot: slot}
	t.n++
	if 2*t.n > len(t.ents) {
		t.grow()
	}
}

func (t *tokenIndex) grow() {
	old := t.ents
	t.ents = make([]tokenEnt, 2*len(old))
	mask := len(t.ents) - 1
	for _, e := range old {
		if e.slot == 0 {
			continue
		}
		i := int(e.hash) & mask
		for t.ents[i].slot != 0 {
			i = (i + 1) & mask
		}
		t.ents[i] = e
	}
}

// remove deletes slot, whose token hashes to h. The slot must be in the index.
func (t *tokenIndex) remove(h uint32, slot uint32) {
	ents := t.ents
	mask := len(ents) - 1
	i := int(h) & mask
	for ents[i].slot != slot {
		if ents[i].slot == 0 { // a bug, not bad input: never spin under the lock
			panic("engine: token index has no entry for a live hold")
		}
		i = (i + 1) & mask
	}
	// Backward-shift deletion: move each later entry of the probe run into the
	// hole unless its home lies in the cyclic range (hole, entry], where it would
	// no longer be found.
	for j := (i + 1) & mask; ; j = (j + 1) & mask {
		e := ents[j]
		if e.slot == 0 {
			break
		}
		if (j-int(e.hash))&mask >= (j-i)&mask {
			ents[i] = e
			i = j
		}
	}
	ents[i] = tokenEnt{}
	t.n--
}
