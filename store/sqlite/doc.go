// Package sqlite is the embedded backend.Store: one SQLite file, no server and no
// cgo (modernc.org/sqlite). It is what `go run ./cmd/seatd` uses when no
// DATABASE_URL is set.
//
// SQLite has one writer at a time whatever the program does, so the store
// gives writes one connection of their own, in WAL mode, and reads a small pool
// beside it: readers never wait for the writer, and writers queue in the
// process instead of failing with "database is locked". Times are INTEGER unix
// microseconds in UTC, the precision Postgres keeps, so both adapters return the
// same values. A partial unique index on live tickets is the last line against
// a double sale, as on Postgres.
//
// Driver errors (no rows, constraint violations) are translated here into the
// sentinels and typed errors of package store and nowhere else; Classify
// (errors.go) marks unavailability (a lock held past busy_timeout, a full disk,
// I/O errors). It imports store
// and hall for the domain types and must not import engine, seating, checkout, api or
// anything that serves requests.
package sqlite
