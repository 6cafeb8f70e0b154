package wrapper_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/generated/triggerissue"
	"github.com/ecpay-go/einvoice/wrapper"
)

// Call sends the JSON it is given through the typed core: MerchantID
// filled, the answer's decrypted Data returned byte for byte.
func TestCallReturnsTheAnswerAsSent(t *testing.T) {
	// Spacing, member order and a member the page does not declare, as
	// ECPay may send them: all kept.
	answerData := `{ "RtnMsg" : "開立發票成功", "RtnCode":4000004,"InvoiceNo":"AB12345678" }`
	sim := newSim(t, ecpaysim.WithMerchant(merchantID, hashKey, hashIV), ecpaysim.WithMerchant(subMerchant, hashKey, hashIV))
	inject(t, sim, ecpaysim.Fault{Data: answerData})
	if err := sim.AddDelayedInvoice(subMerchant, "T2"); err != nil {
		t.Fatal(err)
	}
	c := client(t, sim.URL)
	res, err := c.Call(bg, "TriggerIssue", json.RawMessage(`{"Tsr":"T1","PayType":"2"}`))
	if err != nil {
		t.Fatal(err)
	}
	if res.RtnCode != wrapper.RtnCodeIssued || res.RtnMsg != "開立發票成功" || string(res.Data) != answerData {
		t.Errorf("result %d %q %s", res.RtnCode, res.RtnMsg, res.Data)
	}
	if res.Envelope.TransCode == nil || *res.Envelope.TransCode != 1 || res.Timestamp.IsZero() {
		t.Errorf("envelope %+v, timestamp %v", res.Envelope, res.Timestamp)
	}
	// An explicit MerchantID is kept; the envelope carries it.
	if _, err := c.Call(bg, "CancelDelayIssue", json.RawMessage(" \n{\"MerchantID\":\"3085676\",\"Tsr\":\"T2\"}\n")); err != nil {
		t.Fatal(err)
	}
	got := received(t, sim)
	if len(got) != 2 {
		t.Fatalf("server received %d requests", len(got))
	}
	if got[0].Op != "TriggerIssue" || got[0].field("MerchantID") != merchantID || got[0].Envelope.MerchantID != merchantID || got[0].field("PayType") != "2" {
		t.Errorf("first request %+v", got[0])
	}
	if got[1].Op != "CancelDelayIssue" || got[1].field("MerchantID") != subMerchant || got[1].Envelope.MerchantID != subMerchant {
		t.Errorf("second request %+v", got[1])
	}
}

// Call refuses, before sending anything, every refusal of the typed method;
// an ECPay refusal is the same *APIError.
func TestCallRefusalIsAnAPIError(t *testing.T) {
	sim := newSim(t)
	res, err := client(t, sim.URL).Call(bg, "TriggerIssue", json.RawMessage(`{"Tsr":"T1","PayType":"2"}`))
	var ae *wrapper.APIError
	if !errors.As(err, &ae) || res != nil || ae.Operation != "TriggerIssue" || !errors.Is(err, wrapper.ErrNotFound) {
		t.Errorf("result %+v, err %v, want a not-found APIError of TriggerIssue", res, err)
	}
}

