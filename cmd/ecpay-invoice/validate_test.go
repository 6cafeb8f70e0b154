package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/testkit"
	"github.com/ecpay-go/einvoice/wrapper"
)

// stageData is ECPay's Data for plaintext under the stage keys.
var stageData = testkit.StageData

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestValidate(t *testing.T) {
	// A real exchange, captured from the simulator.
	sim := newSim(t, "V1", "V2")
	if _, err := sim.Client.CancelDelayIssue(t.Context(), wrapper.CancelDelayIssueRequest{Tsr: "V1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := sim.Client.TriggerIssue(t.Context(), wrapper.TriggerIssueRequest{Tsr: "V2", PayType: "2"}); err != nil {
		t.Fatal(err)
	}
	if _, err := sim.Client.CancelDelayIssue(t.Context(), wrapper.CancelDelayIssueRequest{Tsr: "V2"}); err == nil {
		t.Fatal("cancelling an issued invoice succeeded")
	}
	captured, trigger, refused := sim.Requests()[0], sim.Requests()[1], sim.Requests()[2]
	badRequest := fmt.Sprintf(`{"MerchantID":"20001320000","RqHeader":{"Timestamp":"now"},"Data":%q}`,
		stageData(t, `{"MerchantID":"2000132","Tsr":"`+strings.Repeat("T", 31)+`"}`))
	longTsr := fmt.Sprintf(`{"MerchantID":"2000132","RqHeader":{"Timestamp":1525169058},"Data":%q}`,
		stageData(t, `{"MerchantID":"2000132","Tsr":"`+strings.Repeat("T", 31)+`"}`))
	unknownMember := fmt.Sprintf(`{"MerchantID":"2000132","RqHeader":{"Timestamp":1525169058},"Data":%q}`,
		stageData(t, `{"MerchantID":"2000132","Tsrr":"T1"}`))
	from1970 := fmt.Sprintf(`{"MerchantID":"2000132","RqHeader":{"Timestamp":1000},"Data":%q}`, stageData(t, string(captured.Plaintext)))
	stringRtnCode := fmt.Sprintf(`{"MerchantID":"2000132","RpHeader":{"Timestamp":1525169058},"TransCode":1,"TransMsg":"","Data":%q}`, stageData(t, `{"RtnCode":"1","RtnMsg":"取消開立發票成功"}`))

	tests := []struct {
		name     string
		args     []string
		file     string
		wantCode int
		want     []string // lines of stdout, in order
		mentions []string // names stdout holds somewhere
	}{
		{
			name:     "a captured request",
			args:     []string{"--request"},
			file:     string(captured.Body),
			wantCode: exitOK,
			want:     []string{"request: ok: the envelope and its decrypted Data match the spec of CancelDelayIssue"},
		},
		{
			name:     "a captured response",
			args:     []string{"--response"},
			file:     string(captured.Answer.Body),
			wantCode: exitOK,
			want:     []string{"response: ok: the envelope and its decrypted Data match the spec of "},
			// and of every other page whose answer may be RtnCode and RtnMsg alone
			mentions: []string{"CancelDelayIssue"},
		},
		{
			name:     "a captured TriggerIssue request, found by its Data",
			args:     []string{"--request"},
			file:     string(trigger.Body),
			wantCode: exitOK,
			want:     []string{"request: ok: the envelope and its decrypted Data match the spec of TriggerIssue"},
		},
		{
			name:     "a captured TriggerIssue response, found by its RtnCode",
			args:     []string{"--response"},
			file:     string(trigger.Answer.Body),
			wantCode: exitOK,
			want:     []string{"response: ok: the envelope and its decrypted Data match the spec of TriggerIssue"},
		},
		{
			name:     "a response both operations answer, with --operation",
			args:     []string{"--operation", "cancel-delay-issue", "--response"},
			file:     string(refused.Answer.Body),
			wantCode: exitOK,
			want:     []string{"response: ok: the envelope and its decrypted Data match the spec of CancelDelayIssue"},
		},
		{
			name:     "a TriggerIssue request checked as CancelDelayIssue",
			args:     []string{"--operation", "CancelDelayIssue", "--request"},
			file:     string(trigger.Body),
			wantCode: exitOK,
			want:     []string{"request: ok: the envelope and its decrypted Data match the spec of CancelDelayIssue"},
		},
		{
			name:     "a bad request, envelope and Data",
			args:     []string{"--operation", "CancelDelayIssue", "--request"},
			file:     badRequest,
			wantCode: exitRefused,
			want: []string{
				"envelope#/MerchantID: maxLength: maximum string length is 10",
				"envelope#/RqHeader/Timestamp: type: value must be an integer",
				"Data#/Tsr: maxLength: maximum string length is 30",
				"request: 3 violations of the spec of CancelDelayIssue",
			},
		},
		{
			name:     "a bad request is told by its members' names",
			args:     []string{"--request"},
			file:     badRequest,
			wantCode: exitRefused,
			want: []string{
				"envelope#/MerchantID: maxLength: maximum string length is 10",
				"envelope#/RqHeader/Timestamp: type: value must be an integer",
				"Data#/Tsr: maxLength: maximum string length is 30",
				"request: 3 violations of the spec of CancelDelayIssue",
			},
		},
		{
			name:     "a 31-character Tsr is named with its rule",
			args:     []string{"--request"},
			file:     longTsr,
			wantCode: exitRefused,
			want:     []string{"Data#/Tsr: maxLength: maximum string length is 30", "request: 1 violation of the spec of CancelDelayIssue"},
		},
		{
			name:     "a member no page declares",
			args:     []string{"--request"},
			file:     unknownMember,
			wantCode: exitRefused,
			want: []string{
				"Data#: matches the request Data schema of no operation (" + registry.Names() + `), declaring every member it has (none declares "Tsrr"): give --operation`,
				"request: 1 violation of the spec",
			},
		},
		{
			name:     "a request's Timestamp window is not checked offline, and validate says so",
			args:     []string{"--request"},
			file:     from1970,
			wantCode: exitOK,
			want: []string{
				"note: not checked offline: whether RqHeader.Timestamp is within 10 minutes of ECPay's clock",
				"request: ok: the envelope and its decrypted Data match the spec of CancelDelayIssue",
			},
		},
		{
			name:     "a request missing its members",
			args:     []string{"--request"},
			file:     `{"RqHeader":{}}`,
			wantCode: exitRefused,
			want: []string{
				`envelope#/Data: required: property "Data" is missing`,
				`envelope#/MerchantID: required: property "MerchantID" is missing`,
				`envelope#/RqHeader/Timestamp: required: property "Timestamp" is missing`,
				"note: Data not checked: the envelope carries no Data string",
				"request: 3 violations of the spec",
			},
		},
		{
			name:     "the vendor's string RtnCode",
			args:     []string{"--operation", "CancelDelayIssue", "--response"},
			file:     stringRtnCode,
			wantCode: exitRefused,
			want: []string{
				`Data#/RtnCode: type: value must be an integer (note: ECPay's own example on its CancelDelayIssue page sends "RtnCode": "1" as a string; the spec says integer; the Go client accepts both)`,
				"response: 1 violation of the spec",
			},
		},
		{
			name:     "a response whose Data does not decrypt",
			args:     []string{"--response"},
			file:     `{"TransCode":1,"TransMsg":"","Data":"` + stageData(t, "{}")[:10] + `"}`,
			wantCode: exitRefused,
			want:     []string{"Data#: does not decrypt with the given HashKey and HashIV", "response: 1 violation of the spec"},
		},
		{
			name:     "a rejected envelope's Data is not checked",
			args:     []string{"--response"},
			file:     `{"MerchantID":"2000132","TransCode":9003,"TransMsg":"timestamp","Data":""}`,
			wantCode: exitOK,
			want:     []string{"note: Data not checked: the envelope carries no Data string", "response: ok"},
		},
		{
			name:     "a response with a TransCode of the wrong type",
			args:     []string{"--response"},
			file:     `{"TransCode":"1","TransMsg":"` + strings.Repeat("m", 201) + `"}`,
			wantCode: exitRefused,
			want:     []string{"envelope#/TransCode: type: value must be an integer", "envelope#/TransMsg: maxLength: maximum string length is 200", "response: 2 violations"},
		},
		{
			name:     "not JSON",
			args:     []string{"--request"},
			file:     `MerchantID=2000132`,
			wantCode: exitRefused,
			want:     []string{"envelope#: not JSON: invalid character"},
		},
		{
			name:     "the page's example with --envelope-only",
			args:     []string{"--envelope-only", "--request"},
			file:     readPage(t, "request.json"),
			wantCode: exitOK,
			want:     []string{"request: ok: the envelope matches the spec (Data not checked)"},
		},
		{
			name:     "--envelope-only with --operation",
			args:     []string{"--envelope-only", "--operation", "TriggerIssue", "--request"},
			file:     string(trigger.Body),
			wantCode: exitOK,
			want:     []string{"request: ok: the envelope matches the spec of TriggerIssue (Data not checked)"},
		},
		{
			name:     "the page's placeholder Data does not decrypt",
			args:     []string{"--request"},
			file:     readPage(t, "request.json"),
			wantCode: exitRefused,
			want:     []string{"Data#: does not decrypt"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "envelope.json", tt.file)
			out := runBinary(t, invocation{args: append(append([]string{"validate"}, tt.args...), path)})
			if out.code != tt.wantCode {
				t.Errorf("exit status %d, want %d; stderr %s", out.code, tt.wantCode, out.stderr)
			}
			lines := strings.Split(strings.TrimSuffix(out.stdout, "\n"), "\n")
			i := 0
			for _, line := range lines {
				if i < len(tt.want) && strings.HasPrefix(line, tt.want[i]) {
					i++
				}
			}
			if i < len(tt.want) {
				t.Errorf("stdout lacks %q (in order):\n%s", tt.want[i], out.stdout)
			}
			for _, m := range tt.mentions {
				if !strings.Contains(out.stdout, m) {
					t.Errorf("stdout does not mention %s:\n%s", m, out.stdout)
				}
			}
		})
	}
}

