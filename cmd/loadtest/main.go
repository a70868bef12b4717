// Command loadtest replays on-sale surges against a running seatd (or a
// baseline) over its HTTP API and WebSockets, prints throughput and latency,
// writes JSON and HTML reports, and fails when the end-of-run audit finds a
// double sale or any other inconsistency.
//
//	loadtest -target http://localhost:8080 -preset stadium -token $SEATD_ADMIN_TOKEN
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/seatmap/seatmap/loadtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code, err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
	}
	os.Exit(code)
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o loadtest.Options
	fs.StringVar(&o.Target, "target", "http://localhost:8080", "base URL of seatd or a baseline")
	fs.StringVar(&o.Token, "token", getenv("SEATD_ADMIN_TOKEN"), "staff bearer token to create the hall and audit (SEATD_ADMIN_TOKEN)")
	fs.StringVar(&o.Preset, "preset", "theatre", "theatre (800 seats), arena (18,000) or stadium (80,000)")
	fs.IntVar(&o.Buyers, "buyers", 0, "buyers in the surge (default: the preset's)")
	fs.DurationVar(&o.Duration, "duration", 10*time.Second, "how long arrivals spread (ramp, waves) and the run's bound")
	fs.StringVar(&o.Curve, "curve", "all", "arrivals: all (at once), ramp, waves")
	fs.IntVar(&o.Waves, "waves", 5, "bursts for -curve waves")
	fs.IntVar(&o.Concurrency, "concurrency", 256, "buyers acting at once")
	fs.Float64Var(&o.BestShare, "best-share", 0.5, "share of buyers using best-available; the rest click seats near hot spots")
	fs.IntVar(&o.Retries, "retries", 3, "retries after a conflict")
	fs.Float64Var(&o.ConfirmShare, "confirm-share", 0.7, "share of holds confirmed")
	fs.Float64Var(&o.ReleaseShare, "release-share", 0.1, "share of holds released; the rest are abandoned to expire")
	fs.IntVar(&o.Watchers, "watchers", 50, "live seat map sockets watching the performance, measuring delta lag")
	fs.IntVar(&o.SeatsPerBuyer, "seats", 4, "most seats per buyer")
	fs.DurationVar(&o.MapLag, "map-lag", 100*time.Millisecond, "how long after a hold the buyers' pages show it; buyers click seats their page shows free")
	fs.Uint64Var(&o.Seed, "seed", 1, "random seed: the same seed makes the same buyers")
	fs.Float64Var(&o.PromoShare, "promo-share", 0, "share of confirmations that try a promotion the run creates (seatd only); the audit checks its uses are counted exactly")
	promoUses := fs.Int("promo-uses", 1000, "the promotion's use limit, with -promo-share")
	fs.StringVar(&o.Pay, "pay", "none", "none: a confirmed order is done (seatd -payment none); test: it comes back pending_payment and the buyer's page pays through seatd's test provider (seatd -payment test), and the audit checks payments against orders")
	fs.Float64Var(&o.DeclineShare, "decline", 0.05, "with -pay test, share of payments the buyers decline")
	fs.Float64Var(&o.AbandonShare, "abandon", 0, "with -pay test, share of payments never answered (the page closed): seatd's payment window ends them")
	settle := fs.Duration("settle", time.Minute, "with -pay test, wait before the audit until the abandoned payments' windows ended, if that is within this long; later ones the audit accepts as pending")
	reschedule := fs.Bool("reschedule", false, "after the surge, move the performance to a replacement date a week later (issue 16) while -reschedule-buyers buy best-available on it; then audit both dates and their reconciliation")
	rescheduleBuyers := fs.Int("reschedule-buyers", 200, "with -reschedule: buyers on the replacement while its orders move")
	killOwner := fs.String("kill-owner", "", "several nodes (-target a,b,c): when half the buyers are done, run this shell command with {node} replaced by the performance's owner's node id, e.g. 'kill -9 $(cat /run/seatd-{node}.pid)', and report how long until the other nodes serve it again")
	performance := fs.String("performance", "", "use this existing performance instead of creating one")
	tracePath := fs.String("trace", "", "replay this JSONL trace instead of a surge")
	speed := fs.Float64("speed", 1, "replay speed for -trace (2 = twice as fast)")
	recordPath := fs.String("record", "", "record the surge's actions to this JSONL trace")
	jsonPath := fs.String("json", "", "write the results as JSON here")
	htmlPath := fs.String("html", "", "write a self-contained HTML report here")
	quiet := fs.Bool("quiet", false, "no progress bar")
	cpuProfile := fs.String("cpuprofile", "", "write the load tester's own CPU profile here (is the generator the bottleneck?)")
	compare := fs.String("compare", "", "print side-by-side ratios of earlier JSON results: name=file,name=file,… (the first is the reference); runs nothing")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, nil
		}
		return 2, err
	}
	if *compare != "" {
		return compareResults(stdout, *compare)
	}
	preset, ok := loadtest.Presets[o.Preset]
	if !ok {
		return 2, fmt.Errorf("unknown preset %q: use theatre, arena or stadium", o.Preset)
	}
	if o.Buyers <= 0 {
		o.Buyers = preset.Buyers
	}
	if o.Token == "" {
		return 2, errors.New("a staff token is needed (-token or SEATD_ADMIN_TOKEN) to create the hall and audit the run")
	}
	if o.MapLag < 0 {
		return 2, errors.New("-map-lag must not be negative")
	}
	if o.ConfirmShare < 0 || o.ReleaseShare < 0 || o.ConfirmShare+o.ReleaseShare > 1 || o.BestShare < 0 || o.BestShare > 1 ||
		o.PromoShare < 0 || o.PromoShare > 1 || *promoUses < 1 {
		return 2, errors.New("shares must be between 0 and 1, and confirm + release at most 1")
	}
	switch o.Pay {
	case "none":
		o.Pay = ""
	case "test":
		if o.DeclineShare < 0 || o.AbandonShare < 0 || o.DeclineShare+o.AbandonShare > 1 {
			return 2, errors.New("-decline and -abandon must be between 0 and 1, together at most 1")
		}
		if *tracePath != "" || *recordPath != "" {
			return 2, errors.New("-pay test does not record or replay traces: a trace has no payment step")
		}
		o.Payments = loadtest.NewPayLog()
	default:
		return 2, fmt.Errorf("unknown -pay %q: use none or test", o.Pay)
	}
	if o.Curve != "all" && o.Curve != "ramp" && o.Curve != "waves" {
		return 2, fmt.Errorf("unknown -curve %q: use all, ramp or waves", o.Curve)
	}

	api := loadtest.NewAPI(o.Target, o.Token, o.Concurrency+o.Watchers+8)
	defer api.Close()
	var venue *loadtest.Venue
	var err error
	if *performance != "" {
		m, err := api.Seatmap(ctx, *performance)
		if err != nil {
			return 1, err
		}
		venue = loadtest.NewVenue(*performance, m)
	} else if venue, err = loadtest.Setup(ctx, api, preset); err != nil {
		return 1, err
	}
	fmt.Fprintf(stderr, "performance %s: %d seats, %d buyers, %s arrivals\n", venue.Performance, len(venue.Map.IDs), o.Buyers, o.Curve)
	if o.PromoShare > 0 {
		o.PromoCode = fmt.Sprintf("LOAD%d", time.Now().UnixNano()%1_000_000_000)
		if err := api.CreatePromotion(ctx, o.PromoCode, 10, *promoUses); err != nil {
			return 1, fmt.Errorf("create promotion: %w", err)
		}
		fmt.Fprintf(stderr, "promotion %s: %d uses, tried by %.0f %% of confirmations\n", o.PromoCode, *promoUses, 100*o.PromoShare)
	}

	if *recordPath != "" {
		f, err := os.Create(*recordPath)
		if err != nil {
			return 1, err
		}
		defer f.Close()
		o.Record = loadtest.NewTraceWriter(f)
	}
	var bar *progressbar.ProgressBar
	if !*quiet {
		bar = progressbar.NewOptions(o.Buyers, progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("buyers"),
			progressbar.OptionShowCount(), progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionSetPredictTime(true))
		o.Progress = func(done, _ int) { _ = bar.Set(done) }
	}

	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return 1, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return 1, err
		}
		defer pprof.StopCPUProfile()
	}
	var failover time.Duration
	if *killOwner != "" {
		if api.Nodes() < 2 {
			return 2, errors.New("-kill-owner needs several nodes: -target http://a,http://b,…")
		}
		o.MidSurge = func(ctx context.Context) {
			failover = killTheOwner(ctx, api, venue.Performance, *killOwner, stderr)
		}
	}
	began := time.Now()
	rec := loadtest.NewRecorder(began)
	var confirmed map[string][]string
	if *tracePath != "" {
		f, err := os.Open(*tracePath)
		if err != nil {
			return 1, err
		}
		events, err := loadtest.ReadTrace(f)
		f.Close()
		if err != nil {
			return 1, err
		}
		confirmed, err = loadtest.Replay(ctx, events, *speed, api, venue, rec)
		if err != nil {
			return 1, err
		}
		buyers := map[string]bool{}
		for _, e := range events {
			buyers[e.Buyer] = true
		}
		o.Buyers = len(buyers)
	} else if confirmed, err = loadtest.Surge(ctx, o, api, venue, rec); err != nil {
		return 1, err
	}
	elapsed := rec.Elapsed() // from the on-sale: after the watchers joined
	if bar != nil {
		_ = bar.Finish()
		fmt.Fprintln(stderr)
	}
	if err := o.Record.Err(); err != nil {
		return 1, fmt.Errorf("record trace: %w", err)
	}

	res := rec.Result(elapsed)
	res.Target, res.Preset, res.Buyers, res.Seats, res.Watchers = o.Target, o.Preset, o.Buyers, len(venue.Map.IDs), o.Watchers
	res.Settings = map[string]string{
		"curve": o.Curve, "concurrency": fmt.Sprint(o.Concurrency), "best_share": fmt.Sprint(o.BestShare),
		"confirm_share": fmt.Sprint(o.ConfirmShare), "release_share": fmt.Sprint(o.ReleaseShare), "retries": fmt.Sprint(o.Retries), "map_lag": o.MapLag.String(),
		"seed": fmt.Sprint(o.Seed), "performance": venue.Performance,
	}
	if api.Nodes() > 1 {
		res.Settings["nodes"] = fmt.Sprint(api.Nodes())
		res.Settings["retried_on_another_node"] = fmt.Sprint(api.Retried.Load())
	}
	if *killOwner != "" {
		res.Settings["failover"] = failover.Round(time.Millisecond).String()
		fmt.Fprintf(stderr, "failover: the other nodes served the performance %s after the owner was killed\n", failover.Round(time.Millisecond))
	}
	if o.Pay != "" {
		res.Settings["pay"], res.Settings["decline"], res.Settings["abandon"] = o.Pay, fmt.Sprint(o.DeclineShare), fmt.Sprint(o.AbandonShare)
		// The abandoned payments end with their window: the audit then
		// sees them ended, not pending.
		if wait := time.Until(o.Payments.LastWindowEnd().Add(auditGrace + time.Second)); wait > 0 && wait <= *settle {
			fmt.Fprintf(stderr, "waiting %v for the abandoned payments' window to end\n", wait.Round(100*time.Millisecond))
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return 1, ctx.Err()
			}
		}
	}
	in, err := api.Gather(ctx, venue.Performance)
	if err != nil {
		return 1, err
	}
	in.Confirmed, in.Grace = confirmed, auditGrace
	if o.Pay != "" {
		if err := api.GatherPayments(ctx, &in, o.Payments, 16); err != nil {
			return 1, err
		}
		if err := api.Reconcile(ctx, &in, began.Add(-time.Minute), time.Now().Add(time.Minute)); err != nil {
			return 1, err
		}
		res.Settings["reconciliation"] = fmt.Sprintf("%d findings", len(in.Findings))
	}
	if o.PromoCode != "" {
		in.Promo = o.PromoCode
		if in.PromoUses, in.PromoLimit, err = api.CodeUses(ctx, o.PromoCode); err != nil {
			return 1, fmt.Errorf("audit: promotion: %w", err)
		}
		res.Settings["promo"] = fmt.Sprintf("%s, %d of %d uses", o.PromoCode, in.PromoUses, in.PromoLimit)
	}
	res.Audit = loadtest.Check(in)
	if *reschedule && res.Audit.OK {
		if err := rescheduleUnderLoad(ctx, api, o, venue, confirmed, *rescheduleBuyers, &res, stderr); err != nil {
			return 1, err
		}
	}

	loadtest.WriteTable(stdout, res)
	if *jsonPath != "" {
		if err := writeFile(*jsonPath, func(w io.Writer) error { return loadtest.WriteJSON(w, res) }); err != nil {
			return 1, err
		}
	}
	if *htmlPath != "" {
		if err := writeFile(*htmlPath, func(w io.Writer) error { return loadtest.WriteHTML(w, res) }); err != nil {
			return 1, err
		}
	}
	if !res.Audit.OK {
		return 1, fmt.Errorf("audit failed with %d violation(s)", len(res.Audit.Violations))
	}
	return 0, nil
}

