// Command benchratio runs the project's benchmarks as `make bench` wants
// them: each pair of implementations (a baseline and ours) is measured side
// by side in short interleaved rounds, and the median of the per-round
// ratios is compared with the project's targets, so a noisy machine does
// not decide the result. It prints a table, writes the raw `go test -bench`
// output (benchstat's input) to -raw, and exits 1 when a target is missed.
//
//	go run ./internal/cmd/benchratio [-rounds 7] [-benchtime 300ms] [-raw bench.txt] [-only regexp]
//
// -only keeps the pairs and benchmarks whose row in the table matches, e.g.
// -only 'RoundTrip.*client vs' for the client's round trips alone; targets
// are judged as in a whole run.
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// A pair compares ours with base, two sub-benchmarks of one benchmark.
type pair struct {
	pkg, bench string
	base, ours string
	maxTime    float64 // the most ours may take, as a ratio of base's ns/op
	maxAllocs  float64 // as a ratio of base's allocs/op; 0: no target
	absAllocs  float64 // ours' allocs/op at most; 0: no target
}

// A single is one benchmark judged on its own figures.
type single struct {
	pkg, bench string
	maxNs      float64 // 0: no target, reported only
	metric     string  // an extra unit to report, e.g. "req/s"
	minMetric  float64 // the least metric may be; 0: no target
	// flag is a flag of the package's tests the benchmark runs with,
	// e.g. "-load-op=Issue"; "" for none.
	flag string
}

var pairs = []pair{
	{pkg: "./ecpaycrypto", bench: "BenchmarkEncrypt", base: "impl=baseline", ours: "impl=codec", maxTime: 0.5, absAllocs: 2},
	{pkg: "./ecpaycrypto", bench: "BenchmarkDecrypt", base: "impl=baseline", ours: "impl=codec", maxTime: 0.5, absAllocs: 2},
	{pkg: "./ecpaycrypto", bench: "BenchmarkEncryptJSON", base: "impl=baseline", ours: "impl=codec", maxTime: 0.7},
	{pkg: "./ecpaycrypto", bench: "BenchmarkDecryptJSON", base: "impl=baseline", ours: "impl=codec", maxTime: 0.7},
	// The typed client against the leanest correct hand-written call
	// (wrapper/bench_test.go's leanCall), like for like: the client as
	// shipped bounds every call by its 30 s default deadline, so its
	// baseline is the lean call given the same deadline; without the
	// deadline (WithTimeout(0)) its baseline is the lean call without one.
	{pkg: "./wrapper", bench: "BenchmarkRoundTrip", base: "op=CancelDelayIssue/impl=lean-timeout", ours: "op=CancelDelayIssue/impl=client", maxTime: 1.05, maxAllocs: 1.10},
	{pkg: "./wrapper", bench: "BenchmarkRoundTrip", base: "op=TriggerIssue/impl=lean-timeout", ours: "op=TriggerIssue/impl=client", maxTime: 1.05, maxAllocs: 1.10},
	{pkg: "./wrapper", bench: "BenchmarkRoundTrip", base: "op=CancelDelayIssue/impl=lean", ours: "op=CancelDelayIssue/impl=client-notimeout", maxTime: 1.05, maxAllocs: 1.10},
	// Issue 17: Issue with 10 items, the client's schema and business-rule
	// checks included, against the lean call that checks nothing.
	{pkg: "./wrapper", bench: "BenchmarkIssueRoundTrip", base: "impl=lean-timeout", ours: "impl=client", maxTime: 1.05, maxAllocs: 1.05},
	// Reported: the client as shipped against the lean call without a
	// deadline (a deadline costs any net/http call on loopback about 5 %:
	// lean-timeout against lean), and the bare generated client with the
	// editor and the hook.
	{pkg: "./wrapper", bench: "BenchmarkRoundTrip", base: "op=CancelDelayIssue/impl=lean", ours: "op=CancelDelayIssue/impl=client"},
	{pkg: "./wrapper", bench: "BenchmarkRoundTrip", base: "op=TriggerIssue/impl=lean", ours: "op=TriggerIssue/impl=client"},
	{pkg: "./wrapper", bench: "BenchmarkRoundTrip", base: "op=CancelDelayIssue/impl=lean", ours: "op=CancelDelayIssue/impl=lean-timeout"},
	{pkg: "./wrapper", bench: "BenchmarkRoundTrip", base: "op=CancelDelayIssue/impl=lean", ours: "op=CancelDelayIssue/impl=generated"},
	// Reported: the client's own code beside the lean call, without the
	// network (an in-memory RoundTripper).
	{pkg: "./wrapper", bench: "BenchmarkInMemory", base: "impl=lean", ours: "impl=client"},
	// Reported: ECPay's business rules evaluated by CEL (internal/rules)
	// beside the same checks written in Go, for the rules package's fixture
	// (10 rules) and for the Issue page's own (openapi/, 20 rules); the
	// target is on CEL's time alone.
	{pkg: "./internal/rules", bench: "BenchmarkCheck", base: "rules=fixture/impl=hand", ours: "rules=fixture/impl=cel"},
	{pkg: "./internal/rules", bench: "BenchmarkCheck", base: "rules=Issue/impl=hand", ours: "rules=Issue/impl=cel"},
	// Reported: what the client runs for Issue with 10 items, in place on
	// the typed request, beside the decoded map: the page's rules
	// (CheckEncoded against Check) and its schema (the passNode against the
	// JSON decoded and validated by kin-openapi).
	{pkg: "./internal/rules", bench: "BenchmarkCheck", base: "rules=Issue/impl=cel", ours: "rules=Issue/impl=encoded"},
	{pkg: "./wrapper", bench: "BenchmarkPass", base: "impl=decoded", ours: "impl=pass"},
}

