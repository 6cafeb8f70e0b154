package notify_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/ecpay-go/einvoice/notify"
)

// The CheckMacValue of the allowance notification on ECPay's page ?p=38242,
// under the public stage merchant's keys.
func ExampleCheckMacValue() {
	form := url.Values{
		"RtnCode": {"1"}, "RtnMsg": {""}, "IA_Allow_No": {"1909181313013546"},
		"IA_Invoice_No": {"UV11100019"}, "IA_Date": {"2019-09-18 13:13:23"}, "IIS_Remain_Allowance_Amt": {"0"},
	}
	fmt.Println(notify.CheckMacValue(form, "ejCk326UnaZWKisg", "q9jcZX8Ib9LM8wYk"))
	// Output: 50A276E71DAE26343013958B405EEEA0
}

// An application serves the ReturnURL it gave AllowanceByCollegiate; here
// ECPay's own example notification arrives and is answered 1|OK.
func ExampleAllowanceHandler() {
	kr, err := notify.NewKeyring(notify.Keys{MerchantID: "2000132", HashKey: "ejCk326UnaZWKisg", HashIV: "q9jcZX8Ib9LM8wYk"})
	if err != nil {
		log.Fatal(err)
	}
	h := notify.AllowanceHandler(kr, func(ctx context.Context, a notify.AllowanceAgreed) error {
		// Store it idempotently, keyed by a.AllowanceNo: ECPay may send it again.
		fmt.Println("allowance", a.AllowanceNo, "on", a.InvoiceNo, "remaining", a.RemainingAmount, "at", a.Date.Format(notify.DateLayout))
		return nil
	})
	// http.Handle("/ecpay/allowance", h) in a real server.

	body := "RtnCode=1&RtnMsg=&IA_Allow_No=1909181313013546&IA_Invoice_No=UV11100019" +
		"&IA_Date=2019-09-18+13%3A13%3A23&IIS_Remain_Allowance_Amt=0&CheckMacValue=50A276E71DAE26343013958B405EEEA0"
	r := httptest.NewRequest(http.MethodPost, "/ecpay/allowance", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Println(w.Code, w.Body)
	// Output:
	// allowance 1909181313013546 on UV11100019 remaining 0 at 2019-09-18 13:13:23
	// 200 1|OK
}

// A forged notification (a CheckMacValue the keys do not give) never
// reaches the application.
func ExampleParseInvoiced() {
	kr, err := notify.NewKeyring(notify.Keys{MerchantID: "2000132", HashKey: "ejCk326UnaZWKisg", HashIV: "q9jcZX8Ib9LM8wYk"})
	if err != nil {
		log.Fatal(err)
	}
	body := "MerchantID=2000132&RtnCode=1&Tsr=TSR1&InvoiceNo=AB12345678&InvoiceDate=2026-12-07+09%3A30%3A00&RandomNumber=1234&CheckMacValue=0123456789ABCDEF0123456789ABCDEF"
	r := httptest.NewRequest(http.MethodPost, "/ecpay/invoiced", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	_, err = notify.ParseInvoiced(r, kr)
	fmt.Println(err)
	fmt.Println(notify.StatusOf(err))
	// Output:
	// notify: invoiced notification refused: CheckMacValue does not match: CheckMacValue: not the one merchant 2000132's keys give (forged, altered, or the Keyring has other keys for it)
	// 403
}
