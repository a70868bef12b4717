package pass

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/seatmap/seatmap/internal/ids"
	"github.com/seatmap/seatmap/store"
)

var (
	// ErrNotFound: no product has this id.
	ErrNotFound = errors.New("product not found")
	// ErrStale: the product or the settings changed since the version the
	// change was made on; nothing was written.
	ErrStale = errors.New("changed since it was read")
)

// Filter selects products in the order they were made (created, id).
// After* is the keyset cursor: the last product of the page before.
type Filter struct {
	OnSale    *bool  // nil: both
	Channel   string // "": any
	Kind      string // "": any
	AfterTime time.Time
	AfterID   string
	Limit     int // 1..1000
}

// Store is what the pass service needs of a store.
type Store interface {
	// CreateProduct stores a new product (Version 1, times set by the
	// store) and returns it as stored; store.ErrDuplicate for a taken id.
	CreateProduct(ctx context.Context, p Product) (Product, error)
	// UpdateProduct replaces a product's fields if its stored version is
	// p.Version, and returns it with the next version; store.ErrNotFound, or
	// store.ErrConflict for another version (nothing written).
	UpdateProduct(ctx context.Context, p Product) (Product, error)
	GetProduct(ctx context.Context, id string) (Product, error)
	ListProducts(ctx context.Context, f Filter) ([]Product, error)
	// GetFacility returns the settings, or the zero Facility (Version 0)
	// when none were stored.
	GetFacility(ctx context.Context) (Facility, error)
	// PutFacility stores the settings if the stored version is f.Version
	// (0: none yet), and returns them with the next version;
	// store.ErrConflict otherwise.
	PutFacility(ctx context.Context, f Facility) (Facility, error)
}

// Service makes and changes products and the facility's settings.
type Service struct {
	store Store
	// The facility's settings as last read, for facilityTTL: every gate
	// scan reads them. A change made through this service replaces them at
	// once; one made on another node arrives within the TTL.
	mu         sync.Mutex
	facility   Facility
	facilityAt time.Time
}

// facilityTTL is how long the facility's settings are used as read.
const facilityTTL = 2 * time.Second

// NewService returns a service on st.
func NewService(st Store) *Service { return &Service{store: st} }

// checkRefs makes sure the products a product points at exist and fit.
func (s *Service) checkRefs(ctx context.Context, p Product) error {
	for field, ref := range map[string]string{"auto_debit_product": p.Rules.AutoDebitProduct, "exchange_for": p.Rules.ExchangeFor} {
		if ref == "" {
			continue
		}
		other, err := s.Product(ctx, ref)
		if errors.Is(err, ErrNotFound) {
			return badf(field, "no product %q", ref)
		}
		if err != nil {
			return err
		}
		if other.ID == p.ID || other.Kind == KindStaff || other.Kind == KindPassVoucher || other.Kind == KindValue {
			return badf(field, "product %q is a %s product, which cannot be booked so", ref, other.Kind)
		}
		if field == "exchange_for" {
			if err := ExchangeTarget(other); err != nil {
				return badf(field, "%v", err)
			}
		}
	}
	return nil
}

// Create checks and stores a new product.
func (s *Service) Create(ctx context.Context, p Product, by string) (Product, error) {
	if err := p.Normalize(); err != nil {
		return Product{}, err
	}
	p.ID, p.CreatedBy, p.Version = ids.New("pr", 12), by, 1
	if err := s.checkRefs(ctx, p); err != nil {
		return Product{}, err
	}
	out, err := s.store.CreateProduct(ctx, p)
	if err != nil {
		return Product{}, fmt.Errorf("create product: %w", err)
	}
	return out, nil
}

// Product returns a product.
func (s *Service) Product(ctx context.Context, id string) (Product, error) {
	p, err := s.store.GetProduct(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return Product{}, fmt.Errorf("product %s: %w", id, ErrNotFound)
	}
	return p, err
}

