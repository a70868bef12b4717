package livebus

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/seatmap/seatmap/engine"
	"github.com/seatmap/seatmap/hall"
)

var (
	// ErrNotFound: the performance is not known (the snapshot handler answers
	// 404; FetchHTTP returns it wrapped).
	ErrNotFound = errors.New("livebus: performance not found")
	// ErrNotOwner: the node asked does not own the performance (any more): ask
	// the owner (421 Misdirected Request on the wire).
	ErrNotOwner = errors.New("livebus: node does not own the performance")
)

// Snapshot is a whole picture of an owner's shard: every seat's state, zone
// and channel at Version, under the owner's fencing Token.
type Snapshot struct {
	Token    uint64
	Version  uint64
	States   []engine.State
	Zones    []uint16 // zone index or hall.NoZone
	Channels []engine.Channel
}

// SnapshotOf reads shard's picture under one lock.
func SnapshotOf(token uint64, shard *engine.Shard) Snapshot {
	var s engine.Snapshot
	shard.Snapshot(&s)
	return Snapshot{Token: token, Version: s.Version, States: s.States, Zones: s.Zones, Channels: s.Channels}
}

// snapshotMagic opens the binary form:
//
//	byte     snapshotMagic
//	uvarint  token, version, seats
//	bytes    states, four seats a byte (two bits each, seat i in bits 2*(i%4))
//	runs     zones: uvarint number of runs, then (uvarint value, uvarint length) each
//	runs     channels: the same
//
// Zones and channels come in long runs (a block of seats shares one), so a
// stadium's 80,000 seats take about 20 KB, nearly all of it states.
const snapshotMagic = 0xB6

// MarshalBinary encodes the snapshot. Zones and Channels must each be empty
// or have one entry per seat.
func (s Snapshot) MarshalBinary() ([]byte, error) {
	n := len(s.States)
	if len(s.Zones) != n || len(s.Channels) != n {
		return nil, fmt.Errorf("livebus: snapshot of %d seats has %d zones and %d channels", n, len(s.Zones), len(s.Channels))
	}
	b := make([]byte, 0, 32+(n+3)/4+64)
	b = append(b, snapshotMagic)
	b = binary.AppendUvarint(b, s.Token)
	b = binary.AppendUvarint(b, s.Version)
	b = binary.AppendUvarint(b, uint64(n))
	packed := make([]byte, (n+3)/4)
	for i, st := range s.States {
		packed[i>>2] |= byte(st&3) << (2 * (i & 3))
	}
	b = append(b, packed...)
	b = appendRuns(b, s.Zones)
	b = appendRuns(b, s.Channels)
	return b, nil
}

func appendRuns[T uint16 | engine.Channel](b []byte, values []T) []byte {
	runs := 0
	for i := range values {
		if i == 0 || values[i] != values[i-1] {
			runs++
		}
	}
	b = binary.AppendUvarint(b, uint64(runs))
	for i := 0; i < len(values); {
		j := i + 1
		for j < len(values) && values[j] == values[i] {
			j++
		}
		b = binary.AppendUvarint(b, uint64(values[i]))
		b = binary.AppendUvarint(b, uint64(j-i))
		i = j
	}
	return b
}

// UnmarshalBinary decodes a snapshot, checking its form: at most
// hall.MaxSeats seats, runs that cover every seat, channels below
// engine.MaxChannels.
func (s *Snapshot) UnmarshalBinary(data []byte) error {
	if len(data) == 0 || data[0] != snapshotMagic {
		return errors.New("livebus: not a snapshot")
	}
	r := reader{b: data[1:]}
	s.Token, s.Version = r.uvarint(), r.uvarint()
	n := r.uvarint()
	if r.err || n > hall.MaxSeats || (n+3)/4 > uint64(len(r.b)) {
		return fmt.Errorf("livebus: bad snapshot of %d seats", n)
	}
	s.States = make([]engine.State, n)
	packed := r.b[:(n+3)/4]
	for i := range s.States {
		s.States[i] = engine.State(packed[i>>2] >> (2 * (i & 3)) & 3)
	}
	r.b = r.b[(n+3)/4:]
	s.Zones = make([]uint16, n)
	if err := readRuns(&r, s.Zones, 0xFFFF); err != nil {
		return fmt.Errorf("livebus: snapshot zones: %w", err)
	}
	s.Channels = make([]engine.Channel, n)
	if err := readRuns(&r, s.Channels, engine.MaxChannels-1); err != nil {
		return fmt.Errorf("livebus: snapshot channels: %w", err)
	}
	if len(r.b) != 0 {
		return errors.New("livebus: bytes after the snapshot")
	}
	return nil
}