var singles = []single{
	{pkg: "./wrapper", bench: "BenchmarkValidate/impl=plan", maxNs: 1000},
	// Issue 17: a rule evaluation for Issue under 5 µs, the page's rules
	// and the fixture's.
	{pkg: "./internal/rules", bench: "BenchmarkCheck/rules=Issue/impl=cel", maxNs: 5000},
	{pkg: "./internal/rules", bench: "BenchmarkCheck/rules=fixture/impl=cel", maxNs: 5000},
	{pkg: "./ecpaysim", bench: "BenchmarkSimulator", metric: "req/s", minMetric: 6000},
	// Issue 17: the simulator ≥ 5,000 Issue req/s with every check on
	// (ECPay's SDK example, a fresh RelateNumber per request).
	{pkg: "./ecpaysim", bench: "BenchmarkSimulator", flag: "-load-op=Issue", metric: "req/s", minMetric: 5000},
}

// result is one benchmark line: ns/op, allocs/op and extra metrics.
type result map[string]float64

func main() {
	rounds := flag.Int("rounds", 7, "interleaved rounds; the median of per-round ratios is reported")
	benchtime := flag.String("benchtime", "300ms", "-benchtime of each benchmark in a round")
	raw := flag.String("raw", "", "file for the raw go test -bench output (benchstat input)")
	only := flag.String("only", "", "a regexp: run only the pairs and benchmarks whose table row (e.g. `IssueRoundTrip impl=client vs impl=lean-timeout`) matches")
	flag.Parse()
	if err := selectOnly(*only); err != nil {
		fmt.Fprintln(os.Stderr, "benchratio:", err)
		os.Exit(2)
	}
	if err := run(context.Background(), *rounds, *benchtime, *raw, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchratio:", err)
		os.Exit(1)
	}
}

// selectOnly keeps in pairs and singles those whose table row matches the
// regexp expr; "" keeps all.
func selectOnly(expr string) error {
	if expr == "" {
		return nil
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return fmt.Errorf("-only: %w", err)
	}
	// Cloned first: DeleteFunc writes over the backing array.
	pairs = slices.DeleteFunc(slices.Clone(pairs), func(p pair) bool { return !re.MatchString(p.row()) })
	singles = slices.DeleteFunc(slices.Clone(singles), func(s single) bool { return !re.MatchString(s.row()) })
	if len(pairs)+len(singles) == 0 {
		return fmt.Errorf("-only %q matches no benchmark", expr)
	}
	return nil
}

