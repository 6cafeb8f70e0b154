package wrapper_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/generated"
	"github.com/ecpay-go/einvoice/generated/canceldelayissue"
	"github.com/ecpay-go/einvoice/generated/triggerissue"
	"github.com/ecpay-go/einvoice/wrapper"
)

// The editor and the hook plug into every page's generated client: their
// types are the pages' RequestEditorFn and HttpRequestDoer.
var (
	_ canceldelayissue.RequestEditorFn = wrapper.EncryptRequest(nil)
	_ triggerissue.RequestEditorFn     = wrapper.EncryptRequest(nil)
	_ canceldelayissue.HttpRequestDoer = wrapper.DecryptResponses(nil, nil)
	_ triggerissue.HttpRequestDoer     = wrapper.DecryptResponses(nil, nil)
)

func stageCodec(t testing.TB) *ecpaycrypto.Codec {
	t.Helper()
	codec, err := ecpaycrypto.New(hashKey, hashIV)
	if err != nil {
		t.Fatal(err)
	}
	return codec
}

// generatedClient wires the editor and the hook into CancelDelayIssue's
// generated client, as a user who prefers it would.
func generatedClient(t *testing.T, url string, now time.Time) *canceldelayissue.ClientWithResponses {
	t.Helper()
	codec := stageCodec(t)
	c, err := canceldelayissue.NewClientWithResponses(url,
		canceldelayissue.WithHTTPClient(wrapper.DecryptResponses(codec, http.DefaultClient)),
		canceldelayissue.WithRequestEditorFn(wrapper.EncryptRequest(codec, wrapper.WithEditorClock(fixedClock(now)))),
	)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func plainRequest(tsr string) canceldelayissue.CancelDelayIssueJSONRequestBody {
	inner, _ := json.Marshal(canceldelayissue.RequestData{MerchantID: merchantID, Tsr: tsr})
	return canceldelayissue.CancelDelayIssueJSONRequestBody{MerchantID: merchantID, Data: string(inner)}
}

func TestEditorAndHookOnTheGeneratedClient(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	t.Run("success", func(t *testing.T) {
		sim := newSim(t, ecpaysim.WithClock(fixedClock(now)))
		inject(t, sim, ecpaysim.Fault{Data: `{"RtnCode":"1","RtnMsg":"取消開立發票成功"}`})
		resp, err := generatedClient(t, sim.URL, now).CancelDelayIssueWithResponse(bg, plainRequest("T1"))
		if err != nil {
			t.Fatal(err)
		}
		if resp.JSON200 == nil || resp.JSON200.TransCode == nil || *resp.JSON200.TransCode != 1 {
			t.Fatalf("JSON200 = %+v", resp.JSON200)
		}
		var inner canceldelayissue.ResponseData
		if err := json.Unmarshal([]byte(*resp.JSON200.Data), &inner); err != nil {
			t.Fatalf("Data after the hook is not the plaintext JSON: %v", err)
		}
		if inner.RtnCode == nil || *inner.RtnCode != 1 {
			t.Errorf("RtnCode = %v", inner.RtnCode)
		}
		got := received(t, sim)
		if len(got) != 1 || got[0].field("Tsr") != "T1" || got[0].Envelope.RqHeader.Timestamp != int(now.Unix()) {
			t.Errorf("server received %+v", got)
		}
		// The raw body keeps every envelope member, Data now plaintext.
		if !strings.Contains(string(resp.Body), `"MerchantID":"2000132"`) || !strings.Contains(string(resp.Body), `RtnCode`) {
			t.Errorf("body = %s", resp.Body)
		}
	})
	t.Run("a rejected envelope passes untouched", func(t *testing.T) {
		// A fault's TransCode 0 would be no fault: a plain server.
		srv := plainServer(t, http.StatusOK, nil, fmt.Sprintf(`{"MerchantID":"2000132","RpHeader":{"Timestamp":%d},"TransCode":0,"TransMsg":"Timestamp Error","Data":""}`, now.Unix()))
		resp, err := generatedClient(t, srv.URL, now).CancelDelayIssueWithResponse(bg, plainRequest("T1"))
		if err != nil {
			t.Fatal(err)
		}
		if *resp.JSON200.TransCode != 0 || *resp.JSON200.TransMsg != "Timestamp Error" || *resp.JSON200.Data != "" {
			t.Errorf("JSON200 = %+v", resp.JSON200)
		}
	})
	t.Run("an HTML error page passes untouched", func(t *testing.T) {
		srv := plainServer(t, http.StatusBadGateway, nil, "<html>502</html>")
		resp, err := generatedClient(t, srv.URL, now).CancelDelayIssueWithResponse(bg, plainRequest("T1"))
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
		srv := plainServer(t, http.StatusOK, nil, `{"TransCode":1,"Data":"`+data+`"}`)
		_, err := generatedClient(t, srv.URL, now).CancelDelayIssueWithResponse(bg, plainRequest("T1"))
		var de *wrapper.DecodeError
		if !errors.As(err, &de) {
			t.Errorf("err = %v, want a DecodeError", err)
		}
	})
	t.Run("an oversized body is a DecodeError", func(t *testing.T) {
		srv := plainServer(t, http.StatusOK, nil, `{"TransCode":0,"TransMsg":"`+strings.Repeat("x", wrapper.MaxResponseBytes)+`"}`)
		_, err := generatedClient(t, srv.URL, now).CancelDelayIssueWithResponse(bg, plainRequest("T1"))
		var de *wrapper.DecodeError
		if !errors.As(err, &de) || !strings.Contains(err.Error(), "exceeds") {
			t.Errorf("err = %v, want a DecodeError about the size", err)
		}
	})
	t.Run("a redirect resends the encrypted body", func(t *testing.T) {
		sim := newSim(t, ecpaysim.WithClock(fixedClock(now)))
		pending(t, sim, "T307")
		url, redirected := moved(t, sim)
		resp, err := generatedClient(t, url, now).CancelDelayIssueWithResponse(bg, plainRequest("T307"))
		if err != nil {
			t.Fatal(err)
		}
		if resp.JSON200 == nil || *resp.JSON200.TransCode != 1 {
			t.Fatalf("JSON200 = %+v", resp.JSON200)
		}
		if got := received(t, sim); len(got) != 1 || got[0].field("Tsr") != "T307" {
			t.Errorf("server received %+v", got)
		}
		if got := redirected(); len(got) != 1 {
			t.Errorf("redirected %q, want one redirect", got)
		}
	})
}

// The same editor and hook serve another page's generated client.
func TestEditorAndHookOnTriggerIssue(t *testing.T) {
	sim := newSim(t)
	pending(t, sim, "T1")
	codec := stageCodec(t)
	c, err := triggerissue.NewClientWithResponses(sim.URL,
		triggerissue.WithHTTPClient(wrapper.DecryptResponses(codec, nil)),
		triggerissue.WithRequestEditorFn(wrapper.EncryptRequest(codec)))
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(triggerissue.RequestData{MerchantID: merchantID, Tsr: "T1", PayType: triggerissue.PayType2})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.TriggerIssueWithResponse(bg, triggerissue.TriggerIssueJSONRequestBody{MerchantID: merchantID, Data: string(data)})
	if err != nil {
		t.Fatal(err)
	}
	var res triggerissue.ResponseData
	if resp.JSON200 == nil || json.Unmarshal([]byte(*resp.JSON200.Data), &res) != nil || res.RtnCode == nil || *res.RtnCode != wrapper.RtnCodeIssued {
		t.Fatalf("answer %s", resp.Body)
	}
	if got := received(t, sim); len(got) != 1 || got[0].Op != "TriggerIssue" || got[0].field("PayType") != "2" {
		t.Errorf("server received %+v", got)
	}
}

func TestEncryptRequestRejectsAPlaintextThatIsNotJSON(t *testing.T) {
	sim := newSim(t)
	body := canceldelayissue.CancelDelayIssueJSONRequestBody{MerchantID: merchantID, Data: "Tsr=T1"}
	_, err := generatedClient(t, sim.URL, time.Now()).CancelDelayIssueWithResponse(bg, body)
	if err == nil || !strings.Contains(err.Error(), "plaintext inner request JSON") {
		t.Errorf("err = %v, want the editor to refuse non-JSON Data", err)
	}
	wantNothingSent(t, sim)
}

// Text that is not what the caller wrote is refused by the editor as by the
// typed client, naming the member; a real U+FFFD and the text \ufffd pass.
func TestEncryptRequestRefusesInvalidUTF8(t *testing.T) {
	marshalled := func(tsr string) generated.RequestEnvelope {
		inner, err := json.Marshal(canceldelayissue.RequestData{MerchantID: merchantID, Tsr: tsr})
		if err != nil {
			t.Fatal(err)
		}
		return generated.RequestEnvelope{MerchantID: merchantID, Data: string(inner)}
	}
	tests := map[string]struct {
		body      generated.RequestEnvelope
		wantField string // "" when it must be sent
		wantTsr   string
	}{
		"inner JSON marshalled from an invalid Tsr":  {body: marshalled("T\xff1"), wantField: "Tsr"},
		"invalid bytes written into Data":            {body: generated.RequestEnvelope{MerchantID: merchantID, Data: `{"MerchantID":"2000132","Tsr":"T` + "\xff" + `1"}`}, wantField: "Tsr"},
		"invalid bytes in Data's MerchantID":         {body: generated.RequestEnvelope{MerchantID: merchantID, Data: `{"MerchantID":"2000` + "\xff" + `132","Tsr":"T1"}`}, wantField: "MerchantID"},
		"invalid bytes in the envelope's MerchantID": {body: generated.RequestEnvelope{MerchantID: "2000\xff132", Data: marshalled("T1").Data}, wantField: "MerchantID"},
		"a lone surrogate escape in Data":            {body: generated.RequestEnvelope{MerchantID: merchantID, Data: `{"MerchantID":"2000132","Tsr":"T\ud800"}`}, wantField: "Tsr"},
		"a real U+FFFD":                              {body: marshalled("T\uFFFD1"), wantTsr: "T\uFFFD1"},
		`the text \ufffd`:                            {body: marshalled(`T\ufffd1`), wantTsr: `T\ufffd1`},
		`the escape \ufffd written into Data`:        {body: generated.RequestEnvelope{MerchantID: merchantID, Data: `{"MerchantID":"2000132","Tsr":"T\ufffd1"}`}, wantField: "Tsr"},
		"a U+FFFD written into Data":                 {body: generated.RequestEnvelope{MerchantID: merchantID, Data: `{"MerchantID":"2000132","Tsr":"T` + "\uFFFD" + `1"}`}, wantTsr: "T\uFFFD1"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			sim := newSim(t)
			_, err := generatedClient(t, sim.URL, time.Now()).CancelDelayIssueWithResponse(bg, tc.body)
			if tc.wantField == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got := received(t, sim); len(got) != 1 || got[0].field("Tsr") != tc.wantTsr {
					t.Errorf("server received %+v, want Tsr %q", got, tc.wantTsr)
				}
				return
			}
			wantValidation(t, err, "CancelDelayIssue", tc.wantField, "utf8")
			wantNothingSent(t, sim)
		})
	}
}

func TestEditorAndHookNeedACodec(t *testing.T) {
	c, err := canceldelayissue.NewClientWithResponses("http://127.0.0.1:1",
		canceldelayissue.WithRequestEditorFn(wrapper.EncryptRequest(nil)))
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

// DecryptResponses without a client of its own follows redirects as
// CheckRedirect allows: not to another host.
func TestDecryptResponsesDefaultClientRefusesAnotherHost(t *testing.T) {
	elsewhere := newCounter(t)
	redirect := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+r.URL.Path, http.StatusTemporaryRedirect)
	})
	codec := stageCodec(t)
	c, err := canceldelayissue.NewClientWithResponses(redirect.URL,
		canceldelayissue.WithHTTPClient(wrapper.DecryptResponses(codec, nil)),
		canceldelayissue.WithRequestEditorFn(wrapper.EncryptRequest(codec)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CancelDelayIssueWithResponse(bg, plainRequest("T1")); err == nil || !strings.Contains(err.Error(), "another host") {
		t.Errorf("err = %v, want the redirect refused", err)
	}
	if n := elsewhere.count(); n != 0 {
		t.Errorf("the other host received %d requests", n)
	}
}
