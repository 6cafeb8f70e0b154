package ecpaysim

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ecpay-go/einvoice/ecpaysim/internal/ledger"
	"github.com/ecpay-go/einvoice/ecpaysim/internal/serving"
	"github.com/ecpay-go/einvoice/generated/registry"
)

// Errors of AddDelayedInvoice and AddInvoice, matched with errors.Is.
var (
	// ErrUnknownMerchant: the merchant is not configured on the Server.
	ErrUnknownMerchant = errors.New("ecpaysim: unknown merchant")
	// ErrInvalidTsr: the Tsr is empty, longer than the pages allow or not
	// valid UTF-8, so no valid request could name it.
	ErrInvalidTsr = errors.New("ecpaysim: invalid Tsr")
	// ErrInvalidDelay: DelayFlag is neither "1" nor "2", or DelayDay is
	// negative.
	ErrInvalidDelay = errors.New("ecpaysim: invalid DelayFlag or DelayDay")
	// ErrDuplicateInvoice: the merchant already has an invoice with this
	// Tsr; ECPay's Tsr values are unique and never reused.
	ErrDuplicateInvoice = errors.New("ecpaysim: Tsr already registered")
)

// InvoiceStatus is the state of a delayed invoice: the simulator's model of
// ECPay's delayed-invoice lifecycle, which this comment documents (a test
// keeps its tables in step with the registry and the code).
//
// DelayIssue stores an invoice at ECPay without issuing it, under its Tsr;
// the simulator stores it so, with its whole invoice, and EditDelayIssue
// replaces the invoice of one still pending. A test may register one
// without its invoice too: AddDelayedInvoice (waiting for a trigger,
// DelayDay 0), AddInvoice with a DelayedInvoice, POST /_sim/delayed or
// ecpay-sim's --delayed; when such an invoice issues, the simulator issues
// a minimal invoice of its own for it (its Tsr as RelateNumber, one item of
// 100 on ECPay's carrier: the simulator's choice). DelayFlag "2"
// (DelayTrigger, the default) waits for TriggerIssue; "1" (DelayScheduled)
// issues by itself DelayDay days after it was stored, and a triggered
// invoice DelayDay days after its trigger: when the simulator's clock passes
// that time (Server.Now; checked on every request and every Advance, so a
// test moves it with Advance or POST /_sim/clock), the invoice is issued,
// dated then. Issuing goes through the simulator's book of issued invoices,
// as Issue does: the invoice gets an InvoiceNo (Invoice.InvoiceNo), GetIssue
// finds it, InvoicePrint prints it, and the simulator records the event
// (DelayedIssues) and posts to the DelayIssue's NotifyURL (Delivery). Each
// TriggerIssue or CancelDelayIssue that passes every envelope check counts
// in its invoice's TriggerRequests or CancelRequests, whatever the answer,
// including an injected RtnCode fault (which changes nothing else). The
// answers, each with ECPay's RtnMsg for its code (the table below):
//
//	request           invoice                                    RtnCode  then
//	DelayIssue        a Tsr new to the merchant                  1        pending (scheduled for DelayFlag "1")
//	DelayIssue        a Tsr stored before, a RelateNumber taken  9901     (the simulator's choice)
//	EditDelayIssue    pending                                    1        pending, its invoice replaced
//	EditDelayIssue    unknown Tsr (or another merchant's)        4000001
//	EditDelayIssue    triggered, issued or cancelled             4000001  (the simulator's choice)
//	TriggerIssue      pending, DelayFlag "2", DelayDay 0         4000004  issued
//	TriggerIssue      pending, DelayFlag "2", DelayDay > 0       4000003  triggered; issued DelayDay days later
//	TriggerIssue      unknown Tsr (or another merchant's)        4000001
//	TriggerIssue      triggered, issued or cancelled             5070305
//	TriggerIssue      pending, DelayFlag "1" (scheduled)         5070305  (the simulator's choice)
//	CancelDelayIssue  pending, DelayFlag "1" or "2"              1        cancelled
//	CancelDelayIssue  unknown, cancelled, triggered or issued    5070305
//	(the clock)       pending scheduled, or triggered, past its time  -   issued
//
// ECPay's answer to a TriggerIssue of a scheduled invoice is not known (no
// source seen shows one); the simulator refuses it as no longer waiting for
// a trigger, with 5070305. Nor are ECPay's codes for a DelayIssue whose Tsr
// was stored before or whose RelateNumber is taken (by another waiting
// delayed invoice, or an issued one), nor for an EditDelayIssue of an
// invoice no longer pending (the guide says an edit is for one "尚未觸發",
// not yet triggered): the simulator answers the first with its own
// RtnCodeRuleBroken and a message saying why, the second as an unknown Tsr.
// Should the book refuse to issue a delayed invoice (its RelateNumber issued
// meanwhile by Issue, the track used up), a TriggerIssue is answered
// RtnCodeRuleBroken saying why and the invoice stays pending; at its time,
// it stays as it was, no longer scheduled, with Invoice.IssueError saying
// why. Every other row is ECPay's, from the sources named below.
//
// Every RtnCode the simulator answers by itself is ECPay's, with ECPay's
// RtnMsg, but its own RtnCodeRuleBroken where this documentation says so,
// as the overlays record them (x-ecpay-rtn-codes: in
// openapi/overlay.yaml the codes every operation can answer, in
// openapi/<Operation>.overlay.yaml its own), read through
// registry.Operation.Code; package wrapper names each RtnCode<Name>. An
// operation without a lifecycle answers its first success code (the default
// answer above), and any other of its codes only when injected; the registry
// lists them. The codes of the operations with a lifecycle (the checks of
// a buyer's data among them: see BuiltinBarcode), and where each comes from:
// "page" is ECPay's page of the operation (RtnCode 1 means success;
// openapi/CancelDelayIssue.yaml's example gives its message, the other
// pages none, so the simulator answers its own); "stage" is an
// independent open-source client's tests against ECPay's stage, ECPay's own
// code table not being available (the overlays say so; the facts are in the
// project's notes on ECPay's operations). TriggerIssue's page itself is
// written from ECPay's PHP SDK example (see openapi/TriggerIssue.yaml).
// The codes every operation answers only when injected, 9000001 and
// 9999999, are in the table of IssuedInvoice, beside the issued invoice's.
//
//	operation              constant                              value    source    RtnMsg: when the simulator answers it
//	CancelDelayIssue       wrapper.RtnCodeOK                     1        page      "取消開立發票成功": a pending invoice, now cancelled
//	CancelDelayIssue       wrapper.RtnCodeNoUpdatableTsr         5070305  stage     "B2C取消延遲(或觸發)發票 查無可更新交易單號": unknown, cancelled, triggered or issued
//	TriggerIssue           wrapper.RtnCodeIssued                 4000004  stage     "開立發票成功": a waiting invoice with DelayDay 0, now issued
//	TriggerIssue           wrapper.RtnCodeTriggered              4000003  stage     "延後開立成功": a waiting invoice with DelayDay > 0, now triggered
//	TriggerIssue           wrapper.RtnCodeUnknownTsr             4000001  stage     "不存在此交易單號": an unknown Tsr
//	TriggerIssue           wrapper.RtnCodeNoUpdatableTsr         5070305  stage     "B2C取消延遲(或觸發)發票 查無可更新交易單號": triggered, issued, cancelled or scheduled
//	DelayIssue             wrapper.RtnCodeOK                     1        page      "": stored
//	DelayIssue             wrapper.RtnCodeAmountMismatch         5000022  stage     "驗證發票金額發現錯誤，與商品合計金額不符": SalesAmount is not the items' sum (the page's rule)
//	DelayIssue             wrapper.RtnCodeBadLoveCode            2020001  stage     "捐贈碼為3~7碼純數字": a LoveCode not of 3 to 7 digits (the page's rule)
//	EditDelayIssue         wrapper.RtnCodeOK                     1        page      "": edited
//	EditDelayIssue         wrapper.RtnCodeUnknownTsr             4000001  stage     "不存在此交易單號": an unknown Tsr, or one no longer pending
//	EditDelayIssue         wrapper.RtnCodeAmountMismatch         5000022  stage     "驗證發票金額發現錯誤，與商品合計金額不符": as DelayIssue's
//	EditDelayIssue         wrapper.RtnCodeBadLoveCode            2020001  stage     "捐贈碼為3~7碼純數字": as DelayIssue's
//	CheckBarcode           wrapper.RtnCodeOK                     1        page      "": a barcode, with IsExist
//	CheckLoveCode          wrapper.RtnCodeOK                     1        page      "": a love code, with IsExist and OrganName
//	GetCompanyNameByTaxID  wrapper.RtnCodeOK                     1        page      "": a known company identifier, with CompanyName
//	GetCompanyNameByTaxID  wrapper.RtnCodeNoCompanyData          7        stage     "查無資料": an unknown one with a good check digit
//	GetCompanyNameByTaxID  wrapper.RtnCodeTaxIDCheckDigitFailed  1200125  stage     "統一編號檢查碼驗證失敗，請再確認": a bad check digit
//	InvoiceNotify          wrapper.RtnCodeOK                     1        page      "": an invoice (and allowance) of the merchant; the Notice is recorded
//	InvoiceNotify          wrapper.RtnCodeInvoiceNotFound        2        assumed   "查無發票資料，請重新確認": an unknown invoice or allowance; InvoiceTag AW (RtnMsg "查無發票中獎資料，請確認!")
//	InvoicePrint           wrapper.RtnCodeOK                     1        page      "": a printed invoice (Print 1) of the merchant, with InvoiceHtml
//	InvoicePrint           wrapper.RtnCodeInvoiceNotFound        2        assumed   "查無發票資料，請重新確認": an unknown invoice, or one not printed (a carrier's, a donated one)
//
// "assumed": InvoiceNotify's and InvoicePrint's 2 is GetIssue's, assumed
// to be theirs too (their overlays say why). InvoicePrint refuses a B2B
// layout (PrintStyle 4 or 5) for an invoice without a company identifier
// with the simulator's own RtnCodeRuleBroken, ECPay's answer not being
// known. PrintPrefix says what
// InvoiceHtml points to, and Notice what InvoiceNotify records.
//
// The simulator's own RtnMsgs are "injected fault", for an injected RtnCode
// without an RtnMsg, "成功 (the simulator's default answer)", for an answer
// whose success code the overlays give no message (the "" rows above), and
// those of its own RtnCodes (RtnCodeAlreadyVoided and the constants beside
// it; RtnCodeRuleBroken's is the reason of each refusal).
//
// TransCode errors carry "Data": "" and never null; every TransCode 1 answer
// carries encrypted Data and an RpHeader holding only Timestamp (Unix
// seconds).
type InvoiceStatus string

