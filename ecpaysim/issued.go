package ecpaysim

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ecpay-go/einvoice/ecpaysim/internal/ledger"
	"github.com/ecpay-go/einvoice/generated/issue"
	"github.com/ecpay-go/einvoice/generated/registry"
)

// IssuedInvoice is a snapshot of an invoice the simulator issued (Issue,
// VoidWithReIssue): its number, date and RandomNumber, the request's
// content, its status and allowances. See Server.IssuedInvoices.
//
// The life of an issued invoice, per merchant, as the simulator models it
// (a test keeps this table in step with the code and the registry):
// invoice numbers come from the simulator's own track, "SM" and 8 digits
// from SM00000001, in order; the RandomNumber is 4 digits; dates are
// Taipei time (GMT+8). Issue stores the invoice under its RelateNumber
// (without regard to case, as ECPay's guide says); a merchant's book holds
// at most WithInvoiceLimit invoices, evicting the one voided longest ago
// first, else the oldest (an evicted invoice is forgotten, its
// RelateNumber too). The answers, each with ECPay's RtnMsg for its code:
//
//	request                       invoice or allowance                             RtnCode   then
//	Issue                         a RelateNumber the merchant has not used         1         issued: InvoiceNo, InvoiceDate, RandomNumber
//	Issue                         a RelateNumber the merchant has used             10000009
//	Issue                         the track has no number left                     1100040
//	GetIssue                      known by InvoiceNo+InvoiceDate or RelateNumber   1         its IIS_* members and Items
//	GetIssue                      unknown, or another date                         2
//	GetIssueList                  any                                              1         the page asked, newest first
//	Invalid                       issued, no allowance standing                    1         voided
//	Invalid                       an allowance standing                            5070450
//	Invalid                       unknown                                          2
//	Invalid                       voided already                                   9902      (the simulator's own code)
//	GetInvalid                    voided (or voided and reissued)                  1         its II_* members
//	GetInvalid                    unknown                                          2
//	GetInvalid                    not voided                                       9907      (the simulator's own code)
//	VoidWithReIssue               issued, no allowance standing, its RelateNumber  1         voided and issued again: same number and date
//	VoidWithReIssue               unknown, or another InvoiceDate                  2
//	VoidWithReIssue               an allowance standing                            5070450
//	VoidWithReIssue               voided already                                   9902      (the simulator's own code)
//	VoidWithReIssue               another RelateNumber than the invoice's          9906      (the simulator's own code)
//	Allowance                     issued, within the remaining amount              1         an allowance: IA_Allow_No, remaining less
//	Allowance                     unknown, or another InvoiceDate                  2
//	Allowance                     beyond the remaining amount                      9903      (the simulator's own code)
//	Allowance                     voided                                           9904      (the simulator's own code)
//	AllowanceByCollegiate         as Allowance                                     1         an online allowance waiting for the buyer
//	AllowanceInvalid              a standing allowance of the invoice              1         voided, its amount back
//	AllowanceInvalid              unknown, or of another invoice                   2000039
//	AllowanceInvalid              voided already                                   2000063
//	AllowanceInvalidByCollegiate  an online allowance not agreed to                1         cancelled, its amount back
//	AllowanceInvalidByCollegiate  an online allowance the buyer agreed to          5070250
//	AllowanceInvalidByCollegiate  a paper allowance (Allowance's)                  9905      (the simulator's own code)
//	GetAllowance                  known                                            1         its IA_* members and Items
//	GetAllowance                  unknown                                          2000039
//	GetAllowanceInvalid           voided                                           1         its AI_* members
//	GetAllowanceInvalid           unknown                                          2000039
//	GetAllowanceInvalid           not voided                                       9907      (the simulator's own code)
//
// The RtnCodes of these operations and where each comes from (a test
// keeps this table in step with the registry): "page" is every page's "1
// means success" (its RtnMsg is the simulator's default, the overlays
// giving none); "stage" an independent client's tests against ECPay's
// stage (paid-tw/einvoice); "guide" ECPay's integration guide
// (ECPay/ECPay-API-Skill, guides/04-invoice-b2c.md); "assumed" ECPay's
// code for the same refusal by a sibling operation (AllowanceInvalid's for
// GetAllowance, say), assumed for this one, as its overlay says. "every"
// stands for every operation, the lifecycles' included. The simulator's
// own codes are the RtnCode constants beside RtnCodeRuleBroken.
//
//	operation                     constant                                value     source   RtnMsg: when the simulator answers it
//	Issue                         wrapper.RtnCodeOK                       1         page     "": issued
//	Issue                         wrapper.RtnCodeAmountMismatch           5000022   stage    "驗證發票金額發現錯誤，與商品合計金額不符": SalesAmount is not the items' sum (the page's rule)
//	Issue                         wrapper.RtnCodeBadLoveCode              2020001   stage    "捐贈碼為3~7碼純數字": only when injected (the page's pattern refuses such a LoveCode first)
//	Issue                         wrapper.RtnCodeInvoiceNumbersExhausted  1100040   stage    "發票字軌已用完": the track has no number left
//	Issue                         wrapper.RtnCodeDuplicateRelateNumber    10000009  guide    "自訂編號不可重複": a RelateNumber the merchant has used
//	GetIssue                      wrapper.RtnCodeOK                       1         page     "": the invoice
//	GetIssue                      wrapper.RtnCodeInvoiceNotFound          2         stage    "查無發票資料，請重新確認": no such invoice
//	GetIssueList                  wrapper.RtnCodeOK                       1         page     "": the page asked
//	Invalid                       wrapper.RtnCodeOK                       1         page     "": voided
//	Invalid                       wrapper.RtnCodeInvoiceHasAllowance      5070450   stage    "該發票已被折讓過，無法直接作廢發票": an allowance stands
//	Invalid                       wrapper.RtnCodeInvoiceNotFound          2         assumed  "查無發票資料，請重新確認": no such invoice
//	GetInvalid                    wrapper.RtnCodeOK                       1         page     "": the void
//	GetInvalid                    wrapper.RtnCodeInvoiceNotFound          2         assumed  "查無發票資料，請重新確認": no such invoice
//	VoidWithReIssue               wrapper.RtnCodeOK                       1         page     "": voided and issued again
//	VoidWithReIssue               wrapper.RtnCodeAmountMismatch           5000022   stage    "驗證發票金額發現錯誤，與商品合計金額不符": SalesAmount is not the items' sum (the page's rule)
//	VoidWithReIssue               wrapper.RtnCodeBadLoveCode              2020001   stage    "捐贈碼為3~7碼純數字": only when injected (the page's pattern refuses such a LoveCode first)
//	VoidWithReIssue               wrapper.RtnCodeInvoiceNotFound          2         stage    "查無發票資料，請重新確認": no such invoice
//	VoidWithReIssue               wrapper.RtnCodeInvoiceHasAllowance      5070450   assumed  "該發票已被折讓過，無法直接作廢發票": an allowance stands
//	Allowance                     wrapper.RtnCodeOK                       1         page     "": an allowance made
//	Allowance                     wrapper.RtnCodeInvoiceNotFound          2         assumed  "查無發票資料，請重新確認": no such invoice
//	AllowanceByCollegiate         wrapper.RtnCodeOK                       1         page     "": an online allowance made
//	AllowanceByCollegiate         wrapper.RtnCodeInvoiceNotFound          2         assumed  "查無發票資料，請重新確認": no such invoice
//	AllowanceInvalid              wrapper.RtnCodeOK                       1         page     "": the allowance voided
//	AllowanceInvalid              wrapper.RtnCodeAllowanceNotFound        2000039   stage    "查無折讓單資料，請確認!": no such allowance of the invoice
//	AllowanceInvalid              wrapper.RtnCodeAllowanceAlreadyVoided   2000063   stage    "該折讓單已作廢過，請確認": voided already
//	AllowanceInvalidByCollegiate  wrapper.RtnCodeOK                       1         page     "": the online allowance cancelled
//	AllowanceInvalidByCollegiate  wrapper.RtnCodeAllowanceAlreadyAgreed   5070250   stage    "無法取消已經同意的線上折讓單": the buyer agreed to it
//	AllowanceInvalidByCollegiate  wrapper.RtnCodeAllowanceNotFound        2000039   assumed  "查無折讓單資料，請確認!": no such allowance of the invoice
//	AllowanceInvalidByCollegiate  wrapper.RtnCodeAllowanceAlreadyVoided   2000063   assumed  "該折讓單已作廢過，請確認": cancelled or voided already
//	GetAllowance                  wrapper.RtnCodeOK                       1         page     "": the allowance
//	GetAllowance                  wrapper.RtnCodeAllowanceNotFound        2000039   assumed  "查無折讓單資料，請確認!": no such allowance
//	GetAllowanceInvalid           wrapper.RtnCodeOK                       1         page     "": the allowance's void
//	GetAllowanceInvalid           wrapper.RtnCodeAllowanceNotFound        2000039   assumed  "查無折讓單資料，請確認!": no such allowance
//	every                         wrapper.RtnCodeTaxSystemFailed          9000001   stage    "呼叫財政部API失敗": only when injected
//	every                         wrapper.RtnCodeSystemError              9999999   stage    "系統異常,請稍後再試": only when injected
//
// A bad InvoiceDate (neither yyyy-MM-dd nor yyyy/MM/dd) finds
// no invoice: 2, the simulator's choice. What the answers hold beyond
// what a request gave is the simulator's own: TaxAmount of 5% for taxable
// invoices (see IIS_Tax_Amount), IIS_Upload_Status "0" (the simulator
// uploads nothing to the tax ministry), identifiers "0000000000" when
// there are none (as the pages say), empty QR codes and bar code,
// IIS_Award_Flag "0"; allowance numbers are the date and 8 digits; an
// online allowance expires 72 hours after it was made, as its page says,
// but is never lapsed. GetIssueList's Query_Invalid "1" keeps the voided
// invoices and "0" the others; Query_Award "1" keeps none (the simulator
// awards nothing): the simulator's reading of the page.
type IssuedInvoice = ledger.Invoice

