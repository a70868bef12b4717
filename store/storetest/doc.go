// Package storetest is the conformance suite every backend.Store runs: the
// Postgres and SQLite adapters call Run from their tests against a real
// database, so both keep one behaviour, down to error values and time
// precision. It is for tests only; it imports store, hall and testify, never an
// adapter.
package storetest
