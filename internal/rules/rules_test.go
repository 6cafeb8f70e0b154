package rules_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ecpay-go/einvoice/internal/frozen"
	"github.com/ecpay-go/einvoice/internal/pages"
	"github.com/ecpay-go/einvoice/internal/rules"
)

// The tests read the package's own fixture page, testdata/Issue.yaml with
// its overlay Issue.overlay.yaml, through the frozen shared overlay: never
// the pages of openapi/, which change with ECPay.
const fixture = "testdata/Issue.yaml"

// loadFixture returns the fixture page, overlaid as the generator loads a
// page; loading it compiles its rules.
func loadFixture(t testing.TB) *pages.Page {
	t.Helper()
	p, err := pages.LoadWith(context.Background(), fixture, filepath.Join(frozen.Dir(), pages.SharedOverlay), "testdata/Issue.overlay.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func requestSchema(p *pages.Page) *openapi3.Schema {
	return p.Doc.Components.Schemas[pages.RequestDataSchema].Value
}

// issue returns a request that keeps every rule of the fixture: ECPay's SDK
// example for Issue, where 3 × 10.5 = 31.5 is rounded to 32, with edit
// applied to a fresh copy.
func issue(t testing.TB, edit func(data map[string]any)) map[string]any {
	t.Helper()
	const sdkExample = `{
		"MerchantID": "2000132", "RelateNumber": "Y20211021001",
		"CustomerIdentifier": "", "CustomerName": "綠界科技股份有限公司", "CustomerAddr": "106 台北市南港區發票一街 1 號 1 樓",
		"CustomerPhone": "", "CustomerEmail": "test@ecpay.com.tw",
		"Print": "1", "Donation": "0", "LoveCode": "", "CarrierType": "", "CarrierNum": "",
		"TaxType": "1", "SalesAmount": 32, "InvType": "07",
		"Items": [{"ItemName": "item01", "ItemCount": 3, "ItemWord": "件", "ItemPrice": 10.5, "ItemTaxType": "1", "ItemAmount": 32}]
	}`
	var data map[string]any
	if err := json.Unmarshal([]byte(sdkExample), &data); err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(data)
	}
	return data
}

func item(data map[string]any, i int) map[string]any {
	return data["Items"].([]any)[i].(map[string]any)
}

// items sets the request's items to n copies of {count, price, amount}, and
// SalesAmount to total.
func items(data map[string]any, n int, count, price, amount float64, total float64) {
	list := make([]any, n)
	for i := range list {
		list[i] = map[string]any{"ItemName": "item", "ItemCount": count, "ItemWord": "件", "ItemPrice": price, "ItemTaxType": "1", "ItemAmount": amount}
	}
	data["Items"], data["SalesAmount"] = list, total
}

// broken returns the rule texts of the violations.
func broken(vs []rules.Violation) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Rule)
	}
	return out
}

