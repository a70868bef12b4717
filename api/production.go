package api

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/seatmap/seatmap/checkout"
	"github.com/seatmap/seatmap/documents"
	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/pass"
)

// Pass production (issue 14, seed 000): moves, history, photos, print
// batches. Staff: the seller roles (organizer, box office), who make, post,
// hand over, block and replace cards at the venue.

// changeJSON is one row of a pass's history.
type changeJSON struct {
	At    string `json:"at"`
	Actor string `json:"actor"`
	From  string `json:"from"`
	To    string `json:"to"`
	Note  string `json:"note"`
}

// passDetailJSON is a pass as staff see it on its page: its history, the
// moves its state allows, its replacement, its photo.
type passDetailJSON struct {
	passJSON
	History    []changeJSON `json:"history"`
	Moves      []string     `json:"moves"`
	ReplacedBy *string      `json:"replaced_by"`
	PrintedAt  *string      `json:"printed_at"`
	PhotoURL   *string      `json:"photo_url"`
}

func (s *Server) passDetail(c *echo.Context, p pass.Pass) (passDetailJSON, error) {
	ctx := c.Request().Context()
	prod := s.checkout.Production()
	out := passDetailJSON{passJSON: toPassJSON(p, true), History: []changeJSON{}, Moves: pass.Allowed(p.State)}
	if out.Moves == nil {
		out.Moves = []string{}
	}
	if p.ReplacedBy != "" {
		r := p.ReplacedBy
		out.ReplacedBy = &r
	}
	if !p.PrintedAt.IsZero() {
		at := rfc3339(p.PrintedAt)
		out.PrintedAt = &at
	}
	h, err := prod.History(ctx, p.ID)
	if err != nil {
		return out, err
	}
	for _, ch := range h {
		out.History = append(out.History, changeJSON{At: rfc3339(ch.At), Actor: ch.Actor, From: ch.From, To: ch.To, Note: ch.Note})
	}
	if _, err := prod.Photo(ctx, p.ID); err == nil {
		u := "/api/v1/passes/" + p.ID + "/photo"
		out.PhotoURL = &u
	} else if !errors.Is(err, checkout.ErrNoPhoto) {
		return out, err
	}
	return out, nil
}

// maxMoveBody bounds a move's body: a note.
const maxMoveBody = 4 << 10

// movePass answers POST /passes/{id}/{move} (staff): 200 with the pass
// moved; a replacement 201 with the new pass. A pass not in a state the
// move leaves from: 409 naming its state.
func (s *Server) movePass(name string) echo.HandlerFunc {
	return func(c *echo.Context) error {
		var in struct {
			Note string `json:"note"`
		}
		if c.Request().ContentLength != 0 {
			if err := decode(c, &in, maxMoveBody); err != nil {
				return err
			}
		}
		a, err := s.actorOf(c)
		if err != nil {
			return err
		}
		p, err := s.checkout.Production().Move(c.Request().Context(), c.Param("id"), name, strings.TrimSpace(in.Note), a)
		if err != nil {
			return err
		}
		out, err := s.passDetail(c, p)
		if err != nil {
			return err
		}
		status := http.StatusOK
		if name == pass.MoveReplace {
			status = http.StatusCreated
			c.Response().Header().Set("Location", "/api/v1/passes/"+p.ID)
		}
		return c.JSON(status, out)
	}
}

