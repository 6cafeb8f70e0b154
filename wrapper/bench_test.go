package wrapper_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/generated"
	"github.com/ecpay-go/einvoice/wrapper"
)

// benchServer answers every request with a fixed, valid, encrypted success
// envelope, doing as little as possible so the client's own cost shows.
func benchServer(b *testing.B) *httptest.Server {
	b.Helper()
	codec, err := ecpaycrypto.New(hashKey, hashIV)
	if err != nil {
		b.Fatal(err)
	}
	data, err := codec.Encrypt([]byte(`{"RtnCode":1,"RtnMsg":"取消開立發票成功"}`))
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(fmt.Sprintf(`{"MerchantID":"2000132","RpHeader":{"Timestamp":%d},"TransCode":1,"TransMsg":"","Data":%q}`, time.Now().Unix(), data))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var sink [512]byte
		for {
			if _, err := r.Body.Read(sink[:]); err != nil {
				break
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// handWritten is the minimal call a user could write instead of the client:
// marshal the envelope, encrypt, POST, decode, decrypt.
func handWritten(hc *http.Client, codec *ecpaycrypto.Codec, url, tsr string) (int, error) {
	inner, err := json.Marshal(map[string]string{"MerchantID": merchantID, "Tsr": tsr})
	if err != nil {
		return 0, err
	}
	data, err := codec.Encrypt(inner)
	if err != nil {
		return 0, err
	}
	env, err := json.Marshal(map[string]any{
		"MerchantID": merchantID,
		"RqHeader":   map[string]any{"Timestamp": time.Now().Unix()},
		"Data":       data,
	})
	if err != nil {
		return 0, err
	}
	resp, err := hc.Post(url+"/B2CInvoice/CancelDelayIssue", "application/json", bytes.NewReader(env))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var out struct {
		TransCode int
		Data      string
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return 0, err
	}
	var res struct{ RtnCode int }
	if err := codec.DecryptJSON(out.Data, &res); err != nil {
		return 0, err
	}
	return res.RtnCode, nil
}

// BenchmarkRoundTrip compares a whole CancelDelayIssue call through the typed
// client (default options: validation, timeout, logging as shipped), the
// bare generated client with the editor and the hook, and a hand-written
// call, all against the same in-process server with the same http.Client.
// make bench runs each sub-benchmark in its own process (benchratio).
func BenchmarkRoundTrip(b *testing.B) {
	srv := benchServer(b)
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	codec, err := ecpaycrypto.New(hashKey, hashIV)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("impl=handwritten", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if code, err := handWritten(hc, codec, srv.URL, "201909170001"); err != nil || code != 1 {
				b.Fatal(code, err)
			}
		}
	})
	b.Run("impl=client", func(b *testing.B) {
		c, err := wrapper.NewClient(merchantID, hashKey, hashIV, wrapper.WithBaseURL(srv.URL), wrapper.WithHTTPClient(hc))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if res, err := c.CancelDelayIssue(bg, wrapper.CancelDelayIssueRequest{Tsr: "201909170001"}); err != nil || res.RtnCode != 1 {
				b.Fatal(res, err)
			}
		}
	})
	// The client without its default 30 s timeout, to show what the
	// deadline context costs.
	b.Run("impl=client-notimeout", func(b *testing.B) {
		c, err := wrapper.NewClient(merchantID, hashKey, hashIV, wrapper.WithBaseURL(srv.URL), wrapper.WithHTTPClient(hc), wrapper.WithTimeout(0))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if res, err := c.CancelDelayIssue(bg, wrapper.CancelDelayIssueRequest{Tsr: "201909170001"}); err != nil || res.RtnCode != 1 {
				b.Fatal(res, err)
			}
		}
	})
	b.Run("impl=generated", func(b *testing.B) {
		c, err := generated.NewClientWithResponses(srv.URL,
			generated.WithHTTPClient(wrapper.DecryptResponses(codec, hc)),
			generated.WithRequestEditorFn(wrapper.EncryptRequest(codec)))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			inner, err := json.Marshal(generated.CancelDelayIssueRequestData{MerchantID: merchantID, Tsr: "201909170001"})
			if err != nil {
				b.Fatal(err)
			}
			resp, err := c.CancelDelayIssueWithResponse(bg, generated.CancelDelayIssueJSONRequestBody{MerchantID: merchantID, Data: string(inner)})
			if err != nil {
				b.Fatal(err)
			}
			var res generated.CancelDelayIssueResponseData
			if err := json.Unmarshal([]byte(*resp.JSON200.Data), &res); err != nil || *res.RtnCode != 1 {
				b.Fatal(err)
			}
		}
	})
}
