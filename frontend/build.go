package frontend

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"testing/fstest"
	"time"

	"github.com/evanw/esbuild/pkg/api"
)

// AssetsDir is where the built app's fingerprinted files live: a name under it
// changes whenever its content does, so the server may let browsers keep them
// for a year without asking again (api/static.go).
const AssetsDir = "assets"

// Built is the app as the server sends it.
type Built struct {
	// Files: index.html (revalidated on every visit) and AssetsDir/… (the
	// bundled, minified modules and their source maps, the stylesheet and the
	// icon, fingerprinted).
	Files fs.FS
	// Entry is the buyer page's script, e.g. "assets/app-3KX7Q2ZB.js".
	Entry string
	// Preload is what the entry imports statically: fetched with it.
	Preload []string
	// ScriptHashes are the CSP sources ('sha256-…') of the scripts written
	// into index.html: the server's script-src must name them.
	ScriptHashes []string
	// StyleHashes are the CSP sources of the stylesheets written into
	// index.html: the server's style-src must name them.
	StyleHashes []string
	// Modules says which of static/'s modules each script of AssetsDir holds.
	Modules map[string][]string
	// Took is how long building took (logged at start).
	Took time.Duration
}

// Build bundles the modules under static/ into what the server sends, once
// at start (esbuild, in process: no build step for anyone who clones the
// repository). app.js and everything it imports statically become one
// module, split where import() loads the staff pages, so a phone fetches
// two files instead of fifteen over HTTP/1.1's six connections; see
// doc.go. index.html is rewritten to name the fingerprinted files.
func Build() (*Built, error) {
	return build(FS())
}

// entries are the scripts index.html loads as files: app.js. early.js and
// firstdraw.js are written into the page (inlineEarly, inlineFirstDraw).
var entries = []string{"app.js"}

// earlyScript is how index.html loads early.js as files; the build writes it
// into the page instead.
const earlyScript = `<script type="module" async src="early.js"></script>`

// firstDrawScript is how index.html loads firstdraw.js as files; the build
// writes it into the page instead (a page without it is built without it).
const firstDrawScript = `<script type="module" src="firstdraw.js"></script>`

func build(src fs.FS) (*Built, error) {
	start := time.Now()
	res := api.Build(api.BuildOptions{
		EntryPoints:       entries,
		Bundle:            true,
		Splitting:         true,
		Format:            api.FormatESModule,
		Target:            api.ES2022,
		MinifyWhitespace:  true,
		MinifySyntax:      true,
		MinifyIdentifiers: true,
		Sourcemap:         api.SourceMapLinked,
		LegalComments:     api.LegalCommentsNone,
		Charset:           api.CharsetUTF8,
		AbsWorkingDir:     "/",
		Outdir:            "/" + AssetsDir,
		EntryNames:        "[name]-[hash]",
		ChunkNames:        "chunk-[hash]",
		Metafile:          true,
		Write:             false,
		LogLevel:          api.LogLevelSilent,
		Plugins:           []api.Plugin{embedded(src)},
	})
	if len(res.Errors) > 0 {
		msgs := make([]string, 0, len(res.Errors))
		for _, m := range res.Errors {
			where := ""
			if m.Location != nil {
				where = fmt.Sprintf("%s:%d: ", m.Location.File, m.Location.Line)
			}
			msgs = append(msgs, where+m.Text)
		}
		return nil, fmt.Errorf("frontend: bundle the app: %s", strings.Join(msgs, "; "))
	}
	out := fstest.MapFS{}
	for _, f := range res.OutputFiles {
		name := strings.TrimPrefix(f.Path, "/")
		if !strings.HasPrefix(name, AssetsDir+"/") {
			return nil, fmt.Errorf("frontend: bundle wrote %s outside %s", f.Path, AssetsDir)
		}
		out[name] = &fstest.MapFile{Data: f.Contents, Mode: 0o444}
	}
	outs, preload, modules, err := entryOf(res.Metafile)
	if err != nil {
		return nil, err
	}
	// The icon is kept as it is, fingerprinted. The stylesheet is minified
	// and written into the page (inlineStyle).
	renamed := map[string]string{}
	icon, err := fs.ReadFile(src, "favicon.svg")
	if err != nil {
		return nil, fmt.Errorf("frontend: %w", err)
	}
	renamed["favicon.svg"] = AssetsDir + "/" + fingerprint("favicon.svg", icon)
	out[renamed["favicon.svg"]] = &fstest.MapFile{Data: icon, Mode: 0o444}
	index, err := fs.ReadFile(src, "index.html")
	if err != nil {
		return nil, fmt.Errorf("frontend: %w", err)
	}
	page, err := rewriteIndex(string(index), outs, preload, renamed)
	if err != nil {
		return nil, err
	}
	page, hash, err := inlineEarly(src, page)
	if err != nil {
		return nil, err
	}
	hashes := []string{hash}
	if strings.Contains(page, firstDrawScript) {
		var drawHash string
		page, drawHash, err = inlineFirstDraw(src, page)
		if err != nil {
			return nil, err
		}
		hashes = append(hashes, drawHash)
	}
	page, styleHash, err := inlineStyle(src, page)
	if err != nil {
		return nil, err
	}
	out["index.html"] = &fstest.MapFile{Data: []byte(page), Mode: 0o444}
	return &Built{
		Files: out, Entry: outs["app.js"], Preload: preload, ScriptHashes: hashes, StyleHashes: []string{styleHash},
		Modules: modules, Took: time.Since(start),
	}, nil
}

