package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaysim"
)

// batchRun is one timed batch against a fresh simulator.
type batchRun struct {
	n, concurrency int
	out            bool // with --out
}

// timeBatch cancels n fresh Tsrs read from a file and returns the
// throughput and the peak RSS of the process in KiB.
func timeBatch(t *testing.T, b batchRun) (perSecond float64, maxRSSKiB int64) {
	t.Helper()
	tsrs := tsrList(fmt.Sprintf("B%d", b.n), b.n)
	sim := newSim(t, tsrs...)
	dir := t.TempDir()
	input := filepath.Join(dir, "tsrs.txt")
	if err := os.WriteFile(input, []byte(strings.Join(tsrs, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"cancel-delay-issue", "--base-url", sim.URL, "--rate", "0", "--concurrency", strconv.Itoa(b.concurrency), "--file", input}
	if b.out {
		args = append(args, "--out", filepath.Join(dir, "results.jsonl"))
	}
	start := time.Now()
	out := runBinary(t, invocation{args: args, measure: true})
	elapsed := time.Since(start)
	if out.code != exitOK {
		t.Fatalf("exit status %d; stderr:\n%s", out.code, out.stderr)
	}
	if got := len(parseResults(t, out.stdout)); got != b.n {
		t.Fatalf("%d results, want %d", got, b.n)
	}
	for _, inv := range sim.Invoices() {
		if inv.Status != ecpaysim.StatusCancelled || inv.CancelRequests != 1 {
			t.Fatalf("%+v", inv)
		}
	}
	return float64(b.n) / elapsed.Seconds(), out.maxRSSKiB
}

// TestThroughput2000 cancels 2,000 Tsrs at --concurrency 8 --rate 0 and logs
// the throughput; it asserts correctness, not speed.
func TestThroughput2000(t *testing.T) {
	rate, rss := timeBatch(t, batchRun{n: 2000, concurrency: 8, out: true})
	t.Logf("2,000 Tsrs, --concurrency 8 --rate 0 --out: %.0f Tsrs/s, peak RSS %d KiB", rate, rss)
}

// timeIssueBatch issues n fresh invoices (ECPay's SDK example of Issue,
// each with its own RelateNumber) read from a file, with --out, and returns
// the throughput and the peak RSS of the process in KiB.
func timeIssueBatch(t *testing.T, n, concurrency int) (perSecond float64, maxRSSKiB int64) {
	t.Helper()
	sim := newSim(t)
	input, keys := issueFile(t, fmt.Sprintf("I%d", n), n)
	out := filepath.Join(t.TempDir(), "results.jsonl")
	args := []string{"issue", "--base-url", sim.URL, "--rate", "0", "--concurrency", strconv.Itoa(concurrency), "--file", input, "--out", out}
	start := time.Now()
	run := runBinary(t, invocation{args: args, measure: true})
	elapsed := time.Since(start)
	if run.code != exitOK {
		t.Fatalf("exit status %d; stderr:\n%s", run.code, run.stderr)
	}
	assertIssuedOnce(t, sim, out, keys)
	return float64(n) / elapsed.Seconds(), run.maxRSSKiB
}

// TestThroughputIssue2000 issues 2,000 invoices at --concurrency 8 and 16,
// --rate 0 --out, and logs the throughput; it asserts correctness (each
// issued once, with its InvoiceNo in the results file), not speed.
func TestThroughputIssue2000(t *testing.T) {
	for _, concurrency := range []int{8, 16} {
		rate, rss := timeIssueBatch(t, 2000, concurrency)
		t.Logf("2,000 invoices, issue --concurrency %2d --rate 0 --out: %.0f invoices/s, peak RSS %d KiB", concurrency, rate, rss)
	}
}

// TestMemoryDoesNotGrowWithTsrs measures 1,000 and 10,000-Tsr batches at
// --concurrency 16 --rate 0. It is slow, so it runs only when
// ECPAY_INVOICE_BIG=1.
func TestMemoryDoesNotGrowWithTsrs(t *testing.T) {
	if os.Getenv("ECPAY_INVOICE_BIG") != "1" {
		t.Skip("set ECPAY_INVOICE_BIG=1 to run the 1,000 and 10,000-Tsr batches")
	}
	for _, out := range []bool{false, true} {
		for _, n := range []int{1000, 10000} {
			rate, rss := timeBatch(t, batchRun{n: n, concurrency: 16, out: out})
			t.Logf("%6d Tsrs, --concurrency 16 --rate 0, --out %-5t: %5.0f Tsrs/s, peak RSS %d KiB", n, out, rate, rss)
		}
	}
}
