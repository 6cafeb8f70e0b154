package rules_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"testing"

	issuetypes "github.com/ecpay-go/einvoice/generated/issue"
	"github.com/ecpay-go/einvoice/internal/pages"
	"github.com/ecpay-go/einvoice/internal/rules"
)

// BenchmarkCheck evaluates a page's rules on an Issue with 10 items
// (TaxType 9, so that the rules over the items read every item), for two
// rule sets: rules=fixture is the package's fixture (10 rules, one of each
// kind); rules=Issue is the real page's, openapi/Issue.yaml with its
// overlay as internal/pages loads it (20 rules). impl=cel is Set.Check;
// impl=hand is the same checks written in Go over the same map, the
// leanest way by hand. make bench reports the ratios and holds cel to its
// 5 µs.
func BenchmarkCheck(b *testing.B) {
	real, err := pages.Load(context.Background(), filepath.Join("..", "..", "openapi", "Issue.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		set   *rules.Set
		hand  func(map[string]any) int
		rules int // how many rules hand writes
	}{
		{"fixture", loadFixture(b).Rules, handCheck, 10},
		{"Issue", real.Rules, handIssue, 20},
	} {
		data := benchRequest(b)
		if n := len(c.set.Rules()); n != c.rules {
			b.Fatalf("rules=%s: the page has %d rules, the hand-written check %d: write the new ones by hand too", c.name, n, c.rules)
		}
		if vs, hand := c.set.Check(data), c.hand(data); len(vs) != 0 || hand != 0 {
			b.Fatalf("rules=%s: the request breaks %v (by hand: %d rules)", c.name, vs, hand)
		}
		b.Run("rules="+c.name+"/impl=hand", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if c.hand(data) != 0 {
					b.Fatal("broken")
				}
			}
		})
		b.Run("rules="+c.name+"/impl=cel", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if len(c.set.Check(data)) != 0 {
					b.Fatal("broken")
				}
			}
		})
		// The same request as the client holds it, the generated type,
		// checked in place (CheckEncoded; its JSON is not decoded).
		b.Run("rules="+c.name+"/impl=encoded", func(b *testing.B) {
			plaintext, err := json.Marshal(data)
			if err != nil {
				b.Fatal(err)
			}
			var req issuetypes.RequestData
			if err := json.Unmarshal(plaintext, &req); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if vs, err := c.set.CheckEncoded(&req, plaintext); len(vs) != 0 || err != nil {
					b.Fatal("broken", vs, err)
				}
			}
		})
	}
}

// benchRequest is an Issue with 10 items that keeps every rule.
func benchRequest(b *testing.B) map[string]any {
	return issue(b, func(d map[string]any) {
		items(d, 10, 3, 10.5, 32, 320)
		d["TaxType"], d["CustomerIdentifier"] = "9", "53348111"
	})
}

// BenchmarkCheckEachRule is BenchmarkCheck's request checked by each of
// the fixture's rules alone: what each kind of rule costs.
func BenchmarkCheckEachRule(b *testing.B) {
	p := loadFixture(b)
	data := benchRequest(b)
	for i, r := range p.Rules.Rules() {
		schema := *requestSchema(p)
		schema.Extensions = map[string]any{rules.Extension: []any{map[string]any{"rule": r.Rule, "message": "m"}}}
		set, err := rules.Compile("x", &schema)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("rule=%d", i), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				set.Check(data)
			}
		})
	}
}

var eightDigits = regexp.MustCompile(`^[0-9]{8}$`)

// handCheck is the fixture's rules written in Go: the number it breaks,
// where a member it needs is missing or of another type counting as broken.
func handCheck(d map[string]any) int {
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
	num := func(m map[string]any, k string) (float64, bool) { f, ok := m[k].(float64); return f, ok }
	broken := 0
	fail := func(ok bool) {
		if !ok {
			broken++
		}
	}
	donated, print := str(d, "Donation") == "1", str(d, "Print")
	fail(!donated || str(d, "LoveCode") != "")
	fail(!donated || str(d, "CustomerIdentifier") == "")
	fail(!donated || print == "0")
	if c := str(d, "CarrierType"); c == "1" || c == "2" {
		fail(print == "0")
	}
	fail(print != "1" || (str(d, "CustomerName") != "" && str(d, "CustomerAddr") != ""))
	fail(str(d, "CustomerPhone") != "" || str(d, "CustomerEmail") != "")
	id, hasID := d["CustomerIdentifier"].(string)
	fail(!hasID || id == "" || eightDigits.MatchString(id))
	list, ok := d["Items"].([]any)
	if !ok {
		return broken + 2
	}
	allTaxed, amountsOK, total := true, true, 0.0
	for _, x := range list {
		it, _ := x.(map[string]any)
		if str(it, "ItemTaxType") == "" {
			allTaxed = false
		}
		count, ok1 := num(it, "ItemCount")
		price, ok2 := num(it, "ItemPrice")
		amount, ok3 := num(it, "ItemAmount")
		if !ok1 || !ok2 || !ok3 || (amount != rules.Round(count*price, 0) && amount != rules.Round(count*price, 7)) {
			amountsOK = false
		}
		total += amount
	}
	fail(str(d, "TaxType") != "9" || allTaxed)
	fail(amountsOK)
	sales, _ := num(d, "SalesAmount")
	fail(sales == rules.Round(total, 0))
	return broken
}

