package api_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/hall"
)

// raw sends a request with no transparent decompression: what a browser gets.
func raw(t *testing.T, e *testEnv, path string, header ...string) response {
	t.Helper()
	req, err := http.NewRequest("GET", e.url+path, nil)
	require.NoError(t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	tr := e.transport.Clone()
	tr.DisableCompression = true
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: 30 * time.Second}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return response{status: resp.StatusCode, header: resp.Header, body: body}
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	require.NoError(t, err)
	out, err := io.ReadAll(zr)
	require.NoError(t, err)
	return out
}

// TestCompressedResponses: JSON of a kilobyte or more goes gzipped to a
// client that asks for it, with Vary; tiny answers, clients that do not ask,
// and WebSocket upgrades get none.
func TestCompressedResponses(t *testing.T) {
	t.Parallel()
	e := newEnv(t, embedded)
	p := e.performance(hall.Theatre(), true)
	path := "/api/v1/performances/" + p.ID + "/seatmap?format=compact"

	plain := raw(t, e, path)
	require.Equal(t, http.StatusOK, plain.status)
	require.Empty(t, plain.header.Get("Content-Encoding"))
	require.Contains(t, plain.header.Values("Vary"), "Accept-Encoding")

	gz := raw(t, e, path, "Accept-Encoding", "gzip, deflate, br")
	require.Equal(t, http.StatusOK, gz.status)
	require.Equal(t, "gzip", gz.header.Get("Content-Encoding"))
	require.Contains(t, gz.header.Values("Vary"), "Accept-Encoding")
	require.Equal(t, "application/json", strings.Split(gz.header.Get("Content-Type"), ";")[0])
	require.Equal(t, plain.body, gunzip(t, gz.body))
	require.Less(t, len(gz.body), len(plain.body)/4, "gzip shrinks the seat map")

	refused := raw(t, e, path, "Accept-Encoding", "gzip;q=0, identity")
	require.Empty(t, refused.header.Get("Content-Encoding"))
	require.Equal(t, plain.body, refused.body)

	tiny := raw(t, e, "/api/v1/healthz", "Accept-Encoding", "gzip")
	require.Equal(t, http.StatusOK, tiny.status)
	require.Empty(t, tiny.header.Get("Content-Encoding"), "a body under 1 KB goes as it is")

	problem := raw(t, e, "/api/v1/performances/nope/seatmap", "Accept-Encoding", "gzip")
	require.Equal(t, http.StatusNotFound, problem.status)
	require.Empty(t, problem.header.Get("Content-Encoding"))

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.url, "http")+"/api/v1/performances/"+p.ID+"/live",
		&websocket.DialOptions{HTTPHeader: http.Header{"Accept-Encoding": {"gzip"}}})
	require.NoError(t, err, "an upgrade asking for gzip is still an upgrade")
	defer conn.CloseNow()
	require.Empty(t, resp.Header.Get("Content-Encoding"))
	_, frame, err := conn.Read(ctx)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(frame), `{"type":"snapshot"`))
	conn.Close(websocket.StatusNormalClosure, "")
}

// TestStaticFilesValidated: every file of the app has an ETag of its content
// and answers 304 to it; text files of a kilobyte or more are stored gzipped
// and sent so to clients that accept it; index.html is revalidated on every
// visit.
func TestStaticFilesValidated(t *testing.T) {
	t.Parallel()
	app := strings.Repeat("export const x = 1;\n", 200)
	files := fstest.MapFS{
		"index.html": {Data: []byte("<!doctype html><title>t</title>")},
		"app.js":     {Data: []byte(app)},
		"icon.png":   {Data: bytes.Repeat([]byte{0x89, 'P', 'N', 'G'}, 600)},
	}
	e := newEnv(t, embedded, func(o *envOptions) { o.static = files })

	index := raw(t, e, "/", "Accept-Encoding", "gzip")
	require.Equal(t, http.StatusOK, index.status)
	require.Equal(t, "no-cache", index.header.Get("Cache-Control"))
	require.Empty(t, index.header.Get("Content-Encoding"), "31 bytes are not worth gzip")
	require.Equal(t, "text/html; charset=utf-8", index.header.Get("Content-Type"))
	etag := index.header.Get("ETag")
	require.Regexp(t, `^"[A-Za-z0-9_-]{22}"$`, etag)
	again := raw(t, e, "/index.html", "If-None-Match", etag)
	require.Equal(t, http.StatusNotModified, again.status)
	require.Empty(t, again.body)

	js := raw(t, e, "/app.js", "Accept-Encoding", "gzip")
	require.Equal(t, http.StatusOK, js.status)
	require.Equal(t, "gzip", js.header.Get("Content-Encoding"))
	require.Contains(t, js.header.Values("Vary"), "Accept-Encoding")
	require.Equal(t, "text/javascript; charset=utf-8", js.header.Get("Content-Type"))
	require.Equal(t, app, string(gunzip(t, js.body)))
	require.Equal(t, strconv.Itoa(len(js.body)), js.header.Get("Content-Length"))
	plain := raw(t, e, "/app.js")
	require.Empty(t, plain.header.Get("Content-Encoding"))
	require.Equal(t, app, string(plain.body))
	require.Equal(t, js.header.Get("ETag"), plain.header.Get("ETag"), "one validator for the file, in either encoding")
	require.NotEqual(t, etag, js.header.Get("ETag"))
	for _, inm := range []string{js.header.Get("ETag"), "W/" + js.header.Get("ETag"), `"other", ` + js.header.Get("ETag"), "*"} {
		r := raw(t, e, "/app.js", "Accept-Encoding", "gzip", "If-None-Match", inm)
		require.Equal(t, http.StatusNotModified, r.status, inm)
		require.Empty(t, r.body)
		require.Equal(t, js.header.Get("ETag"), r.header.Get("ETag"))
	}
	require.Equal(t, http.StatusOK, raw(t, e, "/app.js", "If-None-Match", `"stale"`).status)

	png := raw(t, e, "/icon.png", "Accept-Encoding", "gzip")
	require.Equal(t, http.StatusOK, png.status)
	require.Empty(t, png.header.Get("Content-Encoding"), "images are not gzipped")
	require.NotEmpty(t, png.header.Get("ETag"))

	require.Equal(t, http.StatusNotFound, raw(t, e, "/nope.js").status)
}

