package ecpaysim_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/ecpaysim/ecpaysimtest"
	"github.com/ecpay-go/einvoice/generated"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/contract"
	"github.com/ecpay-go/einvoice/wrapper"
)

// sdkExample decodes ECPay's SDK example of op's request Data
// (testdata/sdk-examples/<op>.json at the module root) into v.
func sdkExample(t *testing.T, op string, v any) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "sdk-examples", op+".json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s.json: %v", op, err)
	}
}

// answerChecker checks, on the client's side, that an answer's decrypted
// Data keeps its page's response schema.
type answerChecker struct {
	contract *contract.Checker
	codec    *ecpaycrypto.Codec
}

func newAnswerChecker(t *testing.T) *answerChecker {
	t.Helper()
	c, err := contract.New()
	if err != nil {
		t.Fatal(err)
	}
	codec, err := ecpaycrypto.New(ecpaysim.StageHashKey, ecpaysim.StageHashIV)
	if err != nil {
		t.Fatal(err)
	}
	return &answerChecker{c, codec}
}

func (a *answerChecker) check(t *testing.T, op *registry.Operation, env generated.ResponseEnvelope) {
	t.Helper()
	if env.Data == nil {
		t.Fatalf("%s: the answer has no Data", op.Name)
	}
	plaintext, err := a.codec.Decrypt(*env.Data)
	if err != nil {
		t.Fatalf("%s: %v", op.Name, err)
	}
	a.checkPlaintext(t, op, plaintext)
}

// checkPlaintext checks an answer's Data, decrypted or plain.
func (a *answerChecker) checkPlaintext(t *testing.T, op *registry.Operation, plaintext []byte) {
	t.Helper()
	if len(plaintext) == 0 {
		t.Fatalf("%s: the answer has no Data", op.Name)
	}
	if err := a.contract.ResponseData(op, plaintext); err != nil {
		t.Errorf("%s's answer %s violates its page: %v", op.Name, plaintext, err)
	}
}

// rtnCodeOf returns the RtnCode of a refusal, failing the test on a
// success or any other error.
func rtnCodeOf(t *testing.T, step string, err error) int {
	t.Helper()
	apiErr, ok := errors.AsType[*wrapper.APIError](err)
	if !ok {
		t.Fatalf("%s: %v, want an *APIError", step, err)
	}
	return apiErr.RtnCode
}

func wantRefusal(t *testing.T, step string, err error, code int) {
	t.Helper()
	if got := rtnCodeOf(t, step, err); got != code {
		t.Fatalf("%s: RtnCode %d (%v), want %d", step, got, err, code)
	}
}

// must holds a call's result for ok: must(c.Issue(ctx, req)).ok(t, "Issue").
func must[T any](v T, err error) result[T] { return result[T]{v, err} }

type result[T any] struct {
	v   T
	err error
}

// ok returns the result, failing the test on an error.
func (r result[T]) ok(t *testing.T, step string) T {
	t.Helper()
	if r.err != nil {
		t.Fatalf("%s: %v", step, r.err)
	}
	return r.v
}

// setAllowance makes a's amount amount, in one item, as the page's rule
// wants the items to add up to it.
func setAllowance(a *wrapper.AllowanceRequest, amount int) {
	a.AllowanceAmount = amount
	a.Items = a.Items[:1]
	a.Items[0].ItemCount, a.Items[0].ItemPrice, a.Items[0].ItemAmount = 1, float64(amount), float64(amount)
}

// num returns a lenient number of an answer, -1 when absent.
func num[T ~float64 | ~int](p *T) float64 {
	if p == nil {
		return -1
	}
	return float64(*p)
}

// fixedTaipei is 2026-12-07 15:04:05 in Taipei.
var fixedTaipei = time.Date(2026, 12, 7, 7, 4, 5, 0, time.UTC)

