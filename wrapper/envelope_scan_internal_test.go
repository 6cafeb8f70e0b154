package wrapper

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/generated"
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

// FuzzEncodeEnvelope checks encodeEnvelope against json.Marshal, byte for
// byte.
func FuzzEncodeEnvelope(f *testing.F) {
	f.Add("XeEOdHpTRvxKEqs/JD9RSd16s7Vt+pyWVCN6AV44pKTU6HmvX/96CVuEW8489e0iHWJ7Gz8SED5WWfy67zOnO06tOttM2D3BM5V5EfM/DDFI=", "2000132", "", false, "3.0.0", true, 1796657268)
	f.Add("", "", "3002607", true, "", false, -1)
	f.Add("a<b", "id&1", "\u2028", true, "\xff", true, 0)
	f.Add(`"\`, "訊", "\x7f", true, "3.0.0", false, 1<<40)
	f.Fuzz(func(t *testing.T, data, merchantID, platformID string, hasPlatform bool, revision string, hasRevision bool, timestamp int) {
		env := generated.RequestEnvelope{Data: data, MerchantID: merchantID, RqHeader: generated.RqHeader{Timestamp: timestamp}}
		if hasPlatform {
			env.PlatformID = &platformID
		}
		if hasRevision {
			env.RqHeader.Revision = &revision
		}
		want, err := json.Marshal(&env)
		if err != nil {
			t.Fatal(err)
		}
		got, err := encodeEnvelope(&env, plainJSON(data))
		if err != nil || string(got) != string(want) {
			t.Fatalf("encodeEnvelope = %s, %v; json.Marshal gives %s", got, err, want)
		}
	})
}

// TestEncodeEnvelopeWritesOnce checks that an envelope of plain strings, as
// every envelope of the client is, takes encodeEnvelope's own way: one
// buffer, no encoding/json.
func TestEncodeEnvelopeWritesOnce(t *testing.T) {
	revision, platformID := DefaultRevision, "3002607"
	env := generated.RequestEnvelope{Data: "XeEOdHpTRvxKEqs/JD9RSd16s7Vt+pyWVCN6AV44pKTU6Hmv==", MerchantID: "2000132", PlatformID: &platformID, RqHeader: generated.RqHeader{Revision: &revision, Timestamp: 1796657268}}
	if n := testing.AllocsPerRun(10, func() { _, _ = encodeEnvelope(&env, false) }); n != 1 {
		t.Errorf("encodeEnvelope allocates %v times, want 1", n)
	}
}

// TestEncryptWritesPlainData checks what seal tells encodeEnvelope: that
// the Data of Encrypt needs no escaping in JSON.
func TestEncryptWritesPlainData(t *testing.T) {
	codec, err := ecpaycrypto.New(StageHashKey, StageHashIV)
	if err != nil {
		t.Fatal(err)
	}
	for _, plaintext := range []string{"", `{"MerchantID":"2000132"}`, "\xff\x00<>&\"\\ 訊", strings.Repeat("?>~", 500)} {
		data, err := codec.Encrypt([]byte(plaintext))
		if err != nil {
			t.Fatal(err)
		}
		if !plainJSON(data) {
			t.Errorf("Encrypt(%q) = %q, which JSON escapes", plaintext, data)
		}
	}
}
