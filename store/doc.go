// Package store holds what every store adapter shares: the sentinels an
// adapter answers with (ErrNotFound, ErrDuplicate, ErrConflict, and the marks
// ErrUnavailable and ErrInvalid that Classify adds) and the codecs of their
// columns. It is a leaf: domain packages import it for the sentinels.
//
// Below it: store/backend (the union of every domain package's store
// interface, which the adapters implement, and Guard, the circuit breaker
// around one), store/postgres (pgx, production) and store/sqlite (the
// embedded default), both run against one conformance suite, store/storetest.
// Driver errors (no rows, unique violations) are translated inside the
// adapters and nowhere else; domain types (orders, codes, performances, staff)
// are the domain packages', and the adapters translate rows to them.
package store