// The life of an invoice through the typed client and the wire, each
// request ECPay's SDK example with the numbers of earlier answers: issue,
// look it up by number and by RelateNumber, make an allowance, be refused
// a void while it stands, void the allowance, void the invoice, read the
// void; and the refusals on the way.
func TestIssuedInvoiceLifecycle(t *testing.T) {
	sim := ecpaysimtest.NewServer(t, ecpaysim.WithClock(func() time.Time { return fixedTaipei }))
	c, ctx, answers := sim.Client, t.Context(), newAnswerChecker(t)

	var req wrapper.IssueRequest
	sdkExample(t, "Issue", &req)
	issued := must(c.Issue(ctx, req)).ok(t, "Issue")
	answers.check(t, registry.Issue, issued.Envelope)
	no, date := string(*issued.Data.InvoiceNo), string(*issued.Data.InvoiceDate)
	if !regexp.MustCompile(`^[A-Z]{2}[0-9]{8}$`).MatchString(no) || date != "2026-12-07 15:04:05" ||
		!regexp.MustCompile(`^[0-9]{4}$`).MatchString(string(*issued.Data.RandomNumber)) {
		t.Fatalf("Issue answered InvoiceNo %q, InvoiceDate %q, RandomNumber %q", no, date, *issued.Data.RandomNumber)
	}
	day := date[:10]

	_, err := c.Issue(ctx, req)
	wantRefusal(t, "Issue with the same RelateNumber", err, wrapper.RtnCodeDuplicateRelateNumber)
	if !errors.Is(err, wrapper.ErrConflict) {
		t.Errorf("a duplicate RelateNumber is not ErrConflict: %v", err)
	}

	var get wrapper.GetIssueRequest
	sdkExample(t, "GetIssue", &get)
	get.InvoiceNo, get.InvoiceDate = &no, &day
	byNumber := must(c.GetIssue(ctx, get)).ok(t, "GetIssue by number")
	answers.check(t, registry.GetIssue, byNumber.Envelope)
	relate := strings.ToUpper(req.RelateNumber) // RelateNumbers are compared without regard to case
	byRelate := must(c.GetIssue(ctx, wrapper.GetIssueRequest{RelateNumber: &relate})).ok(t, "GetIssue by RelateNumber")
	for name, res := range map[string]*wrapper.GetIssueResult{"by number": byNumber, "by RelateNumber": byRelate} {
		d := res.Data
		if string(*d.IISNumber) != no || string(*d.IISRelateNumber) != req.RelateNumber || num(d.IISSalesAmount) != 32 ||
			string(*d.IISInvalidStatus) != "0" || num(d.IISRemainAllowanceAmt) != 32 || string(*d.IISCreateDate) != date ||
			d.Items == nil || len(*d.Items) != 1 || string(*(*d.Items)[0].ItemName) != req.Items[0].ItemName {
			t.Errorf("GetIssue %s answered %+v", name, d)
		}
	}
	other := "2026-12-06"
	_, err = c.GetIssue(ctx, wrapper.GetIssueRequest{InvoiceNo: &no, InvoiceDate: &other})
	wantRefusal(t, "GetIssue on another date", err, wrapper.RtnCodeInvoiceNotFound)
	if !errors.Is(err, wrapper.ErrNotFound) {
		t.Errorf("an unknown invoice is not ErrNotFound: %v", err)
	}

	var allow wrapper.AllowanceRequest
	sdkExample(t, "Allowance", &allow)
	allow.InvoiceNo, allow.InvoiceDate = no, day
	setAllowance(&allow, 33)
	_, err = c.Allowance(ctx, allow)
	wantRefusal(t, "Allowance beyond the amount", err, ecpaysim.RtnCodeExceedsRemaining)
	setAllowance(&allow, 11)
	allowed := must(c.Allowance(ctx, allow)).ok(t, "Allowance")
	answers.check(t, registry.Allowance, allowed.Envelope)
	allowanceNo := string(*allowed.Data.IAAllowNo)
	if len(allowanceNo) != 16 || num(allowed.Data.IARemainAllowanceAmt) != 21 {
		t.Errorf("Allowance answered %+v", allowed.Data)
	}
	setAllowance(&allow, 22)
	_, err = c.Allowance(ctx, allow)
	wantRefusal(t, "Allowance beyond what is left", err, ecpaysim.RtnCodeExceedsRemaining)

	var getAllowance wrapper.GetAllowanceRequest
	sdkExample(t, "GetAllowance", &getAllowance)
	getAllowance.InvoiceNo, getAllowance.AllowanceNo = &no, &allowanceNo
	gotAllowance := must(c.GetAllowance(ctx, getAllowance)).ok(t, "GetAllowance")
	answers.check(t, registry.GetAllowance, gotAllowance.Envelope)
	if d := gotAllowance.Data; string(*d.IAAllowNo) != allowanceNo || num(d.IATotalTaxAmount) != 11 || string(*d.IAInvalidStatus) != "0" {
		t.Errorf("GetAllowance answered %+v", d)
	}

	var invalid wrapper.InvalidRequest
	sdkExample(t, "Invalid", &invalid)
	invalid.InvoiceNo, invalid.InvoiceDate = no, day
	_, err = c.Invalid(ctx, invalid)
	wantRefusal(t, "Invalid while the allowance stands", err, wrapper.RtnCodeInvoiceHasAllowance)

	var getAllowanceInvalid wrapper.GetAllowanceInvalidRequest
	sdkExample(t, "GetAllowanceInvalid", &getAllowanceInvalid)
	getAllowanceInvalid.InvoiceNo, getAllowanceInvalid.AllowanceNo = no, allowanceNo
	_, err = c.GetAllowanceInvalid(ctx, getAllowanceInvalid)
	wantRefusal(t, "GetAllowanceInvalid of a standing allowance", err, ecpaysim.RtnCodeNotVoided)

	var allowanceInvalid wrapper.AllowanceInvalidRequest
	sdkExample(t, "AllowanceInvalid", &allowanceInvalid)
	allowanceInvalid.InvoiceNo, allowanceInvalid.AllowanceNo = no, allowanceNo
	answers.check(t, registry.AllowanceInvalid, must(c.AllowanceInvalid(ctx, allowanceInvalid)).ok(t, "AllowanceInvalid").Envelope)
	_, err = c.AllowanceInvalid(ctx, allowanceInvalid)
	wantRefusal(t, "AllowanceInvalid again", err, wrapper.RtnCodeAllowanceAlreadyVoided)
	gotVoid := must(c.GetAllowanceInvalid(ctx, getAllowanceInvalid)).ok(t, "GetAllowanceInvalid")
	answers.check(t, registry.GetAllowanceInvalid, gotVoid.Envelope)
	if d := gotVoid.Data; string(*d.AIAllowNo) != allowanceNo || string(*d.Reason) != allowanceInvalid.Reason {
		t.Errorf("GetAllowanceInvalid answered %+v", d)
	}

	var getInvalid wrapper.GetInvalidRequest
	sdkExample(t, "GetInvalid", &getInvalid)
	getInvalid.InvoiceNo, getInvalid.InvoiceDate = no, day+" " // the SDK's trailing space
	_, err = c.GetInvalid(ctx, getInvalid)
	wantRefusal(t, "GetInvalid of an invoice not voided", err, ecpaysim.RtnCodeNotVoided)

	answers.check(t, registry.Invalid, must(c.Invalid(ctx, invalid)).ok(t, "Invalid").Envelope)
	_, err = c.Invalid(ctx, invalid)
	wantRefusal(t, "Invalid again", err, ecpaysim.RtnCodeAlreadyVoided)
	_, err = c.Allowance(ctx, allow)
	wantRefusal(t, "Allowance of a voided invoice", err, ecpaysim.RtnCodeInvoiceVoided)

	gotInvalid := must(c.GetInvalid(ctx, getInvalid)).ok(t, "GetInvalid")
	answers.check(t, registry.GetInvalid, gotInvalid.Envelope)
	if d := gotInvalid.Data; string(*d.IIInvoiceNo) != no || string(*d.Reason) != invalid.Reason || string(*d.IIDate) != date {
		t.Errorf("GetInvalid answered %+v", d)
	}

	inv, ok := sim.IssuedInvoice(ecpaysim.StageMerchantID, no)
	if !ok || inv.Status != ecpaysim.InvoiceVoided || len(inv.Allowances) != 1 || inv.Allowances[0].Status != ecpaysim.AllowanceVoided || inv.Remaining != 32 {
		t.Errorf("IssuedInvoice = %+v, %v", inv, ok)
	}
	if v := sim.Violations(); len(v) != 0 {
		t.Errorf("Violations() = %v", v)
	}
}

