package gate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/internal/ids"
	"github.com/seatmap/seatmap/pass"
	"github.com/seatmap/seatmap/store"
)

// Bounds on what the gate API takes.
const (
	MaxCode      = 128  // a code is at most this long (ours are 32)
	MaxNonce     = 64   // a scanner's nonce
	MaxBatch     = 1000 // scans in one offline upload
	MaxGateZones = 64
	// MaxClockSkew is how far in the future a scanner's own time may be.
	MaxClockSkew = 5 * time.Minute
	// MaxOfflineAge is how old an offline scan may be.
	MaxOfflineAge = 7 * 24 * time.Hour
)

var (
	// ErrGateNotFound: no gate has this id.
	ErrGateNotFound = errors.New("gate not found")
	// ErrNonceReused: the nonce was recorded for another code or gate.
	ErrNonceReused = errors.New("nonce already used for another scan")
	// ErrNothingDue: no surcharge is due on this code.
	ErrNothingDue = errors.New("no surcharge is due")
)

// Found is what a code is, as the store finds it: a pass with its product
// and whether its order is paid, or a seat ticket with its performance's
// start. Neither: store.ErrNotFound.
type Found struct {
	Pass    *pass.Pass
	Product pass.Product
	// Paid: the pass's order is paid (its codes are shown).
	Paid   bool
	Ticket *Ticket
	// StartsAt is the ticket's performance's start.
	StartsAt time.Time
	// Balance of a value or customer card (its ledger), for an
	// automatic debit; DebitProduct the product it books, if any.
	Balance      int64
	DebitProduct *pass.Product
}

// Record is one recorded scan: what was asked, what was answered, and
// whether the answer disagreed with what an offline scanner did.
type Record struct {
	ID      string
	Scan    Scan
	Verdict Verdict
	// Offline: uploaded later by a scanner that was offline; Device is
	// what that scanner decided then (Granted or Denied).
	Offline bool
	Device  string
	// Conflict says why the server's answer differs from the device's: the
	// device's stands (the person passed, or did not), and is logged.
	Conflict   string
	By         string // the staff member whose scanner sent it
	RecordedAt time.Time
}

// ScanFilter selects scans, newest first.
type ScanFilter struct {
	GateID   string
	Code     string
	Verdict  string
	Conflict bool // only conflicts
	Before   time.Time
	BeforeID string
	Limit    int
}

// ZoneCount is how many people are inside a zone now ("*": through gates
// of every zone; "": everyone inside, counted once).
type ZoneCount struct {
	Zone   string
	Inside int
}

// SameUsage says a decision left the usage as it was (the store then
// writes nothing but the scan).
func SameUsage(a, b Usage) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// OccupancyDelta is what a change of usage moves in the zone counts: out
// of the zones it was inside, into the ones it is inside now; the zone ""
// counts people, once each, whatever zones they are in.
func OccupancyDelta(before, after Usage) []ZoneCount {
	var out []ZoneCount
	if before.Inside {
		out = append(out, ZoneCount{Zone: "", Inside: -1})
		for _, z := range before.InZones {
			out = append(out, ZoneCount{Zone: z, Inside: -1})
		}
	}
	if after.Inside {
		out = append(out, ZoneCount{Zone: "", Inside: 1})
		for _, z := range after.InZones {
			out = append(out, ZoneCount{Zone: z, Inside: 1})
		}
	}
	return out
}

// ZoneDeltas is OccupancyDelta summed by zone, in zone order, without the
// zones it leaves as they were: what one statement adds to the counts.
func ZoneDeltas(before, after Usage) ([]string, []int32) {
	sum := map[string]int32{}
	for _, d := range OccupancyDelta(before, after) {
		sum[d.Zone] += int32(d.Inside)
	}
	zones := make([]string, 0, len(sum))
	for z, n := range sum {
		if n != 0 {
			zones = append(zones, z)
		}
	}
	slices.Sort(zones)
	deltas := make([]int32, len(zones))
	for i, z := range zones {
		deltas[i] = sum[z]
	}
	return zones, deltas
}

// Total is the people inside, from Occupancy's counts (its zone "").
func Total(zs []ZoneCount) int {
	for _, z := range zs {
		if z.Zone == "" {
			return z.Inside
		}
	}
	return 0
}

// Decision is what the store runs under the code's lock: it gets the
// code's usage and returns the answer, the usage to keep, and a conflict to
// log ("" for none).
type Decision func(u Usage) (Verdict, Usage, string)