// The states of a delayed invoice.
const (
	// StatusPending: stored by DelayIssue, not issued; it waits for a
	// trigger (DelayFlag "2") or its scheduled date (DelayFlag "1").
	StatusPending InvoiceStatus = "pending"
	// StatusTriggered: TriggerIssue was called with DelayDay > 0; ECPay
	// issues it after DelayDay days.
	StatusTriggered InvoiceStatus = "triggered"
	// StatusIssued: TriggerIssue issued it at once (DelayDay 0).
	StatusIssued InvoiceStatus = "issued"
	// StatusCancelled: CancelDelayIssue cancelled it.
	StatusCancelled InvoiceStatus = "cancelled"
)

// DelayFlag is DelayIssue's DelayFlag: how a stored invoice is issued.
type DelayFlag string

// The values of DelayFlag, as in DelayIssue's Data.
const (
	// DelayScheduled ("1") issues the invoice by itself after DelayDay days.
	DelayScheduled DelayFlag = "1"
	// DelayTrigger ("2") waits for TriggerIssue; the default.
	DelayTrigger DelayFlag = "2"
)

// DelayedInvoice is an invoice stored at ECPay by DelayIssue, for
// AddInvoice and the admin API.
type DelayedInvoice struct {
	MerchantID string
	Tsr        string
	// DelayFlag is DelayTrigger when empty.
	DelayFlag DelayFlag `json:",omitempty"`
	// DelayDay is the days between the trigger (or the storing, for
	// DelayScheduled) and the issue; 0 by default.
	DelayDay int
}

