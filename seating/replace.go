package seating

import (
	"time"

	"github.com/seatmap/seatmap/catalog"
)

// Replaced puts a performance's new name and start, already stored (a
// replacement, issue 16), into its loaded copy; the live map's watchers are
// told by a new version. A performance not loaded is read from the store
// when it is.
func (s *Service) Replaced(id, name string, startsAt time.Time) {
	s.mu.RLock()
	p := s.shards[id]
	s.mu.RUnlock()
	if p == nil {
		return
	}
	p.update(func(m *catalog.Performance) { m.Name, m.StartsAt = name, startsAt })
	p.shard.Touch()
}