// Store is what the gate needs of a store.
type Store interface {
	CreateGate(ctx context.Context, g Gate) (Gate, error)
	GetGate(ctx context.Context, id string) (Gate, error)
	ListGates(ctx context.Context) ([]Gate, error)
	// LookupCode finds what a code is; store.ErrNotFound for nothing.
	LookupCode(ctx context.Context, code string) (Found, error)
	// RecordScan decides and records one scan in one transaction, under a
	// lock on the code's usage: two scans of one code decide one after the
	// other. A scan whose nonce was recorded for this gate before returns
	// that record and true, deciding nothing; a nonce recorded for another
	// code is ErrNonceReused. rec carries what is recorded besides the
	// verdict (offline, device, by). On a grant (or a device's grant) the
	// usage is kept, the zone counts follow, and a debit is booked.
	RecordScan(ctx context.Context, rec Record, decide Decision) (Record, bool, error)
	ListScans(ctx context.Context, f ScanFilter) ([]Record, error)
	Occupancy(ctx context.Context) ([]ZoneCount, error)
	// PaySurcharge runs pay under the code's lock and adds what it returns
	// to what the current stay has paid, recording the payment (by, at);
	// pay's error writes nothing. store.ErrNotFound for a code never
	// scanned.
	PaySurcharge(ctx context.Context, code, by string, at time.Time, pay func(Usage) (int64, error)) (Usage, error)
	// AddZones adds zones to what the code admits to, under the code's lock:
	// for good (Usage.Zones) or for this visit (Usage.VisitZones, which the
	// next exit ends). A code never scanned gets its usage row.
	AddZones(ctx context.Context, code string, zones []string, permanent bool) (Usage, error)
	// CodeUsage reads a code's usage (the zero Usage for a code never
	// scanned).
	CodeUsage(ctx context.Context, code string) (Usage, error)
}

// Service is the gate: gates, scans, the scan log, occupancy.
type Service struct {
	store Store
	loc   *time.Location
	now   func() time.Time
	// facility returns the facility's settings (opening hours, tolerance).
	facility func(ctx context.Context) (pass.Facility, error)
	// watchers are told (without blocking) that occupancy may have changed.
	mu       sync.Mutex
	watchers map[chan struct{}]struct{}
	// gates are kept once read: a gate does not change, and every scan
	// reads its own. (The facility's settings are cached by pass.Service.)
	cacheMu sync.Mutex
	gates   map[string]Gate
}

// Watch returns a channel that is signalled (coalesced, never blocking the
// gate) after every recorded scan, and a func to stop watching.
func (s *Service) Watch() (<-chan struct{}, func()) {
	c := make(chan struct{}, 1)
	s.mu.Lock()
	if s.watchers == nil {
		s.watchers = map[chan struct{}]struct{}{}
	}
	s.watchers[c] = struct{}{}
	s.mu.Unlock()
	return c, func() {
		s.mu.Lock()
		delete(s.watchers, c)
		s.mu.Unlock()
	}
}

func (s *Service) changed() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.watchers {
		select {
		case c <- struct{}{}:
		default:
		}
	}
}

// Config wires a Service.
type Config struct {
	Store    Store
	Loc      *time.Location
	Now      func() time.Time
	Facility func(ctx context.Context) (pass.Facility, error)
}

