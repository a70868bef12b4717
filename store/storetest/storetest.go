package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/internal/testkit"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/outbox"
	"github.com/seatmap/seatmap/pricing"
	"github.com/seatmap/seatmap/staff"
	"github.com/seatmap/seatmap/store"
	"github.com/seatmap/seatmap/store/backend"
)

var zones = []hall.Zone{
	{ID: "a", Name: "A", Price: 5000, Currency: "EUR", Color: "#aa0000"},
	{ID: "b", Name: "B", Price: 2500, Currency: "EUR", Color: "#0000aa"},
}

// day is a performance date with no sub-second part, so tests that need
// microseconds add them on purpose.
var day = time.Date(2031, 3, 1, 19, 30, 0, 0, time.UTC)

// fixture makes rows with ids unique across the parallel tests of one Run.
type fixture struct {
	seq atomic.Int64
}

func (f *fixture) id(prefix string) string { return fmt.Sprintf("%s%d", prefix, f.seq.Add(1)) }

func (f *fixture) hall(t *testing.T, s backend.Store) catalog.Hall {
	t.Helper()
	h := catalog.Hall{ID: f.id("h"), Name: "Hall", Layout: []byte(`{"name":"Hall","sections":[]}`), Seats: 800}
	require.NoError(t, s.CreateHall(context.Background(), h))
	return h
}

func (f *fixture) perf(t *testing.T, s backend.Store, h catalog.Hall, starts time.Time) catalog.Performance {
	t.Helper()
	p := catalog.Performance{ID: f.id("p"), HallID: h.ID, Name: "Show", StartsAt: starts, Status: catalog.OnSale,
		Zones: zones, SeatZones: make([]uint16, h.Seats)}
	require.NoError(t, s.CreatePerformance(context.Background(), p))
	return p
}

// order is a paid order of seats, not yet stored.
func (f *fixture) order(p catalog.Performance, session, key string, seats ...uint32) order.Order {
	o := order.Order{
		ID: f.id("o"), Number: f.id("N-"), PerformanceID: p.ID, Status: order.Paid,
		BuyerName: "Ada", BuyerEmail: "ada@example.com", Session: session, HoldToken: f.id("tok"),
		IdempotencyKey: key, Currency: "EUR", PaymentMethod: "online",
	}
	for _, seat := range seats {
		o.Tickets = append(o.Tickets, order.Ticket{Seat: seat, SeatID: fmt.Sprintf("S%d", seat), Zone: "a", Price: 5000, Status: order.TicketLive,
			Fare: pricing.NormalFareID, FareName: pricing.NormalFareName})
		o.Total += 5000
	}
	return o
}

func countOrders(t *testing.T, s backend.Store, perf string) int {
	t.Helper()
	os, err := s.ListOrders(context.Background(), order.Filter{PerformanceID: perf, Limit: 1000})
	require.NoError(t, err)
	return len(os)
}

func soldSeats(t *testing.T, s backend.Store, perf string) []uint32 {
	t.Helper()
	sold, err := s.SoldSeats(context.Background(), perf)
	require.NoError(t, err)
	return sold
}

// requireUTC checks a time read back is in UTC, so that callers comparing or
// formatting it see the same on both adapters.
func requireUTC(t *testing.T, ts ...time.Time) {
	t.Helper()
	for _, tm := range ts {
		require.Equal(t, time.UTC, tm.Location(), "%v is not in UTC", tm)
	}
}

