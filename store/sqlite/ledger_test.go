package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/pass"
)

// TestLedgerAppendOnly: the ledger refuses to change or lose an entry, even
// to SQL that bypasses the adapter.
func TestLedgerAppendOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, tempPath(t))
	p := pass.Product{ID: "value", Kind: pass.KindValue, Name: "Wertkarte", Price: 5000, Currency: "EUR", Channels: []string{"box_office"}, OnSale: true}
	require.NoError(t, p.Normalize())
	p, err := s.CreateProduct(ctx, p)
	require.NoError(t, err)
	o := order.Order{ID: "o1", Number: "N1", Status: order.Paid, BuyerName: "Ada", Currency: "EUR", Total: 5000,
		Passes: pass.Sell(p, 0, 1, s.now(), time.UTC, pass.Facility{})}
	order.Issue(&o)
	o, err = s.CreateOrder(ctx, o)
	require.NoError(t, err)
	id := o.Passes[0].ID
	_, _, err = s.BookPass(ctx, pass.Booking{PassID: id, Kind: pass.EntryDebit, Amount: -3000, Opening: 5000})
	require.NoError(t, err)

	_, err = s.w.ExecContext(ctx, `UPDATE pass_ledger SET amount = 0 WHERE pass_id = $1`, id)
	require.ErrorContains(t, err, "append-only")
	_, err = s.w.ExecContext(ctx, `DELETE FROM pass_ledger WHERE pass_id = $1`, id)
	require.ErrorContains(t, err, "append-only")
	es, err := s.PassLedger(ctx, id, 0, 10)
	require.NoError(t, err)
	require.Len(t, es, 2)
	require.Equal(t, int64(-3000), es[1].Amount)
}

// BenchmarkBookPass: one debit on a value card, its transaction whole (the
// pass locked, the guarded balance update, the entry).
func BenchmarkBookPass(b *testing.B) {
	ctx := context.Background()
	s := open(b, tempPath(b))
	p := pass.Product{ID: "value", Kind: pass.KindValue, Name: "Wertkarte", Price: 5000, Currency: "EUR", Channels: []string{"box_office"},
		OnSale: true, Rules: pass.Rules{CreditLimit: pass.MaxPrice}}
	require.NoError(b, p.Normalize())
	p, err := s.CreateProduct(ctx, p)
	require.NoError(b, err)
	o := order.Order{ID: "o1", Number: "N1", Status: order.Paid, BuyerName: "Ada", Currency: "EUR", Total: 5000,
		Passes: pass.Sell(p, 0, 1, s.now(), time.UTC, pass.Facility{})}
	order.Issue(&o)
	o, err = s.CreateOrder(ctx, o)
	require.NoError(b, err)
	bk := pass.Booking{PassID: o.Passes[0].ID, Kind: pass.EntryDebit, Amount: -1, CreditLimit: pass.MaxPrice, Opening: 5000}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := s.BookPass(ctx, bk); err != nil {
			b.Fatal(err)
		}
	}
}
