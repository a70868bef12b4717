package checkout

import (
	"context"
	"sync"
	"time"

	"github.com/seatmap/seatmap/report"
)

// DefaultDocumentsAfter is how long after its start a performance counts as
// ended for its documents: long enough for the longest evening and its
// late refunds at the box office.
const DefaultDocumentsAfter = 6 * time.Hour

// SystemActor is who made the documents made automatically.
const SystemActor = "system"

// documentsBatch bounds the performances one round of the loop makes
// documents for; it looks at up to documentsLook, skipping those it made
// for at the same last change.
const (
	documentsBatch = 20
	documentsLook  = 200
)

// documentsWindow is how far back the loop looks for ended performances:
// older ones (ended before this was deployed, say) are made by hand. Their
// shards are not loaded on seatd's start (seating.Rebuild loads the last
// day on), and making their documents would load them for good.
const documentsWindow = 30 * 24 * time.Hour

// autoDocs remembers, per performance, the last change whose documents the
// loop made: a performance the store still lists (its documents unchanged,
// so none newer) is not made again until something changes.
type autoDocs struct {
	mu   sync.Mutex
	made map[string]time.Time
}

func (a *autoDocs) done(id string, at time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	t, ok := a.made[id]
	return ok && t.Equal(at)
}

func (a *autoDocs) mark(id string, at time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.made == nil {
		a.made = map[string]time.Time{}
	}
	a.made[id] = at
}

// makeAllDocuments makes every kind of a performance's documents as the
// system (issue 17: automatically when it is cancelled or has ended): a
// kind whose content has not changed keeps its version (MakeDocument's
// rule), so it may run any number of times. Failures are logged; the loop
// tries again.
func (s *Service) makeAllDocuments(ctx context.Context, performanceID string) bool {
	ok := true
	for _, kind := range report.DocumentKinds {
		if ctx.Err() != nil {
			return false
		}
		d, created, err := s.makeDocument(ctx, performanceID, kind, SystemActor)
		if err != nil {
			s.log.Warn("make a document automatically", "performance", performanceID, "kind", kind, "err", err)
			ok = false
			continue
		}
		if created {
			s.log.Info("document made automatically", "performance", performanceID, "kind", kind, "version", d.Version, "sha256", d.SHA256[:12])
		}
	}
	return ok
}

// documentsLoop makes the documents of performances that have ended
// (DocumentsAfter past their start, within documentsWindow) or are cancelled whenever they have
// none describing their last change: at start, then every
// DocumentsInterval, on the checkout's clock.
func (s *Service) documentsLoop(ctx context.Context) {
	t := time.NewTicker(s.cfg.DocumentsInterval)
	defer t.Stop()
	for {
		s.documentEnded(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// documentEnded is one round of documentsLoop.
func (s *Service) documentEnded(ctx context.Context) {
	ended := s.now().Add(-s.cfg.DocumentsAfter)
	due, err := s.store.DocumentsDue(ctx, ended.Add(-documentsWindow), ended, len(report.DocumentKinds), documentsLook)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("find performances whose documents are due", "err", err)
		}
		return
	}
	made := 0
	for _, d := range due {
		if made == documentsBatch || ctx.Err() != nil {
			return
		}
		if s.docs.done(d.PerformanceID, d.LastChange) {
			continue
		}
		made++
		if s.makeAllDocuments(ctx, d.PerformanceID) {
			s.docs.mark(d.PerformanceID, d.LastChange)
		}
	}
}
