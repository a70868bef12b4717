package api

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/seatmap/seatmap/payment"
)

// staticFile is one file of the app, read, hashed and compressed once at
// start: the files are embedded in the binary and never change while it runs.
type staticFile struct {
	body        []byte
	gz          []byte // nil when gzip would not pay
	etag        string // strong, of body: "<base64url of SHA-256, 16 bytes>"
	contentType string
}

// bootSlot is the element of index.html the server fills with what every page
// needs before it renders (format.js reads it): no request, no wait.
const bootSlot = `<script type="application/json" id="boot"></script>`

// bootPayment is how buyers pay, for the checkout page: the provider
// ("none", "test" or "stripe") and, for Stripe, its publishable key.
type bootPayment struct {
	Provider       string `json:"provider"`
	PublishableKey string `json:"publishable_key,omitempty"`
}

// bootJSON is what goes into bootSlot: the venue's time zone and its spans,
// and the currencies' decimals, as GET /venue and GET /currencies answer
// them, and how buyers pay.
func bootJSON(venue venueJSON, pay bootPayment) ([]byte, error) {
	// encoding/json escapes <, > and &: the text cannot end the script
	// element it sits in.
	return json.Marshal(struct {
		venueJSON
		Currencies []currencyJSON `json:"currencies"`
		Payment    bootPayment    `json:"payment"`
	}{venue, currencyList(), pay})
}

// withBoot fills index.html's bootSlot; a page without one is left as it is.
func withBoot(page []byte, boot []byte) []byte {
	i := bytes.Index(page, []byte(bootSlot))
	if i < 0 {
		return page
	}
	open := bootSlot[:len(bootSlot)-len("</script>")]
	out := make([]byte, 0, len(page)+len(boot))
	out = append(out, page[:i]...)
	out = append(out, open...)
	out = append(out, boot...)
	out = append(out, "</script>"...)
	return append(out, page[i+len(bootSlot):]...)
}

// staticFiles reads every regular file of fsys; index.html gets boot.
func staticFiles(fsys fs.FS, boot []byte) (map[string]*staticFile, error) {
	files := map[string]*staticFile{}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return fmt.Errorf("read static file %s: %w", name, err)
		}
		if name == "index.html" {
			body = withBoot(body, boot)
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

// immutableDir holds fingerprinted files (frontend.AssetsDir): a name there
// changes whenever its content does.
const immutableDir = "assets/"

// static serves the app from files. Files under immutableDir are kept by
// browsers for a year; every other file (index.html) is revalidated
// (no-cache) by its ETag, a hash of its content. See frontend/doc.go.
func (s *Server) static() (echo.HandlerFunc, error) {
	loc := time.UTC
	if s.checkout != nil {
		loc = s.checkout.Location()
	}
	// The page is built once: its spans run five years from seatd's start.
	venue := newVenueJSON(loc, time.Now())
	pay := bootPayment{Provider: payment.ModeNone}
	if s.cfg.Payments != nil {
		pay = bootPayment{Provider: s.cfg.Payments.Name(), PublishableKey: s.cfg.PaymentPublishableKey}
	}
	boot, err := bootJSON(venue, pay)
	if err != nil {
		return nil, err
	}
	files, err := staticFiles(s.cfg.Static, boot)
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
		if strings.HasPrefix(name, immutableDir) {
			// Fingerprinted: the name changes with the content.
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
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
