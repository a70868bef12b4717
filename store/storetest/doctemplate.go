package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/report"
	"github.com/seatmap/seatmap/store/backend"
)

// runDocumentTemplate checks the documents' template (issue 17): the zero
// template before any, stored whole, each write the next version, the logo
// kept byte for byte and removed when empty.
func runDocumentTemplate(t *testing.T, open func(t *testing.T) backend.Store) {
	ctx := context.Background()
	t.Run("DocumentTemplate", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		zero, err := s.DocumentTemplate(ctx)
		require.NoError(t, err)
		require.Equal(t, 0, zero.Version)
		require.True(t, zero.Empty())

		logo := []byte("\x89PNG\r\n\x1a\n\x00\x01\x02\xff")
		v1, err := s.PutDocumentTemplate(ctx, report.Template{VenueName: "Opera", LegalDetails: "Opera GmbH\nMain St 1\nTax DE1", Footer: "Thanks",
			Logo: logo, LogoType: "image/png", UpdatedBy: "staff:org"})
		require.NoError(t, err)
		require.Equal(t, 1, v1.Version)
		got, err := s.DocumentTemplate(ctx)
		require.NoError(t, err)
		require.Equal(t, "Opera", got.VenueName)
		require.Equal(t, "Opera GmbH\nMain St 1\nTax DE1", got.LegalDetails)
		require.Equal(t, "Thanks", got.Footer)
		require.Equal(t, logo, got.Logo)
		require.Equal(t, "image/png", got.LogoType)
		require.Equal(t, "staff:org", got.UpdatedBy)
		require.True(t, v1.UpdatedAt.Equal(got.UpdatedAt))
		requireUTC(t, got.UpdatedAt)

		v2, err := s.PutDocumentTemplate(ctx, report.Template{VenueName: "Opera House", UpdatedBy: "staff:admin"})
		require.NoError(t, err)
		require.Equal(t, 2, v2.Version)
		got, err = s.DocumentTemplate(ctx)
		require.NoError(t, err)
		require.Equal(t, 2, got.Version)
		require.Equal(t, "Opera House", got.VenueName)
		require.Empty(t, got.LegalDetails, "stored whole")
		require.Nil(t, got.Logo, "the logo removed")
		require.Empty(t, got.LogoType)
	})
}

// runDocumentsDue checks which performances have documents due: started
// before the cut or cancelled, no job running, and some kind without a
// document describing their last change (an order, a number, a refund; the
// performance's creation without any).
func runDocumentsDue(t *testing.T, f *fixture, open func(t *testing.T) backend.Store) {
	ctx := context.Background()
	t.Run("DocumentsDue", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := f.hall(t, s)
		past := time.Date(2020, 5, 1, 19, 0, 0, 0, time.UTC)
		cut := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
		ended := f.perf(t, s, h, past)
		empty := f.perf(t, s, h, past)
		ancient := f.perf(t, s, h, past.AddDate(-2, 0, 0)) // before the window
		future := f.perf(t, s, h, day)
		cancelled := f.perf(t, s, h, day)
		running := f.perf(t, s, h, day)
		require.NoError(t, s.SetPerformanceStatus(ctx, cancelled.ID, catalog.Cancelled))
		require.NoError(t, s.SetPerformanceStatus(ctx, running.ID, catalog.Cancelled))
		_, _, err := s.CreateJob(ctx, catalog.Job{ID: f.id("j"), Kind: catalog.JobCancel, PerformanceID: running.ID, State: catalog.JobRunning})
		require.NoError(t, err)
		done, _, err := s.CreateJob(ctx, catalog.Job{ID: f.id("j"), Kind: catalog.JobCancel, PerformanceID: cancelled.ID, State: catalog.JobRunning})
		require.NoError(t, err)
		require.NotContains(t, dueIDs(t, s), cancelled.ID, "cancelled, its job running")
		done.State = catalog.JobDone
		_, err = s.UpdateJob(ctx, done)
		require.NoError(t, err)
		for _, p := range []catalog.Performance{ended, future, cancelled} {
			_, err := s.CreateOrder(ctx, f.order(p, "s", "", 1, 2))
			require.NoError(t, err)
		}
		numberAll(t, s)

		due := func() map[string]time.Time {
			t.Helper()
			list, err := s.DocumentsDue(ctx, cut.AddDate(-1, 0, 0), cut, len(report.DocumentKinds), 100)
			require.NoError(t, err)
			out := map[string]time.Time{}
			for _, d := range list {
				out[d.PerformanceID] = d.LastChange
				requireUTC(t, d.LastChange)
			}
			return out
		}
		got := due()
		require.Len(t, got, 3, "ended, empty and cancelled (its job done); not the future one nor one whose job runs")
		require.Contains(t, got, ended.ID)
		require.Contains(t, got, cancelled.ID)
		require.Contains(t, got, empty.ID)
		require.NotContains(t, got, ancient.ID, "started before the window")
		rows, err := s.TicketRows(ctx, ended.ID)
		require.NoError(t, err)
		var last time.Time
		for _, r := range rows {
			for _, at := range []time.Time{r.UpdatedAt, r.IssuedAt} {
				if at.After(last) {
					last = at
				}
			}
		}
		require.True(t, last.Equal(got[ended.ID]), "the last change as the documents count it: %v, %v", last, got[ended.ID])
		emptyPerf, err := s.GetPerformance(ctx, empty.ID)
		require.NoError(t, err)
		require.True(t, emptyPerf.CreatedAt.Equal(got[empty.ID]), "no sale: its creation")

		save := func(p string, kinds []string, asOf time.Time) {
			t.Helper()
			for _, k := range kinds {
				_, _, err := s.SaveDocument(ctx, report.Document{ID: f.id("doc"), PerformanceID: p, Kind: k, SHA256: f.id("sha"), AsOf: asOf,
					PDF: []byte("%PDF"), CSV: []byte("x"), CreatedBy: "system"})
				require.NoError(t, err)
			}
		}
		save(ended.ID, report.DocumentKinds[:4], got[ended.ID])
		require.Contains(t, due(), ended.ID, "one kind still missing")
		save(ended.ID, report.DocumentKinds[4:], got[ended.ID])
		save(empty.ID, report.DocumentKinds, got[empty.ID])
		save(cancelled.ID, report.DocumentKinds, got[cancelled.ID].Add(-time.Second))
		now := due()
		require.NotContains(t, now, ended.ID, "every kind describes its last change")
		require.NotContains(t, now, empty.ID)
		require.Contains(t, now, cancelled.ID, "documents older than its last change")

		// A refund is a change: due again.
		o, err := s.ListOrders(ctx, order.Filter{PerformanceID: ended.ID, Limit: 10})
		require.NoError(t, err)
		_, _, _, err = s.RefundOrder(ctx, order.RefundRequest{ID: f.id("rf"), OrderID: o[0].ID, Seats: []uint32{1}, Amount: 5000,
			Method: "cash", Reason: "ill", IdempotencyKey: "due1", Change: order.Change{Actor: "staff:desk"}})
		require.NoError(t, err)
		require.Contains(t, due(), ended.ID)
		require.True(t, due()[ended.ID].After(got[ended.ID]))
	})
}

func dueIDs(t *testing.T, s backend.Store) []string {
	ctx := context.Background()
	t.Helper()
	list, err := s.DocumentsDue(ctx, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC), len(report.DocumentKinds), 100)
	require.NoError(t, err)
	var ids []string
	for _, d := range list {
		ids = append(ids, d.PerformanceID)
	}
	return ids
}
