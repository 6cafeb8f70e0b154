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