// NewService returns the gate service.
func NewService(c Config) *Service {
	s := &Service{store: c.Store, loc: c.Loc, now: c.Now, facility: c.Facility}
	if s.loc == nil {
		s.loc = time.UTC
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.facility == nil {
		s.facility = func(context.Context) (pass.Facility, error) { return pass.Facility{}, nil }
	}
	return s
}

// NewGate is a gate to make.
type NewGate struct {
	Name          string
	Zones         []string
	Direction     string
	PerformanceID string
}

// CreateGate checks and stores a gate.
func (s *Service) CreateGate(ctx context.Context, in NewGate) (Gate, error) {
	g := Gate{Name: strings.TrimSpace(in.Name), Zones: in.Zones, Direction: in.Direction, PerformanceID: in.PerformanceID}
	switch {
	case g.Name == "":
		return Gate{}, &input.Error{Field: "name", Reason: "is empty"}
	case len(g.Name) > pass.MaxNameLen:
		return Gate{}, &input.Error{Field: "name", Reason: fmt.Sprintf("is longer than %d characters", pass.MaxNameLen)}
	case g.Direction == "":
		g.Direction = Both
	}
	if g.Direction != In && g.Direction != Out && g.Direction != Both {
		return Gate{}, &input.Error{Field: "direction", Reason: "is in, out or both"}
	}
	if len(g.Zones) > MaxGateZones {
		return Gate{}, &input.Error{Field: "zones", Reason: fmt.Sprintf("at most %d zones", MaxGateZones)}
	}
	f, err := s.facility(ctx)
	if err != nil {
		return Gate{}, err
	}
	for i, z := range g.Zones {
		known := slices.ContainsFunc(f.Zones, func(fz pass.Zone) bool { return fz.ID == z })
		if !known || slices.Contains(g.Zones[:i], z) {
			return Gate{}, &input.Error{Field: fmt.Sprintf("zones[%d]", i), Reason: fmt.Sprintf("%q is not a zone of the facility's settings, or is named twice", z)}
		}
	}
	if g.Zones == nil {
		g.Zones = []string{}
	}
	if len(g.PerformanceID) > 64 {
		return Gate{}, &input.Error{Field: "performance_id", Reason: "is not a performance id"}
	}
	g.ID, g.CreatedAt = ids.New("gt", 10), s.now().UTC()
	out, err := s.store.CreateGate(ctx, g)
	if err != nil {
		return Gate{}, fmt.Errorf("create gate: %w", err)
	}
	return out, nil
}

// Gate returns a gate.
func (s *Service) Gate(ctx context.Context, id string) (Gate, error) {
	if id == "" || len(id) > 64 {
		return Gate{}, fmt.Errorf("gate %q: %w", id, ErrGateNotFound)
	}
	s.cacheMu.Lock()
	g, ok := s.gates[id]
	s.cacheMu.Unlock()
	if ok {
		return g, nil
	}
	g, err := s.store.GetGate(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return Gate{}, fmt.Errorf("gate %s: %w", id, ErrGateNotFound)
	}
	if err != nil {
		return Gate{}, err
	}
	s.cacheMu.Lock()
	if s.gates == nil {
		s.gates = map[string]Gate{}
	}
	s.gates[id] = g
	s.cacheMu.Unlock()
	return g, nil
}

// Gates lists the gates.
func (s *Service) Gates(ctx context.Context) ([]Gate, error) { return s.store.ListGates(ctx) }

// Request is one scan as a scanner sends it. At is zero for a scan made now
// (online); an offline scan carries its own time and what the device
// decided then.
type Request struct {
	Code      string
	GateID    string
	Direction string
	Nonce     string
	At        time.Time
	Device    string // Granted or Denied: what an offline scanner did
	By        string // staff id
}

func (s *Service) check(r *Request, field string) error {
	bad := func(f, reason string) error { return &input.Error{Field: field + f, Reason: reason} }
	r.Code = strings.TrimSpace(r.Code)
	switch {
	case r.Code == "":
		return bad("code", "is empty")
	case len(r.Code) > MaxCode:
		return bad("code", fmt.Sprintf("is longer than %d characters: not a code", MaxCode))
	case r.Nonce == "" || len(r.Nonce) > MaxNonce:
		return bad("nonce", fmt.Sprintf("give each scan a nonce of 1 to %d characters: a retry sends the same one", MaxNonce))
	case r.Direction != In && r.Direction != Out:
		return bad("direction", "is in or out")
	case r.Device != "" && r.Device != Granted && r.Device != Denied:
		return bad("verdict", "is granted or denied: what the scanner decided offline")
	}
	return nil
}

// Scan decides one scan now and records it.
func (s *Service) Scan(ctx context.Context, r Request) (Record, bool, error) {
	if err := s.check(&r, ""); err != nil {
		return Record{}, false, err
	}
	r.At, r.Device = s.now(), ""
	return s.scan(ctx, r, false)
}

// BatchResult is one scan of an offline upload: its record, or why it was
// refused.
type BatchResult struct {
	Record   Record
	Replayed bool
	Err      error
}

// ScanBatch records what a scanner decided while offline: each scan at its
// own time, in time order, once per nonce. Where the server would have
// decided otherwise the conflict is logged and the device's decision
// stands: a person let in stays let in.
func (s *Service) ScanBatch(ctx context.Context, rs []Request) ([]BatchResult, error) {
	if len(rs) == 0 || len(rs) > MaxBatch {
		return nil, &input.Error{Field: "scans", Reason: fmt.Sprintf("send 1 to %d scans", MaxBatch)}
	}
	now := s.now()
	order := make([]int, len(rs))
	for i := range rs {
		order[i] = i
		field := fmt.Sprintf("scans[%d].", i)
		if err := s.check(&rs[i], field); err != nil {
			return nil, err
		}
		switch {
		case rs[i].At.IsZero():
			return nil, &input.Error{Field: field + "at", Reason: "an offline scan carries the time it was made"}
		case rs[i].At.After(now.Add(MaxClockSkew)):
			return nil, &input.Error{Field: field + "at", Reason: "is in the future: check the scanner's clock"}
		case rs[i].At.Before(now.Add(-MaxOfflineAge)):
			return nil, &input.Error{Field: field + "at", Reason: "is more than a week old"}
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return rs[order[a]].At.Before(rs[order[b]].At) })
	out := make([]BatchResult, len(rs))
	for _, i := range order {
		rec, replayed, err := s.scan(ctx, rs[i], true)
		if err != nil && !isVerdictless(err) {
			return nil, err
		}
		out[i] = BatchResult{Record: rec, Replayed: replayed, Err: err}
	}
	return out, nil
}

// isVerdictless: an error that belongs to one scan of a batch, not to the
// upload (the rest goes on).
func isVerdictless(err error) bool {
	var ie *input.Error
	return errors.Is(err, ErrGateNotFound) || errors.Is(err, ErrNonceReused) || errors.As(err, &ie)
}

func (s *Service) scan(ctx context.Context, r Request, offline bool) (Record, bool, error) {
	g, err := s.Gate(ctx, r.GateID)
	if err != nil {
		return Record{}, false, err
	}
	f, err := s.facility(ctx)
	if err != nil {
		return Record{}, false, err
	}
	sub := Subject{Code: r.Code}
	found, err := s.store.LookupCode(ctx, r.Code)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return Record{}, false, err
	case found.Ticket != nil:
		t := *found.Ticket
		t.Day = pass.DayIn(found.StartsAt, s.loc)
		sub.Ticket = &t
	case found.Pass != nil:
		p := *found.Pass
		if !found.Paid && p.State != pass.StateVoid {
			// Codes of an order not paid are not shown, and admit no one.
			p.State = pass.StateVoid
		}
		sub.Pass, sub.Product = &p, found.Product
		if found.DebitProduct != nil {
			sub.Debit = &Debit{Product: *found.DebitProduct, Balance: found.Balance, CreditLimit: found.Product.Rules.CreditLimit}
		}
	}
	scan := Scan{Code: r.Code, GateID: g.ID, Direction: r.Direction, Nonce: r.Nonce, At: r.At.UTC()}
	rec := Record{Scan: scan, Offline: offline, Device: r.Device, By: r.By, ID: ids.New("sc", 12)}
	out, replayed, err := s.store.RecordScan(ctx, rec, func(u Usage) (Verdict, Usage, string) {
		var v Verdict
		next := u
		if g.Direction != Both && g.Direction != r.Direction {
			v = Verdict{Verdict: Denied, Reason: ReasonWrongDirection}
		} else {
			v, next = Decide(Input{Subject: sub, Usage: u, Gate: g, Scan: scan, Facility: f, Loc: s.loc})
		}
		switch {
		case r.Device == Granted && !v.OK():
			// The scanner let the person through while offline: that
			// stands, and the usage follows it.
			return v, Passed(u, g, scan, s.loc), "the scanner granted offline what the rules deny: " + v.Reason
		case r.Device == Denied && v.OK():
			// The scanner turned the person away: nothing happened.
			return v, u, "the scanner denied offline what the rules grant"
		}
		return v, next, ""
	})
	if err != nil {
		return Record{}, false, err
	}
	if !replayed {
		s.changed()
	}
	return out, replayed, nil
}