func TestValidateStdinAndUnreadableFile(t *testing.T) {
	sim := newSim(t, "V2")
	if _, err := sim.Client.CancelDelayIssue(t.Context(), wrapper.CancelDelayIssueRequest{Tsr: "V2"}); err != nil {
		t.Fatal(err)
	}
	out := runBinary(t, invocation{args: []string{"validate", "--request", "-"}, stdin: string(sim.Requests()[0].Body)})
	if out.code != exitOK {
		t.Errorf("from stdin: exit status %d: %s", out.code, out.stdout)
	}
	out = runBinary(t, invocation{args: []string{"validate", "--response", filepath.Join(t.TempDir(), "missing.json")}})
	if out.code != exitInvalid {
		t.Errorf("missing file: exit status %d, want %d", out.code, exitInvalid)
	}
}

func readPage(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "ecpaysim", "testdata", "page", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// An answer valid for several operations is valid for each: validate names
// them all (found from the registry: those whose pages know its RtnCode and
// declare every member of its Data) and exits 0.
func TestValidateNamesEveryOperationAnAnswerIsValidFor(t *testing.T) {
	sim := newSim(t)
	if _, err := sim.Client.CancelDelayIssue(t.Context(), wrapper.CancelDelayIssueRequest{Tsr: "NONE"}); err == nil {
		t.Fatal("cancelling an unknown Tsr succeeded")
	}
	refused := sim.Requests()[0].Answer
	seal := func(plaintext string) string {
		return fmt.Sprintf(`{"MerchantID":"2000132","RpHeader":{"Timestamp":1525169058},"TransCode":1,"TransMsg":"","Data":%q}`, stageData(t, plaintext))
	}
	tests := []struct {
		name      string
		body      string
		plaintext string
	}{
		// TriggerIssue answers 5070305 with the same Data.
		{"the simulator's refusal of a cancel", string(refused.Body), string(refused.Plaintext)},
		// Any page without codes of its own succeeds with RtnCode 1.
		{"a success with RtnCode 1", seal(`{"RtnCode":1,"RtnMsg":"取消開立發票成功"}`), `{"RtnCode":1,"RtnMsg":"取消開立發票成功"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var members map[string]any
			if err := json.Unmarshal([]byte(tt.plaintext), &members); err != nil {
				t.Fatal(err)
			}
			var valid []*registry.Operation
			for _, op := range registry.All() {
				code, _ := members["RtnCode"].(float64)
				if _, ok := op.Code(int(code)); !ok {
					continue
				}
				if !slices.ContainsFunc(slices.Collect(maps.Keys(members)), func(name string) bool {
					_, ok := registry.FieldByJSONName(op.ResponseType, name)
					return !ok
				}) {
					valid = append(valid, op)
				}
			}
			if len(valid) == 0 {
				t.Fatalf("no operation knows %s", tt.plaintext)
			}
			path := writeFile(t, "response.json", tt.body)
			out := runBinary(t, invocation{args: []string{"validate", "--response", path}})
			want := "response: ok: the envelope and its decrypted Data match the spec of " + opNames(valid) + "\n"
			if out.code != exitOK || out.stdout != want {
				t.Errorf("exit status %d, stdout %q, stderr %q; want %d, %q", out.code, out.stdout, out.stderr, exitOK, want)
			}
		})
	}
}
