package api

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v5"
)

// staticFile is one file of the app, read, hashed and compressed once at
// start: the files are embedded in the binary and never change while it runs.
type staticFile struct {
	body        []byte
	gz          []byte // nil when gzip would not pay
	etag        string // strong, of body: "<base64url of SHA-256, 16 bytes>"
	contentType string
}

// staticFiles reads every regular file of fsys.
func staticFiles(fsys fs.FS) (map[string]*staticFile, error) {
	files := map[string]*staticFile{}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return fmt.Errorf("read static file %s: %w", name, err)
		}
		sum := sha256.Sum256(body)
		f := &staticFile{body: body, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`}
		f.contentType = mime.TypeByExtension(path.Ext(name))
		if f.contentType == "" {
			f.contentType = http.DetectContentType(body)
		}
		if compressible(f.contentType) && len(body) >= minCompressSize {
			var b bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
			_, _ = zw.Write(body)
			if err := zw.Close(); err != nil {
				return fmt.Errorf("gzip static file %s: %w", name, err)
			}
			if b.Len() < len(body) {
				f.gz = b.Bytes()
			}
		}
		files[name] = f
		return nil
	})
	return files, err
}

// etagMatches reports whether an If-None-Match header names etag (weakly
// compared, as RFC 9110 asks for If-None-Match).
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	want := strings.TrimPrefix(etag, "W/")
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == want {
			return true
		}
	}
	return false
}

// static serves the app from files. Every file is revalidated (no-cache) by
// its ETag, a hash of its content: a repeat visit costs one 304 per file and
// no body. See frontend/doc.go for why not fingerprinted URLs.
func (s *Server) static() (echo.HandlerFunc, error) {
	files, err := staticFiles(s.cfg.Static)
	if err != nil {
		return nil, err
	}
	return func(c *echo.Context) error {
		r := c.Request()
		// wellFormed has refused paths that are not UTF-8 or hold control
		// characters; what else fs.ValidPath refuses is not a file either.
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if name != "" && !fs.ValidPath(name) {
			return malformed("the path is not a valid file name")
		}
		if name == "" {
			name = "index.html"
		}
		f, ok := files[name]
		if !ok {
			return echo.ErrNotFound
		}
		h := c.Response().Header()
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", f.etag)
		if f.gz != nil {
			h.Add("Vary", "Accept-Encoding")
		}
		if etagMatches(r.Header.Get("If-None-Match"), f.etag) {
			return c.NoContent(http.StatusNotModified)
		}
		h.Set("Content-Type", f.contentType)
		body := f.body
		if f.gz != nil && acceptsGzip(r) {
			body = f.gz
			h.Set("Content-Encoding", "gzip")
		}
		h.Set("Content-Length", itoa(len(body)))
		c.Response().WriteHeader(http.StatusOK)
		if r.Method == http.MethodHead {
			return nil
		}
		_, err := c.Response().Write(body)
		return err
	}, nil
}
