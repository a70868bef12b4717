// Package engine is the heart of seatmap: one Shard per performance holds the state
// of every seat in bitsets (held, sold, blocked; free is none of them), the zone and
// sales channel of every seat, the live holds with their tokens and deadlines, and a
// ring of versioned changes for live seat maps. A mirror (NewMirror, mirror.go) is a
// shard without holds whose seats are set from outside: another node's picture of a
// performance it does not own, for its live seat maps (livebus).
//
// engine is pure, in-memory and deterministic given its clock: it imports hall and
// the bitset library, never the network, SQL, HTTP or WebSocket packages. Callers
// persist what must outlive the process (leases, orders) around it.
package engine
