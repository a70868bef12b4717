package api_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/documents"
	"github.com/seatmap/seatmap/internal/pdftest"
	"github.com/seatmap/seatmap/staff"
)

type passDetail struct {
	personalizedPass
	History []struct {
		Actor, From, To, Note string
	} `json:"history"`
	Moves      []string `json:"moves"`
	ReplacedBy *string  `json:"replaced_by"`
	PhotoURL   *string  `json:"photo_url"`
}

type printBatch struct {
	ID     string   `json:"id"`
	Passes []string `json:"passes"`
	Count  int      `json:"count"`
	PDFURL string   `json:"pdf_url"`
	CSVURL string   `json:"csv_url"`
}

func testPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 120, 255})
		}
	}
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return b.Bytes()
}

// Issue 14's acceptance, production half: 3 annual passes at 89.00 bought
// on the web, personalized (one with a photo), printed in a batch (a
// 3-page PDF, a CSV), two posted, one deposited and handed over; bad
// input and wrong states refused with nothing changed.
func TestPassProduction(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b)
			org, _ := e.staffUser(staff.RoleOrganizer)
			clerk, _ := e.staffUser(staff.RoleBoxOffice)
			annual := org.createProduct(t, annualBody)
			buy := func(n int) passOrder {
				r := e.buyer().do("POST", "/api/v1/orders", buyBody(item(annual.ID, n)))
				require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
				var o passOrder
				r.decode(t, &o)
				return o
			}
			o, other := buy(3), buy(1)
			require.Equal(t, int64(26700), o.Total)
			require.Len(t, o.Passes, 3)
			link := *o.PersonalizeURL
			ids := []string{o.Passes[0].ID, o.Passes[1].ID, o.Passes[2].ID}
			buyer := e.buyer()
			for i, id := range ids {
				r := buyer.do("PUT", link+"/passes/"+id, holderBody([]string{"Ada", "Grace", "Jürgen Müller"}[i], "1990-12-10"))
				require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			}

			// The photo: a large PNG is stored as a JPEG of 600 px at most.
			photoURL := link + "/passes/" + ids[0] + "/photo"
			r := buyer.do("PUT", photoURL, testPNG(t, 1200, 900), "Content-Type", "image/png")
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			var stored struct {
				ContentType   string `json:"content_type"`
				Width, Height int
			}
			r.decode(t, &stored)
			require.Equal(t, "image/jpeg", stored.ContentType)
			require.Equal(t, [2]int{600, 450}, [2]int{stored.Width, stored.Height})
			r = buyer.do("GET", photoURL, nil)
			require.Equal(t, http.StatusOK, r.status)
			require.Equal(t, "image/jpeg", r.header.Get("Content-Type"))
			jpegBytes := r.body
			cfg, format, err := image.DecodeConfig(bytes.NewReader(jpegBytes))
			require.NoError(t, err)
			require.Equal(t, "jpeg", format)
			require.Equal(t, 600, cfg.Width)

			// Bad photos: nothing changed.
			for name, c := range map[string]struct {
				url, ct string
				body    []byte
				status  int
			}{
				"20 MB":            {photoURL, "image/jpeg", bytes.Repeat([]byte{0xff}, 20<<20), http.StatusRequestEntityTooLarge},
				"not an image":     {photoURL, "image/png", []byte("<html>not an image</html>"), http.StatusUnprocessableEntity},
				"wrong type":       {photoURL, "image/gif", []byte("GIF89a"), http.StatusUnsupportedMediaType},
				"another token":    {*other.PersonalizeURL + "/passes/" + ids[0] + "/photo", "image/png", testPNG(t, 10, 10), http.StatusNotFound},
				"png sent as jpeg": {photoURL, "image/jpeg", []byte("\x89PNG\r\n\x1a\n broken"), http.StatusUnprocessableEntity},
			} {
				r := buyer.do("PUT", c.url, c.body, "Content-Type", c.ct)
				require.Equal(t, c.status, r.status, "%s: %s", name, r.body)
				r.problem(t)
			}
			r = buyer.do("GET", photoURL, nil)
			require.Equal(t, jpegBytes, r.body, "the stored photo is unchanged")
			r = buyer.do("GET", *other.PersonalizeURL+"/passes/"+ids[0]+"/photo", nil)
			require.Equal(t, http.StatusNotFound, r.status)

			// Staff see the history; buyers may not print or move passes.
			var d passDetail
			clerk.do("GET", "/api/v1/passes/"+ids[0], nil).decode(t, &d)
			require.Len(t, d.History, 2)
			require.Equal(t, "buyer", d.History[1].Actor)
			require.Equal(t, "personalized", d.History[1].To)
			require.Equal(t, []string{"block"}, d.Moves)
			require.NotNil(t, d.PhotoURL)
			r = clerk.do("GET", *d.PhotoURL, nil)
			require.Equal(t, jpegBytes, r.body)
			require.Equal(t, http.StatusUnauthorized, buyer.do("POST", "/api/v1/print-batches", map[string]any{}).status)
			require.Equal(t, http.StatusUnauthorized, buyer.do("POST", "/api/v1/passes/"+ids[0]+"/block", nil).status)

			// A list with a pass not personalized: 409 naming it, nothing printed.
			r = clerk.do("POST", "/api/v1/print-batches", map[string]any{"passes": []string{ids[0], other.Passes[0].ID}})
			require.Equal(t, http.StatusConflict, r.status, "%s", r.body)
			p := r.problem(t)
			require.Contains(t, p.Type, "passes-not-personalized")
			require.Len(t, p.Passes, 1)
			require.Equal(t, other.Passes[0].ID, p.Passes[0].ID)
			require.Equal(t, "awaiting_personalization", p.Passes[0].State)
			clerk.do("GET", "/api/v1/passes/"+ids[0], nil).decode(t, &d)
			require.Equal(t, "personalized", d.State)

			// {}: the three personalized passes.
			r = clerk.do("POST", "/api/v1/print-batches", map[string]any{})
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			var pb printBatch
			r.decode(t, &pb)
			require.Equal(t, 3, pb.Count)
			require.ElementsMatch(t, ids, pb.Passes)
			r = clerk.do("POST", "/api/v1/print-batches", map[string]any{})
			require.Equal(t, http.StatusConflict, r.status, "nothing left to print")

			// Printed with the document template (issue 17).
			r = e.staff().do("PUT", "/api/v1/document-template", map[string]any{"venue_name": "Большой театр", "footer": "Возврат — в кассе"})
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			r = clerk.do("GET", pb.PDFURL, nil)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			require.Equal(t, "application/pdf", r.header.Get("Content-Type"))
			require.Equal(t, "3", r.header.Get("X-Pass-Count"))
			require.Equal(t, 3, documents.PageCount(r.body))
			cards := pdftest.Text(t, r.body)
			require.Equal(t, 3, strings.Count(cards, "Большой театр"), "the venue on every card:\n%s", cards)
			require.Equal(t, 3, strings.Count(cards, "Возврат — в кассе"), "the footer on every card")
			require.Equal(t, 3, strings.Count(string(r.body), "/Type /Page")-strings.Count(string(r.body), "/Type /Pages"), "three page objects")
			r = clerk.do("GET", pb.CSVURL, nil)
			require.Equal(t, http.StatusOK, r.status)
			rows, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
			require.NoError(t, err)
			require.Len(t, rows, 4)
			require.Equal(t, []string{"pass_id", "code", "holder_name", "birth_date", "product", "valid_from", "valid_to", "photo_url"}, rows[0])
			withPhoto := 0
			for _, row := range rows[1:] {
				require.Contains(t, ids, row[0])
				require.Equal(t, "Jahreskarte 2027", row[4])
				require.Equal(t, "2027-01-01", row[5])
				if row[7] != "" {
					withPhoto++
					require.Equal(t, "/api/v1/passes/"+ids[0]+"/photo", row[7])
				}
			}
			require.Equal(t, 1, withPhoto)
			var list struct{ Items []printBatch }
			clerk.do("GET", "/api/v1/print-batches", nil).decode(t, &list)
			require.Len(t, list.Items, 1)
			require.Equal(t, http.StatusNotFound, clerk.do("GET", "/api/v1/print-batches/pb-none.pdf", nil).status)

			// Printed: renaming and a new photo refused, nothing changed.
			r = buyer.do("PUT", link+"/passes/"+ids[1], holderBody("Someone Else", "1980-01-01"))
			require.Equal(t, http.StatusConflict, r.status, "%s", r.body)
			r = buyer.do("PUT", photoURL, testPNG(t, 20, 20), "Content-Type", "image/png")
			require.Equal(t, http.StatusConflict, r.status, "%s", r.body)
			require.Equal(t, jpegBytes, buyer.do("GET", photoURL, nil).body)
			clerk.do("GET", "/api/v1/passes/"+ids[1], nil).decode(t, &d)
			require.Equal(t, "Grace", d.Holder.Name)
			require.Equal(t, "printed", d.State)
			require.Equal(t, []string{"ship", "deposit", "block", "replace"}, d.Moves)

			// Post two, deposit one, hand it over.
			move := func(id, m string, status int) passDetail {
				t.Helper()
				r := clerk.do("POST", "/api/v1/passes/"+id+"/"+m, map[string]string{"note": m + " by test"})
				require.Equal(t, status, r.status, "%s", r.body)
				var d passDetail
				if status < 300 {
					r.decode(t, &d)
				} else {
					require.Contains(t, r.problem(t).Type, "pass-state")
				}
				return d
			}
			require.Equal(t, "posted", move(ids[0], "ship", http.StatusOK).State)
			require.Equal(t, "posted", move(ids[1], "ship", http.StatusOK).State)
			require.Equal(t, "deposited", move(ids[2], "deposit", http.StatusOK).State)
			r = clerk.do("POST", "/api/v1/passes/"+ids[0]+"/deposit", nil)
			require.Equal(t, http.StatusConflict, r.status)
			require.Equal(t, "posted", r.problem(t).State, "the 409 names the state")
			d = move(ids[2], "hand-over", http.StatusOK)
			require.Equal(t, "handed_over", d.State)
			last := d.History[len(d.History)-1]
			require.Equal(t, "hand-over by test", last.Note)
			require.Equal(t, "deposited", last.From)

			// Two hand-overs at once: one wins.
			var wg sync.WaitGroup
			statuses := make([]int, 2)
			for i := range statuses {
				wg.Go(func() { statuses[i] = clerk.do("POST", "/api/v1/passes/"+ids[1]+"/hand-over", nil).status })
			}
			wg.Wait()
			require.ElementsMatch(t, []int{http.StatusOK, http.StatusConflict}, statuses)

			// Block and unblock return to the state; a lost card is replaced.
			require.Equal(t, "blocked", move(ids[0], "block", http.StatusOK).State)
			move(ids[0], "ship", http.StatusConflict)
			require.Equal(t, "posted", move(ids[0], "unblock", http.StatusOK).State)
			repl := move(ids[0], "replace", http.StatusCreated)
			require.NotEqual(t, ids[0], repl.ID)
			require.Equal(t, "personalized", repl.State, "printed again")
			require.Equal(t, "Ada", repl.Holder.Name)
			require.NotNil(t, repl.Code)
			require.NotEqual(t, *o.Passes[0].Code, *repl.Code)
			require.NotNil(t, repl.PhotoURL, "the photo goes with the holder")
			clerk.do("GET", "/api/v1/passes/"+ids[0], nil).decode(t, &d)
			require.Equal(t, "replaced", d.State)
			require.Equal(t, repl.ID, *d.ReplacedBy)
			require.Empty(t, d.Moves, "replaced is terminal")
			move(ids[0], "unblock", http.StatusConflict)
			// The old code's QR is gone with it; the order lists both.
			var after passOrder
			e.buyer().do("GET", "/api/v1/orders/"+o.ID+"?key="+o.AccessKey, nil).decode(t, &after)
			require.Len(t, after.Passes, 4)
			qr := func(id string) int {
				return e.buyer().do("GET", "/api/v1/orders/"+o.ID+"/passes/"+id+"/qr.svg?key="+o.AccessKey, nil).status
			}
			require.Equal(t, http.StatusNotFound, qr(ids[0]), "the replaced card's code is dead")
			require.Equal(t, http.StatusOK, qr(repl.ID))
			require.Equal(t, http.StatusNotFound, clerk.do("POST", "/api/v1/passes/ps-none/ship", nil).status)
		})
	}
}

