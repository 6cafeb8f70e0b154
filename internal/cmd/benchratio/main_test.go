package main

import (
	"regexp"
	"testing"
)

func TestParse(t *testing.T) {
	out := []byte(`goos: linux
BenchmarkRoundTrip/impl=client-2   	    7430	    194719 ns/op	   12116 B/op	     147 allocs/op
BenchmarkSimulator-2   	   17772	    130250 ns/op	      7678 req/s	   24554 B/op	     308 allocs/op
BenchmarkOdd/name-with-dash-2   	 10	 5.5 ns/op
PASS
ok  	github.com/ecpay-go/einvoice/wrapper	15.033s
`)
	got := parse(out)
	tests := map[string]result{
		"BenchmarkRoundTrip/impl=client": {"ns/op": 194719, "B/op": 12116, "allocs/op": 147},
		"BenchmarkSimulator":             {"ns/op": 130250, "req/s": 7678, "B/op": 24554, "allocs/op": 308},
		"BenchmarkOdd/name-with-dash":    {"ns/op": 5.5},
	}
	if len(got) != len(tests) {
		t.Errorf("parsed %d benchmarks, want %d: %v", len(got), len(tests), got)
	}
	for name, want := range tests {
		for unit, v := range want {
			if got[name][unit] != v {
				t.Errorf("%s %s = %v, want %v", name, unit, got[name][unit], v)
			}
		}
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
	} {
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// A unit's pattern selects its benchmark and not one whose name extends it.
func TestUnitPattern(t *testing.T) {
	p := unit{name: "BenchmarkRoundTrip/impl=client"}.pattern()
	parts := regexp.MustCompile(`\$/`).Split(p, -1)
	if len(parts) != 2 {
		t.Fatalf("pattern %q: want one part per level", p)
	}
	top, sub := regexp.MustCompile(parts[0]+"$"), regexp.MustCompile(parts[1])
	if !top.MatchString("BenchmarkRoundTrip") || top.MatchString("BenchmarkRoundTripX") {
		t.Errorf("top level %q", parts[0])
	}
	if !sub.MatchString("impl=client") || sub.MatchString("impl=client-notimeout") {
		t.Errorf("sub level %q", parts[1])
	}
}

// TestUnitFlagSetsApart checks that one benchmark run with a flag (the
// simulator under -load-op=Issue) and without is two units, with two
// results in a round and two lines in the table.
func TestUnitFlagSetsApart(t *testing.T) {
	plain := unit{pkg: "./ecpaysim", name: "BenchmarkSimulator"}
	issue := unit{pkg: "./ecpaysim", name: "BenchmarkSimulator", flag: "-load-op=Issue"}
	if plain.key() == issue.key() {
		t.Errorf("both units have the key %q", plain.key())
	}
	if got := appendUnit(appendUnit(nil, plain), issue); len(got) != 2 {
		t.Errorf("appendUnit kept %v, want both", got)
	}
	if got, want := issue.label(), "BenchmarkSimulator -load-op=Issue"; got != want {
		t.Errorf("label %q, want %q", got, want)
	}
}

func TestSelectOnly(t *testing.T) {
	allPairs, allSingles := pairs, singles
	t.Cleanup(func() { pairs, singles = allPairs, allSingles })
	for _, tc := range []struct {
		expr           string
		pairs, singles int
		wantErr        bool
	}{
		{expr: "", pairs: len(allPairs), singles: len(allSingles)},
		{expr: `^IssueRoundTrip impl=client vs impl=lean-timeout$`, pairs: 1},
		{expr: `-load-op=Issue`, singles: 1},
		{expr: `^NoSuchBenchmark`, wantErr: true},
		{expr: `(`, wantErr: true},
	} {
		pairs, singles = allPairs, allSingles
		err := selectOnly(tc.expr)
		if (err != nil) != tc.wantErr {
			t.Errorf("selectOnly(%q) = %v, want error %v", tc.expr, err, tc.wantErr)
			continue
		}
		if err == nil && (len(pairs) != tc.pairs || len(singles) != tc.singles) {
			t.Errorf("selectOnly(%q) kept %d pairs and %d singles, want %d and %d", tc.expr, len(pairs), len(singles), tc.pairs, tc.singles)
		}
	}
}
