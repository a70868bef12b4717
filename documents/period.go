package documents

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/report"
)

// Part is one performance of a period's document (issue 17): what its own
// documents are made of, so that a period's figures are its performances'
// summed.
type Part struct {
	PerformanceID string
	Performance   string // its name
	When          string // its start, written in the venue's zone
	Status        string
	Seats         int // the hall's seats: the stock the ticket movement counts
	ZoneNames     map[string]string
	Sales         report.Sales
	Tickets       []report.TicketRow
	Refunds       []order.Refund
	Voided        []order.TicketNumber
}

// input is the part as a performance's document's input.
func (p Part) input(in Input) Input {
	return Input{Kind: in.Kind, PerformanceID: p.PerformanceID, Performance: p.Performance, When: p.When, Status: p.Status,
		Currency: in.Currency, ZoneNames: p.ZoneNames, Sales: p.Sales, Tickets: p.Tickets, Refunds: p.Refunds, Voided: p.Voided,
		AsOf: in.AsOf}
}

func (p Part) label() string { return p.Performance + " (" + p.When + ")" }

// periodTable is a period's document of a performance's kind: each
// performance's own table, a column naming it, and the facts summed.
func periodTable(in Input) table {
	switch in.Kind {
	case report.KindRealization:
		return periodRealization(in)
	case report.KindTicketMovement:
		return periodMovement(in)
	case report.KindSettlement:
		return periodSettlement(in)
	}
	// The acts: every performance's lines, one after the other.
	var t table
	tickets, returned, refunds := 0, 0, 0
	var sum int64
	for _, p := range in.Parts {
		pin := p.input(in)
		var pt table
		if in.Kind == report.KindActIssue {
			pt = actIssue(pin)
			tickets += len(p.Tickets)
			for _, r := range p.Tickets {
				sum += r.Price
			}
		} else {
			pt = actReturn(pin)
			refunds += len(p.Refunds)
			for _, rf := range p.Refunds {
				returned += len(rf.Seats)
				sum += rf.Amount
			}
		}
		if t.header == nil {
			t.header = append([]string{"performance"}, pt.header...)
			t.widths = append([]float64{2.6}, pt.widths...)
			t.right = append([]bool{false}, pt.right...)
		}
		for _, r := range pt.rows {
			t.rows = append(t.rows, append([]string{p.label()}, r...))
		}
	}
	if t.header == nil { // no performance: the header all the same
		pt := actIssue(in)
		if in.Kind == report.KindActReturn {
			pt = actReturn(in)
		}
		t.header = append([]string{"performance"}, pt.header...)
		t.widths = append([]float64{2.6}, pt.widths...)
		t.right = append([]bool{false}, pt.right...)
	}
	perfs := [2]string{"Performances", strconv.Itoa(len(in.Parts))}
	if in.Kind == report.KindActIssue {
		t.facts = [][2]string{perfs, {"Tickets issued", strconv.Itoa(tickets)}, {"Face value", in.amount(sum) + " " + in.Currency}}
	} else {
		t.facts = [][2]string{perfs, {"Tickets returned", strconv.Itoa(returned)}, {"Refunds", strconv.Itoa(refunds)},
			{"Refunded", in.amount(sum) + " " + in.Currency}}
	}
	return t
}

// add sums figures (Net included: each is Gross - Discounts - Refunded).
func add(a, b report.Figures) report.Figures {
	a.Reservations += b.Reservations
	a.ReservedSeats += b.ReservedSeats
	a.PaidOrders += b.PaidOrders
	a.Seats += b.Seats
	a.RefundedSeats += b.RefundedSeats
	a.Passes += b.Passes
	a.RefundedPasses += b.RefundedPasses
	a.Refunds += b.Refunds
	a.Gross += b.Gross
	a.Discounts += b.Discounts
	a.Refunded += b.Refunded
	a.Net += b.Net
	return a
}

// PeriodSales sums the sales reports of a period's performances: the
// total, and a line per performance (keyed by its id) and per channel.
func PeriodSales(parts []Part) report.Sales {
	var s report.Sales
	channels := map[string]int{}
	for _, p := range parts {
		if s.Currency == "" {
			s.Currency = p.Sales.Currency
		}
		s.Total = add(s.Total, p.Sales.Total)
		s.Zones = append(s.Zones, report.Line{Key: p.PerformanceID, Figures: p.Sales.Total})
		for _, c := range p.Sales.Channels {
			i, ok := channels[c.Key]
			if !ok {
				i = len(s.Channels)
				channels[c.Key] = i
				s.Channels = append(s.Channels, report.Line{Key: c.Key})
			}
			s.Channels[i].Figures = add(s.Channels[i].Figures, c.Figures)
		}
	}
	slices.SortFunc(s.Channels, func(a, b report.Line) int { return strings.Compare(a.Key, b.Key) })
	return s
}

