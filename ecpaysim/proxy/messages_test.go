package proxy_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaysim/proxy"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/generated"
	"github.com/ecpay-go/einvoice/wrapper"
)

// TestRecordedMessagesAreSafe: an upstream that echoes the merchant's keys
// and terminal escapes in its TransMsg or RtnMsg, or sends a long one, gets
// neither the keys nor a control character into the recording, which
// records the message as the client's errors give it.
func TestRecordedMessagesAreSafe(t *testing.T) {
	const hostile = "HashKey=" + ecpaysim.StageHashKey + " HashIV=" + ecpaysim.StageHashIV + "\x1b[2J\x1b]0;owned\x07\r\nforged: line"
	for name, answer := range map[string]struct {
		transCode       int
		transMsg        string
		rtnCode         int
		rtnMsg          string
		wantTransMsg    string
		wantRtnMsg      string
		wantViolationOf string
	}{
		"keys in TransMsg":        {transCode: 10000006, transMsg: hostile, wantTransMsg: "HashKey=[redacted] HashIV=[redacted]"},
		"keys in RtnMsg":          {rtnCode: 5_000_000, rtnMsg: hostile, wantRtnMsg: "HashKey=[redacted] HashIV=[redacted]"},
		"an RtnMsg of 40 KiB":     {rtnCode: 5_000_000, rtnMsg: strings.Repeat("查無", 40<<10/6), wantRtnMsg: "查無查無", wantViolationOf: "RtnMsg"},
		"a TransMsg of 900 KB":    {transCode: 10000006, transMsg: strings.Repeat("x", 900_000), wantTransMsg: "xxxx", wantViolationOf: "TransMsg"},
		"keys in a success's msg": {rtnCode: 1, rtnMsg: hostile, wantRtnMsg: "HashKey=[redacted] HashIV=[redacted]"},
	} {
		t.Run(name, func(t *testing.T) {
			codec, err := ecpaycrypto.New(ecpaysim.StageHashKey, ecpaysim.StageHashIV)
			if err != nil {
				t.Fatal(err)
			}
			upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var env generated.RequestEnvelope
				_ = json.NewDecoder(r.Body).Decode(&env)
				out := map[string]any{
					"MerchantID": env.MerchantID,
					"RpHeader":   map[string]any{"Timestamp": time.Now().Unix()},
					"TransCode":  1, "TransMsg": "", "Data": "",
				}
				if answer.transCode != 0 {
					out["TransCode"], out["TransMsg"] = answer.transCode, answer.transMsg
				} else {
					plain, _ := json.Marshal(map[string]any{"RtnCode": answer.rtnCode, "RtnMsg": answer.rtnMsg})
					out["Data"], _ = codec.Encrypt(plain)
				}
				w.Header().Set("Content-Type", "application/json")
				_ = json.NewEncoder(w).Encode(out)
			}))
			t.Cleanup(upstream.Close)
			p := newTestProxy(t, upstream.URL)
			client, err := wrapper.NewClient(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV, wrapper.WithBaseURL(p.URL))
			if err != nil {
				t.Fatal(err)
			}
			_, _ = client.CancelDelayIssue(t.Context(), wrapper.CancelDelayIssueRequest{Tsr: "ECHO1"})

			recording := p.Recording.String()
			noKeys(t, map[string]string{"the recording": recording})
			for _, bad := range []string{"\x1b", "\r", `\u001b`, `\u0007`, `\r`, `\n`} {
				if strings.Contains(recording, bad) {
					t.Errorf("the recording holds %q", bad)
				}
			}
			exs := p.exchanges(t)
			if len(exs) != 1 {
				t.Fatalf("%d exchanges recorded", len(exs))
			}
			ex := exs[0]
			var env struct{ TransMsg string }
			var data struct{ RtnMsg string }
			_ = json.Unmarshal(ex.Response.Envelope, &env)
			_ = json.Unmarshal(ex.Response.Data, &data)
			for got, want := range map[string]string{env.TransMsg: answer.wantTransMsg, data.RtnMsg: answer.wantRtnMsg} {
				if want != "" && (!strings.HasPrefix(got, want) || len(got) > 256) {
					t.Errorf("recorded message %.80q…, want at most 256 bytes beginning %q", got, want)
				}
			}
			// The verdicts are the answer's as it came: a message too long
			// for its page is a violation even so.
			if of := answer.wantViolationOf; of != "" && !strings.Contains(fmtViolations(ex.Violations), of) {
				t.Errorf("violations %v do not name %s", ex.Violations, of)
			}
		})
	}
}

func fmtViolations(vs []proxy.RecordedViolation) string {
	var sb strings.Builder
	for _, v := range vs {
		sb.WriteString(v.String() + "\n")
	}
	return sb.String()
}