// inlineEarly bundles early.js on its own (a classic script: no imports, no
// request) and writes it into the page in place of its script element, so
// that it asks for the page's data as the HTML is parsed. It returns the
// page and the script's CSP source.
func inlineEarly(src fs.FS, page string) (string, string, error) {
	if !strings.Contains(page, earlyScript) {
		return "", "", fmt.Errorf("frontend: index.html does not load early.js with %s", earlyScript)
	}
	res := api.Build(api.BuildOptions{
		EntryPoints: []string{"early.js"}, Bundle: true, Format: api.FormatIIFE, Target: api.ES2022,
		MinifyWhitespace: true, MinifySyntax: true, MinifyIdentifiers: true, LegalComments: api.LegalCommentsNone,
		Charset: api.CharsetUTF8, AbsWorkingDir: "/", Outdir: "/", Write: false, LogLevel: api.LogLevelSilent,
		Plugins: []api.Plugin{embedded(src)},
	})
	if len(res.Errors) > 0 || len(res.OutputFiles) != 1 {
		msg := "no output"
		if len(res.Errors) > 0 {
			msg = res.Errors[0].Text
		}
		return "", "", fmt.Errorf("frontend: bundle early.js: %s", msg)
	}
	code := string(res.OutputFiles[0].Contents)
	if strings.Contains(strings.ToLower(code), "</script") {
		return "", "", errors.New("frontend: early.js would end its own script element")
	}
	sum := sha256.Sum256([]byte(code))
	return strings.Replace(page, earlyScript, "<script>"+code+"</script>", 1),
		"'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'", nil
}

// inlineFirstDraw bundles firstdraw.js on its own with what it imports (the
// seat data, the painting code, the page's frame, formatting: some 26 KB,
// 10 KB of the page gzipped) and writes it into the page as a classic script,
// run as the page is parsed (an async module ran only after the app's
// scripts had been compiled), so that a small hall's map is painted as soon
// as its data has arrived, without waiting for the app's bundle. It returns
// the page and the script's CSP source.
func inlineFirstDraw(src fs.FS, page string) (string, string, error) {
	res := api.Build(api.BuildOptions{
		EntryPoints: []string{"firstdraw.js"}, Bundle: true, Format: api.FormatIIFE, Target: api.ES2022,
		MinifyWhitespace: true, MinifySyntax: true, MinifyIdentifiers: true, LegalComments: api.LegalCommentsNone,
		Charset: api.CharsetUTF8, AbsWorkingDir: "/", Outdir: "/", Write: false, LogLevel: api.LogLevelSilent,
		Plugins: []api.Plugin{embedded(src)},
	})
	if len(res.Errors) > 0 || len(res.OutputFiles) != 1 {
		msg := "no output"
		if len(res.Errors) > 0 {
			msg = res.Errors[0].Text
		}
		return "", "", fmt.Errorf("frontend: bundle firstdraw.js: %s", msg)
	}
	code := strings.TrimSpace(string(res.OutputFiles[0].Contents))
	if strings.Contains(strings.ToLower(code), "</script") || strings.Contains(code, "<!--") {
		return "", "", errors.New("frontend: firstdraw.js would end its own script element")
	}
	sum := sha256.Sum256([]byte(code))
	return strings.Replace(page, firstDrawScript, "<script>"+code+"</script>", 1),
		"'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'", nil
}

