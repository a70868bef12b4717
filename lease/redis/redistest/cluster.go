package redistest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Cluster starts a Redis Cluster of three masters (three local redis-server
// processes on spare loopback ports, every slot assigned, no replicas) and
// returns a client of it, closed and the servers stopped when the test ends.
// It skips the test, saying why, when redis-server is not on PATH or cannot
// run in cluster mode. The shared Redis is not touched.
func Cluster(t testing.TB) *goredis.ClusterClient {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("Redis Cluster test: redis-server is not on PATH")
	}
	dir := t.TempDir()
	addrs := make([]string, 3)
	for i := range addrs {
		port := spareClusterPort(t)
		addrs[i] = "127.0.0.1:" + strconv.Itoa(port)
		cmd := exec.Command(bin,
			"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(dir, fmt.Sprintf("nodes-%d.conf", port)),
			"--cluster-node-timeout", "2000", "--dir", dir, "--save", "", "--appendonly", "no",
			"--logfile", filepath.Join(dir, fmt.Sprintf("redis-%d.log", port)))
		if err := cmd.Start(); err != nil {
			t.Skipf("Redis Cluster test: start redis-server: %v", err)
		}
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	nodes := make([]*goredis.Client, len(addrs))
	for i, addr := range addrs {
		nodes[i] = goredis.NewClient(&goredis.Options{Addr: addr})
		defer nodes[i].Close()
		if err := waitFor(ctx, func() error { return nodes[i].Ping(ctx).Err() }); err != nil {
			log, _ := os.ReadFile(filepath.Join(dir, "redis-"+addr[strings.LastIndexByte(addr, ':')+1:]+".log"))
			t.Skipf("Redis Cluster test: redis-server at %s did not answer (%v); its log: %.500s", addr, err, log)
		}
		if mode, err := nodes[i].Info(ctx, "cluster").Result(); err != nil || !strings.Contains(mode, "cluster_enabled:1") {
			t.Skipf("Redis Cluster test: redis-server at %s runs without cluster support (%v)", addr, err)
		}
	}
	// Three ranges of slots, one per master, then every node meets the first.
	per := 16384 / len(nodes)
	for i, n := range nodes {
		lo, hi := i*per, (i+1)*per-1
		if i == len(nodes)-1 {
			hi = 16383
		}
		if err := n.Do(ctx, "cluster", "addslotsrange", lo, hi).Err(); err != nil {
			t.Fatalf("cluster addslotsrange on %s: %v", addrs[i], err)
		}
		if i > 0 {
			host, port, _ := net.SplitHostPort(addrs[0])
			if err := n.ClusterMeet(ctx, host, port).Err(); err != nil {
				t.Fatalf("cluster meet from %s: %v", addrs[i], err)
			}
		}
	}
	for i, n := range nodes {
		err := waitFor(ctx, func() error {
			info, err := n.ClusterInfo(ctx).Result()
			if err != nil {
				return err
			}
			if !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, "cluster_known_nodes:3") {
				return fmt.Errorf("not ready: %s", strings.ReplaceAll(info, "\r\n", " "))
			}
			return nil
		})
		if err != nil {
			t.Fatalf("Redis Cluster at %s: %v", addrs[i], err)
		}
	}
	c := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: addrs})
	t.Cleanup(func() { c.Close() })
	// Every node must agree on every slot before the client's first map of it.
	if err := waitFor(ctx, func() error {
		return c.ForEachShard(ctx, func(ctx context.Context, n *goredis.Client) error {
			shards, err := n.ClusterShards(ctx).Result()
			if err != nil {
				return err
			}
			if len(shards) != len(addrs) {
				return fmt.Errorf("%d shards known", len(shards))
			}
			return nil
		})
	}); err != nil {
		t.Fatalf("Redis Cluster slots: %v", err)
	}
	return c
}

// spareClusterPort picks a port whose cluster bus port (port+10000) is free
// too, below the kernel's ephemeral range.
func spareClusterPort(t testing.TB) int {
	t.Helper()
	for range 100 {
		port := 20000 + rand.IntN(10000)
		a, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			continue
		}
		b, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port+10000))
		a.Close()
		if err != nil {
			continue
		}
		b.Close()
		return port
	}
	t.Fatal("no spare port for a Redis Cluster node")
	return 0
}

func waitFor(ctx context.Context, f func() error) error {
	for {
		err := f()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(50 * time.Millisecond):
		}
	}
}
