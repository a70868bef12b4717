package pass_test

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/pass"
)

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, h/2, color.NRGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return b.Bytes()
}

func TestNormalizePhoto(t *testing.T) {
	t.Parallel()
	t.Run("large is scaled to 600 on its long side", func(t *testing.T) {
		t.Parallel()
		ph, err := pass.NormalizePhoto(pngOf(t, 1200, 1600), "image/png")
		require.NoError(t, err)
		require.Equal(t, "image/jpeg", ph.ContentType)
		require.Equal(t, [2]int{450, 600}, [2]int{ph.Width, ph.Height})
		img, err := jpeg.Decode(bytes.NewReader(ph.Data))
		require.NoError(t, err)
		require.Equal(t, image.Rect(0, 0, 450, 600), img.Bounds())
		printed, err := jpeg.Decode(bytes.NewReader(ph.PrintData))
		require.NoError(t, err)
		require.Equal(t, image.Rect(0, 0, 240, 320), printed.Bounds(), "the print rendition")
	})
	t.Run("small keeps its size", func(t *testing.T) {
		t.Parallel()
		ph, err := pass.NormalizePhoto(pngOf(t, 30, 40), "image/png")
		require.NoError(t, err)
		require.Equal(t, [2]int{30, 40}, [2]int{ph.Width, ph.Height})
	})
	for name, c := range map[string]struct {
		data []byte
		ct   string
	}{
		"text":             {[]byte("hello, not an image"), "image/png"},
		"type not allowed": {[]byte("GIF89a"), "image/gif"},
		"type mismatch":    {pngOf(t, 3, 3), "image/jpeg"},
		"truncated":        {pngOf(t, 30, 30)[:40], "image/png"},
		"bomb": {func() []byte { // a header that claims 100,000 × 100,000
			b := pngOf(t, 1, 1)
			b[16], b[17], b[18], b[19] = 0, 1, 0x86, 0xa0
			b[20], b[21], b[22], b[23] = 0, 1, 0x86, 0xa0
			return b
		}(), "image/png"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := pass.NormalizePhoto(c.data, c.ct)
			var bad *input.Error
			require.ErrorAs(t, err, &bad)
			require.Equal(t, "photo", bad.Field)
		})
	}
}
