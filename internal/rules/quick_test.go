package rules

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"cel.dev/cel-go/common/types"
	"github.com/getkin/kin-openapi/openapi3"
)

// quickRules are rules of each form the pages' overlays use (the fixture's
// and the Issue page's), and forms where the quick path must step aside:
// type mixes, NaN, ints, errors CEL forgives, shadowed names, shared
// sub-expressions. celOnly marks the rules the quick path does not
// translate.
var quickRules = []struct {
	rule    string
	celOnly bool
}{
	{rule: "self.Donation != '1' || (has(self.LoveCode) && self.LoveCode != '')"},
	{rule: "self.Donation != '1' || self.?CustomerIdentifier.orValue('') == ''"},
	{rule: "!(self.?CarrierType.orValue('') in ['1', '2']) || self.Print == '0'"},
	{rule: "self.?CustomerPhone.orValue('') != '' || self.?CustomerEmail.orValue('') != ''"},
	{rule: "!has(self.CustomerIdentifier) || self.CustomerIdentifier == '' || self.CustomerIdentifier.matches('^[0-9]{8}$')"},
	{rule: "!has(self.CarrierType) || self.CarrierType != '3' || (has(self.CarrierNum) && matches(self.CarrierNum, '^/[0-9A-Z.+-]{7}$'))"},
	{rule: "self.TaxType != '9' || self.Items.all(i, has(i.ItemTaxType) && i.ItemTaxType != '')"},
	{rule: "self.TaxType != '9' || !(self.Items.exists(i, has(i.ItemTaxType) && i.ItemTaxType == '2') && self.Items.exists(i, has(i.ItemTaxType) && i.ItemTaxType == '3'))"},
	{rule: "!(self.TaxType == '2' || (self.TaxType == '9' && self.Items.exists(i, has(i.ItemTaxType) && i.ItemTaxType == '2'))) || has(self.ClearanceMark)"},
	{rule: "self.TaxType != '4' || (has(self.SpecialTaxType) && double(self.SpecialTaxType) >= 1.0 && double(self.SpecialTaxType) <= 8.0)"},
	{rule: "self.Items.all(i, i.ItemAmount == ecpay.round(i.ItemCount * i.ItemPrice) || i.ItemAmount == ecpay.round(i.ItemCount * i.ItemPrice, 7))"},
	{rule: "self.Items.all(i, double(i.ItemAmount) - double(i.ItemCount) * double(i.ItemPrice) < 1.0 && double(i.ItemCount) * double(i.ItemPrice) - double(i.ItemAmount) < 1.0)"},
	{rule: "self.SalesAmount == ecpay.round(self.Items.sum(i, i.ItemAmount))"},
	{rule: "double(self.SalesAmount) - self.Items.map(i, double(i.ItemAmount)).sum() <= 0.5 && self.Items.map(i, double(i.ItemAmount)).sum() - double(self.SalesAmount) < 0.5"},
	// Numbers: an int literal against the Data's doubles, NaN, division,
	// negation, the conditional.
	{rule: "self.SalesAmount > 0 && self.SalesAmount != 1 && self.SalesAmount <= 9007199254740992"},
	{rule: "self.SalesAmount / 0.0 > 1.0 || -self.SalesAmount < 0.0 || self.SalesAmount == 0"},
	{rule: "(self.Print == '1' ? self.SalesAmount : 0.0) >= 0.0"},
	{rule: "self.Items.all(i, i.ItemPrice * 0.0 == 0.0)"},
	{rule: "self.SalesAmount == self.SalesAmount"},
	// Type mixes CEL answers false or an error for.
	{rule: "self.Donation != 1"},
	{rule: "self.Donation in ['0', 1, null, true]"},
	{rule: "self.Items.exists(i, i == null) || self.Print == null"},
	{rule: "!has(self.Items) || self.Items.all(i, !has(i.ItemName) || i.ItemName != '')"},
	// An error forgiven by || and by &&.
	{rule: "self.Missing == 'x' || true"},
	{rule: "!(self.Missing == 'x' && false)"},
	// Names: comprehensions nested and shadowing, cel.bind, the
	// accumulator read as an element would be.
	{rule: "self.Items.all(i, self.Items.exists(i, i.ItemCount >= 0.0) && has(i.ItemCount))"},
	{rule: "self.Items.all(i, self.Items.exists(j, j.ItemAmount == i.ItemAmount))"},
	{rule: "cel.bind(t, self.TaxType, t == '9' || t != '9')"},
	{rule: "cel.bind(item, self.Items[0], item.ItemAmount > 0.0)", celOnly: true},
	{rule: "self.exists(k, v, k == 'Items' && v != null)", celOnly: true},
	{rule: "self.Items.size() >= 0", celOnly: true},
	{rule: "self.Items.all(i, i.ItemCount * 2 > 0.0)"},
}

