package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/wrapper"
)

// parseCallResult decodes call's stdout: exactly one JSON object.
func parseCallResult(t *testing.T, stdout string) callResult {
	t.Helper()
	if strings.Count(stdout, "\n") != 1 {
		t.Fatalf("stdout is not one line:\n%s", stdout)
	}
	var r callResult
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("stdout %q: %v", stdout, err)
	}
	return r
}

// hasMembers reports whether the JSON object data has every member of the
// JSON object want, with the same value: a vendor update may add members.
func hasMembers(data json.RawMessage, want string) bool {
	var got, members map[string]any
	if json.Unmarshal(data, &got) != nil || json.Unmarshal([]byte(want), &members) != nil {
		return false
	}
	for name, v := range members {
		if g, ok := got[name]; !ok || g != v {
			return false
		}
	}
	return true
}

func TestCall(t *testing.T) {
	sim := newSim(t, "C1", "C2")
	if err := sim.AddInvoice(ecpaysim.DelayedInvoice{MerchantID: wrapper.StageMerchantID, Tsr: "C3", DelayDay: 2}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		args      []string
		stdin     string
		wantCode  int
		wantOK    bool
		wantRtn   int
		wantKind  string
		wantData  string // members of the decrypted answer, when ok
		wantSends bool
	}{
		{
			name: "TriggerIssue issues", args: []string{"TriggerIssue", "--data", `{"Tsr":"C1","PayType":"2"}`},
			wantCode: exitOK, wantOK: true, wantRtn: wrapper.RtnCodeIssued, wantData: `{"RtnCode":4000004,"RtnMsg":"開立發票成功"}`, wantSends: true,
		},
		{
			name: "the operation after the flags, the Data on stdin", args: []string{"--data", "-", "trigger-issue"}, stdin: `{"Tsr":"C3","PayType":"2"}`,
			wantCode: exitOK, wantOK: true, wantRtn: wrapper.RtnCodeTriggered, wantSends: true,
		},
		{
			name: "CancelDelayIssue with the Data on stdin", args: []string{"CancelDelayIssue"}, stdin: "{\"Tsr\":\"C2\"}\n",
			wantCode: exitOK, wantOK: true, wantRtn: wrapper.RtnCodeOK, wantData: `{"RtnCode":1,"RtnMsg":"取消開立發票成功"}`, wantSends: true,
		},
		{
			name: "a refusal", args: []string{"CancelDelayIssue", "--data", `{"Tsr":"C1"}`},
			wantCode: exitRefused, wantRtn: wrapper.RtnCodeNoUpdatableTsr, wantKind: wrapper.KindAPI, wantSends: true,
		},
		{
			name: "an unknown member is refused before sending", args: []string{"CancelDelayIssue", "--data", `{"Tsr":"C9","Frob":1}`},
			wantCode: exitInvalid, wantKind: wrapper.KindValidation,
		},
		{
			name: "a required field left out", args: []string{"CancelDelayIssue", "--data", `{}`},
			wantCode: exitInvalid, wantKind: wrapper.KindValidation,
		},
		{
			name: "not JSON", args: []string{"TriggerIssue", "--data", `Tsr=C9`},
			wantCode: exitInvalid, wantKind: wrapper.KindValidation,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(sim.Requests())
			out := runBinary(t, invocation{args: append([]string{"call", "--base-url", sim.URL}, tt.args...), stdin: tt.stdin})
			if out.code != tt.wantCode {
				t.Errorf("exit status %d, want %d; stderr %s", out.code, tt.wantCode, out.stderr)
			}
			r := parseCallResult(t, out.stdout)
			if r.Operation == "" || r.OK != tt.wantOK {
				t.Errorf("got %+v", r)
			}
			if tt.wantRtn != 0 && (r.RtnCode == nil || *r.RtnCode != tt.wantRtn) {
				t.Errorf("rtn_code %v, want %d", r.RtnCode, tt.wantRtn)
			}
			if tt.wantKind != "" && (r.Error == nil || r.Error.Kind != tt.wantKind) {
				t.Errorf("error %+v, want kind %s", r.Error, tt.wantKind)
			}
			if tt.wantData != "" && !hasMembers(r.Data, tt.wantData) {
				t.Errorf("data %s, want the members of %s", r.Data, tt.wantData)
			}
			if !tt.wantOK && r.Data != nil {
				t.Errorf("a failure has data %s", r.Data)
			}
			if sent := len(sim.Requests()) > before; sent != tt.wantSends {
				t.Errorf("sent %t, want %t", sent, tt.wantSends)
			}
		})
	}
}