// row is p's name in the table.
func (p pair) row() string {
	return fmt.Sprintf("%s %s vs %s", strings.TrimPrefix(p.bench, "Benchmark"), p.ours, p.base)
}

// row is s's name in the table.
func (s single) row() string {
	return strings.TrimPrefix(unit{name: s.bench, flag: s.flag}.label(), "Benchmark")
}

func run(ctx context.Context, rounds int, benchtime, rawPath string, out io.Writer) error {
	if rounds < 1 {
		return fmt.Errorf("-rounds %d: want at least 1", rounds)
	}
	dir, err := os.MkdirTemp("", "benchratio")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	// One test binary per package, built once, so every round runs the
	// same code; then every benchmark in a process of its own, in an order
	// reversed from one round to the next, so neither side of a pair is
	// always measured first, after the other, or in a warmer process.
	var units []unit
	for _, p := range pairs {
		for _, impl := range []string{p.base, p.ours} {
			units = appendUnit(units, unit{pkg: p.pkg, name: p.bench + "/" + impl})
		}
	}
	for _, s := range singles {
		units = appendUnit(units, unit{pkg: s.pkg, name: s.bench, flag: s.flag})
	}
	bins := map[string]string{}
	for _, u := range units {
		if _, ok := bins[u.pkg]; ok {
			continue
		}
		bin := filepath.Join(dir, filepath.Base(u.pkg)+".test")
		cmd := exec.CommandContext(ctx, "go", "test", "-c", "-o", bin, u.pkg)
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("building %s: %w", u.pkg, err)
		}
		bins[u.pkg] = bin
	}

	var rawOut bytes.Buffer
	// byRound[round][pkg+" "+name] = result
	byRound := make([]map[string]result, rounds)
	for r := range rounds {
		byRound[r] = map[string]result{}
		order := slices.Clone(units)
		if r%2 == 1 {
			slices.Reverse(order)
		}
		for _, u := range order {
			args := []string{"-test.run=^$", "-test.bench=" + u.pattern(), "-test.benchmem", "-test.count=1", "-test.benchtime=" + benchtime}
			if u.flag != "" {
				args = append(args, u.flag)
			}
			cmd := exec.CommandContext(ctx, bins[u.pkg], args...)
			cmd.Dir = u.pkg
			cmd.Stderr = os.Stderr
			stdout, err := cmd.Output()
			if err != nil {
				return fmt.Errorf("round %d, %s %s: %w", r+1, u.pkg, u.label(), err)
			}
			rawOut.Write(stdout)
			res, ok := parse(stdout)[u.name]
			if !ok {
				return fmt.Errorf("round %d: %s %s printed no result", r+1, u.pkg, u.label())
			}
			byRound[r][u.key()] = res
		}
		fmt.Fprintf(os.Stderr, "round %d/%d done\n", r+1, rounds)
	}
	if rawPath != "" {
		if err := os.WriteFile(rawPath, rawOut.Bytes(), 0o644); err != nil {
			return err
		}
	}

	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight|tabwriter.Debug)
	fmt.Fprintln(tw, "benchmark\tours ns/op\tbase ns/op\ttime ratio\ttarget\tours allocs\tbase allocs\talloc ratio\ttarget\tverdict\t")
	missed := 0
	for _, p := range pairs {
		var times, allocRatios, oursNs, baseNs, oursAllocs, baseAllocs []float64
		for _, round := range byRound {
			o, okO := round[unit{pkg: p.pkg, name: p.bench + "/" + p.ours}.key()]
			b, okB := round[unit{pkg: p.pkg, name: p.bench + "/" + p.base}.key()]
			if !okO || !okB {
				return fmt.Errorf("%s: missing %s or %s in a round", p.bench, p.ours, p.base)
			}
			times = append(times, o["ns/op"]/b["ns/op"])
			oursNs, baseNs = append(oursNs, o["ns/op"]), append(baseNs, b["ns/op"])
			oursAllocs, baseAllocs = append(oursAllocs, o["allocs/op"]), append(baseAllocs, b["allocs/op"])
			if b["allocs/op"] > 0 {
				allocRatios = append(allocRatios, o["allocs/op"]/b["allocs/op"])
			}
		}
		t, a := median(times), median(allocRatios)
		ok := (p.maxTime == 0 || t <= p.maxTime) &&
			(p.maxAllocs == 0 || a <= p.maxAllocs) &&
			(p.absAllocs == 0 || median(oursAllocs) <= p.absAllocs)
		verdict := "ok"
		if !ok {
			verdict, missed = "MISSED", missed+1
		}
		if p.maxTime == 0 && p.maxAllocs == 0 && p.absAllocs == 0 {
			verdict = "(reported)"
		}
		allocTarget := target(p.maxAllocs, "×")
		if p.absAllocs > 0 {
			allocTarget = fmt.Sprintf("≤ %g allocs", p.absAllocs)
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%.2f×\t%s\t%.0f\t%.0f\t%.2f×\t%s\t%s\t\n",
			p.row(),
			median(oursNs), median(baseNs), t, target(p.maxTime, "×"),
			median(oursAllocs), median(baseAllocs), a, allocTarget, verdict)
	}
	tw.Flush()
	fmt.Fprintln(out)
	tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight|tabwriter.Debug)
	fmt.Fprintln(tw, "benchmark\tns/op\ttarget\tallocs/op\textra\tverdict\t")
	for _, s := range singles {
		var ns, allocs, extra []float64
		for _, round := range byRound {
			u := unit{pkg: s.pkg, name: s.bench, flag: s.flag}
			res, ok := round[u.key()]
			if !ok {
				return fmt.Errorf("%s missing in a round", u.label())
			}
			ns, allocs = append(ns, res["ns/op"]), append(allocs, res["allocs/op"])
			if s.metric != "" {
				extra = append(extra, res[s.metric])
			}
		}
		verdict := "(reported)"
		if s.maxNs > 0 || s.minMetric > 0 {
			verdict = "ok"
			if (s.maxNs > 0 && median(ns) > s.maxNs) || (s.minMetric > 0 && median(extra) < s.minMetric) {
				verdict, missed = "MISSED", missed+1
			}
		}
		ex, tgt := "", target(s.maxNs, " ns")
		if s.metric != "" {
			ex = fmt.Sprintf("%.0f %s", median(extra), s.metric)
		}
		if s.minMetric > 0 {
			tgt = fmt.Sprintf("≥ %g %s", s.minMetric, s.metric)
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%s\t%.0f\t%s\t%s\t\n", s.row(), median(ns), tgt, median(allocs), ex, verdict)
	}
	tw.Flush()
	fmt.Fprintf(out, "\nmedians of %d interleaved rounds, -benchtime %s each\n", rounds, benchtime)
	if missed > 0 {
		return fmt.Errorf("%d target(s) missed", missed)
	}
	return nil
}

// unit is one benchmark, run by itself, with flag (if not "") given to
// the test binary.
type unit struct{ pkg, name, flag string }

// key identifies u's results in a round.
func (u unit) key() string { return u.pkg + " " + u.label() }

// label is u's name as the table prints it: the benchmark, and its flag.
func (u unit) label() string {
	if u.flag == "" {
		return u.name
	}
	return u.name + " " + u.flag
}

func appendUnit(units []unit, u unit) []unit {
	if slices.Contains(units, u) {
		return units
	}
	return append(units, u)
}

// pattern is the -test.bench value that selects exactly u's benchmark.
func (u unit) pattern() string {
	parts := strings.Split(u.name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}

func target(v float64, unit string) string {
	if v == 0 {
		return "-"
	}
	return fmt.Sprintf("≤ %g%s", v, unit)
}

// parse reads `go test -bench` output into results by benchmark name, with
// the -GOMAXPROCS suffix removed.
func parse(out []byte) map[string]result {
	results := map[string]result{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		name := fields[0]
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		res := result{}
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				break
			}
			res[fields[i+1]] = v
		}
		results[name] = res
	}
	return results
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