func readRuns[T uint16 | engine.Channel](r *reader, values []T, maxValue uint64) error {
	n := len(values)
	runs := r.uvarint()
	if r.err || runs > uint64(n) {
		return errors.New("bad number of runs")
	}
	i := 0
	for range runs {
		v, k := r.uvarint(), r.uvarint()
		if r.err || v > maxValue || k == 0 || k > uint64(n-i) {
			return errors.New("bad run")
		}
		run := values[i : i+int(k)]
		for j := range run {
			run[j] = T(v)
		}
		i += int(k)
	}
	if i != n {
		return fmt.Errorf("runs cover %d of %d seats", i, n)
	}
	return nil
}

// SnapshotPath is where Handler is mounted, with the performance's id in
// place of {perf}.
const SnapshotPath = "/internal/v1/live/{perf}/snapshot"

// maxSnapshotBytes bounds the body FetchHTTP reads: hall.MaxSeats seats in
// the worst case (every seat a run of its own) is under 2.5 MB.
const maxSnapshotBytes = 4 << 20

// Handler serves the snapshot of the performance named in the path (a
// ServeMux's {perf}, or the segment before "/snapshot") as
// application/octet-stream. get finds the owner's shard and fencing token; an
// error wrapping ErrNotFound is answered 404, one wrapping ErrNotOwner 421,
// any other 503 with Retry-After. It authenticates nobody: mount it behind
// the cluster's own authentication.
func Handler(get func(ctx context.Context, perf string) (token uint64, shard *engine.Shard, err error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		perf := perfOf(r)
		if perf == "" || len(perf) > maxPerf {
			http.Error(w, "performance id missing or too long", http.StatusBadRequest)
			return
		}
		token, shard, err := get(r.Context(), perf)
		switch {
		case errors.Is(err, ErrNotFound):
			http.Error(w, "performance not found", http.StatusNotFound)
			return
		case errors.Is(err, ErrNotOwner):
			http.Error(w, "not the owner of the performance", http.StatusMisdirectedRequest)
			return
		case err != nil:
			w.Header().Set("Retry-After", "1")
			http.Error(w, "performance unavailable", http.StatusServiceUnavailable)
			return
		}
		body, err := SnapshotOf(token, shard).MarshalBinary()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(body)
	})
}

func perfOf(r *http.Request) string {
	if p := r.PathValue("perf"); p != "" {
		return p
	}
	escaped := r.URL.EscapedPath()
	path := strings.TrimSuffix(escaped, "/snapshot")
	if path == escaped {
		return ""
	}
	p, err := url.PathUnescape(path[strings.LastIndexByte(path, '/')+1:])
	if err != nil {
		return ""
	}
	return p
}

// FetchHTTP asks the node at baseURL (scheme and host, as "http://10.0.0.2:8080")
// for a performance's snapshot at SnapshotPath; sign, when not nil, adds the
// cluster's authentication to the request. A 404 is ErrNotFound, a 421
// ErrNotOwner (both wrapped).
func FetchHTTP(ctx context.Context, client *http.Client, baseURL, perf string, sign func(*http.Request)) (Snapshot, error) {
	if perf == "" || len(perf) > maxPerf {
		return Snapshot{}, fmt.Errorf("livebus: fetch snapshot: bad performance id %q", perf)
	}
	u := strings.TrimSuffix(baseURL, "/") + strings.Replace(SnapshotPath, "{perf}", url.PathEscape(perf), 1)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return Snapshot{}, fmt.Errorf("livebus: fetch snapshot of %s: %w", perf, err)
	}
	if sign != nil {
		sign(req)
	}
	resp, err := client.Do(req)
	if err != nil {
		return Snapshot{}, fmt.Errorf("livebus: fetch snapshot of %s: %w", perf, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return Snapshot{}, fmt.Errorf("fetch snapshot of %s from %s: %w", perf, baseURL, ErrNotFound)
	case http.StatusMisdirectedRequest:
		return Snapshot{}, fmt.Errorf("fetch snapshot of %s from %s: %w", perf, baseURL, ErrNotOwner)
	default:
		return Snapshot{}, fmt.Errorf("livebus: fetch snapshot of %s from %s: %s", perf, baseURL, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxSnapshotBytes+1))
	if err != nil {
		return Snapshot{}, fmt.Errorf("livebus: read snapshot of %s: %w", perf, err)
	}
	if len(body) > maxSnapshotBytes {
		return Snapshot{}, fmt.Errorf("livebus: snapshot of %s is over %d bytes", perf, maxSnapshotBytes)
	}
	var s Snapshot
	if err := s.UnmarshalBinary(body); err != nil {
		return Snapshot{}, fmt.Errorf("fetch snapshot of %s: %w", perf, err)
	}
	return s, nil
}
