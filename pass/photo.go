package pass

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	_ "image/png" // decoders for photos
	"slices"

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp" // decoder for photos

	"github.com/seatmap/seatmap/input"
)

// PhotoTypes lists the image types a holder's photo may be uploaded as.
var PhotoTypes = []string{"image/jpeg", "image/png", "image/webp"}

// photoQuality is the stored JPEG's quality: a face on a card.
const photoQuality = 85

// NormalizePhoto decodes an uploaded photo of type contentType (as sniffed
// from its bytes) and returns it as it is stored: a JPEG (printable, and
// without the upload's metadata, such as a phone's location) of at most
// MaxPhotoSide pixels on its long side, scaled down keeping its aspect, and
// its print rendition of at most PrintPhotoSide pixels. An
// image of another type, one that does not decode, or one larger than
// MaxPhotoPixels (read from its header before it is decoded) is an
// *input.Error naming field "photo".
func NormalizePhoto(data []byte, contentType string) (Photo, error) {
	if !slices.Contains(PhotoTypes, contentType) {
		return Photo{}, &input.Error{Field: "photo", Reason: "is not a JPEG, PNG or WebP image"}
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || "image/"+format != contentType {
		return Photo{}, &input.Error{Field: "photo", Reason: "is not a readable " + contentType + " image"}
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > MaxPhotoPixels {
		return Photo{}, &input.Error{Field: "photo", Reason: fmt.Sprintf("is larger than %d pixels", MaxPhotoPixels)}
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return Photo{}, &input.Error{Field: "photo", Reason: "is not a readable " + contentType + " image"}
	}
	shown, w, h, err := scaledJPEG(img, MaxPhotoSide)
	if err != nil {
		return Photo{}, err
	}
	printed, _, _, err := scaledJPEG(img, PrintPhotoSide)
	if err != nil {
		return Photo{}, err
	}
	return Photo{ContentType: "image/jpeg", Data: shown, PrintData: printed, Width: w, Height: h}, nil
}

// scaledJPEG draws img at most side pixels on its long side (never larger
// than it is), on white (a transparent PNG's background prints white), as
// a JPEG.
func scaledJPEG(img image.Image, side int) ([]byte, int, int, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if long := max(w, h); long > side {
		w, h = max(1, w*side/long), max(1, h*side/long)
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, b, draw.Over, nil)
	var out bytes.Buffer
	if err := jpeg.Encode(&out, dst, &jpeg.Options{Quality: photoQuality}); err != nil {
		return nil, 0, 0, fmt.Errorf("encode photo: %w", err)
	}
	return out.Bytes(), w, h, nil
}
