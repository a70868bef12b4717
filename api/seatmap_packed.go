package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"

	"github.com/labstack/echo/v5"

	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/seating"
)

// packedSeatmapJSON is format=packed: the compact seat map with what can be
// derived left out, for phones (the stadium's 3.4 MB compact answer is some
// 20 KB gzipped in this form). The browser app reads it (static/seatdata.js);
// the rules are in api/openapi.yaml (PackedSeatmap):
//
//   - rows carry their seats' range (first, count): seat i's row is the row
//     whose range holds i;
//   - a seat's number is its place in its row counted from 1, unless numbers
//     lists it ([seat index, number]);
//   - a seat's id is "<section id>-R<row label>-S<number>", unless ids lists
//     it ([seat index, id]);
//   - x and y are round(coordinate × scale) coded as second differences
//     (q[i] = d[i] + 2·q[i-1] − q[i-2], with q[-1] = q[-2] = 0): seats along
//     a row or an arc differ by nearly the same step, so most are 0 or ±1.
//     scale is the smallest of 1, 10, …, 10⁴ at which every coordinate is
//     whole (10⁴ if none is: positions to a ten-thousandth of a unit);
//   - zone and channel are runs: [value, count, value, count, ...] in seat
//     order, zone -1 for none;
//   - states, channels, blocks, zones, stage and accessible as in the
//     compact form.
type packedSeatmapJSON struct {
	PerformanceID string          `json:"performance_id"`
	Version       uint64          `json:"version"`
	Format        string          `json:"format"`
	Count         int             `json:"count"`
	Sections      []sectionJSON   `json:"sections"`
	Rows          []packedRowJSON `json:"rows"`
	Numbers       [][2]any        `json:"numbers"`
	IDs           [][2]any        `json:"ids"`
	Scale         int             `json:"scale"`
	X             []int64         `json:"x"`
	Y             []int64         `json:"y"`
	Zone          []int           `json:"zone"`
	Channel       []int           `json:"channel"`
	States        string          `json:"states"`
	Channels      []string        `json:"channels"`
	Blocks        [][2]any        `json:"blocks,omitempty"` // staff only: [seat index, reason]
	Accessible    []int           `json:"accessible"`
	Zones         []hall.Zone     `json:"zones"`
	Stage         *hall.Rect      `json:"stage"`
}

type packedRowJSON struct {
	Section int    `json:"section"`
	Label   string `json:"label"`
	First   int    `json:"first"`
	Count   int    `json:"count"`
}

// packSeatmap builds the packed form of m; blocks only for staff.
func packSeatmap(id string, m *seating.Seatmap, zones []hall.Zone, staff bool) packedSeatmapJSON {
	h, snap := m.Hall, &m.Snapshot
	n := h.N()
	out := packedSeatmapJSON{
		PerformanceID: id, Version: snap.Version, Format: "packed", Count: n,
		Numbers: [][2]any{}, IDs: [][2]any{}, Accessible: []int{},
		Channels: m.Channels, Zones: zones, Stage: h.Layout.Stage,
	}
	for _, sec := range h.Sections {
		out.Sections = append(out.Sections, sectionJSON{ID: sec.ID, Name: sec.Name})
	}
	for _, r := range h.Rows {
		out.Rows = append(out.Rows, packedRowJSON{Section: int(r.Section), Label: r.Label, First: int(r.First), Count: int(r.Count)})
		for j := range int(r.Count) {
			i := int(r.First) + j
			st := &h.Seats[i]
			number := strconv.Itoa(j + 1)
			if st.Number != number {
				out.Numbers = append(out.Numbers, [2]any{i, st.Number})
			}
			if st.ID != h.Sections[r.Section].ID+"-R"+r.Label+"-S"+st.Number {
				out.IDs = append(out.IDs, [2]any{i, st.ID})
			}
		}
	}
	out.Scale = coordinateScale(h.Seats)
	out.X, out.Y = make([]int64, n), make([]int64, n)
	var x1, x2, y1, y2 int64
	states := make([]byte, n)
	for i := range h.Seats {
		st := &h.Seats[i]
		x, y := int64(math.Round(st.X*float64(out.Scale))), int64(math.Round(st.Y*float64(out.Scale)))
		out.X[i], out.Y[i] = x-2*x1+x2, y-2*y1+y2
		x2, x1, y2, y1 = x1, x, y1, y
		z := -1
		if snap.Zones[i] != hall.NoZone {
			z = int(snap.Zones[i])
		}
		out.Zone = appendRun(out.Zone, z)
		out.Channel = appendRun(out.Channel, int(snap.Channels[i]))
		states[i] = '0' + byte(snap.States[i])
		if st.Accessible {
			out.Accessible = append(out.Accessible, i)
		}
	}
	out.States = string(states)
	if out.Zone == nil {
		out.Zone, out.Channel = []int{}, []int{}
	}
	if staff {
		out.Blocks = [][2]any{}
		for _, seat := range slices.Sorted(maps.Keys(m.Blocks)) {
			out.Blocks = append(out.Blocks, [2]any{seat, m.Blocks[seat]})
		}
	}
	return out
}

// appendRun adds one value to a run-length list [value, count, ...].
func appendRun(runs []int, v int) []int {
	if k := len(runs); k >= 2 && runs[k-2] == v {
		runs[k-1]++
		return runs
	}
	return append(runs, v, 1)
}

// coordinateScale is the smallest of 1, 10, 100, 1000 and 10,000 at which
// every coordinate is a whole number; 10,000 when none is.
func coordinateScale(seats []hall.SeatInfo) int {
	for _, s := range []int{1, 10, 100, 1000} {
		whole := true
		for i := range seats {
			if !isWhole(seats[i].X*float64(s)) || !isWhole(seats[i].Y*float64(s)) {
				whole = false
				break
			}
		}
		if whole {
			return s
		}
	}
	return 10_000
}

func isWhole(v float64) bool { return math.Abs(v-math.Round(v)) < 1e-6 }

// jsonValidated answers v as JSON with an ETag of its bytes, and 304 when
// the client has them already: a page opened again while no seat changed
// costs no seat map. private: staff see blocks that buyers do not.
func jsonValidated(c *echo.Context, v any) error {
	var b bytes.Buffer
	if err := jsonEncode(&b, v); err != nil {
		return err
	}
	sum := sha256.Sum256(b.Bytes())
	etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
	h := c.Response().Header()
	h.Set("Cache-Control", "private, no-cache")
	h.Set("ETag", etag)
	if etagMatches(c.Request().Header.Get("If-None-Match"), etag) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, "application/json", b.Bytes())
}