// VoidWithReIssue, as ECPay's SDK example sends it (the RelateNumber in
// another case, the original's issue time), voids the invoice and issues
// it again under the same number; GetIssue then answers the new content
// and GetInvalid the void.
func TestVoidWithReIssue(t *testing.T) {
	sim := ecpaysimtest.NewServer(t, ecpaysim.WithClock(func() time.Time { return fixedTaipei }))
	c, ctx, answers := sim.Client, t.Context(), newAnswerChecker(t)
	var req wrapper.IssueRequest
	sdkExample(t, "Issue", &req)
	issued := must(c.Issue(ctx, req)).ok(t, "Issue")
	no, date := string(*issued.Data.InvoiceNo), string(*issued.Data.InvoiceDate)

	var reissue wrapper.VoidWithReIssueRequest
	sdkExample(t, "VoidWithReIssue", &reissue)
	reissue.VoidModel.InvoiceNo = no
	reissue.IssueModel.InvoiceDate = date
	reissue.IssueModel.RelateNumber = "other"
	_, err := c.VoidWithReIssue(ctx, reissue)
	wantRefusal(t, "VoidWithReIssue under another RelateNumber", err, ecpaysim.RtnCodeRelateNumberMismatch)
	reissue.IssueModel.RelateNumber = strings.ToLower(req.RelateNumber)
	reissue.IssueModel.InvoiceDate = "2026-12-06 15:04:05"
	_, err = c.VoidWithReIssue(ctx, reissue)
	wantRefusal(t, "VoidWithReIssue with another date", err, wrapper.RtnCodeInvoiceNotFound)
	reissue.IssueModel.InvoiceDate = date

	res := must(c.VoidWithReIssue(ctx, reissue)).ok(t, "VoidWithReIssue")
	answers.check(t, registry.VoidWithReIssue, res.Envelope)
	if string(*res.Data.InvoiceNo) != no || string(*res.Data.InvoiceDate) != date || *res.Data.RandomNumber != *issued.Data.RandomNumber {
		t.Errorf("VoidWithReIssue answered %+v, want the invoice's number, date and RandomNumber", res.Data)
	}
	got := must(c.GetIssue(ctx, wrapper.GetIssueRequest{RelateNumber: &req.RelateNumber})).ok(t, "GetIssue")
	if num(got.Data.IISSalesAmount) != 11 || string(*got.Data.IISInvalidStatus) != "0" {
		t.Errorf("GetIssue after the reissue: %+v", got.Data)
	}
	void := must(c.GetInvalid(ctx, wrapper.GetInvalidRequest{RelateNumber: req.RelateNumber, InvoiceNo: no, InvoiceDate: date[:10]})).ok(t, "GetInvalid")
	if string(*void.Data.Reason) != reissue.VoidModel.VoidReason {
		t.Errorf("GetInvalid after the reissue: %+v", void.Data)
	}
	reissue.VoidModel.InvoiceNo = "ZZ00000001"
	_, err = c.VoidWithReIssue(ctx, reissue)
	wantRefusal(t, "VoidWithReIssue of an unknown invoice", err, wrapper.RtnCodeInvoiceNotFound)
}

