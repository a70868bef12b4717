package redis

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/seatmap/seatmap/lease"
)

// The hold record is "<deadline unix ms>|<seat>,<seat>,...|<owner>": one short
// string that a script can read the seats out of with one pattern. The owner
// goes last because it is the one free-form part.

func encodeRecord(deadline int64, seats []uint32, owner string) string {
	b := make([]byte, 0, 14+len(seats)*5+len(owner))
	b = strconv.AppendInt(b, deadline, 10)
	b = append(b, '|')
	for i, seat := range seats {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendUint(b, uint64(seat), 10)
	}
	b = append(b, '|')
	b = append(b, owner...)
	return string(b)
}

func parseRecord(perf, token, rec string) (lease.Lease, error) {
	ms, rest, ok1 := strings.Cut(rec, "|")
	list, owner, ok2 := strings.Cut(rest, "|")
	deadline, err := strconv.ParseInt(ms, 10, 64)
	if !ok1 || !ok2 || err != nil {
		return lease.Lease{}, fmt.Errorf("malformed lease record %q", rec)
	}
	l := lease.Lease{Performance: perf, Token: token, Owner: owner, Expires: time.UnixMilli(deadline).UTC()}
	if list == "" {
		return l, nil
	}
	l.Seats = make([]uint32, 0, strings.Count(list, ",")+1)
	for f := range strings.SplitSeq(list, ",") {
		n, err := strconv.ParseUint(f, 10, 32)
		if err != nil {
			return lease.Lease{}, fmt.Errorf("malformed seat in lease record %q", rec)
		}
		l.Seats = append(l.Seats, uint32(n))
	}
	return l, nil
}

// names are the keys of one performance: every one carries the hash tag
// {performance}, so Redis Cluster keeps them in one slot and one script may
// touch them all.
type names struct {
	index      string // "<prefix>{<performance>}:holds"
	seatPrefix string // "<prefix>{<performance>}:s:"; a seat's key adds its index
}

func (s *Store) names(perf string) names {
	// One allocation for both names: this runs for every lease operation.
	base := len(s.prefix) + len(perf) + 3
	all := s.prefix + "{" + perf + "}:holds" + s.prefix + "{" + perf + "}:s:"
	return names{index: all[:base+5], seatPrefix: all[base+5:]}
}

// record names the hold record of token: "<prefix>{<performance>}:h:<token>".
func (n names) record(token string) string {
	return n.seatPrefix[:len(n.seatPrefix)-2] + "h:" + token
}

// leaseKeys returns the KEYS of a lease script: record, index, the seat keys
// of seats, then those of extra.
func (n names) leaseKeys(token string, seats, extra []uint32) []string {
	keys := make([]string, 2, 2+len(seats)+len(extra))
	keys[0], keys[1] = n.record(token), n.index
	// One buffer for every seat key: a lease of k seats costs one allocation
	// for its key names, not k. The buffer is grown once to its most, so each
	// key is a view of bytes that are never written again.
	var b strings.Builder
	b.Grow((len(seats) + len(extra)) * (len(n.seatPrefix) + 10))
	var digits [10]byte
	for _, list := range [2][]uint32{seats, extra} {
		for _, seat := range list {
			start := b.Len()
			b.WriteString(n.seatPrefix)
			b.Write(strconv.AppendUint(digits[:0], uint64(seat), 10))
			keys = append(keys, b.String()[start:])
		}
	}
	return keys
}
