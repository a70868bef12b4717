// Package store declares what seatmap persists and must never lose: halls,
// performances with their zones, orders and their tickets, settings. The adapters
// live below it: store/postgres (pgx, production) and store/sqlite (embedded
// default). Both run the same conformance suite, store/storetest.
//
// Driver errors (no rows, unique violations) are translated inside the adapters into
// the sentinels and typed errors of this package and nowhere else.
package store
