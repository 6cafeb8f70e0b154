package ecpaysim_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/generated"
	"github.com/ecpay-go/einvoice/generated/registry"
)

// FuzzEndpoint feeds the path of an operation (op picks one of the
// registry's) arbitrary bodies and, encrypted under the stage keys in an
// otherwise valid envelope, arbitrary Data plaintexts. No input may panic,
// get a status other than 200, 400 or 413, or make the simulator answer
// against the spec. Seeds: the f.Add calls and testdata/fuzz/FuzzEndpoint.
func FuzzEndpoint(f *testing.F) {
	f.Add(byte(0), []byte(`{"MerchantID":"2000132","RqHeader":{"Timestamp":1735787045},"Data":"x"}`), []byte(`{"MerchantID":"2000132","Tsr":"T1"}`))
	f.Add(byte(1), []byte(`[]`), []byte(`{"MerchantID":"2000132","Tsr":"T1","PayType":"2"}`))
	f.Add(byte(1), []byte(`{"RqHeader":{"Timestamp":1e400}}`), []byte(`%ZZ{"MerchantID":2000132}`))
	f.Add(byte(0), []byte(`{}`), []byte(`{"MerchantID":"2000132","Tsr":""}`))
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
	ops := registry.All()
	f.Fuzz(func(t *testing.T, opIndex byte, body, plaintext []byte) {
		op := ops[int(opIndex)%len(ops)]
		data, err := codec.Encrypt(plaintext)
		if err != nil {
			t.Fatal(err)
		}
		valid := envelope(testNow, data)
		for _, b := range [][]byte{body, valid} {
			w := httptest.NewRecorder()
			r := httptest.NewRequest(http.MethodPost, op.Path, bytes.NewReader(b))
			r.Header.Set("Content-Type", "application/json")
			sim.ServeHTTP(w, r)
			switch w.Code {
			case http.StatusOK:
				var env generated.ResponseEnvelope
				if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil || env.TransCode == nil {
					t.Fatalf("%s: HTTP 200 with %q", op.Name, w.Body)
				}
			case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
			default:
				t.Fatalf("%s: HTTP %d for %q", op.Name, w.Code, b)
			}
		}
		if v := sim.Violations(); len(v) != 0 {
			t.Fatalf("violations: %v", v)
		}
	})
}

// FuzzAdminDelayed feeds POST /_sim/delayed arbitrary bodies. No body may
// panic or get another status than 201, 400, 404, 409 or 413; every refusal
// is one text/plain line with one "ecpaysim: " prefix; a 201 registers
// exactly the Tsr, DelayFlag and DelayDay the body gave, and nothing else is
// registered. Seeds: the f.Add calls and testdata/fuzz/FuzzAdminDelayed.
func FuzzAdminDelayed(f *testing.F) {
	f.Add([]byte(`{"MerchantID":"2000132","Tsr":"A1"}`))
	f.Add([]byte(`{"MerchantID":"2000132","Tsr":"A2","DelayFlag":"1","DelayDay":3}`))
	f.Add([]byte(`{"MerchantID":"2000132","Tsr":"A3","DelayFlag":2,"DelayDay":"3"}`))
	f.Add([]byte(`{"MerchantID":"1","Tsr":"A4","Extra":true}`))
	sim, err := ecpaysim.New(ecpaysim.WithClock(fixedClock))
	if err != nil {
		f.Fatal(err)
	}
	admin := sim.AdminHandler()
	f.Fuzz(func(t *testing.T, body []byte) {
		before := len(sim.Invoices())
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodPost, ecpaysim.AdminPrefix+"delayed", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		admin.ServeHTTP(w, r)
		after := sim.Invoices()
		if w.Code != http.StatusCreated {
			msg := w.Body.String()
			switch w.Code {
			case http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusRequestEntityTooLarge:
			default:
				t.Fatalf("HTTP %d %q for %q", w.Code, msg, body)
			}
			if !strings.HasPrefix(msg, "ecpaysim: ") || strings.Contains(msg, "ecpaysim: ecpaysim:") || strings.Count(msg, "\n") != 1 || !utf8.ValidString(msg) {
				t.Fatalf("HTTP %d with %q, want one line with one prefix", w.Code, msg)
			}
			if len(after) != before {
				t.Fatalf("HTTP %d registered an invoice", w.Code)
			}
			return
		}
		var given struct {
			MerchantID, Tsr string
			DelayFlag       *string
			DelayDay        *int
		}
		if err := json.Unmarshal(body, &given); err != nil {
			t.Fatalf("201 for a body that is not a DelayedInvoice: %q", body)
		}
		flag, days := ecpaysim.DelayTrigger, 0
		if given.DelayFlag != nil && *given.DelayFlag != "" {
			flag = ecpaysim.DelayFlag(*given.DelayFlag)
		}
		if given.DelayDay != nil {
			days = *given.DelayDay
		}
		want := ecpaysim.Invoice{MerchantID: given.MerchantID, Tsr: given.Tsr, DelayFlag: flag, DelayDay: days, Status: ecpaysim.StatusPending}
		if flag == ecpaysim.DelayScheduled {
			want.IssueAt = testNow.AddDate(0, 0, days)
		}
		var got ecpaysim.Invoice
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || got != want || len(after) != before+1 || after[before] != want {
			t.Fatalf("201 %s for %q; want %+v registered", w.Body, body, want)
		}
	})
}