// quickData are requests to check quickRules on: the SDK's example, with
// items as the benchmark has them, and with its members missing, of other
// types, NaN-like and huge numbers.
var quickData = []string{
	`{"Donation":"0","Print":"1","CustomerEmail":"a@b","CustomerIdentifier":"53348111","CarrierType":"","TaxType":"9","SalesAmount":320,
	  "Items":[{"ItemName":"a","ItemCount":3,"ItemPrice":10.5,"ItemTaxType":"1","ItemAmount":32},{"ItemName":"b","ItemCount":25,"ItemPrice":0.58,"ItemTaxType":"1","ItemAmount":15},
	           {"ItemCount":1,"ItemPrice":273,"ItemTaxType":"1","ItemAmount":273}]}`,
	`{"Donation":"1","LoveCode":"168001","Print":"0","CarrierType":"3","CarrierNum":"/ABC+123","TaxType":"9","SalesAmount":10,
	  "Items":[{"ItemCount":1,"ItemPrice":5,"ItemTaxType":"2","ItemAmount":5},{"ItemCount":1,"ItemPrice":5,"ItemTaxType":"3","ItemAmount":5}]}`,
	`{"Donation":"1","Print":"1","TaxType":"4","SpecialTaxType":3,"SalesAmount":0,"Items":[]}`,
	`{"Donation":1,"Print":null,"TaxType":9,"SalesAmount":"32","CustomerIdentifier":12345678,"Items":[1,null,"a",[],{"ItemAmount":{"a":1}}]}`,
	`{"TaxType":"2","SalesAmount":1e308,"Items":[{"ItemCount":1e308,"ItemPrice":1e308,"ItemAmount":-1e308,"ItemTaxType":"2"}]}`,
	`{"Items":"x","SalesAmount":-0.0,"Donation":"0","Print":"0"}`,
	`{}`,
}

