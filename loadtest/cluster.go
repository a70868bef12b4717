package loadtest

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// ClusterView is a node's answer to GET /api/v1/cluster (issue 18): the node,
// the live members, and the owner of the performance asked for.
type ClusterView struct {
	Node    string `json:"node"`
	Members []struct {
		ID   string `json:"id"`
		Addr string `json:"addr"`
	} `json:"members"`
	Owner struct {
		Node  string `json:"node"`
		Addr  string `json:"addr"`
		Token uint64 `json:"token"`
	} `json:"owner"`
}

// Cluster asks the node at base (staff) who owns perf.
func (a *API) Cluster(ctx context.Context, base, perf string) (ClusterView, error) {
	var v ClusterView
	b := &API{Base: base, Token: a.Token, http: a.http}
	err := b.call(ctx, "GET", "/api/v1/cluster?performance="+perf, "", true, nil, &v)
	return v, err
}

// WaitServed polls GET /performances/{perf} (its live counts need the
// owner's shard) through every node but skip until each answers 200, and
// returns how long that took: after a kill, the failover as buyers see it.
func (a *API) WaitServed(ctx context.Context, perf string, skip string, limit time.Duration) (time.Duration, error) {
	start := time.Now()
	for _, n := range a.nodes {
		if n.base == skip {
			continue
		}
		b := &API{Base: n.base, Token: a.Token, http: a.http}
		for {
			err := b.call(ctx, "GET", "/api/v1/performances/"+perf, "", true, nil, nil)
			var p *Problem
			if err == nil {
				break
			}
			if !errors.As(err, &p) || (p.Status != http.StatusServiceUnavailable && p.Status != 0) {
				return time.Since(start), err
			}
			if time.Since(start) > limit {
				return time.Since(start), errors.New("no node served the performance within " + limit.String())
			}
			select {
			case <-ctx.Done():
				return time.Since(start), ctx.Err()
			case <-time.After(5 * time.Millisecond):
			}
		}
	}
	return time.Since(start), nil
}
