package wrapper

import (
	"encoding/json"
	"fmt"
	"testing"
)

// ecpayAnswer is an answer envelope as ECPay writes it.
const ecpayAnswer = `{"MerchantID":"2000132","RpHeader":{"Timestamp":1796657268},"TransCode":1,"TransMsg":"","Data":"XeEOdHpTRvxKEqs/JD9RSd16s7VtpyWVCN6AV44pKTU6HmvX/96CVuEW8489e0iHWJ7Gz8SED5WWfy67zOnO06tOttM2D3BM5V5EfM/DDFI="}`

// FuzzScanEnvelope checks scanEnvelope against encoding/json: a body it
// decodes is one json.Unmarshal decodes without error into the same values.
func FuzzScanEnvelope(f *testing.F) {
	for _, s := range []string{
		ecpayAnswer,
		"{}", " {\n\t\"TransCode\" : -1 , \"TransMsg\":\"參數錯誤\"}\r\n", `{"TransCode":1}x`,
		`{"TransCode":1,"TransCode":2}`, `{"transcode":1}`, `{"TransCode":1.0}`, `{"TransCode":1e0}`,
		`{"TransCode":01}`, `{"TransCode":-0}`, `{"TransCode":"1"}`, `{"TransCode":null}`,
		`{"TransCode":123456789012345678901}`, `{"MerchantID":2000132}`, `{"MerchantID":null}`,
		`{"Data":"a\u00e9"}`, `{"Data":"a\\u00e9"}`, "{\"Data\":\"\xff\"}", `{"RpHeader":{}}`,
		`{"RpHeader":{"Timestamp":1,"Other":2}}`, `{"RpHeader":null}`, `{"Other":1}`, `{"TransCode":1,}`,
		`{,"TransCode":1}`, `[]`, ``, `{"PlatformID":"3002607"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var fast wireEnvelope
		fast.absent()
		if !scanEnvelope(body, &fast) {
			return
		}
		var slow wireEnvelope
		slow.absent()
		if err := json.Unmarshal(body, &slow); err != nil {
			t.Fatalf("scanEnvelope decodes %q, which json.Unmarshal refuses: %v", body, err)
		}
		if fast != slow {
			t.Fatalf("scanEnvelope(%q) = %+v, json.Unmarshal gives %+v", body, fast, slow)
		}
	})
}

// TestScanEnvelopeTakesECPayAnswers checks that the answers ECPay writes
// take scanEnvelope's way, not encoding/json's.
func TestScanEnvelopeTakesECPayAnswers(t *testing.T) {
	for _, body := range []string{
		ecpayAnswer,
		`{"MerchantID":"2000132","RpHeader":{"Timestamp":1796657268},"TransCode":999,"TransMsg":"Timestamp 已過期","Data":""}`,
		fmt.Sprintf(`{"PlatformID":"3002607","MerchantID":"2000132","RpHeader":{"Timestamp":%d},"TransCode":1,"TransMsg":"Success","Data":"x"}`, 1796657268),
	} {
		var w wireEnvelope
		w.absent()
		if !scanEnvelope([]byte(body), &w) {
			t.Errorf("scanEnvelope(%s) = false, want it decoded", body)
		}
	}
}
