// Package sales runs the life of a sale around the engine: it loads a performance's
// shard from the store and the lease store, takes holds in the engine and mirrors
// them as leases, confirms holds into stored orders, and expires what runs out.
//
// The order of writes keeps every failure whole: a hold is taken in the engine
// first and undone if its lease cannot be written; an order is written to the
// store while the hold is pinned, and only then do its seats turn sold. Calls to
// Postgres and Redis go through circuit breakers and come back as
// *UnavailableError when either is down; only what the adapter's Classify marks
// unavailable (and the breaker's own timeout) counts as down, never bad input.
//
// sales imports engine, hall, store and lease; never HTTP.
package sales
