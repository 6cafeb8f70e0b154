package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/ecpaysim/ecpaysimtest"
	"github.com/ecpay-go/einvoice/internal/batch"
	"github.com/ecpay-go/einvoice/internal/browsertest"
	"github.com/ecpay-go/einvoice/wrapper"
)

// binary is the command built once for the tests that run it as a process.
var binary string

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	flag.Parse()
	if fuzzing() {
		// Fuzz targets run in worker processes that need no binary.
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "ecpay-invoice-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "ecpay-invoice")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building ecpay-invoice: %v\n%s", err, out)
		return 1
	}
	return browsertest.Run(m)
}

// fuzzing reports whether go test runs a fuzz target: -fuzz, or a worker
// process of it.
func fuzzing() bool {
	for _, name := range []string{"test.fuzz", "test.fuzzworker"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != "" && f.Value.String() != "false" {
			return true
		}
	}
	return false
}

// Merchant credentials of a non-stage merchant, which must never appear in
// any output either.
const (
	otherMerchantID = "3000001"
	otherHashKey    = "K3yOfTheOtherM3r"
	otherHashIV     = "IVofTheOtherM3r!"
)

// secrets are the strings no output may contain.
var secrets = []string{wrapper.StageHashKey, wrapper.StageHashIV, otherHashKey, otherHashIV}

// outcome is what a run of the binary left behind.
type outcome struct {
	stdout, stderr string
	code           int
	// maxRSSKiB is the peak resident set of the process, measured by
	// /usr/bin/time when invocation.measure asks for it; 0 if unknown.
	maxRSSKiB int64
}

// invocation describes one run of the binary.
type invocation struct {
	args  []string
	stdin string
	env   []string // added to a minimal environment without ECPAY_ variables
	// measure runs the binary under /usr/bin/time for its peak RSS. The
	// rusage of a child of the test process would not do: Go starts
	// children with vfork, so until exec their peak counts the test
	// process's own memory, simulator included.
	measure bool
}

// runBinary runs the built command and checks that its output is clean.
func runBinary(t *testing.T, inv invocation) outcome {
	t.Helper()
	cmd := exec.Command(binary, inv.args...)
	rssFile := filepath.Join(t.TempDir(), "maxrss")
	if inv.measure {
		if _, err := os.Stat("/usr/bin/time"); err != nil {
			t.Skip("measuring peak RSS needs /usr/bin/time")
		}
		cmd = exec.Command("/usr/bin/time", append([]string{"-f", "%M", "-o", rssFile, binary}, inv.args...)...)
	}
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, inv.env...)
	cmd.Stdin = strings.NewReader(inv.stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("running %v: %v", inv.args, err)
	}
	out := outcome{stdout: stdout.String(), stderr: stderr.String(), code: cmd.ProcessState.ExitCode()}
	if inv.measure {
		b, err := os.ReadFile(rssFile)
		if err != nil {
			t.Fatal(err)
		}
		// GNU time notes a non-zero exit status before the figure.
		fields := strings.Fields(string(b))
		if len(fields) == 0 {
			t.Fatalf("/usr/bin/time wrote %q", b)
		}
		if out.maxRSSKiB, err = strconv.ParseInt(fields[len(fields)-1], 10, 64); err != nil {
			t.Fatalf("/usr/bin/time wrote %q", b)
		}
	}
	assertClean(t, out.stdout, out.stderr)
	return out
}

// assertClean fails t if any output holds a panic trace or a secret.
func assertClean(t *testing.T, outputs ...string) {
	t.Helper()
	for _, s := range outputs {
		for _, bad := range append([]string{"panic:", "goroutine ", "runtime error"}, secrets...) {
			if strings.Contains(s, bad) {
				t.Errorf("output holds %q:\n%s", bad, s)
			}
		}
	}
}

// newSim starts a simulator with the stage merchant and the other merchant,
// holding pending delayed invoices for tsrs of the stage merchant.
func newSim(t *testing.T, tsrs ...string) *ecpaysimtest.Server {
	t.Helper()
	sim := ecpaysimtest.NewServer(t,
		ecpaysim.WithMerchant(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV),
		ecpaysim.WithMerchant(otherMerchantID, otherHashKey, otherHashIV))
	for _, tsr := range tsrs {
		if err := sim.AddDelayedInvoice(ecpaysim.StageMerchantID, tsr); err != nil {
			t.Fatal(err)
		}
	}
	return sim
}

// tsrList returns n Tsrs with prefix.
func tsrList(prefix string, n int) []string {
	tsrs := make([]string, n)
	for i := range tsrs {
		tsrs[i] = fmt.Sprintf("%s%06d", prefix, i)
	}
	return tsrs
}

// parseResults decodes the stdout of a batch (or a results file), which
// must hold JSON objects only, one per line.
func parseResults(t *testing.T, stdout string) []batch.Result {
	t.Helper()
	var results []batch.Result
	sc := bufio.NewScanner(strings.NewReader(stdout))
	for sc.Scan() {
		var r batch.Result
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("stdout line %q is not a result: %v", sc.Text(), err)
		}
		results = append(results, r)
	}
	return results
}

// byTsr indexes results by Tsr; a Tsr must appear once.
func byTsr(t *testing.T, results []batch.Result) map[string]batch.Result {
	t.Helper()
	m := make(map[string]batch.Result, len(results))
	for _, r := range results {
		if _, dup := m[r.Key]; dup {
			t.Errorf("Tsr %s reported twice", r.Key)
		}
		m[r.Key] = r
	}
	return m
}