// An online allowance can be cancelled (AllowanceInvalidByCollegiate)
// until the buyer agrees; a paper one cannot.
func TestAllowanceByCollegiate(t *testing.T) {
	sim := ecpaysimtest.NewServer(t, ecpaysim.WithClock(func() time.Time { return fixedTaipei }))
	c, ctx, answers := sim.Client, t.Context(), newAnswerChecker(t)
	var req wrapper.IssueRequest
	sdkExample(t, "Issue", &req)
	issued := must(c.Issue(ctx, req)).ok(t, "Issue")
	no, day := string(*issued.Data.InvoiceNo), string(*issued.Data.InvoiceDate)[:10]

	var online wrapper.AllowanceByCollegiateRequest
	sdkExample(t, "AllowanceByCollegiate", &online)
	online.InvoiceNo, online.InvoiceDate = no, day
	res := must(c.AllowanceByCollegiate(ctx, online)).ok(t, "AllowanceByCollegiate")
	answers.check(t, registry.AllowanceByCollegiate, res.Envelope)
	if string(*res.Data.IATempDate) != "2026-12-07 15:04:05" || string(*res.Data.IATempExpireDate) != "2026-12-10 15:04:05" || num(res.Data.IARemainAllowanceAmt) != 21 {
		t.Errorf("AllowanceByCollegiate answered %+v", res.Data)
	}
	var paper wrapper.AllowanceRequest
	sdkExample(t, "Allowance", &paper)
	paper.InvoiceNo, paper.InvoiceDate = no, day
	paperNo := string(*must(c.Allowance(ctx, paper)).ok(t, "Allowance").Data.IAAllowNo)

	cancel := wrapper.AllowanceInvalidByCollegiateRequest{InvoiceNo: no, AllowanceNo: paperNo, Reason: "r"}
	_, err := c.AllowanceInvalidByCollegiate(ctx, cancel)
	wantRefusal(t, "AllowanceInvalidByCollegiate of a paper allowance", err, ecpaysim.RtnCodeNotCollegiate)
	cancel.AllowanceNo = string(*res.Data.IAAllowNo)
	answers.check(t, registry.AllowanceInvalidByCollegiate, must(c.AllowanceInvalidByCollegiate(ctx, cancel)).ok(t, "AllowanceInvalidByCollegiate").Envelope)
	_, err = c.AllowanceInvalidByCollegiate(ctx, cancel)
	wantRefusal(t, "AllowanceInvalidByCollegiate again", err, wrapper.RtnCodeAllowanceAlreadyVoided)
	cancel.AllowanceNo = "2026120700000099"
	_, err = c.AllowanceInvalidByCollegiate(ctx, cancel)
	wantRefusal(t, "AllowanceInvalidByCollegiate of an unknown allowance", err, wrapper.RtnCodeAllowanceNotFound)
	if inv, _ := sim.IssuedInvoice(ecpaysim.StageMerchantID, no); inv.Remaining != 21 {
		t.Errorf("remaining %d, want 21 (the paper allowance stands)", inv.Remaining)
	}
}

