package ledger

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

const merchant = "2000132"

// clock is a settable clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// newLedger returns a Ledger on a clock at 2026-12-07 23:30 UTC (07:30 on
// the 8th in Taipei).
func newLedger(t *testing.T, c Config) (*Ledger, *clock) {
	t.Helper()
	clk := &clock{time.Date(2026, 12, 7, 23, 30, 0, 0, time.UTC)}
	c.Now = clk.now
	l, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	return l, clk
}

func input(relate string, amount int64) Input {
	return Input{RelateNumber: relate, CustomerEmail: "a@example.com", Print: "0", Donation: "0", TaxType: "1", InvType: "07",
		SalesAmount: amount, Items: []Item{{Name: "item", Count: 1, Word: "個", Price: float64(amount), Amount: float64(amount)}}}
}

func mustIssue(t *testing.T, l *Ledger, relate string, amount int64) Invoice {
	t.Helper()
	inv, err := l.Issue(merchant, input(relate, amount))
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func TestNewRefusesBadConfig(t *testing.T) {
	for name, c := range map[string]Config{
		"lower-case track":   {Track: "ab"},
		"three-letter track": {Track: "ABC"},
		"first after last":   {First: 10, Last: 5},
		"last too large":     {First: 1, Last: 100_000_000},
		"negative limit":     {Limit: -1},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := New(c); err == nil {
				t.Errorf("New(%+v) accepted it", c)
			}
		})
	}
}

func TestIssueAllocatesInOrder(t *testing.T) {
	l, _ := newLedger(t, Config{Track: "AB", First: 50, Last: 52})
	for i, want := range []string{"AB00000050", "AB00000051", "AB00000052"} {
		inv := mustIssue(t, l, fmt.Sprint("R", i), 100)
		if inv.InvoiceNo != want {
			t.Errorf("invoice %d: %s, want %s", i, inv.InvoiceNo, want)
		}
		if len(inv.RandomNumber) != 4 || inv.RandomNumber < "0000" || inv.RandomNumber > "9999" {
			t.Errorf("RandomNumber %q is not 4 digits", inv.RandomNumber)
		}
		if inv.Status != Issued || inv.Remaining != 100 || inv.MerchantID != merchant {
			t.Errorf("invoice %d: %+v", i, inv)
		}
	}
	_, err := l.Issue(merchant, input("R3", 100))
	if !errors.Is(err, ErrTrackExhausted) {
		t.Errorf("past the track: %v, want ErrTrackExhausted", err)
	}
	// Each merchant has its own numbers.
	other, err := l.Issue("3000000", input("R0", 100))
	if err != nil || other.InvoiceNo != "AB00000050" {
		t.Errorf("another merchant's first invoice: %+v, %v", other, err)
	}
}

func TestIssueDatesInTaipei(t *testing.T) {
	l, _ := newLedger(t, Config{})
	inv := mustIssue(t, l, "R1", 100)
	if got := inv.InvoiceDate.Format(DateTimeLayout); got != "2026-12-08 07:30:00" {
		t.Errorf("InvoiceDate %s, want 2026-12-08 07:30:00 (Taipei)", got)
	}
	if inv.InvoiceNo != "SM00000001" {
		t.Errorf("first number of the default track: %s", inv.InvoiceNo)
	}
}

func TestIssueRefusesADuplicateRelateNumber(t *testing.T) {
	l, _ := newLedger(t, Config{})
	mustIssue(t, l, "Order1", 100)
	for _, relate := range []string{"Order1", "ORDER1", "order1"} {
		if _, err := l.Issue(merchant, input(relate, 100)); !errors.Is(err, ErrDuplicateRelateNumber) {
			t.Errorf("Issue %q: %v, want ErrDuplicateRelateNumber", relate, err)
		}
	}
	if n := l.Len(merchant); n != 1 {
		t.Errorf("Len = %d after refusals, want 1", n)
	}
	if _, err := l.Issue("3000000", input("Order1", 100)); err != nil {
		t.Errorf("another merchant's Order1: %v", err)
	}
}