// quickSetOf compiles rules as a page whose schema declares no members.
func quickSetOf(t testing.TB, rules ...string) *Set {
	t.Helper()
	var entries []any
	for _, r := range rules {
		entries = append(entries, map[string]any{"rule": r, "message": "m"})
	}
	set, err := Compile("quick", &openapi3.Schema{Extensions: map[string]any{Extension: entries}})
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// celOnly returns s with no quick forms: every rule evaluated by CEL.
func celOnly(s *Set) *Set {
	out := *s
	out.rules = slices.Clone(s.rules)
	for i := range out.rules {
		out.rules[i].quick = nil
	}
	return &out
}

// compareQuick checks the quick forms of set on data against CEL, rule by
// rule in one frame as Check evaluates them: a value the quick path knows
// must be CEL's. It returns the rules it knew.
func compareQuick(t *testing.T, set *Set, data map[string]any) []bool {
	t.Helper()
	fr := newFrame(set.quick, value{kind: mapKind, x: data}, nil)
	defer fr.release()
	act := &activation{self: data}
	known := make([]bool, len(set.rules))
	for i, r := range set.rules {
		if r.quick == nil {
			continue
		}
		q := r.quick(fr)
		if q.kind != boolKind {
			continue
		}
		known[i] = true
		val, _, err := r.program.Eval(act)
		if err != nil || val != types.Bool(q.b) {
			t.Errorf("%s on %v: the quick path says %t, CEL %v (%v)", r.Rule.Rule, data, q.b, val, err)
		}
	}
	return known
}

func decodeData(t testing.TB, text []byte, numbers bool) (map[string]any, bool) {
	dec := json.NewDecoder(bytes.NewReader(text))
	if numbers {
		dec.UseNumber()
	}
	var data map[string]any
	if dec.Decode(&data) != nil || data == nil {
		return nil, false
	}
	return data, true
}

// The quick path answers as CEL does wherever it answers, on every rule
// form, decoded with float64 and with json.Number; it answers every rule it
// translates on a request that keeps them (else it would speed nothing),
// and Check gives the same violations with it as without.
func TestQuickAgreesWithCEL(t *testing.T) {
	var texts []string
	for _, r := range quickRules {
		texts = append(texts, r.rule)
	}
	set := quickSetOf(t, texts...)
	for i, r := range quickRules {
		if got := set.rules[i].quick == nil; got != r.celOnly {
			t.Errorf("%s: translated %t, want %t", r.rule, !got, !r.celOnly)
		}
	}
	anyKnown := make([]bool, len(quickRules))
	for _, text := range quickData {
		for _, numbers := range []bool{false, true} {
			data, ok := decodeData(t, []byte(text), numbers)
			if !ok {
				t.Fatalf("bad test data %s", text)
			}
			for i, k := range compareQuick(t, set, data) {
				anyKnown[i] = anyKnown[i] || k
			}
			if got, want := fmt.Sprint(set.Check(data)), fmt.Sprint(celOnly(set).Check(data)); got != want {
				t.Errorf("Check on %s:\n got %s\nwant %s", text, got, want)
			}
		}
	}
	for i, r := range quickRules {
		if !r.celOnly && !anyKnown[i] {
			t.Errorf("%s: the quick path never answered", r.rule)
		}
	}
}

// The rules the fixture and the Issue page state over the items read each
// item's members once per request, whichever rule reads them, and a loop
// stated by several rules runs once.
func TestQuickSharesWhatRulesRepeat(t *testing.T) {
	set := quickSetOf(t,
		"self.TaxType != '9' || !(self.Items.exists(i, has(i.ItemTaxType) && i.ItemTaxType == '2') && self.TaxType == '9')",
		"!(self.TaxType == '2' || (self.TaxType == '9' && self.Items.exists(i, has(i.ItemTaxType) && i.ItemTaxType == '2'))) || has(self.ClearanceMark)",
		"self.Items.exists(x, x.ItemTaxType == '2') || true",
	)
	q := set.quick
	if len(q.shared) != 2 {
		t.Errorf("%d shared loops, want 2 (one stated twice, one with another name): %v", len(q.shared), strings.Join(slices.Collect(maps.Keys(q.shared)), "\n"))
	}
	if n := len(q.resets[0]); n != 3 {
		t.Errorf("self's members read once each: %d memo slots, want 3 (TaxType, Items, ClearanceMark)", n)
	}
}

// FuzzQuickAgreesWithCEL checks arbitrary JSON objects with quickRules:
// whatever the quick path answers is CEL's answer, and Check reports the
// same violations with the quick path as without (seed corpus:
// testdata/fuzz/FuzzQuickAgreesWithCEL).
func FuzzQuickAgreesWithCEL(f *testing.F) {
	var texts []string
	for _, r := range quickRules {
		texts = append(texts, r.rule)
	}
	set := quickSetOf(f, texts...)
	cel := celOnly(set)
	for _, d := range quickData {
		f.Add([]byte(d))
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		for _, numbers := range []bool{false, true} {
			data, ok := decodeData(t, text, numbers)
			if !ok {
				return
			}
			compareQuick(t, set, data)
			if got, want := fmt.Sprint(set.Check(data)), fmt.Sprint(cel.Check(data)); got != want {
				t.Fatalf("Check:\n got %s\nwant %s", got, want)
			}
		}
	})
}

// An object or array of the Data tested against a list of constants is not
// in it, in CEL as in the quick path: cel-go looks the value up in a Go map
// of the constants, which a map or a slice would make panic (found by
// FuzzQuickAgreesWithCEL: the rule then "could not be evaluated").
func TestInConstantsOfAnotherType(t *testing.T) {
	set := quickSetOf(t, "!(self.CarrierType in ['1', '2'])", "self.CarrierType in ['1', '2'] || self.Items in [1, 2.5]")
	for _, text := range []string{`{"CarrierType":[],"Items":{}}`, `{"CarrierType":{"a":1},"Items":[1]}`} {
		data, _ := decodeData(t, []byte(text), false)
		for name, s := range map[string]*Set{"quick": set, "cel": celOnly(set)} {
			got := broken(s.Check(data))
			if want := []string{"self.CarrierType in ['1', '2'] || self.Items in [1, 2.5]"}; !slices.Equal(got, want) {
				t.Errorf("%s, %s: broken %q, want %q", name, text, got, want)
			}
		}
	}
}

func broken(vs []Violation) []string {
	var out []string
	for _, v := range vs {
		if v.Err != nil {
			out = append(out, v.Rule+": "+v.Err.Error())
			continue
		}
		out = append(out, v.Rule)
	}
	return out
}
