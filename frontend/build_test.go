package frontend

import (
	"crypto/sha256"
	"encoding/base64"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// staffOnly are the modules only staff pages use.
var staffOnly = []string{"staff.js", "desk.js", "painter.js", "orders.js", "vouchers.js", "reports.js", "payments.js", "staffmap.js", "session.js", "catalog.js", "halls.js", "till.js", "gate.js", "scans.js"}

// afterFirstDraw are the buyer modules a seat map's first draw does not need:
// the checkout, the payment step, the order page and the pass shop come by
// import() after it (issue 12: a phone compiles them once the map is up).
var afterFirstDraw = []string{"checkout.js", "pay.js", "order.js", "shop.js"}

// The built app: index.html names the bundle and its chunks, which exist, hold
// every buyer module and no staff one; staff code is in a script only import()
// loads; every file under assets/ is named by its content.
func TestBuild(t *testing.T) {
	t.Parallel()
	b, err := Build()
	if err != nil {
		t.Fatal(err)
	}
	page, err := fs.ReadFile(b.Files, "index.html")
	if err != nil {
		t.Fatal(err)
	}
	refs := regexp.MustCompile(`(?:href|src)="([^"]+)"`).FindAllStringSubmatch(string(page), -1)
	loaded := map[string]bool{}
	for _, r := range refs {
		name := r[1]
		if strings.HasPrefix(name, "/") || strings.HasPrefix(name, "#") {
			continue // the API's preloads and in-page links
		}
		if !strings.HasPrefix(name, AssetsDir+"/") {
			t.Errorf("index.html refers to %s, not a fingerprinted file", name)
			continue
		}
		if _, err := fs.Stat(b.Files, name); err != nil {
			t.Errorf("index.html refers to %s, which the build did not write", name)
		}
		loaded[name] = true
	}
	if !loaded[b.Entry] {
		t.Fatalf("index.html does not load the entry %s", b.Entry)
	}
	// early.js is written into the page, and its hash is what the CSP names.
	inline := regexp.MustCompile(`<script>([^<]+)</script>`).FindStringSubmatch(string(page))
	if inline == nil {
		t.Fatal("index.html has no inline early script")
	}
	sum := sha256.Sum256([]byte(inline[1]))
	wantEarly := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	// So is firstdraw.js, a classic script too, after the boot data it reads.
	scripts := regexp.MustCompile(`(?s)<script>(.*?)</script>`).FindAllStringSubmatch(string(page), -1)
	if len(scripts) != 2 || scripts[0][1] != inline[1] {
		t.Fatalf("index.html has %d inline scripts, want early.js and firstdraw.js", len(scripts))
	}
	draw := scripts[1]
	if strings.Index(string(page), draw[0]) < strings.Index(string(page), `id="boot"`) {
		t.Error("firstdraw.js comes before the boot data it reads")
	}
	sum = sha256.Sum256([]byte(draw[1]))
	wantDraw := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	if !slices.Equal(b.ScriptHashes, []string{wantEarly, wantDraw}) {
		t.Errorf("script hashes %v, want [%s %s]", b.ScriptHashes, wantEarly, wantDraw)
	}
	for _, s := range []string{"seatmap.firstdraw", "roundRect", "ResizeObserver"} {
		if !strings.Contains(draw[1], s) {
			t.Errorf("the inline firstdraw script lacks %q: is it firstdraw.js bundled?", s)
		}
	}
	// So is the stylesheet: no request for it, its hash in style-src.
	style := regexp.MustCompile(`<style>([^<]+)</style>`).FindStringSubmatch(string(page))
	if style == nil || strings.Contains(string(page), `rel="stylesheet"`) {
		t.Fatal("index.html does not carry its stylesheet inline")
	}
	sum = sha256.Sum256([]byte(style[1]))
	if want := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; len(b.StyleHashes) != 1 || b.StyleHashes[0] != want {
		t.Errorf("style hashes %v, want [%s]", b.StyleHashes, want)
	}
	if !strings.Contains(style[1], ".seatmap") && !strings.Contains(style[1], "body{") {
		t.Errorf("the inline style is not the app's stylesheet: %.80s", style[1])
	}
	if !strings.Contains(inline[1], "seatmap?format=packed") {
		t.Errorf("the inline script does not ask for the packed seat map: %s", inline[1])
	}
	buyer := map[string]bool{}
	for script := range loaded {
		for _, m := range b.Modules[script] {
			buyer[m] = true
		}
	}
	// main.js, which the entry loads by import() after the first frame, is
	// preloaded with what it imports.
	for _, m := range []string{"app.js", "early.js", "prefetch.js", "main.js", "performance.js", "perfframe.js", "seatmap.js", "seatcanvas.js", "seatdata.js", "live.js", "format.js"} {
		if !buyer[m] {
			t.Errorf("%s is not in what the buyer page loads", m)
		}
	}
	for _, m := range staffOnly {
		if buyer[m] {
			t.Errorf("%s loads with every page: import it with import() on the staff routes", m)
		}
	}
	for _, m := range afterFirstDraw {
		if buyer[m] {
			t.Errorf("%s loads before the seat map's first draw: import it with import() after it", m)
		}
		found := false
		for _, mods := range b.Modules {
			found = found || slices.Contains(mods, m)
		}
		if !found {
			t.Errorf("%s is in no script the build wrote", m)
		}
	}
	var staffScript string
	for script, mods := range b.Modules {
		for _, m := range mods {
			if m == "staff.js" {
				staffScript = script
			}
		}
	}
	if staffScript == "" || loaded[staffScript] {
		t.Fatalf("staff.js is in %q, which index.html loads or which does not exist", staffScript)
	}
	imported := false
	for script := range loaded {
		code, err := fs.ReadFile(b.Files, script)
		if err != nil {
			t.Fatal(err)
		}
		imported = imported || strings.Contains(string(code), `import("./`+strings.TrimPrefix(staffScript, AssetsDir+"/")+`")`)
	}
	if !imported {
		t.Errorf("no script of the buyer page import()s %s", staffScript)
	}
	// Fingerprints: the same content, the same name; another, another.
	again, err := Build()
	if err != nil {
		t.Fatal(err)
	}
	if again.Entry != b.Entry {
		t.Errorf("two builds of the same files named the entry %s and %s", b.Entry, again.Entry)
	}
	files := fstest.MapFS{}
	_ = fs.WalkDir(FS(), ".", func(name string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := fs.ReadFile(FS(), name)
			files[name] = &fstest.MapFile{Data: data}
		}
		return err
	})
	files["seatmap.js"].Data = append(append([]byte{}, files["seatmap.js"].Data...), "\nexport const changed = 1;\n"...)
	changed, err := build(files)
	if err != nil {
		t.Fatal(err)
	}
	if changed.Entry == b.Entry && changed.Preload[0] == b.Preload[0] {
		t.Errorf("a changed seatmap.js kept every script's name")
	}
}

