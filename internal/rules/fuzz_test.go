package rules_test

import (
	"encoding/json"
	"testing"

	"github.com/ecpay-go/einvoice/internal/rules"
)

// FuzzCheckJSON checks arbitrary bytes as a request's Data with the
// fixture's rules and rules that read the Data as whole values (the seed
// corpus is testdata/fuzz/FuzzCheckJSON): it never panics, refuses only
// what is no JSON object, and every violation carries its rule.
func FuzzCheckJSON(f *testing.F) {
	p := loadFixture(f)
	// Besides the fixture's rules, rules that use the Data's objects and
	// arrays as whole values, whatever they hold.
	schema := *requestSchema(p)
	schema.Extensions = map[string]any{rules.Extension: []any{
		map[string]any{"rule": "self == self && size(self) >= 0 && !('x' in self)", "message": "whole"},
		map[string]any{"rule": "!has(self.Items) || (self.Items == self.Items && self.Items.size() >= 0)", "message": "list"},
		map[string]any{"rule": "!has(self.Items) || self.Items.exists(i, i in self.Items && string(i) != '')", "message": "elements"},
		map[string]any{"rule": "self.exists(k, v, k == '' || v == v)", "message": "members"},
	}}
	whole, err := rules.Compile("fuzz", &schema)
	if err != nil {
		f.Fatal(err)
	}
	set := p.Rules
	seed, err := json.Marshal(issue(f, nil))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, data []byte) {
		vs, err := set.CheckJSON(data)
		if wvs, werr := whole.CheckJSON(data); (werr == nil) != (err == nil) {
			t.Fatalf("one set refused the Data, the other not: %v, %v", werr, err)
		} else {
			vs = append(vs, wvs...)
		}
		var obj map[string]any
		isObject := json.Unmarshal(data, &obj) == nil && obj != nil
		if err != nil {
			if isObject {
				t.Fatalf("refused a JSON object: %v", err)
			}
			return
		}
		for _, v := range vs {
			if v.Rule == "" || v.Message == "" {
				t.Fatalf("a violation without its rule: %+v", v)
			}
			_ = v.String()
		}
	})
}