// Scans lists recorded scans.
func (s *Service) Scans(ctx context.Context, f ScanFilter) ([]Record, error) {
	if f.Limit < 1 || f.Limit > 500 {
		f.Limit = 100
	}
	if len(f.Code) > MaxCode || len(f.GateID) > 64 {
		return nil, &input.Error{Field: "code", Reason: "is not a code"}
	}
	if f.Verdict != "" && f.Verdict != Granted && f.Verdict != Denied {
		return nil, &input.Error{Field: "verdict", Reason: "is granted or denied"}
	}
	return s.store.ListScans(ctx, f)
}

// Occupancy counts who is inside, by zone.
func (s *Service) Occupancy(ctx context.Context) ([]ZoneCount, error) { return s.store.Occupancy(ctx) }

// DueError: the amount offered is not what is due now.
type DueError struct {
	Due      int64
	Currency string
}

func (e *DueError) Error() string { return fmt.Sprintf("%d is due now", e.Due) }

// PaySurcharge takes a time card's surcharge at the till, which unlocks its
// exit: amount must be what is due now (a *DueError says what is); 0 pays
// whatever is due. ErrNothingDue when nothing is. It returns what was paid.
func (s *Service) PaySurcharge(ctx context.Context, code string, amount int64, by string) (int64, string, error) {
	code = strings.TrimSpace(code)
	if code == "" || len(code) > MaxCode {
		return 0, "", &input.Error{Field: "code", Reason: "is not a code"}
	}
	if amount < 0 {
		return 0, "", &input.Error{Field: "amount", Reason: "must not be negative"}
	}
	found, err := s.store.LookupCode(ctx, code)
	if errors.Is(err, store.ErrNotFound) || err == nil && found.Pass == nil {
		return 0, "", fmt.Errorf("surcharge: %w", ErrNothingDue)
	}
	if err != nil {
		return 0, "", err
	}
	f, err := s.facility(ctx)
	if err != nil {
		return 0, "", err
	}
	now := s.now()
	r, cur := found.Product.Rules, found.Product.Currency
	_, err = s.store.PaySurcharge(ctx, code, by, now, func(u Usage) (int64, error) {
		if !u.Inside || u.StayStart.IsZero() {
			return 0, ErrNothingDue
		}
		due := Surcharge(r, f.ToleranceMinutes, u.StayStart, now) - u.SurchargePaid
		switch {
		case due <= 0:
			return 0, ErrNothingDue
		case amount != 0 && amount != due:
			return 0, &DueError{Due: due, Currency: cur}
		}
		amount = due
		return due, nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return 0, "", fmt.Errorf("surcharge: %w", ErrNothingDue)
	}
	if err != nil {
		return 0, "", err
	}
	return amount, cur, nil
}

// multiUse are the kinds of pass a permanent entitlement may be booked on
// (seed 002: "dauerhaft (nur bei Datenträgern mit Mehrfachnutzung)"): not
// the ones for a day.
var multiUse = []string{pass.KindMultiDay, pass.KindDayChoice, pass.KindWeek, pass.KindMonth, pass.KindYear, pass.KindSeason,
	pass.KindAnnual, pass.KindValue, pass.KindCustomer, pass.KindDiscount, pass.KindStaff}

// BookEntitlement books an entitlement (a product of kind entitlement) onto
// the pass whose code is code, of product holder: its zones are added for
// this visit, or for good if the entitlement is permanent, which only a
// multi-use pass takes. What it costs is sold at the till as the
// entitlement's own line; this adds its zones.
func (s *Service) BookEntitlement(ctx context.Context, code string, holder, ent pass.Product) (Usage, error) {
	switch {
	case ent.Kind != pass.KindEntitlement:
		return Usage{}, &input.Error{Field: "product_id", Reason: fmt.Sprintf("%q is a %s product, not an entitlement", ent.Name, ent.Kind)}
	case !entryKind(holder.Kind) && holder.Kind != pass.KindValue && holder.Kind != pass.KindCustomer:
		return Usage{}, &input.Error{Field: "product_id", Reason: fmt.Sprintf("a %s gives no entry: an entitlement has nothing to add to", holder.Kind)}
	case ent.Rules.Permanent && !slices.Contains(multiUse, holder.Kind):
		return Usage{}, &input.Error{Field: "product_id", Reason: fmt.Sprintf("a permanent entitlement needs a pass used more than one day, not a %s", holder.Kind)}
	}
	return s.store.AddZones(ctx, code, ent.Rules.Zones, ent.Rules.Permanent)
}

// SurchargeDue is what the code's current stay owes now (0 when nothing),
// and its currency: what the till asks before it takes it.
func (s *Service) SurchargeDue(ctx context.Context, code string) (int64, string, error) {
	code = strings.TrimSpace(code)
	if code == "" || len(code) > MaxCode {
		return 0, "", &input.Error{Field: "code", Reason: "is not a code"}
	}
	found, err := s.store.LookupCode(ctx, code)
	if errors.Is(err, store.ErrNotFound) || err == nil && found.Pass == nil {
		return 0, "", fmt.Errorf("surcharge: %w", ErrNothingDue)
	}
	if err != nil {
		return 0, "", err
	}
	f, err := s.facility(ctx)
	if err != nil {
		return 0, "", err
	}
	u, err := s.store.CodeUsage(ctx, code)
	if err != nil {
		return 0, "", err
	}
	if !u.Inside || u.StayStart.IsZero() {
		return 0, found.Product.Currency, nil
	}
	due := Surcharge(found.Product.Rules, f.ToleranceMinutes, u.StayStart, s.now()) - u.SurchargePaid
	return max(due, 0), found.Product.Currency, nil
}