// Call and ValidateCall decode the JSON strictly and refuse what the typed
// method would, naming the member; nothing is sent.
func TestCallRefusesBadDataBeforeSending(t *testing.T) {
	tests := map[string]struct {
		op, data    string
		field, rule string // of the *ValidationError
		want        string // in its message
	}{
		"an unknown member":        {op: "TriggerIssue", data: `{"Tsr":"T1","PayType":"2","Amount":1}`, field: "Data", rule: "json", want: `no member "Amount"`},
		"a member in other case":   {op: "TriggerIssue", data: `{"tsr":"T1","PayType":"2"}`, field: "Data", rule: "json", want: `no member "tsr"`},
		"a member twice":           {op: "CancelDelayIssue", data: `{"Tsr":"T1","Tsr":"T2"}`, field: "Tsr", rule: "json", want: "more than once"},
		"a second object":          {op: "CancelDelayIssue", data: `{"Tsr":"T1"} {"Tsr":"T2"}`, field: "Data", rule: "json", want: "follows"},
		"a stray brace":            {op: "CancelDelayIssue", data: `{"Tsr":"T1"}}`, field: "Data", rule: "json", want: "follows"},
		"a stray bracket":          {op: "CancelDelayIssue", data: `{"Tsr":"T1"}]`, field: "Data", rule: "json", want: "follows"},
		"trailing text":            {op: "CancelDelayIssue", data: `{"Tsr":"T1"} x`, field: "Data", rule: "json", want: "follows"},
		"a number for a string":    {op: "CancelDelayIssue", data: `{"Tsr":201909170001}`, field: "Tsr", rule: "type", want: "Tsr must be a JSON string, not a number"},
		"an object for a string":   {op: "TriggerIssue", data: `{"Tsr":"T1","PayType":{}}`, field: "PayType", rule: "type", want: "PayType must be a JSON string, not an object"},
		"an array":                 {op: "CancelDelayIssue", data: `[{"Tsr":"T1"}]`, field: "Data", rule: "json", want: "not a JSON object"},
		"null":                     {op: "CancelDelayIssue", data: `null`, field: "Data", rule: "json", want: "not a JSON object"},
		"a string":                 {op: "CancelDelayIssue", data: `"T1"`, field: "Data", rule: "json", want: "not a JSON object"},
		"nothing":                  {op: "CancelDelayIssue", data: ``, field: "Data", rule: "json", want: "empty"},
		"only spaces":              {op: "CancelDelayIssue", data: " \n\t", field: "Data", rule: "json", want: "empty"},
		"cut short":                {op: "CancelDelayIssue", data: `{"Tsr":`, field: "Data", rule: "json", want: "Data is not valid JSON"},
		"a bad token":              {op: "CancelDelayIssue", data: `{"Tsr":T1}`, field: "Data", rule: "json", want: "Data is not valid JSON"},
		"a required member left":   {op: "TriggerIssue", data: `{"PayType":"2"}`, field: "Tsr", rule: "required", want: "Tsr is required"},
		"a required member empty":  {op: "CancelDelayIssue", data: `{"Tsr":""}`, field: "Tsr", rule: "required", want: "Tsr is required"},
		"a value outside its enum": {op: "TriggerIssue", data: `{"Tsr":"T1","PayType":"3"}`, field: "PayType", rule: "enum"},
		"too long":                 {op: "CancelDelayIssue", data: `{"Tsr":"` + strings.Repeat("9", dataMaxLength(t, registry.CancelDelayIssue, "Tsr")+1) + `"}`, field: "Tsr", rule: "maxLength"},
		"bytes not UTF-8":          {op: "CancelDelayIssue", data: "{\"Tsr\":\"T\xff1\"}", field: "Tsr", rule: "utf8"},
		"a lone high surrogate":    {op: "CancelDelayIssue", data: `{"Tsr":"T\ud83e1"}`, field: "Tsr", rule: "utf8"},
		"a lone low surrogate":     {op: "TriggerIssue", data: `{"PayType":"2","Tsr":"\uddfe"}`, field: "Tsr", rule: "utf8"},
		"two high surrogates":      {op: "CancelDelayIssue", data: `{"Tsr":"\ud83e\ud83e"}`, field: "Tsr", rule: "utf8"},
		"the escape of U+FFFD":     {op: "CancelDelayIssue", data: `{"Tsr":"T\ufffd1"}`, field: "Tsr", rule: "utf8"},
		"a MerchantID not UTF-8":   {op: "CancelDelayIssue", data: "{\"MerchantID\":\"20\xc0\",\"Tsr\":\"T1\"}", field: "MerchantID", rule: "utf8"},
	}
	sim := newSim(t)
	c := client(t, sim.URL)
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, callErr := c.Call(bg, tc.op, json.RawMessage(tc.data))
			wantValidation(t, callErr, tc.op, tc.field, tc.rule)
			if !strings.Contains(callErr.Error(), tc.want) {
				t.Errorf("message %q does not say %q", callErr, tc.want)
			}
			if validateErr := c.ValidateCall(tc.op, json.RawMessage(tc.data)); validateErr == nil || validateErr.Error() != callErr.Error() {
				t.Errorf("ValidateCall = %v, Call = %v", validateErr, callErr)
			}
			assertNoSecret(t, callErr.Error())
		})
	}
	t.Run("an unknown operation", func(t *testing.T) {
		_, err := c.Call(bg, "NoSuchOperation", json.RawMessage(`{"Tsr":"T1"}`))
		if err == nil || !strings.Contains(err.Error(), `"NoSuchOperation"`) || !strings.Contains(err.Error(), registry.Names()) || !strings.Contains(err.Error(), "nothing was sent") {
			t.Errorf("err = %v, want it to name the operation and list %s", err, registry.Names())
		}
		if err := c.ValidateCall("cancelDelayIssue", json.RawMessage(`{"Tsr":"T1"}`)); err == nil {
			t.Error("ValidateCall took an operation name in another case")
		}
	})
	wantNothingSent(t, sim)
}

