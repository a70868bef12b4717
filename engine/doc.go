// Package engine is the heart of seatmap: one Shard per performance holds the state
// of every seat in bitsets (held, sold, blocked; free is none of them), the zone and
// sales channel of every seat, the live holds with their tokens and deadlines, and a
// ring of versioned changes for live seat maps.
//
// engine is pure, in-memory and deterministic given its clock: it imports hall and
// the bitset library, never the network, SQL, HTTP or WebSocket packages. Callers
// persist what must outlive the process (leases, orders) around it.
package engine
