package wrapper

import (
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzScanAnswer checks scanAnswer against encoding/json for the answer
// type of every operation: an answer it decodes is one json.Unmarshal
// decodes without error into the same values.
func FuzzScanAnswer(f *testing.F) {
	ops, err := loadOperations()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		`{"RtnCode":1,"RtnMsg":"開立發票成功","InvoiceNo":"AB12345678","InvoiceDate":"2026-12-07 12:00:00","RandomNumber":"1234"}`,
		`{"RtnCode":4000004,"RtnMsg":"開立發票成功"}`, ` { "RtnCode" : -1 , "RtnMsg" : "" } `, `{}`, `{"RtnCode":"1"}`,
		`{"RtnCode":1.0}`, `{"RtnCode":1,"RtnCode":2}`, `{"rtncode":1}`, `{"RtnMsg":"a\"b"}`, `{"RtnMsg":1}`,
		`{"RtnCode":null}`, `{"Other":1}`, `{"RtnCode":1}{}`, `[]`, `{"RtnCode":01}`, "{\"RtnMsg\":\"\x01\"}",
	} {
		for i := range ops {
			f.Add(uint8(i), []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		st := ops[int(op)%len(ops)]
		if !st.scan {
			return
		}
		var fastStore, slowStore answerStore
		fast, slow := st.newResponse(), st.newResponse()
		st.presetAnswer(fast, &fastStore)
		if !st.scanAnswer(body, fast) {
			return
		}
		st.absentAnswer(fast)
		st.presetAnswer(slow, &slowStore)
		if err := json.Unmarshal(body, slow); err != nil {
			t.Fatalf("%s: scanAnswer decodes %q, which json.Unmarshal refuses: %v", st.op.Name, body, err)
		}
		st.absentAnswer(slow)
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("%s: scanAnswer(%q) = %+v, json.Unmarshal gives %+v", st.op.Name, body, fast, slow)
		}
	})
}

// TestScanAnswerTakesECPayAnswers checks that the flat answers ECPay writes
// take scanAnswer's way.
func TestScanAnswerTakesECPayAnswers(t *testing.T) {
	ops, err := loadOperations()
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range ops {
		if st.op.Name != "Issue" && st.op.Name != "CancelDelayIssue" && st.op.Name != "TriggerIssue" {
			continue
		}
		if !st.scan {
			t.Errorf("%s: the answer type is flat, but scanAnswer is off", st.op.Name)
			continue
		}
		var store answerStore
		resp := st.newResponse()
		st.presetAnswer(resp, &store)
		if !st.scanAnswer([]byte(`{"RtnCode":1,"RtnMsg":"開立發票成功"}`), resp) {
			t.Errorf("%s: scanAnswer refuses a plain answer", st.op.Name)
		}
	}
}
