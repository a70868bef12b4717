package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The tests in this file's company run seatd the way its users do: the built
// binary, in a working directory of its own (so the default ./data is its
// own), with only the environment the README gives. Nothing a user would not
// set is set: no SEATD_ADMIN_TOKEN, no test hooks. The one liberty taken is
// SEATD_ADDR=127.0.0.1:0, so that tests can run side by side.

var (
	buildOnce sync.Once
	builtPath string
	buildErr  error
)

// seatdBinary builds ./cmd/seatd once per test process, as `go run` would.
func seatdBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the seatd binary")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "seatd-bin-")
		if err != nil {
			buildErr = err
			return
		}
		builtPath = filepath.Join(dir, "seatd")
		out, err := exec.Command("go", "build", "-o", builtPath, ".").CombinedOutput()
		if err != nil {
			buildErr = &buildError{err: err, out: string(out)}
		}
	})
	require.NoError(t, buildErr)
	return builtPath
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return "go build: " + e.err.Error() + "\n" + e.out }

// userEnv is the environment a user's shell passes on: what the machine has
// (PATH, HOME, TMPDIR), none of seatd's own settings, and the given ones.
func userEnv(extra map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "SEATD_"), strings.HasPrefix(k, "SEATMAP_"),
			k == "DATABASE_URL", k == "REDIS_URL",
			strings.HasPrefix(k, "TEST_"), strings.HasPrefix(k, "GO"):
			continue
		}
		env = append(env, kv)
	}
	if _, ok := extra["SEATD_ADDR"]; !ok {
		env = append(env, "SEATD_ADDR=127.0.0.1:0")
	}
	for k, v := range extra {
		env = append(env, k+"="+v)
	}
	return env
}

// seatdProc is one run of the binary.
type seatdProc struct {
	t      *testing.T
	cmd    *exec.Cmd
	Base   string // http://localhost:port
	Stdout *syncBuffer
	Stderr *syncBuffer
	done   chan error
	once   sync.Once
	err    error
}

var listenLine = regexp.MustCompile(`msg="seatd listening" url=(http://\S+)`)

// startBinary runs the built seatd in dir with env and args, waits until it
// listens, and kills it when the test ends if it still runs.
func startBinary(t *testing.T, dir string, env map[string]string, args ...string) *seatdProc {
	t.Helper()
	return startArgv(t, dir, env, append([]string{seatdBinary(t)}, args...))
}

// startBinaryWithFiles is startBinary in a shell that limits open files to
// nofile (soft and hard), as a container or service manager might.
func startBinaryWithFiles(t *testing.T, nofile int, dir string, env map[string]string, args ...string) *seatdProc {
	t.Helper()
	argv := append([]string{"sh", "-c", `ulimit -n "$1" && shift && exec "$@"`, "sh", strconv.Itoa(nofile), seatdBinary(t)}, args...)
	return startArgv(t, dir, env, argv)
}

func startArgv(t *testing.T, dir string, env map[string]string, argv []string) *seatdProc {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = userEnv(env)
	p := &seatdProc{t: t, cmd: cmd, Stdout: &syncBuffer{}, Stderr: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = p.Stdout, p.Stderr
	require.NoError(t, cmd.Start())
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() { p.Kill() })
	deadline := time.Now().Add(60 * time.Second)
	for {
		if m := listenLine.FindStringSubmatch(p.Stderr.String()); m != nil {
			p.Base = m[1]
			return p
		}
		select {
		case err := <-p.done:
			p.done <- err
			t.Fatalf("seatd exited before listening: %v\nstdout:\n%s\nstderr:\n%s", err, p.Stdout, p.Stderr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("seatd did not listen within 60 s; stderr:\n%s", p.Stderr)
		}
	}
}

// wait returns the process's exit, once.
func (p *seatdProc) wait(timeout time.Duration) error {
	p.once.Do(func() {
		select {
		case p.err = <-p.done:
		case <-time.After(timeout):
			_ = p.cmd.Process.Kill()
			p.err = <-p.done
			p.t.Errorf("seatd did not exit within %s; stderr:\n%s", timeout, p.Stderr)
		}
	})
	return p.err
}

// Stop sends SIGTERM, as Ctrl-C or a service manager would, and requires a
// clean exit.
func (p *seatdProc) Stop() {
	p.t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	require.NoError(p.t, p.wait(30*time.Second), "seatd's exit; stderr:\n%s", p.Stderr)
}

// Kill ends the process at once (kill -9): nothing of it runs after.
func (p *seatdProc) Kill() {
	_ = p.cmd.Process.Kill()
	_ = p.wait(10 * time.Second)
}

var adminTokenLine = regexp.MustCompile(`admin token[^\n]*\n\s*\n\s*(\S+)`)

// AdminToken is the token the first start printed; empty if it printed none.
func (p *seatdProc) AdminToken() string {
	if m := adminTokenLine.FindStringSubmatch(p.Stdout.String()); m != nil {
		return m[1]
	}
	return ""
}

// counts are a performance's seats by state, as GET /performances/{id} gives them.
type counts struct{ Free, Held, Sold int }

func perfCounts(t *testing.T, base, perf string) counts {
	t.Helper()
	var p struct{ Counts counts }
	getJSON(t, base+"/api/v1/performances/"+perf, &p)
	return p.Counts
}

// holdJSON is a hold as the API answers it.
type holdJSON struct {
	Token     string
	Seats     []string
	ExpiresAt string `json:"expires_at"`
}
