// Package storetest is the conformance suite every store.Store runs.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/store"
)

// Run runs the suite. open returns an empty store for one test and cleans it up.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := context.Background()
	zones := []hall.Zone{
		{ID: "a", Name: "A", Price: 5000, Currency: "EUR", Color: "#aa0000"},
		{ID: "b", Name: "B", Price: 2500, Currency: "EUR", Color: "#0000aa"},
	}
	var seq atomic.Int64
	id := func(prefix string) string { return fmt.Sprintf("%s%d", prefix, seq.Add(1)) }
	mkHall := func(t *testing.T, s store.Store) store.Hall {
		t.Helper()
		h := store.Hall{ID: id("h"), Name: "Hall", Layout: []byte(`{"name":"Hall","sections":[]}`), Seats: 800}
		require.NoError(t, s.CreateHall(ctx, h))
		return h
	}
	mkPerf := func(t *testing.T, s store.Store, h store.Hall, starts time.Time) store.Performance {
		t.Helper()
		p := store.Performance{ID: id("p"), HallID: h.ID, Name: "Show", StartsAt: starts, Status: store.StatusOnSale, Zones: zones, SeatZones: make([]uint16, h.Seats)}
		require.NoError(t, s.CreatePerformance(ctx, p))
		return p
	}
	mkOrder := func(p store.Performance, session, key string, seats ...uint32) store.Order {
		o := store.Order{
			ID: id("o"), Number: id("N-"), PerformanceID: p.ID, Status: store.OrderPaid,
			BuyerName: "Ada", BuyerEmail: "ada@example.com", Session: session, HoldToken: id("tok"),
			IdempotencyKey: key, Currency: "EUR",
		}
		for _, seat := range seats {
			o.Tickets = append(o.Tickets, store.Ticket{Seat: seat, SeatID: fmt.Sprintf("S%d", seat), Zone: "a", Price: 5000, Status: store.TicketLive})
			o.Total += 5000
		}
		return o
	}
	countOrders := func(t *testing.T, s store.Store, perf string) int {
		t.Helper()
		os, err := s.ListOrders(ctx, store.OrderFilter{PerformanceID: perf, Limit: 1000})
		require.NoError(t, err)
		return len(os)
	}
	day := time.Date(2031, 3, 1, 19, 30, 0, 0, time.UTC)

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
		require.Equal(t, "first", v)
		v, err = s.Setting(ctx, "k")
		require.NoError(t, err)
		require.Equal(t, "first", v)

		// Raced: everyone sees the same winner.
		var wg sync.WaitGroup
		got := make([]string, 20)
		for i := range got {
			wg.Go(func() {
				v, err := s.InitSetting(ctx, "race", fmt.Sprint(i))
				if err != nil {
					t.Error(err)
				}
				got[i] = v
			})
		}
		wg.Wait()
		for _, v := range got {
			require.Equal(t, got[0], v)
		}
	})

	t.Run("Halls", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := mkHall(t, s)
		got, err := s.GetHall(ctx, h.ID)
		require.NoError(t, err)
		require.Equal(t, h.Name, got.Name)
		require.JSONEq(t, string(h.Layout), string(got.Layout))
		require.Equal(t, 800, got.Seats)
		require.WithinDuration(t, time.Now(), got.CreatedAt, time.Minute)
		_, err = s.GetHall(ctx, "missing")
		require.ErrorIs(t, err, store.ErrNotFound)
		require.ErrorIs(t, s.CreateHall(ctx, h), store.ErrDuplicate)
	})

	t.Run("Performances", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := mkHall(t, s)
		starts := time.Date(2031, 1, 2, 19, 30, 0, 123456000, time.UTC)
		p := mkPerf(t, s, h, starts)
		got, err := s.GetPerformance(ctx, p.ID)
		require.NoError(t, err)
		require.Equal(t, p.Name, got.Name)
		require.Equal(t, h.ID, got.HallID)
		require.True(t, starts.Equal(got.StartsAt), "%v vs %v", starts, got.StartsAt)
		require.Equal(t, zones, got.Zones)
		require.Equal(t, p.SeatZones, got.SeatZones)
		require.Equal(t, store.StatusOnSale, got.Status)

		require.NoError(t, s.SetPerformanceStatus(ctx, p.ID, store.StatusStopped))
		got, err = s.GetPerformance(ctx, p.ID)
		require.NoError(t, err)
		require.Equal(t, store.StatusStopped, got.Status)
		require.ErrorIs(t, s.SetPerformanceStatus(ctx, "missing", store.StatusStopped), store.ErrNotFound)
		_, err = s.GetPerformance(ctx, "missing")
		require.ErrorIs(t, err, store.ErrNotFound)
		require.ErrorIs(t, s.CreatePerformance(ctx, p), store.ErrDuplicate)

		// An 80,000-seat zone map round-trips intact.
		stadium := hall.MustCompile(hall.Stadium())
		big := store.Hall{ID: id("h"), Name: "Stadium", Layout: []byte(`{}`), Seats: stadium.N()}
		require.NoError(t, s.CreateHall(ctx, big))
		bp := store.Performance{ID: id("p"), HallID: big.ID, Name: "Final", StartsAt: starts, Status: store.StatusDraft, Zones: zones, SeatZones: stadium.ZoneOf}
		require.NoError(t, s.CreatePerformance(ctx, bp))
		got, err = s.GetPerformance(ctx, bp.ID)
		require.NoError(t, err)
		require.Equal(t, stadium.ZoneOf, got.SeatZones)

		changed := append([]uint16(nil), stadium.ZoneOf...)
		changed[0], changed[79_999] = 1, hall.NoZone
		newZones := append(zones, hall.Zone{ID: "c", Name: "C", Price: 100, Currency: "EUR", Color: "#00aa00"})
		require.NoError(t, s.SetZones(ctx, bp.ID, newZones, changed))
		got, err = s.GetPerformance(ctx, bp.ID)
		require.NoError(t, err)
		require.Equal(t, changed, got.SeatZones)
		require.Equal(t, newZones, got.Zones)
		require.ErrorIs(t, s.SetZones(ctx, "missing", zones, changed), store.ErrNotFound)
	})

	t.Run("ListPerformances", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := mkHall(t, s)
		var want []string
		for i := 0; i < 25; i++ {
			// Two per day at the same time: the id breaks the tie.
			p := mkPerf(t, s, h, day.AddDate(0, 0, i/2))
			want = append(want, p.ID)
		}
		var got []string
		f := store.PerformanceFilter{Limit: 10}
		for {
			page, err := s.ListPerformances(ctx, f)
			require.NoError(t, err)
			for _, p := range page {
				require.Nil(t, p.SeatZones, "lists do not load zone maps")
				require.Equal(t, zones, p.Zones)
				got = append(got, p.ID)
			}
			if len(page) < f.Limit {
				break
			}
			last := page[len(page)-1]
			f.AfterStartsAt, f.AfterID = last.StartsAt, last.ID
		}
		require.ElementsMatch(t, want, got)
		require.Len(t, got, 25)
		for i := 1; i < len(got); i++ {
			require.NotEqual(t, got[i-1], got[i])
		}
		// From inclusive, To exclusive.
		page, err := s.ListPerformances(ctx, store.PerformanceFilter{From: day.AddDate(0, 0, 2), To: day.AddDate(0, 0, 4), Limit: 100})
		require.NoError(t, err)
		require.Len(t, page, 4)
		for _, p := range page {
			require.False(t, p.StartsAt.Before(day.AddDate(0, 0, 2)))
			require.True(t, p.StartsAt.Before(day.AddDate(0, 0, 4)))
		}
		// The limit is clamped.
		page, err = s.ListPerformances(ctx, store.PerformanceFilter{Limit: 0})
		require.NoError(t, err)
		require.NotEmpty(t, page)
	})

	t.Run("Orders", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := mkPerf(t, s, mkHall(t, s), day)
		o := mkOrder(p, "sess", "key-1", 5, 3)
		stored, err := s.CreateOrder(ctx, o)
		require.NoError(t, err)
		require.WithinDuration(t, time.Now(), stored.CreatedAt, time.Minute)
		got, err := s.GetOrder(ctx, o.ID)
		require.NoError(t, err)
		require.Equal(t, o.Number, got.Number)
		require.Equal(t, o.Total, got.Total)
		require.Equal(t, "EUR", got.Currency)
		require.Equal(t, "sess", got.Session)
		require.Equal(t, o.HoldToken, got.HoldToken)
		require.Equal(t, o.BuyerEmail, got.BuyerEmail)
		require.True(t, stored.CreatedAt.Equal(got.CreatedAt))
		require.ElementsMatch(t, o.Tickets, got.Tickets)

		byKey, err := s.OrderByIdempotencyKey(ctx, "sess", "key-1")
		require.NoError(t, err)
		require.Equal(t, o.ID, byKey.ID)
		_, err = s.OrderByIdempotencyKey(ctx, "other-session", "key-1")
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = s.GetOrder(ctx, "missing")
		require.ErrorIs(t, err, store.ErrNotFound)

		sold, err := s.SoldSeats(ctx, p.ID)
		require.NoError(t, err)
		require.Equal(t, []uint32{3, 5}, sold)

		// A seat already sold: nothing of the new order is written.
		_, err = s.CreateOrder(ctx, mkOrder(p, "sess2", "", 7, 5, 8, 3))
		var se *store.SeatsSoldError
		require.ErrorAs(t, err, &se)
		require.Equal(t, []uint32{3, 5}, se.Seats)
		require.Equal(t, 1, countOrders(t, s, p.ID))
		sold, err = s.SoldSeats(ctx, p.ID)
		require.NoError(t, err)
		require.Equal(t, []uint32{3, 5}, sold)

		// The idempotency key is per session.
		_, err = s.CreateOrder(ctx, mkOrder(p, "sess", "key-1", 9))
		require.ErrorIs(t, err, store.ErrIdempotencyKey)
		_, err = s.CreateOrder(ctx, mkOrder(p, "sess2", "key-1", 9))
		require.NoError(t, err)
		// Empty keys never collide.
		_, err = s.CreateOrder(ctx, mkOrder(p, "sess", "", 10))
		require.NoError(t, err)
		_, err = s.CreateOrder(ctx, mkOrder(p, "sess", "", 11))
		require.NoError(t, err)

		// A taken id or number is a duplicate.
		dup := mkOrder(p, "sess3", "", 20)
		dup.ID = o.ID
		_, err = s.CreateOrder(ctx, dup)
		require.ErrorIs(t, err, store.ErrDuplicate)
		dup = mkOrder(p, "sess3", "", 21)
		dup.Number = o.Number
		_, err = s.CreateOrder(ctx, dup)
		require.ErrorIs(t, err, store.ErrDuplicate)
		require.Equal(t, 4, countOrders(t, s, p.ID))

		// The same seat in another performance is another seat.
		p2 := mkPerf(t, s, mkHall(t, s), day)
		_, err = s.CreateOrder(ctx, mkOrder(p2, "sess", "", 3, 5))
		require.NoError(t, err)
	})

	t.Run("ListOrders", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := mkPerf(t, s, mkHall(t, s), day)
		other := mkPerf(t, s, mkHall(t, s), day)
		var want []string
		for i := 0; i < 12; i++ {
			o, err := s.CreateOrder(ctx, mkOrder(p, "s", "", uint32(i)))
			require.NoError(t, err)
			want = append([]string{o.ID}, want...) // newest first
		}
		_, err := s.CreateOrder(ctx, mkOrder(other, "s", "", 1))
		require.NoError(t, err)
		var got []string
		f := store.OrderFilter{PerformanceID: p.ID, Limit: 5}
		for {
			page, err := s.ListOrders(ctx, f)
			require.NoError(t, err)
			for _, o := range page {
				require.Len(t, o.Tickets, 1)
				got = append(got, o.ID)
			}
			if len(page) < f.Limit {
				break
			}
			last := page[len(page)-1]
			f.Before, f.BeforeID = last.CreatedAt, last.ID
		}
		require.ElementsMatch(t, want, got)
		page, err := s.ListOrders(ctx, store.OrderFilter{Status: store.OrderPaid, Limit: 1000})
		require.NoError(t, err)
		require.Len(t, page, 13)
		page, err = s.ListOrders(ctx, store.OrderFilter{Status: "refunded", Limit: 1000})
		require.NoError(t, err)
		require.Empty(t, page)
	})

	t.Run("FiftyBuyersOneSeatBlock", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := mkPerf(t, s, mkHall(t, s), day)
		var wins, sold atomic.Int32
		var wg sync.WaitGroup
		for g := 0; g < 50; g++ {
			wg.Go(func() {
				_, err := s.CreateOrder(ctx, mkOrder(p, fmt.Sprint("s", g), "", 40, 41, 42, 43))
				var se *store.SeatsSoldError
				switch {
				case err == nil:
					wins.Add(1)
				case errors.As(err, &se):
					sold.Add(1)
				default:
					t.Error(err)
				}
			})
		}
		wg.Wait()
		require.Equal(t, int32(1), wins.Load())
		require.Equal(t, int32(49), sold.Load())
		require.Equal(t, 1, countOrders(t, s, p.ID))
	})

	t.Run("ThousandConcurrentOrders", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := mkPerf(t, s, mkHall(t, s), day)
		var wg sync.WaitGroup
		for i := 0; i < 1000; i++ {
			wg.Go(func() {
				if _, err := s.CreateOrder(ctx, mkOrder(p, "s", "", uint32(i))); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		sold, err := s.SoldSeats(ctx, p.ID)
		require.NoError(t, err)
		require.Len(t, sold, 1000)
	})

	t.Run("ChannelsBlocksTemplates", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := mkHall(t, s)
		p := mkPerf(t, s, h, day)
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

		require.NoError(t, s.SetBlocks(ctx, p.ID, []uint32{9, 7}, "mixer desk"))
		require.NoError(t, s.SetBlocks(ctx, p.ID, []uint32{7, 8}, "fire watch"))
		blocks, err := s.Blocks(ctx, p.ID)
		require.NoError(t, err)
		require.Equal(t, []store.Block{{Seat: 7, Reason: "fire watch"}, {Seat: 8, Reason: "fire watch"}, {Seat: 9, Reason: "mixer desk"}}, blocks)
		require.NoError(t, s.ClearBlocks(ctx, p.ID, []uint32{8, 100}))
		blocks, err = s.Blocks(ctx, p.ID)
		require.NoError(t, err)
		require.Equal(t, []store.Block{{Seat: 7, Reason: "fire watch"}, {Seat: 9, Reason: "mixer desk"}}, blocks)

		tpl := store.Template{ID: id("t"), HallID: h.ID, Name: "Opera set-up", Zones: zones, SeatZones: make([]uint16, h.Seats),
			Channels: got.Channels, SeatChannels: seatChannels, Blocks: blocks}
		tpl.SeatZones[5] = 1
		require.NoError(t, s.CreateTemplate(ctx, tpl))
		require.ErrorIs(t, s.CreateTemplate(ctx, tpl), store.ErrDuplicate)
		gt, err := s.GetTemplate(ctx, tpl.ID)
		require.NoError(t, err)
		require.Equal(t, tpl.Name, gt.Name)
		require.Equal(t, tpl.Zones, gt.Zones)
		require.Equal(t, tpl.SeatZones, gt.SeatZones)
		require.Equal(t, tpl.Channels, gt.Channels)
		require.Equal(t, tpl.SeatChannels, gt.SeatChannels)
		require.Equal(t, tpl.Blocks, gt.Blocks)
		_, err = s.GetTemplate(ctx, "missing")
		require.ErrorIs(t, err, store.ErrNotFound)
		list, err := s.ListTemplates(ctx, h.ID)
		require.NoError(t, err)
		require.Len(t, list, 1)
		require.Nil(t, list[0].SeatZones)

		halls, err := s.ListHalls(ctx)
		require.NoError(t, err)
		require.NotEmpty(t, halls)
		require.Nil(t, halls[0].Layout)
	})

	t.Run("UsersTokensSessions", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		u := store.User{ID: id("u"), Login: "Olga", Name: "Olga Organizer", Role: store.RoleOrganizer, PasswordHash: "$argon2id$x"}
		require.NoError(t, s.CreateUser(ctx, u))
		require.ErrorIs(t, s.CreateUser(ctx, store.User{ID: id("u"), Login: "olga", Role: store.RoleGate}), store.ErrDuplicate)
		got, err := s.UserByLogin(ctx, "OLGA")
		require.NoError(t, err)
		require.Equal(t, "olga", got.Login)
		require.Equal(t, u.PasswordHash, got.PasswordHash)
		_, err = s.GetUser(ctx, u.ID)
		require.NoError(t, err)
		_, err = s.UserByLogin(ctx, "nobody")
		require.ErrorIs(t, err, store.ErrNotFound)
		users, err := s.ListUsers(ctx)
		require.NoError(t, err)
		require.Len(t, users, 1)

		tok := store.APIToken{ID: id("k"), UserID: u.ID, Name: "ci", Hash: "abc123"}
		require.NoError(t, s.CreateAPIToken(ctx, tok))
		owner, err := s.UserByToken(ctx, "abc123")
		require.NoError(t, err)
		require.Equal(t, u.ID, owner.ID)
		_, err = s.UserByToken(ctx, "nope")
		require.ErrorIs(t, err, store.ErrNotFound)
		require.NoError(t, s.DeleteAPIToken(ctx, u.ID, tok.ID))
		require.ErrorIs(t, s.DeleteAPIToken(ctx, u.ID, tok.ID), store.ErrNotFound)
		_, err = s.UserByToken(ctx, "abc123")
		require.ErrorIs(t, err, store.ErrNotFound)

		now := time.Now().UTC()
		require.NoError(t, s.CreateSession(ctx, store.StaffSession{Hash: "s1", UserID: u.ID, CSRF: "c1", Expires: now.Add(time.Hour)}))
		require.NoError(t, s.CreateSession(ctx, store.StaffSession{Hash: "old", UserID: u.ID, CSRF: "c0", Expires: now.Add(-time.Second)}))
		ss, su, err := s.SessionUser(ctx, "s1", now)
		require.NoError(t, err)
		require.Equal(t, "c1", ss.CSRF)
		require.Equal(t, u.ID, su.ID)
		_, _, err = s.SessionUser(ctx, "old", now)
		require.ErrorIs(t, err, store.ErrNotFound)
		_, _, err = s.SessionUser(ctx, "s1", now.Add(2*time.Hour))
		require.ErrorIs(t, err, store.ErrNotFound)
		require.NoError(t, s.DeleteSession(ctx, "s1"))
		_, _, err = s.SessionUser(ctx, "s1", now)
		require.ErrorIs(t, err, store.ErrNotFound)
	})

	t.Run("Reservations", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := mkPerf(t, s, mkHall(t, s), day)
		deadline := time.Now().UTC().Add(72 * time.Hour).Truncate(time.Microsecond)
		r := mkOrder(p, "desk", "", 1, 2)
		r.Status, r.Deadline, r.Channel, r.SoldBy, r.BuyerName = store.OrderReserved, deadline, "box_office", "u1", "Rosa Reserved"
		_, err := s.CreateOrder(ctx, r)
		require.NoError(t, err)
		got, err := s.GetOrder(ctx, r.ID)
		require.NoError(t, err)
		require.True(t, deadline.Equal(got.Deadline))
		require.Equal(t, "box_office", got.Channel)
		require.Equal(t, "u1", got.SoldBy)

		// Reserved seats are not sold, but nobody else can buy them either.
		sold, err := s.SoldSeats(ctx, p.ID)
		require.NoError(t, err)
		require.Empty(t, sold)
		_, err = s.CreateOrder(ctx, mkOrder(p, "web", "", 2, 3))
		var se *store.SeatsSoldError
		require.ErrorAs(t, err, &se)
		require.Equal(t, []uint32{2}, se.Seats)
		res, err := s.ReservedOrders(ctx, p.ID)
		require.NoError(t, err)
		require.Len(t, res, 1)
		require.Len(t, res[0].Tickets, 2)

		later := deadline.Add(48 * time.Hour)
		got, err = s.ExtendReservation(ctx, r.ID, later)
		require.NoError(t, err)
		require.True(t, later.Equal(got.Deadline))
		got, err = s.PayReservation(ctx, r.ID, "cash", "u2")
		require.NoError(t, err)
		require.Equal(t, store.OrderPaid, got.Status)
		require.Equal(t, "cash", got.PaymentMethod)
		require.Equal(t, "u2", got.SoldBy)
		require.True(t, got.Deadline.IsZero())
		sold, err = s.SoldSeats(ctx, p.ID)
		require.NoError(t, err)
		require.Equal(t, []uint32{1, 2}, sold)
		_, err = s.PayReservation(ctx, r.ID, "cash", "")
		require.ErrorIs(t, err, store.ErrConflict)
		_, err = s.EndReservation(ctx, r.ID, store.OrderAnnulled)
		require.ErrorIs(t, err, store.ErrConflict)

		// An expired reservation frees its seats for sale.
		r2 := mkOrder(p, "desk", "", 5)
		r2.Status, r2.Deadline = store.OrderReserved, deadline
		_, err = s.CreateOrder(ctx, r2)
		require.NoError(t, err)
		got, err = s.EndReservation(ctx, r2.ID, store.OrderExpired)
		require.NoError(t, err)
		require.Equal(t, store.OrderExpired, got.Status)
		require.Equal(t, store.TicketVoid, got.Tickets[0].Status)
		_, err = s.CreateOrder(ctx, mkOrder(p, "web", "", 5))
		require.NoError(t, err)
		_, err = s.EndReservation(ctx, r2.ID, store.OrderAnnulled)
		require.ErrorIs(t, err, store.ErrConflict)
		_, err = s.EndReservation(ctx, "missing", store.OrderAnnulled)
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = s.EndReservation(ctx, r2.ID, store.OrderPaid)
		require.ErrorIs(t, err, store.ErrConflict)
		res, err = s.ReservedOrders(ctx, p.ID)
		require.NoError(t, err)
		require.Empty(t, res)
	})

	t.Run("SearchOrders", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := mkPerf(t, s, mkHall(t, s), day)
		a := mkOrder(p, "s", "", 1)
		a.BuyerName, a.BuyerEmail, a.Number = "Anna Schmidt", "anna@example.com", "ABCDE-FGHJK"
		b := mkOrder(p, "s", "", 2)
		b.BuyerName, b.BuyerEmail = "Boris 100% Real", "boris@example.org"
		for _, o := range []store.Order{a, b} {
			_, err := s.CreateOrder(ctx, o)
			require.NoError(t, err)
		}
		find := func(q string) []string {
			t.Helper()
			os, err := s.SearchOrders(ctx, q, p.ID, 10)
			require.NoError(t, err)
			var out []string
			for _, o := range os {
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
		require.Len(t, find("example"), 2)
		other, err := s.SearchOrders(ctx, "anna", "other-performance", 10)
		require.NoError(t, err)
		require.Empty(t, other)
	})
}
