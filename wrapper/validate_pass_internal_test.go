package wrapper

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/ecpay-go/einvoice/generated/issue"
	"github.com/ecpay-go/einvoice/generated/registry"
)

// passIssue returns the client, Issue's compiled state, the same without
// its passNode (every request's JSON validated by kin-openapi, the map
// path), and ECPay's SDK example of Issue (testdata/sdk-examples) with n
// items, which keeps every rule.
func passIssue(t testing.TB, n int) (*Client, *opState, *opState, issue.RequestData) {
	t.Helper()
	c, err := NewClient(StageMerchantID, StageHashKey, StageHashIV)
	if err != nil {
		t.Fatal(err)
	}
	ops, err := loadOperations()
	if err != nil {
		t.Fatal(err)
	}
	st := ops[registry.Issue.Index()]
	if st.plan.usable || st.plan.pass == nil {
		t.Fatalf("Issue's plan: usable %t, passNode %v; want the passNode", st.plan.usable, st.plan.pass)
	}
	mapPath := *st
	mapPath.plan.pass = nil
	return c, st, &mapPath, IssueWithItems(t, n)
}

// IssueWithItems returns an Issue request of n items that keeps every rule
// of the page: ECPay's SDK example (testdata/sdk-examples/Issue.json) with
// its one item (3 × 10.5, ItemAmount 32 as ECPay rounds) n times. It is
// exported for the external test package (bench_test.go) too.
func IssueWithItems(t testing.TB, n int) issue.RequestData {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "sdk-examples", "Issue.json"))
	if err != nil {
		t.Fatal(err)
	}
	var req issue.RequestData
	if err := json.Unmarshal(raw, &req); err != nil {
		t.Fatal(err)
	}
	item := req.Items[0]
	req.Items = nil
	for i := range n {
		it := item
		it.ItemName = fmt.Sprintf("%s-%d", item.ItemName, i+1)
		req.Items = append(req.Items, it)
	}
	req.SalesAmount = item.ItemAmount * float64(n)
	return req
}

// prepareBoth prepares req with the passNode and by the map path, each on
// a copy of its own, and fails unless both give the same error (Field,
// Rule, Reason, Operation) or none. It returns the error and whether the
// passNode knew the request to pass.
func prepareBoth(t *testing.T, c *Client, st, mapPath *opState, req issue.RequestData) (error, bool) {
	t.Helper()
	copyOf := func() *issue.RequestData {
		r := req
		r.Items = append([]issue.Item(nil), req.Items...)
		return &r
	}
	passed := st.plan.passes(copyOf())
	_, _, got := c.prepare(st, copyOf())
	_, _, want := c.prepare(mapPath, copyOf())
	var gv, wv *ValidationError
	if (got == nil) != (want == nil) || got != nil && (!errors.As(got, &gv) || !errors.As(want, &wv) || !reflect.DeepEqual(*gv, *wv)) {
		t.Errorf("the passNode gives %v, the map path %v", got, want)
	}
	if passed && want != nil {
		var ve *ValidationError
		if errors.As(want, &ve) && ve.Rule != "x-ecpay-validations" {
			t.Errorf("the passNode passed a request the schema refuses: %v", want)
		}
	}
	return got, passed
}

func ptr[T any](v T) *T { return &v }

