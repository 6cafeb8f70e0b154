package rules

import (
	"encoding/json"
	"fmt"
	"testing"
)

// goCode is a named string type, as the generated enums are.
type goCode string

// goItem and goIssue are Issue-shaped Go types with every way
// encoding/json presents a member: omitempty or not, pointers (nil is
// absent or null), named strings, ints and float64s, a nested object, a
// list of objects and one of strings, a skipped field.
type goItem struct {
	ItemName    string  `json:"ItemName"`
	ItemCount   float64 `json:"ItemCount"`
	ItemPrice   float64 `json:"ItemPrice"`
	ItemAmount  float64 `json:"ItemAmount,omitempty"`
	ItemTaxType *goCode `json:"ItemTaxType,omitempty"`
	ItemSeq     *int    `json:"ItemSeq,omitempty"`
}

type goIssue struct {
	Donation           goCode   `json:"Donation"`
	Print              goCode   `json:"Print"`
	LoveCode           *string  `json:"LoveCode,omitempty"`
	CustomerIdentifier string   `json:"CustomerIdentifier,omitempty"`
	CustomerPhone      *string  `json:"CustomerPhone,omitempty"`
	CustomerEmail      *string  `json:"CustomerEmail,omitempty"`
	CarrierType        *goCode  `json:"CarrierType,omitempty"`
	CarrierNum         string   `json:",omitempty"`
	TaxType            string   `json:"TaxType"`
	SpecialTaxType     *float64 `json:"SpecialTaxType,omitempty"`
	SalesAmount        int64    `json:"SalesAmount"`
	ClearanceMark      *string  `json:"ClearanceMark"`
	Items              []goItem `json:"Items"`
	Tags               []string `json:"Tags,omitempty"`
	Flag               bool     `json:"Flag,omitempty"`
	Nested             *goItem  `json:"Nested,omitempty"`
	Skipped            string   `json:"-"`
}

// goMarshaler is a type jsonview does not view: CheckEncoded decodes.
type goMarshaler struct {
	Data json.RawMessage `json:"Data"`
}

// checkEncodedAgrees checks v (a pointer) with CheckEncoded and its JSON
// with CheckJSON: the same violations, or the same refusal.
func checkEncodedAgrees(t *testing.T, set *Set, v any) {
	t.Helper()
	plaintext, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	want, werr := set.CheckJSON(plaintext)
	got, gerr := set.CheckEncoded(v, plaintext)
	if fmt.Sprint(got, gerr) != fmt.Sprint(want, werr) {
		t.Errorf("on %s:\nCheckEncoded %v %v\n   CheckJSON %v %v", plaintext, got, gerr, want, werr)
	}
}

// CheckEncoded answers as CheckJSON on the encoding, for every quick rule
// form on every request of quickData decoded into the Go types, and on
// values the encoding changes (a string not UTF-8) or that jsonview does
// not view.
func TestCheckEncodedAgreesWithCheckJSON(t *testing.T) {
	var texts []string
	for _, r := range quickRules {
		texts = append(texts, r.rule)
	}
	set := quickSetOf(t, texts...)
	decoded := 0
	for _, text := range quickData {
		var v goIssue
		if json.Unmarshal([]byte(text), &v) != nil {
			continue
		}
		decoded++
		checkEncodedAgrees(t, set, &v)
	}
	if decoded < 3 {
		t.Fatalf("only %d of quickData decode into goIssue", decoded)
	}
	bad := "\xff1"
	code := goCode("2\xfe")
	checkEncodedAgrees(t, set, &goIssue{Donation: "1", LoveCode: &bad, TaxType: "9", Items: []goItem{{ItemTaxType: &code}}})
	checkEncodedAgrees(t, set, &goMarshaler{Data: json.RawMessage(`{"Donation":"1"}`)})
}

// A request that keeps the rules is checked in place: CheckEncoded never
// decodes its plaintext (here none), as Check of the decoded Data would
// find it keeps them.
func TestCheckEncodedReadsInPlace(t *testing.T) {
	set := quickSetOf(t,
		"self.Donation != '1' || (has(self.LoveCode) && self.LoveCode != '')",
		"self.TaxType != '9' || self.Items.all(i, has(i.ItemTaxType) && i.ItemTaxType != '')",
		"self.SalesAmount == ecpay.round(self.Items.sum(i, i.ItemAmount))",
		"!(self.?CarrierType.orValue('') in ['1', '2']) || self.Print == '0'",
		"self.ClearanceMark == null && !has(self.Nested)",
	)
	taxable, carrier := goCode("1"), goCode("1")
	v := &goIssue{Donation: "0", Print: "0", CarrierType: &carrier, TaxType: "9", SalesAmount: 32,
		Items: []goItem{{ItemName: "a", ItemCount: 3, ItemPrice: 10.5, ItemAmount: 32, ItemTaxType: &taxable}}}
	if vs, err := set.CheckEncoded(v, nil); len(vs) != 0 || err != nil {
		t.Errorf("CheckEncoded decoded the plaintext or found a violation: %v, %v", vs, err)
	}
	checkEncodedAgrees(t, set, v)
}

// FuzzCheckEncodedAgreesWithCheckJSON decodes arbitrary JSON into the
// Issue-shaped Go types and checks that CheckEncoded on them answers as
// CheckJSON on their encoding, for every quick rule form (seed corpus:
// quickData).
func FuzzCheckEncodedAgreesWithCheckJSON(f *testing.F) {
	var texts []string
	for _, r := range quickRules {
		texts = append(texts, r.rule)
	}
	set := quickSetOf(f, texts...)
	for _, d := range quickData {
		f.Add([]byte(d))
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		var v goIssue
		if json.Unmarshal(text, &v) != nil {
			return
		}
		checkEncodedAgrees(t, set, &v)
	})
}
