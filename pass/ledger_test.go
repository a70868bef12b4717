package pass

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestOpeningValue(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		kind  string
		rules Rules
		price int64
		want  int64
	}{
		{"a value card holds its price", KindValue, Rules{}, 5000, 5000},
		{"or the value its product loads", KindValue, Rules{Value: 6000}, 5000, 6000},
		{"a customer card holds its product's value", KindCustomer, Rules{Value: 1000}, 2500, 1000},
		{"or nothing", KindCustomer, Rules{}, 2500, 0},
		{"a discount card carries no value", KindDiscount, Rules{DiscountGroup: "members"}, 900, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := Product{Kind: c.kind, Rules: c.rules, Price: c.price}
			require.Equal(t, c.want, p.OpeningValue(Pass{Price: c.price}))
		})
	}
}

func TestTransferState(t *testing.T) {
	t.Parallel()
	for from, want := range map[string]string{
		StateAwaitingPersonalization: StateAwaitingPersonalization, StatePersonalized: StatePersonalized,
		StatePrinted: StateHandedOver, StatePosted: StateHandedOver, StateDeposited: StateHandedOver, StateHandedOver: StateHandedOver,
		StateBlocked: "", StateReplaced: "", StateExpired: "", StateVoid: "",
	} {
		got, ok := TransferState(from)
		require.Equal(t, want, got, from)
		require.Equal(t, want != "", ok, from)
		require.Equal(t, want != "", InUse(from), from)
	}
	require.True(t, Transferable(KindDiscount))
	require.True(t, Transferable(KindValue))
	require.False(t, Transferable(KindAnnual))
}

func TestExchange(t *testing.T) {
	t.Parallel()
	annual := Product{ID: "annual", Kind: KindAnnual, Name: "Jahreskarte", Price: 8900, Currency: "EUR", Channels: []string{"web"},
		Validity: Validity{From: Date{2027, 1, 1}, To: Date{2027, 12, 31}}}
	require.NoError(t, annual.Normalize())
	v := Pass{ID: "v", OrderID: "o", Kind: KindPassVoucher, Line: 2, Unit: 1, Price: 8900, State: StateHandedOver}
	h := Holder{Name: "Ada", BirthDate: Date{1990, 1, 2}}
	at := time.Date(2027, 3, 1, 10, 0, 0, 0, time.UTC)
	got := Exchange(v, annual, h, "new", "CODE", at, time.UTC, Facility{})
	require.Equal(t, Pass{ID: "new", OrderID: "o", ProductID: "annual", ProductName: "Jahreskarte", Kind: KindAnnual, Line: 2, Unit: 1,
		Code: "CODE", State: StateHandedOver, Personalize: true, Holder: h, ValidFrom: Date{2027, 1, 1}, ValidTo: Date{2027, 12, 31},
		PrintedAt: at, CreatedAt: at, UpdatedAt: at}, got)
	require.Error(t, ExchangeTarget(Product{Kind: KindBlock}))
	require.Error(t, ExchangeTarget(Product{Kind: KindPassVoucher}))
	require.NoError(t, ExchangeTarget(annual))
}
