package wrapper_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/generated"
	"github.com/ecpay-go/einvoice/wrapper"
)

// generatedClient wires the editor and the hook into the generated client,
// as a user who prefers it would.
func generatedClient(t *testing.T, url string, now time.Time) *generated.ClientWithResponses {
	t.Helper()
	codec, err := ecpaycrypto.New(hashKey, hashIV)
	if err != nil {
		t.Fatal(err)
	}
	c, err := generated.NewClientWithResponses(url,
		generated.WithHTTPClient(wrapper.DecryptResponses(codec, http.DefaultClient)),
		generated.WithRequestEditorFn(wrapper.EncryptRequest(codec, wrapper.WithEditorClock(fixedClock(now)))),
	)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func plainRequest(tsr string) generated.CancelDelayIssueJSONRequestBody {
	inner, _ := json.Marshal(generated.CancelDelayIssueRequestData{MerchantID: merchantID, Tsr: tsr})
	return generated.CancelDelayIssueJSONRequestBody{MerchantID: merchantID, Data: string(inner)}
}

func TestEditorAndHookOnTheGeneratedClient(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	t.Run("success", func(t *testing.T) {
		fake := newFake(t, func(received) answer { return answer{data: `{"RtnCode":"1","RtnMsg":"取消開立發票成功"}`} })
		resp, err := generatedClient(t, fake.URL, now).CancelDelayIssueWithResponse(bg, plainRequest("T1"))
		if err != nil {
			t.Fatal(err)
		}
		if resp.JSON200 == nil || resp.JSON200.TransCode == nil || *resp.JSON200.TransCode != 1 {
			t.Fatalf("JSON200 = %+v", resp.JSON200)
		}
		var inner generated.CancelDelayIssueResponseData
		if err := json.Unmarshal([]byte(*resp.JSON200.Data), &inner); err != nil {
			t.Fatalf("Data after the hook is not the plaintext JSON: %v", err)
		}
		if inner.RtnCode == nil || *inner.RtnCode != 1 {
			t.Errorf("RtnCode = %v", inner.RtnCode)
		}
		got := fake.received()
		if len(got) != 1 || got[0].Inner.Tsr != "T1" || got[0].Envelope.RqHeader.Timestamp != int(now.Unix()) {
			t.Errorf("server received %+v", got)
		}
		// The raw body keeps every envelope member, Data now plaintext.
		if !strings.Contains(string(resp.Body), `"MerchantID":"2000132"`) || !strings.Contains(string(resp.Body), `RtnCode`) {
			t.Errorf("body = %s", resp.Body)
		}
	})
	t.Run("a rejected envelope passes untouched", func(t *testing.T) {
		fake := newFake(t, func(received) answer { return answer{transCode: ptr(0), transMsg: "Timestamp Error"} })
		resp, err := generatedClient(t, fake.URL, now).CancelDelayIssueWithResponse(bg, plainRequest("T1"))
		if err != nil {
			t.Fatal(err)
		}
		if *resp.JSON200.TransCode != 0 || *resp.JSON200.TransMsg != "Timestamp Error" || *resp.JSON200.Data != "" {
			t.Errorf("JSON200 = %+v", resp.JSON200)
		}
	})
	t.Run("an HTML error page passes untouched", func(t *testing.T) {
		fake := newFake(t, func(received) answer { return answer{status: 502, raw: []byte("<html>502</html>")} })
		resp, err := generatedClient(t, fake.URL, now).CancelDelayIssueWithResponse(bg, plainRequest("T1"))
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode() != 502 || string(resp.Body) != "<html>502</html>" {
			t.Errorf("status %d body %q", resp.StatusCode(), resp.Body)
		}
	})
	t.Run("Data under another key is a DecodeError", func(t *testing.T) {
		other, _ := ecpaycrypto.New("0123456789abcdef", "fedcba9876543210")
		data, _ := other.Encrypt([]byte(`{"RtnCode":1}`))
		fake := newFake(t, func(received) answer { return answer{raw: []byte(`{"TransCode":1,"Data":"` + data + `"}`)} })
		_, err := generatedClient(t, fake.URL, now).CancelDelayIssueWithResponse(bg, plainRequest("T1"))
		var de *wrapper.DecodeError
		if !errors.As(err, &de) {
			t.Errorf("err = %v, want a DecodeError", err)
		}
	})
	t.Run("an oversized body is a DecodeError", func(t *testing.T) {
		fake := newFake(t, func(received) answer {
			return answer{raw: []byte(`{"TransCode":0,"TransMsg":"` + strings.Repeat("x", wrapper.MaxResponseBytes) + `"}`)}
		})
		_, err := generatedClient(t, fake.URL, now).CancelDelayIssueWithResponse(bg, plainRequest("T1"))
		var de *wrapper.DecodeError
		if !errors.As(err, &de) || !strings.Contains(err.Error(), "exceeds") {
			t.Errorf("err = %v, want a DecodeError about the size", err)
		}
	})
	t.Run("a redirect resends the encrypted body", func(t *testing.T) {
		fake := newFake(t, success)
		redirect := hostile(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, fake.URL+r.URL.Path, http.StatusTemporaryRedirect)
		})
		resp, err := generatedClient(t, redirect.URL, now).CancelDelayIssueWithResponse(bg, plainRequest("T307"))
		if err != nil {
			t.Fatal(err)
		}
		if resp.JSON200 == nil || *resp.JSON200.TransCode != 1 {
			t.Fatalf("JSON200 = %+v", resp.JSON200)
		}
		if got := fake.received(); len(got) != 1 || got[0].Inner.Tsr != "T307" {
			t.Errorf("server received %+v", got)
		}
	})
}

func TestEncryptRequestRejectsAPlaintextThatIsNotJSON(t *testing.T) {
	fake := newFake(t, success)
	body := generated.CancelDelayIssueJSONRequestBody{MerchantID: merchantID, Data: "Tsr=T1"}
	_, err := generatedClient(t, fake.URL, time.Now()).CancelDelayIssueWithResponse(bg, body)
	if err == nil || !strings.Contains(err.Error(), "plaintext inner request JSON") {
		t.Errorf("err = %v, want the editor to refuse non-JSON Data", err)
	}
	if n := len(fake.received()); n != 0 {
		t.Errorf("%d requests were sent", n)
	}
}

func TestEditorAndHookNeedACodec(t *testing.T) {
	c, err := generated.NewClientWithResponses("http://127.0.0.1:1",
		generated.WithRequestEditorFn(wrapper.EncryptRequest(nil)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CancelDelayIssueWithResponse(bg, plainRequest("T1")); err == nil || !strings.Contains(err.Error(), "ecpaycrypto.New") {
		t.Errorf("EncryptRequest(nil): err = %v", err)
	}
	if _, err := wrapper.DecryptResponses(nil, nil).Do(&http.Request{}); err == nil || !strings.Contains(err.Error(), "ecpaycrypto.New") {
		t.Errorf("DecryptResponses(nil): err = %v", err)
	}
}