// What the caller did write passes: a U+FFFD as UTF-8, the text \ufffd, a
// surrogate pair, Chinese.
func TestCallSendsTheTextGiven(t *testing.T) {
	tests := map[string]struct{ data, tsr string }{
		"U+FFFD as UTF-8":         {data: "{\"Tsr\":\"T\uFFFD1\"}", tsr: "T\uFFFD1"},
		`the text \ufffd`:         {data: `{"Tsr":"T\\ufffd1"}`, tsr: `T\ufffd1`},
		"a surrogate pair":        {data: `{"Tsr":"\ud83e\uddfe1"}`, tsr: "🧾1"},
		"Chinese, escaped":        {data: `{"Tsr":"\u55ae1"}`, tsr: "單1"},
		"a backslash, then bytes": {data: `{"Tsr":"T\\1"}`, tsr: `T\1`},
		"MerchantID null":         {data: `{"MerchantID":null,"Tsr":"T1"}`, tsr: "T1"},
	}
	sim := newSim(t)
	c := client(t, sim.URL)
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if err := c.ValidateCall("CancelDelayIssue", json.RawMessage(tc.data)); err != nil {
				t.Fatalf("ValidateCall: %v", err)
			}
			pending(t, sim, tc.tsr)
			before := len(received(t, sim))
			if _, err := c.Call(bg, "CancelDelayIssue", json.RawMessage(tc.data)); err != nil {
				t.Fatal(err)
			}
			got := received(t, sim)
			if len(got) != before+1 || got[len(got)-1].field("Tsr") != tc.tsr {
				t.Errorf("server received Tsr %q, want %q", got[len(got)-1].field("Tsr"), tc.tsr)
			}
		})
	}
}

// Validate takes a request of any operation, by value or by pointer, and
// leaves it as it was.
func TestValidateTakesEveryRequestType(t *testing.T) {
	c := client(t, "http://127.0.0.1:1")
	trigger := &wrapper.TriggerIssueRequest{Tsr: "T1", PayType: triggerissue.PayType2}
	tests := map[string]struct {
		req         any
		field, rule string // of the *ValidationError; "" for nil
		want        string // in a plain error's message
	}{
		"CancelDelayIssueRequest":          {req: wrapper.CancelDelayIssueRequest{Tsr: "T1"}},
		"*CancelDelayIssueRequest":         {req: &wrapper.CancelDelayIssueRequest{Tsr: "T1"}},
		"TriggerIssueRequest":              {req: *trigger},
		"*TriggerIssueRequest":             {req: trigger},
		"TriggerIssueRequest sans PayType": {req: wrapper.TriggerIssueRequest{Tsr: "T1"}}, // the page's "2"
		"TriggerIssueRequest sans Tsr":     {req: wrapper.TriggerIssueRequest{PayType: triggerissue.PayType2}, field: "Tsr", rule: "required"},
		"*CancelDelayIssueRequest, long":   {req: &wrapper.CancelDelayIssueRequest{Tsr: strings.Repeat("9", dataMaxLength(t, registry.CancelDelayIssue, "Tsr")+1)}, field: "Tsr", rule: "maxLength"},
		"TriggerIssueRequest not UTF-8":    {req: wrapper.TriggerIssueRequest{Tsr: "T\xff1", PayType: triggerissue.PayType2}, field: "Tsr", rule: "utf8"},
		"a nil *TriggerIssueRequest":       {req: (*wrapper.TriggerIssueRequest)(nil), want: "TriggerIssue: the request is a nil pointer"},
		"a foreign struct":                 {req: struct{ Tsr string }{"T1"}, want: "is not the request type of an operation"},
		"a response type":                  {req: triggerissue.ResponseData{}, want: "triggerissue.ResponseData is not the request type"},
		"a **CancelDelayIssueRequest":      {req: ptr(&wrapper.CancelDelayIssueRequest{Tsr: "T1"}), want: "is not the request type"},
		"nil":                              {req: nil, want: "is not the request type"},
		"JSON":                             {req: json.RawMessage(`{"Tsr":"T1"}`), want: "is not the request type"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := c.Validate(tc.req)
			switch {
			case tc.want != "":
				if _, ok := asValidation(err); ok || err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("err = %v, want a plain error saying %q", err, tc.want)
				}
			case tc.field != "":
				op := registry.ByRequestType(reflect.TypeOf(tc.req)).Name
				wantValidation(t, err, op, tc.field, tc.rule)
			case err != nil:
				t.Errorf("Validate: %v", err)
			}
		})
	}
	if trigger.MerchantID != "" {
		t.Errorf("Validate filled the caller's MerchantID: %q", trigger.MerchantID)
	}
}

