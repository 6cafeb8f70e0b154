package notify

import (
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// The form fields of the notifications. The allowance's are ECPay's (its
// page ?p=38242 and its API guide 04); the invoiced notification's are the
// simulator's own choice (see Invoiced).
const (
	FieldMerchantID      = "MerchantID"
	FieldRtnCode         = "RtnCode"
	FieldRtnMsg          = "RtnMsg"
	FieldAllowanceNo     = "IA_Allow_No"
	FieldAllowanceInvNo  = "IA_Invoice_No"
	FieldAllowanceDate   = "IA_Date"
	FieldRemainingAmount = "IIS_Remain_Allowance_Amt"
	FieldTsr             = "Tsr"
	FieldRelateNumber    = "RelateNumber"
	FieldInvoiceNo       = "InvoiceNo"
	FieldInvoiceDate     = "InvoiceDate"
	FieldRandomNumber    = "RandomNumber"
)

// RtnCodeOK is the RtnCode of a notification that reports a success: the
// allowance made, the invoice issued. ECPay posts it as the string "1".
const RtnCodeOK = 1

// DateLayout is how the notifications write a time, in GMT+8 (Taiwan's
// time, ECPay's): IA_Date as ECPay's page shows it, "2019-09-18 13:13:23".
const DateLayout = "2006-01-02 15:04:05"

// gmt8 is the zone of every time ECPay writes.
var gmt8 = time.FixedZone("GMT+8", 8*60*60)

// Notification is what a notifier sends: a typed notification that knows
// its form fields (without CheckMacValue, which Keys.Sign adds).
type Notification interface {
	// Kind names the notification: "invoiced" or "allowance".
	Kind() string
	// Form is the notification's form fields, unsigned.
	Form() url.Values
}

// AllowanceAgreed is ECPay's notification to the ReturnURL of an
// AllowanceByCollegiate (an online allowance) once the buyer has agreed to
// it by the link ECPay mailed them: the allowance now exists. ECPay posts
// it as a form (application/x-www-form-urlencoded) signed with a
// CheckMacValue (MD5), and expects the answer 1|OK.
type AllowanceAgreed struct {
	// MerchantID is the merchant whose keys verified the notification; ECPay
	// does not send it (see Keyring for how the merchant is found).
	MerchantID string
	// RtnCode is RtnCodeOK when the allowance was made.
	RtnCode int
	// RtnMsg is ECPay's message; its page's example leaves it empty.
	RtnMsg string
	// AllowanceNo is IA_Allow_No, the allowance's number (16 digits).
	AllowanceNo string
	// InvoiceNo is IA_Invoice_No, the invoice the allowance is made against.
	InvoiceNo string
	// Date is IA_Date, when the allowance was made, in GMT+8.
	Date time.Time
	// RemainingAmount is IIS_Remain_Allowance_Amt, what may still be allowed
	// against the invoice, in TWD.
	RemainingAmount int64
}

// Kind is "allowance".
func (AllowanceAgreed) Kind() string { return "allowance" }

// Form is the fields ECPay posts, without CheckMacValue; MerchantID is not
// one of them.
func (a AllowanceAgreed) Form() url.Values {
	return url.Values{
		FieldRtnCode:         {strconv.Itoa(a.RtnCode)},
		FieldRtnMsg:          {a.RtnMsg},
		FieldAllowanceNo:     {a.AllowanceNo},
		FieldAllowanceInvNo:  {a.InvoiceNo},
		FieldAllowanceDate:   {formatDate(a.Date)},
		FieldRemainingAmount: {strconv.FormatInt(a.RemainingAmount, 10)},
	}
}

// Invoiced is the notification to a DelayIssue's NotifyURL when the delayed
// invoice is issued (at its DelayDay, or on TriggerIssue). ECPay's SDK
// reads it as form fields (example/Invoice/B2C/GetInvoicedResponse.php,
// without verifying it), but neither its SDK, its pages nor its API guide
// list the fields or say whether they are signed. The fields here, and the
// CheckMacValue computed as for the allowance, are therefore the
// simulator's own choice, named as ECPay names them elsewhere (Issue's
// answer, DelayIssue's request): check what production sends before relying
// on them, and confirm an invoice by GetIssue when in doubt.
type Invoiced struct {
	// MerchantID is the merchant the invoice is issued for.
	MerchantID string
	// RtnCode is RtnCodeOK when the invoice was issued.
	RtnCode int
	// RtnMsg is the message that goes with RtnCode.
	RtnMsg string
	// Tsr is the delayed invoice's Tsr, the key DelayIssue stored it under.
	Tsr string
	// RelateNumber is the invoice's RelateNumber, as DelayIssue gave it.
	RelateNumber string
	// InvoiceNo is the issued invoice's number (two letters, 8 digits).
	InvoiceNo string
	// InvoiceDate is when it was issued, in GMT+8.
	InvoiceDate time.Time
	// RandomNumber is its 4-digit random number.
	RandomNumber string
}

// Kind is "invoiced".
func (Invoiced) Kind() string { return "invoiced" }

// Form is the notification's fields, without CheckMacValue.
func (v Invoiced) Form() url.Values {
	return url.Values{
		FieldMerchantID:   {v.MerchantID},
		FieldRtnCode:      {strconv.Itoa(v.RtnCode)},
		FieldRtnMsg:       {v.RtnMsg},
		FieldTsr:          {v.Tsr},
		FieldRelateNumber: {v.RelateNumber},
		FieldInvoiceNo:    {v.InvoiceNo},
		FieldInvoiceDate:  {formatDate(v.InvoiceDate)},
		FieldRandomNumber: {v.RandomNumber},
	}
}

// formatDate writes t in GMT+8 as DateLayout; the zero time is "".
func formatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(gmt8).Format(DateLayout)
}

