package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/internal/testkit"
	"github.com/seatmap/seatmap/pass"
	"github.com/seatmap/seatmap/store"
	"github.com/seatmap/seatmap/store/backend"
)

func mustDate(t *testing.T, s string) pass.Date {
	t.Helper()
	d, err := pass.ParseDate(s)
	require.NoError(t, err)
	return d
}

// product is a checked product with an id of the fixture, not yet stored.
func (f *fixture) product(t *testing.T, kind string, edit ...func(*pass.Product)) pass.Product {
	t.Helper()
	p := pass.Product{ID: f.id("pr"), Kind: kind, Name: "Product " + kind, Price: 1500, Currency: "EUR",
		Channels: []string{"web", "box_office"}, OnSale: true, CreatedBy: "org"}
	switch kind {
	case pass.KindTime:
		p.Rules = pass.Rules{DurationMinutes: 240, Surcharge: 200, SurchargeIntervalMinutes: 30}
	case pass.KindEntitlement:
		p.Rules = pass.Rules{Zones: []string{"spa"}, Permanent: true}
	case pass.KindAnnual:
		p.Validity = pass.Validity{From: mustDate(t, "2027-01-01"), To: mustDate(t, "2027-12-31")}
	}
	for _, e := range edit {
		e(&p)
	}
	require.NoError(t, p.Normalize())
	return p
}

func productIDs(ps []pass.Product) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

// comparable drops what the store sets itself.
func comparable(p pass.Product) pass.Product {
	p.Version, p.CreatedAt, p.UpdatedAt = 0, time.Time{}, time.Time{}
	return p
}

