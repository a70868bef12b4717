package frontend

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// The app has no build step, so nothing else notices a module that imports a file
// that is not there: check that every local reference resolves inside FS().
var refPattern = regexp.MustCompile(`(?:from\s+|import\s*\(\s*|href=|src=)["'](\./)?([A-Za-z0-9_./-]+\.(?:js|css|svg))["']`)

func TestFSReferencesResolve(t *testing.T) {
	t.Parallel()
	files := FS()
	if _, err := fs.Stat(files, "index.html"); err != nil {
		t.Fatalf("index.html is not at the root of FS(): %v", err)
	}
	err := fs.WalkDir(files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".js") || strings.HasSuffix(path, ".html")) {
			return err
		}
		data, err := fs.ReadFile(files, path)
		if err != nil {
			return err
		}
		for _, m := range refPattern.FindAllStringSubmatch(string(data), -1) {
			if _, err := fs.Stat(files, m[2]); err != nil {
				t.Errorf("%s refers to %s, which is not embedded", path, m[2])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Every script and stylesheet is reachable from index.html through imports: a
// module nothing imports is dead weight (or a page someone forgot to route).
func TestNoUnreferencedFiles(t *testing.T) {
	t.Parallel()
	files := FS()
	seen := reachable(t, files, refPattern)
	err := fs.WalkDir(files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".js") || strings.HasSuffix(path, ".css")) {
			return err
		}
		if !seen[path] {
			t.Errorf("%s is embedded but nothing reachable from index.html refers to it", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// handPath is what an API path written by hand looks like: the API prefix, or a
// string or template literal that starts with a resource path ("/orders",
// `/holds/${…}`). Hash routes ("#/p/…") and regular expressions do not match.
var handPath = regexp.MustCompile("/api/|[\"'`]/[A-Za-z]")

// Every API path is built in paths.js, which escapes ids, tokens and codes and
// is the one list of the routes the app calls: a path written by hand elsewhere
// could skip the escaping, and a renamed route would be missed.
func TestAPIPathsOnlyInPathsModule(t *testing.T) {
	t.Parallel()
	files := FS()
	paths, err := fs.ReadFile(files, "paths.js")
	if err != nil {
		t.Fatalf("read paths.js: %v", err)
	}
	if !handPath.Match(paths) {
		t.Fatal("paths.js holds no path this test recognises: the pattern is out of date")
	}
	err = fs.WalkDir(files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".js") || path == "paths.js" {
			return err
		}
		data, err := fs.ReadFile(files, path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(data), "\n") {
			if handPath.MatchString(line) {
				t.Errorf("%s:%d writes an API path by hand; build it in paths.js: %s", path, i+1, strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// staticRef is what loads with a page: static imports, module preloads and
// scripts; not import(), which loads on demand.
var staticRef = regexp.MustCompile(`(?:from\s+|import\s+|href=|src=)["'](\./)?([A-Za-z0-9_./-]+\.js)["']`)

// The buyer pages load no staff code: what index.html pulls in through static
// imports and preloads holds no module only staff pages use. Staff code comes
// by import() (TestPhoneWeight in cmd/seatd checks what the browser fetched).
func TestBuyerPagesLoadNoStaffModule(t *testing.T) {
	t.Parallel()
	files := FS()
	seen := reachable(t, files, staticRef)
	for _, staff := range []string{"staff.js", "desk.js", "painter.js", "orders.js", "vouchers.js", "reports.js", "payments.js", "staffmap.js", "session.js", "catalog.js", "counter.js", "ledger.js"} {
		if seen[staff] {
			t.Errorf("%s loads with every page: import it with import() on the staff routes", staff)
		}
	}
	for _, buyer := range []string{"app.js", "performance.js", "seatmap.js", "seatdata.js", "live.js", "checkout.js"} {
		if !seen[buyer] {
			t.Errorf("%s is not loaded by the buyer page: the pattern is out of date", buyer)
		}
	}
}

// reachable lists the files index.html leads to through references that ref
// matches (its second group is the file name).
func reachable(t *testing.T, files fs.FS, ref *regexp.Regexp) map[string]bool {
	t.Helper()
	seen := map[string]bool{}
	queue := []string{"index.html"}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		if seen[name] {
			continue
		}
		seen[name] = true
		data, err := fs.ReadFile(files, name)
		if err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		for _, m := range ref.FindAllStringSubmatch(string(data), -1) {
			queue = append(queue, m[2])
		}
	}
	return seen
}