// Allowance is a snapshot of an allowance (折讓) against an issued
// invoice: IssuedInvoice.Allowances.
type Allowance = ledger.Allowance

// The states of an issued invoice (IssuedInvoice.Status) and of an
// allowance (Allowance.Status).
const (
	InvoiceIssued   = ledger.Issued
	InvoiceVoided   = ledger.Voided
	AllowanceIssued = ledger.AllowanceIssued
	AllowanceVoided = ledger.AllowanceVoided
)

// IssuedInvoices returns merchantID's issued invoices, oldest first.
func (s *Server) IssuedInvoices(merchantID string) []IssuedInvoice {
	return s.ledger.Invoices(merchantID)
}

// IssuedInvoice returns merchantID's issued invoice invoiceNo, and false
// when there is none.
func (s *Server) IssuedInvoice(merchantID, invoiceNo string) (IssuedInvoice, bool) {
	return s.ledger.ByNumber(merchantID, invoiceNo)
}

// issued returns a behaviour that applies answer to the request, unless an
// injected RtnCode fault answers it instead: the lifecycle of an issued
// invoice changes nothing then.
func issued(answer func(s *Server, req request) outcome) behaviour {
	return func(s *Server, req request) outcome {
		if req.injected {
			return outcome{}
		}
		return answer(s, req)
	}
}

