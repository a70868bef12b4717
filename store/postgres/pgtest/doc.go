// Package pgtest gives tests their own PostgreSQL schema, so that tests against
// the real database run in parallel without seeing each other's rows. It is for
// tests only and imports nothing of seatmap.
package pgtest