// putPhoto answers PUT /personalize/{token}/passes/{id}/photo: the body is
// the image (image/jpeg, image/png or image/webp, at most 5 MiB, read
// through http.MaxBytesReader). The bytes are sniffed, not trusted for
// their Content-Type: 413 above the limit, 415 for a type not taken, 422
// for bytes that are no such image; 409 once the pass is printed.
func (s *Server) putPhoto(c *echo.Context) error {
	r := c.Request()
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if !slices.Contains(pass.PhotoTypes, mt) {
		return problem(http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
			"a photo is sent as image/jpeg, image/png or image/webp")
	}
	if r.ContentLength > pass.MaxPhotoUpload {
		return photoTooLarge()
	}
	body := http.MaxBytesReader(c.Response(), r.Body, pass.MaxPhotoUpload)
	data, err := io.ReadAll(body)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return photoTooLarge()
	}
	if err != nil {
		return problem(http.StatusBadRequest, "bad-body", "Unreadable body", "the photo could not be read")
	}
	sniffed := http.DetectContentType(data)
	if !slices.Contains(pass.PhotoTypes, sniffed) {
		return &input.Error{Field: "photo", Reason: "is not a JPEG, PNG or WebP image"}
	}
	ph, err := s.checkout.Production().PutPhoto(r.Context(), c.Param("token"), c.Param("id"), data, sniffed)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, map[string]any{"pass_id": ph.PassID, "content_type": ph.ContentType, "width": ph.Width, "height": ph.Height})
}

func photoTooLarge() error {
	return problem(http.StatusRequestEntityTooLarge, "too-large", "Request body too large",
		fmt.Sprintf("a photo may have at most %d bytes (5 MiB)", pass.MaxPhotoUpload))
}

func sendPhoto(c *echo.Context, ph pass.Photo) error {
	h := c.Response().Header()
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Disposition", "inline")
	return c.Blob(http.StatusOK, ph.ContentType, ph.Data)
}

// personalizePhoto answers GET /personalize/{token}/passes/{id}/photo.
func (s *Server) personalizePhoto(c *echo.Context) error {
	ph, err := s.checkout.Production().PhotoByToken(c.Request().Context(), c.Param("token"), c.Param("id"))
	if err != nil {
		return err
	}
	return sendPhoto(c, ph)
}

// passPhoto answers GET /passes/{id}/photo (staff).
func (s *Server) passPhoto(c *echo.Context) error {
	ph, err := s.checkout.Production().Photo(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return sendPhoto(c, ph)
}

// printBatchJSON is a print batch; Passes is empty in lists.
type printBatchJSON struct {
	ID        string   `json:"id"`
	Passes    []string `json:"passes"`
	Count     int      `json:"count"`
	CreatedAt string   `json:"created_at"`
	CreatedBy string   `json:"created_by"`
	PDFURL    string   `json:"pdf_url"`
	CSVURL    string   `json:"csv_url"`
}

func toPrintBatchJSON(b pass.PrintBatch) printBatchJSON {
	out := printBatchJSON{ID: b.ID, Passes: b.Passes, Count: b.Count, CreatedAt: rfc3339(b.CreatedAt), CreatedBy: b.CreatedBy,
		PDFURL: "/api/v1/print-batches/" + b.ID + ".pdf", CSVURL: "/api/v1/print-batches/" + b.ID + ".csv"}
	if out.Passes == nil {
		out.Passes = []string{}
	}
	return out
}

// maxPrintBody bounds POST /print-batches: up to 5,000 ids.
const maxPrintBody = 512 << 10

// createPrintBatch answers POST /print-batches (staff): {} prints every
// personalized pass not yet printed (the oldest 5,000 at most), {"passes":
// [ids]} those passes, all personalized or none (409 naming the others).
// 201 with the batch; its passes are printed.
func (s *Server) createPrintBatch(c *echo.Context) error {
	var in struct {
		Passes *[]string `json:"passes"`
	}
	if err := decode(c, &in, maxPrintBody); err != nil {
		return err
	}
	a, err := s.actorOf(c)
	if err != nil {
		return err
	}
	var ids []string
	if in.Passes != nil {
		ids = *in.Passes
		if ids == nil {
			ids = []string{}
		}
	}
	b, err := s.checkout.Production().Print(c.Request().Context(), ids, a)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Location", "/api/v1/print-batches/"+b.ID)
	return c.JSON(http.StatusCreated, toPrintBatchJSON(b))
}

// listPrintBatches answers GET /print-batches (staff): newest first.
func (s *Server) listPrintBatches(c *echo.Context) error {
	limit := 50
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			return &input.Error{Field: "limit", Reason: "is not a number from 1 to 200"}
		}
		limit = n
	}
	bs, err := s.checkout.Production().Batches(c.Request().Context(), limit)
	if err != nil {
		return err
	}
	out := listJSON[printBatchJSON]{Items: make([]printBatchJSON, len(bs))}
	for i, b := range bs {
		out.Items[i] = toPrintBatchJSON(b)
	}
	return c.JSON(http.StatusOK, out)
}

