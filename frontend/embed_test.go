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
