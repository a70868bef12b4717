// Package postgres is the production backend.Store on PostgreSQL through pgx
// (pgxpool). Every write that must be whole is one statement or one
// transaction, and a partial unique index on live tickets makes a double sale
// impossible whatever happens above it. New orders arriving together share a
// transaction and its commit (group commit, order_batch.go); a reported
// success is always a committed order.
//
// The schema lives in numbered migrations embedded in the binary and applied by
// Open under an advisory lock, so nodes starting together apply each one once.
// Driver errors (no rows, unique and foreign-key violations) are translated here
// into the sentinels and typed errors of package store and nowhere else; Classify
// (errors.go) marks unavailability and refused values, which only pgx's error
// types and SQLSTATE classes tell apart.
//
// It imports store and hall for the domain types and must not import engine,
// seating, checkout, api or anything that serves requests.
package postgres
