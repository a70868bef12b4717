package api

// ForwardOverHTTP1 makes a Cluster server forward over HTTP/1.1 keep-alive
// connections instead of HTTP/2, for benchmarks that compare the two.
func ForwardOverHTTP1(c *Config) { c.forwardHTTP1 = true }

// RoutePlacements lists the route table's keys and whether each is forwarded.
func RoutePlacements() map[string]bool {
	out := make(map[string]bool, len(routePlacements))
	for k, v := range routePlacements {
		out[k] = v != nil
	}
	return out
}

// Routes lists the server's routes as "METHOD path".
func Routes(s *Server) []string {
	var out []string
	for _, r := range s.echo.Router().Routes() {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

// PeerConnections is how many connections s opened to other nodes.
func PeerConnections(s *Server) int64 { return s.fwd.dials.Load() }