// Invoice is a snapshot of one delayed invoice registered on a Server.
type Invoice struct {
	MerchantID string
	Tsr        string
	DelayFlag  DelayFlag
	DelayDay   int
	Status     InvoiceStatus
	// CancelRequests and TriggerRequests count the requests for this Tsr
	// that passed every envelope check, successful or not.
	CancelRequests  int
	TriggerRequests int
	// IssueAt is when it issues by itself, by the simulator's clock: a
	// scheduled invoice (DelayFlag "1") DelayDay days after it was
	// stored, a triggered one DelayDay days after the trigger; zero when
	// it waits for a trigger or no longer waits.
	IssueAt time.Time `json:",omitzero"`
	// InvoiceNo is its number once issued (GetIssue finds it).
	InvoiceNo string `json:",omitempty"`
	// IssueError says why the simulator could not issue it at its time
	// (its RelateNumber was issued meanwhile, the track is used up); it
	// then stays as it was, no longer scheduled.
	IssueError string `json:",omitempty"`
	// HasData is true for an invoice stored by DelayIssue (or edited by
	// EditDelayIssue) with its invoice Data, false for one registered by
	// AddInvoice, which issues the simulator's minimal invoice.
	HasData bool
}

type invoiceKey struct{ merchantID, tsr string }

