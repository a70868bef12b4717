package documents

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/seatmap/seatmap/money"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/report"
)

// Input is what a performance's document is made of, read by the caller in
// one go: the sales report's figures (so the realization report equals it
// to the cent), the tickets of its issued orders with their numbers, its
// refunds and the numbers voided.
type Input struct {
	Kind          string
	PerformanceID string
	Performance   string // its name
	When          string // its start, written in the venue's zone
	Status        string // on_sale, stopped, cancelled, rescheduled, …
	Currency      string
	ZoneNames     map[string]string // zone id → name
	Sales         report.Sales
	Tickets       []report.TicketRow
	Refunds       []order.Refund
	Voided        []order.TicketNumber
	// AsOf is the moment the document describes; zero: LastChange.
	AsOf time.Time
	// Template is the letterhead and footer printed on every page (as
	// NormalizeTemplate left it). It is part of the input: another template,
	// other bytes, so a new version on the next make.
	Template report.Template
	// Period is a period's document's day (YYYY-MM-DD in the venue's zone)
	// or its days (YYYY-MM-DD/YYYY-MM-DD, both included), "" for a
	// performance's; Cashier its lines (KindCashierDay).
	Period  string
	Cashier []report.CashierLine
	// Parts are the performances of a period's document of a performance's
	// kind (act of issue, act of return, realization, ticket movement,
	// settlement): those starting in [From, To), the period's days on the
	// venue's clock.
	Parts    []Part
	From, To time.Time
}

// LastChange is the latest change the input counts: an order's, a number
// drawn or voided, a refund. A document made again with nothing changed has
// the same moment, and so the same bytes.
func (in Input) LastChange() time.Time {
	var t time.Time
	later := func(c time.Time) {
		if c.After(t) {
			t = c
		}
	}
	for _, r := range in.Tickets {
		later(r.UpdatedAt)
		later(r.IssuedAt)
	}
	for _, r := range in.Refunds {
		later(r.CreatedAt)
	}
	for _, v := range in.Voided {
		later(v.VoidedAt)
	}
	for _, l := range in.Cashier {
		later(l.Last)
	}
	for _, p := range in.Parts {
		later(Input{Tickets: p.Tickets, Refunds: p.Refunds, Voided: p.Voided}.LastChange())
	}
	return t
}

// Titles of the kinds, as printed.
var titles = map[string]string{
	report.KindActIssue:       "Act of issue",
	report.KindActReturn:      "Act of return",
	report.KindRealization:    "Realization report",
	report.KindTicketMovement: "Ticket movement",
	report.KindSettlement:     "Organizer settlement",
	report.KindCashierDay:     "Cashier's day report",
}

// Title is how a kind is named on the page.
func Title(kind string) string { return titles[kind] }

// table is a document's content: key figures, then rows under a header. The
// CSV holds the rows (the figures too for the summaries); the PDF both.
type table struct {
	facts  [][2]string
	header []string
	rows   [][]string
	widths []float64 // relative column widths
	right  []bool    // right-aligned columns (amounts, counts)
}

// Render makes a document's PDF and CSV. The same input gives the same
// bytes: the PDF's dates are the input's moment, nothing random is written.
func Render(in Input) (pdfBytes, csvBytes []byte, err error) {
	if in.AsOf.IsZero() {
		in.AsOf = in.LastChange()
	}
	var t table
	switch {
	case in.Period != "" && in.Kind != report.KindCashierDay && report.KnownKind(in.Kind):
		t = periodTable(in)
	default:
		t, err = performanceTable(in)
		if err != nil {
			return nil, nil, err
		}
	}
	return write(in, t)
}

// performanceTable is a performance's document (or a day's).
func performanceTable(in Input) (table, error) {
	var t table
	switch in.Kind {
	case report.KindActIssue:
		t = actIssue(in)
	case report.KindActReturn:
		t = actReturn(in)
	case report.KindRealization:
		t = realization(in)
	case report.KindTicketMovement:
		t = ticketMovement(in)
	case report.KindSettlement:
		t = settlement(in)
	case report.KindCashierDay:
		t = cashierDay(in)
	default:
		return t, fmt.Errorf("documents: unknown kind %q", in.Kind)
	}
	return t, nil
}

// write is Render's second half: the table as a CSV and a PDF.
func write(in Input, t table) (pdfBytes, csvBytes []byte, err error) {
	var c bytes.Buffer
	w := csv.NewWriter(&c)
	if err := w.Write(t.header); err != nil {
		return nil, nil, err
	}
	if err := w.WriteAll(t.rows); err != nil {
		return nil, nil, err
	}
	p, err := t.pdf(in)
	if err != nil {
		return nil, nil, err
	}
	return p, c.Bytes(), nil
}