var (
	citizenCertificate = regexp.MustCompile(`^[A-Z]{2}[0-9]{14}$`)
	mobileBarcode      = regexp.MustCompile(`^/[0-9A-Z.+-]{7}$`)
)

// handIssue is the rules of openapi/Issue.overlay.yaml written in Go, as
// handCheck is the fixture's: the number it breaks.
func handIssue(d map[string]any) int {
	str := func(m map[string]any, k string) (string, bool) { s, ok := m[k].(string); return s, ok }
	set := func(m map[string]any, k string) bool { s, _ := str(m, k); return s != "" }
	num := func(m map[string]any, k string) (float64, bool) { f, ok := m[k].(float64); return f, ok }
	broken := 0
	fail := func(ok bool) {
		if !ok {
			broken++
		}
	}
	donation, _ := str(d, "Donation")
	print, _ := str(d, "Print")
	taxType, _ := str(d, "TaxType")
	carrier, hasCarrier := str(d, "CarrierType")
	id := set(d, "CustomerIdentifier")
	fail(set(d, "CustomerPhone") || set(d, "CustomerEmail"))
	fail(donation != "1" || set(d, "LoveCode"))
	fail(donation != "1" || print == "0")
	fail(donation != "1" || !id)
	fail(print != "1" || (set(d, "CustomerName") && set(d, "CustomerAddr")))
	fail(!(id && carrier == "") || print == "1")
	fail(!(id && carrier != "" && print == "1") || carrier == "3")
	fail(id || carrier == "" || print == "0")
	carrierNum, hasNum := str(d, "CarrierNum")
	fail(!hasCarrier || !(carrier == "2" || carrier == "3" || carrier == "4" || carrier == "5") || carrierNum != "")
	fail(!hasCarrier || carrier != "2" || (hasNum && citizenCertificate.MatchString(carrierNum)))
	fail(!hasCarrier || carrier != "3" || (hasNum && mobileBarcode.MatchString(carrierNum)))
	fail(!hasCarrier || !(carrier == "4" || carrier == "5") || set(d, "CarrierNum2"))
	list, ok := d["Items"].([]any)
	if !ok {
		return broken + 8
	}
	allTaxed, zeroRate, taxFree, amountsOK, total := true, false, false, true, 0.0
	for _, x := range list {
		it, _ := x.(map[string]any)
		t, _ := str(it, "ItemTaxType")
		allTaxed = allTaxed && t != ""
		zeroRate, taxFree = zeroRate || t == "2", taxFree || t == "3"
		count, ok1 := num(it, "ItemCount")
		price, ok2 := num(it, "ItemPrice")
		amount, ok3 := num(it, "ItemAmount")
		if !ok1 || !ok2 || !ok3 || amount-count*price >= 1 || count*price-amount >= 1 {
			amountsOK = false
		}
		total += amount
	}
	fail(taxType != "9" || allTaxed)
	fail(taxType != "9" || !(zeroRate && taxFree))
	zero := taxType == "2" || (taxType == "9" && zeroRate)
	fail(!zero || set(d, "ClearanceMark"))
	fail(!zero || set(d, "ZeroTaxRateReason"))
	invType, _ := str(d, "InvType")
	fail(taxType != "4" || invType == "08")
	special, hasSpecial := num(d, "SpecialTaxType")
	fail(taxType != "4" || (hasSpecial && special >= 1 && special <= 8))
	fail(amountsOK)
	sales, _ := num(d, "SalesAmount")
	fail(sales-total <= 0.5 && total-sales < 0.5)
	return broken
}