// GetIssueList pages through the merchant's invoices newest first, with
// TotalCount of all the range selects, and filters on the void status.
func TestGetIssueList(t *testing.T) {
	now := fixedTaipei
	sim := ecpaysimtest.NewServer(t, ecpaysim.WithClock(func() time.Time { return now }))
	c, ctx, answers := sim.Client, t.Context(), newAnswerChecker(t)
	var req wrapper.IssueRequest
	sdkExample(t, "Issue", &req)
	var nos []string
	for i := range 5 {
		req.RelateNumber = fmt.Sprint("List", i)
		nos = append(nos, string(*must(c.Issue(ctx, req)).ok(t, "Issue").Data.InvoiceNo))
	}
	must(c.Invalid(ctx, wrapper.InvalidRequest{InvoiceNo: nos[0], InvoiceDate: "2026-12-07", Reason: "r"})).ok(t, "Invalid")

	voided, live := "1", "0"
	tests := []struct {
		name          string
		begin, end    string
		perPage, page int
		invalid       *string
		want          []int
		total         int
	}{
		{"first page", "2026-12-07", "2026-12-07", 2, 1, nil, []int{4, 3}, 5},
		{"last page", "2026-12-07", "2026-12-07", 2, 3, nil, []int{0}, 5},
		{"past the last page", "2026-12-07", "2026-12-07", 2, 4, nil, nil, 5},
		{"another range", "2026-12-08", "2026-12-31", 10, 1, nil, nil, 0},
		{"voided", "2026-12-01", "2026-12-31", 10, 1, &voided, []int{0}, 1},
		{"not voided", "2026-12-01", "2026-12-31", 3, 2, &live, []int{1}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := must(c.GetIssueList(ctx, wrapper.GetIssueListRequest{
				BeginDate: tt.begin, EndDate: tt.end, NumPerPage: tt.perPage, ShowingPage: tt.page, QueryInvalid: tt.invalid})).ok(t, "GetIssueList")
			// GetIssueList's Data comes plain (PlainAnswerData): what the
			// client decoded is the plaintext the simulator sent.
			reqs := sim.Requests()
			answers.checkPlaintext(t, registry.GetIssueList, reqs[len(reqs)-1].Answer.Plaintext)
			var got, want []string
			if res.Data.InvoiceData != nil {
				for _, row := range *res.Data.InvoiceData {
					got = append(got, string(*row.IISNumber))
				}
			}
			for _, i := range tt.want {
				want = append(want, nos[i])
			}
			if fmt.Sprint(got) != fmt.Sprint(want) || num(res.Data.TotalCount) != float64(tt.total) || num(res.Data.ShowingPage) != float64(tt.page) {
				t.Errorf("page %v of %v (page %v), want %v of %d", got, res.Data.TotalCount, res.Data.ShowingPage, want, tt.total)
			}
		})
	}
}

