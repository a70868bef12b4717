package documents

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/report"
)

// Bounds of a document template.
const (
	MaxVenueName    = 120
	MaxLegalDetails = 600 // characters, in at most MaxLegalLines lines
	MaxLegalLines   = 6
	MaxFooter       = 300 // characters, in at most MaxFooterLines lines
	MaxFooterLines  = 2
	MaxLogoBytes    = 512 << 10
	MaxLogoSide     = 4000 // pixels, checked from the header before decoding
)

var (
	pngMagic  = []byte("\x89PNG\r\n\x1a\n")
	jpegMagic = []byte{0xff, 0xd8, 0xff}
)

// SniffLogo tells a logo's type from its first bytes: "image/png",
// "image/jpeg" or "".
func SniffLogo(b []byte) string {
	switch {
	case bytes.HasPrefix(b, pngMagic):
		return "image/png"
	case bytes.HasPrefix(b, jpegMagic):
		return "image/jpeg"
	}
	return ""
}

// NormalizeTemplate checks a template and returns it as it is stored: text
// trimmed, line ends "\n", the logo sniffed, its header's size checked,
// decoded whole and encoded again (a PNG as an 8-bit non-interlaced PNG, a
// JPEG as a baseline JPEG), so what is stored is an image the PDF writer
// reads. The error is an *input.Error naming the field.
func NormalizeTemplate(t report.Template) (report.Template, error) {
	var err error
	if t.VenueName, err = text("venue_name", t.VenueName, MaxVenueName, 1); err != nil {
		return t, err
	}
	if t.LegalDetails, err = text("legal_details", t.LegalDetails, MaxLegalDetails, MaxLegalLines); err != nil {
		return t, err
	}
	if t.Footer, err = text("footer", t.Footer, MaxFooter, MaxFooterLines); err != nil {
		return t, err
	}
	if len(t.Logo) == 0 {
		t.Logo, t.LogoType = nil, ""
		return t, nil
	}
	if t.Logo, t.LogoType, err = normalizeLogo(t.Logo); err != nil {
		return t, err
	}
	return t, nil
}

// text trims s, makes its line ends "\n" and checks its length, its lines
// and that it holds no control characters.
func text(field, s string, max, lines int) (string, error) {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	parts := strings.Split(strings.TrimSpace(s), "\n")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	s = strings.Join(parts, "\n")
	switch {
	case !utf8.ValidString(s):
		return "", &input.Error{Field: field, Reason: "is not valid UTF-8"}
	case utf8.RuneCountInString(s) > max:
		return "", &input.Error{Field: field, Reason: fmt.Sprintf("may have at most %d characters", max)}
	case s != "" && len(parts) > lines && lines == 1:
		return "", &input.Error{Field: field, Reason: "must be one line"}
	case len(parts) > lines:
		return "", &input.Error{Field: field, Reason: fmt.Sprintf("may have at most %d lines", lines)}
	}
	for _, r := range s {
		if r != '\n' && unicode.IsControl(r) {
			return "", &input.Error{Field: field, Reason: "may not hold control characters"}
		}
	}
	return s, nil
}

func normalizeLogo(b []byte) ([]byte, string, error) {
	bad := func(reason string) error { return &input.Error{Field: "logo", Reason: reason} }
	if len(b) > MaxLogoBytes {
		return nil, "", bad(fmt.Sprintf("may have at most %d KiB", MaxLogoBytes>>10))
	}
	kind := SniffLogo(b)
	if kind == "" {
		return nil, "", bad("is not a PNG or JPEG image")
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, "", bad("is not a readable PNG or JPEG image")
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > MaxLogoSide || cfg.Height > MaxLogoSide {
		return nil, "", bad(fmt.Sprintf("must be at most %d×%d pixels", MaxLogoSide, MaxLogoSide))
	}
	var img image.Image
	if kind == "image/png" {
		img, err = png.Decode(bytes.NewReader(b))
	} else {
		img, err = jpeg.Decode(bytes.NewReader(b))
	}
	if err != nil {
		return nil, "", bad("is not a readable PNG or JPEG image")
	}
	var out bytes.Buffer
	if kind == "image/png" {
		// 8 bits a channel, not interlaced: what the PDF writer embeds.
		n := image.NewNRGBA(img.Bounds())
		draw.Draw(n, n.Bounds(), img, img.Bounds().Min, draw.Src)
		err = (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&out, n)
	} else {
		err = jpeg.Encode(&out, img, &jpeg.Options{Quality: 90})
	}
	if err != nil {
		return nil, "", fmt.Errorf("logo: %w", err)
	}
	if out.Len() > MaxLogoBytes {
		return nil, "", bad(fmt.Sprintf("may have at most %d KiB once stored: use a smaller image", MaxLogoBytes>>10))
	}
	return out.Bytes(), kind, nil
}
