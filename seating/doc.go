// Package seating owns the live performances: it loads each one's engine shard
// from the store and the lease store, takes holds in the engine and mirrors
// them as leases, caps what one buyer holds, expires what runs out, and sets
// a performance up (zones, channels, blocks, templates, sale status). The
// checkout (package checkout) sells and frees seats through the few methods
// of sell.go.
//
// The order of writes keeps every failure whole: a hold is taken in the engine
// first and undone if its lease cannot be written; seats are sold only once
// the store holds their order. Calls to the store and the lease store are
// expected to come through store/backend.Guard and lease.Guard (cmd/seatd
// wires them): an outage comes back as *breaker.UnavailableError.
//
// Locks, taken in this order and never the other way: Service.mu (the
// registry) → Perf.setup (set-up changes, the only lock held across a store
// write: staff take it, buyers and sales never) → Perf.mu (blocks,
// reservations, and the zone list with the zone map for pricing; never held
// across I/O) → the shard's own lock inside engine. holdCaps.mu and pendMu
// are leaves. The order of writes is writes.go's; ARCHITECTURE.md has both.
//
// seating imports engine, hall, lease, catalog, order and pricing; never HTTP.
package seating