// stylesheet is how index.html loads style.css as a file; the build writes
// it into the page instead.
const stylesheet = `<link rel="stylesheet" href="style.css">`

// inlineStyle minifies style.css and writes it into the page in place of its
// link. A phone then needs no request for it: on HTTP/1.1 the stylesheet took
// one of the six connections the page's scripts and the seat map's data
// share (the seat map waited a round trip for one), and it blocked the first
// paint for as long. A repeat visit pays nothing for it: the page itself is
// revalidated by its ETag. It returns the page and the style's CSP source.
func inlineStyle(src fs.FS, page string) (string, string, error) {
	if !strings.Contains(page, stylesheet) {
		return "", "", fmt.Errorf("frontend: index.html does not load style.css with %s", stylesheet)
	}
	data, err := fs.ReadFile(src, "style.css")
	if err != nil {
		return "", "", fmt.Errorf("frontend: %w", err)
	}
	css := api.Transform(string(data), api.TransformOptions{
		Loader: api.LoaderCSS, MinifyWhitespace: true, MinifySyntax: true, Sourcefile: "style.css",
		Target: api.ES2022, LogLevel: api.LogLevelSilent,
	})
	if len(css.Errors) > 0 {
		return "", "", fmt.Errorf("frontend: style.css:%d: %s", css.Errors[0].Location.Line, css.Errors[0].Text)
	}
	code := strings.TrimSpace(string(css.Code))
	if strings.Contains(strings.ToLower(code), "</style") {
		return "", "", errors.New("frontend: style.css would end its own style element")
	}
	sum := sha256.Sum256([]byte(code))
	return strings.Replace(page, stylesheet, "<style>"+code+"</style>", 1),
		"'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'", nil
}

// embedded lets esbuild read the modules from src rather than the disk.
func embedded(src fs.FS) api.Plugin {
	return api.Plugin{Name: "embedded", Setup: func(b api.PluginBuild) {
		b.OnResolve(api.OnResolveOptions{Filter: `.*`}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
			p := a.Path
			if a.Kind != api.ResolveEntryPoint {
				if !strings.HasPrefix(p, "./") && !strings.HasPrefix(p, "../") {
					return api.OnResolveResult{}, fmt.Errorf("import %q: only relative imports of the app's own modules", p)
				}
				p = path.Join(path.Dir(a.Importer), p)
			}
			p = path.Clean(p)
			if !fs.ValidPath(p) {
				return api.OnResolveResult{}, fmt.Errorf("import %q from %s: outside the app", a.Path, a.Importer)
			}
			return api.OnResolveResult{Path: p, Namespace: "static"}, nil
		})
		b.OnLoad(api.OnLoadOptions{Filter: `.*`, Namespace: "static"}, func(a api.OnLoadArgs) (api.OnLoadResult, error) {
			data, err := fs.ReadFile(src, a.Path)
			if err != nil {
				return api.OnLoadResult{}, err
			}
			s := string(data)
			return api.OnLoadResult{Contents: &s, Loader: api.LoaderJS}, nil
		})
	}}
}

// eager are the modules an entry loads by import() at once (app.js: the
// app, once firstdraw.js has drawn): preloaded with the entry, with what they
// import statically, so that they are fetched and compiled meanwhile.
var eager = []string{"main.js"}