func runProducts(t *testing.T, f *fixture, open func(t *testing.T) backend.Store, openWith func(t *testing.T, now func() time.Time) backend.Store) {
	ctx := context.Background()

	t.Run("ProductRoundTrip", func(t *testing.T) {
		t.Parallel()
		at := time.Date(2030, 1, 2, 3, 4, 5, 123456000, time.UTC)
		s := openWith(t, testkit.NewClock(at).Now)
		one := 1
		for _, p := range []pass.Product{
			f.product(t, pass.KindAnnual),
			f.product(t, pass.KindDay, func(p *pass.Product) {
				p.Rules = pass.Rules{Entries: &one, Window: &pass.TimeRange{From: "08:00", To: "12:00"}, CreditLimit: 3000}
			}),
			f.product(t, pass.KindTime),
			f.product(t, pass.KindEntitlement),
			f.product(t, pass.KindStaff, func(p *pass.Product) { p.Channels, p.OnSale, p.Price = nil, false, 0 }),
		} {
			got, err := s.CreateProduct(ctx, p)
			require.NoError(t, err)
			require.Equal(t, 1, got.Version)
			require.True(t, at.Equal(got.CreatedAt) && at.Equal(got.UpdatedAt), "created at %v", got.CreatedAt)
			requireUTC(t, got.CreatedAt, got.UpdatedAt)
			read, err := s.GetProduct(ctx, p.ID)
			require.NoError(t, err)
			require.Equal(t, got, read)
			require.Equal(t, comparable(p), comparable(read), "every field and rule comes back")
		}
		_, err := s.CreateProduct(ctx, f.product(t, pass.KindDay, func(p *pass.Product) { p.ID = "pr-taken" }))
		require.NoError(t, err)
		_, err = s.CreateProduct(ctx, f.product(t, pass.KindWeek, func(p *pass.Product) { p.ID = "pr-taken" }))
		require.ErrorIs(t, err, store.ErrDuplicate)
		_, err = s.GetProduct(ctx, "pr-missing")
		require.ErrorIs(t, err, store.ErrNotFound)
	})

	t.Run("ProductUpdateVersion", func(t *testing.T) {
		t.Parallel()
		clock := testkit.NewClock(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
		s := openWith(t, clock.Now)
		p, err := s.CreateProduct(ctx, f.product(t, pass.KindDay))
		require.NoError(t, err)
		clock.Add(time.Minute)
		p.Price, p.Name, p.Channels = 1800, "Tageskarte neu", []string{"box_office"}
		got, err := s.UpdateProduct(ctx, p)
		require.NoError(t, err)
		require.Equal(t, 2, got.Version)
		require.Equal(t, int64(1800), got.Price)
		require.Equal(t, []string{"box_office"}, got.Channels)
		require.True(t, got.UpdatedAt.After(got.CreatedAt))
		require.Equal(t, p.CreatedAt, got.CreatedAt)

		stale := p // still at version 1
		stale.Price = 1
		_, err = s.UpdateProduct(ctx, stale)
		require.ErrorIs(t, err, store.ErrConflict)
		read, err := s.GetProduct(ctx, p.ID)
		require.NoError(t, err)
		require.Equal(t, got, read, "a stale change writes nothing")

		stale.ID = "pr-nobody"
		_, err = s.UpdateProduct(ctx, stale)
		require.ErrorIs(t, err, store.ErrNotFound)

		// Racing changes on one version: exactly one wins.
		var wg sync.WaitGroup
		var wins, conflicts int
		var mu sync.Mutex
		for i := range 8 {
			wg.Go(func() {
				c := read
				c.Price = int64(100 + i)
				_, err := s.UpdateProduct(ctx, c)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					wins++
				case errors.Is(err, store.ErrConflict):
					conflicts++
				default:
					t.Error(err)
				}
			})
		}
		wg.Wait()
		require.Equal(t, 1, wins)
		require.Equal(t, 7, conflicts)
		final, err := s.GetProduct(ctx, p.ID)
		require.NoError(t, err)
		require.Equal(t, 3, final.Version)
	})

	t.Run("ListProducts", func(t *testing.T) {
		t.Parallel()
		clock := testkit.NewClock(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
		s := openWith(t, clock.Now)
		var made []pass.Product
		add := func(p pass.Product) {
			clock.Add(time.Second)
			got, err := s.CreateProduct(ctx, p)
			require.NoError(t, err)
			made = append(made, got)
		}
		add(f.product(t, pass.KindDay))                                                                          // 0 web+box, on sale
		add(f.product(t, pass.KindAnnual, func(p *pass.Product) { p.OnSale = false }))                           // 1 off sale
		add(f.product(t, pass.KindDay, func(p *pass.Product) { p.Channels = []string{"box_office"} }))           // 2 box office only
		add(f.product(t, pass.KindWeek, func(p *pass.Product) { p.Channels = []string{"web", "partner-shop"} })) // 3
		add(f.product(t, pass.KindStaff, func(p *pass.Product) { p.Channels, p.OnSale, p.Price = nil, false, 0 }))
		yes, no := true, false
		list := func(fl pass.Filter) []string {
			t.Helper()
			ps, err := s.ListProducts(ctx, fl)
			require.NoError(t, err)
			return productIDs(ps)
		}
		require.Equal(t, productIDs(made), list(pass.Filter{}))
		require.Equal(t, []string{made[0].ID, made[3].ID}, list(pass.Filter{OnSale: &yes, Channel: "web"}), "what buyers see")
		require.Equal(t, []string{made[1].ID, made[4].ID}, list(pass.Filter{OnSale: &no}))
		require.Equal(t, []string{made[3].ID}, list(pass.Filter{Channel: "partner-shop"}))
		require.Equal(t, []string{made[0].ID, made[2].ID}, list(pass.Filter{Kind: pass.KindDay}))
		require.Empty(t, list(pass.Filter{Channel: "web-"}), "a channel is matched whole")

		// Keyset pages of two, also across products made in the same microsecond.
		clock.Add(time.Second)
		for range 3 {
			got, err := s.CreateProduct(ctx, f.product(t, pass.KindMonth))
			require.NoError(t, err)
			made = append(made, got)
		}
		var paged []string
		fl := pass.Filter{Limit: 2}
		for {
			ps, err := s.ListProducts(ctx, fl)
			require.NoError(t, err)
			require.LessOrEqual(t, len(ps), 2)
			if len(ps) == 0 {
				break
			}
			paged = append(paged, productIDs(ps)...)
			last := ps[len(ps)-1]
			fl.AfterTime, fl.AfterID = last.CreatedAt, last.ID
		}
		require.ElementsMatch(t, productIDs(made), paged)
		require.Len(t, paged, len(made), "no product twice")
	})

	t.Run("Facility", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		f0, err := s.GetFacility(ctx)
		require.NoError(t, err)
		require.Equal(t, 0, f0.Version, "nothing stored: the zero settings")
		require.True(t, f0.OpenAt(time.Now(), time.UTC))

		set := pass.Facility{
			Hours:            map[string]pass.DayHours{"mon": {Closed: true}, "tue": {Ranges: []pass.TimeRange{{From: "09:00", To: "12:00"}, {From: "13:00", To: "18:00"}}}},
			Exceptions:       []pass.Exception{{Date: mustDate(t, "2027-12-24"), Note: "Heiligabend", DayHours: pass.DayHours{Ranges: []pass.TimeRange{{From: "09:00", To: "13:00"}}}}},
			Season:           &pass.DateRange{From: mustDate(t, "2027-05-01"), To: mustDate(t, "2027-09-30")},
			ToleranceMinutes: 15,
			Zones:            []pass.Zone{{ID: "pool", Name: "Pool"}, {ID: "sauna", Name: "Sauna"}},
		}
		require.NoError(t, set.Validate())
		got, err := s.PutFacility(ctx, set)
		require.NoError(t, err)
		require.Equal(t, 1, got.Version)
		read, err := s.GetFacility(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, read.Version)
		a, _ := json.Marshal(set)
		b, _ := json.Marshal(read)
		require.JSONEq(t, string(a), string(b))

		_, err = s.PutFacility(ctx, set) // version 0 again: a second first write
		require.ErrorIs(t, err, store.ErrConflict)
		read.ToleranceMinutes = 20
		next, err := s.PutFacility(ctx, read)
		require.NoError(t, err)
		require.Equal(t, 2, next.Version)
		_, err = s.PutFacility(ctx, read) // at version 1, stored is 2
		require.ErrorIs(t, err, store.ErrConflict)
		now, err := s.GetFacility(ctx)
		require.NoError(t, err)
		require.Equal(t, 20, now.ToleranceMinutes)
		require.Equal(t, 2, now.Version)
	})
}
