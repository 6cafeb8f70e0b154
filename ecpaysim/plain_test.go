package ecpaysim_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/ecpaysim/ecpaysimtest"
	"github.com/ecpay-go/einvoice/generated/registry"
)

// ECPay answers GetIssueList's Data as a plain JSON object, not the
// encrypted string of its page (x-ecpay-answer-data: plain in its overlay),
// and so does the simulator, its refusals included, recording the object as
// the answer's plaintext; every other operation's Data stays the encrypted
// string, and none of these answers is a violation.
func TestOnlyAPlainOperationAnswersItsDataPlain(t *testing.T) {
	sim := ecpaysimtest.NewServer(t, ecpaysim.WithClock(fixedClock))
	dataOf := func(t *testing.T, op *registry.Operation) json.RawMessage {
		t.Helper()
		status, body := do(t, http.MethodPost, sim.URL+op.Path, "application/json", bytes.NewReader(request(t, op, "T1")))
		var env struct {
			TransCode int
			Data      json.RawMessage
		}
		if err := json.Unmarshal(body, &env); err != nil || status != http.StatusOK || env.TransCode != ecpaysim.TransCodeOK {
			t.Fatalf("HTTP %d %s (%v), want TransCode 1", status, body, err)
		}
		return env.Data
	}
	for _, op := range registry.All() {
		t.Run(op.Name, func(t *testing.T) {
			data := dataOf(t, op)
			if isObject := bytes.HasPrefix(data, []byte("{")); isObject != op.PlainAnswerData {
				t.Fatalf("Data %s: a JSON object is %v, want %v (PlainAnswerData)", data, isObject, op.PlainAnswerData)
			}
			if !op.PlainAnswerData {
				return
			}
			// The page's answer as the simulator also records it.
			recorded := sim.Requests()
			last := recorded[len(recorded)-1].Answer
			if !bytes.Equal(last.Plaintext, data) || last.Envelope == nil || last.Envelope.Data != nil || last.RtnCode != 1 {
				t.Errorf("recorded Plaintext %s, envelope Data %v, RtnCode %d; want the Data sent, no Data string, 1", last.Plaintext, last.Envelope, last.RtnCode)
			}
			// A refusal is plain too.
			if err := sim.InjectNext(ecpaysim.Fault{RtnCode: 9999999}); err != nil {
				t.Fatal(err)
			}
			var refusal struct{ RtnCode int }
			if data := dataOf(t, op); json.Unmarshal(data, &refusal) != nil || refusal.RtnCode != 9999999 {
				t.Errorf("refusal Data %s, want a plain object with RtnCode 9999999", data)
			}
		})
	}
	if v := sim.Violations(); len(v) != 0 {
		t.Errorf("violations: %v", v)
	}
}
