package main

import (
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestVenueZoneNamed: "Local" becomes a zone with a name (pages and e-mails
// name it): TZ's when set; otherwise the machine's, which in a container
// without one is UTC.
func TestVenueZoneNamed(t *testing.T) {
	t.Parallel()
	env := func(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }
	c, err := parseConfig(nil, env(map[string]string{"TZ": "Asia/Tokyo"}), io.Discard)
	require.NoError(t, err)
	require.Equal(t, "Asia/Tokyo", c.location.String())
	c, err = parseConfig(nil, env(map[string]string{"TZ": ":Europe/Berlin"}), io.Discard)
	require.NoError(t, err)
	require.Equal(t, "Europe/Berlin", c.location.String())
	c, err = parseConfig(nil, env(map[string]string{"TZ": "Europe/Berlin", "SEATD_TZ": "America/New_York"}), io.Discard)
	require.NoError(t, err)
	require.Equal(t, "America/New_York", c.location.String(), "-tz wins")
	c, err = parseConfig(nil, env(map[string]string{"TZ": "Etc/UTC"}), io.Discard)
	require.NoError(t, err)
	require.Equal(t, "UTC", c.location.String())
	c, err = parseConfig(nil, env(nil), io.Discard)
	require.NoError(t, err)
	require.NotEqual(t, "Local", c.location.String(), "the machine's zone by name")
}

func TestPublicURL(t *testing.T) {
	t.Parallel()
	noEnv := func(string) string { return "" }
	c, err := parseConfig([]string{"-public-url", "https://tickets.example.com/"}, noEnv, io.Discard)
	require.NoError(t, err)
	require.Equal(t, "https://tickets.example.com", c.publicURL)
	c, err = parseConfig(nil, func(k string) string { return map[string]string{"SEATD_PUBLIC_URL": "http://10.0.0.1:8080"}[k] }, io.Discard)
	require.NoError(t, err)
	require.Equal(t, "http://10.0.0.1:8080", c.publicURL)
	for _, bad := range []string{"tickets.example.com", "ftp://x", "https://x/?a=1", "https://x/#/y", "https://u:p@x"} {
		_, err := parseConfig([]string{"-public-url", bad}, noEnv, io.Discard)
		require.Error(t, err, bad)
	}
}