type invoice struct {
	flag   DelayFlag
	days   int
	status InvoiceStatus
	// stored is when it was stored, by the simulator's clock; issueAt
	// when it issues by itself (zero when it does not).
	stored, issueAt time.Time
	// input is the invoice to issue, from DelayIssue's Data; nil for one
	// AddInvoice registered (see minimalInput).
	input     *ledger.Input
	notifyURL string
	// invoiceNo is its number once issued; issueError why issuing it at
	// its time failed.
	invoiceNo, issueError string
	// cancels and triggers count the requests for the invoice that passed
	// every envelope check (see behaviour.requests).
	cancels, triggers int
}

// AddDelayedInvoice registers a pending delayed invoice of merchantID with
// transaction number tsr that waits for a trigger (DelayFlag "2", DelayDay
// 0): TriggerIssue issues it, CancelDelayIssue cancels it. Errors match
// ErrUnknownMerchant, ErrInvalidTsr or ErrDuplicateInvoice.
func (s *Server) AddDelayedInvoice(merchantID, tsr string) error {
	return s.AddInvoice(DelayedInvoice{MerchantID: merchantID, Tsr: tsr})
}

// AddInvoice registers a pending delayed invoice as DelayIssue would have
// stored it. Errors match ErrUnknownMerchant, ErrInvalidTsr,
// ErrInvalidDelay or ErrDuplicateInvoice.
func (s *Server) AddInvoice(d DelayedInvoice) error {
	if _, ok := s.merchants[d.MerchantID]; !ok {
		return fmt.Errorf("%w: MerchantID %q is not configured on this simulator", ErrUnknownMerchant, serving.Truncate(d.MerchantID, 20))
	}
	if !utf8.ValidString(d.Tsr) {
		return fmt.Errorf("%w: Tsr is not valid UTF-8", ErrInvalidTsr)
	}
	if n := utf8.RuneCountInString(d.Tsr); n == 0 || n > s.limits.Tsr {
		return fmt.Errorf("%w: Tsr must be 1 to %d characters, this one has %d", ErrInvalidTsr, s.limits.Tsr, n)
	}
	if d.DelayFlag == "" {
		d.DelayFlag = DelayTrigger
	}
	if d.DelayFlag != DelayScheduled && d.DelayFlag != DelayTrigger {
		return fmt.Errorf("%w: DelayFlag must be \"1\" (scheduled) or \"2\" (waits for a trigger)", ErrInvalidDelay)
	}
	if d.DelayDay < 0 {
		return fmt.Errorf("%w: DelayDay must not be negative", ErrInvalidDelay)
	}
	key := invoiceKey{d.MerchantID, d.Tsr}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.invoices[key]; ok {
		return fmt.Errorf("%w: merchant %s, Tsr %q", ErrDuplicateInvoice, d.MerchantID, d.Tsr)
	}
	s.store(key, &invoice{flag: d.DelayFlag, days: d.DelayDay, status: StatusPending, stored: s.Now()})
	return nil
}