// refusal returns the RtnCode of op answering err, one of the Ledger's
// refusals; an error without a code of op is a bug of the simulator, a
// violation answered with RtnCodeSimulatorError.
func (s *Server) refusal(op *registry.Operation, err error) outcome {
	for _, r := range []struct {
		err  error
		code int
	}{
		{ledger.ErrDuplicateRelateNumber, codeNamed(op, "DuplicateRelateNumber")},
		{ledger.ErrTrackExhausted, codeNamed(op, "InvoiceNumbersExhausted")},
		{ledger.ErrNotFound, codeNamed(op, "InvoiceNotFound")},
		{ledger.ErrBadDate, codeNamed(op, "InvoiceNotFound")},
		{ledger.ErrHasAllowance, codeNamed(op, "InvoiceHasAllowance")},
		{ledger.ErrAllowanceNotFound, codeNamed(op, "AllowanceNotFound")},
		{ledger.ErrAllowanceVoided, codeNamed(op, "AllowanceAlreadyVoided")},
		{ledger.ErrAllowanceAgreed, codeNamed(op, "AllowanceAlreadyAgreed")},
		{ledger.ErrVoided, RtnCodeAlreadyVoided},
		{ledger.ErrExceedsRemaining, RtnCodeExceedsRemaining},
		{ledger.ErrBadAmount, RtnCodeExceedsRemaining},
		{ledger.ErrNotCollegiate, RtnCodeNotCollegiate},
		{ledger.ErrRelateNumberMismatch, RtnCodeRelateNumberMismatch},
	} {
		if errors.Is(err, r.err) && r.code != 0 {
			return outcome{code: r.code, msg: ownRtnMsgs[r.code]}
		}
	}
	s.violation(fmt.Errorf("%s: no RtnCode answers %w", op.Name, err))
	return outcome{code: RtnCodeSimulatorError, msg: ownRtnMsgs[RtnCodeSimulatorError]}
}