// The JSON Call decodes is the generated request type's: a member the type
// has is accepted in any order, with MerchantID optional.
func TestValidateCallAgreesWithValidate(t *testing.T) {
	c := client(t, "http://127.0.0.1:1")
	for _, req := range []any{
		wrapper.CancelDelayIssueRequest{Tsr: "T1"},
		wrapper.CancelDelayIssueRequest{Tsr: ""},
		wrapper.TriggerIssueRequest{Tsr: "T1", PayType: triggerissue.PayType2},
		wrapper.TriggerIssueRequest{MerchantID: strings.Repeat("1", dataMaxLength(t, registry.TriggerIssue, "MerchantID")+1), Tsr: "T1", PayType: triggerissue.PayType2},
		wrapper.TriggerIssueRequest{Tsr: "T1"},
	} {
		data, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		data = bytes.Replace(data, []byte(`"MerchantID":"",`), nil, 1)
		op := registry.ByRequestType(reflect.TypeOf(req)).Name
		a, b := c.Validate(req), c.ValidateCall(op, data)
		if (a == nil) != (b == nil) || a != nil && a.Error() != b.Error() {
			t.Errorf("%s %s: Validate %v, ValidateCall %v", op, data, a, b)
		}
	}
}

// An answer whose decrypted Data is not the JSON expected is a *DecodeError
// whose message never quotes the plaintext, through Call as through the
// typed method (encoding/json's own messages quote a character or a value).
func TestUnreadableAnswerDataIsNotQuoted(t *testing.T) {
	for name, data := range map[string]string{
		"trailing text": `{"RtnCode":1,"RtnMsg":"ok"}Q`,
		// RtnMsg decodes leniently from a string or a number, not a list.
		"wrong type":    `{"RtnCode":1,"RtnMsg":[987654321]}`,
		"not an object": `987654321`,
	} {
		t.Run(name, func(t *testing.T) {
			sim := newSim(t)
			inject(t, sim, ecpaysim.Fault{Data: data}, ecpaysim.Fault{Data: data})
			c := client(t, sim.URL)
			_, callErr := c.Call(bg, "CancelDelayIssue", json.RawMessage(`{"Tsr":"T1"}`))
			_, typedErr := c.CancelDelayIssue(bg, wrapper.CancelDelayIssueRequest{Tsr: "T1"})
			for via, err := range map[string]error{"Call": callErr, "CancelDelayIssue": typedErr} {
				var de *wrapper.DecodeError
				if !errors.As(err, &de) {
					t.Fatalf("%s: %v, want a *DecodeError", via, err)
				}
				if msg := err.Error(); strings.Contains(msg, "'Q'") || strings.Contains(msg, "987654321") {
					t.Errorf("%s: the message quotes the plaintext: %s", via, msg)
				}
			}
		})
	}
}
