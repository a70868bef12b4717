package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReadmeTourRuns runs the README's API tour as a reader would: every sh
// block from "A short API tour" to "Load testing", in order, in one bash,
// against the binary started as the README's first command starts it. Only
// the two lines a reader fills in are filled in: the admin token the first
// start printed, and the address (the test's port). (Issue 10, item 14: the
// paint example changed nothing and the promotion was refused.)
func TestReadmeTourRuns(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("jq"); err != nil {
		t.Fatal("the README's tour uses jq (make test installs it)")
	}
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	text := string(readme)
	start, end := strings.Index(text, "## A short API tour"), strings.Index(text, "## Load testing")
	require.True(t, start >= 0 && end > start, "the README has its tour")
	var script strings.Builder
	script.WriteString("set -eu\n") // not pipefail: `curl … | head -3` ends curl early, as it would for a reader
	for _, m := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(text[start:end], -1) {
		script.WriteString(m[1])
	}

	dir := t.TempDir()
	p := startBinary(t, dir, nil)
	token := p.AdminToken()
	require.NotEmpty(t, token)
	body := script.String()
	body = regexp.MustCompile(`(?m)^T=<[^>\n]*>$`).ReplaceAllLiteralString(body, "T="+token)
	body = strings.ReplaceAll(body, "S=http://localhost:8080/api/v1", "S="+p.Base+"/api/v1")
	require.NotContains(t, body, "=<", "every placeholder is filled in")

	// `go run ./cmd/hallgen` runs in the repository, as the reader's shell
	// would; the files the tour writes go to a directory of its own.
	repo, err := filepath.Abs("../..")
	require.NoError(t, err)
	goBin, err := exec.LookPath("go")
	require.NoError(t, err)
	shims := filepath.Join(dir, "shims")
	require.NoError(t, os.MkdirAll(shims, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(shims, "go"), []byte("#!/bin/sh\ncd '"+repo+"' && exec '"+goBin+"' \"$@\"\n"), 0o755))
	work := filepath.Join(dir, "tour")
	require.NoError(t, os.MkdirAll(work, 0o755))

	cmd := exec.Command("bash", "-c", body)
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "PATH="+shims+":"+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "the tour failed:\n%s", out)
	got := string(out)
	t.Logf("the tour's output:\n%s", got)
	require.NotContains(t, got, `"type":"https://seatmap.dev/problems/`, "no step of the tour is refused")
	require.Contains(t, got, `"changed":2`, "the paint stroke blocks the two seats")
	require.Contains(t, got, `"valid":true`, "the promotion applies to the performance")
	require.Contains(t, got, `"value":4450`)
	require.Contains(t, got, `"status":"partially_refunded"`, "the refund went through")
}
