package loadtest

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteTable prints the run's figures for people.
func WriteTable(w io.Writer, r Result) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "target\t%s\tpreset\t%s\n", r.Target, r.Preset)
	fmt.Fprintf(tw, "buyers\t%d\tseats\t%d\n", r.Buyers, r.Seats)
	fmt.Fprintf(tw, "duration\t%.2f s\twatchers\t%d\n", r.DurationS, r.Watchers)
	if r.SocketsJoinedS > 0 {
		fmt.Fprintf(tw, "sockets joined in\t%.2f s\t(before the on-sale)\t\n", r.SocketsJoinedS)
	}
	fmt.Fprintf(tw, "holds/s\t%.0f\tseats held/s\t%.0f\n", r.HoldsPerS, r.SeatsHeldPerS)
	fmt.Fprintf(tw, "orders/s\t%.0f\tconflicts\t%d\n", r.OrdersPerS, r.Conflicts)
	fmt.Fprintf(tw, "holds\t%d\tseats held\t%d\n", r.Holds, r.SeatsHeld)
	fmt.Fprintf(tw, "orders\t%d\tsold out\t%v\n", r.Orders, r.SoldOut)
	if r.SellOutS > 0 {
		fmt.Fprintf(tw, "sold out after\t%.2f s\tseats held/s to then\t%.0f\n", r.SellOutS, r.SellOutSeatsPerS)
	}
	tw.Flush()
	if r.Left > 0 {
		fmt.Fprintf(w, "%d buyers saw no free seat on the map and left without asking\n", r.Left)
	}
	if len(r.Payments) > 0 {
		fmt.Fprintf(w, "payments: %d approved, %d declined, %d abandoned, %d approved too late (given back)\n",
			r.Payments[PaidApproved], r.Payments[PaidDeclined], r.Payments[PaidAbandoned], r.Payments[PaidLate])
	}
	if r.Unfinished {
		fmt.Fprintf(w, "UNFINISHED: the target served %d of %d buyers before the run's time ran out\n", r.BuyersServed, r.Buyers)
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "latency ms\tn\tp50\tp95\tp99\tmax\t")
	for _, op := range sortedKeys(r.LatencyMs) {
		p := r.LatencyMs[op]
		fmt.Fprintf(tw, "%s\t%d\t%.2f\t%.2f\t%.2f\t%.2f\t\n", op, p.N, p.P50, p.P95, p.P99, p.Max)
	}
	if r.DeltaLagMs.N > 0 {
		p := r.DeltaLagMs
		fmt.Fprintf(tw, "delta lag\t%d\t%.2f\t%.2f\t%.2f\t%.2f\t\n", p.N, p.P50, p.P95, p.P99, p.Max)
	}
	tw.Flush()
	if len(r.Errors) > 0 {
		fmt.Fprintln(w, "\nerrors:")
		for _, k := range sortedKeys(r.Errors) {
			example := r.ErrorExamples[k]
			if len(example) > 120 {
				example = example[:120] + "…"
			}
			if example != "" {
				example = "  e.g. " + example
			}
			fmt.Fprintf(w, "  %-24s %d%s\n", k, r.Errors[k], example)
		}
	}
	fmt.Fprintf(w, "\naudit: ok=%v orders=%d sold=%d held=%d", r.Audit.OK, r.Audit.Orders, r.Audit.SoldSeats, r.Audit.HeldSeats)
	if r.Audit.Payments > 0 || r.Audit.Pending > 0 {
		fmt.Fprintf(w, " payments=%d pending=%d", r.Audit.Payments, r.Audit.Pending)
	}
	fmt.Fprintln(w)
	for _, v := range r.Audit.Violations {
		fmt.Fprintln(w, "  VIOLATION:", v)
	}
}

