// Package stripemock starts stripe-mock, Stripe's own mock of its API, for
// tests: one process per caller, on a port the system picks, stopped when
// the test ends. scripts/deps.sh installs the binary into .cache/bin; a test
// that needs it and cannot find it fails (or, under -short, skips) saying so.
//
// stripe-mock is stateless: it checks each request against Stripe's OpenAPI
// spec and answers with a fixture that echoes the request's parameters, so
// it shows what was sent and that Stripe would take it, not what Stripe
// would remember.
package stripemock

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Version is the stripe-mock that scripts/deps.sh installs.
const Version = "v0.203.0"

// Env names a stripe-mock binary to use instead of the one in .cache/bin.
const Env = "STRIPE_MOCK"

// Binary finds stripe-mock: $STRIPE_MOCK, then .cache/bin/stripe-mock in the
// module's root (where scripts/deps.sh puts it), then $PATH.
func Binary() (string, error) {
	if p := os.Getenv(Env); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("stripe-mock from $%s: %w", Env, err)
		}
		return p, nil
	}
	if root, err := moduleRoot(); err == nil {
		p := filepath.Join(root, ".cache", "bin", "stripe-mock")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath("stripe-mock"); err == nil {
		return p, nil
	}
	return "", errors.New("stripe-mock " + Version + " is not installed (not in .cache/bin, $" + Env + " or $PATH)")
}

// moduleRoot is the nearest directory above the working directory (a test's
// is its package's) holding go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = up
	}
}

// startTimeout bounds how long stripe-mock may take to load its spec and
// listen; it takes about a second.
const startTimeout = time.Minute

// Start starts a stripe-mock for the test and returns its base URL
// ("http://127.0.0.1:port"), for payment/stripe's Config.BaseURL. The
// process is killed when the test ends.
func Start(t testing.TB) string {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		if testing.Short() {
			t.Skipf("%v; run scripts/deps.sh to install it", err)
		}
		t.Fatalf("%v: run scripts/deps.sh to install it", err)
	}
	// -http-port 0: HTTP only (no HTTPS listener on its fixed default port),
	// on a port the system picks, so parallel tests never collide. It says
	// which on its output.
	cmd := exec.Command(bin, "-http-port", "0")
	setParentDeath(cmd)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("stripe-mock: %v", err)
	}
	var log lockedBuffer
	cmd.Stderr = &log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start stripe-mock %s: %v", bin, err)
	}
	port := make(chan string, 1)
	read := make(chan struct{})
	go func() {
		defer close(read)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			_, _ = log.Write([]byte(line + "\n"))
			if p, ok := listenPort(line); ok {
				select {
				case port <- p:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	exited := make(chan error, 1)
	go func() { <-read; exited <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Kill()
		<-read
	}
	select {
	case p := <-port:
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			<-exited
		})
		return "http://" + net.JoinHostPort("127.0.0.1", p)
	case err := <-exited:
		t.Fatalf("stripe-mock exited before listening (%v):\n%s", err, log.String())
	case <-time.After(startTimeout):
		stop()
		<-exited
		t.Fatalf("stripe-mock did not listen within %s:\n%s", startTimeout, log.String())
	}
	return ""
}

// listenPort reads the port from stripe-mock's "Listening for HTTP at
// address: [::]:41234" (or, in older versions, "… on port: 41234").
func listenPort(line string) (string, bool) {
	rest, ok := strings.CutPrefix(line, "Listening for HTTP ")
	if !ok {
		return "", false
	}
	if addr, ok := strings.CutPrefix(rest, "at address: "); ok {
		_, p, err := net.SplitHostPort(strings.TrimSpace(addr))
		return p, err == nil && p != ""
	}
	if p, ok := strings.CutPrefix(rest, "on port: "); ok {
		return strings.TrimSpace(p), true
	}
	return "", false
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() > 64<<10 { // enough to say why it failed
		return len(p), nil
	}
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