// Fingerprinted files (under assets/) are kept a year; index.html carries the
// venue's time zone and the currencies' decimals in its boot element, so that
// no page waits for them.
func TestStaticAssetsAndBoot(t *testing.T) {
	t.Parallel()
	files := fstest.MapFS{
		"index.html":         {Data: []byte(`<!doctype html><title>t</title><script type="application/json" id="boot"></script><p>after</p>`)},
		"assets/app-ABCD.js": {Data: []byte("export const x = 1;\n")},
	}
	e := newEnv(t, embedded, func(o *envOptions) { o.static = files })
	index := raw(t, e, "/")
	require.Equal(t, http.StatusOK, index.status)
	require.Equal(t, "no-cache", index.header.Get("Cache-Control"))
	page := string(index.body)
	i, j := strings.Index(page, `<script type="application/json" id="boot">`), strings.Index(page, `</script><p>after</p>`)
	require.True(t, i >= 0 && j > i, page)
	var boot struct {
		TimeZone   string `json:"time_zone"`
		Currencies []struct {
			Code     string `json:"code"`
			Decimals int    `json:"decimals"`
		} `json:"currencies"`
	}
	require.NoError(t, json.Unmarshal([]byte(page[i+len(`<script type="application/json" id="boot">`):j]), &boot))
	require.Equal(t, "UTC", boot.TimeZone, "the env's checkout runs in UTC")
	decimals := map[string]int{}
	for _, c := range boot.Currencies {
		decimals[c.Code] = c.Decimals
	}
	require.Equal(t, 2, decimals["EUR"])
	require.Equal(t, 0, decimals["JPY"])
	require.Equal(t, 3, decimals["BHD"])

	asset := raw(t, e, "/assets/app-ABCD.js")
	require.Equal(t, http.StatusOK, asset.status)
	require.Equal(t, "public, max-age=31536000, immutable", asset.header.Get("Cache-Control"))
}

