package notify_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/notify"
)

var (
	stage = notify.Keys{MerchantID: "2000132", HashKey: "ejCk326UnaZWKisg", HashIV: "q9jcZX8Ib9LM8wYk"}
	other = notify.Keys{MerchantID: "3000001", HashKey: "AAAAAAAAAAAAAAAA", HashIV: "BBBBBBBBBBBBBBBB"}
)

// pageAllowance is the notification of ECPay's page ?p=38242.
var pageAllowance = url.Values{
	"RtnCode": {"1"}, "RtnMsg": {""}, "IA_Allow_No": {"1909181313013546"},
	"IA_Invoice_No": {"UV11100019"}, "IA_Date": {"2019-09-18 13:13:23"}, "IIS_Remain_Allowance_Amt": {"0"},
	"CheckMacValue": {"50A276E71DAE26343013958B405EEEA0"},
}

func keyring(t *testing.T, keys ...notify.Keys) *notify.Keyring {
	t.Helper()
	kr, err := notify.NewKeyring(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

func post(target, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func with(form url.Values, name, value string) url.Values {
	c := url.Values{}
	for k, v := range form {
		c[k] = append([]string(nil), v...)
	}
	c.Set(name, value)
	return c
}

// TestParseAllowanceOfECPaysPage: the notification ECPay's page shows,
// signed by ECPay, reads as the typed value.
func TestParseAllowanceOfECPaysPage(t *testing.T) {
	got, err := notify.ParseAllowance(post("/allowance", pageAllowance.Encode()), keyring(t, stage))
	if err != nil {
		t.Fatal(err)
	}
	want := notify.AllowanceAgreed{
		MerchantID: "2000132", RtnCode: notify.RtnCodeOK, AllowanceNo: "1909181313013546", InvoiceNo: "UV11100019",
		Date: time.Date(2019, 9, 18, 13, 13, 23, 0, time.FixedZone("GMT+8", 8*3600)), RemainingAmount: 0,
	}
	if !got.Date.Equal(want.Date) || got.Date.Format(time.RFC3339) != "2019-09-18T13:13:23+08:00" {
		t.Errorf("Date = %v, want %v", got.Date, want.Date)
	}
	got.Date = want.Date
	if got != want {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

// TestAllowanceFormIsECPays: the typed value of ECPay's example, written back
// as a form and signed, gives ECPay's CheckMacValue: Form writes ECPay's
// field names and formats exactly.
func TestAllowanceFormIsECPays(t *testing.T) {
	a, err := notify.ParseAllowance(post("/allowance", pageAllowance.Encode()), keyring(t, stage))
	if err != nil {
		t.Fatal(err)
	}
	if got := stage.Sign(a.Form()); got.Encode() != pageAllowance.Encode() {
		t.Errorf("Form, signed:\n got %s\nwant %s", got.Encode(), pageAllowance.Encode())
	}
}

// TestParseRefusals: each way a notification can be wrong is refused with
// its cause and the status the handler answers.
func TestParseRefusals(t *testing.T) {
	signedBy := func(k notify.Keys, form url.Values) string { return k.Sign(form).Encode() }
	page := pageAllowance.Encode()
	tests := map[string]struct {
		keys   []notify.Keys
		method string
		ctype  string
		target string
		body   string
		cause  error
		field  string
		status int
	}{
		"altered amount":               {keys: []notify.Keys{stage}, body: with(pageAllowance, "IIS_Remain_Allowance_Amt", "999").Encode(), cause: notify.ErrCheckMacValue, field: "CheckMacValue", status: 403},
		"wrong CheckMacValue":          {keys: []notify.Keys{stage}, body: with(pageAllowance, "CheckMacValue", "50A276E71DAE26343013958B405EEEA1").Encode(), cause: notify.ErrCheckMacValue, field: "CheckMacValue", status: 403},
		"no CheckMacValue":             {keys: []notify.Keys{stage}, body: with(pageAllowance, "CheckMacValue", "").Encode(), cause: notify.ErrCheckMacValue, field: "CheckMacValue", status: 403},
		"signed with other keys":       {keys: []notify.Keys{stage}, body: signedBy(notify.Keys{HashKey: "x", HashIV: "y"}, pageAllowance), cause: notify.ErrCheckMacValue, field: "CheckMacValue", status: 403},
		"unknown merchant in the URL":  {keys: []notify.Keys{stage}, target: "/allowance?MerchantID=9999999", body: page, cause: notify.ErrUnknownMerchant, status: 403},
		"unknown merchant in the form": {keys: []notify.Keys{stage}, body: signedBy(stage, with(pageAllowance, "MerchantID", "9999999")), cause: notify.ErrUnknownMerchant, status: 403},
		"no merchant among several":    {keys: []notify.Keys{stage, other}, body: page, cause: notify.ErrUnknownMerchant, status: 403},
		"no merchant configured":       {body: page, cause: notify.ErrUnknownMerchant, status: 403},
		"the other merchant's URL":     {keys: []notify.Keys{stage, other}, target: "/allowance?MerchantID=3000001", body: page, cause: notify.ErrCheckMacValue, field: "CheckMacValue", status: 403},
		"missing IA_Allow_No":          {keys: []notify.Keys{stage}, body: signedBy(stage, with(pageAllowance, "IA_Allow_No", "")), cause: notify.ErrMalformed, field: "IA_Allow_No", status: 400},
		"bad IA_Date":                  {keys: []notify.Keys{stage}, body: signedBy(stage, with(pageAllowance, "IA_Date", "yesterday")), cause: notify.ErrMalformed, field: "IA_Date", status: 400},
		"RtnCode not a number":         {keys: []notify.Keys{stage}, body: signedBy(stage, with(pageAllowance, "RtnCode", "one")), cause: notify.ErrMalformed, field: "RtnCode", status: 400},
		"negative remainder":           {keys: []notify.Keys{stage}, body: signedBy(stage, with(pageAllowance, "IIS_Remain_Allowance_Amt", "-1")), cause: notify.ErrMalformed, field: "IIS_Remain_Allowance_Amt", status: 400},
		"a field twice":                {keys: []notify.Keys{stage}, body: page + "&RtnCode=1", cause: notify.ErrMalformed, field: "RtnCode", status: 400},
		"not a form":                   {keys: []notify.Keys{stage}, body: "%zz", cause: notify.ErrMalformed, status: 400},
		"JSON":                         {keys: []notify.Keys{stage}, ctype: "application/json", body: `{"RtnCode":"1"}`, cause: notify.ErrMediaType, status: 415},
		"GET":                          {keys: []notify.Keys{stage}, method: http.MethodGet, cause: notify.ErrMethod, status: 405},
		"too large":                    {keys: []notify.Keys{stage}, body: page + "&pad=" + strings.Repeat("x", notify.MaxBodyBytes), cause: notify.ErrTooLarge, status: 413},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			kr := keyring(t, tt.keys...)
			newReq := func() *http.Request {
				target := tt.target
				if target == "" {
					target = "/allowance"
				}
				r := post(target, tt.body)
				if tt.method != "" {
					r.Method = tt.method
				}
				if tt.ctype != "" {
					r.Header.Set("Content-Type", tt.ctype)
				}
				return r
			}
			_, err := notify.ParseAllowance(newReq(), kr)
			var nerr *notify.Error
			if !errors.As(err, &nerr) || !errors.Is(err, tt.cause) || nerr.Field != tt.field {
				t.Fatalf("err = %v, want an *Error of %v on field %q", err, tt.cause, tt.field)
			}
			for _, k := range []notify.Keys{stage, other} {
				if strings.Contains(err.Error(), k.HashKey) || strings.Contains(err.Error(), k.HashIV) {
					t.Fatalf("the error shows a key: %v", err)
				}
			}
			called := false
			rec := httptest.NewRecorder()
			notify.AllowanceHandler(kr, func(context.Context, notify.AllowanceAgreed) error { called = true; return nil }).ServeHTTP(rec, newReq())
			if rec.Code != tt.status || !strings.HasPrefix(rec.Body.String(), "0|") || called {
				t.Errorf("handler: %d %q (callback called: %v), want %d 0|…, not called", rec.Code, rec.Body, called, tt.status)
			}
		})
	}
}

// TestHandlers: over HTTP, a signed notification reaches the callback typed
// and ECPay gets exactly 1|OK; the callback's error is answered 500 without
// its text, so that ECPay retries.
func TestHandlers(t *testing.T) {
	issued := notify.Invoiced{
		MerchantID: other.MerchantID, RtnCode: 1, RtnMsg: "開立成功", Tsr: "TSR0001", RelateNumber: "R1",
		InvoiceNo: "AB12345678", InvoiceDate: time.Date(2026, 12, 7, 9, 30, 0, 0, time.UTC), RandomNumber: "1234",
	}
	kr := keyring(t, stage, other)
	var gotInvoiced notify.Invoiced
	var gotAllowance notify.AllowanceAgreed
	fail := false
	mux := http.NewServeMux()
	mux.Handle("/invoiced", notify.InvoicedHandler(kr, func(_ context.Context, v notify.Invoiced) error {
		gotInvoiced = v
		return nil
	}))
	mux.Handle("/allowance", notify.AllowanceHandler(kr, func(_ context.Context, a notify.AllowanceAgreed) error {
		gotAllowance = a
		if fail {
			return errors.New("database down: secret detail")
		}
		return nil
	}))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	send := func(path string, form url.Values) (int, string) {
		t.Helper()
		res, err := srv.Client().PostForm(srv.URL+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}

	if code, body := send("/invoiced", other.Sign(issued.Form())); code != 200 || body != "1|OK" {
		t.Fatalf("invoiced: %d %q, want 200 1|OK", code, body)
	}
	if !gotInvoiced.InvoiceDate.Equal(issued.InvoiceDate) {
		t.Errorf("InvoiceDate = %v, want %v", gotInvoiced.InvoiceDate, issued.InvoiceDate)
	}
	gotInvoiced.InvoiceDate = issued.InvoiceDate
	if gotInvoiced != issued {
		t.Errorf("invoiced: got %+v\nwant %+v", gotInvoiced, issued)
	}

	if code, body := send("/allowance?MerchantID=2000132", pageAllowance); code != 200 || body != "1|OK" {
		t.Fatalf("allowance: %d %q, want 200 1|OK", code, body)
	}
	if gotAllowance.AllowanceNo != "1909181313013546" || gotAllowance.MerchantID != "2000132" {
		t.Errorf("allowance: got %+v", gotAllowance)
	}

	fail = true
	code, body := send("/allowance?MerchantID=2000132", pageAllowance)
	if code != 500 || !strings.HasPrefix(body, "0|") || strings.Contains(body, "secret") {
		t.Errorf("failing callback: %d %q, want 500 0|… without the application's error", code, body)
	}
}

// TestFailedNotificationNeedsOnlyItsCode: a notification of a failure
// (RtnCode not 1) is delivered with whatever fields it has; an invoiced one
// still needs its Tsr.
func TestFailedNotificationNeedsOnlyItsCode(t *testing.T) {
	kr := keyring(t, stage)
	a, err := notify.ParseAllowance(post("/", stage.Sign(url.Values{"RtnCode": {"0"}, "RtnMsg": {"refused"}}).Encode()), kr)
	if err != nil || a.RtnCode != 0 || a.RtnMsg != "refused" {
		t.Errorf("allowance failure: %+v, %v", a, err)
	}
	_, err = notify.ParseInvoiced(post("/", stage.Sign(url.Values{"RtnCode": {"0"}}).Encode()), kr)
	if !errors.Is(err, notify.ErrMalformed) || !strings.Contains(err.Error(), "Tsr") {
		t.Errorf("invoiced failure without Tsr: %v, want ErrMalformed naming Tsr", err)
	}
}

// TestKeysNeverPrinted: Keys print as their merchant only.
func TestKeysNeverPrinted(t *testing.T) {
	for _, s := range []string{stage.String(), stage.GoString()} {
		if strings.Contains(s, stage.HashKey) || strings.Contains(s, stage.HashIV) || !strings.Contains(s, "2000132") {
			t.Errorf("Keys print as %q", s)
		}
	}
}

// TestNewKeyringRefusals: incomplete or repeated merchants are refused,
// naming the merchant and never a key.
func TestNewKeyringRefusals(t *testing.T) {
	tests := map[string][]notify.Keys{
		"no MerchantID": {{HashKey: "k", HashIV: "v"}},
		"no HashKey":    {{MerchantID: "1", HashIV: "v"}},
		"no HashIV":     {{MerchantID: "1", HashKey: "SECRETKEY"}},
		"twice":         {stage, stage},
	}
	for name, keys := range tests {
		if _, err := notify.NewKeyring(keys...); err == nil || strings.Contains(err.Error(), "SECRETKEY") || strings.Contains(err.Error(), stage.HashKey) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}
