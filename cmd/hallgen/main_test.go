package main

import (
	"bytes"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/hall"
)

func TestPresetsParse(t *testing.T) {
	for preset, seats := range map[string]int{"theatre": 800, "arena": 18_000, "stadium": 80_000} {
		var out bytes.Buffer
		require.NoError(t, run([]string{"-preset", preset}, &out, io.Discard))
		h, err := hall.ParseBytes(out.Bytes())
		require.NoError(t, err)
		require.Equal(t, seats, h.N())
	}
	require.ErrorContains(t, run([]string{"-preset", "moon"}, io.Discard, io.Discard), "unknown preset")
}
