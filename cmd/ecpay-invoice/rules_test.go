package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/rules"
	"github.com/ecpay-go/einvoice/wrapper"
)

// A captured request whose Data breaks a business rule of its page is a
// violation for validate, which names the rule's message and exits 1; the
// same request keeping the rules is ok. Issue's SalesAmount rule, on
// ECPay's SDK example.
func TestValidateChecksTheRules(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "sdk-examples", "Issue.json"))
	if err != nil {
		t.Fatal(err)
	}
	set, err := registry.Issue.Rules()
	if err != nil {
		t.Fatal(err)
	}
	envelope := func(edit func(map[string]any)) (string, []rules.Violation) {
		var data map[string]any
		if err := json.Unmarshal(raw, &data); err != nil {
			t.Fatal(err)
		}
		data["MerchantID"] = wrapper.StageMerchantID
		edit(data)
		plaintext, err := json.Marshal(data)
		if err != nil {
			t.Fatal(err)
		}
		vs, err := set.CheckJSON(plaintext)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf(`{"MerchantID":%q,"RqHeader":{"Timestamp":1525169058},"Data":%q}`, wrapper.StageMerchantID, stageData(t, string(plaintext))), vs
	}
	keeps, none := envelope(func(map[string]any) {})
	breaks, broken := envelope(func(d map[string]any) { d["SalesAmount"] = 33 })
	if len(none) != 0 || len(broken) != 1 {
		t.Fatalf("the rules: %v on the example, %v on the broken one; want none and one", none, broken)
	}
	tests := map[string]struct {
		file     string
		wantCode int
		want     []string
	}{
		"keeping the rules": {file: keeps, wantCode: exitOK, want: []string{"request: ok: the envelope and its decrypted Data match the spec of Issue"}},
		"breaking a rule": {file: breaks, wantCode: exitRefused, want: []string{
			"Data#/" + broken[0].Fields[0] + ": " + rules.Extension + ": " + broken[0].Message,
			"request: 1 violation of the spec of Issue",
		}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			path := writeFile(t, "envelope.json", tc.file)
			out := runBinary(t, invocation{args: []string{"validate", "--operation", "Issue", "--request", path}})
			if out.code != tc.wantCode {
				t.Errorf("exit status %d, want %d; stdout %s; stderr %s", out.code, tc.wantCode, out.stdout, out.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(out.stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out.stdout)
				}
			}
		})
	}
}