// entryOf reads esbuild's metafile: each entry's output, the chunks the
// entries and the eager modules import statically (preloaded with them), and
// the modules in each script.
func entryOf(metafile string) (outs map[string]string, preload []string, modules map[string][]string, err error) {
	var meta struct {
		Outputs map[string]struct {
			EntryPoint string `json:"entryPoint"`
			Imports    []struct {
				Path string `json:"path"`
				Kind string `json:"kind"`
			} `json:"imports"`
			Inputs map[string]json.RawMessage `json:"inputs"`
		} `json:"outputs"`
	}
	if err := json.Unmarshal([]byte(metafile), &meta); err != nil {
		return nil, nil, nil, fmt.Errorf("frontend: read the bundle's metafile: %w", err)
	}
	outs = map[string]string{}
	modules = map[string][]string{}
	seen := map[string]bool{}
	var eagerOuts []string
	for name, o := range meta.Outputs {
		name = strings.TrimPrefix(name, "/")
		if strings.HasSuffix(name, ".js") {
			in := make([]string, 0, len(o.Inputs))
			for src := range o.Inputs {
				in = append(in, strings.TrimPrefix(src, "static:"))
			}
			sort.Strings(in)
			modules[name] = in
		}
		entry, ok := strings.CutPrefix(o.EntryPoint, "static:")
		if ok && slices.Contains(eager, entry) {
			eagerOuts = append(eagerOuts, name)
		}
		if !ok || !slices.Contains(entries, entry) {
			continue
		}
		outs[entry] = name
		for _, imp := range o.Imports {
			if p := strings.TrimPrefix(imp.Path, "/"); imp.Kind == "import-statement" && !seen[p] {
				seen[p] = true
				preload = append(preload, p)
			}
		}
	}
	// The eager modules' scripts and everything they import statically.
	for len(eagerOuts) > 0 {
		name := eagerOuts[0]
		eagerOuts = eagerOuts[1:]
		if seen[name] {
			continue
		}
		seen[name] = true
		preload = append(preload, name)
		o, ok := meta.Outputs["/"+name]
		if !ok {
			o = meta.Outputs[name]
		}
		for _, imp := range o.Imports {
			if p := strings.TrimPrefix(imp.Path, "/"); imp.Kind == "import-statement" && !seen[p] {
				eagerOuts = append(eagerOuts, p)
			}
		}
	}
	for _, e := range entries {
		if outs[e] == "" {
			return nil, nil, nil, fmt.Errorf("frontend: the bundle has no output for %s", e)
		}
	}
	sort.Strings(preload)
	return outs, preload, modules, nil
}

// fingerprint names a file by its content: style.css → style-<hash>.css.
func fingerprint(name string, data []byte) string {
	sum := sha256.Sum256(data)
	h := base32.StdEncoding.EncodeToString(sum[:5]) // 8 characters, as esbuild's
	ext := path.Ext(name)
	return strings.TrimSuffix(name, ext) + "-" + h + ext
}

// The lines of index.html the build replaces. A change to them that is not
// made here too fails the build (and TestBuild), rather than serving a page
// that names files which do not exist.
const (
	preloadBegin = `<!-- modules: begin -->`
	preloadEnd   = `<!-- modules: end -->`
)

func rewriteIndex(page string, outs map[string]string, preload []string, renamed map[string]string) (string, error) {
	for _, e := range entries {
		ref := `src="` + e + `"></script>`
		if !strings.Contains(page, ref) {
			return "", fmt.Errorf("frontend: index.html does not load %s with <script type=\"module\" %s", e, ref)
		}
		page = strings.Replace(page, ref, `src="`+outs[e]+`"></script>`, 1)
	}
	b, e := strings.Index(page, preloadBegin), strings.Index(page, preloadEnd)
	if b < 0 || e < b {
		return "", fmt.Errorf("frontend: index.html lacks %s … %s around its module preloads", preloadBegin, preloadEnd)
	}
	var links strings.Builder
	for _, p := range preload {
		fmt.Fprintf(&links, "\n  <link rel=\"modulepreload\" href=\"%s\">", p)
	}
	page = page[:b] + strings.TrimPrefix(links.String(), "\n  ") + page[e+len(preloadEnd):]
	for from, to := range renamed {
		ref := `href="` + from + `"`
		if !strings.Contains(page, ref) {
			return "", fmt.Errorf("frontend: index.html does not refer to %s as %s", from, ref)
		}
		page = strings.ReplaceAll(page, ref, `href="`+to+`"`)
	}
	return page, nil
}
