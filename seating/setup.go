package seating

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/engine"
	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/internal/ids"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/store"
)

// The organizer's set-up of a performance: price zones, sales channels (quotas)
// and blocks, painted onto the seat map one stroke at a time, saved as templates
// of the hall. The engine applies a stroke first (atomically, skipping held and
// sold seats), then the store records the result; if the store cannot, the
// stroke is undone and the answer says so.

// Limits of set-up input.
const (
	MaxStrokeSeats = 100_000
	MaxReasonLen   = 100
	MaxChannels    = engine.MaxChannels
)

var channelName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

// Stroke is one paint request: seats and exactly one of Zone, Channel, Block
// (a reason) or Unblock.
type Stroke struct {
	Seats   []string
	Zone    *string
	Channel *string
	Block   *string
	Unblock bool
}

// Skipped names a seat a stroke left alone, and why ("held", "sold").
type Skipped struct {
	Seat   string
	Reason string
}

// PaintResult says what a stroke did.
type PaintResult struct {
	Changed int
	Skipped []Skipped
}

func (s Stroke) validate() error {
	n := 0
	for _, set := range []bool{s.Zone != nil, s.Channel != nil, s.Block != nil, s.Unblock} {
		if set {
			n++
		}
	}
	switch {
	case n != 1:
		return &input.Error{Field: "stroke", Reason: "give exactly one of zone, channel, block or unblock"}
	case len(s.Seats) == 0:
		return &input.Error{Field: "seats", Reason: "a stroke needs at least one seat"}
	case len(s.Seats) > MaxStrokeSeats:
		return &input.Error{Field: "seats", Reason: fmt.Sprintf("at most %d seats per stroke", MaxStrokeSeats)}
	case s.Channel != nil && !channelName.MatchString(*s.Channel):
		return &input.Error{Field: "channel", Reason: "a channel name is 1 to 32 lower-case letters, digits, - or _"}
	case s.Block != nil && (strings.TrimSpace(*s.Block) == "" || len(*s.Block) > MaxReasonLen || strings.IndexFunc(*s.Block, unicode.IsControl) >= 0):
		return &input.Error{Field: "block", Reason: fmt.Sprintf("a block needs a reason of 1 to %d printable characters", MaxReasonLen)}
	}
	return nil
}

func (p *Perf) skipped(list []engine.Skip) []Skipped {
	out := make([]Skipped, len(list))
	for i, sk := range list {
		out[i] = Skipped{Seat: p.hall.Seats[sk.Seat].ID, Reason: sk.State.String()}
	}
	return out
}

// Paint applies one stroke atomically.
func (s *Service) Paint(ctx context.Context, performanceID string, st Stroke) (PaintResult, error) {
	if err := st.validate(); err != nil {
		return PaintResult{}, err
	}
	p, err := s.load(ctx, performanceID)
	if err != nil {
		return PaintResult{}, err
	}
	seats, err := p.lookup(st.Seats)
	if err != nil {
		return PaintResult{}, err
	}
	seats = dedupeSeats(seats)
	p.setup.Lock()
	defer p.setup.Unlock()
	var res PaintResult
	switch {
	case st.Zone != nil:
		res, err = s.paintZone(ctx, p, seats, *st.Zone)
	case st.Channel != nil:
		res, err = s.paintChannel(ctx, p, seats, *st.Channel)
	case st.Block != nil:
		res, err = s.block(ctx, p, seats, strings.TrimSpace(*st.Block))
	default:
		res, err = s.unblock(ctx, p, seats)
	}
	return res, err
}

func dedupeSeats(seats []uint32) []uint32 {
	out := slices.Clone(seats)
	slices.Sort(out)
	return slices.Compact(out)
}