// periodRealization is the realization report of a period: its
// performances' reports summed, a line per performance and per channel.
func periodRealization(in Input) table {
	names := map[string]string{}
	for _, p := range in.Parts {
		names[p.PerformanceID] = p.label()
	}
	sum := PeriodSales(in.Parts)
	perf := in
	perf.Sales = report.Sales{Currency: sum.Currency, Total: sum.Total, Channels: sum.Channels}
	t := realization(perf)
	// The zones of one performance are not another's: a line per
	// performance instead, after the total.
	var lines [][]string
	for _, l := range sum.Zones {
		f := l.Figures
		lines = append(lines, []string{"performance", names[l.Key], strconv.Itoa(f.Seats + f.RefundedSeats), strconv.Itoa(f.RefundedSeats), strconv.Itoa(f.Seats),
			in.amount(f.Gross), in.amount(f.Discounts), in.amount(f.Refunded), in.amount(f.Net), in.Currency})
	}
	t.rows = append(t.rows[:1], append(lines, t.rows[1:]...)...)
	t.widths = append([]float64(nil), t.widths...)
	t.widths[1] = 4.4 // a performance's name and start
	t.facts = append([][2]string{{"Performances", strconv.Itoa(len(in.Parts))}}, t.facts...)
	return t
}

// periodMovement is the ticket movement of a period: per performance, its
// seats unsold at the period's start (opening), the tickets issued — of
// orders made — and returned in the period, and those unsold at its end
// (closing = opening - issued + returned). Numbers voided in the period
// (printed again) are forms spoiled, not seats: counted apart.
func periodMovement(in Input) table {
	t := table{
		header: []string{"performance", "seats", "opening", "issued", "returned", "closing", "forms_voided"},
		widths: []float64{4, 1, 1, 1, 1, 1, 1.2}, right: []bool{false, true, true, true, true, true, true},
	}
	within := func(at time.Time) bool { return !at.Before(in.From) && at.Before(in.To) }
	var total struct{ seats, opening, issued, returned, closing, voided int }
	for _, p := range in.Parts {
		opening, issued, returned, voided := p.Seats, 0, 0, 0
		for _, r := range p.Tickets {
			switch {
			case r.OrderAt.Before(in.From):
				opening--
			case within(r.OrderAt):
				issued++
			}
		}
		for _, rf := range p.Refunds {
			switch {
			case rf.CreatedAt.Before(in.From):
				opening += len(rf.Seats)
			case within(rf.CreatedAt):
				returned += len(rf.Seats)
			}
		}
		for _, v := range p.Voided {
			if within(v.VoidedAt) {
				voided++
			}
		}
		closing := opening - issued + returned
		t.rows = append(t.rows, []string{p.label(), strconv.Itoa(p.Seats), strconv.Itoa(opening), strconv.Itoa(issued), strconv.Itoa(returned),
			strconv.Itoa(closing), strconv.Itoa(voided)})
		total.seats, total.opening, total.issued = total.seats+p.Seats, total.opening+opening, total.issued+issued
		total.returned, total.closing, total.voided = total.returned+returned, total.closing+closing, total.voided+voided
	}
	t.rows = append(t.rows, []string{"total", strconv.Itoa(total.seats), strconv.Itoa(total.opening), strconv.Itoa(total.issued),
		strconv.Itoa(total.returned), strconv.Itoa(total.closing), strconv.Itoa(total.voided)})
	t.facts = [][2]string{{"Performances", strconv.Itoa(len(in.Parts))},
		{"Opening (unsold at the start)", strconv.Itoa(total.opening)}, {"Issued", strconv.Itoa(total.issued)},
		{"Returned", strconv.Itoa(total.returned)}, {"Closing (unsold at the end)", strconv.Itoa(total.closing)},
		{"Forms voided (printed again)", strconv.Itoa(total.voided)}}
	return t
}

// periodSettlement is what the organizer is owed for the performances of a
// period: each one's settlement, and their sum. A rescheduled original
// counts as having taken place (its orders' money stays with it); a
// cancelled one is owed what was not refunded.
func periodSettlement(in Input) table {
	t := table{
		header: []string{"performance", "status", "gross", "discounts", "refunded", "owed_to_organizer", "currency"},
		widths: []float64{3.6, 1.4, 1.4, 1.4, 1.4, 1.6, 0}, right: []bool{false, false, true, true, true, true, false},
	}
	var sum report.Figures
	rescheduled := 0
	for _, p := range in.Parts {
		f := p.Sales.Total
		status := p.Status
		if status == "rescheduled" {
			status, rescheduled = "rescheduled (took place)", rescheduled+1
		}
		t.rows = append(t.rows, []string{p.label(), status, in.amount(f.Gross), in.amount(-f.Discounts), in.amount(-f.Refunded), in.amount(f.Net), in.Currency})
		sum = add(sum, f)
	}
	t.rows = append(t.rows, []string{"total", "", in.amount(sum.Gross), in.amount(-sum.Discounts), in.amount(-sum.Refunded), in.amount(sum.Net), in.Currency})
	t.facts = [][2]string{{"Performances", strconv.Itoa(len(in.Parts))}, {"Owed to the organizer", in.amount(sum.Net) + " " + in.Currency}}
	if rescheduled > 0 {
		t.facts = append(t.facts, [2]string{"Note", "A rescheduled performance is paid out as if it had taken place: its orders moved to the replacement date, their money stays with it."})
	}
	return t
}