// The passNode passes a request that keeps Issue's schema without decoding
// its JSON, and on every request the client prepares the same error (or
// none) as the map path: kin-openapi's VisitJSON on the decoded JSON.
func TestPassAgreesWithVisitJSON(t *testing.T) {
	c, st, mapPath, base := passIssue(t, 10)
	if err, passed := prepareBoth(t, c, st, mapPath, base); err != nil || !passed {
		t.Fatalf("the SDK example with 10 items: error %v, known to pass %t; want no error, known", err, passed)
	}
	for name, edit := range map[string]func(r *issue.RequestData){
		"a string over maxLength": func(r *issue.RequestData) { r.RelateNumber = string(make([]byte, 51)) },
		"an enum's other value":   func(r *issue.RequestData) { r.TaxType = "5" },
		"a pointer enum's other":  func(r *issue.RequestData) { r.CarrierType = ptr(issue.CarrierType("9")) },
		"a pattern missed":        func(r *issue.RequestData) { r.CustomerIdentifier = ptr("1234567") },
		"a pattern kept": func(r *issue.RequestData) {
			r.CustomerIdentifier = ptr("53348111")
			r.CarrierType = ptr(issue.CarrierType(""))
		},
		"an integer with a fraction":  func(r *issue.RequestData) { r.SalesAmount += 0.5 },
		"no items":                    func(r *issue.RequestData) { r.Items = []issue.Item{} },
		"items null":                  func(r *issue.RequestData) { r.Items = nil },
		"an item's minimum":           func(r *issue.RequestData) { r.Items[3].ItemSeq = ptr(0) },
		"an item's maximum":           func(r *issue.RequestData) { r.Items[9].ItemSeq = ptr(1000) },
		"an item's name empty":        func(r *issue.RequestData) { r.Items[2].ItemName = "" },
		"an item's name not UTF-8":    func(r *issue.RequestData) { r.Items[2].ItemName = "\xff" },
		"an item's enum":              func(r *issue.RequestData) { r.Items[0].ItemTaxType = ptr(issue.ItemTaxType("4")) },
		"a rule broken":               func(r *issue.RequestData) { r.SalesAmount = 31 },
		"a required string empty":     func(r *issue.RequestData) { r.InvType = "" },
		"a string of 4-byte runes":    func(r *issue.RequestData) { r.Items[1].ItemWord = "𠀀𠀀𠀀𠀀𠀀𠀀" },
		"a string of 7 4-byte runes":  func(r *issue.RequestData) { r.Items[1].ItemWord = "𠀀𠀀𠀀𠀀𠀀𠀀𠀀" },
		"a special tax type":          func(r *issue.RequestData) { r.SpecialTaxType = ptr(3.0) },
		"an optional empty string":    func(r *issue.RequestData) { r.CustomerEmail = ptr("") },
		"a default left out (vat)":    func(r *issue.RequestData) { r.Vat = nil },
		"a default's other value":     func(r *issue.RequestData) { r.Vat = ptr(issue.Vat("2")) },
		"a 999-item invoice's length": func(r *issue.RequestData) { r.Items = append(r.Items, make([]issue.Item, 990)...) },
	} {
		t.Run(name, func(t *testing.T) {
			r := base
			r.Items = append([]issue.Item(nil), base.Items...)
			edit(&r)
			prepareBoth(t, c, st, mapPath, r)
		})
	}
}

// FuzzPassAgreesWithVisitJSON decodes arbitrary JSON over the SDK example
// of Issue and checks that the client prepares it with the passNode as by
// the map path: the same error, or none.
func FuzzPassAgreesWithVisitJSON(f *testing.F) {
	c, st, mapPath, base := passIssue(f, 3)
	for _, seed := range []string{
		`{}`, `{"SalesAmount":32.5}`, `{"Items":[]}`, `{"Items":null}`, `{"CustomerIdentifier":"1234567"}`,
		`{"LoveCode":"12","Donation":"1"}`, `{"Items":[{"ItemSeq":0,"ItemName":"a","ItemCount":1,"ItemWord":"x","ItemPrice":1,"ItemAmount":1}],"SalesAmount":1}`,
		`{"vat":"0","CarrierType":"3","CarrierNum":"/ABC+123"}`, `{"SpecialTaxType":1e308,"TaxType":"4","InvType":"08"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		r := base
		r.Items = append([]issue.Item(nil), base.Items...)
		if json.Unmarshal(text, &r) != nil {
			return
		}
		prepareBoth(t, c, st, mapPath, r)
	})
}

// BenchmarkPass measures the check of Issue with 10 items against
// requestBody.Data: impl=pass in place (passNode), impl=decoded as the map
// path does it (the JSON decoded, then kin-openapi's VisitJSON).
func BenchmarkPass(b *testing.B) {
	_, st, _, req := passIssue(b, 10)
	plaintext, err := json.Marshal(&req)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("impl=pass", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !st.plan.passes(&req) {
				b.Fatal("not known to pass")
			}
		}
	})
	b.Run("impl=decoded", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := st.validateData(plaintext); err != nil {
				b.Fatal(err)
			}
		}
	})
}
