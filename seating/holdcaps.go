package seating

import (
	"fmt"
	"sync"
	"time"
)

// HoldCapError refuses a hold that would take a buyer's session or address
// past the seats it may hold at once. Nothing was held.
type HoldCapError struct {
	Cap        string // "session" or "address"
	Limit      int    // seats it may hold at once
	Held       int    // seats it holds now
	OldestEnds time.Time
}

func (e *HoldCapError) Error() string {
	return fmt.Sprintf("this %s holds %d seat(s) already, at most %d at once; its oldest hold ends at %s unless it is confirmed or released first",
		e.Cap, e.Held, e.Limit, e.OldestEnds.UTC().Format(time.RFC3339))
}

// holdCaps counts the seats each buyer session and each client address holds,
// so that one client cannot hold a whole hall: rate limits bound how fast
// seats are taken, caps how many are kept. Staff are not counted.
//
// Each counted hold carries its deadline: a hold that ends in a way nobody
// reports here (the engine expired it, a rebuild dropped it) stops counting at
// its deadline anyway, so a missed end can only make a cap stricter, and only
// until then.
type holdCaps struct {
	perSession, perAddress int // 0: no cap

	mu      sync.Mutex // guards the maps below
	byToken map[string]*cappedHold
	byKey   map[string]*capKey
}

type cappedHold struct {
	token   string
	seats   int
	expires time.Time
	keys    [2]string // session and address keys; empty when not capped
}

type capKey struct {
	seats int
	holds []*cappedHold
}

func newHoldCaps(perSession, perAddress int) *holdCaps {
	return &holdCaps{perSession: perSession, perAddress: perAddress, byToken: map[string]*cappedHold{}, byKey: map[string]*capKey{}}
}

func (c *holdCaps) off() bool { return c.perSession <= 0 && c.perAddress <= 0 }

// take counts a new hold of seats for the actor before it is made, or refuses
// it with a *HoldCapError. The caller calls drop(token) if the hold then fails.
func (c *holdCaps) take(a Actor, token string, seats int, expires, now time.Time) error {
	if c.off() || a.Staff() {
		return nil
	}
	h := &cappedHold{token: token, seats: seats, expires: expires}
	if c.perSession > 0 && a.Session != "" {
		h.keys[0] = "s\x00" + a.Session
	}
	if c.perAddress > 0 && a.Address != "" {
		h.keys[1] = "a\x00" + a.Address
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, limit := range [2]int{c.perSession, c.perAddress} {
		k := h.keys[i]
		if k == "" {
			continue
		}
		ck := c.byKey[k]
		if ck == nil {
			continue
		}
		c.prune(k, ck, now)
		if ck.seats+seats > limit && len(ck.holds) > 0 {
			oldest := ck.holds[0].expires
			for _, o := range ck.holds[1:] {
				if o.expires.Before(oldest) {
					oldest = o.expires
				}
			}
			return &HoldCapError{Cap: [2]string{"session", "address"}[i], Limit: limit, Held: ck.seats, OldestEnds: oldest}
		}
	}
	for _, k := range h.keys {
		if k == "" {
			continue
		}
		ck := c.byKey[k]
		if ck == nil {
			ck = &capKey{}
			c.byKey[k] = ck
		}
		ck.seats += seats
		ck.holds = append(ck.holds, h)
	}
	c.byToken[token] = h
	return nil
}

// prune stops counting the key's holds whose deadline has passed. The caller
// holds c.mu.
func (c *holdCaps) prune(k string, ck *capKey, now time.Time) {
	live := ck.holds[:0]
	for _, h := range ck.holds {
		if h.expires.After(now) {
			live = append(live, h)
			continue
		}
		ck.seats -= h.seats
		delete(c.byToken, h.token)
	}
	clear(ck.holds[len(live):])
	ck.holds = live
	if len(live) == 0 {
		delete(c.byKey, k)
	}
}

// drop stops counting a hold that ended (released, sold, reserved, expired)
// or was never made.
func (c *holdCaps) drop(token string) {
	if c.off() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	h := c.byToken[token]
	if h == nil {
		return
	}
	delete(c.byToken, token)
	for _, k := range h.keys {
		ck := c.byKey[k]
		if k == "" || ck == nil {
			continue
		}
		for i, o := range ck.holds {
			if o == h {
				ck.holds = append(ck.holds[:i], ck.holds[i+1:]...)
				ck.seats -= h.seats
				break
			}
		}
		if len(ck.holds) == 0 {
			delete(c.byKey, k)
		}
	}
}

// extend moves a counted hold's deadline.
func (c *holdCaps) extend(token string, expires time.Time) {
	if c.off() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if h := c.byToken[token]; h != nil {
		h.expires = expires
	}
}