// Run runs the suite. openWith returns an empty store for one test on the
// clock now (nil: the store's own, the wall clock) and arranges for it to be
// closed and removed when the test ends; the tests run in parallel, each with
// its own store.
func Run(t *testing.T, openWith func(t *testing.T, now func() time.Time) backend.Store) {
	f := &fixture{}
	ctx := context.Background()
	open := func(t *testing.T) backend.Store { return openWith(t, nil) }

	t.Run("Clock", func(t *testing.T) {
		// The times a store writes itself are its clock's, not the wall
		// clock's: created, queued, recorded.
		t.Parallel()
		at := time.Date(2030, 5, 4, 3, 2, 1, 123456000, time.UTC)
		clock := testkit.NewClock(at)
		s := openWith(t, clock.Now)
		h := f.hall(t, s)
		gotHall, err := s.GetHall(ctx, h.ID)
		require.NoError(t, err)
		require.True(t, at.Equal(gotHall.CreatedAt), "hall created at %v", gotHall.CreatedAt)
		p := f.perf(t, s, h, day)
		gotPerf, err := s.GetPerformance(ctx, p.ID)
		require.NoError(t, err)
		require.True(t, at.Equal(gotPerf.CreatedAt), "performance created at %v", gotPerf.CreatedAt)
		o, err := s.CreateOrder(ctx, f.notifying(f.order(p, "s", "", 1)))
		require.NoError(t, err)
		got, err := s.GetOrder(ctx, o.ID)
		require.NoError(t, err)
		require.True(t, at.Equal(got.CreatedAt), "order created at %v", got.CreatedAt)

		clock.Add(time.Hour)
		resend := outbox.Message{ID: f.id("msg-"), Kind: outbox.KindResend, To: "ada@example.org", Subject: "Again", Body: "Once more"}
		require.NoError(t, s.RecordOrderEvent(ctx, o.ID, order.ActionResent, "to ada@example.org",
			order.Change{Actor: "staff:desk", Notify: &resend}))
		events, err := s.OrderHistory(ctx, o.ID)
		require.NoError(t, err)
		require.NotEmpty(t, events)
		last := events[len(events)-1]
		require.Equal(t, order.ActionResent, last.Action)
		require.True(t, at.Add(time.Hour).Equal(last.At), "event at %v", last.At)
		msgs, err := s.OrderMessages(ctx, o.ID)
		require.NoError(t, err)
		require.Len(t, msgs, 2)
		require.True(t, at.Equal(msgs[0].CreatedAt), "confirmation queued at %v", msgs[0].CreatedAt)
		require.True(t, at.Add(time.Hour).Equal(msgs[1].CreatedAt), "resend queued at %v", msgs[1].CreatedAt)
	})

	t.Run("PingAndSettings", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		require.NoError(t, s.Ping(ctx))
		_, err := s.Setting(ctx, "nope")
		require.ErrorIs(t, err, store.ErrNotFound)
		v, err := s.InitSetting(ctx, "k", "first")
		require.NoError(t, err)
		require.Equal(t, "first", v)
		v, err = s.InitSetting(ctx, "k", "second")
		require.NoError(t, err)
		require.Equal(t, "first", v, "the first value stays")
		v, err = s.Setting(ctx, "k")
		require.NoError(t, err)
		require.Equal(t, "first", v)
	})

	t.Run("InitSettingRace", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		var wg sync.WaitGroup
		got := make([]string, 20)
		for i := range got {
			wg.Go(func() {
				v, err := s.InitSetting(ctx, "race", fmt.Sprint("candidate-", i))
				if err != nil {
					t.Error(err)
				}
				got[i] = v
			})
		}
		wg.Wait()
		require.NotEmpty(t, got[0])
		for _, v := range got {
			require.Equal(t, got[0], v, "every caller sees the winner")
		}
		stored, err := s.Setting(ctx, "race")
		require.NoError(t, err)
		require.Equal(t, got[0], stored)
	})

	t.Run("Halls", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := f.hall(t, s)
		got, err := s.GetHall(ctx, h.ID)
		require.NoError(t, err)
		require.Equal(t, h.ID, got.ID)
		require.Equal(t, h.Name, got.Name)
		require.JSONEq(t, string(h.Layout), string(got.Layout))
		require.Equal(t, 800, got.Seats)
		require.WithinDuration(t, time.Now(), got.CreatedAt, time.Minute)
		requireUTC(t, got.CreatedAt)
		_, err = s.GetHall(ctx, "missing")
		require.ErrorIs(t, err, store.ErrNotFound)
		require.ErrorIs(t, s.CreateHall(ctx, h), store.ErrDuplicate)

		f.hall(t, s)
		halls, err := s.ListHalls(ctx)
		require.NoError(t, err)
		require.Len(t, halls, 2)
		for _, lh := range halls {
			require.Nil(t, lh.Layout, "lists do not load layouts")
			require.Equal(t, 800, lh.Seats)
			requireUTC(t, lh.CreatedAt)
		}
	})

	t.Run("Performances", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := f.hall(t, s)
		// Microseconds survive; nanoseconds are not promised.
		starts := time.Date(2031, 1, 2, 19, 30, 0, 123456000, time.FixedZone("CET", 3600))
		p := f.perf(t, s, h, starts)
		got, err := s.GetPerformance(ctx, p.ID)
		require.NoError(t, err)
		require.Equal(t, p.ID, got.ID)
		require.Equal(t, p.Name, got.Name)
		require.Equal(t, h.ID, got.HallID)
		require.True(t, starts.Equal(got.StartsAt), "%v vs %v", starts, got.StartsAt)
		requireUTC(t, got.StartsAt, got.CreatedAt)
		require.WithinDuration(t, time.Now(), got.CreatedAt, time.Minute)
		require.Equal(t, zones, got.Zones)
		require.Equal(t, p.SeatZones, got.SeatZones)
		require.Equal(t, catalog.OnSale, got.Status)

		require.NoError(t, s.SetPerformanceStatus(ctx, p.ID, catalog.Stopped))
		got, err = s.GetPerformance(ctx, p.ID)
		require.NoError(t, err)
		require.Equal(t, catalog.Stopped, got.Status)
		require.ErrorIs(t, s.SetPerformanceStatus(ctx, "missing", catalog.Stopped), store.ErrNotFound)
		_, err = s.GetPerformance(ctx, "missing")
		require.ErrorIs(t, err, store.ErrNotFound)
		require.ErrorIs(t, s.CreatePerformance(ctx, p), store.ErrDuplicate)

		orphan := p
		orphan.ID, orphan.HallID = f.id("p"), "missing-hall"
		require.ErrorIs(t, s.CreatePerformance(ctx, orphan), store.ErrNotFound, "a performance needs its hall")
		_, err = s.GetPerformance(ctx, orphan.ID)
		require.ErrorIs(t, err, store.ErrNotFound)
	})

	t.Run("StadiumSeatZones", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		// A stadium's worth of seats, every zone index and NoZone among them.
		// Synthetic rather than hall.Stadium(): compiling that takes seconds
		// under the race detector and proves nothing more about the store.
		const seats = 80_000
		seatZones := make([]uint16, seats)
		for i := range seatZones {
			seatZones[i] = uint16(i*7919%5) % 4
			if seatZones[i] == 3 {
				seatZones[i] = hall.NoZone
			}
		}
		layout := bigLayout(seats)
		h := catalog.Hall{ID: f.id("h"), Name: "Stadium", Layout: layout, Seats: seats}
		require.NoError(t, s.CreateHall(ctx, h))
		gh, err := s.GetHall(ctx, h.ID)
		require.NoError(t, err)
		var compact bytes.Buffer
		require.NoError(t, json.Compact(&compact, gh.Layout))
		require.True(t, bytes.Equal(layout, compact.Bytes()), "a %d-byte layout round-trips", len(layout))

		stadiumZones := append(slices.Clone(zones), hall.Zone{ID: "c", Name: "C", Price: 100, Currency: "EUR", Color: "#00aa00"})
		p := catalog.Performance{ID: f.id("p"), HallID: h.ID, Name: "Final", StartsAt: day, Status: catalog.Draft,
			Zones: stadiumZones, SeatZones: seatZones}
		require.NoError(t, s.CreatePerformance(ctx, p))
		got, err := s.GetPerformance(ctx, p.ID)
		require.NoError(t, err)
		require.Equal(t, seatZones, got.SeatZones)
		require.Equal(t, stadiumZones, got.Zones)

		changed := slices.Clone(seatZones)
		changed[0], changed[40_000], changed[79_999] = 1, 2, hall.NoZone
		require.NoError(t, s.SetZones(ctx, p.ID, zones, changed))
		got, err = s.GetPerformance(ctx, p.ID)
		require.NoError(t, err)
		require.Equal(t, changed, got.SeatZones)
		require.Equal(t, zones, got.Zones)
		require.ErrorIs(t, s.SetZones(ctx, "missing", zones, changed), store.ErrNotFound)

		list, err := s.ListPerformances(ctx, catalog.PerformanceFilter{Limit: 10})
		require.NoError(t, err)
		require.Len(t, list, 1)
		require.Nil(t, list[0].SeatZones, "lists do not load zone maps")
		require.Nil(t, list[0].SeatChannels)
		require.Equal(t, zones, list[0].Zones)
	})

	t.Run("ListPerformances", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := f.hall(t, s)
		var want []string
		for i := range 25 {
			// Three at each time, so page boundaries fall inside ties that
			// only the id breaks.
			p := f.perf(t, s, h, day.AddDate(0, 0, i/3))
			want = append(want, p.ID)
		}
		var got []catalog.Performance
		filter := catalog.PerformanceFilter{Limit: 10}
		pages := 0
		for {
			page, err := s.ListPerformances(ctx, filter)
			require.NoError(t, err)
			pages++
			require.LessOrEqual(t, len(page), 10)
			for _, p := range page {
				require.Nil(t, p.SeatZones, "lists do not load zone maps")
				require.Equal(t, zones, p.Zones)
				requireUTC(t, p.StartsAt, p.CreatedAt)
			}
			got = append(got, page...)
			if len(page) < filter.Limit {
				break
			}
			last := page[len(page)-1]
			filter.AfterStartsAt, filter.AfterID = last.StartsAt, last.ID
		}
		require.Equal(t, 3, pages)
		ids := make([]string, len(got))
		for i, p := range got {
			ids[i] = p.ID
		}
		require.ElementsMatch(t, want, ids, "every performance once")
		require.True(t, slices.IsSortedFunc(got, func(a, b catalog.Performance) int {
			if c := a.StartsAt.Compare(b.StartsAt); c != 0 {
				return c
			}
			return strings.Compare(a.ID, b.ID)
		}), "ordered by (StartsAt, ID): %v", ids)
		slices.Sort(ids)
		require.Len(t, slices.Compact(ids), 25, "no duplicates")

		cases := []struct {
			name     string
			from, to time.Time
			want     int
		}{
			{"from inclusive, to exclusive", day.AddDate(0, 0, 2), day.AddDate(0, 0, 4), 6},
			{"from only", day.AddDate(0, 0, 7), time.Time{}, 4},
			{"to only", time.Time{}, day.AddDate(0, 0, 1), 3},
			{"to one microsecond after", time.Time{}, day.Add(time.Microsecond), 3},
			{"empty range", day.AddDate(0, 0, 1), day.AddDate(0, 0, 1), 0},
			{"after the last", day.AddDate(1, 0, 0), time.Time{}, 0},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				page, err := s.ListPerformances(ctx, catalog.PerformanceFilter{From: c.from, To: c.to, Limit: 100})
				require.NoError(t, err)
				require.Len(t, page, c.want)
				for _, p := range page {
					require.False(t, !c.from.IsZero() && p.StartsAt.Before(c.from), "%v before From", p.StartsAt)
					require.False(t, !c.to.IsZero() && !p.StartsAt.Before(c.to), "%v not before To", p.StartsAt)
				}
			})
		}

		// A range and a cursor together: the second page of one day's three.
		page, err := s.ListPerformances(ctx, catalog.PerformanceFilter{From: day, To: day.AddDate(0, 0, 1), Limit: 2})
		require.NoError(t, err)
		require.Len(t, page, 2)
		rest, err := s.ListPerformances(ctx, catalog.PerformanceFilter{From: day, To: day.AddDate(0, 0, 1), Limit: 2,
			AfterStartsAt: page[1].StartsAt, AfterID: page[1].ID})
		require.NoError(t, err)
		require.Len(t, rest, 1)

		// Out-of-range limits are clamped, not refused.
		for _, limit := range []int{0, -5, 1_000_000} {
			page, err := s.ListPerformances(ctx, catalog.PerformanceFilter{Limit: limit})
			require.NoError(t, err)
			require.NotEmpty(t, page)
			require.LessOrEqual(t, len(page), 1000)
		}
		page, err = s.ListPerformances(ctx, catalog.PerformanceFilter{Limit: 1})
		require.NoError(t, err)
		require.Len(t, page, 1)
	})

	t.Run("Orders", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := f.perf(t, s, f.hall(t, s), day)
		deadline := time.Date(2031, 2, 27, 12, 0, 0, 654321000, time.UTC)
		o := f.order(p, "sess", "key-1", 5, 3)
		o.Channel, o.SoldBy = "box_office", "u1"
		stored, err := s.CreateOrder(ctx, o)
		require.NoError(t, err)
		require.WithinDuration(t, time.Now(), stored.CreatedAt, time.Minute)
		require.Equal(t, stored.CreatedAt, stored.CreatedAt.Truncate(time.Microsecond), "microsecond precision")
		requireUTC(t, stored.CreatedAt)
		got, err := s.GetOrder(ctx, o.ID)
		require.NoError(t, err)
		require.Equal(t, o.ID, got.ID)
		require.Equal(t, o.Number, got.Number)
		require.Equal(t, p.ID, got.PerformanceID)
		require.Equal(t, order.Paid, got.Status)
		require.Equal(t, o.BuyerName, got.BuyerName)
		require.Equal(t, o.BuyerEmail, got.BuyerEmail)
		require.Equal(t, "sess", got.Session)
		require.Equal(t, o.HoldToken, got.HoldToken)
		require.Equal(t, "key-1", got.IdempotencyKey)
		require.Equal(t, o.Total, got.Total)
		require.Equal(t, "EUR", got.Currency)
		require.Equal(t, "box_office", got.Channel)
		require.Equal(t, "u1", got.SoldBy)
		require.Equal(t, "online", got.PaymentMethod)
		require.True(t, got.Deadline.IsZero())
		require.True(t, stored.CreatedAt.Equal(got.CreatedAt), "%v vs %v", stored.CreatedAt, got.CreatedAt)
		require.True(t, stored.UpdatedAt.Equal(got.UpdatedAt))
		requireUTC(t, got.CreatedAt, got.UpdatedAt)
		require.ElementsMatch(t, o.Tickets, got.Tickets)
		_, err = s.GetOrder(ctx, "missing")
		require.ErrorIs(t, err, store.ErrNotFound)

		web, err := s.CreateOrder(ctx, f.order(p, "sess", "", 6))
		require.NoError(t, err)
		require.Equal(t, "web", web.Channel, "the default channel")

		r := f.order(p, "desk", "", 7)
		r.Status, r.Deadline, r.PaymentMethod = order.Reserved, deadline, ""
		_, err = s.CreateOrder(ctx, r)
		require.NoError(t, err)
		got, err = s.GetOrder(ctx, r.ID)
		require.NoError(t, err)
		require.True(t, deadline.Equal(got.Deadline), "%v vs %v", deadline, got.Deadline)
		requireUTC(t, got.Deadline)

		byKey, err := s.OrderByIdempotencyKey(ctx, "sess", "key-1")
		require.NoError(t, err)
		require.Equal(t, o.ID, byKey.ID)
		require.Len(t, byKey.Tickets, 2)
		_, err = s.OrderByIdempotencyKey(ctx, "other-session", "key-1")
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = s.OrderByIdempotencyKey(ctx, "sess", "")
		require.ErrorIs(t, err, store.ErrNotFound, "an empty key is no key")

		require.Equal(t, []uint32{3, 5, 6}, soldSeats(t, s, p.ID), "paid orders only, ascending")
		require.Empty(t, soldSeats(t, s, "missing"))

		// The same seat in another performance is another seat.
		p2 := f.perf(t, s, f.hall(t, s), day)
		_, err = s.CreateOrder(ctx, f.order(p2, "sess", "", 3, 5))
		require.NoError(t, err)

		// A missing performance, and a seat twice in one order: nothing written.
		_, err = s.CreateOrder(ctx, f.order(catalog.Performance{ID: "missing"}, "sess", "", 1))
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = s.CreateOrder(ctx, f.order(p, "sess", "", 40, 41, 40))
		require.Error(t, err)
		require.Equal(t, 3, countOrders(t, s, p.ID))
		require.Equal(t, []uint32{3, 5, 6}, soldSeats(t, s, p.ID))
	})

	t.Run("SeatsSold", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := f.perf(t, s, f.hall(t, s), day)
		_, err := s.CreateOrder(ctx, f.order(p, "first", "", 5, 3))
		require.NoError(t, err)

		// Only the sold seats are named, ascending; nothing of the order is
		// written, not even its free seats.
		_, err = s.CreateOrder(ctx, f.order(p, "second", "k", 7, 5, 8, 3))
		var se *order.SeatsSoldError
		require.ErrorAs(t, err, &se)
		require.Equal(t, []uint32{3, 5}, se.Seats)
		require.Equal(t, 1, countOrders(t, s, p.ID))
		require.Equal(t, []uint32{3, 5}, soldSeats(t, s, p.ID))
		_, err = s.OrderByIdempotencyKey(ctx, "second", "k")
		require.ErrorIs(t, err, store.ErrNotFound, "the key of a failed order stays free")

		// Seats 7 and 8 were not written, so they sell now, and the key is usable.
		_, err = s.CreateOrder(ctx, f.order(p, "second", "k", 7, 8))
		require.NoError(t, err)
		require.Equal(t, []uint32{3, 5, 7, 8}, soldSeats(t, s, p.ID))
	})

	t.Run("IdempotencyKey", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := f.perf(t, s, f.hall(t, s), day)
		first, err := s.CreateOrder(ctx, f.order(p, "sess", "key-1", 1, 2))
		require.NoError(t, err)

		// A retry of the same purchase, same seats and all: the key speaks,
		// not the seats it sold itself.
		_, err = s.CreateOrder(ctx, f.order(p, "sess", "key-1", 1, 2))
		require.ErrorIs(t, err, order.ErrIdempotencyKey)
		var se *order.SeatsSoldError
		require.False(t, errors.As(err, &se))
		_, err = s.CreateOrder(ctx, f.order(p, "sess", "key-1", 9))
		require.ErrorIs(t, err, order.ErrIdempotencyKey)
		byKey, err := s.OrderByIdempotencyKey(ctx, "sess", "key-1")
		require.NoError(t, err)
		require.Equal(t, first.ID, byKey.ID)

		// The key is per session, and empty keys never collide.
		_, err = s.CreateOrder(ctx, f.order(p, "sess2", "key-1", 9))
		require.NoError(t, err)
		_, err = s.CreateOrder(ctx, f.order(p, "sess", "", 10))
		require.NoError(t, err)
		_, err = s.CreateOrder(ctx, f.order(p, "sess", "", 11))
		require.NoError(t, err)
		require.Equal(t, 4, countOrders(t, s, p.ID))
	})

	t.Run("DuplicateOrder", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := f.perf(t, s, f.hall(t, s), day)
		o := f.order(p, "sess", "", 1)
		_, err := s.CreateOrder(ctx, o)
		require.NoError(t, err)

		dup := f.order(p, "sess", "", 20)
		dup.ID = o.ID
		_, err = s.CreateOrder(ctx, dup)
		require.ErrorIs(t, err, store.ErrDuplicate, "a taken id")
		dup = f.order(p, "sess", "", 21)
		dup.Number = o.Number
		_, err = s.CreateOrder(ctx, dup)
		require.ErrorIs(t, err, store.ErrDuplicate, "a taken number")
		require.Equal(t, 1, countOrders(t, s, p.ID))
		require.Equal(t, []uint32{1}, soldSeats(t, s, p.ID))
	})

	t.Run("CancelledContext", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := f.perf(t, s, f.hall(t, s), day)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := s.CreateOrder(cctx, f.order(p, "sess", "", 1))
		require.ErrorIs(t, err, context.Canceled)
		require.Zero(t, countOrders(t, s, p.ID))
		_, err = s.CreateOrder(ctx, f.order(p, "sess", "", 1))
		require.NoError(t, err, "the seat is still free")
	})

	t.Run("LargeOrder", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := catalog.Hall{ID: f.id("h"), Name: "Arena", Layout: []byte(`{}`), Seats: 20_000}
		require.NoError(t, s.CreateHall(ctx, h))
		p := f.perf(t, s, h, day)
		seats := make([]uint32, 5_000)
		for i := range seats {
			seats[i] = uint32(19_999 - 3*i)
		}
		o := f.order(p, "promoter", "", seats...)
		_, err := s.CreateOrder(ctx, o)
		require.NoError(t, err)
		got, err := s.GetOrder(ctx, o.ID)
		require.NoError(t, err)
		require.Len(t, got.Tickets, 5_000)
		sorted := slices.Clone(seats)
		slices.Sort(sorted)
		require.Equal(t, sorted, soldSeats(t, s, p.ID))

		_, err = s.CreateOrder(ctx, f.order(p, "late", "", 0, 1, seats[4_999], seats[0]))
		var se *order.SeatsSoldError
		require.ErrorAs(t, err, &se)
		require.Equal(t, []uint32{seats[4_999], seats[0]}, se.Seats)
	})

	t.Run("ListOrders", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := f.perf(t, s, f.hall(t, s), day)
		other := f.perf(t, s, f.hall(t, s), day)
		var want []string
		for i := range 12 {
			o, err := s.CreateOrder(ctx, f.order(p, "s", "", uint32(i), uint32(100+i)))
			require.NoError(t, err)
			want = append(want, o.ID)
		}
		r := f.order(other, "s", "", 1)
		r.Status, r.Deadline = order.Reserved, day
		_, err := s.CreateOrder(ctx, r)
		require.NoError(t, err)

		var got []order.Order
		filter := order.Filter{PerformanceID: p.ID, Limit: 5}
		for {
			page, err := s.ListOrders(ctx, filter)
			require.NoError(t, err)
			for _, o := range page {
				require.Len(t, o.Tickets, 2, "lists carry tickets")
				require.Equal(t, p.ID, o.PerformanceID)
			}
			got = append(got, page...)
			if len(page) < filter.Limit {
				break
			}
			last := page[len(page)-1]
			filter.Before, filter.BeforeID = last.CreatedAt, last.ID
		}
		ids := make([]string, len(got))
		for i, o := range got {
			ids[i] = o.ID
		}
		require.ElementsMatch(t, want, ids, "every order once")
		require.True(t, slices.IsSortedFunc(got, func(a, b order.Order) int {
			if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
				return c
			}
			return strings.Compare(b.ID, a.ID)
		}), "newest first: %v", ids)

		page, err := s.ListOrders(ctx, order.Filter{Status: order.Paid, Limit: 1000})
		require.NoError(t, err)
		require.Len(t, page, 12)
		page, err = s.ListOrders(ctx, order.Filter{Status: order.Reserved})
		require.NoError(t, err)
		require.Len(t, page, 1)
		require.Equal(t, r.ID, page[0].ID)
		page, err = s.ListOrders(ctx, order.Filter{PerformanceID: other.ID, Status: order.Paid})
		require.NoError(t, err)
		require.Empty(t, page)
		page, err = s.ListOrders(ctx, order.Filter{})
		require.NoError(t, err)
		require.Len(t, page, 13, "no filter, default limit")
	})

	t.Run("FiftyBuyersOneSeatBlock", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := f.perf(t, s, f.hall(t, s), day)
		var wins, sold atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for g := range 50 {
			wg.Go(func() {
				<-start
				_, err := s.CreateOrder(ctx, f.order(p, fmt.Sprint("s", g), "", 40, 41, 42, 43))
				var se *order.SeatsSoldError
				switch {
				case err == nil:
					wins.Add(1)
				case errors.As(err, &se):
					sold.Add(1)
					if !slices.Equal(se.Seats, []uint32{40, 41, 42, 43}) {
						t.Errorf("sold seats %v, want all four", se.Seats)
					}
				default:
					t.Error(err)
				}
			})
		}
		close(start)
		wg.Wait()
		require.Equal(t, int32(1), wins.Load())
		require.Equal(t, int32(49), sold.Load())
		require.Equal(t, 1, countOrders(t, s, p.ID))
		require.Equal(t, []uint32{40, 41, 42, 43}, soldSeats(t, s, p.ID))
	})

	t.Run("ThousandConcurrentOrders", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := f.perf(t, s, f.hall(t, s), day)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range 1000 {
			wg.Go(func() {
				<-start
				// The hall has 800 seats; the store does not know or care.
				if _, err := s.CreateOrder(ctx, f.order(p, "s", fmt.Sprint("k", i), uint32(i))); err != nil {
					t.Error(err)
				}
			})
		}
		close(start)
		wg.Wait()
		require.Len(t, soldSeats(t, s, p.ID), 1000)
		require.Equal(t, 1000, countOrders(t, s, p.ID))
	})

	t.Run("ChannelsBlocksTemplates", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := f.hall(t, s)
		p := f.perf(t, s, h, day)
		got, err := s.GetPerformance(ctx, p.ID)
		require.NoError(t, err)
		require.Equal(t, []string{"web"}, got.Channels)
		require.Nil(t, got.SeatChannels)

		seatChannels := make([]uint8, h.Seats)
		seatChannels[3], seatChannels[4] = 1, 2
		require.NoError(t, s.SetChannels(ctx, p.ID, []string{"web", "box_office", "partner-acme"}, seatChannels))
		got, err = s.GetPerformance(ctx, p.ID)
		require.NoError(t, err)
		require.Equal(t, []string{"web", "box_office", "partner-acme"}, got.Channels)
		require.Equal(t, seatChannels, got.SeatChannels)
		require.ErrorIs(t, s.SetChannels(ctx, "missing", nil, nil), store.ErrNotFound)
		list, err := s.ListPerformances(ctx, catalog.PerformanceFilter{})
		require.NoError(t, err)
		require.Len(t, list, 1)
		require.Equal(t, []string{"web", "box_office", "partner-acme"}, list[0].Channels)
		require.Nil(t, list[0].SeatChannels, "lists do not load channel maps")

		blocks, err := s.Blocks(ctx, p.ID)
		require.NoError(t, err)
		require.Empty(t, blocks)
		require.NoError(t, s.SetBlocks(ctx, p.ID, []uint32{9, 7}, "mixer desk"))
		require.NoError(t, s.SetBlocks(ctx, p.ID, []uint32{7, 8}, "fire watch"))
		require.NoError(t, s.SetBlocks(ctx, p.ID, nil, "nothing"))
		blocks, err = s.Blocks(ctx, p.ID)
		require.NoError(t, err)
		require.Equal(t, []catalog.Block{{Seat: 7, Reason: "fire watch"}, {Seat: 8, Reason: "fire watch"}, {Seat: 9, Reason: "mixer desk"}}, blocks)
		require.NoError(t, s.ClearBlocks(ctx, p.ID, []uint32{8, 100}))
		blocks, err = s.Blocks(ctx, p.ID)
		require.NoError(t, err)
		require.Equal(t, []catalog.Block{{Seat: 7, Reason: "fire watch"}, {Seat: 9, Reason: "mixer desk"}}, blocks)
		require.ErrorIs(t, s.SetBlocks(ctx, "missing", []uint32{1}, "x"), store.ErrNotFound)

		tpl := catalog.Template{ID: f.id("t"), HallID: h.ID, Name: "Opera set-up", Zones: zones, SeatZones: make([]uint16, h.Seats),
			Channels: got.Channels, SeatChannels: seatChannels, Blocks: blocks}
		tpl.SeatZones[5] = 1
		require.NoError(t, s.CreateTemplate(ctx, tpl))
		require.ErrorIs(t, s.CreateTemplate(ctx, tpl), store.ErrDuplicate)
		orphan := tpl
		orphan.ID, orphan.HallID = f.id("t"), "missing-hall"
		require.ErrorIs(t, s.CreateTemplate(ctx, orphan), store.ErrNotFound)
		gt, err := s.GetTemplate(ctx, tpl.ID)
		require.NoError(t, err)
		require.Equal(t, tpl.HallID, gt.HallID)
		require.Equal(t, tpl.Name, gt.Name)
		require.Equal(t, tpl.Zones, gt.Zones)
		require.Equal(t, tpl.SeatZones, gt.SeatZones)
		require.Equal(t, tpl.Channels, gt.Channels)
		require.Equal(t, tpl.SeatChannels, gt.SeatChannels)
		require.Equal(t, tpl.Blocks, gt.Blocks)
		requireUTC(t, gt.CreatedAt)
		_, err = s.GetTemplate(ctx, "missing")
		require.ErrorIs(t, err, store.ErrNotFound)
		tpls, err := s.ListTemplates(ctx, h.ID)
		require.NoError(t, err)
		require.Len(t, tpls, 1)
		require.Equal(t, tpl.Name, tpls[0].Name)
		require.Nil(t, tpls[0].SeatZones, "lists do not load seat maps")
		tpls, err = s.ListTemplates(ctx, "missing")
		require.NoError(t, err)
		require.Empty(t, tpls)
	})

	t.Run("UsersTokensSessions", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		u := staff.User{ID: f.id("u"), Login: "Olga", Name: "Olga Organizer", Role: staff.RoleOrganizer, PasswordHash: "$argon2id$x"}
		require.NoError(t, s.CreateUser(ctx, u))
		require.ErrorIs(t, s.CreateUser(ctx, staff.User{ID: f.id("u"), Login: "olga", Role: staff.RoleGate}), store.ErrDuplicate)
		require.ErrorIs(t, s.CreateUser(ctx, staff.User{ID: u.ID, Login: "other", Role: staff.RoleGate}), store.ErrDuplicate)
		got, err := s.UserByLogin(ctx, "OLGA")
		require.NoError(t, err)
		require.Equal(t, "olga", got.Login)
		require.Equal(t, u.Name, got.Name)
		require.Equal(t, u.Role, got.Role)
		require.Equal(t, u.PasswordHash, got.PasswordHash)
		require.False(t, got.Disabled)
		requireUTC(t, got.CreatedAt)
		got, err = s.GetUser(ctx, u.ID)
		require.NoError(t, err)
		require.Equal(t, "olga", got.Login)
		_, err = s.GetUser(ctx, "missing")
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = s.UserByLogin(ctx, "nobody")
		require.ErrorIs(t, err, store.ErrNotFound)
		off := staff.User{ID: f.id("u"), Login: "gone", Name: "Gone", Role: staff.RoleGate, Disabled: true}
		require.NoError(t, s.CreateUser(ctx, off))
		users, err := s.ListUsers(ctx)
		require.NoError(t, err)
		require.Len(t, users, 2)
		require.Equal(t, "gone", users[0].Login, "by login")
		require.True(t, users[0].Disabled)

		tok := staff.Token{ID: f.id("k"), UserID: u.ID, Name: "ci", Hash: "abc123"}
		require.NoError(t, s.CreateAPIToken(ctx, tok))
		require.ErrorIs(t, s.CreateAPIToken(ctx, staff.Token{ID: f.id("k"), UserID: "missing", Name: "x", Hash: "h"}), store.ErrNotFound)
		owner, err := s.UserByToken(ctx, "abc123")
		require.NoError(t, err)
		require.Equal(t, u.ID, owner.ID)
		_, err = s.UserByToken(ctx, "nope")
		require.ErrorIs(t, err, store.ErrNotFound)
		require.ErrorIs(t, s.DeleteAPIToken(ctx, off.ID, tok.ID), store.ErrNotFound, "only the owner deletes")
		require.NoError(t, s.DeleteAPIToken(ctx, u.ID, tok.ID))
		require.ErrorIs(t, s.DeleteAPIToken(ctx, u.ID, tok.ID), store.ErrNotFound)
		_, err = s.UserByToken(ctx, "abc123")
		require.ErrorIs(t, err, store.ErrNotFound)
		require.NoError(t, s.CreateAPIToken(ctx, staff.Token{ID: f.id("k"), UserID: off.ID, Name: "old", Hash: "offhash"}))
		_, err = s.UserByToken(ctx, "offhash")
		require.ErrorIs(t, err, store.ErrNotFound, "a disabled user's token")

		now := time.Now().UTC()
		expires := now.Add(time.Hour).Truncate(time.Microsecond)
		require.NoError(t, s.CreateSession(ctx, staff.Session{Hash: "s1", UserID: u.ID, CSRF: "c1", Expires: expires}))
		require.NoError(t, s.CreateSession(ctx, staff.Session{Hash: "old", UserID: u.ID, CSRF: "c0", Expires: now.Add(-time.Second)}))
		require.NoError(t, s.CreateSession(ctx, staff.Session{Hash: "off", UserID: off.ID, CSRF: "c2", Expires: expires}))
		require.ErrorIs(t, s.CreateSession(ctx, staff.Session{Hash: "s9", UserID: "missing", CSRF: "c", Expires: expires}), store.ErrNotFound)
		ss, su, err := s.SessionUser(ctx, "s1", now)
		require.NoError(t, err)
		require.Equal(t, "s1", ss.Hash)
		require.Equal(t, u.ID, ss.UserID)
		require.Equal(t, "c1", ss.CSRF)
		require.True(t, expires.Equal(ss.Expires))
		requireUTC(t, ss.Expires, su.CreatedAt)
		require.Equal(t, u.ID, su.ID)
		require.Equal(t, staff.RoleOrganizer, su.Role)
		_, _, err = s.SessionUser(ctx, "old", now)
		require.ErrorIs(t, err, store.ErrNotFound, "expired")
		_, _, err = s.SessionUser(ctx, "s1", now.Add(2*time.Hour))
		require.ErrorIs(t, err, store.ErrNotFound, "expired by now")
		_, _, err = s.SessionUser(ctx, "off", now)
		require.ErrorIs(t, err, store.ErrNotFound, "disabled user")
		_, _, err = s.SessionUser(ctx, "nope", now)
		require.ErrorIs(t, err, store.ErrNotFound)
		require.NoError(t, s.DeleteSession(ctx, "s1"))
		_, _, err = s.SessionUser(ctx, "s1", now)
		require.ErrorIs(t, err, store.ErrNotFound)
		require.NoError(t, s.DeleteSession(ctx, "s1"), "signing out twice is harmless")
	})

	t.Run("Reservations", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := f.perf(t, s, f.hall(t, s), day)
		deadline := time.Now().UTC().Add(72 * time.Hour).Truncate(time.Microsecond)
		r := f.order(p, "desk", "", 1, 2)
		r.Status, r.Deadline, r.Channel, r.SoldBy, r.BuyerName, r.PaymentMethod = order.Reserved, deadline, "box_office", "u1", "Rosa Reserved", ""
		_, err := s.CreateOrder(ctx, r)
		require.NoError(t, err)
		got, err := s.GetOrder(ctx, r.ID)
		require.NoError(t, err)
		require.True(t, deadline.Equal(got.Deadline))
		require.Equal(t, "box_office", got.Channel)
		require.Equal(t, "u1", got.SoldBy)

		// Reserved seats are not sold, but nobody else can buy them either.
		require.Empty(t, soldSeats(t, s, p.ID))
		_, err = s.CreateOrder(ctx, f.order(p, "web", "", 2, 3))
		var se *order.SeatsSoldError
		require.ErrorAs(t, err, &se)
		require.Equal(t, []uint32{2}, se.Seats)
		res, err := s.ReservedOrders(ctx, p.ID)
		require.NoError(t, err)
		require.Len(t, res, 1)
		require.Equal(t, r.ID, res[0].ID)
		require.Len(t, res[0].Tickets, 2)

		later := deadline.Add(48 * time.Hour)
		got, err = s.ExtendReservation(ctx, r.ID, later, order.Change{Actor: "staff:desk"})
		require.NoError(t, err)
		require.True(t, later.Equal(got.Deadline))
		require.False(t, got.UpdatedAt.Before(got.CreatedAt))
		got, err = s.PayReservation(ctx, r.ID, "cash", "u2", order.Change{Actor: "staff:desk"})
		require.NoError(t, err)
		require.Equal(t, order.Paid, got.Status)
		require.Equal(t, "cash", got.PaymentMethod)
		require.Equal(t, "u2", got.SoldBy)
		require.True(t, got.Deadline.IsZero())
		require.Equal(t, []uint32{1, 2}, soldSeats(t, s, p.ID))
		_, err = s.PayReservation(ctx, r.ID, "cash", "", order.Change{Actor: "staff:desk"})
		require.ErrorIs(t, err, store.ErrConflict)
		_, err = s.ExtendReservation(ctx, r.ID, later, order.Change{Actor: "staff:desk"})
		require.ErrorIs(t, err, store.ErrConflict)
		_, err = s.EndReservation(ctx, r.ID, order.Annulled, order.Change{Actor: "system"})
		require.ErrorIs(t, err, store.ErrConflict)

		// Paying without naming the seller keeps the one who reserved.
		r3 := f.order(p, "desk", "", 30)
		r3.Status, r3.Deadline, r3.SoldBy = order.Reserved, deadline, "u1"
		_, err = s.CreateOrder(ctx, r3)
		require.NoError(t, err)
		got, err = s.PayReservation(ctx, r3.ID, "card", "", order.Change{Actor: "staff:desk"})
		require.NoError(t, err)
		require.Equal(t, "u1", got.SoldBy)

		// An expired reservation frees its seats for sale.
		r2 := f.order(p, "desk", "", 5)
		r2.Status, r2.Deadline = order.Reserved, deadline
		_, err = s.CreateOrder(ctx, r2)
		require.NoError(t, err)
		_, err = s.EndReservation(ctx, r2.ID, order.Paid, order.Change{Actor: "system"})
		require.ErrorIs(t, err, store.ErrConflict, "only expired or annulled end a reservation")
		got, err = s.EndReservation(ctx, r2.ID, order.Expired, order.Change{Actor: "system"})
		require.NoError(t, err)
		require.Equal(t, order.Expired, got.Status)
		require.Equal(t, order.TicketVoid, got.Tickets[0].Status)
		_, err = s.CreateOrder(ctx, f.order(p, "web", "", 5))
		require.NoError(t, err)
		_, err = s.EndReservation(ctx, r2.ID, order.Annulled, order.Change{Actor: "system"})
		require.ErrorIs(t, err, store.ErrConflict)

		for name, call := range map[string]func() error{
			"pay": func() error {
				_, err := s.PayReservation(ctx, "missing", "cash", "", order.Change{Actor: "staff:desk"})
				return err
			},
			"end": func() error {
				_, err := s.EndReservation(ctx, "missing", order.Annulled, order.Change{Actor: "system"})
				return err
			},
			"extend": func() error {
				_, err := s.ExtendReservation(ctx, "missing", later, order.Change{Actor: "staff:desk"})
				return err
			},
		} {
			require.ErrorIs(t, call(), store.ErrNotFound, name)
		}
		res, err = s.ReservedOrders(ctx, p.ID)
		require.NoError(t, err)
		require.Empty(t, res)
	})

	t.Run("ReservationRace", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := f.perf(t, s, f.hall(t, s), day)
		r := f.order(p, "desk", "", 1)
		r.Status, r.Deadline = order.Reserved, day
		_, err := s.CreateOrder(ctx, r)
		require.NoError(t, err)
		// A payment and an expiry at once: exactly one wins.
		var wg sync.WaitGroup
		errs := make([]error, 20)
		for i := range errs {
			wg.Go(func() {
				if i%2 == 0 {
					_, errs[i] = s.PayReservation(ctx, r.ID, "card", "", order.Change{Actor: "staff:desk"})
				} else {
					_, errs[i] = s.EndReservation(ctx, r.ID, order.Expired, order.Change{Actor: "system"})
				}
			})
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			if err == nil {
				wins++
				continue
			}
			require.ErrorIs(t, err, store.ErrConflict)
		}
		require.Equal(t, 1, wins)
	})

	t.Run("SearchOrders", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := f.perf(t, s, f.hall(t, s), day)
		a := f.order(p, "s", "", 1)
		a.BuyerName, a.BuyerEmail, a.Number = "Anna Schmidt", "anna@example.com", "ABCDE-FGHJK"
		b := f.order(p, "s", "", 2)
		b.BuyerName, b.BuyerEmail = "Boris 100% Real", "boris@example.org"
		for _, o := range []order.Order{a, b} {
			_, err := s.CreateOrder(ctx, o)
			require.NoError(t, err)
		}
		find := func(q string) []string {
			t.Helper()
			os, err := s.SearchOrders(ctx, q, p.ID, 10)
			require.NoError(t, err)
			var out []string
			for _, o := range os {
				require.NotEmpty(t, o.Tickets)
				out = append(out, o.ID)
			}
			return out
		}
		require.Equal(t, []string{a.ID}, find("abcde-fghjk"))
		require.Equal(t, []string{a.ID}, find(a.HoldToken))
		require.Equal(t, []string{a.ID}, find("schmi"))
		require.Equal(t, []string{b.ID}, find("EXAMPLE.ORG"))
		require.Equal(t, []string{b.ID}, find("100%"))
		require.Empty(t, find("_"), "wildcards are literal")
		require.Equal(t, []string{b.ID}, find("%"), "wildcards are literal")
		require.Len(t, find("example"), 2)
		other, err := s.SearchOrders(ctx, "anna", "other-performance", 10)
		require.NoError(t, err)
		require.Empty(t, other)
		all, err := s.SearchOrders(ctx, "anna", "", 10)
		require.NoError(t, err)
		require.Len(t, all, 1, "an empty performance searches all")
	})
	runOutbox(t, f, open, openWith)
	runCommerce(t, f, open)
	runTickets(t, f, open)
	runTicketNumbers(t, f, open)
	runDocuments(t, f, open)
	runDocumentTemplate(t, open)
	runDocumentsDue(t, f, open)
	runPayments(t, f, open)
	runPaymentList(t, f, openWith)
	runProducts(t, f, open, openWith)
	runPasses(t, f, open)
	runProduction(t, f, open)
	runLedger(t, f, open)
	runGates(t, f, open)
	runJobs(t, f, open)
	runReschedule(t, f, open)
	runReplacements(t, f, open)
	runFares(t, f, open)
	runReports(t, f, openWith)
}

// bigLayout is compact JSON the size of a stadium layout (some MB) whose
// compact form survives Postgres' jsonb: arrays keep their order, and the
// keys are already in jsonb's order, shorter first.
func bigLayout(seats int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"name":"Stadium","seats":[`)
	for i := range seats {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `["B%d-R%d-S%d",%d,%d]`, i/2000, i/50%40, i%50, i%1000, i/1000)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}
