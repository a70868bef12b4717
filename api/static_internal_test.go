package api

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The boot element's text cannot close the script element it sits in.
func TestBootEscapesScriptEnd(t *testing.T) {
	t.Parallel()
	b, err := bootJSON(venueJSON{TimeZone: "</script><script>alert(1)</script>"}, bootPayment{Provider: "test"})
	require.NoError(t, err)
	require.NotContains(t, string(b), "</script")
	page := withBoot([]byte("a"+bootSlot+"b"), b)
	require.Equal(t, 1, strings.Count(string(page), "</script>"))
	require.Equal(t, []byte("ab"), withBoot([]byte("ab"), b), "a page without the slot is left as it is")
}