// fields reads the typed values out of a verified form; a field that is
// required and missing, or present and unreadable, is a *fieldError.
type fields struct {
	form url.Values
	err  error
}

type fieldError struct {
	field, problem string
}

func (e *fieldError) Error() string { return e.field + ": " + e.problem }

func (f *fields) fail(field, problem string) {
	if f.err == nil {
		f.err = &fieldError{field, problem}
	}
}

func (f *fields) str(field string, required bool) string {
	v := f.form.Get(field)
	if v == "" && required {
		f.fail(field, "missing")
	}
	return v
}

func (f *fields) int(field string, required bool) int64 {
	v := f.str(field, required)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		f.fail(field, fmt.Sprintf("%s is not an integer", quote(v)))
	}
	return n
}

func (f *fields) date(field string, required bool) time.Time {
	v := f.str(field, required)
	if v == "" {
		return time.Time{}
	}
	for _, layout := range []string{DateLayout, "2006/01/02 15:04:05"} {
		if t, err := time.ParseInLocation(layout, v, gmt8); err == nil {
			return t
		}
	}
	f.fail(field, fmt.Sprintf("%s is not a time like %s", quote(v), DateLayout))
	return time.Time{}
}

// decodeAllowance reads a verified allowance notification. A success needs
// every field; a failure only its RtnCode.
func decodeAllowance(form url.Values, merchantID string) (AllowanceAgreed, error) {
	f := &fields{form: form}
	a := AllowanceAgreed{MerchantID: merchantID}
	a.RtnCode = int(f.int(FieldRtnCode, true))
	ok := f.err == nil && a.RtnCode == RtnCodeOK
	a.RtnMsg = f.str(FieldRtnMsg, false)
	a.AllowanceNo = f.str(FieldAllowanceNo, ok)
	a.InvoiceNo = f.str(FieldAllowanceInvNo, ok)
	a.Date = f.date(FieldAllowanceDate, ok)
	a.RemainingAmount = f.int(FieldRemainingAmount, ok)
	if a.RemainingAmount < 0 {
		f.fail(FieldRemainingAmount, "is negative")
	}
	return a, f.err
}

// decodeInvoiced reads a verified invoiced notification. Tsr is always
// needed; a success needs the invoice's number, date and random number too.
func decodeInvoiced(form url.Values, merchantID string) (Invoiced, error) {
	f := &fields{form: form}
	v := Invoiced{MerchantID: merchantID}
	v.RtnCode = int(f.int(FieldRtnCode, true))
	ok := f.err == nil && v.RtnCode == RtnCodeOK
	v.RtnMsg = f.str(FieldRtnMsg, false)
	v.Tsr = f.str(FieldTsr, true)
	v.RelateNumber = f.str(FieldRelateNumber, false)
	v.InvoiceNo = f.str(FieldInvoiceNo, ok)
	v.InvoiceDate = f.date(FieldInvoiceDate, ok)
	v.RandomNumber = f.str(FieldRandomNumber, ok)
	return v, f.err
}
