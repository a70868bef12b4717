package baseline

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/seatmap/seatmap/hall"
)

// Backend is one way of holding and selling seats.
type Backend interface {
	CreatePerformance(ctx context.Context, h *hall.Hall) (string, error)
	// Seatmap returns each seat's state digit ('0' free, '1' held, '2' sold) by index.
	States(ctx context.Context, perf string, h *hall.Hall) ([]byte, error)
	Hold(ctx context.Context, perf string, h *hall.Hall, session string, seats []int, best int, ttl time.Duration) (token string, held []int, expires time.Time, err error)
	Release(ctx context.Context, perf, session, token string) error
	Confirm(ctx context.Context, perf, session, token string, h *hall.Hall) (orderID string, seats []int, err error)
	Orders(ctx context.Context, perf string) ([]Order, error)
	Holds(ctx context.Context, perf string) ([]HoldInfo, error)
	Ping(ctx context.Context) error
}

// Order is a sold order.
type Order struct {
	ID    string
	Seats []int
}

// HoldInfo is a live hold.
type HoldInfo struct {
	Token   string
	Seats   []int
	Expires time.Time
}

var (
	errTaken    = errors.New("seats taken")
	errNotFound = errors.New("hold not found")
)

// Server serves the load tester's API subset on a Backend.
type Server struct {
	b     Backend
	admin [32]byte
	ttl   time.Duration
	mux   *http.ServeMux

	// Set-up runs before the load, one request at a time; the load only reads.
	mu      sync.RWMutex
	halls   map[string]*hall.Hall // by performance
	layouts map[string]*hall.Hall // by hall id
}

// NewServer returns the HTTP handler of a baseline.
func NewServer(b Backend, adminToken string, ttl time.Duration) *Server {
	s := &Server{b: b, admin: sha256.Sum256([]byte(adminToken)), ttl: ttl, halls: map[string]*hall.Hall{}, layouts: map[string]*hall.Hall{}, mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /readyz", s.ready)
	s.mux.HandleFunc("POST /api/v1/halls", s.staff(s.createHall))
	s.mux.HandleFunc("POST /api/v1/performances", s.staff(s.createPerformance))
	s.mux.HandleFunc("GET /api/v1/performances/{id}/seatmap", s.seatmap)
	s.mux.HandleFunc("POST /api/v1/performances/{id}/holds", s.hold)
	s.mux.HandleFunc("GET /api/v1/performances/{id}/holds", s.staff(s.listHolds))
	s.mux.HandleFunc("DELETE /api/v1/holds/{token}", s.release)
	s.mux.HandleFunc("POST /api/v1/orders", s.confirm)
	s.mux.HandleFunc("GET /api/v1/orders", s.staff(s.listOrders))
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Server) staff(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h := sha256.Sum256([]byte(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")))
		if subtle.ConstantTimeCompare(h[:], s.admin[:]) != 1 {
			problem(w, http.StatusUnauthorized, "unauthenticated")
			return
		}
		next(w, r)
	}
}

func problem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"type": "about:blank", "status": status, "detail": detail})
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, errTaken):
		problem(w, http.StatusConflict, err.Error())
	case errors.Is(err, errNotFound):
		problem(w, http.StatusNotFound, err.Error())
	default:
		problem(w, http.StatusServiceUnavailable, err.Error())
	}
}

func session(r *http.Request) string {
	if c, err := r.Cookie("seatmap_session"); err == nil && len(c.Value) <= 64 {
		return c.Value
	}
	return ""
}

func newID(prefix string) string {
	b := make([]byte, 12)
	rand.Read(b)
	return prefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	if err := s.b.Ping(r.Context()); err != nil {
		fail(w, err)
		return
	}
	reply(w, http.StatusOK, map[string]string{"status": "ready"})
}

func (s *Server) createHall(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(io.LimitReader(r.Body, hall.MaxLayoutBytes))
	if err != nil {
		problem(w, http.StatusBadRequest, err.Error())
		return
	}
	h, err := hall.ParseBytes(data)
	if err != nil {
		problem(w, http.StatusUnprocessableEntity, err.Error())
		return
	}
	id := newID("h")
	s.mu.Lock()
	s.layouts[id] = h
	s.mu.Unlock()
	reply(w, http.StatusCreated, map[string]any{"id": id, "seats": h.N()})
}