func (s *Service) paintZone(ctx context.Context, p *Perf, seats []uint32, zoneID string) (PaintResult, error) {
	z := slices.IndexFunc(p.zones(), func(z hall.Zone) bool { return z.ID == zoneID })
	if z < 0 {
		return PaintResult{}, &input.Error{Field: "zone", Reason: fmt.Sprintf("no zone %q in this performance; add it to the zones first", zoneID)}
	}
	var changed int
	var skipped []engine.Skip
	err := s.takeFirst(ctx, "paint zone", p, func() (func() error, error) {
		before := p.shard.ZoneOf()
		var err error
		if changed, skipped, err = p.shard.PaintZone(seats, uint16(z)); err != nil {
			return nil, p.publicError(err)
		}
		return func() error { return s.undoZones(p, before, seats) }, nil
	}, func(ctx context.Context) error {
		if changed == 0 {
			return nil
		}
		if err := s.store.SetZones(p.fenced(ctx), p.id, p.zones(), p.shard.ZoneOf()); err != nil {
			return fmt.Errorf("save zones: %w", err)
		}
		return nil
	})
	if err != nil {
		return PaintResult{}, err
	}
	return PaintResult{Changed: changed, Skipped: p.skipped(skipped)}, nil
}

// undoZones puts seats back into the zones they had.
func (s *Service) undoZones(p *Perf, before []uint16, seats []uint32) error {
	byZone := map[uint16][]uint32{}
	for _, seat := range seats {
		byZone[before[seat]] = append(byZone[before[seat]], seat)
	}
	for z, group := range byZone {
		if _, _, err := p.shard.PaintZone(group, z); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) paintChannel(ctx context.Context, p *Perf, seats []uint32, name string) (PaintResult, error) {
	names := p.channels()
	c := slices.Index(names, name)
	if c < 0 {
		if len(names) >= MaxChannels {
			return PaintResult{}, &input.Error{Field: "channel", Reason: fmt.Sprintf("a performance has at most %d channels", MaxChannels)}
		}
		names = append(slices.Clone(names), name)
		c = len(names) - 1
	}
	var changed int
	var skipped []engine.Skip
	err := s.takeFirst(ctx, "paint channel", p, func() (func() error, error) {
		before := p.shard.ChannelOf()
		var err error
		if changed, skipped, err = p.shard.PaintChannel(seats, engine.Channel(c)); err != nil {
			return nil, p.publicError(err)
		}
		return func() error {
			byChannel := map[engine.Channel][]uint32{}
			for _, seat := range seats {
				byChannel[before[seat]] = append(byChannel[before[seat]], seat)
			}
			for ch, group := range byChannel {
				if _, _, err := p.shard.PaintChannel(group, ch); err != nil {
					return err
				}
			}
			return nil
		}, nil
	}, func(ctx context.Context) error {
		if changed == 0 {
			return nil
		}
		after := p.shard.ChannelOf()
		seatChannels := make([]uint8, len(after))
		for i, ch := range after {
			seatChannels[i] = uint8(ch)
		}
		if err := s.store.SetChannels(p.fenced(ctx), p.id, names, seatChannels); err != nil {
			return fmt.Errorf("save channels: %w", err)
		}
		return nil
	})
	if err != nil {
		return PaintResult{}, err
	}
	if changed > 0 && len(names) != len(p.channels()) {
		p.update(func(m *catalog.Performance) { m.Channels = names })
		p.shard.Touch()
	}
	return PaintResult{Changed: changed, Skipped: p.skipped(skipped)}, nil
}

func (s *Service) block(ctx context.Context, p *Perf, seats []uint32, reason string) (PaintResult, error) {
	var changed int
	var skipped []engine.Skip
	var blocked []uint32 // blocked now, freshly or again with the new reason
	err := s.takeFirst(ctx, "block", p, func() (func() error, error) {
		var err error
		if changed, skipped, err = p.shard.Block(seats); err != nil {
			return nil, p.publicError(err)
		}
		for _, seat := range seats {
			if !slices.ContainsFunc(skipped, func(sk engine.Skip) bool { return sk.Seat == seat }) {
				blocked = append(blocked, seat)
			}
		}
		return func() error {
			var fresh []uint32
			p.mu.RLock()
			for _, seat := range blocked {
				if _, ok := p.blocks[seat]; !ok {
					fresh = append(fresh, seat)
				}
			}
			p.mu.RUnlock()
			_, _, err := p.shard.Unblock(fresh)
			return err
		}, nil
	}, func(ctx context.Context) error {
		// Seats blocked before keep their block with the new reason.
		if err := s.store.SetBlocks(p.fenced(ctx), p.id, blocked, reason); err != nil {
			return fmt.Errorf("save blocks: %w", err)
		}
		return nil
	})
	if err != nil {
		return PaintResult{}, err
	}
	p.mu.Lock()
	for _, seat := range blocked {
		p.blocks[seat] = reason
	}
	p.mu.Unlock()
	return PaintResult{Changed: changed, Skipped: p.skipped(skipped)}, nil
}

// unblock frees blocked seats: stored first, then in the engine (giveLast),
// so that a store that is down leaves them blocked everywhere.
func (s *Service) unblock(ctx context.Context, p *Perf, seats []uint32) (PaintResult, error) {
	var freed []uint32
	p.mu.RLock()
	for _, seat := range seats {
		if _, ok := p.blocks[seat]; ok {
			freed = append(freed, seat)
		}
	}
	p.mu.RUnlock()
	var changed int
	var skipped []engine.Skip
	err := s.giveLast(ctx, func(ctx context.Context) error {
		if len(freed) == 0 {
			return nil
		}
		if err := s.store.ClearBlocks(p.fenced(ctx), p.id, freed); err != nil {
			return fmt.Errorf("save blocks: %w", err)
		}
		return nil
	}, func() error {
		p.mu.Lock()
		for _, seat := range freed {
			delete(p.blocks, seat)
		}
		p.mu.Unlock()
		var err error
		changed, skipped, err = p.shard.Unblock(seats)
		return err
	})
	if err != nil {
		return PaintResult{}, p.publicError(err)
	}
	return PaintResult{Changed: changed, Skipped: p.skipped(skipped)}, nil
}

// SetZoneList replaces a performance's price zones (names, prices, colours).
// Seats keep their zone by id; a zone that still has seats cannot be removed.
func (s *Service) SetZoneList(ctx context.Context, performanceID string, zones []hall.Zone) (catalog.Performance, error) {
	if err := validateZones(zones); err != nil {
		return catalog.Performance{}, err
	}
	p, err := s.load(ctx, performanceID)
	if err != nil {
		return catalog.Performance{}, err
	}
	p.setup.Lock()
	defer p.setup.Unlock()
	return s.setZoneList(ctx, p, zones)
}

// setZoneList is SetZoneList with p.setup held. The list and the seats'
// zone indices are stored first; then, under p.mu, the engine's zone map and
// the list change together.
func (s *Service) setZoneList(ctx context.Context, p *Perf, zones []hall.Zone) (catalog.Performance, error) {
	old := p.zones()
	index := make(map[string]uint16, len(zones))
	for i, z := range zones {
		index[z.ID] = uint16(i)
	}
	remap := make([]uint16, len(old))
	for i, z := range old {
		ni, ok := index[z.ID]
		if !ok {
			ni = hall.NoZone
		}
		remap[i] = ni
	}
	zoneOf := p.shard.ZoneOf()
	inUse := map[uint16]int{}
	for i, z := range zoneOf {
		if z == hall.NoZone {
			continue
		}
		if remap[z] == hall.NoZone {
			inUse[z]++
		}
		zoneOf[i] = remap[z]
	}
	for z, n := range inUse {
		return catalog.Performance{}, &input.Error{Field: "zones", Reason: fmt.Sprintf("zone %q still has %d seats: paint them into another zone first", old[z].ID, n)}
	}
	if err := s.store.SetZones(p.fenced(ctx), p.id, zones, zoneOf); err != nil {
		return catalog.Performance{}, fmt.Errorf("save zones: %w", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.shard.SetZones(zoneOf, len(zones)); err != nil {
		return catalog.Performance{}, err
	}
	p.update(func(m *catalog.Performance) { m.Zones = zones })
	return *p.meta.Load(), nil
}

// Stats are a performance's seat counts by zone and channel.
type Stats struct {
	Total    engine.Counts
	Zones    []NamedCounts
	Channels []NamedCounts
}

// NamedCounts are counts of one zone or channel.
type NamedCounts struct {
	Name string
	engine.Counts
}

// Stats counts seats by state, zone and channel.
func (s *Service) Stats(ctx context.Context, performanceID string) (Stats, error) {
	p, err := s.load(ctx, performanceID)
	if err != nil {
		return Stats{}, err
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	es := p.shard.Stats()
	out := Stats{Total: es.Total}
	for i, z := range p.zones() {
		if i < len(es.Zones) {
			out.Zones = append(out.Zones, NamedCounts{Name: z.ID, Counts: es.Zones[i]})
		}
	}
	for i, name := range p.channels() {
		out.Channels = append(out.Channels, NamedCounts{Name: name, Counts: es.Channels[i]})
	}
	return out, nil
}

// ---- templates ----

// SaveTemplate saves a performance's zones, channels and blocks as a template of
// its hall.
func (s *Service) SaveTemplate(ctx context.Context, hallID, name, performanceID string) (catalog.Template, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > hall.MaxNameLen {
		return catalog.Template{}, &input.Error{Field: "name", Reason: fmt.Sprintf("a template needs a name of 1 to %d characters", hall.MaxNameLen)}
	}
	p, err := s.load(ctx, performanceID)
	if errors.Is(err, ErrPerformanceNotFound) {
		return catalog.Template{}, &input.Error{Field: "performance_id", Reason: fmt.Sprintf("no performance %q", performanceID)}
	}
	if err != nil {
		return catalog.Template{}, err
	}
	if p.meta.Load().HallID != hallID {
		return catalog.Template{}, &input.Error{Field: "performance_id", Reason: "the performance is in another hall"}
	}
	p.mu.RLock()
	t := catalog.Template{ID: ids.New("t", 10), HallID: hallID, Name: name, Zones: p.zones(), SeatZones: p.shard.ZoneOf(), Channels: p.channels()}
	for _, c := range p.shard.ChannelOf() {
		t.SeatChannels = append(t.SeatChannels, uint8(c))
	}
	for seat, reason := range p.blocks {
		t.Blocks = append(t.Blocks, catalog.Block{Seat: seat, Reason: reason})
	}
	p.mu.RUnlock()
	slices.SortFunc(t.Blocks, func(a, b catalog.Block) int { return int(a.Seat) - int(b.Seat) })
	if err := s.store.CreateTemplate(ctx, t); err != nil {
		return catalog.Template{}, fmt.Errorf("save template: %w", err)
	}
	t.CreatedAt = s.now().UTC()
	return t, nil
}

// Templates lists a hall's templates.
func (s *Service) Templates(ctx context.Context, hallID string) ([]catalog.Template, error) {
	if _, err := s.GetHall(ctx, hallID); err != nil {
		return nil, err
	}
	var out []catalog.Template
	out, err := s.store.ListTemplates(ctx, hallID)
	return out, err
}

// ApplyTemplate sets a performance up from a template in one step: its zone
// list, then every seat's zone, channel and block. Held and sold seats keep
// theirs and are reported as skipped.
func (s *Service) ApplyTemplate(ctx context.Context, performanceID, templateID string) (PaintResult, error) {
	var t catalog.Template
	t, err := s.store.GetTemplate(ctx, templateID)
	if errors.Is(err, store.ErrNotFound) {
		return PaintResult{}, &input.Error{Field: "template_id", Reason: fmt.Sprintf("no template %q", templateID)}
	}
	if err != nil {
		return PaintResult{}, err
	}
	p, err := s.load(ctx, performanceID)
	if err != nil {
		return PaintResult{}, err
	}
	if p.meta.Load().HallID != t.HallID || len(t.SeatZones) != p.hall.N() {
		return PaintResult{}, &input.Error{Field: "template_id", Reason: "the template belongs to another hall"}
	}
	p.setup.Lock()
	defer p.setup.Unlock()
	// The zone list first (kept zones keep their seats), then the seats.
	zones := slices.Clone(p.zones())
	for _, z := range t.Zones {
		if i := slices.IndexFunc(zones, func(o hall.Zone) bool { return o.ID == z.ID }); i >= 0 {
			zones[i] = z
		} else {
			zones = append(zones, z)
		}
	}
	if err := validateZones(zones); err != nil {
		return PaintResult{}, err
	}
	if _, err := s.setZoneList(ctx, p, zones); err != nil {
		return PaintResult{}, err
	}
	var res PaintResult
	add := func(r PaintResult, err error) error {
		res.Changed += r.Changed
		for _, sk := range r.Skipped {
			if !slices.Contains(res.Skipped, sk) {
				res.Skipped = append(res.Skipped, sk)
			}
		}
		return err
	}
	byZone := map[string][]uint32{}
	for seat, z := range t.SeatZones {
		if z != hall.NoZone && int(z) < len(t.Zones) {
			byZone[t.Zones[z].ID] = append(byZone[t.Zones[z].ID], uint32(seat))
		}
	}
	for id, seats := range byZone {
		if err := add(s.paintZone(ctx, p, seats, id)); err != nil {
			return res, err
		}
	}
	byChannel := map[string][]uint32{}
	for seat := range p.hall.Seats {
		c := 0
		if seat < len(t.SeatChannels) {
			c = int(t.SeatChannels[seat])
		}
		if c < len(t.Channels) {
			byChannel[t.Channels[c]] = append(byChannel[t.Channels[c]], uint32(seat))
		}
	}
	for name, seats := range byChannel {
		if err := add(s.paintChannel(ctx, p, seats, name)); err != nil {
			return res, err
		}
	}
	var unblock []uint32
	p.mu.RLock()
	for seat := range p.blocks {
		if !slices.ContainsFunc(t.Blocks, func(b catalog.Block) bool { return b.Seat == seat }) {
			unblock = append(unblock, seat)
		}
	}
	p.mu.RUnlock()
	if len(unblock) > 0 {
		if err := add(s.unblock(ctx, p, unblock)); err != nil {
			return res, err
		}
	}
	byReason := map[string][]uint32{}
	for _, b := range t.Blocks {
		byReason[b.Reason] = append(byReason[b.Reason], b.Seat)
	}
	for reason, seats := range byReason {
		if err := add(s.block(ctx, p, seats, reason)); err != nil {
			return res, err
		}
	}
	return res, nil
}

// ListHalls lists the halls.
func (s *Service) ListHalls(ctx context.Context) ([]catalog.Hall, error) {
	var out []catalog.Hall
	out, err := s.store.ListHalls(ctx)
	return out, err
}

// Search finds live holds by token and orders by number, token, buyer name or
// e-mail, for the box office.
func (s *Service) Search(ctx context.Context, q, performanceID string) ([]Hold, []order.Order, error) {
	q = strings.TrimSpace(q)
	if len(q) < 2 || len(q) > 200 {
		return nil, nil, &input.Error{Field: "q", Reason: "search for 2 to 200 characters"}
	}
	var holds []Hold
	if h, err := s.GetHold(ctx, q, Actor{StaffID: "search"}); err == nil {
		holds = append(holds, h)
	}
	if performanceID != "" {
		all, err := s.Holds(ctx, performanceID)
		if err != nil {
			return nil, nil, err
		}
		lq := strings.ToLower(q)
		for _, h := range all {
			if r := h.Reservation; r != nil && h.Token != q &&
				(strings.Contains(strings.ToLower(r.Buyer), lq) || strings.Contains(strings.ToLower(r.Email), lq) || strings.EqualFold(r.Number, q)) {
				holds = append(holds, h)
			}
		}
	}
	var orders []order.Order
	orders, err := s.store.SearchOrders(ctx, q, performanceID, 50)
	return holds, orders, err
}
