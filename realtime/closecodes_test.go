package realtime

import (
	"testing"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"
)

func TestCloseCodeTable(t *testing.T) {
	t.Parallel()
	seen := map[websocket.StatusCode]bool{}
	for _, c := range CloseCodes {
		require.False(t, seen[c.Code], "code %d listed twice", c.Code)
		seen[c.Code] = true
		// Codes a server may put on the wire: the protocol's own, or 4000-4999.
		require.True(t, (c.Code >= 1000 && c.Code <= 1014 && c.Code != 1004 && c.Code != 1005 && c.Code != 1006) || (c.Code >= 4000 && c.Code <= 4999), "%d", c.Code)
		require.NotEmpty(t, c.Name)
		require.LessOrEqual(t, len(c.Name), 123, "close reasons are at most 123 bytes")
		require.NotEmpty(t, c.Advice)
		require.False(t, c.Backoff && !c.Reconnect, "%d: backoff without reconnect", c.Code)
		got, ok := LookupCloseCode(c.Code)
		require.True(t, ok)
		require.Equal(t, c, got)
	}
	_, ok := LookupCloseCode(websocket.StatusNormalClosure)
	require.False(t, ok)

	// The contract the API document and the browser client rely on.
	contract := []struct {
		code      websocket.StatusCode
		reconnect bool
	}{
		{1001, true},  // going away
		{1008, false}, // policy violation
		{4004, false}, // performance not found
		{4008, true},  // slow client
		{4029, true},  // too many clients
	}
	for _, c := range contract {
		got, ok := LookupCloseCode(c.code)
		require.True(t, ok, "%d", c.code)
		require.Equal(t, c.reconnect, got.Reconnect, "%d", c.code)
	}
}
