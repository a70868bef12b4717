package api

import (
	"fmt"
	"net/http"
	"sync"
)

// socketCaps bound the live-map sockets, in total and per client address, so
// that sockets cannot take the descriptors that holds, orders and the stores
// need. A socket over a cap is refused before the upgrade: it costs the
// server no WebSocket and, with Connection: close, no idle connection.
type socketCaps struct {
	total, perAddr int // 0: no cap

	mu     sync.Mutex // guards open and byAddr
	open   int
	byAddr map[string]int
}

func newSocketCaps(total, perAddr int) *socketCaps {
	return &socketCaps{total: total, perAddr: perAddr, byAddr: map[string]int{}}
}

// take counts a socket of addr, or says which cap refuses it.
func (s *socketCaps) take(addr string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.total > 0 && s.open >= s.total:
		p := problem(http.StatusServiceUnavailable, "too-many-sockets", "Too many live seat maps", fmt.Sprintf("this server has %d live seat maps open, its most; try again shortly", s.total))
		p.RetryAfter = 5
		return p
	case s.perAddr > 0 && s.byAddr[addr] >= s.perAddr:
		p := problem(http.StatusTooManyRequests, "too-many-sockets", "Too many live seat maps", fmt.Sprintf("your address has %d live seat maps open, at most %d at once; close one first", s.byAddr[addr], s.perAddr))
		p.RetryAfter = 5
		return p
	}
	s.open++
	s.byAddr[addr]++
	return nil
}

func (s *socketCaps) release(addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.open--
	if n := s.byAddr[addr] - 1; n > 0 {
		s.byAddr[addr] = n
	} else {
		delete(s.byAddr, addr)
	}
}
