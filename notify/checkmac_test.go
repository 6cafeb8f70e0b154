package notify

import (
	"net/url"
	"testing"
)

// TestCheckMacValueKnownAnswers checks CheckMacValue byte for byte against
// published answers: ECPay's own worked example for the allowance
// notification (its appendix page ?p=38242, stage keys), and the two MD5
// vectors of ECPay's API guide (ECPay/ECPay-API-Skill,
// test-vectors/checkmacvalue.json).
func TestCheckMacValueKnownAnswers(t *testing.T) {
	const stageKey, stageIV = "ejCk326UnaZWKisg", "q9jcZX8Ib9LM8wYk"
	tests := map[string]struct {
		values      url.Values
		key, iv     string
		want        string
		wantEncoded string // step 3 as ECPay's page shows it, when it does
	}{
		"ECPay's page ?p=38242, an allowance notification": {
			values: url.Values{
				"RtnCode": {"1"}, "RtnMsg": {""}, "IA_Allow_No": {"1909181313013546"},
				"IA_Invoice_No": {"UV11100019"}, "IA_Date": {"2019-09-18 13:13:23"}, "IIS_Remain_Allowance_Amt": {"0"},
			},
			key: stageKey, iv: stageIV,
			want:        "50A276E71DAE26343013958B405EEEA0",
			wantEncoded: "hashkey%3dejck326unazwkisg%26ia_allow_no%3d1909181313013546%26ia_date%3d2019-09-18+13%3a13%3a23%26ia_invoice_no%3duv11100019%26iis_remain_allowance_amt%3d0%26rtncode%3d1%26rtnmsg%3d%26hashiv%3dq9jczx8ib9lm8wyk",
		},
		"ECPay's guide, MD5 (logistics)": {
			values: url.Values{"MerchantID": {"2000132"}, "LogisticsType": {"CVS"}, "LogisticsSubType": {"UNIMART"}, "MerchantTradeDate": {"2025/01/01 12:00:00"}},
			key:    "5294y06JbISpM5x9", iv: "v77hoKGq4kWxNNIS",
			want: "545E6146FD45BDA683C88454DB34CE8D",
		},
		"ECPay's guide, MD5 (invoice allowance)": {
			values: url.Values{
				"MerchantID": {"2000132"}, "AllowanceAmt": {"100"}, "AllowanceDate": {"2025/01/01 12:00:00"},
				"AllowanceNo": {"A01-23456789"}, "InvoiceNo": {"AB-12345678"}, "RtnCode": {"1"}, "RtnMsg": {"OK"},
			},
			key: stageKey, iv: stageIV,
			want: "6A248D13B8C5B5C4F93D38FB5F2E2B5F",
		},
		"its own CheckMacValue is left out": {
			values: url.Values{
				"RtnCode": {"1"}, "RtnMsg": {""}, "IA_Allow_No": {"1909181313013546"},
				"IA_Invoice_No": {"UV11100019"}, "IA_Date": {"2019-09-18 13:13:23"}, "IIS_Remain_Allowance_Amt": {"0"},
				"CheckMacValue": {"ANYTHING"},
			},
			key: stageKey, iv: stageIV,
			want: "50A276E71DAE26343013958B405EEEA0",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := CheckMacValue(tt.values, tt.key, tt.iv); got != tt.want {
				t.Errorf("CheckMacValue = %s, want %s", got, tt.want)
			}
			if tt.wantEncoded == "" {
				return
			}
			plain := "HashKey=" + tt.key + "&IA_Allow_No=1909181313013546&IA_Date=2019-09-18 13:13:23&IA_Invoice_No=UV11100019&IIS_Remain_Allowance_Amt=0&RtnCode=1&RtnMsg=&HashIV=" + tt.iv
			if got := ecpayURLEncode(plain); got != tt.wantEncoded {
				t.Errorf("encoded\n got %s\nwant %s", got, tt.wantEncoded)
			}
		})
	}
}

// TestECPayURLEncode checks the encoding byte by byte against what PHP's
// urlencode, lowercased, with ECPay's .NET replacements gives; the expected
// strings are the steps ECPay's API guide (guides/13) writes out.
func TestECPayURLEncode(t *testing.T) {
	tests := map[string]string{
		"Tom's Shop":            "tom%27s+shop",
		"Test~Product":          "test%7eproduct",
		"a-b_c.d!e*f(g)h":       "a-b_c.d!e*f(g)h",
		"2025/01/01 12:00:00":   "2025%2f01%2f01+12%3a00%3a00",
		"測試":                    "%e6%b8%ac%e8%a9%a6",
		"https://example.com/n": "https%3a%2f%2fexample.com%2fn",
		"%2d+&=":                "%252d%2b%26%3d",
		"\x00\xff":              "%00%ff",
		"ABCxyz0189":            "abcxyz0189",
		"":                      "",
	}
	for in, want := range tests {
		if got := ecpayURLEncode(in); got != want {
			t.Errorf("ecpayURLEncode(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCheckMacValueSortsWithoutCase: the order is PHP's strcasecmp, which
// compares lowercased bytes, so _ (0x5F) comes before every letter: ECPay's
// page sorts IA_Allow_No before IA_Date. Compared in upper case, A_C would
// come after AB.
func TestCheckMacValueSortsWithoutCase(t *testing.T) {
	values := url.Values{"b": {"1"}, "AB": {"4"}, "A_C": {"3"}, "a": {"2"}, "CheckMacValue": {"X"}}
	want := "HashKey=k&a=2&A_C=3&AB=4&b=1&HashIV=v"
	if got := macSource(values, "k", "v"); got != want {
		t.Errorf("macSource = %q, want %q", got, want)
	}
}
