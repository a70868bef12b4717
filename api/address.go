package api

import (
	"net/netip"

	"github.com/labstack/echo/v5"
)

// clientAddress is the key limits and caps count a client by: its address
// (from X-Forwarded-For with -trust-proxy), or for IPv6 its /64, since one
// subscriber commonly gets a whole /64 and could otherwise step around any
// per-address limit.
//
// A request another node forwarded speaks for the client that node served:
// its signed Seatmap-Client-Addr, not the node's own address.
func clientAddress(c *echo.Context) string {
	if a, ok := c.Get(nodeClientKey).(string); ok {
		return a
	}
	ip := c.RealIP()
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, err := a.WithZone("").Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}