func TestIssueCopiesItems(t *testing.T) {
	l, _ := newLedger(t, Config{})
	in := input("R1", 100)
	inv, _ := l.Issue(merchant, in)
	in.Items[0].Name = "changed"
	inv.Items[0].Name = "changed too"
	got, _ := l.ByNumber(merchant, inv.InvoiceNo)
	if got.Items[0].Name != "item" {
		t.Errorf("the stored item changed: %q", got.Items[0].Name)
	}
}

func TestLookup(t *testing.T) {
	l, _ := newLedger(t, Config{})
	inv := mustIssue(t, l, "Order1", 100)
	tests := []struct {
		name    string
		key     Key
		want    error
		visitor string
	}{
		{name: "by number", key: Key{InvoiceNo: inv.InvoiceNo}},
		{name: "by number and date", key: Key{InvoiceNo: inv.InvoiceNo, Date: "2026-12-08"}},
		{name: "by number and slashed date", key: Key{InvoiceNo: inv.InvoiceNo, Date: "2026/12/08"}},
		{name: "by number and date with a time", key: Key{InvoiceNo: inv.InvoiceNo, Date: "2026-12-08 07:30:00"}},
		{name: "by number and date with a trailing space", key: Key{InvoiceNo: inv.InvoiceNo, Date: "2026-12-08 "}},
		{name: "by number on another date", key: Key{InvoiceNo: inv.InvoiceNo, Date: "2026-12-07"}, want: ErrNotFound},
		{name: "by number and a bad date", key: Key{InvoiceNo: inv.InvoiceNo, Date: "08/12/2026"}, want: ErrBadDate},
		{name: "by RelateNumber", key: Key{RelateNumber: "Order1"}},
		{name: "by RelateNumber in another case", key: Key{RelateNumber: "oRDER1"}},
		{name: "unknown number", key: Key{InvoiceNo: "SM99999999"}, want: ErrNotFound},
		{name: "unknown RelateNumber", key: Key{RelateNumber: "Order2"}, want: ErrNotFound},
		{name: "nothing", key: Key{}, want: ErrNotFound},
		{name: "another merchant's", key: Key{InvoiceNo: inv.InvoiceNo}, visitor: "3000000", want: ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := merchant
			if tt.visitor != "" {
				m = tt.visitor
			}
			got, err := l.Lookup(m, tt.key)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Lookup(%+v): %v, want %v", tt.key, err, tt.want)
			}
			if err == nil && got.InvoiceNo != inv.InvoiceNo {
				t.Errorf("Lookup(%+v) = %s, want %s", tt.key, got.InvoiceNo, inv.InvoiceNo)
			}
		})
	}
}

