package engine

// wallClock returns the wall clock in unix nanoseconds: what the shard needs
// for deadlines (they are wall-clock times, shared with the lease store). It
// is read on every operation, so clock_linux_amd64.go reads it in one vDSO
// call where time.Now makes two (wall and monotonic, about 50 ns here, half
// of a hold and release of four seats).
var wallClock = timeNow