func (s *Server) createPerformance(w http.ResponseWriter, r *http.Request) {
	var in struct {
		HallID string `json:"hall_id"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		problem(w, http.StatusBadRequest, err.Error())
		return
	}
	s.mu.RLock()
	h := s.layouts[in.HallID]
	s.mu.RUnlock()
	if h == nil {
		problem(w, http.StatusUnprocessableEntity, "unknown hall")
		return
	}
	id, err := s.b.CreatePerformance(r.Context(), h)
	if err != nil {
		fail(w, err)
		return
	}
	s.mu.Lock()
	s.halls[id] = h
	s.mu.Unlock()
	reply(w, http.StatusCreated, map[string]any{"id": id, "status": "on_sale"})
}

func (s *Server) hallOf(w http.ResponseWriter, id string) *hall.Hall {
	s.mu.RLock()
	h := s.halls[id]
	s.mu.RUnlock()
	if h == nil {
		problem(w, http.StatusNotFound, "unknown performance")
	}
	return h
}

func (s *Server) seatmap(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	h := s.hallOf(w, id)
	if h == nil {
		return
	}
	states, err := s.b.States(r.Context(), id, h)
	if err != nil {
		fail(w, err)
		return
	}
	out := map[string]any{"performance_id": id, "count": h.N(), "states": string(states)}
	ids, row, zone, channel := make([]string, h.N()), make([]uint32, h.N()), make([]int, h.N()), make([]int, h.N())
	for i, st := range h.Seats {
		ids[i], row[i] = st.ID, st.Row
	}
	rows := make([]map[string]any, len(h.Rows))
	for i, rw := range h.Rows {
		rows[i] = map[string]any{"section": rw.Section, "label": rw.Label}
	}
	out["ids"], out["row"], out["rows"], out["zone"], out["channel"] = ids, row, rows, zone, channel
	reply(w, http.StatusOK, out)
}

func (s *Server) hold(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	h := s.hallOf(w, id)
	if h == nil {
		return
	}
	var in struct {
		Seats []string `json:"seats"`
		Best  *struct {
			Count int `json:"count"`
		} `json:"best"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&in); err != nil || (len(in.Seats) == 0 && in.Best == nil) || len(in.Seats) > 10 {
		problem(w, http.StatusUnprocessableEntity, "seats or best")
		return
	}
	var seats []int
	for _, sid := range in.Seats {
		i, ok := h.Lookup(sid)
		if !ok {
			problem(w, http.StatusUnprocessableEntity, "unknown seat "+sid)
			return
		}
		seats = append(seats, int(i))
	}
	best := 0
	if in.Best != nil {
		best = min(max(in.Best.Count, 1), 10)
	}
	token, held, exp, err := s.b.Hold(r.Context(), id, h, session(r), seats, best, s.ttl)
	if err != nil {
		fail(w, err)
		return
	}
	reply(w, http.StatusCreated, map[string]any{"token": token, "performance_id": id, "seats": seatIDs(h, held), "expires_at": exp.UTC().Format(time.RFC3339Nano)})
}

func seatIDs(h *hall.Hall, seats []int) []string {
	out := make([]string, len(seats))
	for i, s := range seats {
		out[i] = h.Seats[s].ID
	}
	return out
}

// performanceOf is the part of a token before the dot.
func performanceOf(token string) string {
	p, _, _ := strings.Cut(token, ".")
	return p
}

func (s *Server) release(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	if err := s.b.Release(r.Context(), performanceOf(token), session(r), token); err != nil {
		fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) confirm(w http.ResponseWriter, r *http.Request) {
	var in struct {
		HoldToken string `json:"hold_token"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&in); err != nil || in.HoldToken == "" {
		problem(w, http.StatusUnprocessableEntity, "hold_token")
		return
	}
	perf := performanceOf(in.HoldToken)
	h := s.hallOf(w, perf)
	if h == nil {
		return
	}
	id, seats, err := s.b.Confirm(r.Context(), perf, session(r), in.HoldToken, h)
	if err != nil {
		fail(w, err)
		return
	}
	reply(w, http.StatusCreated, map[string]any{"id": id, "number": id, "status": "paid", "seats": seatIDs(h, seats)})
}

func (s *Server) listOrders(w http.ResponseWriter, r *http.Request) {
	perf := r.URL.Query().Get("performance")
	h := s.hallOf(w, perf)
	if h == nil {
		return
	}
	orders, err := s.b.Orders(r.Context(), perf)
	if err != nil {
		fail(w, err)
		return
	}
	// One page: the audit asks for all of them.
	items := make([]map[string]any, len(orders))
	for i, o := range orders {
		items[i] = map[string]any{"id": o.ID, "number": o.ID, "status": "paid", "seats": seatIDs(h, o.Seats)}
	}
	reply(w, http.StatusOK, map[string]any{"items": items, "next": nil})
}

func (s *Server) listHolds(w http.ResponseWriter, r *http.Request) {
	perf := r.PathValue("id")
	h := s.hallOf(w, perf)
	if h == nil {
		return
	}
	holds, err := s.b.Holds(r.Context(), perf)
	if err != nil {
		fail(w, err)
		return
	}
	items := make([]map[string]any, len(holds))
	for i, hi := range holds {
		items[i] = map[string]any{"token": hi.Token, "seats": seatIDs(h, hi.Seats), "expires_at": hi.Expires.UTC().Format(time.RFC3339Nano)}
	}
	reply(w, http.StatusOK, map[string]any{"items": items, "next": nil})
}