// The life of an invoice: allowances within the remaining amount, a void
// refused while one stands, allowed once they are voided, and only once.
func TestVoidAndAllowances(t *testing.T) {
	l, clk := newLedger(t, Config{})
	inv := mustIssue(t, l, "Order1", 100)
	key := Key{InvoiceNo: inv.InvoiceNo}
	steps := []struct {
		name string
		do   func() error
		want error
		// remaining is the invoice's remaining amount after the step.
		remaining int64
	}{
		{"allowance of 0", allow(l, key, 0), ErrBadAmount, 100},
		{"allowance beyond the amount", allow(l, key, 101), ErrExceedsRemaining, 100},
		{"allowance of 60", allow(l, key, 60), nil, 40},
		{"allowance of 41, beyond what is left", allow(l, key, 41), ErrExceedsRemaining, 40},
		{"allowance of 40, all that is left", allow(l, key, 40), nil, 0},
		{"void while allowances stand", voidIt(l, key), ErrHasAllowance, 0},
		{"void the first allowance", voidAllowance(l, inv.InvoiceNo, 0), nil, 60},
		{"void it again", voidAllowance(l, inv.InvoiceNo, 0), ErrAllowanceVoided, 60},
		{"void an allowance of another invoice number", func() error {
			a := allowances(l, inv.InvoiceNo)[1]
			_, err := l.VoidAllowance(merchant, "SM99999999", a.AllowanceNo, "r")
			return err
		}, ErrAllowanceNotFound, 60},
		{"void an unknown allowance", func() error { _, err := l.VoidAllowance(merchant, inv.InvoiceNo, "none", "r"); return err }, ErrAllowanceNotFound, 60},
		{"void while the second stands", voidIt(l, key), ErrHasAllowance, 60},
		{"void the second allowance", voidAllowance(l, inv.InvoiceNo, 1), nil, 100},
		{"void", voidIt(l, key), nil, 100},
		{"void again", voidIt(l, key), ErrVoided, 100},
		{"allowance of a voided invoice", allow(l, key, 1), ErrVoided, 100},
		{"void an unknown invoice", voidIt(l, Key{InvoiceNo: "SM99999999"}), ErrNotFound, 100},
	}
	for _, s := range steps {
		clk.t = clk.t.Add(time.Minute)
		if err := s.do(); !errors.Is(err, s.want) {
			t.Fatalf("%s: %v, want %v", s.name, err, s.want)
		}
		got, _ := l.ByNumber(merchant, inv.InvoiceNo)
		if got.Remaining != s.remaining {
			t.Fatalf("%s: remaining %d, want %d", s.name, got.Remaining, s.remaining)
		}
	}
	got, _ := l.ByNumber(merchant, inv.InvoiceNo)
	if got.Status != Voided || got.VoidReason != "reason" || got.VoidDate.IsZero() {
		t.Errorf("voided invoice: %+v", got)
	}
	if len(got.Allowances) != 2 || got.Allowances[0].Remaining != 40 || got.Allowances[1].Remaining != 0 {
		t.Errorf("allowances: %+v", got.Allowances)
	}
}

func allow(l *Ledger, k Key, amount int64) func() error {
	return func() error { _, _, err := l.Allow(merchant, k, AllowanceInput{Amount: amount}); return err }
}

func voidIt(l *Ledger, k Key) func() error {
	return func() error { _, err := l.Void(merchant, k, "reason"); return err }
}

func allowances(l *Ledger, invoiceNo string) []Allowance {
	inv, _ := l.ByNumber(merchant, invoiceNo)
	return inv.Allowances
}

func voidAllowance(l *Ledger, invoiceNo string, i int) func() error {
	return func() error {
		a := allowances(l, invoiceNo)[i]
		_, err := l.VoidAllowance(merchant, invoiceNo, a.AllowanceNo, "r")
		return err
	}
}

func TestAllowanceNumbersAndLookup(t *testing.T) {
	l, _ := newLedger(t, Config{})
	inv := mustIssue(t, l, "Order1", 100)
	a, after, err := l.Allow(merchant, Key{InvoiceNo: inv.InvoiceNo, Date: "2026-12-08"}, AllowanceInput{Amount: 30, Items: []Item{{Name: "x"}}})
	if err != nil {
		t.Fatal(err)
	}
	if a.AllowanceNo != "2026120800000001" || len(a.AllowanceNo) != 16 || a.InvoiceNo != inv.InvoiceNo || a.Remaining != 70 || after.Remaining != 70 {
		t.Errorf("allowance %+v, invoice remaining %d", a, after.Remaining)
	}
	got, ginv, err := l.AllowanceByNo(merchant, inv.InvoiceNo, a.AllowanceNo)
	if err != nil || got.AllowanceNo != a.AllowanceNo || ginv.InvoiceNo != inv.InvoiceNo {
		t.Errorf("AllowanceByNo: %+v, %v", got, err)
	}
	if _, _, err := l.AllowanceByNo(merchant, "SM00000009", a.AllowanceNo); !errors.Is(err, ErrAllowanceNotFound) {
		t.Errorf("AllowanceByNo of another invoice: %v", err)
	}
	if _, _, err := l.AllowanceByNo("3000000", "", a.AllowanceNo); !errors.Is(err, ErrAllowanceNotFound) {
		t.Errorf("AllowanceByNo of another merchant: %v", err)
	}
}

