package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/cluster"
	"github.com/seatmap/seatmap/internal/nodeauth"
)

// clusterConfig is how a node joins others (issue 18): with Postgres, Redis
// and SEATD_CLUSTER_SECRET it is a cluster member; without the secret it is
// the one node, as before.
type clusterConfig struct {
	nodeID    string // -node-id
	advertise string // -advertise-addr: host:port the other nodes reach this one on
	secret    []byte // SEATD_CLUSTER_SECRET only: never a flag (ps shows flags), never logged
	redisMode bool   // -redis-cluster: REDIS_URL names a Redis Cluster
}

func (c *clusterConfig) register(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&c.nodeID, "node-id", getenv("SEATD_NODE_ID"), "this node's name among several seatd nodes sharing one Postgres and one Redis; default the host name (SEATD_NODE_ID)")
	fs.StringVar(&c.advertise, "advertise-addr", getenv("SEATD_ADVERTISE_ADDR"), "host:port the other nodes reach this one on (forwarded seat commands, live snapshots); default the listening address, with the host name for a wildcard host (SEATD_ADVERTISE_ADDR)")
	fs.BoolVar(&c.redisMode, "redis-cluster", getenv("SEATD_REDIS_CLUSTER") == "true", "REDIS_URL names a Redis Cluster: redis://host:port?addr=host2:port&addr=host3:port (SEATD_REDIS_CLUSTER)")
	c.secret = []byte(getenv("SEATD_CLUSTER_SECRET"))
}

// enabled: this node is a cluster member.
func (c clusterConfig) enabled() bool { return len(c.secret) > 0 }

// resolve checks the cluster settings against the rest: a member needs
// Postgres and Redis; the embedded default (SQLite, leases in process) is one
// node and refuses them.
func (c *clusterConfig) resolve(cfg config) error {
	if !c.enabled() {
		switch {
		case c.nodeID != "" || c.advertise != "":
			return errors.New("-node-id and -advertise-addr make a cluster member, which also needs SEATD_CLUSTER_SECRET (at least 32 bytes, the same on every node), DATABASE_URL and REDIS_URL")
		}
		return nil
	}
	if cfg.databaseURL == "" || cfg.redisURL == "" {
		return errors.New("SEATD_CLUSTER_SECRET makes this node a cluster member, which needs DATABASE_URL (Postgres) and REDIS_URL: the embedded default (SQLite, leases in process) is one node; unset SEATD_CLUSTER_SECRET to run it")
	}
	if len(c.secret) < cluster.MinSecret {
		return fmt.Errorf("SEATD_CLUSTER_SECRET has %d bytes; want at least %d, the same on every node (e.g. openssl rand -hex 32)", len(c.secret), cluster.MinSecret)
	}
	if c.nodeID == "" {
		h, err := os.Hostname()
		if err != nil || h == "" {
			return errors.New("-node-id: the host name is unknown; set -node-id")
		}
		c.nodeID = h
	}
	if !nodeauth.ValidNodeID(c.nodeID) {
		return fmt.Errorf("-node-id %q: 1 to 64 letters, digits, '.', '_' or '-'", c.nodeID)
	}
	if c.advertise != "" {
		host, port, err := net.SplitHostPort(c.advertise)
		if err != nil || host == "" || port == "" || port == "0" {
			return fmt.Errorf("-advertise-addr %q: want host:port that the other nodes can reach, e.g. 10.0.0.5:8080", c.advertise)
		}
	}
	return nil
}

// advertiseFor is the address other nodes reach this one on: -advertise-addr,
// else the listening address, with the host name for a wildcard host.
func (c clusterConfig) advertiseFor(listening net.Addr) (string, error) {
	if c.advertise != "" {
		return c.advertise, nil
	}
	host, port, err := net.SplitHostPort(listening.String())
	if err != nil {
		return "", err
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		h, err := os.Hostname()
		if err != nil {
			return "", fmt.Errorf("-advertise-addr: the host name is unknown; set -advertise-addr")
		}
		host = h
	}
	return net.JoinHostPort(host, port), nil
}

// fencer is what a cluster member needs of its store beyond the rest: the
// owners' fencing tokens (the Postgres adapter; SQLite is one node).
type fencer interface {
	AdvanceFence(ctx context.Context, perf string, token uint64, node string) error
	Fence(ctx context.Context, perf string) (uint64, error)
}

// nodeHooks are what the cluster does when this node gains or loses a
// performance; set once the services exist.
type nodeHooks struct {
	gained func(ctx context.Context, perf string, token uint64) error
	lost   func(perf string)
	took   func(perf string)
}

// newNode makes this node's cluster member (not joined yet). The store must
// be Postgres (fencer); list lists the performances to place.
func newNode(cfg clusterConfig, advertise string, raw any, rc goredis.UniversalClient, prefix string,
	list func(ctx context.Context) ([]string, error), hooks *nodeHooks, log *slog.Logger) (*cluster.Cluster, error) {
	f, ok := raw.(fencer)
	if !ok {
		return nil, errors.New("a cluster member needs Postgres (DATABASE_URL)")
	}
	if rc == nil {
		return nil, errors.New("a cluster member needs Redis (REDIS_URL)")
	}
	return cluster.New(cluster.Config{
		NodeID: cfg.nodeID, Addr: advertise, Secret: cfg.secret, Redis: rc, Prefix: prefix, Logger: log,
		Performances: list,
		Fence: func(ctx context.Context, perf string, token uint64) error {
			return f.AdvanceFence(ctx, perf, token, cfg.nodeID)
		},
		Current: f.Fence,
		Gained:  func(ctx context.Context, perf string, token uint64) error { return hooks.gained(ctx, perf, token) },
		Lost:    func(perf string) { hooks.lost(perf) },
		Took: func(perf string) {
			if hooks.took != nil {
				hooks.took(perf)
			}
		},
	})
}

// placeable lists the performances a cluster places: those seating would
// rebuild on one node (starting at most a day ago, or later).
func placeable(st interface {
	ListPerformances(ctx context.Context, f catalog.PerformanceFilter) ([]catalog.Performance, error)
}) func(ctx context.Context) ([]string, error) {
	return func(ctx context.Context) ([]string, error) {
		f := catalog.PerformanceFilter{From: time.Now().Add(-24 * time.Hour), Limit: 1000}
		var out []string
		for {
			page, err := st.ListPerformances(ctx, f)
			if err != nil {
				return nil, err
			}
			for _, p := range page {
				out = append(out, p.ID)
			}
			if len(page) < f.Limit || len(out) >= 100_000 {
				return out, nil
			}
			last := page[len(page)-1]
			f.AfterStartsAt, f.AfterID = last.StartsAt, last.ID
		}
	}
}
