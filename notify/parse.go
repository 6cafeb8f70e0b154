package notify

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/ecpay-go/einvoice/internal/redact"
)

// MaxBodyBytes is the largest notification body read: ECPay's are a few
// hundred bytes; a longer one is refused (ErrTooLarge) unread.
const MaxBodyBytes = 16 << 10

// Why a notification is refused; a refusal is an *Error wrapping one of
// these, so errors.Is tells them apart.
var (
	// ErrMethod: not a POST.
	ErrMethod = errors.New("not a POST")
	// ErrMediaType: a body that is not application/x-www-form-urlencoded.
	ErrMediaType = errors.New("not a form (application/x-www-form-urlencoded)")
	// ErrTooLarge: a body of more than MaxBodyBytes.
	ErrTooLarge = errors.New("body too large")
	// ErrMalformed: a form that does not parse, a field given twice, a field
	// missing or unreadable.
	ErrMalformed = errors.New("malformed notification")
	// ErrUnknownMerchant: no configured merchant's keys to verify it with.
	ErrUnknownMerchant = errors.New("unknown merchant")
	// ErrCheckMacValue: no CheckMacValue, or not the one the merchant's keys
	// give: forged, altered, or signed with other keys.
	ErrCheckMacValue = errors.New("CheckMacValue does not match")
)

// Error is why a notification was refused: which notification, the field at
// fault if one is, and the cause, one of the Err variables above. Its text
// never holds a key, and quotes at most a short, one-line start of a value.
type Error struct {
	// Notification is "invoiced" or "allowance".
	Notification string
	// Field is the form field at fault, or "".
	Field string
	// Err is the cause: ErrMethod, ErrMediaType, ErrTooLarge, ErrMalformed,
	// ErrUnknownMerchant or ErrCheckMacValue.
	Err error
	// detail says more, for Error's text.
	detail string
}

func (e *Error) Error() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "notify: %s notification refused: %v", e.Notification, e.Err)
	if e.Field != "" {
		sb.WriteString(": " + e.Field)
	}
	if e.detail != "" {
		sb.WriteString(": " + e.detail)
	}
	return sb.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// quote is a value from the wire, safe to put in an error: quoted, on one
// line, at most a few dozen bytes.
func quote(s string) string { return fmt.Sprintf("%q", redact.Text(nil, s, 40)) }

// ParseAllowance reads the AllowanceByCollegiate notification ECPay posted
// in r, verifies its CheckMacValue with the keys of its merchant in kr, and
// returns it typed. It reads at most MaxBodyBytes of the body. A refusal is
// an *Error.
func ParseAllowance(r *http.Request, kr *Keyring) (AllowanceAgreed, error) {
	form, keys, err := verified(r, kr, AllowanceAgreed{}.Kind())
	if err != nil {
		return AllowanceAgreed{}, err
	}
	a, err := decodeAllowance(form, keys.MerchantID)
	return a, fieldRefusal(AllowanceAgreed{}.Kind(), err)
}

// ParseInvoiced reads the notification of an issued delayed invoice posted
// in r, verifies its CheckMacValue with the keys of its merchant in kr, and
// returns it typed. It reads at most MaxBodyBytes of the body. A refusal is
// an *Error. See Invoiced for what is ECPay's and what is not.
func ParseInvoiced(r *http.Request, kr *Keyring) (Invoiced, error) {
	form, keys, err := verified(r, kr, Invoiced{}.Kind())
	if err != nil {
		return Invoiced{}, err
	}
	v, err := decodeInvoiced(form, keys.MerchantID)
	return v, fieldRefusal(Invoiced{}.Kind(), err)
}

func fieldRefusal(kind string, err error) error {
	var fe *fieldError
	if errors.As(err, &fe) {
		return &Error{Notification: kind, Field: fe.field, Err: ErrMalformed, detail: fe.problem}
	}
	return err
}

// verified reads r's form and checks it: a POST of a form within
// MaxBodyBytes, each field once, from a configured merchant, with that
// merchant's CheckMacValue.
func verified(r *http.Request, kr *Keyring, kind string) (url.Values, Keys, error) {
	refuse := func(cause error, field, detail string) (url.Values, Keys, error) {
		return nil, Keys{}, &Error{Notification: kind, Field: field, Err: cause, detail: detail}
	}
	if r.Method != http.MethodPost {
		return refuse(ErrMethod, "", r.Method)
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/x-www-form-urlencoded" {
			return refuse(ErrMediaType, "", quote(ct))
		}
	}
	if r.Body == nil {
		return refuse(ErrMalformed, "", "no body")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return refuse(ErrMalformed, "", "reading the body: "+err.Error())
	}
	if len(body) > MaxBodyBytes {
		return refuse(ErrTooLarge, "", fmt.Sprintf("more than %d bytes", MaxBodyBytes))
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return refuse(ErrMalformed, "", "the body is not a form: "+err.Error())
	}
	for name, vs := range form {
		if len(vs) > 1 {
			return refuse(ErrMalformed, name, "given more than once")
		}
	}
	var query url.Values
	if r.URL != nil {
		query = r.URL.Query()
	}
	keys, err := kr.resolve(form, query)
	if err != nil {
		return refuse(ErrUnknownMerchant, "", err.Error())
	}
	got := form.Get(FieldCheckMacValue)
	if got == "" {
		return refuse(ErrCheckMacValue, FieldCheckMacValue, "missing")
	}
	want := CheckMacValue(form, keys.HashKey, keys.HashIV)
	if subtle.ConstantTimeCompare([]byte(strings.ToUpper(got)), []byte(want)) != 1 {
		return refuse(ErrCheckMacValue, FieldCheckMacValue, "not the one "+keys.String()+"'s keys give (forged, altered, or the Keyring has other keys for it)")
	}
	return form, keys, nil
}