// Hash is a document's SHA-256: of its PDF and its CSV, each prefixed by its
// length, in hex.
func Hash(pdf, csv []byte) string {
	h := sha256.New()
	for _, b := range [][]byte{pdf, csv} {
		fmt.Fprintf(h, "%d:", len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (in Input) amount(minor int64) string { return money.Decimal(minor, in.Currency) }

func (in Input) zone(id string) string {
	if n := in.ZoneNames[id]; n != "" {
		return n
	}
	return id
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func form(r report.TicketRow) string {
	if r.Series == "" {
		return ""
	}
	return order.FormNumber(r.Series, r.Number)
}

func actIssue(in Input) table {
	t := table{
		header: []string{"form", "ticket_id", "order", "seat", "zone", "price", "currency", "issued_at", "status"},
		widths: []float64{2.2, 0, 2.2, 2.4, 2, 1.6, 0, 0, 1.4}, right: []bool{false, false, false, false, false, true, false, false, false},
	}
	var sum int64
	for _, r := range in.Tickets {
		t.rows = append(t.rows, []string{form(r), r.TicketID, r.OrderNumber, r.SeatID, in.zone(r.Zone), in.amount(r.Price), in.Currency, stamp(r.IssuedAt), r.Status})
		sum += r.Price
	}
	t.facts = [][2]string{{"Tickets issued", strconv.Itoa(len(in.Tickets))}, {"Face value", in.amount(sum) + " " + in.Currency}}
	return t
}

func actReturn(in Input) table {
	t := table{
		header: []string{"refund_id", "refunded_at", "order", "forms", "seats", "amount", "currency", "method", "reason"},
		widths: []float64{0, 2.6, 2.2, 3.2, 2.4, 1.6, 0, 1.2, 2}, right: []bool{false, false, false, false, false, true, false, false, false},
	}
	type key struct {
		order string
		seat  uint32
	}
	rows := map[key]report.TicketRow{}
	number := map[string]string{}
	for _, r := range in.Tickets {
		rows[key{r.OrderID, r.Seat}] = r
		number[r.OrderID] = r.OrderNumber
	}
	var sum int64
	returned := 0
	for _, rf := range in.Refunds {
		var forms, seats []string
		for _, s := range rf.Seats {
			r := rows[key{rf.OrderID, s}]
			forms, seats = append(forms, form(r)), append(seats, r.SeatID)
			returned++
		}
		t.rows = append(t.rows, []string{rf.ID, stamp(rf.CreatedAt), number[rf.OrderID], strings.Join(forms, " "), strings.Join(seats, " "),
			in.amount(rf.Amount), in.Currency, rf.Method, rf.Reason})
		sum += rf.Amount
	}
	t.facts = [][2]string{{"Tickets returned", strconv.Itoa(returned)}, {"Refunds", strconv.Itoa(len(in.Refunds))},
		{"Refunded", in.amount(sum) + " " + in.Currency}}
	return t
}

func realization(in Input) table {
	t := table{
		header: []string{"line", "key", "tickets_issued", "tickets_returned", "tickets_net", "gross", "discounts", "refunded", "net", "currency"},
		widths: []float64{1.3, 2.2, 1.4, 1.4, 1.4, 1.6, 1.6, 1.6, 1.6, 0}, right: []bool{false, false, true, true, true, true, true, true, true, false},
	}
	line := func(kind, key string, f report.Figures) {
		t.rows = append(t.rows, []string{kind, key, strconv.Itoa(f.Seats + f.RefundedSeats), strconv.Itoa(f.RefundedSeats), strconv.Itoa(f.Seats),
			in.amount(f.Gross), in.amount(f.Discounts), in.amount(f.Refunded), in.amount(f.Net), in.Currency})
	}
	f := in.Sales.Total
	line("total", "", f)
	for _, z := range in.Sales.Zones {
		line("zone", in.zone(z.Key), z.Figures)
	}
	for _, c := range in.Sales.Channels {
		line("channel", c.Key, c.Figures)
	}
	t.facts = [][2]string{
		{"Tickets issued", strconv.Itoa(f.Seats + f.RefundedSeats)}, {"Tickets returned", strconv.Itoa(f.RefundedSeats)}, {"Tickets net", strconv.Itoa(f.Seats)},
		{"Gross", in.amount(f.Gross) + " " + in.Currency}, {"Discounts", in.amount(f.Discounts) + " " + in.Currency},
		{"Refunded", in.amount(f.Refunded) + " " + in.Currency}, {"Net", in.amount(f.Net) + " " + in.Currency},
	}
	return t
}

func ticketMovement(in Input) table {
	t := table{
		header: []string{"series", "opening", "issued", "returned", "voided", "closing"},
		widths: []float64{1, 1, 1, 1, 1, 1}, right: []bool{false, true, true, true, true, true},
	}
	type counts struct{ issued, returned, voided int }
	by := map[string]*counts{}
	get := func(s string) *counts {
		if by[s] == nil {
			by[s] = &counts{}
		}
		return by[s]
	}
	for _, r := range in.Tickets {
		c := get(r.Series)
		c.issued++
		if r.Status == order.TicketRefunded {
			c.returned++
		}
	}
	for _, v := range in.Voided {
		c := get(v.Series)
		c.issued++
		c.voided++
	}
	series := make([]string, 0, len(by))
	for s := range by {
		series = append(series, s)
	}
	slices.Sort(series)
	var total counts
	for _, s := range series {
		c := by[s]
		name := s
		if name == "" {
			name = "(not numbered yet)"
		}
		t.rows = append(t.rows, []string{name, "0", strconv.Itoa(c.issued), strconv.Itoa(c.returned), strconv.Itoa(c.voided),
			strconv.Itoa(c.issued - c.returned - c.voided)})
		total.issued, total.returned, total.voided = total.issued+c.issued, total.returned+c.returned, total.voided+c.voided
	}
	t.facts = [][2]string{{"Opening", "0"}, {"Issued", strconv.Itoa(total.issued)}, {"Returned", strconv.Itoa(total.returned)},
		{"Voided (printed again)", strconv.Itoa(total.voided)}, {"Closing (valid tickets)", strconv.Itoa(total.issued - total.returned - total.voided)}}
	return t
}

func settlement(in Input) table {
	f := in.Sales.Total
	t := table{header: []string{"item", "amount", "currency"}, widths: []float64{4, 2, 1}, right: []bool{false, true, false}}
	for _, l := range [][2]any{{"gross", f.Gross}, {"discounts", -f.Discounts}, {"refunded", -f.Refunded}, {"net", f.Net},
		{"fees", int64(0)}, {"owed_to_organizer", f.Net}} {
		t.rows = append(t.rows, []string{l[0].(string), in.amount(l[1].(int64)), in.Currency})
	}
	note := "The performance's revenue as sold, less refunds."
	switch in.Status {
	case "rescheduled":
		note = "Rescheduled: paid out as if it had taken place (its orders moved to the replacement date; their money stays here)."
	case "cancelled":
		note = "Cancelled: every paid order refunded."
	}
	t.facts = [][2]string{{"Owed to the organizer", in.amount(f.Net) + " " + in.Currency}, {"Note", note}}
	return t
}

// cashierDay is the cashier's day report: by staff member, till and payment
// method, what was sold and given back, and each staff member's net.
func cashierDay(in Input) table {
	t := table{
		header: []string{"staff", "till", "method", "orders", "sold", "refunds", "refunded", "net", "currency"},
		widths: []float64{2.4, 1.6, 1.2, 1, 1.6, 1, 1.6, 1.6, 0}, right: []bool{false, false, false, true, true, true, true, true, false},
	}
	var sold, refunded int64
	orders, refunds := 0, 0
	for _, l := range in.Cashier {
		t.rows = append(t.rows, []string{l.Staff, l.Till, l.Method, strconv.Itoa(l.Orders), in.amount(l.Sold), strconv.Itoa(l.Refunds),
			in.amount(l.Refunded), in.amount(l.Sold - l.Refunded), l.Currency})
		sold, refunded, orders, refunds = sold+l.Sold, refunded+l.Refunded, orders+l.Orders, refunds+l.Refunds
	}
	t.facts = [][2]string{{"Orders sold by staff", strconv.Itoa(orders)}, {"Sold", in.amount(sold) + " " + in.Currency},
		{"Refunds given by staff", strconv.Itoa(refunds)}, {"Refunded", in.amount(refunded) + " " + in.Currency},
		{"Net", in.amount(sold-refunded) + " " + in.Currency}}
	return t
}

// pdf lays the table out on A4, landscape for wide tables, the header
// repeated on every page.
func (t table) pdf(in Input) ([]byte, error) {
	orient := "P"
	if len(t.header) > 6 {
		orient = "L"
	}
	pdf := fpdf.New(orient, "mm", "A4", "")
	// The same input, the same bytes: resources in a fixed order (fpdf
	// keeps them in maps), the dates the input's moment.
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(in.AsOf)
	pdf.SetModificationDate(in.AsOf)
	pdf.SetCreator("seatmap", true)
	title := Title(in.Kind)
	pdf.SetTitle(title+" - "+in.Performance, true)
	pdf.SetMargins(12, 12, 12)
	pdf.SetAutoPageBreak(true, 14)
	// The Go fonts (WGL4: Latin, Greek, Cyrillic), embedded as UTF-8
	// subsets: a venue's names and legal details in any of them print as
	// written.
	pdf.AddUTF8FontFromBytes(font, "", goregular.TTF)
	pdf.AddUTF8FontFromBytes(font, "B", gobold.TTF)
	tr := func(s string) string { return s }
	pageW, _ := pdf.GetPageSize()
	width := pageW - 24
	tpl := in.Template
	if err := useTemplate(pdf, tr, tpl, width); err != nil {
		return nil, fmt.Errorf("%s pdf: %w", in.Kind, err)
	}
	pdf.SetFooterFunc(func() {
		bottom := -10.0
		if tpl.Footer != "" {
			bottom = -14 - 3.2*float64(strings.Count(tpl.Footer, "\n"))
		}
		pdf.SetY(bottom)
		pdf.SetTextColor(110, 110, 110)
		if tpl.Footer != "" {
			pdf.SetFont(font, "", 7)
			pdf.MultiCell(0, 3.2, tr(tpl.Footer), "", "C", false)
		}
		pdf.SetFont(font, "", 7)
		pdf.CellFormat(0, 4, tr(fmt.Sprintf("%s - %s - as of %s - page %d", title, in.Performance, stamp(in.AsOf), pdf.PageNo())), "", 0, "C", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	if tpl.Footer != "" {
		pdf.SetAutoPageBreak(true, 18+3.2*float64(strings.Count(tpl.Footer, "\n")))
	}
	pdf.AddPage()
	pdf.SetFont(font, "B", 16)
	pdf.CellFormat(0, 8, tr(title), "", 1, "L", false, 0, "")
	pdf.SetFont(font, "", 10)
	pdf.CellFormat(0, 5, tr(in.Performance+" - "+in.When), "", 1, "L", false, 0, "")
	subject := "Performance " + in.PerformanceID
	if from, to, ok := strings.Cut(in.Period, "/"); ok {
		subject = "Period " + from + " to " + to
	} else if in.Period != "" {
		subject = "Day " + in.Period
	}
	pdf.CellFormat(0, 5, tr(subject+" - as of "+stamp(in.AsOf)), "", 1, "L", false, 0, "")
	pdf.Ln(3)
	for _, f := range t.facts {
		pdf.SetFont(font, "", 10)
		pdf.CellFormat(60, 5.5, tr(f[0]), "", 0, "L", false, 0, "")
		pdf.SetFont(font, "B", 10)
		pdf.MultiCell(width-60, 5.5, tr(f[1]), "", "L", false)
	}
	pdf.Ln(4)
	// Columns of width 0 are in the CSV only (ids, currency).
	var cols []int
	var sum float64
	for i, w := range t.widths {
		if w > 0 {
			cols, sum = append(cols, i), sum+w
		}
	}
	ws := make([]float64, len(cols))
	for j, i := range cols {
		ws[j] = width * t.widths[i] / sum
	}
	head := func() {
		pdf.SetFont(font, "B", 8)
		pdf.SetFillColor(235, 235, 240)
		for j, i := range cols {
			pdf.CellFormat(ws[j], 6, tr(strings.ReplaceAll(t.header[i], "_", " ")), "B", 0, align(t.right[i]), true, 0, "")
		}
		pdf.Ln(-1)
	}
	head()
	pdf.SetFont(font, "", 8)
	_, pageH := pdf.GetPageSize()
	_, bottomMargin := pdf.GetAutoPageBreak()
	for _, row := range t.rows {
		if pdf.GetY()+5 > pageH-bottomMargin-2 {
			pdf.AddPage()
			head()
			pdf.SetFont(font, "", 8)
		}
		for j, i := range cols {
			text := []rune(row[i])
			for len(text) > 4 && pdf.GetStringWidth(string(text)) > ws[j]-1.5 {
				text = append(text[:len(text)-4], '.', '.', '.')
			}
			pdf.CellFormat(ws[j], 5, tr(string(text)), "", 0, align(t.right[i]), false, 0, "")
		}
		pdf.Ln(-1)
	}
	var b bytes.Buffer
	if err := pdf.Output(&b); err != nil {
		return nil, fmt.Errorf("%s pdf: %w", in.Kind, err)
	}
	return b.Bytes(), nil
}

// font is the family documents are printed in (see pdf).
const font = "go"

func align(right bool) string {
	if right {
		return "R"
	}
	return "L"
}

// useTemplate registers the template's logo and prints its letterhead at
// the top of every page (the footer is the caller's: a document's footer
// has more to say).
func useTemplate(pdf *fpdf.Fpdf, tr func(string) string, tpl report.Template, width float64) error {
	if len(tpl.Logo) > 0 {
		typ := "PNG"
		if tpl.LogoType == "image/jpeg" {
			typ = "JPG"
		}
		pdf.RegisterImageOptionsReader("logo", fpdf.ImageOptions{ImageType: typ}, bytes.NewReader(tpl.Logo))
		if pdf.Err() {
			return fmt.Errorf("logo: %w", pdf.Error())
		}
	}
	if tpl.VenueName != "" || tpl.LegalDetails != "" || len(tpl.Logo) > 0 {
		pdf.SetHeaderFunc(func() { letterhead(pdf, tr, tpl, width) })
	}
	return nil
}

// footerText prints the template's footer text, centred, where the
// caller has put the cursor.
func footerText(pdf *fpdf.Fpdf, tr func(string) string, tpl report.Template) {
	if tpl.Footer == "" {
		return
	}
	pdf.SetFont(font, "", 7)
	pdf.SetTextColor(110, 110, 110)
	pdf.MultiCell(0, 3.2, tr(tpl.Footer), "", "C", false)
	pdf.SetTextColor(0, 0, 0)
}

// letterhead draws the template's header at the top of a page: the logo at
// most 16 mm high on the left, the venue's name and its legal details beside
// it, a rule under them.
func letterhead(pdf *fpdf.Fpdf, tr func(string) string, tpl report.Template, width float64) {
	left, top, _, _ := pdf.GetMargins()
	x := left
	bottom := top
	if len(tpl.Logo) > 0 {
		info := pdf.GetImageInfo("logo")
		if info != nil && info.Height() > 0 {
			h := 16.0
			w := h * info.Width() / info.Height()
			if w > 50 {
				w, h = 50, 50*info.Height()/info.Width()
			}
			pdf.ImageOptions("logo", left, top, w, h, false, fpdf.ImageOptions{}, 0, "")
			x, bottom = left+w+5, top+h
		}
	}
	pdf.SetXY(x, top)
	if tpl.VenueName != "" {
		pdf.SetFont(font, "B", 11)
		pdf.CellFormat(width-(x-left), 5, tr(tpl.VenueName), "", 2, "L", false, 0, "")
	}
	if tpl.LegalDetails != "" {
		pdf.SetFont(font, "", 7.5)
		pdf.SetTextColor(80, 80, 80)
		for _, line := range strings.Split(tpl.LegalDetails, "\n") {
			pdf.SetX(x)
			pdf.CellFormat(width-(x-left), 3.4, tr(line), "", 2, "L", false, 0, "")
		}
		pdf.SetTextColor(0, 0, 0)
	}
	if y := pdf.GetY(); y > bottom {
		bottom = y
	}
	pdf.SetDrawColor(200, 200, 205)
	pdf.Line(left, bottom+2, left+width, bottom+2)
	pdf.SetDrawColor(0, 0, 0)
	pdf.SetXY(left, bottom+5)
}

// Preview is a sample document — a short realization report of an invented
// performance — printed with the template, for the template's editor.
func Preview(t report.Template, currency string) ([]byte, error) {
	at := time.Date(2026, 12, 12, 19, 30, 0, 0, time.UTC)
	if currency == "" {
		currency = "EUR"
	}
	f := report.Figures{Seats: 98, RefundedSeats: 2, Gross: 490000, Discounts: 1000, Refunded: 9000, Net: 480000}
	in := Input{Kind: report.KindRealization, PerformanceID: "sample", Performance: "Sample performance", When: "Sat 12 Dec 2026, 20:30",
		Status: "on_sale", Currency: currency, AsOf: at, Template: t,
		Sales: report.Sales{Currency: currency, Total: f,
			Zones:    []report.Line{{Key: "Stalls", Figures: f}},
			Channels: []report.Line{{Key: "web", Figures: f}}}}
	p, _, err := Render(in)
	return p, err
}