// killTheOwner is -kill-owner: it finds the performance's owner, runs cmd
// with its node id, and waits until the other nodes serve the performance.
func killTheOwner(ctx context.Context, api *loadtest.API, perf, cmd string, stderr io.Writer) time.Duration {
	v, err := api.Cluster(ctx, api.BaseFor(0), perf)
	if err != nil || v.Owner.Node == "" {
		fmt.Fprintf(stderr, "kill-owner: who owns %s: %v\n", perf, err)
		return 0
	}
	line := strings.ReplaceAll(cmd, "{node}", v.Owner.Node)
	fmt.Fprintf(stderr, "kill-owner: %s owns %s (token %d): %s\n", v.Owner.Node, perf, v.Owner.Token, line)
	killed := time.Now()
	if out, err := exec.CommandContext(ctx, "sh", "-c", line).CombinedOutput(); err != nil {
		fmt.Fprintf(stderr, "kill-owner: %v: %s\n", err, out)
		return 0
	}
	skip := ""
	for i := range api.Nodes() {
		if strings.HasSuffix(api.BaseFor(i), v.Owner.Addr) {
			skip = api.BaseFor(i)
		}
	}
	_, err = api.WaitServed(ctx, perf, skip, time.Minute)
	if err != nil {
		fmt.Fprintf(stderr, "kill-owner: %v\n", err)
	}
	return time.Since(killed)
}

