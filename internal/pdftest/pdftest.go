// Package pdftest reads PDFs in tests the way a reader does: with poppler's
// pdfinfo, pdftotext and pdftoppm (installed by make deps), not by looking at
// the bytes the writer wrote. A PDF these tools cannot open fails the test.
package pdftest

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	qr "github.com/piglig/go-qr"
)

func tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found: run `make deps` (apt-get install poppler-utils)", name)
	}
	return p
}

func write(t testing.TB, pdf []byte) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(f, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func run(t testing.TB, name string, args ...string) []byte {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(tool(t, name), args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v: %s", name, args, err, stderr.String())
	}
	return out
}

var pagesLine = regexp.MustCompile(`(?m)^Pages:\s+(\d+)`)

// Pages is the page count pdfinfo reads.
func Pages(t testing.TB, pdf []byte) int {
	t.Helper()
	m := pagesLine.FindSubmatch(run(t, "pdfinfo", write(t, pdf)))
	if m == nil {
		t.Fatal("pdfinfo: no page count")
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// Text is the document's text as pdftotext reads it, in reading order with
// the layout kept (columns stay on their lines).
func Text(t testing.TB, pdf []byte) string {
	t.Helper()
	return string(run(t, "pdftotext", "-layout", "-enc", "UTF-8", write(t, pdf), "-"))
}

// Page renders page n (from 1) at dpi as an image.
func Page(t testing.TB, pdf []byte, n, dpi int) image.Image {
	t.Helper()
	f := write(t, pdf)
	out := filepath.Join(filepath.Dir(f), "page")
	p := strconv.Itoa(n)
	run(t, "pdftoppm", "-png", "-r", strconv.Itoa(dpi), "-f", p, "-l", p, "-singlefile", f, out)
	b, err := os.ReadFile(out + ".png")
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// QR decodes the QR code inside the rectangle (in millimetres from the top
// left) of a rendered page.
func QR(t testing.TB, page image.Image, dpi int, xMM, yMM, wMM, hMM float64) string {
	t.Helper()
	px := func(mm float64) int { return int(mm / 25.4 * float64(dpi)) }
	r := image.Rect(px(xMM), px(yMM), px(xMM+wMM), px(yMM+hMM)).Intersect(page.Bounds())
	sub, ok := page.(interface {
		SubImage(image.Rectangle) image.Image
	})
	if !ok {
		t.Fatalf("page image %T cannot be cropped", page)
	}
	code, err := qr.Decode(sub.SubImage(r))
	if err != nil {
		t.Fatalf("no QR code at %v mm: %v", []float64{xMM, yMM, wMM, hMM}, err)
	}
	return code
}
