package engine

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/hall"
)

// model is the obvious, slow implementation the shard must agree with.
type model struct {
	holds   map[string]modelHold
	sold    map[uint32]bool
	blocked map[uint32]bool
	channel map[uint32]Channel
	zone    map[uint32]uint16 // missing: zone 0
}

func (m *model) priced(seat uint32) bool {
	z, ok := m.zone[seat]
	return !ok || z != hall.NoZone
}

type modelHold struct {
	owner   string
	seats   []uint32
	expires time.Time
	pinned  bool
}

func (m *model) state(seat uint32) State {
	for _, h := range m.holds {
		if slices.Contains(h.seats, seat) {
			return Held
		}
	}
	switch {
	case m.sold[seat]:
		return Sold
	case m.blocked[seat]:
		return Blocked
	}
	return Free
}

func (m *model) expire(now time.Time) {
	for tok, h := range m.holds {
		if !h.expires.After(now) && !h.pinned {
			delete(m.holds, tok)
		}
	}
}

// TestPropertyRandomOperations runs random operation sequences against a shard and
// the model and checks, after every step, that they agree seat by seat, that the
// invariants hold, and that a replica fed only by Since (with snapshot on gap) sees
// the same states. Half the steps leave due holds for the operation to find, and
// every step that moves the version must signal subscribers, as the live maps
// learn of changes only from signals.
func TestPropertyRandomOperations(t *testing.T) {
	t.Parallel()
	h := rowHall(t, 12) // 24 seats: collisions on every step
	for seed := uint64(1); seed <= 40; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			runProperty(t, h, seed, 600)
		})
	}
}

