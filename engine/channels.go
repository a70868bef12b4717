package engine

import "github.com/bits-and-blooms/bitset"

// Channel is a sales channel (quota) index, 0..MaxChannels-1. Channel 0 is the web.
type Channel uint8

// ChannelMask is a set of channels a holder may sell from.
type ChannelMask uint64

// MaxChannels bounds the channels of one performance.
const MaxChannels = 64

// Web is the channel every seat starts in.
const Web Channel = 0

// AllChannels lets a holder take seats of any channel.
const AllChannels = ^ChannelMask(0)

// Mask returns the set holding only c.
func (c Channel) Mask() ChannelMask { return 1 << c }

func (s *Shard) mask(m ChannelMask) ChannelMask {
	if m == 0 {
		return Web.Mask()
	}
	return m
}

// PaintChannel moves seats into channel c, the quota that may sell them. Held
// and sold seats keep their channel and are skipped; seats already in c count as
// unchanged.
func (s *Shard) PaintChannel(seats []uint32, c Channel) (changed int, skipped []Skip, err error) {
	if int(c) >= MaxChannels {
		return 0, nil, &SeatError{Seat: uint32(c), Reason: "channel out of range"}
	}
	if err := s.checkSeats(seats); err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	expired := s.expireLocked(s.now()) > 0
	s.version++
	if s.chanSets[c] == nil {
		s.chanSets[c] = bitset.New(uint(s.n))
	}
	for _, seat := range seats {
		if s.channelOf[seat] == c {
			continue
		}
		if st := s.stateLocked(seat); st == Held || st == Sold {
			skipped = append(skipped, Skip{Seat: seat, State: st})
			continue
		}
		s.chanSets[s.channelOf[seat]].Clear(uint(seat))
		s.chanSets[c].Set(uint(seat))
		s.channelOf[seat] = c
		s.record(Change{Seat: seat, Kind: ChannelChange, Value: uint16(c)})
		changed++
	}
	if changed == 0 {
		s.version-- // the version opened above went unused
	}
	s.mu.Unlock()
	if changed > 0 || expired {
		s.signal() // expiries found on the way are news even when nothing else changed
	}
	return changed, skipped, nil
}

// ChannelOf returns a copy of every seat's channel.
func (s *Shard) ChannelOf() []Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Channel(nil), s.channelOf...)
}
