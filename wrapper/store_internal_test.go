//go:build !plaindecode

package wrapper

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/ecpay-go/einvoice/generated"
	"github.com/ecpay-go/einvoice/generated/registry"
)

// decodeEnvelope fills the envelope in place; what it gives must be exactly
// what decoding into a fresh generated.ResponseEnvelope gives: absent and
// null members nil, present ones, empty or zero, set.
func TestDecodeEnvelopeAgreesWithEncodingJSON(t *testing.T) {
	for name, body := range map[string]string{
		"page example":           `{"MerchantID":"2000132","RpHeader":{"Timestamp":1525169058},"TransCode":1,"TransMsg":"","Data":"x"}`,
		"only TransCode":         `{"TransCode":1}`,
		"zero and empty":         `{"TransCode":0,"TransMsg":"","Data":"","PlatformID":"","MerchantID":""}`,
		"nulls":                  `{"TransCode":9001,"TransMsg":null,"Data":null,"PlatformID":null,"MerchantID":null,"RpHeader":null}`,
		"numeric MerchantID":     `{"TransCode":1,"MerchantID":2000132}`,
		"escaped MerchantID":     `{"TransCode":1,"MerchantID":"20\u00301"}`,
		"RpHeader with a null":   `{"TransCode":1,"RpHeader":{"Timestamp":null}}`,
		"unknown members":        `{"TransCode":1,"Extra":{"a":[1,2]},"RtnCode":5}`,
		"member twice":           `{"TransCode":2,"TransCode":1,"Data":"a","Data":"b"}`,
		"negative TransCode":     `{"TransCode":-1}`,
		"Timestamp zero":         `{"TransCode":1,"RpHeader":{"Timestamp":0}}`,
		"TransMsg not ASCII":     `{"TransCode":1,"TransMsg":"取消開立發票成功"}`,
		"TransCode a fraction":   `{"TransCode":1.5}`,
		"no TransCode":           `{"Data":"x"}`,
		"TransCode smallest int": `{"TransCode":-9223372036854775808}`,
	} {
		t.Run(name, func(t *testing.T) {
			var want generated.ResponseEnvelope
			wantErr := json.Unmarshal([]byte(body), &want)
			if wantErr == nil && want.RpHeader != nil && want.RpHeader.Timestamp == nil {
				want.RpHeader = nil // decodeEnvelope's documented choice
			}
			var store answerStore
			got, err := decodeEnvelope([]byte(body), &store)
			switch {
			case wantErr != nil:
				if err == nil {
					t.Fatalf("decoded %+v, encoding/json refused it: %v", got, wantErr)
				}
				return
			case want.TransCode == nil || *want.TransCode == absentInt:
				if err == nil {
					t.Fatalf("decoded %+v without a TransCode", got)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("decodeEnvelope = %s\nencoding/json  = %s", dump(t, got), dump(t, &want))
			}
		})
	}
}

// presetAnswer and absentAnswer must leave the inner answer as decoding into
// a fresh value would, for every page's answer type.
func TestPresetAnswerAgreesWithEncodingJSON(t *testing.T) {
	ops, err := loadOperations()
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range ops {
		for name, body := range map[string]string{
			"number code": `{"RtnCode":1,"RtnMsg":"取消開立發票成功"}`,
			"string code": `{"RtnCode":"4000004","RtnMsg":""}`,
			"code only":   `{"RtnCode":5070305}`,
			"nulls":       `{"RtnCode":null,"RtnMsg":null}`,
			"empty":       `{}`,
			"code zero":   `{"RtnCode":0,"RtnMsg":"x"}`,
		} {
			t.Run(st.op.Name+"/"+name, func(t *testing.T) {
				want := reflect.New(st.op.ResponseType).Interface()
				if err := json.Unmarshal([]byte(body), want); err != nil {
					t.Fatal(err)
				}
				got := st.newResponse()
				var store answerStore
				st.presetAnswer(got, &store)
				if err := json.Unmarshal([]byte(body), got); err != nil {
					t.Fatal(err)
				}
				st.absentAnswer(got)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("preset = %s\nfresh  = %s", dump(t, got), dump(t, want))
				}
			})
		}
	}
	if len(registry.All()) != len(ops) {
		t.Fatalf("%d operations, %d states", len(registry.All()), len(ops))
	}
}

// wideAnswer is an answer type a page could bring: more pointers than an
// answerStore has slots, pointers to named types, plain values beside them.
type wideAnswer struct {
	RtnCode *generated.LenientInt `json:"RtnCode,omitempty"`
	RtnMsg  *string               `json:"RtnMsg,omitempty"`
	Kind    *wideKind             `json:"Kind,omitempty"`
	A       *string               `json:"A,omitempty"`
	B       *string               `json:"B,omitempty"`
	C       *string               `json:"C,omitempty"`
	Count   *int                  `json:"Count,omitempty"`
	N1      *int                  `json:"N1,omitempty"`
	N2      *generated.LenientInt `json:"N2,omitempty"`
	N3      *int                  `json:"N3,omitempty"`
	N4      *int                  `json:"N4,omitempty"`
	Plain   string                `json:"Plain"`
	Flag    *bool                 `json:"Flag,omitempty"`
}

type wideKind string

// presetAnswer and absentAnswer must agree with encoding/json beyond the
// store's slots and for pointers the store's slots are converted to.
func TestPresetAnswerAgreesWithEncodingJSONForWideAnswers(t *testing.T) {
	st := &opState{op: &registry.Operation{ResponseType: reflect.TypeFor[wideAnswer]()}}
	st.compileStore()
	for name, body := range map[string]string{
		"all":   `{"RtnCode":"1","RtnMsg":"m","Kind":"k","A":"a","B":"b","C":"","Count":3,"N1":1,"N2":"2","N3":3,"N4":0,"Plain":"p","Flag":true}`,
		"some":  `{"RtnCode":1,"Kind":"k","C":"c","N4":4}`,
		"nulls": `{"RtnCode":null,"Kind":null,"C":null,"N2":null,"N4":null,"Flag":null}`,
		"empty": `{}`,
	} {
		t.Run(name, func(t *testing.T) {
			var want wideAnswer
			if err := json.Unmarshal([]byte(body), &want); err != nil {
				t.Fatal(err)
			}
			var got wideAnswer
			var store answerStore
			st.presetAnswer(&got, &store)
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatal(err)
			}
			st.absentAnswer(&got)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("preset = %s\nfresh  = %s", dump(t, &got), dump(t, &want))
			}
		})
	}
}

func dump(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