// Update changes a product: edit gets the stored product and changes it.
// With version > 0 the stored product must be at that version (an
// If-Match); the write itself is made on the version edit saw, so a change
// in between gives ErrStale and writes nothing. Kind and id do not change.
func (s *Service) Update(ctx context.Context, id string, version int, edit func(*Product) error) (Product, error) {
	cur, err := s.Product(ctx, id)
	if err != nil {
		return Product{}, err
	}
	if version > 0 && cur.Version != version {
		return Product{}, fmt.Errorf("product %s is at version %d, not %d: %w", id, cur.Version, version, ErrStale)
	}
	next := cur
	next.Channels = append([]string(nil), cur.Channels...)
	if err := edit(&next); err != nil {
		return Product{}, err
	}
	if next.Kind != cur.Kind {
		return Product{}, badf("kind", "a product keeps its kind; make a new product")
	}
	next.ID, next.Version, next.CreatedBy, next.CreatedAt = cur.ID, cur.Version, cur.CreatedBy, cur.CreatedAt
	if err := next.Normalize(); err != nil {
		return Product{}, err
	}
	if err := s.checkRefs(ctx, next); err != nil {
		return Product{}, err
	}
	out, err := s.store.UpdateProduct(ctx, next)
	switch {
	case errors.Is(err, store.ErrConflict):
		return Product{}, fmt.Errorf("update product %s: %w", id, ErrStale)
	case errors.Is(err, store.ErrNotFound):
		return Product{}, fmt.Errorf("update product %s: %w", id, ErrNotFound)
	case err != nil:
		return Product{}, fmt.Errorf("update product %s: %w", id, err)
	}
	return out, nil
}

// Products lists products.
func (s *Service) Products(ctx context.Context, f Filter) ([]Product, error) {
	if f.Kind != "" && !slices.Contains(Kinds, f.Kind) {
		return nil, badf("kind", "%q is not a kind", f.Kind)
	}
	if f.Channel != "" && !channelName.MatchString(f.Channel) {
		return nil, badf("channel", "%q is not a channel name", f.Channel)
	}
	if f.Limit < 1 || f.Limit > 1000 {
		f.Limit = 1000
	}
	return s.store.ListProducts(ctx, f)
}

// Facility returns the settings (the zero Facility before any are stored),
// as read at most facilityTTL ago.
func (s *Service) Facility(ctx context.Context) (Facility, error) {
	s.mu.Lock()
	if !s.facilityAt.IsZero() && time.Since(s.facilityAt) < facilityTTL {
		f := s.facility
		s.mu.Unlock()
		return f, nil
	}
	s.mu.Unlock()
	f, err := s.store.GetFacility(ctx)
	if err != nil {
		return Facility{}, fmt.Errorf("facility settings: %w", err)
	}
	s.remember(f)
	return f, nil
}

func (s *Service) remember(f Facility) {
	s.mu.Lock()
	s.facility, s.facilityAt = f, time.Now()
	s.mu.Unlock()
}

// PutFacility checks and stores the settings. With version >= 0 the stored
// settings must be at that version (0: none stored yet); -1 replaces
// whatever is stored.
func (s *Service) PutFacility(ctx context.Context, f Facility, version int) (Facility, error) {
	if err := f.Validate(); err != nil {
		return Facility{}, err
	}
	if version < 0 {
		cur, err := s.store.GetFacility(ctx) // not the cached copy: its version may be behind
		if err != nil {
			return Facility{}, err
		}
		version = cur.Version
	}
	f.Version = version
	out, err := s.store.PutFacility(ctx, f)
	if errors.Is(err, store.ErrConflict) {
		return Facility{}, fmt.Errorf("facility settings are not at version %d: %w", version, ErrStale)
	}
	if err != nil {
		return Facility{}, fmt.Errorf("store facility settings: %w", err)
	}
	s.remember(out)
	return out, nil
}