// facePNG is a photo as a phone's would be once scaled: 480 × 640, a
// gradient with noise, so that every holder's photo is its own and
// compresses as a photo does (about 60 KB as the stored JPEG).
func facePNG(t *testing.T, rng *rand.Rand) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 480, 640))
	for y := range 640 {
		for x := range 480 {
			n := uint8(rng.IntN(24))
			img.Set(x, y, color.RGBA{uint8(x/2) + n, uint8(y/3) + n, 120 + n, 255})
		}
	}
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return b.Bytes()
}

// TestPrintBatchOf1000 prints a batch of 1,000 personalized passes, each
// with its own photo, through the API and reads its PDF and CSV: the time
// of each step and the heap's peak while the PDF is made, for
// BENCHMARKS.md (Issue 14). Slow (1,000 photos uploaded): run with
// SEATMAP_PRINT_1000=1.
func TestPrintBatchOf1000(t *testing.T) {
	if os.Getenv("SEATMAP_PRINT_1000") == "" {
		t.Skip("set SEATMAP_PRINT_1000=1 to print a batch of 1,000 passes")
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			e := newEnv(t, b)
			org, _ := e.staffUser(staff.RoleOrganizer)
			annual := org.createProduct(t, annualBody)
			start := time.Now()
			var ids []string
			rng := rand.New(rand.NewPCG(1, 2))
			for range 10 {
				r := e.buyer().do("POST", "/api/v1/orders", buyBody(item(annual.ID, 100)))
				require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
				var o passOrder
				r.decode(t, &o)
				link := *o.PersonalizeURL
				buyer := e.buyer()
				for i, p := range o.Passes {
					r := buyer.do("PUT", link+"/passes/"+p.ID, holderBody(fmt.Sprintf("Holder %d", len(ids)+i), "1980-01-01"))
					require.Equal(t, http.StatusOK, r.status, "%s", r.body)
					r = buyer.do("PUT", link+"/passes/"+p.ID+"/photo", facePNG(t, rng), "Content-Type", "image/png")
					require.Equal(t, http.StatusOK, r.status, "%s", r.body)
				}
				for _, p := range o.Passes {
					ids = append(ids, p.ID)
				}
			}
			t.Logf("1,000 passes sold, personalized and photographed in %s", time.Since(start).Round(time.Millisecond))

			start = time.Now()
			r := org.do("POST", "/api/v1/print-batches", map[string]any{})
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			var pb printBatch
			r.decode(t, &pb)
			require.Equal(t, 1000, pb.Count)
			t.Logf("POST /print-batches (1,000 printed): %s", time.Since(start).Round(time.Millisecond))

			var before runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			var peak atomic.Uint64
			done := make(chan struct{})
			var wg sync.WaitGroup
			wg.Go(func() {
				for {
					var m runtime.MemStats
					runtime.ReadMemStats(&m)
					if m.HeapAlloc > peak.Load() {
						peak.Store(m.HeapAlloc)
					}
					select {
					case <-done:
						return
					case <-time.After(5 * time.Millisecond):
					}
				}
			})
			start = time.Now()
			r = org.do("GET", pb.PDFURL, nil)
			took := time.Since(start)
			close(done)
			wg.Wait()
			require.Equal(t, http.StatusOK, r.status)
			require.Equal(t, 1000, documents.PageCount(r.body))
			t.Logf("GET {id}.pdf: %s, %.1f MB, heap peak %.0f MB above the %.0f MB before (the test's client holds the body too)",
				took.Round(time.Millisecond), float64(len(r.body))/(1<<20), float64(peak.Load()-min(peak.Load(), before.HeapAlloc))/(1<<20), float64(before.HeapAlloc)/(1<<20))
			start = time.Now()
			r = org.do("GET", pb.CSVURL, nil)
			require.Equal(t, http.StatusOK, r.status)
			rows, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
			require.NoError(t, err)
			require.Len(t, rows, 1001)
			t.Logf("GET {id}.csv: %s", time.Since(start).Round(time.Millisecond))
		})
	}
}