func runProperty(t *testing.T, h *hall.Hall, seed uint64, steps int) {
	rng := rand.New(rand.NewPCG(seed, seed*7919))
	c := newClock()
	s := NewShard(Config{Hall: h, Now: c.Now, LogSize: 16, MaxHoldSeats: 6})
	m := &model{holds: map[string]modelHold{}, sold: map[uint32]bool{}, blocked: map[uint32]bool{}, channel: map[uint32]Channel{}, zone: map[uint32]uint16{}}
	n := uint32(h.N())
	owners := []string{"ann", "ben", "cid"}
	replica, rv := s.States(nil)
	var tokens []string
	sig, unsubscribe := s.Subscribe()
	defer unsubscribe()

	randSeats := func(k int) []uint32 {
		out := make([]uint32, k)
		for i := range out {
			out[i] = rng.Uint32N(n + 1) // n is out of range on purpose, now and then
		}
		return out
	}
	pickToken := func() string {
		if len(tokens) == 0 || rng.IntN(10) == 0 {
			return fmt.Sprint("ghost", rng.IntN(3))
		}
		return tokens[rng.IntN(len(tokens))]
	}

	for step := 0; step < steps; step++ {
		c.Add(time.Duration(rng.IntN(4000)) * time.Millisecond)
		now := c.Now()
		m.expire(now)
		swept := rng.IntN(2) == 0
		if swept {
			s.Expire(now)
		}
		owner := owners[rng.IntN(len(owners))]
		before, beforeV := s.States(nil)
		select { // the signals of the sweep and the step before
		case <-sig:
		default:
		}
		op := rng.IntN(12)
		var err error
		switch op {
		case 0, 1, 2: // explicit hold
			tok := fmt.Sprint("t", step)
			req := HoldRequest{Token: tok, Owner: owner, Seats: randSeats(1 + rng.IntN(4)), Expires: now.Add(time.Duration(1+rng.IntN(20)) * time.Second)}
			if rng.IntN(4) == 0 {
				req.Channels = Web.Mask() | Channel(1).Mask()
			}
			var got []uint32
			got, err = s.Hold(req, nil)
			ok := true
			dup := map[uint32]bool{}
			for _, seat := range req.Seats {
				mask := s.mask(req.Channels)
				if seat >= n || dup[seat] || m.state(seat) != Free || mask&(1<<m.channel[seat]) == 0 || !m.priced(seat) {
					ok = false
				}
				dup[seat] = true
			}
			require.Equal(t, ok, err == nil, "step %d hold %v: %v", step, req.Seats, err)
			if err == nil {
				require.Equal(t, req.Seats, got)
				m.holds[tok] = modelHold{owner: owner, seats: got, expires: req.Expires}
				tokens = append(tokens, tok)
			}
		case 3: // best available
			tok := fmt.Sprint("t", step)
			req := HoldRequest{Token: tok, Owner: owner, Best: Best{Count: 1 + rng.IntN(4), Zone: AnyZone}, Expires: now.Add(time.Duration(1+rng.IntN(20)) * time.Second)}
			var got []uint32
			got, err = s.Hold(req, nil)
			if err == nil {
				require.Len(t, got, req.Best.Count)
				row := h.Seats[got[0]].Row
				for i, seat := range got {
					require.Equal(t, Free, m.state(seat), "best-available took a taken seat")
					require.Equal(t, Web, m.channel[seat])
					require.True(t, m.priced(seat), "best-available took a seat without a price")
					require.Equal(t, row, h.Seats[seat].Row, "best-available split rows")
					if i > 0 {
						require.Equal(t, got[i-1]+1, seat, "best-available seats not side by side")
					}
				}
				m.holds[tok] = modelHold{owner: owner, seats: got, expires: req.Expires}
				tokens = append(tokens, tok)
			} else {
				require.ErrorIs(t, err, ErrNoSeats)
			}
		case 4: // release
			tok := pickToken()
			err = s.Release(tok, owner)
			mh, live := m.holds[tok]
			switch {
			case !live:
				require.ErrorIs(t, err, ErrNotFound)
			case mh.owner != owner:
				require.ErrorIs(t, err, ErrNotOwner)
			case mh.pinned:
				require.ErrorIs(t, err, ErrPinned)
			default:
				require.NoError(t, err)
				delete(m.holds, tok)
			}
		case 5: // extend
			tok := pickToken()
			exp := now.Add(time.Duration(1+rng.IntN(20)) * time.Second)
			err = s.Extend(tok, owner, exp)
			mh, live := m.holds[tok]
			switch {
			case !live:
				require.ErrorIs(t, err, ErrNotFound)
			case mh.owner != owner:
				require.ErrorIs(t, err, ErrNotOwner)
			default:
				require.NoError(t, err)
				mh.expires = exp
				m.holds[tok] = mh
			}
		case 6: // pin, then confirm or unpin
			tok := pickToken()
			_, err = s.Pin(tok, AnyOwner)
			mh, live := m.holds[tok]
			if !live {
				require.ErrorIs(t, err, ErrNotFound)
				break
			}
			if mh.pinned {
				require.ErrorIs(t, err, ErrPinned)
				break
			}
			require.NoError(t, err)
			switch rng.IntN(3) {
			case 0:
				require.NoError(t, s.Confirm(tok))
				for _, seat := range mh.seats {
					m.sold[seat] = true
				}
				delete(m.holds, tok)
			case 1:
				mh.pinned = true
				m.holds[tok] = mh
			default:
				s.Unpin(tok)
			}
		case 7: // unpin a pinned hold, maybe past its deadline
			for tok, mh := range m.holds {
				if mh.pinned {
					s.Unpin(tok)
					mh.pinned = false
					m.holds[tok] = mh
					m.expire(now)
					break
				}
			}
		case 8: // block or unblock
			seats := randSeats(1 + rng.IntN(5))
			if slices.ContainsFunc(seats, func(x uint32) bool { return x >= n }) {
				_, _, err = s.Block(seats)
				var se *SeatError
				require.ErrorAs(t, err, &se)
				break
			}
			if rng.IntN(2) == 0 {
				_, _, err = s.Block(seats)
				for _, seat := range seats {
					if m.state(seat) == Free {
						m.blocked[seat] = true
					}
				}
			} else {
				_, _, err = s.Unblock(seats)
				for _, seat := range seats {
					delete(m.blocked, seat)
				}
			}
			require.NoError(t, err)
		case 9: // refund
			seats := randSeats(1 + rng.IntN(3))
			if slices.ContainsFunc(seats, func(x uint32) bool { return x >= n }) {
				break
			}
			_, _, err = s.Refund(seats)
			require.NoError(t, err)
			for _, seat := range seats {
				delete(m.sold, seat)
			}
		case 10: // move seats to the box office channel and back
			seats := randSeats(1 + rng.IntN(3))
			if slices.ContainsFunc(seats, func(x uint32) bool { return x >= n }) {
				break
			}
			ch := Channel(rng.IntN(2))
			_, skipped, err := s.PaintChannel(seats, ch)
			require.NoError(t, err)
			for _, seat := range seats {
				if st := m.state(seat); (st == Held || st == Sold) && m.channel[seat] != ch {
					require.Contains(t, skipped, Skip{Seat: seat, State: st})
					continue
				}
				if st := m.state(seat); st != Held && st != Sold {
					m.channel[seat] = ch
				}
			}
		case 11: // paint zones: zone 0, zone 1, or no zone (not for sale)
			seats := randSeats(1 + rng.IntN(3))
			if slices.ContainsFunc(seats, func(x uint32) bool { return x >= n }) {
				break
			}
			z := []uint16{0, 1, hall.NoZone}[rng.IntN(3)]
			_, skipped, err := s.PaintZone(seats, z)
			require.NoError(t, err)
			for _, seat := range seats {
				if st := m.state(seat); st == Held || st == Sold {
					if cur, ok := m.zone[seat]; (ok && cur != z) || (!ok && z != 0) {
						require.Contains(t, skipped, Skip{Seat: seat, State: st})
					}
					continue
				}
				m.zone[seat] = z
			}
		}

		// Every change is signalled, expiries the operation found included, and
		// nothing else is: a call that changed nothing leaves live maps alone.
		if s.Version() != beforeV {
			select {
			case <-sig:
			default:
				t.Fatalf("step %d op %d: version %d -> %d without a signal", step, op, beforeV, s.Version())
			}
		} else {
			select {
			case <-sig:
				t.Fatalf("step %d op %d: a signal at version %d, which did not move", step, op, beforeV)
			default:
			}
		}
		// Holds due that the operation did not find go now (States does not
		// expire), so that the shard and the model can be compared.
		s.Expire(now)
		// A failed operation changes nothing (expiries it found aside).
		after, afterV := s.States(nil)
		if err != nil && op <= 3 && swept {
			require.Equal(t, before, after, "step %d: failed op %d changed states", step, op)
			require.Equal(t, beforeV, afterV)
		}
		// The shard agrees with the model and its own invariants.
		require.NoError(t, s.Verify(), "step %d op %d", step, op)
		zoneOf, chanOf := s.ZoneOf(), s.ChannelOf()
		for seat := uint32(0); seat < n; seat++ {
			require.Equal(t, m.state(seat), after[seat], "step %d op %d seat %d", step, op, seat)
			require.Equal(t, m.zone[seat], zoneOf[seat], "step %d op %d seat %d zone", step, op, seat)
			require.Equal(t, m.channel[seat], chanOf[seat], "step %d op %d seat %d channel", step, op, seat)
		}
		// A replica following Since converges, re-syncing on gaps.
		ch, to, err := s.Since(rv, nil)
		if errors.Is(err, ErrGap) {
			replica, rv = s.States(replica[:0])
		} else {
			require.NoError(t, err)
			for _, c := range ch {
				if c.Kind == StateChange {
					replica[c.Seat] = c.State
				}
			}
			rv = to
		}
		require.Equal(t, after, replica, "step %d: replica diverged", step)
	}
}