// A module the build cannot read, or an index.html without the lines it
// rewrites, fails the build with a message naming the problem.
func TestBuildRefusesBrokenApps(t *testing.T) {
	t.Parallel()
	base := fstest.MapFS{
		"index.html":  {Data: []byte(`<link rel="stylesheet" href="style.css"><link rel="icon" href="favicon.svg"><!-- modules: begin --><!-- modules: end --><script type="module" async src="early.js"></script><script type="module" src="app.js"></script>`)},
		"style.css":   {Data: []byte("body{}")},
		"favicon.svg": {Data: []byte("<svg/>")},
		"app.js":      {Data: []byte("import { x } from './x.js'; console.log(x);")},
		"x.js":        {Data: []byte("export const x = 1;")},
		"early.js":    {Data: []byte("import { x } from './x.js'; console.log(x + 1);")},
	}
	if _, err := build(base); err != nil {
		t.Fatalf("a minimal app: %v", err)
	}
	for name, tc := range map[string]struct {
		file, data, want string
	}{
		"missing module":  {"app.js", "import { y } from './y.js'; console.log(y);", "y.js"},
		"bare import":     {"app.js", "import 'left-pad';", "only relative imports"},
		"outside the app": {"app.js", "import '../../etc/passwd';", "outside the app"},
		"syntax error":    {"x.js", "export const = ;", "x.js"},
		"no script tag":   {"index.html", `<link rel="stylesheet" href="style.css"><link rel="icon" href="favicon.svg"><!-- modules: begin --><!-- modules: end --><script type="module" async src="early.js"></script>`, "does not load app.js"},
		"no markers":      {"index.html", `<link rel="stylesheet" href="style.css"><link rel="icon" href="favicon.svg"><script type="module" async src="early.js"></script><script type="module" src="app.js"></script>`, "modules: begin"},
	} {
		t.Run(name, func(t *testing.T) {
			files := fstest.MapFS{}
			for k, v := range base {
				files[k] = v
			}
			files[tc.file] = &fstest.MapFile{Data: []byte(tc.data)}
			_, err := build(files)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("build: %v, want an error naming %q", err, tc.want)
			}
		})
	}
}
