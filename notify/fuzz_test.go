package notify_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/ecpay-go/einvoice/notify"
)

// FuzzParse feeds both parsers arbitrary bodies and URL queries (they read
// untrusted bytes). No input may panic or be refused with anything but an
// *Error; whatever is accepted must carry the CheckMacValue its merchant's
// keys give. Seeds: the f.Add calls, ECPay's example among them, and any
// under testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	page := "RtnCode=1&RtnMsg=&IA_Allow_No=1909181313013546&IA_Invoice_No=UV11100019" +
		"&IA_Date=2019-09-18+13%3A13%3A23&IIS_Remain_Allowance_Amt=0&CheckMacValue=50A276E71DAE26343013958B405EEEA0"
	f.Add(page, "")
	f.Add(page, "MerchantID=3000001")
	f.Add(stage.Sign(url.Values{"RtnCode": {"1"}, "Tsr": {"T"}, "InvoiceNo": {"AB12345678"}, "InvoiceDate": {"2026-12-07 09:30:00"}, "RandomNumber": {"1234"}}).Encode(), "MerchantID=2000132")
	f.Add("RtnCode=1&RtnCode=1", "")
	f.Add("%zz;a=b&c", "MerchantID=%00")
	f.Add(strings.Repeat("a=b&", 10), "")
	kr, err := notify.NewKeyring(stage, other)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body, query string) {
		for _, parse := range []func(*http.Request) (string, error){
			func(r *http.Request) (string, error) {
				v, err := notify.ParseAllowance(r, kr)
				return v.MerchantID, err
			},
			func(r *http.Request) (string, error) { v, err := notify.ParseInvoiced(r, kr); return v.MerchantID, err },
		} {
			r := httptest.NewRequest(http.MethodPost, "/n", strings.NewReader(body))
			r.URL.RawQuery = query
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			merchant, err := parse(r)
			var nerr *notify.Error
			if err != nil {
				if !errors.As(err, &nerr) {
					t.Fatalf("refused with %T %v, want an *Error", err, err)
				}
				continue
			}
			form, perr := url.ParseQuery(body)
			keys, ok := kr.Lookup(merchant)
			if perr != nil || !ok || !strings.EqualFold(form.Get("CheckMacValue"), notify.CheckMacValue(form, keys.HashKey, keys.HashIV)) {
				t.Fatalf("accepted %q for merchant %q without its CheckMacValue", body, merchant)
			}
		}
	})
}