// getPrintBatch answers GET /print-batches/{id} (JSON), {id}.pdf (the
// cards, one pass a page) and {id}.csv (the print data). The PDF and CSV
// read the batch a page of passes at a time; the CSV is written as it is
// read, the PDF once fpdf has assembled it (it writes a document whole).
// X-Pass-Count says how many passes (pages, rows) to expect.
func (s *Server) getPrintBatch(c *echo.Context) error {
	param := c.Param("id")
	id, format := param, "json"
	if v, ok := strings.CutSuffix(param, ".pdf"); ok {
		id, format = v, "pdf"
	} else if v, ok := strings.CutSuffix(param, ".csv"); ok {
		id, format = v, "csv"
	}
	ctx := c.Request().Context()
	prod := s.checkout.Production()
	b, err := prod.Batch(ctx, id)
	if err != nil {
		return err
	}
	if format == "json" {
		return c.JSON(http.StatusOK, toPrintBatchJSON(b))
	}
	h := c.Response().Header()
	h.Set("X-Pass-Count", strconv.Itoa(b.Count))
	h.Set("Cache-Control", "private, no-store")
	if format == "csv" {
		return s.printBatchCSV(c, prod, b)
	}
	tpl, err := s.checkout.DocumentTemplate(ctx)
	if err != nil {
		return err
	}
	cards := documents.NewPassCards("Print batch "+b.ID, tpl)
	if err := prod.EachPrinted(ctx, b, cards.Add); err != nil {
		return err
	}
	h.Set(echo.HeaderContentType, "application/pdf")
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="passes-%s.pdf"`, b.ID))
	c.Response().WriteHeader(http.StatusOK)
	w := bufio.NewWriterSize(c.Response(), 64<<10)
	if err := cards.Write(w); err != nil {
		s.log.Error("print batch pdf", "batch", b.ID, "err", err)
		return nil // the header is out: the client sees a cut document
	}
	if err := w.Flush(); err != nil {
		s.log.Warn("print batch pdf: client gone", "batch", b.ID, "err", err)
	}
	return nil
}

// printBatchCSV writes the batch's print data row by row: pass id, code,
// holder's name and birth date, product, validity, the photo's URL (staff
// route; empty without a photo).
func (s *Server) printBatchCSV(c *echo.Context, prod *checkout.Production, b pass.PrintBatch) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="passes-%s.csv"`, b.ID))
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	_ = w.Write([]string{"pass_id", "code", "holder_name", "birth_date", "product", "valid_from", "valid_to", "photo_url"})
	err := prod.EachPrinted(c.Request().Context(), b, func(it pass.PrintItem) error {
		p := it.Pass
		photo := ""
		if len(it.Photo.Data) > 0 {
			photo = "/api/v1/passes/" + p.ID + "/photo"
		}
		_ = w.Write([]string{p.ID, p.Code, csvSafe(p.Holder.Name), p.Holder.BirthDate.String(),
			csvSafe(p.ProductName), p.ValidFrom.String(), p.ValidTo.String(), photo})
		return w.Error()
	})
	w.Flush()
	if err != nil {
		s.log.Error("print batch csv", "batch", b.ID, "err", err)
	}
	return nil
}