// Each merchant has its own book: another merchant may use the same
// RelateNumber and cannot see the first one's invoices.
func TestIssuedInvoicesPerMerchant(t *testing.T) {
	sim := ecpaysimtest.NewServer(t,
		ecpaysim.WithMerchant(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV),
		ecpaysim.WithMerchant(otherMerchant, otherKey, otherIV))
	other, err := wrapper.NewClient(otherMerchant, otherKey, otherIV, wrapper.WithBaseURL(sim.URL), wrapper.WithHTTPClient(sim.HTTP.Client()))
	if err != nil {
		t.Fatal(err)
	}
	var req wrapper.IssueRequest
	sdkExample(t, "Issue", &req)
	first := must(sim.Client.Issue(t.Context(), req)).ok(t, "Issue")
	req.MerchantID = "" // the client's
	must(other.Issue(t.Context(), req)).ok(t, "Issue by the other merchant")
	// Each merchant draws from its own track: the other one's first
	// invoice has the same number, and GetIssue answers its own.
	no, day := string(*first.Data.InvoiceNo), string(*first.Data.InvoiceDate)[:10]
	got := must(other.GetIssue(t.Context(), wrapper.GetIssueRequest{InvoiceNo: &no, InvoiceDate: &day})).ok(t, "GetIssue by the other merchant")
	if string(*got.Data.IISMerID) != otherMerchant {
		t.Errorf("the other merchant's GetIssue of %s answered IIS_Mer_ID %s", no, *got.Data.IISMerID)
	}
	if _, err := sim.Client.Invalid(t.Context(), wrapper.InvalidRequest{InvoiceNo: no, InvoiceDate: day, Reason: "r"}); err != nil {
		t.Fatal(err)
	}
	if inv, _ := sim.IssuedInvoice(otherMerchant, no); inv.Status != ecpaysim.InvoiceIssued {
		t.Errorf("voiding the stage merchant's invoice voided the other's: %+v", inv)
	}
	if n := len(sim.IssuedInvoices(ecpaysim.StageMerchantID)); n != 1 {
		t.Errorf("the stage merchant has %d invoices, want 1", n)
	}
}

// The bound: however many invoices are issued, a merchant's book keeps
// WithInvoiceLimit of them, the oldest forgotten first.
func TestIssuedInvoicesAreBounded(t *testing.T) {
	sim := ecpaysimtest.NewServer(t, ecpaysim.WithInvoiceLimit(3))
	var req wrapper.IssueRequest
	sdkExample(t, "Issue", &req)
	var nos []string
	for i := range 10 {
		req.RelateNumber = fmt.Sprint("Bound", i)
		nos = append(nos, string(*must(sim.Client.Issue(t.Context(), req)).ok(t, "Issue").Data.InvoiceNo))
	}
	got := sim.IssuedInvoices(ecpaysim.StageMerchantID)
	if len(got) != 3 || got[0].InvoiceNo != nos[7] || got[2].InvoiceNo != nos[9] {
		t.Fatalf("IssuedInvoices: %d, want the last 3", len(got))
	}
	req.RelateNumber = "Bound0" // forgotten with its invoice
	must(sim.Client.Issue(t.Context(), req)).ok(t, "Issue with an evicted RelateNumber")
	if _, err := ecpaysim.New(ecpaysim.WithInvoiceLimit(0)); err == nil {
		t.Error("WithInvoiceLimit(0) accepted")
	}
}

// Concurrent Issues each get their own number, in the track's order with
// none skipped, and the same RelateNumber sent by several at once is
// issued once.
func TestConcurrentIssues(t *testing.T) {
	sim := ecpaysimtest.NewServer(t)
	var req wrapper.IssueRequest
	sdkExample(t, "Issue", &req)
	const n = 40
	results := make(chan error, 2*n)
	for i := range n {
		go func() {
			r := req
			r.RelateNumber = fmt.Sprint("Concurrent", i)
			_, err := sim.Client.Issue(t.Context(), r)
			results <- err
		}()
		go func() {
			_, err := sim.Client.Issue(t.Context(), req) // the same RelateNumber each time
			results <- err
		}()
	}
	duplicates := 0
	for range 2 * n {
		err := <-results
		if apiErr, ok := errors.AsType[*wrapper.APIError](err); ok && apiErr.RtnCode == wrapper.RtnCodeDuplicateRelateNumber {
			duplicates++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	got := sim.IssuedInvoices(ecpaysim.StageMerchantID)
	if duplicates != n-1 || len(got) != n+1 {
		t.Fatalf("%d refused as duplicates, %d issued; want %d and %d", duplicates, len(got), n-1, n+1)
	}
	for i, inv := range got {
		if want := fmt.Sprintf("SM%08d", i+1); inv.InvoiceNo != want {
			t.Errorf("invoice %d is %s, want %s", i, inv.InvoiceNo, want)
		}
	}
}