// Each rule of the fixture, with a request that just keeps it and one that
// breaks it (and no other rule).
func TestCheckEachRule(t *testing.T) {
	set := loadFixture(t).Rules
	ruleAbout := func(fields ...string) string {
		for _, r := range set.Rules() {
			if slices.Equal(r.Fields, fields) {
				return r.Rule
			}
		}
		t.Fatalf("the fixture has no rule about %v", fields)
		return ""
	}
	tests := []struct {
		name   string
		fields []string // the rule's, naming it
		keeps  func(map[string]any)
		breaks func(map[string]any)
	}{
		{
			name: "Donation 1 needs a LoveCode", fields: []string{"Donation", "LoveCode"},
			keeps:  func(d map[string]any) { d["Donation"], d["Print"], d["LoveCode"] = "1", "0", "168001" },
			breaks: func(d map[string]any) { d["Donation"], d["Print"], d["LoveCode"] = "1", "0", "" },
		},
		{
			name: "Donation 1 needs a LoveCode, absent", fields: []string{"Donation", "LoveCode"},
			keeps:  func(d map[string]any) { d["Donation"], d["Print"], d["LoveCode"] = "0", "1", "" },
			breaks: func(d map[string]any) { d["Donation"], d["Print"] = "1", "0"; delete(d, "LoveCode") },
		},
		{
			name: "Donation 1 forbids a CustomerIdentifier", fields: []string{"Donation", "CustomerIdentifier"},
			keeps: func(d map[string]any) {
				d["Donation"], d["Print"], d["LoveCode"] = "1", "0", "168001"
				delete(d, "CustomerIdentifier")
			},
			breaks: func(d map[string]any) {
				d["Donation"], d["Print"], d["LoveCode"], d["CustomerIdentifier"] = "1", "0", "168001", "53348111"
			},
		},
		{
			name: "Donation 1 forbids printing", fields: []string{"Donation", "Print"},
			keeps:  func(d map[string]any) { d["Donation"], d["Print"], d["LoveCode"] = "1", "0", "168001" },
			breaks: func(d map[string]any) { d["Donation"], d["Print"], d["LoveCode"] = "1", "1", "168001" },
		},
		{
			name: "carrier 1 or 2 forbids printing", fields: []string{"CarrierType", "Print"},
			keeps:  func(d map[string]any) { d["CarrierType"], d["Print"] = "3", "1" },
			breaks: func(d map[string]any) { d["CarrierType"], d["Print"] = "2", "1" },
		},
		{
			name: "printing needs a name and an address", fields: []string{"Print", "CustomerName", "CustomerAddr"},
			keeps:  func(d map[string]any) { d["Print"], d["CustomerName"], d["CustomerAddr"] = "0", "", "" },
			breaks: func(d map[string]any) { d["Print"], d["CustomerAddr"] = "1", "" },
		},
		{
			name: "a phone or an email", fields: []string{"CustomerPhone", "CustomerEmail"},
			keeps:  func(d map[string]any) { d["CustomerPhone"], d["CustomerEmail"] = "0912345678", "" },
			breaks: func(d map[string]any) { d["CustomerPhone"] = ""; delete(d, "CustomerEmail") },
		},
		{
			name: "an optional CustomerIdentifier, guarded by has(), is 8 digits", fields: []string{"CustomerIdentifier"},
			keeps:  func(d map[string]any) { delete(d, "CustomerIdentifier") },
			breaks: func(d map[string]any) { d["CustomerIdentifier"] = "5334811" },
		},
		{
			name: "a CustomerIdentifier given is 8 digits", fields: []string{"CustomerIdentifier"},
			keeps:  func(d map[string]any) { d["CustomerIdentifier"] = "53348111" },
			breaks: func(d map[string]any) { d["CustomerIdentifier"] = "5334811A" },
		},
		{
			name: "TaxType 9 needs every ItemTaxType", fields: []string{"TaxType", "Items.ItemTaxType"},
			keeps: func(d map[string]any) { d["TaxType"] = "9" },
			breaks: func(d map[string]any) {
				d["TaxType"] = "9"
				delete(item(d, 0), "ItemTaxType")
			},
		},
		{
			name: "ItemAmount, ECPay's rounding: 3 × 10.5 is 32", fields: []string{"Items.ItemAmount", "Items.ItemCount", "Items.ItemPrice"},
			keeps: func(d map[string]any) {},
			breaks: func(d map[string]any) {
				item(d, 0)["ItemAmount"], d["SalesAmount"] = 31.0, 31.0
			},
		},
		{
			name: "ItemAmount, unrounded", fields: []string{"Items.ItemAmount", "Items.ItemCount", "Items.ItemPrice"},
			keeps: func(d map[string]any) {
				item(d, 0)["ItemAmount"] = 31.5 // AllowanceByCollegiate's SDK example sends 10.5 unrounded
			},
			breaks: func(d map[string]any) {
				item(d, 0)["ItemAmount"] = 31.6 // neither 32 nor 31.5, and SalesAmount 32 still its rounded sum
			},
		},
		{
			name: "ItemAmount, a product that is not exact in binary: 25 × 0.58 is 15", fields: []string{"Items.ItemAmount", "Items.ItemCount", "Items.ItemPrice"},
			keeps:  func(d map[string]any) { items(d, 1, 25, 0.58, 15, 15) },
			breaks: func(d map[string]any) { items(d, 1, 25, 0.58, 14, 14) },
		},
		{
			name: "SalesAmount is the sum of 10 items", fields: []string{"SalesAmount", "Items.ItemAmount"},
			keeps:  func(d map[string]any) { items(d, 10, 3, 10.5, 32, 320) },
			breaks: func(d map[string]any) { items(d, 10, 3, 10.5, 32, 319) },
		},
		{
			name: "SalesAmount is the sum rounded", fields: []string{"SalesAmount", "Items.ItemAmount"},
			keeps:  func(d map[string]any) { items(d, 3, 1, 10.5, 10.5, 32) }, // 31.5 → 32
			breaks: func(d map[string]any) { items(d, 3, 1, 10.5, 10.5, 31) },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rule := ruleAbout(tc.fields...)
			if vs := set.Check(issue(t, tc.keeps)); len(vs) != 0 {
				t.Errorf("a request that keeps every rule breaks %q", broken(vs))
			}
			vs := set.Check(issue(t, tc.breaks))
			if got := broken(vs); !slices.Equal(got, []string{rule}) {
				t.Fatalf("broke %q, want only %q", got, rule)
			}
			if vs[0].Err != nil {
				t.Errorf("the rule could not be evaluated: %v", vs[0].Err)
			}
		})
	}
}

