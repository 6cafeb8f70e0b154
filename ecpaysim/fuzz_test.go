package ecpaysim_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/generated"
)

// FuzzEndpoint feeds the endpoint arbitrary bodies and, encrypted under the
// stage keys in an otherwise valid envelope, arbitrary Data plaintexts. No
// input may panic, get a status other than 200, 400 or 413, or make the
// simulator answer against the spec. Seeds: the f.Add calls and
// testdata/fuzz/FuzzEndpoint.
func FuzzEndpoint(f *testing.F) {
	f.Add([]byte(`{"MerchantID":"2000132","RqHeader":{"Timestamp":1735787045},"Data":"x"}`), []byte(`{"MerchantID":"2000132","Tsr":"T1"}`))
	f.Add([]byte(`[]`), []byte(`{"MerchantID":"2000132","Tsr":""}`))
	f.Add([]byte(`{"RqHeader":{"Timestamp":1e400}}`), []byte(`%ZZ{"MerchantID":2000132}`))
	sim, err := ecpaysim.New(ecpaysim.WithClock(fixedClock), ecpaysim.WithRequestLimit(1))
	if err != nil {
		f.Fatal(err)
	}
	if err := sim.AddDelayedInvoice(ecpaysim.StageMerchantID, "T1"); err != nil {
		f.Fatal(err)
	}
	codec, err := ecpaycrypto.New(ecpaysim.StageHashKey, ecpaysim.StageHashIV)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body, plaintext []byte) {
		data, err := codec.Encrypt(plaintext)
		if err != nil {
			t.Fatal(err)
		}
		valid := envelope(testNow, data)
		for _, b := range [][]byte{body, valid} {
			w := httptest.NewRecorder()
			r := httptest.NewRequest(http.MethodPost, endpointPath, bytes.NewReader(b))
			r.Header.Set("Content-Type", "application/json")
			sim.ServeHTTP(w, r)
			switch w.Code {
			case http.StatusOK:
				var env generated.ResponseEnvelope
				if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil || env.TransCode == nil {
					t.Fatalf("HTTP 200 with %q", w.Body)
				}
			case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
			default:
				t.Fatalf("HTTP %d for %q", w.Code, b)
			}
		}
		if v := sim.Violations(); len(v) != 0 {
			t.Fatalf("violations: %v", v)
		}
	})
}
