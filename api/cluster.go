package api

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/seatmap/seatmap/cluster"
	"github.com/seatmap/seatmap/input"
)

// NodeInfo is what GET /cluster shows of this node (issue 18): a cluster
// member (*cluster.Cluster) or, on one node, nothing.
type NodeInfo interface {
	NodeID() string
	Members() []cluster.Member
	Owned() map[string]uint64
	Owner(ctx context.Context, perf string) (node, addr string, token uint64, ok bool, err error)
}

type clusterMember struct {
	ID   string `json:"id"`
	Addr string `json:"addr"`
}

type clusterOwner struct {
	Node  string `json:"node"`
	Addr  string `json:"addr"`
	Token uint64 `json:"token"`
}

type clusterView struct {
	Node    string          `json:"node"`
	Members []clusterMember `json:"members"`
	// Owned: the performances this node serves, with their fencing tokens.
	Owned map[string]uint64 `json:"owned"`
	// Owner of the performance asked for with ?performance=.
	Owner *clusterOwner `json:"owner,omitempty"`
}

// clusterInfo is GET /cluster: the answering node, the live members, what
// it owns, and with ?performance= who owns that. Admins only; on one node
// 404.
func (s *Server) clusterInfo(c *echo.Context) error {
	if s.cfg.Node == nil {
		return problem(http.StatusNotFound, "not-a-cluster", "Not a cluster", "this seatd runs as one node (no SEATD_CLUSTER_SECRET)")
	}
	n := s.cfg.Node
	v := clusterView{Node: n.NodeID(), Owned: n.Owned(), Members: []clusterMember{}}
	for _, m := range n.Members() {
		v.Members = append(v.Members, clusterMember{ID: m.ID, Addr: m.Addr})
	}
	if perf := c.QueryParam("performance"); perf != "" {
		if len(perf) > 64 {
			return &input.Error{Field: "performance", Reason: "is longer than 64 characters"}
		}
		node, addr, token, ok, err := n.Owner(c.Request().Context(), perf)
		if err != nil {
			return err
		}
		v.Owner = &clusterOwner{}
		if ok {
			v.Owner = &clusterOwner{Node: node, Addr: addr, Token: token}
		}
	}
	return c.JSON(http.StatusOK, v)
}