func TestViolationCarriesTheRule(t *testing.T) {
	p := loadFixture(t)
	vs := p.Rules.Check(issue(t, func(d map[string]any) { d["Donation"], d["Print"] = "1", "0" }))
	if len(vs) != 1 {
		t.Fatalf("got %d violations, want 1: %v", len(vs), vs)
	}
	want := rules.Violation{
		Index:   0,
		Rule:    "self.Donation != '1' || (has(self.LoveCode) && self.LoveCode != '')",
		Message: "Donation 1 (donated) needs a LoveCode: give the receiving organisation's love code",
		Quote:   "當用戶選擇捐贈發票[Donation]=1",
		Fields:  []string{"Donation", "LoveCode"},
	}
	got := vs[0]
	if got.Index != want.Index || got.Rule != want.Rule || got.Message != want.Message || got.Quote != want.Quote || !slices.Equal(got.Fields, want.Fields) || got.Err != nil {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if s := got.String(); !strings.Contains(s, want.Message) || !strings.Contains(s, "Donation, LoveCode") {
		t.Errorf("String() = %q: want the message and the fields", s)
	}
}

// A rule that reads a member the request lacks, unguarded, cannot be
// evaluated: a violation saying so, never a panic nor a pass.
func TestEvaluationErrorIsAViolation(t *testing.T) {
	set := loadFixture(t).Rules
	vs := set.Check(issue(t, func(d map[string]any) { delete(d, "Items") }))
	got := broken(vs)
	want := []string{
		"self.Items.all(i, i.ItemAmount == ecpay.round(i.ItemCount * i.ItemPrice) || i.ItemAmount == ecpay.round(i.ItemCount * i.ItemPrice, 7))",
		"self.SalesAmount == ecpay.round(self.Items.sum(i, i.ItemAmount))",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("broke %q, want %q", got, want)
	}
	for _, v := range vs {
		if v.Err == nil || !strings.Contains(v.Err.Error(), "Items") {
			t.Errorf("rule %d: Err = %v, want CEL's explanation naming Items", v.Index, v.Err)
		}
		if s := v.String(); !strings.Contains(s, "could not be evaluated") {
			t.Errorf("String() = %q: want it to say the rule could not be evaluated", s)
		}
	}
}

func TestCheckNumbersOfAnyDecoding(t *testing.T) {
	set := loadFixture(t).Rules
	tests := map[string]func(d map[string]any){
		"float64 (encoding/json)": func(map[string]any) {},
		"json.Number (UseNumber)": func(d map[string]any) {
			d["SalesAmount"] = json.Number("32")
			it := item(d, 0)
			it["ItemCount"], it["ItemPrice"], it["ItemAmount"] = json.Number("3"), json.Number("10.5"), json.Number("32")
		},
		"ints built by hand": func(d map[string]any) {
			d["SalesAmount"] = 32
			it := item(d, 0)
			it["ItemCount"], it["ItemAmount"] = int64(3), 32
		},
	}
	for name, edit := range tests {
		t.Run(name, func(t *testing.T) {
			if vs := set.Check(issue(t, edit)); len(vs) != 0 {
				t.Errorf("broke %v", vs)
			}
		})
	}
}

func TestCheckJSON(t *testing.T) {
	set := loadFixture(t).Rules
	raw, err := json.Marshal(issue(t, func(d map[string]any) { d["Donation"], d["Print"] = "1", "0" }))
	if err != nil {
		t.Fatal(err)
	}
	vs, err := set.CheckJSON(raw)
	if err != nil || len(vs) != 1 || vs[0].Index != 0 {
		t.Errorf("CheckJSON = %v, %v; want the LoveCode rule broken", vs, err)
	}
	for _, bad := range []string{``, `null`, `[1]`, `"x"`, `{"a":1} {}`, `{"a":`} {
		if _, err := set.CheckJSON([]byte(bad)); err == nil || !strings.Contains(err.Error(), "Data") {
			t.Errorf("CheckJSON(%q): err = %v, want one saying the Data is no JSON object", bad, err)
		}
	}
}

func TestAPageWithoutRules(t *testing.T) {
	for _, p := range frozenPages(t) {
		if n := len(p.Rules.Rules()); n != 0 {
			t.Fatalf("%s: %d rules, want none", p.File, n)
		}
		if vs := p.Rules.Check(map[string]any{}); vs != nil {
			t.Errorf("%s: %v", p.File, vs)
		}
	}
	var none *rules.Set
	if vs := none.Check(map[string]any{"a": 1.0}); vs != nil {
		t.Errorf("a nil Set broke %v", vs)
	}
}

func frozenPages(t *testing.T) []*pages.Page {
	all, err := pages.LoadAll(context.Background(), frozen.Dir())
	if err != nil {
		t.Fatal(err)
	}
	return all
}

func TestCompileRefusesABrokenRule(t *testing.T) {
	valid := map[string]any{"rule": "self.Donation != '1' || has(self.LoveCode)", "message": "m"}
	with := func(kv ...any) map[string]any {
		r := maps.Clone(valid)
		for i := 0; i+1 < len(kv); i += 2 {
			r[kv[i].(string)] = kv[i+1]
		}
		return r
	}
	tests := map[string]struct {
		rules any
		want  []string
	}{
		"a syntax error": {
			rules: []any{valid, with("rule", "self.Donation == '1' ||")},
			want:  []string{"[1]", `"self.Donation == '1' ||"`, "Syntax error"},
		},
		"a misspelt member": {
			rules: []any{with("rule", "self.Donaton != '1'")},
			want:  []string{"[0]", "at 1:5: Donaton is not a member of the request (", "Donation,"},
		},
		"a misspelt member of the items": {
			rules: []any{with("rule", "self.Items.all(i, i.ItemAmout > 0)")},
			want:  []string{"ItemAmout is not a member of the objects of Items (ItemAmount,"},
		},
		"a misspelt optional member": {
			rules: []any{with("rule", "self.?LovCode.orValue('') == ''")},
			want:  []string{"LovCode is not a member of the request"},
		},
		"a misspelt member of a bound item": {
			rules: []any{with("rule", "cel.bind(first, self.Items[0], first.ItemAmout > 0)")},
			want:  []string{"ItemAmout is not a member of the objects of Items"},
		},
		"not a bool": {
			rules: []any{with("rule", "self.Donation")},
			want:  []string{"not a bool"},
		},
		"an unknown function": {
			rules: []any{with("rule", "math.rnd(self.SalesAmount) == 1.0")},
			want:  []string{"undeclared reference to 'math.rnd'"},
		},
		"an int where a double is wanted": {
			rules: []any{with("rule", "ecpay.round(3) == 3.0")},
			want:  []string{"found no matching overload for 'ecpay.round'"},
		},
		"no rule": {
			rules: []any{with("rule", " ")},
			want:  []string{"has no rule"},
		},
		"no message": {
			rules: []any{map[string]any{"rule": "true"}},
			want:  []string{`"true"`, "has no message"},
		},
		"a field that is no member": {
			rules: []any{with("fields", []any{"Donation", "LoveCod"})},
			want:  []string{`fields: "LoveCod" is not a member of the request`},
		},
		"a field of the items that is no member": {
			rules: []any{with("fields", []any{"Items.ItemAmout"})},
			want:  []string{`"Items.ItemAmout" is not a member`, "ItemAmount"},
		},
		"a misspelt key": {
			rules: []any{map[string]any{"rule": "true", "mesage": "m"}},
			want:  []string{"must be a list of {rule, message, quote, fields, code}", `unknown field "mesage"`},
		},
		"not a list": {
			rules: map[string]any{"rule": "true", "message": "m"},
			want:  []string{"must be a list"},
		},
	}
	p := loadFixture(t)
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			schema := *requestSchema(p)
			schema.Extensions = map[string]any{rules.Extension: tc.rules}
			set, err := rules.Compile("testdata/Issue.yaml", &schema)
			if err == nil {
				t.Fatalf("compiled %d rules", len(set.Rules()))
			}
			for _, w := range append(tc.want, "page testdata/Issue.yaml: x-ecpay-validations") {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not say %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestCompileErrorNamesEachRule(t *testing.T) {
	schema := *requestSchema(loadFixture(t))
	schema.Extensions = map[string]any{rules.Extension: []any{
		map[string]any{"rule": "self.Donation ==", "message": "m"},
		map[string]any{"rule": "true", "message": "m"},
		map[string]any{"rule": "self.Prnt == '1'", "message": "m"},
	}}
	_, err := rules.Compile("Issue", &schema)
	var indexes []int
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var ce *rules.CompileError
		if !errors.As(e, &ce) || ce.Page != "Issue" {
			t.Fatalf("%v is no *CompileError of page Issue", e)
		}
		indexes = append(indexes, ce.Index)
	}
	if !slices.Equal(indexes, []int{0, 2}) {
		t.Errorf("errors for rules %v, want 0 and 2", indexes)
	}
}

func TestRulesAreACopy(t *testing.T) {
	set := loadFixture(t).Rules
	rs := set.Rules()
	if len(rs) != 10 {
		t.Fatalf("the fixture has %d rules, want 10", len(rs))
	}
	rs[0].Fields[0] = "changed"
	if set.Rules()[0].Fields[0] != "Donation" {
		t.Error("changing what Rules returned changed the set")
	}
}

// What the package documentation promises rule authors, each as a rule
// that holds on the SDK example's request.
func TestEnvironment(t *testing.T) {
	tests := []string{
		"self.Items.sum(i, i.ItemAmount) == 32.0",
		"self.Items.sum(i, 1.0) == 1.0",
		"[1.0, 2.5].sum() == 3.5",
		"self.Items.map(i, i.ItemCount * i.ItemPrice).sum() == 31.5",
		"ecpay.round(31.5) == 32.0",
		"ecpay.round(-2.5) == -3.0",
		"ecpay.round(0.58 * 25.0) == 15.0",
		"math.round(0.58 * 25.0) == 14.0", // why ecpay.round exists
		"ecpay.round(0.1 * 3.0, 7) == 0.3",
		"0.1 * 3.0 != 0.3",
		"self.SalesAmount == 32 && self.SalesAmount > 0", // numbers are doubles; int literals compare
		"self.CustomerEmail.endsWith('.tw') && self.CustomerEmail.lowerAscii().contains('@')",
		"self.InvType in ['07', '08']",
		"sets.contains(['07', '08'], [self.InvType])",
		"self.?LoveCode.orValue('x') == ''",
		"!has(self.CarrierNum) || self.CarrierNum.size() <= 64",
		"cel.bind(first, self.Items[0], first.ItemAmount == 32.0)",
		"self.Items.all(i, i.ItemWord.size() <= 6)",
		"self.Items.exists_one(i, i.ItemName == 'item01')",
		"self.RelateNumber.matches('^[A-Za-z0-9]{1,30}$')",
		"math.abs(self.Items[0].ItemPrice - 10.5) < 0.001",
		// The Data's objects and arrays as whole values.
		"'Items' in self && !('Nope' in self) && size(self) > 3",
		"self == self && self.Items == self.Items && self.Items[0] in self.Items",
		"self.Items.size() == 1 && self.Items + [] == self.Items",
		"self.exists(k, k == 'Items') && self.Items[0].exists(k, k == 'ItemWord')",
		"self.Items.all(idx, it, idx == 0 && it.ItemAmount == 32.0)",
		"type(self) == map && type(self.Items) == list && type(self.SalesAmount) == double",
		"{'a': self.Items[0]}.a.ItemName == 'item01'",
	}
	p := loadFixture(t)
	data := issue(t, nil)
	for _, rule := range tests {
		t.Run(rule, func(t *testing.T) {
			schema := *requestSchema(p)
			schema.Extensions = map[string]any{rules.Extension: []any{map[string]any{"rule": rule, "message": "m"}}}
			set, err := rules.Compile("Issue", &schema)
			if err != nil {
				t.Fatal(err)
			}
			if vs := set.Check(data); len(vs) != 0 {
				t.Errorf("broken: %v", vs[0])
			}
		})
	}
}

// The functions' own errors are violations with CEL's explanation.
func TestEnvironmentErrors(t *testing.T) {
	tests := map[string]struct{ rule, want string }{
		"sum of strings":      {"self.Items.map(i, i.ItemName).sum() > 0.0", "element 0 is not a number"},
		"round of a string":   {"ecpay.round(self.Items[0].ItemName) == 1.0", "no such overload"},
		"round to 16 digits":  {"ecpay.round(1.5, 16) == 2.0", "digits must be an int from 0 to 15"},
		"a missing member":    {"self.LoveCode.size() == 0", "no such key: LoveCode"},
		"a string as number":  {"self.Items.sum(i, i.ItemName) > 0.0", "no such overload"},
		"an item out of list": {"self.Items[3].ItemAmount > 0.0", "index out of bounds"},
	}
	p := loadFixture(t)
	data := issue(t, func(d map[string]any) { delete(d, "LoveCode") })
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			schema := *requestSchema(p)
			schema.Extensions = map[string]any{rules.Extension: []any{map[string]any{"rule": tc.rule, "message": "m"}}}
			set, err := rules.Compile("Issue", &schema)
			if err != nil {
				t.Fatal(err)
			}
			vs := set.Check(data)
			if len(vs) != 1 || vs[0].Err == nil || !strings.Contains(vs[0].Err.Error(), tc.want) {
				t.Errorf("got %v, want an evaluation error saying %q", vs, tc.want)
			}
		})
	}
}

