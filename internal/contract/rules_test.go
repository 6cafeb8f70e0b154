package contract

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/rules"
	"github.com/ecpay-go/einvoice/internal/violation"
)

// sdkIssue returns ECPay's SDK example for Issue, edited.
func sdkIssue(t *testing.T, edit func(map[string]any)) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "sdk-examples", "Issue.json"))
	if err != nil {
		t.Fatal(err)
	}
	var data map[string]any
	if err := json.Unmarshal(raw, &data); err != nil {
		t.Fatal(err)
	}
	edit(data)
	out, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A request Data that matches the schema but breaks a rule of the
// embedded page is a *RuleError, reported as a violation at the pointer of
// the rule's first field; AllViolations reports every rule broken.
func TestRequestDataChecksTheRules(t *testing.T) {
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	op := registry.Issue
	if err := c.RequestData(op, sdkIssue(t, func(map[string]any) {})); err != nil {
		t.Fatalf("ECPay's SDK example: %v", err)
	}
	set, err := op.Rules()
	if err != nil {
		t.Fatal(err)
	}
	amount := sdkIssue(t, func(d map[string]any) { d["SalesAmount"] = 33 })
	want, _ := set.CheckJSON(amount)
	if len(want) != 1 {
		t.Fatalf("the rules on SalesAmount 33: %v; want one broken", want)
	}
	err = c.RequestData(op, amount)
	var re *RuleError
	if !errors.As(err, &re) || re.Op != op || re.Broken.Rule != want[0].Rule {
		t.Fatalf("RequestData = %v, want the rule %q", err, want[0].Rule)
	}
	vs := violation.List(err)
	wantV := violation.Violation{Pointer: "/" + want[0].Fields[0], Rule: rules.Extension, Reason: want[0].String()}
	if len(vs) != 1 || vs[0] != wantV {
		t.Errorf("violations %+v, want %+v", vs, wantV)
	}
	if !strings.Contains(err.Error(), want[0].Message) {
		t.Errorf("the error does not give the rule's message: %v", err)
	}

	// Two rules broken: the first, or both.
	two := sdkIssue(t, func(d map[string]any) { d["SalesAmount"], d["CustomerPhone"] = 33, "" })
	if want, _ := set.CheckJSON(two); len(want) != 2 {
		t.Fatalf("the rules on two broken: %v; want two", want)
	}
	if vs := violation.List(c.RequestData(op, two)); len(vs) != 1 {
		t.Errorf("the default checker gave %v, want the first rule only", vs)
	}
	if vs := violation.List(c.AllViolations().RequestData(op, two)); len(vs) != 2 {
		t.Errorf("AllViolations gave %v, want both rules", vs)
	}

	// A schema violation is reported alone: the rules read a valid Data.
	if err := c.RequestData(op, sdkIssue(t, func(d map[string]any) { d["SalesAmount"] = "33" })); errors.As(err, &re) || err == nil {
		t.Errorf("a SalesAmount that is no number: %v, want the schema's violation", err)
	}
}

// The pointer of a rule's first field stops at an array, which it would
// need an index into.
func TestFieldPointer(t *testing.T) {
	doc, err := registry.VoidWithReIssue.Spec()
	if err != nil {
		t.Fatal(err)
	}
	schema := doc.Components.Schemas[registry.VoidWithReIssue.RequestDataSchema].Value
	for fields, want := range map[string]string{
		"":                          "",
		"IssueModel.SalesAmount":    "/IssueModel/SalesAmount",
		"IssueModel.Items.ItemName": "/IssueModel/Items",
	} {
		var list []string
		if fields != "" {
			list = []string{fields}
		}
		if got := fieldPointer(schema, list); got != want {
			t.Errorf("fieldPointer(%q) = %q, want %q", fields, got, want)
		}
	}
}

// NewFor checks the rules of the documents it is given.
func TestNewForChecksTheDocumentsRules(t *testing.T) {
	docs := frozenDocs(t)
	for _, p := range docs {
		if p.Op == triggerOp {
			s := p.Doc.Components.Schemas[triggerOp.RequestDataSchema].Value
			if s.Extensions == nil {
				s.Extensions = map[string]any{}
			}
			s.Extensions[rules.Extension] = []any{map[string]any{"rule": "self.Tsr != 'T0'", "message": "Tsr T0 is refused", "fields": []any{"Tsr"}}}
		}
	}
	c, err := NewFor(docs)
	if err != nil {
		t.Fatal(err)
	}
	var re *RuleError
	if err := c.RequestData(triggerOp, []byte(`{"MerchantID":"2000132","Tsr":"T0","PayType":"2"}`)); !errors.As(err, &re) || re.Pointer != "/Tsr" {
		t.Errorf("RequestData = %v, want the document's rule", err)
	}
	if err := c.RequestData(triggerOp, []byte(`{"MerchantID":"2000132","Tsr":"T1","PayType":"2"}`)); err != nil {
		t.Errorf("RequestData = %v, want none", err)
	}
}