// rescheduleUnderLoad is -reschedule (issue 16): after the surge, the
// performance moves to a replacement date a week later (reservations kept)
// while buyers use best-available on the replacement; when the move is done,
// both dates are audited (no seat sold twice, every promised order there)
// and their reconciliation must be equal. The result's audit is the union.
func rescheduleUnderLoad(ctx context.Context, api *loadtest.API, o loadtest.Options, venue *loadtest.Venue, confirmed map[string][]string,
	buyers int, res *loadtest.Result, stderr io.Writer) error {
	began := time.Now()
	job, repl, err := api.Reschedule(ctx, venue.Performance, began.Add(7*24*time.Hour), "keep")
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "rescheduling %s to %s: job %s, %d orders to move; %d buyers on the replacement meanwhile\n",
		venue.Performance, repl, job.ID, job.Total, buyers)
	m, err := api.Seatmap(ctx, repl)
	if err != nil {
		return err
	}
	second := loadtest.NewVenue(repl, m)
	o2 := o
	o2.Buyers, o2.BestShare, o2.Watchers, o2.Progress, o2.Record = buyers, 1, 0, nil, nil
	rec := loadtest.NewRecorder(time.Now())
	bought, err := loadtest.Surge(ctx, o2, api, second, rec)
	if err != nil {
		return fmt.Errorf("buyers on the replacement: %w", err)
	}
	job, err = api.WaitJob(ctx, job.ID, 10*time.Minute)
	if err != nil {
		return err
	}
	took := time.Since(began)
	if job.State != "done" || job.Failed > 0 {
		res.Audit.OK = false
		res.Audit.Violations = append(res.Audit.Violations, fmt.Sprintf("the reschedule job ended %s with %d of %d failed", job.State, job.Failed, job.Total))
	}
	for _, side := range []struct {
		name, perf string
		promised   map[string][]string
	}{{"original", venue.Performance, confirmed}, {"replacement", repl, bought}} {
		in, err := api.Gather(ctx, side.perf)
		if err != nil {
			return err
		}
		in.Confirmed, in.Grace = side.promised, auditGrace
		a := loadtest.Check(in)
		for _, v := range a.Violations {
			res.Audit.Violations = append(res.Audit.Violations, side.name+": "+v)
		}
		res.Audit.OK = res.Audit.OK && a.OK
		res.Settings["reschedule_"+side.name] = fmt.Sprintf("%d orders, %d seats sold, audit ok %v", a.Orders, a.SoldSeats, a.OK)
	}
	equal, origin, replacement, err := api.Reconciliation(ctx, venue.Performance)
	if err != nil {
		return err
	}
	if !equal {
		res.Audit.OK = false
		res.Audit.Violations = append(res.Audit.Violations, fmt.Sprintf("reconciliation not equal: original %v, replacement %v", origin, replacement))
	}
	res.Settings["reschedule"] = fmt.Sprintf("%d orders moved in %.1f s while %d buyers bought %d orders on the replacement; reconciliation equal %v",
		job.Done, took.Seconds(), buyers, len(bought), equal)
	for _, k := range []string{"reschedule", "reschedule_original", "reschedule_replacement"} {
		fmt.Fprintf(stderr, "%s: %s\n", k, res.Settings[k])
	}
	return nil
}

// auditGrace is how late the audit lets a hold or a payment window end: the
// sweeps' interval and then some.
const auditGrace = 2 * time.Second

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func compareResults(w io.Writer, spec string) (int, error) {
	var rs []loadtest.Named
	for _, part := range strings.Split(spec, ",") {
		name, path, ok := strings.Cut(part, "=")
		if !ok {
			return 2, fmt.Errorf("-compare: %q is not name=file", part)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return 1, err
		}
		var r loadtest.Result
		if err := json.Unmarshal(data, &r); err != nil {
			return 1, fmt.Errorf("%s: %w", path, err)
		}
		rs = append(rs, loadtest.Named{Name: name, Result: r})
	}
	loadtest.WriteComparison(w, rs)
	return 0, nil
}
