package rules_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ecpay-go/einvoice/internal/rules"
)

// A rule's code is decoded, carried to its violations and checked against
// the page's refusal codes.
func TestRuleCode(t *testing.T) {
	schema := *requestSchema(loadFixture(t))
	schema.Extensions = map[string]any{rules.Extension: []any{
		map[string]any{"rule": "self.Donation != '1'", "message": "m", "code": 5000022},
		map[string]any{"rule": "self.Print != '1'", "message": "n"},
	}}
	set, err := rules.Compile("Issue", &schema)
	if err != nil {
		t.Fatal(err)
	}
	if got := set.Rules(); got[0].Code != 5000022 || got[1].Code != 0 {
		t.Errorf("Rules() codes = %d, %d; want 5000022, 0", got[0].Code, got[1].Code)
	}
	vs := set.Check(map[string]any{"Donation": "1", "Print": "1"})
	if len(vs) != 2 || vs[0].Code != 5000022 || vs[1].Code != 0 {
		t.Errorf("Check = %+v; want the violations with codes 5000022 and 0", vs)
	}
	if err := set.CheckCodes([]int{2020001, 5000022}); err != nil {
		t.Errorf("CheckCodes with the rule's code = %v", err)
	}
	err = set.CheckCodes([]int{2020001})
	var ce *rules.CompileError
	if !errors.As(err, &ce) || ce.Page != "Issue" || ce.Index != 0 {
		t.Fatalf("CheckCodes without the rule's code = %v; want a *CompileError of rule 0 of Issue", err)
	}
	for _, w := range []string{"page Issue", "[0]", "code 5000022", "x-ecpay-rtn-codes lists (2020001)"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error does not say %q: %v", w, err)
		}
	}
}

// A code that is no number is refused as any malformed entry is.
func TestRuleCodeNotANumber(t *testing.T) {
	schema := *requestSchema(loadFixture(t))
	schema.Extensions = map[string]any{rules.Extension: []any{
		map[string]any{"rule": "true", "message": "m", "code": "5000022"},
	}}
	if _, err := rules.Compile("Issue", &schema); err == nil || !strings.Contains(err.Error(), "code") {
		t.Errorf("Compile = %v; want an error about code", err)
	}
}