// TestPackedSeatmap: the packed seat map, expanded by its rules, is the
// compact one, exceptions included: ids and numbers that do not follow the
// pattern, coordinates with fractions, zones and channels in runs.
func TestPackedSeatmap(t *testing.T) {
	t.Parallel()
	e := newEnv(t, embedded)
	layout := hall.Theatre()
	odd := &layout.Sections[0].Rows[0]
	odd.Seats[0].ID = "ODD-ONE"
	odd.Seats[1].Number = "1a"
	odd.Seats[1].ID = "S-R1-S1a"
	odd.Seats[2].X += 0.25
	odd.Seats[3].Accessible = true
	for _, l := range []hall.Layout{hall.Stadium(), layout} {
		p := e.performance(l, true)
		staff := e.staff()
		path := "/api/v1/performances/" + p.ID + "/seatmap"
		blocked := l.Sections[0].Rows[1].Seats[0].ID
		br := staff.do("POST", "/api/v1/performances/"+p.ID+"/paint", map[string]any{"seats": []string{blocked}, "block": "technical"})
		require.Equal(t, http.StatusOK, br.status, "%s", br.body)
		var compact struct {
			Version uint64
			Count   int
			IDs     []string
			X, Y    []float64
			Zone    []int
			Row     []int
			Number  []string
			Rows    []struct {
				Section int
				Label   string
			}
			Sections   []struct{ ID, Name string }
			States     string
			Channel    []int
			Channels   []string
			Blocks     [][2]any
			Accessible []int
		}
		rc := staff.do("GET", path+"?format=compact", nil)
		rc.decode(t, &compact)
		r := staff.do("GET", path+"?format=packed", nil)
		require.Equal(t, http.StatusOK, r.status)
		var packed struct {
			Version  uint64
			Format   string
			Count    int
			Sections []struct{ ID, Name string }
			Rows     []struct {
				Section      int
				Label        string
				First, Count int
			}
			Numbers, IDs [][2]any
			Scale        float64
			X, Y         []int64
			Zone         []int
			Channel      []int
			States       string
			Channels     []string
			Blocks       [][2]any
			Accessible   []int
		}
		r.decode(t, &packed)
		require.Equal(t, "packed", packed.Format)
		n := compact.Count
		require.Equal(t, n, packed.Count)
		require.Equal(t, compact.Version, packed.Version)
		require.Equal(t, compact.States, packed.States)
		require.Equal(t, compact.Channels, packed.Channels)
		require.Equal(t, compact.Sections, packed.Sections)
		require.Equal(t, compact.Accessible, packed.Accessible)
		require.NotEmpty(t, packed.Accessible)
		require.Len(t, packed.Blocks, 1, "staff get blocks")
		require.Equal(t, compact.Blocks, packed.Blocks)

		row, number, id := make([]int, n), make([]string, n), make([]string, n)
		for ri, rw := range packed.Rows {
			require.Equal(t, compact.Rows[ri].Label, rw.Label)
			require.Equal(t, compact.Rows[ri].Section, rw.Section)
			for j := range rw.Count {
				row[rw.First+j], number[rw.First+j] = ri, strconv.Itoa(j+1)
			}
		}
		for _, x := range packed.Numbers {
			number[int(x[0].(float64))] = x[1].(string)
		}
		for i := range n {
			rw := packed.Rows[row[i]]
			id[i] = packed.Sections[rw.Section].ID + "-R" + rw.Label + "-S" + number[i]
		}
		for _, x := range packed.IDs {
			id[int(x[0].(float64))] = x[1].(string)
		}
		require.Equal(t, compact.Row, row)
		require.Equal(t, compact.Number, number)
		require.Equal(t, compact.IDs, id)

		var q1, q2 [2]int64
		for i := range n {
			qx, qy := packed.X[i]+2*q1[0]-q2[0], packed.Y[i]+2*q1[1]-q2[1]
			require.InDelta(t, compact.X[i], float64(qx)/packed.Scale, 1e-9, "x of seat %d", i)
			require.InDelta(t, compact.Y[i], float64(qy)/packed.Scale, 1e-9, "y of seat %d", i)
			q2, q1 = q1, [2]int64{qx, qy}
		}
		expand := func(runs []int) []int {
			var out []int
			for k := 0; k+1 < len(runs); k += 2 {
				for range runs[k+1] {
					out = append(out, runs[k])
				}
			}
			return out
		}
		require.Equal(t, compact.Zone, expand(packed.Zone))
		require.Equal(t, compact.Channel, expand(packed.Channel))

		if l.Name == layout.Name {
			require.Equal(t, 10_000, int(packed.Scale), "the theatre's curves need ten-thousandths")
			require.Contains(t, packed.Accessible, 3)
			require.Len(t, packed.IDs, 1)
			require.Len(t, packed.Numbers, 1)
			var buyer struct{ Blocks [][2]any }
			e.buyer().do("GET", path+"?format=packed", nil).decode(t, &buyer)
			require.Nil(t, buyer.Blocks, "blocks are for staff")
		} else {
			require.Equal(t, 10, int(packed.Scale))
			require.Empty(t, packed.IDs)
			require.Empty(t, packed.Numbers)
			gz := raw(t, e, path+"?format=packed", "Accept-Encoding", "gzip")
			t.Logf("stadium seat map: compact %d bytes, packed %d, packed and gzipped %d", len(rc.body), len(r.body), len(gz.body))
			require.Less(t, len(gz.body), 100_000)
		}

		// The packed map is validated: the same map again is a 304.
		etag := r.header.Get("ETag")
		require.NotEmpty(t, etag)
		require.Equal(t, "private, no-cache", r.header.Get("Cache-Control"))
		again := staff.do("GET", path+"?format=packed", nil, "If-None-Match", etag)
		require.Equal(t, http.StatusNotModified, again.status)
		require.Empty(t, again.body)
		// A seat taken changes the map and its validator.
		var h struct{ Token string }
		buyer := e.buyer()
		hr := buyer.do("POST", "/api/v1/performances/"+p.ID+"/holds", map[string]any{"seats": []string{compact.IDs[n-1]}})
		require.Equal(t, http.StatusCreated, hr.status, "%s", hr.body)
		hr.decode(t, &h)
		changed := staff.do("GET", path+"?format=packed", nil, "If-None-Match", etag)
		require.Equal(t, http.StatusOK, changed.status)
		require.NotEqual(t, etag, changed.header.Get("ETag"))
	}
}
