package batch

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"syscall"
	"testing"

	"github.com/ecpay-go/einvoice/wrapper"
)

func TestNewAnswer(t *testing.T) {
	refused := &wrapper.TransportError{Err: syscall.ECONNREFUSED}
	timeout := &wrapper.TransportError{Err: context.DeadlineExceeded}
	tests := map[string]struct {
		err       error
		kind      string
		final     bool
		maybeSent bool
		code      int
	}{
		"validation":         {&wrapper.ValidationError{Field: "Tsr", Rule: "maxLength"}, wrapper.KindValidation, true, false, ExitInvalid},
		"http":               {&wrapper.HTTPError{StatusCode: http.StatusForbidden}, wrapper.KindHTTP, false, false, ExitFailure},
		"trans":              {&wrapper.TransError{TransCode: 9}, wrapper.KindTrans, true, false, ExitRefused},
		"api":                {&wrapper.APIError{RtnCode: 9}, wrapper.KindAPI, true, false, ExitRefused},
		"decode":             {&wrapper.DecodeError{Problem: "x"}, wrapper.KindDecode, false, true, ExitFailure},
		"connection refused": {refused, wrapper.KindTransport, false, false, ExitFailure},
		"timeout":            {timeout, wrapper.KindTransport, false, true, ExitFailure},
		"of no known type":   {errors.New("x"), wrapper.KindTransport, false, true, ExitFailure},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			r := Result{Key: "T", KeyMember: "tsr", Answer: NewAnswer(nil, tt.err, 0)}
			if r.OK || r.Error == nil || r.Error.Kind != tt.kind || r.Final() != tt.final || r.Error.MaybeSent != tt.maybeSent || r.exitCode() != tt.code {
				t.Errorf("got %+v %+v final=%t code=%d", r, r.Error, r.Final(), r.exitCode())
			}
		})
	}
	ok := Result{Key: "T", KeyMember: "tsr", Answer: NewAnswer(&wrapper.Result[json.RawMessage]{RtnCode: 4000004, RtnMsg: "m"}, nil, 0)}
	if !ok.OK || !ok.Final() || ok.exitCode() != ExitOK || *ok.RtnCode != 4000004 {
		t.Errorf("success: %+v", ok)
	}
}

// A line names its key first, under the operation's member, as the Tsr
// batches always wrote it, and reads back the same.
func TestResultLineNamesItsKeyFirst(t *testing.T) {
	code, msg := 1, "成功 <ok> & done"
	tests := map[string]struct {
		r    Result
		want string
	}{
		"a Tsr, as before the key was the operation's": {
			Result{Key: "T<1>", KeyMember: "tsr", Answer: Answer{OK: true, RtnCode: &code, RtnMsg: &msg}, Resent: true},
			`{"tsr":"T<1>","ok":true,"rtn_code":1,"rtn_msg":"成功 <ok> & done","resent":true}`,
		},
		"a RelateNumber with its invoice": {
			Result{Key: "R1", KeyMember: "relate_number", Answer: Answer{OK: true}, Issued: Issued{InvoiceNo: "AB12345678", InvoiceDate: "2026-12-07 10:00:00", RandomNumber: "0420"}, Outcome: OutcomeIssuedEarlier},
			`{"relate_number":"R1","ok":true,"invoice_no":"AB12345678","invoice_date":"2026-12-07 10:00:00","random_number":"0420","outcome":"issued_earlier"}`,
		},
		"a refusal": {
			IssueOperation().invalidResult("\ufffd(line 3)", "line 3 of f is not a JSON object"),
			`{"relate_number":"` + "\ufffd" + `(line 3)","ok":false,"error":{"kind":"validation","message":"line 3 of f is not a JSON object"}}`,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			r := tt.r
			line := encodeResult(&r).String()
			if line != tt.want+"\n" {
				t.Fatalf("line\n %s\nwant\n %s", line, tt.want)
			}
			var back Result
			if err := json.Unmarshal([]byte(line), &back); err != nil {
				t.Fatal(err)
			}
			if again := encodeResult(&back).String(); again != line {
				t.Errorf("read back as\n %s", again)
			}
			var rec Record
			if err := json.Unmarshal([]byte(line), &rec); err != nil || rec.Key != tt.r.Key {
				t.Errorf("as a record: %+v, %v", rec, err)
			}
		})
	}
	for _, bad := range []string{`{"ok":true,"tsr":"T"}`, `{"tsr":1,"ok":true}`, `[]`, `{}`} {
		var r Result
		if err := json.Unmarshal([]byte(bad), &r); err == nil {
			t.Errorf("%s reads as %+v: a line starts with its key", bad, r)
		}
	}
	if got := string(intentLine("relate_number", "R<1>")); got != `{"relate_number":"R\u003c1\u003e","sending":true}`+"\n" {
		t.Errorf("intent line %q", got)
	}
}
