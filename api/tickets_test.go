package api_test

import (
	"encoding/xml"
	"image"
	"image/color"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	qr "github.com/piglig/go-qr"
	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/hall"
)

func init() {
	// The spec check validates every response; a QR code is a document
	// like any other.
	openapi3filter.RegisterBodyDecoder("image/svg+xml", openapi3filter.PlainBodyDecoder)
}

type ticketOut struct {
	ID        string  `json:"id"`
	Seat      string  `json:"seat"`
	Code      *string `json:"code"`
	SeatLabel string  `json:"seat_label"`
	Section   string  `json:"section"`
	Row       string  `json:"row"`
	Number    string  `json:"number"`
	Price     int64   `json:"price"`
	Status    string  `json:"status"`
}

type orderOut struct {
	ID        string      `json:"id"`
	Status    string      `json:"status"`
	AccessKey string      `json:"access_key"`
	Tickets   []ticketOut `json:"tickets"`
}

var svgModule = regexp.MustCompile(`M(\d+),(\d+)h(\d+)v`)

// decodeQR reads a QR code SVG back: its size in modules (the viewBox) and
// the text it holds, by drawing its modules and decoding the picture.
func decodeQR(t *testing.T, svg []byte) (int, string) {
	t.Helper()
	var doc struct {
		XMLName xml.Name `xml:"svg"`
		ViewBox string   `xml:"viewBox,attr"`
	}
	require.NoError(t, xml.Unmarshal(svg, &doc), "a well-formed SVG: %.300s", svg)
	f := strings.Fields(doc.ViewBox)
	require.Len(t, f, 4)
	dim, err := strconv.Atoi(f[2])
	require.NoError(t, err)
	const px = 8
	img := image.NewGray(image.Rect(0, 0, dim*px, dim*px))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	mods := svgModule.FindAllSubmatch(svg, -1)
	require.NotEmpty(t, mods)
	for _, m := range mods {
		x, _ := strconv.Atoi(string(m[1]))
		y, _ := strconv.Atoi(string(m[2]))
		for dy := range px {
			for dx := range px {
				img.SetGray(x*px+dx, y*px+dy, color.Gray{})
			}
		}
	}
	text, err := qr.Decode(img)
	require.NoError(t, err)
	return dim, text
}

