package api

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"mime"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/labstack/echo/v5"
)

// Responses are gzipped for clients that accept it, when they are text
// (JSON, HTML, JavaScript, CSS, SVG, YAML, CSV) and at least
// minCompressSize bytes: below that the gzip header and the CPU cost more
// than they save. WebSocket upgrades pass untouched (the socket negotiates its
// own permessage-deflate, see realtime). Static files are not compressed here:
// static.go compresses each once at start and serves the stored bytes.
//
// gzip from the standard library, not brotli: no new dependency, every
// browser and client reads it, and on the seat map (the one large dynamic
// answer) the dense encoding does most of the work before gzip does the rest.

// minCompressSize is the smallest body compressed.
const minCompressSize = 1024

// compressLevel trades a little size for speed: level 5 gzips the stadium's
// seat map within a few percent of level 9 at less than half the CPU.
const compressLevel = 5

var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(io.Discard, compressLevel)
	return w
}}

// compressible reports whether a body of this Content-Type is worth
// gzipping: text, not images or already-compressed data.
func compressible(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch {
	case strings.HasPrefix(mt, "text/"):
		return true
	case strings.HasSuffix(mt, "+json"), strings.HasSuffix(mt, "+xml"):
		return true
	}
	switch mt {
	case "application/json", "application/javascript", "application/yaml", "application/x-yaml",
		"application/xml", "image/svg+xml", "application/manifest+json":
		return true
	}
	return false
}

// acceptsGzip reports whether the request's Accept-Encoding allows gzip
// (a q=0 refuses it).
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		q := strings.ReplaceAll(params, " ", "")
		return !(q == "q=0" || q == "q=0.0" || q == "q=0.00" || q == "q=0.000")
	}
	return false
}

// compress is the middleware: it wraps the response of every request but a
// WebSocket upgrade.
func (s *Server) compress(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		r := c.Request()
		if r.Header.Get("Upgrade") != "" || r.Method == http.MethodHead {
			return next(c)
		}
		orig := c.Response()
		cw := &compressWriter{ResponseWriter: orig, accept: acceptsGzip(r)}
		c.SetResponse(cw)
		defer func() {
			cw.finish()
			c.SetResponse(orig)
		}()
		return next(c)
	}
}

// compressWriter holds the first minCompressSize bytes back to decide: a
// shorter body goes out as it is; a longer one of a compressible type, to a
// client that accepts gzip, goes out gzipped. It is used by one handler
// goroutine at a time, like any http.ResponseWriter.
type compressWriter struct {
	http.ResponseWriter
	accept  bool
	decided bool
	status  int // WriteHeader's code, held until decided
	buf     bytes.Buffer
	gz      *gzip.Writer // set once decided to compress
}

func (w *compressWriter) WriteHeader(code int) {
	if w.decided || w.status != 0 {
		if w.decided && w.gz == nil {
			w.ResponseWriter.WriteHeader(code)
		}
		return
	}
	if code < 200 || code == http.StatusNoContent || code == http.StatusNotModified || code == http.StatusPartialContent {
		// Nothing to compress: pass the status through now.
		w.decided = true
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.status = code
}

func (w *compressWriter) Write(b []byte) (int, error) {
	if w.decided {
		if w.gz != nil {
			return w.gz.Write(b)
		}
		return w.ResponseWriter.Write(b)
	}
	w.buf.Write(b)
	if w.buf.Len() >= minCompressSize {
		if err := w.decide(); err != nil {
			return 0, err
		}
	}
	return len(b), nil
}

// decide picks plain or gzip once the body is long enough or complete, and
// writes the status and what was held back.
func (w *compressWriter) decide() error {
	w.decided = true
	h := w.Header()
	ct := h.Get("Content-Type")
	if ct == "" && w.buf.Len() > 0 {
		ct = http.DetectContentType(w.buf.Bytes())
		h.Set("Content-Type", ct)
	}
	if compressible(ct) && h.Get("Content-Encoding") == "" {
		h.Add("Vary", "Accept-Encoding")
		if w.accept && w.buf.Len() >= minCompressSize {
			h.Set("Content-Encoding", "gzip")
			h.Del("Content-Length")
			// A strong validator of the plain body is not one of the gzipped.
			if et := h.Get("ETag"); et != "" && !strings.HasPrefix(et, "W/") {
				h.Set("ETag", "W/"+et)
			}
			w.gz = gzipWriters.Get().(*gzip.Writer)
			w.gz.Reset(w.ResponseWriter)
		}
	}
	if w.status != 0 {
		w.ResponseWriter.WriteHeader(w.status)
	}
	held := w.buf.Bytes()
	w.buf = bytes.Buffer{}
	if len(held) == 0 {
		return nil
	}
	var err error
	if w.gz != nil {
		_, err = w.gz.Write(held)
	} else {
		_, err = w.ResponseWriter.Write(held)
	}
	return err
}

// finish sends what is still held back and ends the gzip stream.
func (w *compressWriter) finish() {
	if !w.decided {
		if w.buf.Len() == 0 && w.status == 0 {
			// The handler wrote nothing: it returned an error, which the
			// error handler writes to the original response.
			return
		}
		_ = w.decide()
	}
	if w.gz != nil {
		_ = w.gz.Close()
		w.gz.Reset(io.Discard)
		gzipWriters.Put(w.gz)
		w.gz = nil
	}
}

// Flush sends what is written so far (a streamed answer): decides now.
func (w *compressWriter) Flush() {
	if !w.decided {
		_ = w.decide()
	}
	if w.gz != nil {
		_ = w.gz.Flush()
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *compressWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

func (w *compressWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