func TestCollegiateAllowances(t *testing.T) {
	l, _ := newLedger(t, Config{})
	inv := mustIssue(t, l, "Order1", 100)
	key := Key{InvoiceNo: inv.InvoiceNo}
	online := func(amount int64) Allowance {
		a, _, err := l.Allow(merchant, key, AllowanceInput{Amount: amount, Collegiate: true})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	plain, _, _ := l.Allow(merchant, key, AllowanceInput{Amount: 10})
	pending, agreed := online(10), online(10)
	if _, err := l.Agree(merchant, agreed.AllowanceNo); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		no   string
		want error
	}{
		{"cancel a paper allowance", plain.AllowanceNo, ErrNotCollegiate},
		{"cancel an agreed online allowance", agreed.AllowanceNo, ErrAllowanceAgreed},
		{"cancel a pending online allowance", pending.AllowanceNo, nil},
		{"cancel it again", pending.AllowanceNo, ErrAllowanceVoided},
		{"cancel an unknown allowance", "none", ErrAllowanceNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := l.CancelAllowance(merchant, inv.InvoiceNo, tt.no, "r"); !errors.Is(err, tt.want) {
				t.Errorf("CancelAllowance: %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := l.Agree(merchant, plain.AllowanceNo); !errors.Is(err, ErrNotCollegiate) {
		t.Errorf("Agree to a paper allowance: %v", err)
	}
	if got, _ := l.ByNumber(merchant, inv.InvoiceNo); got.Remaining != 80 {
		t.Errorf("remaining %d, want 80 (the paper and the agreed allowance stand)", got.Remaining)
	}
	if _, err := l.VoidAllowance(merchant, inv.InvoiceNo, agreed.AllowanceNo, "r"); err != nil {
		t.Errorf("void an agreed online allowance: %v", err)
	}
}

// VoidAndIssue as ECPay's SDK example sends it: the RelateNumber in
// another case, the original's issue time; the invoice keeps its number,
// and its voided content is its Previous.
func TestVoidAndIssue(t *testing.T) {
	l, _ := newLedger(t, Config{})
	old := mustIssue(t, l, "Test1525168923", 100)
	key := Key{InvoiceNo: old.InvoiceNo, Date: old.InvoiceDate.Format(DateTimeLayout)}
	if _, err := l.VoidAndIssue(merchant, key, "r", input("Other", 11)); !errors.Is(err, ErrRelateNumberMismatch) {
		t.Fatalf("another RelateNumber: %v", err)
	}
	if _, err := l.VoidAndIssue(merchant, Key{InvoiceNo: old.InvoiceNo, Date: "2026-12-07 07:30:00"}, "r", input("test1525168923", 11)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another date: %v", err)
	}
	if got, _ := l.ByNumber(merchant, old.InvoiceNo); got.Status != Issued || got.SalesAmount != 100 || got.Previous != nil {
		t.Fatalf("a refused VoidAndIssue changed the invoice: %+v", got)
	}
	issued, err := l.VoidAndIssue(merchant, key, "wrong amount", input("test1525168923", 11))
	if err != nil {
		t.Fatal(err)
	}
	if issued.InvoiceNo != old.InvoiceNo || issued.RandomNumber != old.RandomNumber || !issued.InvoiceDate.Equal(old.InvoiceDate) ||
		issued.RelateNumber != "Test1525168923" || issued.SalesAmount != 11 || issued.Remaining != 11 || issued.Status != Issued {
		t.Errorf("reissued: %+v", issued)
	}
	if p := issued.Previous; p == nil || p.Status != Voided || p.SalesAmount != 100 || p.VoidReason != "wrong amount" {
		t.Errorf("Previous: %+v", p)
	}
	if got, err := l.Lookup(merchant, Key{RelateNumber: "TEST1525168923"}); err != nil || got.SalesAmount != 11 {
		t.Errorf("by RelateNumber: %+v, %v", got, err)
	}
	if _, _, err := l.Allow(merchant, key, AllowanceInput{Amount: 5}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.VoidAndIssue(merchant, key, "r", input("Test1525168923", 11)); !errors.Is(err, ErrHasAllowance) {
		t.Errorf("reissue with an allowance standing: %v", err)
	}
	if _, err := l.VoidAndIssue(merchant, Key{InvoiceNo: "SM99999999"}, "r", input("x", 11)); !errors.Is(err, ErrNotFound) {
		t.Errorf("reissue of an unknown invoice: %v", err)
	}
}

func TestList(t *testing.T) {
	l, clk := newLedger(t, Config{})
	var nos []string
	for i := range 5 {
		inv := mustIssue(t, l, fmt.Sprint("R", i), 100)
		nos = append(nos, inv.InvoiceNo)
		clk.t = clk.t.AddDate(0, 0, 1) // one a day, from 2026-12-08
	}
	if _, err := l.Void(merchant, Key{InvoiceNo: nos[1]}, "r"); err != nil {
		t.Fatal(err)
	}
	yes, no := true, false
	day := func(s string) time.Time { d, _ := ParseDate(s); return d }
	tests := []struct {
		name  string
		f     Filter
		want  []int // indexes into nos, newest first
		total int
	}{
		{"all", Filter{}, []int{4, 3, 2, 1, 0}, 5},
		{"first page of 2", Filter{Page: 1, PerPage: 2}, []int{4, 3}, 5},
		{"third page of 2", Filter{Page: 3, PerPage: 2}, []int{0}, 5},
		{"past the last page", Filter{Page: 4, PerPage: 2}, nil, 5},
		{"from a day", Filter{From: day("2026-12-10")}, []int{4, 3, 2}, 3},
		{"to a day", Filter{To: day("2026-12-09")}, []int{1, 0}, 2},
		{"one day", Filter{From: day("2026-12-09"), To: day("2026-12-09")}, []int{1}, 1},
		{"voided", Filter{Voided: &yes}, []int{1}, 1},
		{"not voided, paged", Filter{Voided: &no, Page: 2, PerPage: 3}, []int{0}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, total := l.List(merchant, tt.f)
			var got []string
			for _, inv := range page {
				got = append(got, inv.InvoiceNo)
			}
			var want []string
			for _, i := range tt.want {
				want = append(want, nos[i])
			}
			if fmt.Sprint(got) != fmt.Sprint(want) || total != tt.total {
				t.Errorf("List = %v of %d, want %v of %d", got, total, want, tt.total)
			}
		})
	}
	if page, total := l.List("3000000", Filter{}); page != nil || total != 0 {
		t.Errorf("another merchant's list: %v, %d", page, total)
	}
	if got := l.Invoices(merchant); len(got) != 5 || got[0].InvoiceNo != nos[0] {
		t.Errorf("Invoices: %d, first %s", len(got), got[0].InvoiceNo)
	}
}

// The bound: a merchant's book never holds more than Limit invoices; the
// oldest settled (voided) one goes first, else the oldest issued, and an
// evicted invoice's RelateNumber and allowances are forgotten.
func TestBound(t *testing.T) {
	l, _ := newLedger(t, Config{Limit: 3})
	a := mustIssue(t, l, "A", 100)
	b := mustIssue(t, l, "B", 100)
	c := mustIssue(t, l, "C", 100)
	allowance, _, err := l.Allow(merchant, Key{InvoiceNo: a.InvoiceNo}, AllowanceInput{Amount: 10})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Void(merchant, Key{InvoiceNo: c.InvoiceNo}, "r"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Void(merchant, Key{InvoiceNo: b.InvoiceNo}, "r"); err != nil {
		t.Fatal(err)
	}
	has := func(inv Invoice) bool { _, ok := l.ByNumber(merchant, inv.InvoiceNo); return ok }

	d := mustIssue(t, l, "D", 100) // evicts C, voided first
	if has(c) || !has(a) || !has(b) || !has(d) || l.Len(merchant) != 3 {
		t.Fatalf("after D: want A, B, D (C voided longest ago evicted)")
	}
	e := mustIssue(t, l, "E", 100) // evicts B, the other voided one
	if has(b) || !has(a) {
		t.Fatalf("after E: want B evicted")
	}
	mustIssue(t, l, "F", 100) // nothing settled: evicts A, the oldest
	if has(a) || !has(d) || !has(e) || l.Len(merchant) != 3 {
		t.Fatalf("after F: want A evicted")
	}
	if _, _, err := l.AllowanceByNo(merchant, "", allowance.AllowanceNo); !errors.Is(err, ErrAllowanceNotFound) {
		t.Errorf("the evicted invoice's allowance: %v", err)
	}
	if _, err := l.Lookup(merchant, Key{RelateNumber: "A"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("the evicted invoice by RelateNumber: %v", err)
	}
	if _, err := l.Issue(merchant, input("A", 100)); err != nil {
		t.Errorf("an evicted RelateNumber is forgotten: %v", err)
	}
	for i := range 1000 {
		mustIssue(t, l, fmt.Sprint("bulk", i), 100)
	}
	if n := l.Len(merchant); n != 3 {
		t.Errorf("Len = %d after 1000 more, want 3", n)
	}
}

func TestTax(t *testing.T) {
	tests := []struct {
		taxType, vat string
		amount       int64
		rate         float64
		tax          int64
	}{
		{"1", "1", 105, 0.05, 5},
		{"1", "", 32, 0.05, 2},
		{"1", "0", 100, 0.05, 5},
		{"9", "1", 210, 0.05, 10},
		{"2", "1", 100, 0, 0},
		{"3", "1", 100, 0, 0},
	}
	for _, tt := range tests {
		inv := Invoice{Input: Input{TaxType: tt.taxType, Vat: tt.vat, SalesAmount: tt.amount}}
		if inv.TaxRate() != tt.rate || inv.TaxAmount() != tt.tax {
			t.Errorf("TaxType %s vat %q amount %d: rate %v tax %d, want %v %d", tt.taxType, tt.vat, tt.amount, inv.TaxRate(), inv.TaxAmount(), tt.rate, tt.tax)
		}
	}
}

// Over 100,000 invoices the book stays at its bound, and every number is
// still allocated in order.
func TestBoundOver100000Invoices(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000 invoices skipped with -short")
	}
	l, _ := newLedger(t, Config{Limit: 1000})
	in := input("", 100)
	var last Invoice
	for i := range 100_000 {
		in.RelateNumber = fmt.Sprint("N", i)
		inv, err := l.Issue(merchant, in)
		if err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 {
			if _, err := l.Void(merchant, Key{InvoiceNo: inv.InvoiceNo}, "r"); err != nil {
				t.Fatal(err)
			}
		}
		last = inv
	}
	if n := l.Len(merchant); n != 1000 || last.InvoiceNo != "SM00100000" {
		t.Errorf("Len = %d, last %s; want 1000 and SM00100000", n, last.InvoiceNo)
	}
	if _, ok := l.ByNumber(merchant, last.InvoiceNo); !ok {
		t.Error("the last invoice was evicted")
	}
	b := l.books[merchant]
	if len(b.byNo) != 1000 || len(b.byRelate) != 1000 || b.settled.Len() > 1000 {
		t.Errorf("the indexes hold %d, %d and %d settled; want 1000, 1000 and at most 1000", len(b.byNo), len(b.byRelate), b.settled.Len())
	}
}