// issueInput returns the ledger's Input of an Issue request Data (also
// VoidWithReIssue's IssueModel and DelayIssue's Data, decoded into it).
func issueInput(d *issue.RequestData) ledger.Input {
	in := ledger.Input{
		RelateNumber: d.RelateNumber, CustomerID: str(d.CustomerID), CustomerIdentifier: str(d.CustomerIdentifier),
		CustomerName: str(d.CustomerName), CustomerAddr: str(d.CustomerAddr), CustomerPhone: str(d.CustomerPhone),
		CustomerEmail: str(d.CustomerEmail), ClearanceMark: str(d.ClearanceMark), Print: string(d.Print),
		Donation: string(d.Donation), LoveCode: str(d.LoveCode), CarrierType: str(d.CarrierType),
		CarrierNum: str(d.CarrierNum), CarrierNum2: str(d.CarrierNum2), TaxType: string(d.TaxType),
		ZeroTaxRateReason: str(d.ZeroTaxRateReason), InvType: string(d.InvType), Vat: str(d.Vat),
		SalesAmount: int64(d.SalesAmount), InvoiceRemark: str(d.InvoiceRemark),
		Items: make([]ledger.Item, len(d.Items)),
	}
	if d.SpecialTaxType != nil {
		in.SpecialTaxType = *d.SpecialTaxType
	}
	for i, it := range d.Items {
		in.Items[i] = ledger.Item{Seq: seq(it.ItemSeq, i), Name: it.ItemName, Count: it.ItemCount, Word: it.ItemWord,
			Price: it.ItemPrice, TaxType: str(it.ItemTaxType), Amount: it.ItemAmount, Remark: str(it.ItemRemark)}
	}
	return in
}

// str returns *p, or "" for nil.
func str[T ~string](p *T) string {
	if p == nil {
		return ""
	}
	return string(*p)
}

// seq returns an item's ItemSeq, or its place from 1 when it has none.
func seq(p *int, i int) int {
	if p == nil {
		return i + 1
	}
	return *p
}

// allowanceData is what Allowance and AllowanceByCollegiate send, decoded
// from the request's plaintext (their generated types differ).
type allowanceData struct {
	InvoiceNo       string
	InvoiceDate     string
	AllowanceNotify string
	CustomerName    string
	NotifyMail      string
	NotifyPhone     string
	AllowanceAmount int64
	Reason          string
	ReturnURL       string
	Items           []struct {
		ItemSeq     *int
		ItemName    string
		ItemCount   float64
		ItemWord    string
		ItemPrice   float64
		ItemTaxType *string
		ItemAmount  float64
	}
}

// allowanceInput decodes an Allowance's or AllowanceByCollegiate's Data.
func allowanceInput(plaintext []byte, collegiate bool) (ledger.Key, ledger.AllowanceInput, error) {
	var d allowanceData
	if err := json.Unmarshal(plaintext, &d); err != nil {
		return ledger.Key{}, ledger.AllowanceInput{}, err
	}
	in := ledger.AllowanceInput{AllowanceNotify: d.AllowanceNotify, CustomerName: d.CustomerName, NotifyMail: d.NotifyMail,
		NotifyPhone: d.NotifyPhone, Amount: d.AllowanceAmount, Reason: d.Reason, Collegiate: collegiate, ReturnURL: d.ReturnURL,
		Items: make([]ledger.Item, len(d.Items))}
	for i, it := range d.Items {
		in.Items[i] = ledger.Item{Seq: seq(it.ItemSeq, i), Name: it.ItemName, Count: it.ItemCount, Word: it.ItemWord,
			Price: it.ItemPrice, TaxType: str(it.ItemTaxType), Amount: it.ItemAmount}
	}
	return ledger.Key{InvoiceNo: d.InvoiceNo, Date: d.InvoiceDate}, in, nil
}
