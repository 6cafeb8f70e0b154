package wrapper_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/wrapper"
)

// answering is an HTTP client whose every answer is status and body: the
// untrusted bytes of a fuzz input, with no network in between.
type answering struct {
	status int
	body   []byte
}

func (a answering) Do(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
	}
	return &http.Response{
		StatusCode: a.status,
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       io.NopCloser(bytes.NewReader(a.body)),
		Request:    req,
	}, nil
}

// leaks reports a secret of the stage merchant in out that the untrusted
// input in did not bring.
func leaks(out string, in ...[]byte) string {
	for _, secret := range []string{hashKey, hashIV} {
		brought := false
		for _, b := range in {
			brought = brought || bytes.Contains(b, []byte(secret))
		}
		if !brought && strings.Contains(out, secret) {
			return secret
		}
	}
	return ""
}

// FuzzDecryptResponses feeds the response hook of the generated clients
// arbitrary bodies (the seed corpus is testdata/fuzz/FuzzDecryptResponses):
// it never panics, fails only with a *DecodeError, never shows the keys, and
// changes only the Data of an accepted envelope, into its plaintext.
func FuzzDecryptResponses(f *testing.F) {
	f.Add([]byte(`{"TransCode":1,"Data":"AAAA"}`))
	codec, err := ecpaycrypto.New(hashKey, hashIV)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1"+registry.CancelDelayIssue.Path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := wrapper.DecryptResponses(codec, answering{status: http.StatusOK, body: body}).Do(req)
		if err != nil {
			var de *wrapper.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v (%T), want a *DecodeError", err, err)
			}
			if s := leaks(err.Error(), body); s != "" {
				t.Fatalf("the error shows %q: %v", s, err)
			}
			return
		}
		out, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if resp.ContentLength != int64(len(out)) {
			t.Errorf("ContentLength %d for %d bytes", resp.ContentLength, len(out))
		}
		if bytes.Equal(out, body) {
			return
		}
		// Changed: it was an accepted envelope, and only its Data changed.
		var before, after map[string]json.RawMessage
		if json.Unmarshal(body, &before) != nil || json.Unmarshal(out, &after) != nil {
			t.Fatalf("changed %q into %q", body, out)
		}
		var data string
		if err := json.Unmarshal(before["Data"], &data); err != nil {
			t.Fatalf("changed an envelope whose Data is no string: %q", body)
		}
		plaintext, err := codec.Decrypt(data)
		if err != nil {
			t.Fatalf("changed an envelope whose Data does not decrypt: %q", body)
		}
		var got string
		if err := json.Unmarshal(after["Data"], &got); err != nil || utf8.Valid(plaintext) && got != string(plaintext) {
			t.Errorf("Data became %s, want the plaintext %q", after["Data"], plaintext)
		}
		if s := leaks(string(out), body, plaintext); s != "" {
			t.Errorf("the body shows %q", s)
		}
	})
}

// FuzzClientAnswer feeds the typed client arbitrary answers to a
// CancelDelayIssue (the seed corpus is testdata/fuzz/FuzzClientAnswer): it
// never panics, succeeds only with a success code, fails with an error of
// the answer's kinds, and no error shows the keys or the request's Tsr.
func FuzzClientAnswer(f *testing.F) {
	const tsr = "FUZZ-TSR-0001"
	f.Add(200, []byte(`{"TransCode":0,"TransMsg":"x"}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 999 {
			status = http.StatusOK
		}
		c, err := wrapper.NewClient(merchantID, hashKey, hashIV,
			wrapper.WithHTTPClient(answering{status: status, body: body}),
			wrapper.WithClock(fixedClock(time.Unix(1764158400, 0))))
		if err != nil {
			t.Fatal(err)
		}
		res, err := c.CancelDelayIssue(bg, wrapper.CancelDelayIssueRequest{Tsr: tsr})
		if err == nil {
			if res.RtnCode != wrapper.RtnCodeOK {
				t.Fatalf("a result with RtnCode %d", res.RtnCode)
			}
			return
		}
		if res != nil {
			t.Errorf("a result came with the error %v", err)
		}
		switch kind := wrapper.ErrorKind(err); kind {
		case wrapper.KindHTTP, wrapper.KindTrans, wrapper.KindAPI, wrapper.KindDecode:
		default:
			t.Errorf("an answer gave a %s error: %v", kind, err)
		}
		if s := leaks(err.Error(), body); s != "" {
			t.Errorf("the error shows %q: %v", s, err)
		}
		if !bytes.Contains(body, []byte(tsr)) && strings.Contains(err.Error(), tsr) {
			t.Errorf("the error shows the Tsr: %v", err)
		}
	})
}
