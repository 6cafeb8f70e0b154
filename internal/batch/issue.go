package batch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ecpay-go/einvoice/generated/issue"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/lenient"
	"github.com/ecpay-go/einvoice/wrapper"
)

// IssueOperation returns the batch of Issue: each line of the input is the
// inner Issue Data of one invoice, keyed by its RelateNumber, the merchant's
// own number that ECPay refuses to see twice. An attempt whose answer was
// lost (a timeout, a broken connection, an answer that does not decode) is
// settled before anything is resent: GetIssue by RelateNumber finds the
// invoice (the line then carries its number, "outcome":"issued_earlier") or
// not (Issue is sent again, marked resent). A resend that ECPay refuses as
// already done (wrapper.ErrConflict, as the registry classes its refusal of
// a repeated RelateNumber, wrapper.RtnCodeDuplicateRelateNumber) is settled
// by GetIssue too; GetIssue's wrapper.ErrNotFound
// (wrapper.RtnCodeInvoiceNotFound) says the invoice was never issued. No
// invoice is issued twice.
func IssueOperation() *Operation {
	return &Operation{Op: registry.Issue, Key: "RelateNumber", KeyMember: snake("RelateNumber"), Whole: true, settle: &settler{
		lookupName: registry.GetIssue.Name,
		issued:     issuedOf,
		lookup:     lookupIssue,
	}}
}

// settler settles the attempts of an operation whose answer was lost.
type settler struct {
	lookupName string // the operation that looks a key up, for messages
	// issued reads the invoice from the operation's own answer Data.
	issued func(data json.RawMessage) Issued
	// lookup asks ECPay whether key's work was done: found, with what it
	// made, or not; err when the answer says neither.
	lookup func(ctx context.Context, c *wrapper.Client, key string) (made Issued, found bool, err error)
}

// issuedOf reads InvoiceNo, InvoiceDate and RandomNumber from Issue's
// answer Data; a member missing or unreadable is left empty.
func issuedOf(data json.RawMessage) Issued {
	var d issue.ResponseData
	_ = json.Unmarshal(data, &d) // the client decoded it already
	return Issued{InvoiceNo: text(d.InvoiceNo), InvoiceDate: text(d.InvoiceDate), RandomNumber: text(d.RandomNumber)}
}

// lookupIssue asks GetIssue for the invoice of relateNumber: ErrNotFound
// means it was never issued.
func lookupIssue(ctx context.Context, c *wrapper.Client, relateNumber string) (Issued, bool, error) {
	res, err := c.GetIssue(ctx, wrapper.GetIssueRequest{RelateNumber: &relateNumber})
	switch {
	case errors.Is(err, wrapper.ErrNotFound):
		return Issued{}, false, nil
	case err != nil:
		return Issued{}, false, err
	}
	d := res.Data
	if got := text(d.IISRelateNumber); got != "" && got != relateNumber {
		return Issued{}, false, fmt.Errorf("%s by RelateNumber %q answered the invoice of RelateNumber %q", registry.GetIssue.Name, relateNumber, got)
	}
	made := Issued{InvoiceNo: text(d.IISNumber), InvoiceDate: text(d.IISCreateDate), RandomNumber: text(d.IISRandomNumber)}
	if made.InvoiceNo == "" {
		return Issued{}, false, fmt.Errorf("%s by RelateNumber %q succeeded without an IIS_Number", registry.GetIssue.Name, relateNumber)
	}
	return made, true, nil
}

// text is the string of an optional answer member.
func text(s *lenient.String) string {
	if s == nil {
		return ""
	}
	return string(*s)
}