func TestRound(t *testing.T) {
	// mul multiplies at run time, as a rule does: Go's constant arithmetic
	// is exact, 0.58 * 25 would be 14.5.
	mul := func(a, b float64) float64 { return a * b }
	tests := []struct {
		x      float64
		digits int
		want   float64
	}{
		{31.5, 0, 32}, {32.5, 0, 33}, {-31.5, 0, -32}, {31.49, 0, 31}, {0, 0, 0},
		{mul(0.58, 25), 0, 15}, {mul(1.15, 50), 0, 58}, {-mul(0.7, 45), 0, -32}, {2.675, 2, 2.68}, {1.0000005, 6, 1.000001},
		{mul(0.1, 3), 7, 0.3}, {mul(0.1, 3), 0, 0}, {14.4999, 0, 14}, {1e15 + 0.5, 0, 1e15 + 1}, {123456789.5, 0, 123456790},
		{1.5, -1, 2}, {1.25, 99, 1.25},
	}
	for _, tc := range tests {
		if got := rules.Round(tc.x, tc.digits); got != tc.want {
			t.Errorf("Round(%v, %d) = %v, want %v", tc.x, tc.digits, got, tc.want)
		}
	}
}

// A Set is shared by every request of an operation: checks run at once
// (go test -race) and each gets its own answer.
func TestCheckConcurrently(t *testing.T) {
	set := loadFixture(t).Rules
	keeps := issue(t, nil)
	breaks := issue(t, func(d map[string]any) { d["Donation"], d["Print"] = "1", "0" })
	done := make(chan error)
	for i := range 8 {
		go func() {
			data, want := keeps, 0
			if i%2 == 1 {
				data, want = breaks, 1
			}
			var err error
			for range 100 {
				if n := len(set.Check(data)); n != want {
					err = fmt.Errorf("broke %d rules, want %d", n, want)
				}
			}
			done <- err
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
