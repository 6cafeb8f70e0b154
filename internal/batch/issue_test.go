package batch

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/ecpaysim/ecpaysimtest"
	"github.com/ecpay-go/einvoice/wrapper"
)

// issueLine is ECPay's SDK example of Issue with relateNumber, as a line.
func issueLine(t *testing.T, relateNumber string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "sdk-examples", "Issue.json"))
	if err != nil {
		t.Fatal(err)
	}
	var data map[string]any
	if err := json.Unmarshal(raw, &data); err != nil {
		t.Fatal(err)
	}
	data["RelateNumber"] = relateNumber
	line, _ := json.Marshal(data)
	return string(line)
}

// runIssue runs an issue batch of lines against sim at concurrency 1, so
// that the faults queued meet the requests in order, and returns its
// results and exit status.
func runIssue(t *testing.T, sim *ecpaysimtest.Server, out string, lines ...string) ([]Result, int) {
	t.Helper()
	bop := IssueOperation()
	var stdout bytes.Buffer
	cfg := Config{
		Operation: bop, Concurrency: 1, Timeout: 10 * time.Second, Out: out,
		Target: Target{Operation: bop.Op.Name, BaseURL: sim.URL, MerchantID: wrapper.StageMerchantID},
		Stdout: &stdout, Stderr: io.Discard,
	}
	b, err := Start(t.Context(), cfg, func(opts ...wrapper.Option) (*wrapper.Client, error) {
		return wrapper.NewClient(wrapper.StageMerchantID, wrapper.StageHashKey, wrapper.StageHashIV, append(opts, wrapper.WithBaseURL(sim.URL))...)
	})
	if err != nil {
		t.Fatal(err)
	}
	src, err := OpenDataSource(t.Context(), bop, "-", strings.NewReader(strings.Join(lines, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	code := b.Run(src)
	var results []Result
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		var r Result
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		results = append(results, r)
	}
	return results, code
}

// operations lists the operations the simulator was asked, sorted: a
// request whose answer was lost is recorded once its connection is closed,
// which may be after the next request.
func operations(sim *ecpaysimtest.Server) string {
	var ops []string
	for _, r := range sim.Requests() {
		ops = append(ops, r.Operation)
	}
	return sorted(strings.Join(ops, " "))
}

// sorted sorts the words of s.
func sorted(s string) string {
	words := strings.Fields(s)
	slices.Sort(words)
	return strings.Join(words, " ")
}

// An Issue whose answer was lost is settled by GetIssue before anything
// is resent: the sequences of answers ECPay may give, faults standing for
// what the simulator would not say by itself.
func TestIssueSettlesLostAnswers(t *testing.T) {
	found := ecpaysim.Fault{Data: `{"RtnCode":1,"RtnMsg":"查詢成功","IIS_Number":"AB12345678","IIS_Relate_Number":"R1","IIS_Create_Date":"2026-12-07 10:00:00","IIS_Random_Number":"0420"}`}
	notFound := ecpaysim.Fault{RtnCode: wrapper.RtnCodeInvoiceNotFound}
	duplicate := ecpaysim.Fault{RtnCode: wrapper.RtnCodeDuplicateRelateNumber}
	tests := map[string]struct {
		faults []ecpaysim.Fault
		// ops are the operations asked, in order.
		ops     string
		outcome string
		resent  bool
		ok      bool
		invoice string
		code    int
		final   bool
		// For a result not final, a rerun is answered rerunFaults and asks
		// rerun, ending with rerunOutcome, resent or not.
		rerunFaults  []ecpaysim.Fault
		rerun        string
		rerunOutcome string
		rerunResent  bool
	}{
		"lost after the work, found": {
			faults: []ecpaysim.Fault{{LoseAnswer: true}, found},
			ops:    "Issue GetIssue", outcome: OutcomeIssuedEarlier, ok: true, invoice: "AB12345678", code: ExitOK, final: true,
		},
		"garbled, not found, resent": {
			faults: []ecpaysim.Fault{{MalformedBody: `{"TransCode":`}, notFound},
			ops:    "Issue GetIssue Issue", resent: true, ok: true, code: ExitOK, final: true,
		},
		"lost, not found, resend refused as a repeated RelateNumber, found": {
			faults: []ecpaysim.Fault{{LoseAnswer: true}, notFound, duplicate, found},
			ops:    "Issue GetIssue Issue GetIssue", outcome: OutcomeIssuedEarlier, resent: true, ok: true, invoice: "AB12345678", code: ExitOK, final: true,
		},
		"HTTP 502, not found, resent": {
			faults: []ecpaysim.Fault{{HTTPStatus: 502}, notFound},
			ops:    "Issue GetIssue Issue", resent: true, ok: true, code: ExitOK, final: true,
		},
		"HTTP 503, which says nothing was done: a failure a rerun sends again": {
			faults: []ecpaysim.Fault{{HTTPStatus: 503}},
			ops:    "Issue", code: ExitFailure, rerun: "Issue",
		},
		"lost, and the lookup fails": {
			faults: []ecpaysim.Fault{{LoseAnswer: true}, {HTTPStatus: 503}},
			ops:    "Issue GetIssue", outcome: OutcomeUnsettled, code: ExitFailure,
			rerunFaults: []ecpaysim.Fault{found}, rerun: "GetIssue", rerunOutcome: OutcomeIssuedEarlier,
		},
		"lost twice": {
			faults: []ecpaysim.Fault{{MalformedBody: "x"}, notFound, {MalformedBody: "x"}, notFound},
			ops:    "Issue GetIssue Issue GetIssue", resent: true, code: ExitFailure,
			rerunFaults: []ecpaysim.Fault{notFound}, rerun: "GetIssue Issue", rerunResent: true,
		},
		"refused as a repeated RelateNumber at the first send: a refusal, not settled": {
			faults: []ecpaysim.Fault{duplicate},
			ops:    "Issue", code: ExitRefused, final: true,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			sim := ecpaysimtest.NewServer(t)
			if err := sim.InjectNext(tt.faults...); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), "results.jsonl")
			results, code := runIssue(t, sim, out, issueLine(t, "R1"))
			if len(results) != 1 {
				t.Fatalf("results %+v", results)
			}
			r := results[0]
			if got := operations(sim); got != sorted(tt.ops) {
				t.Errorf("the simulator was asked %q, want %q", got, tt.ops)
			}
			if r.Key != "R1" || r.Outcome != tt.outcome || r.Resent != tt.resent || r.OK != tt.ok || code != tt.code || r.Final() != tt.final {
				t.Errorf("result %+v (error %+v), exit %d; want outcome %q resent %t ok %t exit %d final %t", r, r.Error, code, tt.outcome, tt.resent, tt.ok, tt.code, tt.final)
			}
			if tt.invoice != "" && (r.InvoiceNo != tt.invoice || r.RandomNumber != "0420" || r.InvoiceDate != "2026-12-07 10:00:00") {
				t.Errorf("invoice %+v, want %s from GetIssue", r.Issued, tt.invoice)
			}
			if n := sim.PendingFaults(); n != 0 {
				t.Errorf("%d faults left unused", n)
			}
			// A key left unsettled is looked up again by a rerun before
			// anything is sent, unless nothing was done for it.
			if !tt.final {
				if err := sim.InjectNext(tt.rerunFaults...); err != nil {
					t.Fatal(err)
				}
				before := len(sim.Requests())
				again, code := runIssue(t, sim, out, issueLine(t, "R1"))
				if r := again[0]; code != ExitOK || !r.OK || r.Resent != tt.rerunResent || r.Outcome != tt.rerunOutcome {
					t.Errorf("rerun: exit %d, %+v; want outcome %q resent %t", code, r, tt.rerunOutcome, tt.rerunResent)
				}
				if got := operations(sim); got != sorted(tt.ops+" "+tt.rerun) || len(sim.Requests()) != before+len(strings.Fields(tt.rerun)) {
					t.Errorf("after the rerun the simulator was asked %q, want %q then %q", got, tt.ops, tt.rerun)
				}
			}
		})
	}
}