// Cancelled reports whether merchantID's delayed invoice tsr exists and has
// been cancelled.
func (s *Server) Cancelled(merchantID, tsr string) bool {
	st, _ := s.Status(merchantID, tsr)
	return st == StatusCancelled
}

// Status returns the state of merchantID's delayed invoice tsr, and false
// when there is none.
func (s *Server) Status(merchantID, tsr string) (InvoiceStatus, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inv := s.invoices[invoiceKey{merchantID, tsr}]
	if inv == nil {
		return "", false
	}
	return inv.status, true
}

// invoice returns the snapshot of one invoice.
func (s *Server) invoice(merchantID, tsr string) (Invoice, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := invoiceKey{merchantID, tsr}
	inv := s.invoices[key]
	if inv == nil {
		return Invoice{}, false
	}
	return inv.snapshot(key), true
}

// Invoices returns every registered delayed invoice, in registration order.
func (s *Server) Invoices() []Invoice {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Invoice, 0, len(s.order))
	for _, key := range s.order {
		out = append(out, s.invoices[key].snapshot(key))
	}
	return out
}

func (inv *invoice) snapshot(key invoiceKey) Invoice {
	return Invoice{MerchantID: key.merchantID, Tsr: key.tsr, DelayFlag: inv.flag, DelayDay: inv.days,
		Status: inv.status, CancelRequests: inv.cancels, TriggerRequests: inv.triggers,
		IssueAt: inv.issueAt, InvoiceNo: inv.invoiceNo, IssueError: inv.issueError, HasData: inv.input != nil}
}

// cancel applies one CancelDelayIssue to inv, the invoice of its Tsr (nil
// when there is none): a pending invoice, scheduled or waiting for a
// trigger, is cancelled (1); anything else — unknown, already cancelled,
// triggered or issued — is ECPay's 5070305.
func cancel(s *Server, key invoiceKey, inv *invoice) outcome {
	if inv == nil || inv.status != StatusPending {
		return outcome{code: rtnCodeNoUpdatableTsr}
	}
	inv.status, inv.issueAt = StatusCancelled, time.Time{}
	s.forgetRelate(key.merchantID, inv)
	return outcome{code: rtnCodeOK}
}

// trigger applies one TriggerIssue to inv, the invoice of its Tsr (nil
// when there is none): a pending invoice that waits for a trigger is issued
// now (4000004) when its DelayDay is 0 and triggered (4000003) otherwise;
// an unknown Tsr is 4000001; an invoice that no longer waits for a trigger
// — triggered, issued, cancelled, or scheduled by DelayFlag "1", which is
// the simulator's choice, ECPay's answer to it not being known — is
// 5070305. Issuing goes through the ledger (see Server.issue); should it
// refuse, the invoice stays pending and the answer is RtnCodeRuleBroken
// with the reason (the simulator's own).
func trigger(s *Server, key invoiceKey, inv *invoice) outcome {
	switch {
	case inv == nil:
		return outcome{code: rtnCodeUnknownTsr}
	case inv.status != StatusPending || inv.flag != DelayTrigger:
		return outcome{code: rtnCodeNoUpdatableTsr}
	case inv.days == 0:
		if err := s.issue(key, inv); err != nil {
			return outcome{code: RtnCodeRuleBroken, msg: "the invoice could not be issued: " + strings.TrimPrefix(err.Error(), "ledger: ")}
		}
		return outcome{code: rtnCodeIssued}
	}
	inv.status = StatusTriggered
	s.schedule(key, inv, s.Now().AddDate(0, 0, inv.days))
	return outcome{code: rtnCodeTriggered}
}

// The RtnCodes the lifecycle answers, by their names in the registry (the
// client's RtnCode<Name> constants), so that their values live in the
// overlays alone.
var (
	rtnCodeOK             = codeNamed(registry.CancelDelayIssue, "OK")
	rtnCodeNoUpdatableTsr = codeNamed(registry.CancelDelayIssue, "NoUpdatableTsr")
	rtnCodeUnknownTsr     = codeNamed(registry.TriggerIssue, "UnknownTsr")
	rtnCodeIssued         = codeNamed(registry.TriggerIssue, "Issued")
	rtnCodeTriggered      = codeNamed(registry.TriggerIssue, "Triggered")

	rtnCodeNoCompanyData         = codeNamed(registry.GetCompanyNameByTaxID, "NoCompanyData")
	rtnCodeTaxIDCheckDigitFailed = codeNamed(registry.GetCompanyNameByTaxID, "TaxIDCheckDigitFailed")
	rtnCodeInvoiceNotFound       = codeNamed(registry.InvoicePrint, "InvoiceNotFound")
)

