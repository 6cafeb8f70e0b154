package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/ecpaysim/proxy"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/testkit"
	"github.com/ecpay-go/einvoice/wrapper"
)

// record makes a recording through a real proxy in front of a real
// simulator: a cancel, a trigger the simulator refuses, and one request that
// breaks the page (a Tsr of 31 characters, sent past the client's check).
func record(t *testing.T) string {
	t.Helper()
	sim := newSim(t, "R1")
	var rec testkit.Buffer
	p, err := proxy.New(sim.URL, proxy.WithRecording(&rec))
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(p)
	defer front.Close()
	c, err := wrapper.NewClient(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV, wrapper.WithBaseURL(front.URL))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CancelDelayIssue(t.Context(), wrapper.CancelDelayIssueRequest{Tsr: "R1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TriggerIssue(t.Context(), wrapper.TriggerIssueRequest{Tsr: "R9", PayType: "2"}); err == nil {
		t.Fatal("the trigger of an unknown Tsr succeeded")
	}
	// The client would not send this; a merchant's own code might.
	body := fmt.Sprintf(`{"MerchantID":"2000132","RqHeader":{"Timestamp":%d},"Data":%q}`,
		time.Now().Unix(), stageData(t, `{"MerchantID":"2000132","Tsr":"`+strings.Repeat("9", 31)+`"}`))
	resp, err := http.Post(front.URL+registry.CancelDelayIssue.Path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	path := filepath.Join(t.TempDir(), "recording.jsonl")
	if err := os.WriteFile(path, []byte(rec.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestValidateRecord(t *testing.T) {
	path := record(t)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("the recording has %d lines, want 3:\n%s", len(lines), raw)
	}
	write := func(t *testing.T, lines []string) string {
		p := filepath.Join(t.TempDir(), "edited.jsonl")
		if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// A recorded verdict the pages no longer give, and one they give that
	// the recording lacks: what a spec update does to a recording.
	var broken map[string]any
	if err := json.Unmarshal([]byte(lines[2]), &broken); err != nil {
		t.Fatal(err)
	}
	broken["violations"] = []any{}
	brokenLine, _ := json.Marshal(broken)
	var ok map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &ok); err != nil {
		t.Fatal(err)
	}
	ok["violations"] = []any{map[string]any{"side": "request", "where": "data", "pointer": "/Tsr", "rule": "maxLength", "reason": "maximum string length is 20"}}
	okLine, _ := json.Marshal(ok)
	// An upstream failure is counted, not checked, whatever it holds.
	var failed map[string]any
	if err := json.Unmarshal([]byte(lines[2]), &failed); err != nil {
		t.Fatal(err)
	}
	failed["upstream_failure"] = "the upstream answered HTTP 403 Forbidden"
	failedLine, _ := json.Marshal(failed)

	tests := []struct {
		name     string
		args     []string
		stdin    string
		wantCode int
		want     []string // lines of stdout, in order, by prefix
		wantErr  string
	}{
		{name: "as recorded", args: []string{"validate", "--record", path}, wantCode: exitRefused, want: []string{
			"line 3: CancelDelayIssue: request data#/Tsr: maxLength: maximum string length is 30",
			"record: 3 exchanges, 1 violation in 1 of them (0 new since the recording, 0 gone); 0 upstream failures, not checked",
		}},
		{name: "from stdin", args: []string{"validate", "--record", "-"}, stdin: string(raw), wantCode: exitRefused, want: []string{"line 3: CancelDelayIssue:", "record: 3 exchanges"}},
		{name: "verdicts changed since", args: []string{"validate", "--record", write(t, []string{string(okLine), lines[1], string(brokenLine)})}, wantCode: exitRefused, want: []string{
			"line 1: CancelDelayIssue: no longer a violation: request data#/Tsr: maxLength: maximum string length is 20",
			"line 3: CancelDelayIssue: request data#/Tsr: maxLength: maximum string length is 30 (new since the recording)",
			"record: 3 exchanges, 1 violation in 1 of them (1 new since the recording, 1 gone)",
		}},
		{name: "an upstream failure", args: []string{"validate", "--record", write(t, []string{lines[0], string(failedLine)})}, wantCode: exitOK, want: []string{"record: 2 exchanges, 0 violations in 0 of them (0 new since the recording, 0 gone); 1 upstream failure, not checked"}},
		{name: "only clean exchanges", args: []string{"validate", "--record", write(t, lines[:2])}, wantCode: exitOK, want: []string{"record: 2 exchanges, 0 violations in 0 of them"}},
		{name: "a line that is no exchange", args: []string{"validate", "--record", write(t, []string{lines[0], `{"not":"an exchange"}`, lines[1]})}, wantCode: exitInvalid, want: []string{"record: 2 exchanges"}, wantErr: "line 2"},
		{name: "with another flag", args: []string{"validate", "--record", path, "--operation", "TriggerIssue"}, wantCode: exitInvalid, wantErr: "--record takes no other flag (--operation)"},
		{name: "a directory", args: []string{"validate", "--record", t.TempDir()}, wantCode: exitInvalid, wantErr: "is a directory, not a regular file or a pipe"},
		{name: "missing file", args: []string{"validate", "--record", filepath.Join(t.TempDir(), "none.jsonl")}, wantCode: exitInvalid, wantErr: "--record"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := runBinary(t, invocation{args: tt.args, stdin: tt.stdin})
			if out.code != tt.wantCode {
				t.Errorf("exit status %d, want %d\nstdout: %s\nstderr: %s", out.code, tt.wantCode, out.stdout, out.stderr)
			}
			got := strings.Split(strings.TrimSuffix(out.stdout, "\n"), "\n")
			i := 0
			for _, line := range got {
				if i < len(tt.want) && strings.HasPrefix(line, tt.want[i]) {
					i++
				}
			}
			if i < len(tt.want) {
				t.Errorf("stdout lacks %q (in order):\n%s", tt.want[i], out.stdout)
			}
			if !strings.Contains(out.stderr, tt.wantErr) {
				t.Errorf("stderr lacks %q: %s", tt.wantErr, out.stderr)
			}
		})
	}
}
