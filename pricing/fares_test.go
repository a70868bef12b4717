package pricing

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/order"
)

var fareZones = []hall.Zone{{ID: "premium", Price: 8900, Currency: "EUR"}, {ID: "value", Price: 3400, Currency: "EUR"}}

func field(t *testing.T, err error) string {
	t.Helper()
	var in *input.Error
	require.True(t, errors.As(err, &in), "%v", err)
	return in.Field
}

func TestNormalizeFares(t *testing.T) {
	got, err := NormalizeFares([]Fare{
		{ID: " student ", Name: " Student ", Kind: FareReduced, Prices: map[string]int64{"premium": 4500}},
		{ID: "normal", Prices: map[string]int64{"premium": 8900}},
		{ID: "block", Name: "Block", Kind: FareFree, StaffOnly: true, Prices: map[string]int64{"value": 0}},
	}, fareZones)
	require.NoError(t, err)
	require.Equal(t, []Fare{
		{ID: "student", Name: "Student", Kind: FareReduced, Prices: map[string]int64{"premium": 4500}},
		{ID: "normal", Name: NormalFareName, Kind: FareNormal},
		{ID: "block", Name: "Block", Kind: FareFree, StaffOnly: true},
	}, got)

	_, err = NormalizeFares(nil, fareZones)
	require.Equal(t, "fares", field(t, err))
	_, err = NormalizeFares([]Fare{{ID: "normal", Kind: FareReduced, Name: "N"}}, fareZones)
	require.Equal(t, "fares[0].kind", field(t, err))
	_, err = NormalizeFares([]Fare{{ID: "normal"}, {ID: "s", Name: "S", Kind: FareReduced, Prices: map[string]int64{"premium": MaxFarePrice + 1}}}, fareZones)
	require.Equal(t, "fares[1].prices.premium", field(t, err))
	_, err = NormalizeFares([]Fare{{ID: "normal"}, {ID: "s", Name: "S", Kind: FareReduced}}, fareZones)
	require.Equal(t, "fares[1].prices", field(t, err))
	_, err = NormalizeFares([]Fare{{ID: "normal"}, {ID: "s", Name: "a\x00b", Kind: FareFree}}, fareZones)
	require.Equal(t, "fares[1].name", field(t, err))
	_, err = NormalizeFares([]Fare{{ID: "normal"}, {ID: "s", Name: "Student", Kind: FareFree}, {ID: "t", Name: "student", Kind: FareFree}}, fareZones)
	require.Equal(t, "fares[2].name", field(t, err), "names are told apart by people")
}

func TestApplyFares(t *testing.T) {
	fares := WithZones([]Fare{
		{ID: "normal", Name: NormalFareName, Kind: FareNormal},
		{ID: "student", Name: "Student", Kind: FareReduced, Prices: map[string]int64{"premium": 4500, "gone": 1}},
		{ID: "block", Name: "Block", Kind: FareFree, StaffOnly: true},
	}, fareZones)
	require.Equal(t, map[string]int64{"premium": 4500}, fares[1].Prices, "a zone removed since offers nothing")
	tickets := func() []order.Ticket {
		return []order.Ticket{{SeatID: "A1", Zone: "premium", Price: 8900}, {SeatID: "B1", Zone: "value", Price: 3400}}
	}
	ts := tickets()
	total, err := ApplyFares(ts, fares, map[string]string{"A1": "student"}, true)
	require.NoError(t, err)
	require.Equal(t, int64(4500+3400), total)
	require.Equal(t, "student", ts[0].Fare)
	require.Equal(t, "Student", ts[0].FareName)
	require.Equal(t, "normal", ts[1].Fare)

	_, err = ApplyFares(tickets(), fares, map[string]string{"B1": "block"}, true)
	require.Equal(t, "fares.B1", field(t, err), "staff only on the web")
	total, err = ApplyFares(tickets(), fares, map[string]string{"B1": "block"}, false)
	require.NoError(t, err)
	require.Equal(t, int64(8900), total)
	_, err = ApplyFares(tickets(), fares, map[string]string{"B1": "student"}, false)
	require.Equal(t, "fares.B1", field(t, err), "not offered in the zone")
	_, err = ApplyFares(tickets(), fares, map[string]string{"C1": "student"}, false)
	require.Equal(t, "fares.C1", field(t, err), "not in the hold")
	_, err = ApplyFares(tickets(), DefaultFares(), map[string]string{"A1": "x"}, false)
	require.Equal(t, "fares.A1", field(t, err))
}