// TestOrderTickets: an order's JSON carries one ticket per seat with id,
// seat, code and the seat's name; GET opens it to the session that made
// it, staff and the holder of its key, and is 404 to anyone else; each
// ticket's QR code holds its code. A reservation's codes are shown once it
// is paid; a refunded ticket keeps its code but has no QR code.
func TestOrderTickets(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b stack) {
		e := newEnv(t, b)
		p := e.performance(hall.Theatre(), true)
		var perf struct {
			TimeZone string `json:"time_zone"`
		}
		e.buyer().do("GET", "/api/v1/performances/"+p.ID, nil).decode(t, &perf)
		require.Equal(t, "UTC", perf.TimeZone)
		var venue struct {
			TimeZone string `json:"time_zone"`
		}
		r := e.buyer().do("GET", "/api/v1/venue", nil)
		require.Equal(t, http.StatusOK, r.status)
		r.decode(t, &venue)
		require.Equal(t, "UTC", venue.TimeZone)

		alice := e.buyer()
		r = alice.do("POST", "/api/v1/performances/"+p.ID+"/holds", map[string]any{"seats": []string{"S-R5-S10", "S-R5-S11"}})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		var h hold
		r.decode(t, &h)
		r = alice.do("POST", "/api/v1/orders", map[string]any{"hold_token": h.Token, "buyer": map[string]string{"name": "Alice", "email": "alice@example.com"}})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		var created orderOut
		r.decode(t, &created)
		require.Len(t, created.Tickets, 2)
		require.NotEmpty(t, created.AccessKey)
		for i, tk := range created.Tickets {
			require.NotEmpty(t, tk.ID)
			require.NotNil(t, tk.Code)
			require.Len(t, *tk.Code, 28)
			require.Equal(t, []string{"S-R5-S10", "S-R5-S11"}[i], tk.Seat)
			require.Equal(t, "Stalls", tk.Section)
			require.Equal(t, "5", tk.Row)
			require.Equal(t, []string{"10", "11"}[i], tk.Number)
			require.Equal(t, "Stalls, row 5, seat "+tk.Number, tk.SeatLabel)
		}
		require.NotEqual(t, *created.Tickets[0].Code, *created.Tickets[1].Code)

		order := "/api/v1/orders/" + created.ID
		var got orderOut
		r = alice.do("GET", order, nil)
		require.Equal(t, http.StatusOK, r.status)
		r.decode(t, &got)
		require.Equal(t, created, got, "the page shows what the sale answered")

		phone := e.buyer() // another device: no session of the sale
		require.Equal(t, http.StatusNotFound, phone.do("GET", order, nil).status, "no key")
		require.Equal(t, http.StatusNotFound, phone.do("GET", order+"?key=wrong"+created.AccessKey[5:], nil).status, "wrong key")
		require.Equal(t, http.StatusUnprocessableEntity, phone.do("GET", order+"?key="+strings.Repeat("k", 65), nil).status, "a key too long")
		r = phone.do("GET", order+"?key="+created.AccessKey, nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		var viaKey orderOut
		r.decode(t, &viaKey)
		require.Equal(t, created.Tickets, viaKey.Tickets)
		require.Equal(t, http.StatusOK, e.staff().do("GET", order, nil).status)

		tk := created.Tickets[0]
		qrPath := order + "/tickets/" + tk.ID + "/qr.svg"
		r = alice.do("GET", qrPath, nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Equal(t, "image/svg+xml", r.header.Get("Content-Type"))
		require.Contains(t, r.header.Get("Cache-Control"), "private")
		dim, text := decodeQR(t, r.body)
		require.Equal(t, *tk.Code, text, "the QR code holds the ticket's code")
		require.Equal(t, 25+8, dim, "version 2 (25 modules) and a quiet zone of 4")
		require.Less(t, len(r.body), 8<<10, "a small image")
		etag := r.header.Get("ETag")
		require.NotEmpty(t, etag)
		require.Equal(t, http.StatusNotModified, alice.do("GET", qrPath, nil, "If-None-Match", etag).status)
		require.Equal(t, http.StatusNotFound, phone.do("GET", qrPath, nil).status)
		require.Equal(t, http.StatusOK, phone.do("GET", qrPath+"?key="+created.AccessKey, nil).status)
		require.Equal(t, http.StatusNotFound, phone.do("GET", order+"/tickets/tnothere/qr.svg?key="+created.AccessKey, nil).status)

		// A refunded seat's ticket stays, with its code, but is no ticket
		// any more: no QR code.
		staff := e.staff()
		r = staff.do("POST", order+"/refunds", map[string]any{"seats": []string{"S-R5-S11"}, "reason": "ill"}, "Idempotency-Key", "r1")
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		r = alice.do("GET", order, nil)
		r.decode(t, &got)
		require.Equal(t, "refunded", got.Tickets[1].Status)
		require.Equal(t, created.Tickets[1].Code, got.Tickets[1].Code)
		require.Equal(t, http.StatusNotFound, alice.do("GET", order+"/tickets/"+got.Tickets[1].ID+"/qr.svg", nil).status)

		// A reservation shows no codes until it is paid.
		r = staff.do("POST", "/api/v1/performances/"+p.ID+"/holds", map[string]any{"seats": []string{"B-R1-S1"}})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		r.decode(t, &h)
		r = staff.do("POST", "/api/v1/holds/"+h.Token+"/reserve", map[string]any{"days": 2, "buyer": map[string]string{"name": "Rosa", "email": "rosa@example.com"}})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		var res orderOut
		r.decode(t, &res)
		require.Nil(t, res.Tickets[0].Code)
		require.NotEmpty(t, res.Tickets[0].ID)
		require.Equal(t, http.StatusNotFound, staff.do("GET", "/api/v1/orders/"+res.ID+"/tickets/"+res.Tickets[0].ID+"/qr.svg", nil).status)
		r = staff.do("POST", "/api/v1/orders/"+res.ID+"/pay", map[string]string{"method": "cash"})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		r.decode(t, &res)
		require.NotNil(t, res.Tickets[0].Code)
		require.Equal(t, "Balcony, row 1, seat 1", res.Tickets[0].SeatLabel)
		require.Equal(t, http.StatusOK, staff.do("GET", "/api/v1/orders/"+res.ID+"/tickets/"+res.Tickets[0].ID+"/qr.svg", nil).status)
	})
}
