package testkit

import (
	"net"
	"testing"
)

// FreeAddr returns a loopback address (host:port) that nothing listens on:
// for tests of a service that is down, or of a server given its address
// before it starts. Another process may take the port meanwhile; it is only
// as free as the moment it was asked for.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	return addr
}
