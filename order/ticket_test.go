package order

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/internal/ids"
)

func TestIssue(t *testing.T) {
	t.Parallel()
	o := Order{Tickets: []Ticket{{Seat: 1}, {Seat: 2, ID: "tkeep", Code: "KEEP"}}}
	Issue(&o)
	require.Len(t, o.AccessKey, 32)
	require.True(t, strings.HasPrefix(o.Tickets[0].ID, "t"))
	require.Len(t, o.Tickets[0].Code, TicketCodeLen)
	for _, c := range o.Tickets[0].Code {
		require.Contains(t, ids.Alphabet, string(c))
	}
	require.Equal(t, "tkeep", o.Tickets[1].ID, "what an order has is kept")
	require.Equal(t, "KEEP", o.Tickets[1].Code)
	key := o.AccessKey
	Issue(&o)
	require.Equal(t, key, o.AccessKey)
	require.NotEqual(t, NewTicketCode(), NewTicketCode())
}

func TestOpens(t *testing.T) {
	t.Parallel()
	o := Order{AccessKey: "abc"}
	require.True(t, Opens(o, "abc"))
	require.False(t, Opens(o, "abd"))
	require.False(t, Opens(o, ""))
	require.False(t, Opens(Order{}, ""), "an order without a key opens to no key")
}

func TestFormatTicketCode(t *testing.T) {
	t.Parallel()
	require.Equal(t, "ABCD EFGH JK", FormatTicketCode("ABCDEFGHJK"))
}
