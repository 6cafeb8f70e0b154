package ecpaysim_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/ecpaysim/ecpaysimtest"
	"github.com/ecpay-go/einvoice/lenient"
	"github.com/ecpay-go/einvoice/wrapper"
)

// The checks of a buyer's data answer through the typed client from the
// built-in values and those registered, by method or admin API; a value
// that breaks its page's format is refused before (TransCode 9005), and
// cannot be registered.
func TestChecksAnswerWhatIsKnown(t *testing.T) {
	sim := ecpaysimtest.NewServer(t)
	ctx := t.Context()
	if err := sim.RegisterBarcode("/AB+.-12"); err != nil {
		t.Fatal(err)
	}
	if err := sim.RegisterLoveCode("919", "某基金會"); err != nil {
		t.Fatal(err)
	}
	if err := sim.RegisterCompany("04595252", "新制公司"); err != nil { // valid by the divisible-by-5 rule only
		t.Fatal(err)
	}
	adminPost(t, sim.URL+"/_sim/barcodes", `{"BarCode":"/ZZZZZZZ"}`, http.StatusCreated, `"BarCode":"/ZZZZZZZ"`)
	adminPost(t, sim.URL+"/_sim/lovecodes", `{"LoveCode":"1234567","OrganName":"七碼會"}`, http.StatusCreated, `"OrganName":"七碼會"`)
	adminPost(t, sim.URL+"/_sim/companies", `{"UnifiedBusinessNo":"10458574","CompanyName":"七之例外"}`, http.StatusCreated, `"CompanyName":"七之例外"`)

	barcodes := map[string]string{
		ecpaysim.BuiltinBarcode: "Y", "/AB+.-12": "Y", "/ZZZZZZZ": "Y", "/ZZZZZZY": "N",
	}
	for code, want := range barcodes {
		res, err := sim.Client.CheckBarcode(ctx, wrapper.CheckBarcodeRequest{BarCode: code})
		if err != nil || res.RtnCode != wrapper.RtnCodeOK || str(res.Data.IsExist) != want {
			t.Errorf("CheckBarcode %s: %+v, %v; want IsExist %s", code, res, err, want)
		}
	}

	loveCodes := []struct{ code, exists, name string }{
		{ecpaysim.BuiltinLoveCode, "Y", ecpaysim.BuiltinOrganName},
		{"919", "Y", "某基金會"},
		{"1234567", "Y", "七碼會"},
		{"920", "N", ""},
	}
	for _, lc := range loveCodes {
		res, err := sim.Client.CheckLoveCode(ctx, wrapper.CheckLoveCodeRequest{LoveCode: lc.code})
		if err != nil || res.RtnCode != wrapper.RtnCodeOK || str(res.Data.IsExist) != lc.exists || str(res.Data.OrganName) != lc.name {
			t.Errorf("CheckLoveCode %s: %+v, %v; want IsExist %s, OrganName %q", lc.code, res, err, lc.exists, lc.name)
		}
	}

	companies := []struct {
		id, name string
		code     int
	}{
		{ecpaysim.BuiltinCompany, ecpaysim.BuiltinCompanyName, wrapper.RtnCodeOK},
		{"04595252", "新制公司", wrapper.RtnCodeOK},
		{"10458574", "七之例外", wrapper.RtnCodeOK},
		{"22099131", "", wrapper.RtnCodeNoCompanyData},         // a good check digit, nobody's
		{"04595253", "", wrapper.RtnCodeTaxIDCheckDigitFailed}, // a bad check digit
		{"10458571", "", wrapper.RtnCodeTaxIDCheckDigitFailed}, // seventh digit 7, bad all the same
	}
	for _, c := range companies {
		res, err := sim.Client.GetCompanyNameByTaxID(ctx, wrapper.GetCompanyNameByTaxIDRequest{UnifiedBusinessNo: c.id})
		if c.code == wrapper.RtnCodeOK {
			if err != nil || str(res.Data.CompanyName) != c.name {
				t.Errorf("GetCompanyNameByTaxID %s: %+v, %v; want %q", c.id, res, err, c.name)
			}
			continue
		}
		apiErr, ok := errors.AsType[*wrapper.APIError](err)
		if !ok || apiErr.RtnCode != c.code {
			t.Errorf("GetCompanyNameByTaxID %s: %v; want RtnCode %d", c.id, err, c.code)
		}
	}
	if v := sim.Violations(); len(v) != 0 {
		t.Errorf("violations: %v", v)
	}
}

func TestRegisterRefusesWhatNoRequestCouldAsk(t *testing.T) {
	sim := ecpaysimtest.NewServer(t)
	tests := []struct {
		name     string
		register func() error
		wantText string
	}{
		{"barcode without slash", func() error { return sim.RegisterBarcode("1234567") }, "BarCode"},
		{"barcode lower case", func() error { return sim.RegisterBarcode("/abcdefg") }, "BarCode"},
		{"barcode too long", func() error { return sim.RegisterBarcode("/12345678") }, "BarCode"},
		{"love code too short", func() error { return sim.RegisterLoveCode("12", "x") }, "LoveCode"},
		{"love code a letter", func() error { return sim.RegisterLoveCode("12a", "x") }, "LoveCode"},
		{"love code without a name", func() error { return sim.RegisterLoveCode("123", "") }, "OrganName"},
		{"company 7 digits", func() error { return sim.RegisterCompany("1234567", "x") }, "UnifiedBusinessNo"},
		{"company bad check digit", func() error { return sim.RegisterCompany("04595253", "x") }, "check-digit"},
		{"company without a name", func() error { return sim.RegisterCompany("22099131", "") }, "CompanyName"},
	}
	for _, tt := range tests {
		err := tt.register()
		if !errors.Is(err, ecpaysim.ErrInvalidCheckValue) || !strings.Contains(err.Error(), tt.wantText) {
			t.Errorf("%s: %v, want ErrInvalidCheckValue naming %s", tt.name, err, tt.wantText)
		}
	}
	adminPost(t, sim.URL+"/_sim/barcodes", `{"BarCode":"/abc"}`, http.StatusBadRequest, "BarCode")
	adminPost(t, sim.URL+"/_sim/lovecodes", `{"Love":"123"}`, http.StatusBadRequest, `want {"LoveCode":"…","OrganName":"…"}`)
	adminPost(t, sim.URL+"/_sim/companies", `{"UnifiedBusinessNo":4595252}`, http.StatusBadRequest, "UnifiedBusinessNo")
	// A page's format is checked before the check: TransCode 9005.
	_, err := sim.Client.CheckLoveCode(t.Context(), wrapper.CheckLoveCodeRequest{LoveCode: "12"})
	if e, ok := errors.AsType[*wrapper.TransError](err); ok && e.TransCode != ecpaysim.TransCodeInvalidData {
		t.Errorf("CheckLoveCode 12: %v, want TransCode %d", err, ecpaysim.TransCodeInvalidData)
	} else if !ok && err == nil {
		t.Error("CheckLoveCode 12 was answered")
	}
}

// adminPost posts body to url and wants status and text in the answer.
func adminPost(t *testing.T, url, body string, status int, text string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status || !strings.Contains(string(got), text) {
		t.Errorf("POST %s %s: HTTP %d %q, want %d with %q", url, body, resp.StatusCode, got, status, text)
	}
}

// str is the string of an answer's member, "" when it is absent.
func str(s *lenient.String) string {
	if s == nil {
		return ""
	}
	return string(*s)
}