// codeNamed returns the RtnCode of op named name in the registry; 0, which
// no operation answers, when there is none (a test keeps them known).
func codeNamed(op *registry.Operation, name string) int {
	for _, c := range op.Codes {
		if c.Name == name {
			return c.Code
		}
	}
	return 0
}

// request is what a behaviour is given: a request that passed every check.
type request struct {
	merchantID string
	// baseURL is the URL the client reached the Server at (see
	// WithBaseURL), for the URLs an answer gives.
	baseURL string
	// data is the decoded Data, a pointer to the operation's generated
	// request Data type.
	data any
	// plaintext is the decrypted Data, for behaviours that read members
	// the generated type does not reach at once.
	plaintext []byte
	// injected is true when an injected RtnCode fault answers the request
	// instead: the behaviour may count it, and must change nothing else.
	injected bool
}

// outcome is what a behaviour answers: the RtnCode, its RtnMsg (empty for
// the registry's message of the code) and the members of the answer's Data
// it sets beyond them (InvoiceNo, say), by their JSON names; the members it
// does not set come from the default answer.
type outcome struct {
	code   int
	msg    string
	fields map[string]any
}

// behaviour is what the simulator does for an operation beyond the default
// answer. Each operation with a lifecycle registers one in behaviours.
type behaviour func(s *Server, req request) outcome

// behaviours are the operations the simulator models beyond the default
// answer.
var behaviours = map[*registry.Operation]behaviour{
	registry.CancelDelayIssue: delayed(func(inv *invoice) *int { return &inv.cancels }, cancel),
	registry.TriggerIssue:     delayed(func(inv *invoice) *int { return &inv.triggers }, trigger),
	registry.DelayIssue:       delayIssue,
	registry.EditDelayIssue:   editDelayIssue,

	registry.CheckBarcode:          checkBarcode,
	registry.CheckLoveCode:         checkLoveCode,
	registry.GetCompanyNameByTaxID: companyName,
	registry.InvoiceNotify:         invoiceNotify,
	registry.InvoicePrint:          invoicePrint,

	registry.Issue:                        issueBehaviour,
	registry.GetIssue:                     getIssueBehaviour,
	registry.GetIssueList:                 getIssueListBehaviour,
	registry.Invalid:                      invalidBehaviour,
	registry.GetInvalid:                   getInvalidBehaviour,
	registry.VoidWithReIssue:              voidWithReIssueBehaviour,
	registry.Allowance:                    allowanceBehaviour,
	registry.AllowanceByCollegiate:        allowanceByCollegiateBehaviour,
	registry.AllowanceInvalid:             allowanceInvalidBehaviour,
	registry.AllowanceInvalidByCollegiate: allowanceInvalidByCollegiateBehaviour,
	registry.GetAllowance:                 getAllowanceBehaviour,
	registry.GetAllowanceInvalid:          getAllowanceInvalidBehaviour,
}

// delayed returns the behaviour of an operation on the delayed invoice of
// the request's Tsr: it counts a request that passed every envelope check
// for merchantID's invoice tsr, when there is one, in count's counter, and
// applies apply to it (nil when there is none) under s.mu for the RtnCode
// to answer. An injected RtnCode fault answers the request instead: it is
// counted all the same, and changes nothing.
func delayed(count func(*invoice) *int, apply func(*Server, invoiceKey, *invoice) outcome) behaviour {
	return func(s *Server, req request) outcome {
		tsr, _ := stringField(req.data, "Tsr")
		s.mu.Lock()
		defer s.mu.Unlock()
		key := invoiceKey{req.merchantID, tsr}
		inv := s.invoices[key]
		if inv != nil {
			*count(inv)++
		}
		if req.injected {
			return outcome{}
		}
		return apply(s, key, inv)
	}
}