// WriteJSON writes the machine-readable result.
func WriteJSON(w io.Writer, r Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// chart is one line chart as SVG polylines.
type chart struct {
	Title  string
	Unit   string
	Max    float64
	Series []series
	Ticks  []int
	W, H   int
}

type series struct {
	Name   string
	Color  string
	Points string
}

func makeChart(title, unit string, t []Second, lines ...struct {
	name, color string
	value       func(Second) float64
}) chart {
	c := chart{Title: title, Unit: unit, W: 720, H: 220}
	for _, s := range t {
		for _, l := range lines {
			c.Max = max(c.Max, l.value(s))
		}
	}
	if c.Max == 0 {
		c.Max = 1
	}
	n := max(1, len(t)-1)
	for _, l := range lines {
		var b strings.Builder
		for i, s := range t {
			x := 40 + float64(i)*float64(c.W-50)/float64(n)
			y := float64(c.H-20) - l.value(s)/c.Max*float64(c.H-40)
			fmt.Fprintf(&b, "%.1f,%.1f ", x, y)
		}
		c.Series = append(c.Series, series{Name: l.name, Color: l.color, Points: b.String()})
	}
	for i := range 5 {
		c.Ticks = append(c.Ticks, i)
	}
	return c
}

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"tickY":   func(c chart, i int) float64 { return float64(c.H-20) - float64(i)/4*float64(c.H-40) },
	"tickVal": func(c chart, i int) string { return fmt.Sprintf("%.0f", c.Max*float64(i)/4) },
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>seatmap load test — {{.R.Preset}}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:780px;color:#1f2937}
h1{font-size:1.4rem}table{border-collapse:collapse;margin:1rem 0}td,th{padding:.25rem .6rem;border-bottom:1px solid #e5e7eb;text-align:right}
th:first-child,td:first-child{text-align:left}.ok{color:#15803d;font-weight:600}.bad{color:#b91c1c;font-weight:600}
svg{background:#fafafa;border:1px solid #e5e7eb;border-radius:6px;margin:.5rem 0}
</style></head><body>
<h1>seatmap load test: {{.R.Preset}}, {{.R.Buyers}} buyers, {{.R.Seats}} seats</h1>
<p>Target {{.R.Target}} · {{printf "%.2f" .R.DurationS}} s · {{.R.Watchers}} watching sockets ·
audit <span class="{{if .R.Audit.OK}}ok{{else}}bad{{end}}">{{if .R.Audit.OK}}passed{{else}}FAILED{{end}}</span></p>
<table><tr><th>holds/s</th><th>seats held/s</th><th>orders/s</th><th>conflicts</th><th>orders</th></tr>
<tr><td>{{printf "%.0f" .R.HoldsPerS}}</td><td>{{printf "%.0f" .R.SeatsHeldPerS}}</td><td>{{printf "%.0f" .R.OrdersPerS}}</td><td>{{.R.Conflicts}}</td><td>{{.R.Orders}}</td></tr></table>
<table><tr><th>latency (ms)</th><th>n</th><th>p50</th><th>p95</th><th>p99</th><th>max</th></tr>
{{range $op, $p := .R.LatencyMs}}<tr><td>{{$op}}</td><td>{{$p.N}}</td><td>{{printf "%.2f" $p.P50}}</td><td>{{printf "%.2f" $p.P95}}</td><td>{{printf "%.2f" $p.P99}}</td><td>{{printf "%.2f" $p.Max}}</td></tr>{{end}}
{{with .R.DeltaLagMs}}{{if .N}}<tr><td>delta lag</td><td>{{.N}}</td><td>{{printf "%.2f" .P50}}</td><td>{{printf "%.2f" .P95}}</td><td>{{printf "%.2f" .P99}}</td><td>{{printf "%.2f" .Max}}</td></tr>{{end}}{{end}}
</table>
{{range .Charts}}<h2 style="font-size:1rem">{{.Title}}</h2>
<svg width="{{.W}}" height="{{.H}}" viewBox="0 0 {{.W}} {{.H}}" role="img" aria-label="{{.Title}}">
{{$c := .}}{{range .Ticks}}<line x1="40" x2="{{$c.W}}" y1="{{tickY $c .}}" y2="{{tickY $c .}}" stroke="#e5e7eb"/><text x="36" y="{{tickY $c .}}" font-size="10" text-anchor="end" dy="3">{{tickVal $c .}}</text>{{end}}
{{range .Series}}<polyline fill="none" stroke="{{.Color}}" stroke-width="1.8" points="{{.Points}}"><title>{{.Name}}</title></polyline>{{end}}
</svg><p style="margin:0 0 1rem;color:#6b7280">{{range .Series}}<span style="color:{{.Color}}">■</span> {{.Name}} &nbsp; {{end}}({{.Unit}}, per second of the run)</p>{{end}}
{{if .R.Errors}}<h2 style="font-size:1rem">Errors</h2><table>{{range $k, $v := .R.Errors}}<tr><td>{{$k}}</td><td>{{$v}}</td></tr>{{end}}</table>{{end}}
{{if .R.Audit.Violations}}<h2 style="font-size:1rem" class="bad">Audit violations</h2><ul>{{range .R.Audit.Violations}}<li>{{.}}</li>{{end}}</ul>{{end}}
</body></html>
`))

// WriteHTML writes a self-contained report with charts of throughput and
// latency over the run.
func WriteHTML(w io.Writer, r Result) error {
	type line = struct {
		name, color string
		value       func(Second) float64
	}
	charts := []chart{
		makeChart("Throughput", "per second", r.Timeline,
			line{"seats held", "#2563eb", func(s Second) float64 { return float64(s.SeatsHeld) }},
			line{"holds", "#16a34a", func(s Second) float64 { return float64(s.Holds) }},
			line{"orders", "#ea580c", func(s Second) float64 { return float64(s.Orders) }}),
		makeChart("Hold latency", "ms", r.Timeline,
			line{"p50", "#16a34a", func(s Second) float64 { return s.HoldP50Ms }},
			line{"p99", "#dc2626", func(s Second) float64 { return s.HoldP99Ms }}),
	}
	if r.DeltaLagMs.N > 0 {
		charts = append(charts, makeChart("Live map delta lag", "ms", r.Timeline,
			line{"p99", "#7c3aed", func(s Second) float64 { return s.LagP99Ms }}))
	}
	return page.Execute(w, struct {
		R      Result
		Charts []chart
	}{r, charts})
}

// Named is a result with the name of what was measured.
type Named struct {
	Name string
	Result
}

// busySeatsPerS is the rate of seats held while there were seats to hold:
// up to the sell-out, or over the whole run when it never came. A run that
// sells out quickly spends the rest of its time answering late buyers, which
// the whole-run rate counts against it.
func (r Result) busySeatsPerS() float64 {
	if r.SellOutS > 0 {
		return r.SellOutSeatsPerS
	}
	return r.SeatsHeldPerS
}

// WriteComparison prints results side by side, each against the first.
func WriteComparison(w io.Writer, rs []Named) {
	if len(rs) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\tholds/s\tseats held/s\torders/s\thold p99 ms\tconfirm p99 ms\tsold out after\tbuyers served\taudit\t")
	for _, r := range rs {
		soldOut := "never"
		if r.SellOutS > 0 {
			soldOut = fmt.Sprintf("%.2f s", r.SellOutS)
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%.0f\t%.2f\t%.2f\t%s\t%d/%d\t%v\t\n", r.Name, r.HoldsPerS, r.SeatsHeldPerS, r.OrdersPerS,
			r.HoldLatencyMs.P99, r.LatencyMs[OpConfirm].P99, soldOut, r.BuyersServed, r.Buyers, r.Audit.OK)
	}
	tw.Flush()
	base := rs[0]
	for _, r := range rs[1:] {
		ratio := func(a, b float64) string {
			if b == 0 {
				return "∞"
			}
			return fmt.Sprintf("%.1f×", a/b)
		}
		fmt.Fprintf(w, "%s vs %s: seats held/s %s, holds/s %s, orders/s %s; seats held/s while seats were left %s\n", base.Name, r.Name,
			ratio(base.SeatsHeldPerS, r.SeatsHeldPerS), ratio(base.HoldsPerS, r.HoldsPerS), ratio(base.OrdersPerS, r.OrdersPerS),
			ratio(base.busySeatsPerS(), r.busySeatsPerS()))
	}
}