func TestCallFailuresHaveTheBatchCodes(t *testing.T) {
	sim := newSim(t)
	if err := sim.InjectNext(ecpaysim.Fault{TransCode: 10000016, TransMsg: "injected"}, ecpaysim.Fault{HTTPStatus: http.StatusServiceUnavailable}); err != nil {
		t.Fatal(err)
	}
	args := []string{"call", "TriggerIssue", "--base-url", sim.URL, "--data", `{"Tsr":"X","PayType":"2"}`}
	trans := runBinary(t, invocation{args: args})
	if r := parseCallResult(t, trans.stdout); trans.code != exitRefused || r.TransCode == nil || *r.TransCode != 10000016 || r.TransMsg == nil || *r.TransMsg != "injected" {
		t.Errorf("TransCode: exit status %d, %+v", trans.code, r)
	}
	status := runBinary(t, invocation{args: args})
	if r := parseCallResult(t, status.stdout); status.code != exitFailure || r.HTTPStatus != http.StatusServiceUnavailable || r.Error.Kind != wrapper.KindHTTP {
		t.Errorf("HTTP: exit status %d, %+v", status.code, r)
	}
	closed := runBinary(t, invocation{args: []string{"call", "CancelDelayIssue", "--base-url", closedURL(t), "--data", `{"Tsr":"X"}`}})
	if r := parseCallResult(t, closed.stdout); closed.code != exitFailure || r.Error.Kind != wrapper.KindTransport {
		t.Errorf("transport: exit status %d, %+v", closed.code, r)
	}
}

func TestCallHelpListsTheOperations(t *testing.T) {
	out := runBinary(t, invocation{args: []string{"call", "--help"}})
	text := strings.Join(strings.Fields(out.stdout), " ")
	for _, op := range registry.All() {
		if !strings.Contains(text, op.Name+" "+op.Summary) {
			t.Errorf("call --help lacks %s and its summary:\n%s", op.Name, out.stdout)
		}
		for _, c := range op.Successes() {
			if !strings.Contains(text, c.Description) {
				t.Errorf("call --help lacks %s's success code %d", op.Name, c.Code)
			}
		}
	}
}

// TestCallFillsThePagesDefaults: call sends a member the caller left out
// or empty with the value the page gives it (TriggerIssue's page allows
// PayType one value), and never changes a value given.
func TestCallFillsThePagesDefaults(t *testing.T) {
	sim := newSim(t, "D1", "D2")
	tests := []struct {
		name, data  string
		wantCode    int
		wantMessage string // in error.message when refused
	}{
		{name: "left out", data: `{"Tsr":"D1"}`, wantCode: exitOK},
		{name: "empty", data: `{"Tsr":"D2","PayType":""}`, wantCode: exitOK},
		{name: "another value is kept and refused", data: `{"Tsr":"D3","PayType":"3"}`, wantCode: exitInvalid, wantMessage: `PayType is not one of the allowed values: "2"; give one of them`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(sim.Requests())
			out := runBinary(t, invocation{args: []string{"call", "TriggerIssue", "--base-url", sim.URL, "--data", tt.data}})
			if out.code != tt.wantCode {
				t.Fatalf("exit status %d, want %d: %s", out.code, tt.wantCode, out.stdout)
			}
			r := parseCallResult(t, out.stdout)
			reqs := sim.Requests()[before:]
			if tt.wantMessage != "" {
				if r.Error == nil || !strings.Contains(r.Error.Message, tt.wantMessage) || len(reqs) != 0 {
					t.Errorf("error %+v, %d sent; want one saying %q, nothing sent", r.Error, len(reqs), tt.wantMessage)
				}
				return
			}
			if len(reqs) != 1 {
				t.Fatalf("%d requests sent, want 1", len(reqs))
			}
			var sent map[string]any
			if err := json.Unmarshal(reqs[0].Plaintext, &sent); err != nil || sent["PayType"] != "2" {
				t.Errorf("the simulator received %s, want PayType \"2\"", reqs[0].Plaintext)
			}
		})
	}
}
