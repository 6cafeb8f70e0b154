package rules_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/ecpay-go/einvoice/internal/rules"
)

// BenchmarkCheck evaluates the fixture's 10 rules on an Issue with 10 items
// (TaxType 9, so that the rules over the items read every item): impl=cel
// is Set.Check; impl=hand is the same checks written in Go over the same
// map, the leanest way by hand. make bench reports the ratio and holds cel
// to its 5 µs.
func BenchmarkCheck(b *testing.B) {
	set := loadFixture(b).Rules
	data := benchRequest(b)
	if vs, hand := set.Check(data), handCheck(data); len(vs) != 0 || hand != 0 {
		b.Fatalf("the request breaks %v (by hand: %d rules)", vs, hand)
	}
	b.Run("impl=hand", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if handCheck(data) != 0 {
				b.Fatal("broken")
			}
		}
	})
	b.Run("impl=cel", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if len(set.Check(data)) != 0 {
				b.Fatal("broken")
			}
		}
	})
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
