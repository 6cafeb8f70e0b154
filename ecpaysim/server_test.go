package ecpaysim_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/ecpaysim/ecpaysimtest"
	"github.com/ecpay-go/einvoice/ecpaysim/internal/simtest"
	"github.com/ecpay-go/einvoice/generated/canceldelayissue"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/wrapper"
)

// A second merchant some tests configure.
const (
	otherMerchant = simtest.OtherMerchant
	otherKey      = simtest.OtherKey
	otherIV       = simtest.OtherIV
)

// pendingAnswer is op's RtnCode for a request naming a pending invoice that
// waits for a trigger with DelayDay 0, and the status it leaves the invoice
// in: the lifecycle for CancelDelayIssue and TriggerIssue; for the
// operations on issued invoices, whose mocked request names none the
// simulator issued, their not-found code; the default answer (the first
// success code, nothing changed) for an operation without a lifecycle;
// DelayIssue finds its Tsr stored already.
func pendingAnswer(op *registry.Operation) (int, ecpaysim.InvoiceStatus) {
	switch op {
	case cancelOp:
		return wrapper.RtnCodeOK, ecpaysim.StatusCancelled
	case triggerOp:
		return wrapper.RtnCodeIssued, ecpaysim.StatusIssued
	case registry.GetIssue, registry.Invalid, registry.GetInvalid, registry.VoidWithReIssue,
		registry.Allowance, registry.AllowanceByCollegiate, registry.InvoiceNotify, registry.InvoicePrint:
		return wrapper.RtnCodeInvoiceNotFound, ecpaysim.StatusPending
	case registry.AllowanceInvalid, registry.AllowanceInvalidByCollegiate, registry.GetAllowance, registry.GetAllowanceInvalid:
		return wrapper.RtnCodeAllowanceNotFound, ecpaysim.StatusPending
	case registry.DelayIssue:
		return ecpaysim.RtnCodeRuleBroken, ecpaysim.StatusPending // the Tsr is stored already
	}
	return op.Successes()[0].Code, ecpaysim.StatusPending
}

// Every operation checks its envelope, Timestamp, Data and inner Data the
// same way; a request that passes them all reaches the operation.
func TestEnvelopeChecks(t *testing.T) {
	const tsr = "201909170001"
	type body = func(t *testing.T, op *registry.Operation) []byte
	inner := func(op *registry.Operation, edits ...func(map[string]any)) string {
		return innerJSON(op, ecpaysim.StageMerchantID, tsr, edits...)
	}
	withInner := func(edits ...func(map[string]any)) body {
		return func(t *testing.T, op *registry.Operation) []byte {
			return envelope(testNow, stageData(t, inner(op, edits...)))
		}
	}
	withEnvelope := func(edits ...func(map[string]any)) body {
		return func(t *testing.T, op *registry.Operation) []byte {
			return envelope(testNow, stageData(t, inner(op)), edits...)
		}
	}
	at := func(d time.Duration) body {
		return func(t *testing.T, op *registry.Operation) []byte {
			return envelope(testNow.Add(d), stageData(t, inner(op)))
		}
	}
	raw := func(format string) body {
		return func(t *testing.T, op *registry.Operation) []byte {
			return fmt.Appendf(nil, format, stageData(t, inner(op)))
		}
	}
	tests := []struct {
		name string
		body body
		// accepted: the request passes every check and gets op's answer
		// for the pending invoice (pendingAnswer).
		accepted      bool
		wantTransCode int
		wantMsg       string
		// member, when set, is the inner member the case is about: it runs
		// only for an operation whose request Data has it, and required
		// only for one whose page requires it (a page without an overlay
		// of its own requires nothing).
		member   string
		required bool
	}{
		{name: "valid request", body: withInner(), accepted: true},
		{
			name: "unknown merchant",
			body: func(t *testing.T, op *registry.Operation) []byte {
				return envelope(testNow, stageData(t, innerJSON(op, "9999999", tsr)), func(env map[string]any) { env["MerchantID"] = "9999999" })
			},
			wantTransCode: ecpaysim.TransCodeUnknownMerchant, wantMsg: "not a merchant",
		},
		{name: "timestamp 11 minutes in the past", body: at(-11 * time.Minute), wantTransCode: ecpaysim.TransCodeTimestampOutOfRange, wantMsg: "10 minutes"},
		{name: "timestamp 11 minutes in the future", body: at(11 * time.Minute), wantTransCode: ecpaysim.TransCodeTimestampOutOfRange, wantMsg: "10 minutes"},
		{name: "timestamp 9 minutes in the past is accepted", body: at(-9 * time.Minute), accepted: true},
		{name: "timestamp 9 minutes in the future is accepted", body: at(9 * time.Minute), accepted: true},
		{name: "timestamp exactly 10 minutes away is accepted", body: at(-10 * time.Minute), accepted: true},
		{name: "timestamp shifted by GMT+8 is refused", body: at(8 * time.Hour), wantTransCode: ecpaysim.TransCodeTimestampOutOfRange, wantMsg: "10 minutes"},
		{
			name: "Data under another key",
			body: func(t *testing.T, op *registry.Operation) []byte {
				return envelope(testNow, encrypt(t, otherKey, otherIV, inner(op)))
			},
			wantTransCode: ecpaysim.TransCodeUndecryptableData, wantMsg: "does not decrypt",
		},
		{
			name:          "Data not base64",
			body:          func(*testing.T, *registry.Operation) []byte { return envelope(testNow, "not base64!") },
			wantTransCode: ecpaysim.TransCodeUndecryptableData, wantMsg: "not standard base64",
		},
		{
			name:          "Data not whole AES blocks",
			body:          func(*testing.T, *registry.Operation) []byte { return envelope(testNow, "AAAA") },
			wantTransCode: ecpaysim.TransCodeUndecryptableData, wantMsg: "AES blocks",
		},
		{
			name:          "Data the page's placeholder",
			body:          func(*testing.T, *registry.Operation) []byte { return envelope(testNow, "加密資料") },
			wantTransCode: ecpaysim.TransCodeUndecryptableData, wantMsg: "not standard base64",
		},
		{
			name:          "inner MerchantID differs from the envelope's",
			body:          withInner(func(d map[string]any) { d["MerchantID"] = otherMerchant }),
			wantTransCode: ecpaysim.TransCodeMerchantMismatch, wantMsg: "differs",
			member: "MerchantID",
		},
		{
			name:          "inner Tsr empty",
			body:          withInner(func(d map[string]any) { d["Tsr"] = "" }),
			wantTransCode: ecpaysim.TransCodeInvalidData, wantMsg: "minLength",
			member: "Tsr", required: true,
		},
		{
			name:          "inner Tsr 31 characters",
			body:          withInner(func(d map[string]any) { d["Tsr"] = strings.Repeat("1", 31) }),
			wantTransCode: ecpaysim.TransCodeInvalidData, wantMsg: "maxLength",
			member: "Tsr",
		},
		{
			name:          "inner Tsr missing",
			body:          withInner(func(d map[string]any) { delete(d, "Tsr") }),
			wantTransCode: ecpaysim.TransCodeInvalidData, wantMsg: "Tsr",
			member: "Tsr", required: true,
		},
		{
			name:          "inner MerchantID missing",
			body:          withInner(func(d map[string]any) { delete(d, "MerchantID") }),
			wantTransCode: ecpaysim.TransCodeInvalidData, wantMsg: "MerchantID",
			member: "MerchantID", required: true,
		},
		{
			name:          "inner Tsr a number",
			body:          withInner(func(d map[string]any) { d["Tsr"] = 201909170001 }),
			wantTransCode: ecpaysim.TransCodeInvalidData, wantMsg: "must be a string",
			member: "Tsr",
		},
		{
			name: "inner Data not JSON",
			body: func(t *testing.T, _ *registry.Operation) []byte {
				return envelope(testNow, stageData(t, `MerchantID=2000132&Tsr=1`))
			},
			wantTransCode: ecpaysim.TransCodeInvalidData, wantMsg: "not JSON",
		},
		{
			name:          "inner Data empty",
			body:          func(t *testing.T, _ *registry.Operation) []byte { return envelope(testNow, stageData(t, ``)) },
			wantTransCode: ecpaysim.TransCodeInvalidData, wantMsg: "not JSON",
		},
		{
			name: "inner Data with lowercase urlencoding",
			body: func(*testing.T, *registry.Operation) []byte {
				// ECPay's .NET sample encodes %xx in lowercase; PHP in uppercase.
				return envelope(testNow, "ZD/z07UvdmL3aYz0tsVo+bFXF5VldNcns6ezyfea777KOmLiizrUNDYe+v1bh2QTT4AySf1NICgXxWXB6f7c6A==")
			},
			// {"Name":"Test","ID":"A123456789"}: decrypts, then fails the schema.
			wantTransCode: ecpaysim.TransCodeInvalidData, wantMsg: `property "MerchantID" is missing`,
			member: "MerchantID", required: true,
		},
		{
			name:     "RqHeader.Revision is accepted",
			body:     withEnvelope(func(env map[string]any) { env["RqHeader"].(map[string]any)["Revision"] = "3.0.0" }),
			accepted: true,
		},
		{name: "PlatformID is accepted", body: withEnvelope(func(env map[string]any) { env["PlatformID"] = "3002607" }), accepted: true},
		{name: "empty PlatformID is accepted", body: withEnvelope(func(env map[string]any) { env["PlatformID"] = "" }), accepted: true},
		{
			name:          "PlatformID 11 characters",
			body:          withEnvelope(func(env map[string]any) { env["PlatformID"] = "12345678901" }),
			wantTransCode: ecpaysim.TransCodeInvalidEnvelope, wantMsg: "PlatformID",
		},
		{
			name:          "envelope without Data",
			body:          withEnvelope(func(env map[string]any) { delete(env, "Data") }),
			wantTransCode: ecpaysim.TransCodeInvalidEnvelope, wantMsg: "Data",
		},
		{
			name:          "envelope with empty Data",
			body:          func(*testing.T, *registry.Operation) []byte { return envelope(testNow, "") },
			wantTransCode: ecpaysim.TransCodeInvalidEnvelope, wantMsg: "/Data",
		},
		{
			name:          "envelope without RqHeader",
			body:          withEnvelope(func(env map[string]any) { delete(env, "RqHeader") }),
			wantTransCode: ecpaysim.TransCodeInvalidEnvelope, wantMsg: "RqHeader",
		},
		{
			name:          "envelope with an empty MerchantID",
			body:          withEnvelope(func(env map[string]any) { env["MerchantID"] = "" }),
			wantTransCode: ecpaysim.TransCodeInvalidEnvelope, wantMsg: "MerchantID",
		},
		{
			name:          "envelope MerchantID a number",
			body:          withEnvelope(func(env map[string]any) { env["MerchantID"] = 2000132 }),
			wantTransCode: ecpaysim.TransCodeInvalidEnvelope, wantMsg: "must be a string",
		},
		{
			name:          "Timestamp a string",
			body:          withEnvelope(func(env map[string]any) { env["RqHeader"] = map[string]any{"Timestamp": "1735787045"} }),
			wantTransCode: ecpaysim.TransCodeInvalidEnvelope, wantMsg: "must be an integer",
		},
		{
			name:          "Timestamp with a fraction",
			body:          withEnvelope(func(env map[string]any) { env["RqHeader"] = map[string]any{"Timestamp": 1735787045.5} }),
			wantTransCode: ecpaysim.TransCodeInvalidEnvelope, wantMsg: "must be an integer",
		},
		{
			name:          "Timestamp in exponent notation",
			body:          raw(`{"MerchantID":"2000132","RqHeader":{"Timestamp":1.735787045e9},"Data":%q}`),
			wantTransCode: ecpaysim.TransCodeInvalidEnvelope, wantMsg: "Timestamp",
		},
		{
			name:          "Timestamp beyond int64",
			body:          raw(`{"MerchantID":"2000132","RqHeader":{"Timestamp":99999999999999999999},"Data":%q}`),
			wantTransCode: ecpaysim.TransCodeInvalidEnvelope, wantMsg: "Timestamp",
		},
		{
			name:          "Timestamp far in the past",
			body:          raw(`{"MerchantID":"2000132","RqHeader":{"Timestamp":-9223372036854775808},"Data":%q}`),
			wantTransCode: ecpaysim.TransCodeTimestampOutOfRange, wantMsg: "10 minutes",
		},
		{
			name:          "JSON array",
			body:          func(*testing.T, *registry.Operation) []byte { return []byte(`[]`) },
			wantTransCode: ecpaysim.TransCodeInvalidEnvelope, wantMsg: "must be an object",
		},
		{
			name:          "JSON null",
			body:          func(*testing.T, *registry.Operation) []byte { return []byte(`null`) },
			wantTransCode: ecpaysim.TransCodeInvalidEnvelope, wantMsg: "not nullable",
		},
	}
	for _, op := range registry.All() {
		t.Run(op.Name, func(t *testing.T) {
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					if has, required := requestMember(op, tt.member); tt.member != "" && (!has || tt.required && !required) {
						t.Skipf("%s's request Data does not have or require %s", op.Name, tt.member)
					}
					sim := ecpaysimtest.NewServer(t, ecpaysim.WithClock(fixedClock),
						ecpaysim.WithMerchant(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV),
						ecpaysim.WithMerchant(otherMerchant, otherKey, otherIV))
					mustAdd(t, sim, ecpaysim.StageMerchantID, tsr)
					body := tt.body(t, op)
					got := postJSON(t, op, sim.URL, body)

					wantTransCode, wantMsg := tt.wantTransCode, tt.wantMsg
					wantRtnCode, wantStatus := 0, ecpaysim.StatusPending
					if tt.accepted {
						wantTransCode = ecpaysim.TransCodeOK
						wantRtnCode, wantStatus = pendingAnswer(op)
						if wantRtnCode == ecpaysim.RtnCodeRuleBroken {
							wantMsg = "is already stored"
						} else {
							wantMsg = rtnMsg(t, op, wantRtnCode)
						}
					}
					if got.status != http.StatusOK {
						t.Fatalf("HTTP %d, want 200: %s", got.status, got.body)
					}
					if got.transCode() != wantTransCode {
						t.Fatalf("TransCode %d, want %d: %s", got.transCode(), wantTransCode, got.body)
					}
					if ts := got.env.RpHeader.Timestamp; ts == nil || int64(*ts) != testNow.Unix() {
						t.Errorf("RpHeader.Timestamp = %v, want %d", ts, testNow.Unix())
					}
					msg := got.transMsg()
					if tt.accepted {
						if got.rtnCode() != wantRtnCode {
							t.Errorf("RtnCode %d, want %d (%s)", got.rtnCode(), wantRtnCode, got.rtnMsg())
						}
						msg = got.rtnMsg()
					}
					if !strings.Contains(msg, wantMsg) {
						t.Errorf("message %q, want it to contain %q", msg, wantMsg)
					}
					if st, _ := sim.Status(ecpaysim.StageMerchantID, tsr); st != wantStatus {
						t.Errorf("Status(%s) = %s, want %s", tsr, st, wantStatus)
					}
					if got.env.MerchantID != nil && *got.env.MerchantID == "" {
						t.Error("answer echoes an empty MerchantID")
					}
					reqs := sim.Requests()
					last := reqs[len(reqs)-1]
					if last.Operation != op.Name || !bytes.Equal(last.Body, body) || last.Answer.TransCode != wantTransCode || !bytes.Equal(last.Answer.Body, got.body) {
						t.Errorf("Requests() recorded %+v for this exchange", last)
					}
				})
			}
		})
	}
}

// Requests records the operation, the envelope, the decrypted Data and the
// answer, and the answer echoes the request's MerchantID and PlatformID.
func TestRequestsRecordsTheExchange(t *testing.T) {
	sim := ecpaysimtest.NewServer(t, ecpaysim.WithClock(fixedClock))
	mustAdd(t, sim, ecpaysim.StageMerchantID, "TSR1")
	inner := innerJSON(cancelOp, ecpaysim.StageMerchantID, "TSR1")
	body := envelope(testNow, stageData(t, inner), func(env map[string]any) { env["PlatformID"] = "3002607" })
	got := postJSON(t, cancelOp, sim.URL, body)
	if got.env.MerchantID == nil || *got.env.MerchantID != ecpaysim.StageMerchantID ||
		got.env.PlatformID == nil || *got.env.PlatformID != "3002607" {
		t.Errorf("answer does not echo MerchantID and PlatformID: %s", got.body)
	}

	reqs := sim.Requests()
	if len(reqs) != 1 {
		t.Fatalf("Requests() has %d entries, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Operation != cancelOp.Name || !r.Received.Equal(testNow) || r.Truncated {
		t.Errorf("Operation %q, Received %v, Truncated %v; want %s, %v, false", r.Operation, r.Received, r.Truncated, cancelOp.Name, testNow)
	}
	if r.Envelope == nil || r.Envelope.MerchantID != ecpaysim.StageMerchantID || r.Envelope.PlatformID == nil || *r.Envelope.PlatformID != "3002607" {
		t.Errorf("Envelope = %+v", r.Envelope)
	}
	if string(r.Plaintext) != inner {
		t.Errorf("Plaintext = %q, want %q", r.Plaintext, inner)
	}
	if data, ok := r.Data.(*canceldelayissue.RequestData); !ok || data.Tsr != "TSR1" || data.MerchantID != ecpaysim.StageMerchantID {
		t.Errorf("Data = %#v, want a *canceldelayissue.RequestData", r.Data)
	}
	a := r.Answer
	if a.StatusCode != http.StatusOK || a.TransCode != ecpaysim.TransCodeOK || a.RtnCode != wrapper.RtnCodeOK ||
		a.Envelope == nil || a.Data["RtnMsg"] != rtnMsg(t, cancelOp, wrapper.RtnCodeOK) || !bytes.Equal(a.Body, got.body) {
		t.Errorf("Answer = %+v", a)
	}
	if !bytes.Equal(a.Plaintext, got.plaintext) {
		t.Errorf("Answer.Plaintext = %s, want %s as sent", a.Plaintext, got.plaintext)
	}
	if r.Fault != nil || a.Abandoned {
		t.Errorf("Fault = %v, Abandoned = %v", r.Fault, a.Abandoned)
	}
	invoices := sim.Invoices()
	want := ecpaysim.Invoice{MerchantID: ecpaysim.StageMerchantID, Tsr: "TSR1", DelayFlag: ecpaysim.DelayTrigger, Status: ecpaysim.StatusCancelled, CancelRequests: 1}
	if len(invoices) != 1 || invoices[0] != want {
		t.Errorf("Invoices() = %+v, want [%+v]", invoices, want)
	}
}

// Bodies that are not JSON requests get an HTTP 4xx, not an ECPay answer,
// and the server keeps serving.
func TestNonJSONRequestsGet4xx(t *testing.T) {
	big := append([]byte(`{"MerchantID":"2000132","Data":"`), bytes.Repeat([]byte("A"), ecpaysim.MaxBodyBytes)...)
	big = append(big, `"}`...)
	tests := []struct {
		name        string
		method      string
		path        string
		contentType string
		body        func() io.Reader
		want        int
	}{
		{"not JSON", http.MethodPost, cancelOp.Path, "application/json", func() io.Reader { return strings.NewReader("MerchantID=2000132") }, http.StatusBadRequest},
		{"truncated JSON", http.MethodPost, cancelOp.Path, "application/json", func() io.Reader { return strings.NewReader(`{"MerchantID":`) }, http.StatusBadRequest},
		{"JSON then garbage", http.MethodPost, triggerOp.Path, "application/json", func() io.Reader { return strings.NewReader(`{} {}`) }, http.StatusBadRequest},
		{"empty body", http.MethodPost, cancelOp.Path, "application/json", func() io.Reader { return http.NoBody }, http.StatusBadRequest},
		{"binary", http.MethodPost, triggerOp.Path, "application/json", func() io.Reader { return bytes.NewReader([]byte{0xff, 0xfe, 0, 1}) }, http.StatusBadRequest},
		{"text/plain", http.MethodPost, cancelOp.Path, "text/plain", func() io.Reader { return bytes.NewReader(cancelRequest(t, "T")) }, http.StatusUnsupportedMediaType},
		{"form", http.MethodPost, triggerOp.Path, "application/x-www-form-urlencoded", func() io.Reader { return strings.NewReader("a=b") }, http.StatusUnsupportedMediaType},
		{"no Content-Type", http.MethodPost, cancelOp.Path, "", func() io.Reader { return bytes.NewReader(cancelRequest(t, "T")) }, http.StatusUnsupportedMediaType},
		{"bad Content-Type", http.MethodPost, cancelOp.Path, "application/json; =", func() io.Reader { return bytes.NewReader(cancelRequest(t, "T")) }, http.StatusUnsupportedMediaType},
		{"over 1 MiB", http.MethodPost, cancelOp.Path, "application/json", func() io.Reader { return bytes.NewReader(big) }, http.StatusRequestEntityTooLarge},
		{"over 1 MiB chunked", http.MethodPost, triggerOp.Path, "application/json", func() io.Reader { return io.MultiReader(bytes.NewReader(big)) }, http.StatusRequestEntityTooLarge},
		{"GET", http.MethodGet, cancelOp.Path, "", func() io.Reader { return http.NoBody }, http.StatusMethodNotAllowed},
		{"other path", http.MethodPost, "/B2CInvoice/NoSuchOperation", "application/json", func() io.Reader { return strings.NewReader(`{}`) }, http.StatusNotFound},
		{"trailing slash", http.MethodPost, cancelOp.Path + "/", "application/json", func() io.Reader { return strings.NewReader(`{}`) }, http.StatusNotFound},
	}
	const unrecorded = 3 // GET and the other paths are not requests to an operation
	sim := ecpaysimtest.NewServer(t, ecpaysim.WithClock(fixedClock))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := do(t, tt.method, sim.URL+tt.path, tt.contentType, tt.body())
			if status != tt.want {
				t.Errorf("HTTP %d, want %d: %s", status, tt.want, body)
			}
			// Still serving, and a 4xx used up no fault.
			mustAdd(t, sim, ecpaysim.StageMerchantID, "OK-"+tt.name)
			if got := postJSON(t, cancelOp, sim.URL, cancelRequest(t, "OK-"+tt.name)); got.rtnCode() != wrapper.RtnCodeOK {
				t.Errorf("the next request failed: %s", got.body)
			}
		})
	}
	if got, want := len(sim.Requests()), 2*len(tests)-unrecorded; got != want {
		t.Errorf("Requests() has %d entries, want %d", got, want)
	}
}

func TestAddInvoice(t *testing.T) {
	sim := ecpaysimtest.NewServer(t, ecpaysim.WithClock(fixedClock))
	mustAdd(t, sim, ecpaysim.StageMerchantID, "DUP")
	tests := []struct {
		name string
		inv  ecpaysim.DelayedInvoice
		want error
		// wantFlag is the DelayFlag registered.
		wantFlag ecpaysim.DelayFlag
	}{
		{"new", ecpaysim.DelayedInvoice{MerchantID: ecpaysim.StageMerchantID, Tsr: "NEW"}, nil, ecpaysim.DelayTrigger},
		{"scheduled", ecpaysim.DelayedInvoice{MerchantID: ecpaysim.StageMerchantID, Tsr: "S1", DelayFlag: ecpaysim.DelayScheduled, DelayDay: 7}, nil, ecpaysim.DelayScheduled},
		{"trigger with days", ecpaysim.DelayedInvoice{MerchantID: ecpaysim.StageMerchantID, Tsr: "T3", DelayFlag: ecpaysim.DelayTrigger, DelayDay: 3}, nil, ecpaysim.DelayTrigger},
		{"30 characters", ecpaysim.DelayedInvoice{MerchantID: ecpaysim.StageMerchantID, Tsr: strings.Repeat("9", 30)}, nil, ecpaysim.DelayTrigger},
		{"unicode counts characters", ecpaysim.DelayedInvoice{MerchantID: ecpaysim.StageMerchantID, Tsr: strings.Repeat("單", 30)}, nil, ecpaysim.DelayTrigger},
		{"duplicate", ecpaysim.DelayedInvoice{MerchantID: ecpaysim.StageMerchantID, Tsr: "DUP"}, ecpaysim.ErrDuplicateInvoice, ""},
		{"unknown merchant", ecpaysim.DelayedInvoice{MerchantID: "1", Tsr: "X"}, ecpaysim.ErrUnknownMerchant, ""},
		{"empty Tsr", ecpaysim.DelayedInvoice{MerchantID: ecpaysim.StageMerchantID}, ecpaysim.ErrInvalidTsr, ""},
		{"31 characters", ecpaysim.DelayedInvoice{MerchantID: ecpaysim.StageMerchantID, Tsr: strings.Repeat("9", 31)}, ecpaysim.ErrInvalidTsr, ""},
		{"DelayFlag 3", ecpaysim.DelayedInvoice{MerchantID: ecpaysim.StageMerchantID, Tsr: "F3", DelayFlag: "3"}, ecpaysim.ErrInvalidDelay, ""},
		{"negative DelayDay", ecpaysim.DelayedInvoice{MerchantID: ecpaysim.StageMerchantID, Tsr: "D-1", DelayDay: -1}, ecpaysim.ErrInvalidDelay, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := sim.AddInvoice(tt.inv)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("AddInvoice(%+v) = %v, want %v", tt.inv, err, tt.want)
			}
			if err != nil {
				if tt.want != ecpaysim.ErrDuplicateInvoice {
					if _, ok := sim.Status(tt.inv.MerchantID, tt.inv.Tsr); ok {
						t.Errorf("a refused invoice was registered")
					}
				}
				return
			}
			inv := sim.Invoices()[len(sim.Invoices())-1]
			want := ecpaysim.Invoice{MerchantID: tt.inv.MerchantID, Tsr: tt.inv.Tsr, DelayFlag: tt.wantFlag, DelayDay: tt.inv.DelayDay, Status: ecpaysim.StatusPending}
			if tt.wantFlag == ecpaysim.DelayScheduled {
				want.IssueAt = testNow.AddDate(0, 0, tt.inv.DelayDay)
			}
			if inv != want {
				t.Errorf("registered %+v, want %+v", inv, want)
			}
		})
	}
	// AddDelayedInvoice is AddInvoice with the defaults.
	if err := sim.AddDelayedInvoice(ecpaysim.StageMerchantID, "DUP"); !errors.Is(err, ecpaysim.ErrDuplicateInvoice) {
		t.Errorf("AddDelayedInvoice of a duplicate = %v", err)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	const secretKey, secretIV = "SECRETKEY123456", "SECRETIV12345678"
	tests := []struct {
		name string
		opts []ecpaysim.Option
		want string
	}{
		{"short key", []ecpaysim.Option{ecpaysim.WithMerchant("2000132", secretKey, secretIV)}, "HashKey is 15 bytes"},
		{"long IV", []ecpaysim.Option{ecpaysim.WithMerchant("2000132", otherKey, secretIV+"X")}, "HashIV is 17 bytes"},
		{"empty merchant", []ecpaysim.Option{ecpaysim.WithMerchant("", otherKey, otherKey)}, "1 to 10 characters"},
		{"long merchant", []ecpaysim.Option{ecpaysim.WithMerchant("12345678901", otherKey, otherKey)}, "1 to 10 characters"},
		{"merchant twice", []ecpaysim.Option{
			ecpaysim.WithMerchant("1", otherKey, otherKey),
			ecpaysim.WithMerchant("1", otherKey, otherKey),
		}, "configured twice"},
		{"nil clock", []ecpaysim.Option{ecpaysim.WithClock(nil)}, "non-nil"},
		{"negative request limit", []ecpaysim.Option{ecpaysim.WithRequestLimit(-1)}, "WithRequestLimit(-1)"},
		{"request bytes below one record", []ecpaysim.Option{ecpaysim.WithRequestBytes(ecpaysim.MaxRecordBytes - 1)}, "one record's worth"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, err := ecpaysim.New(tt.opts...)
			if err == nil || sim != nil {
				t.Fatalf("New() = %v, %v; want an error", sim, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), secretKey) || strings.Contains(err.Error(), secretIV) {
				t.Errorf("error %q contains a key", err)
			}
			if strings.Contains(err.Error(), "ecpaysim: ecpaysim:") {
				t.Errorf("error %q repeats its prefix", err)
			}
		})
	}
}

func TestDefaultMerchantIsStage(t *testing.T) {
	sim, err := ecpaysim.New()
	if err != nil {
		t.Fatal(err)
	}
	if got := sim.Merchants(); len(got) != 1 || got[0] != ecpaysim.StageMerchantID {
		t.Errorf("Merchants() = %v, want [%s]", got, ecpaysim.StageMerchantID)
	}
	merchants, err := ecpaysim.Configured()
	if err != nil || len(merchants) != 1 || merchants[0] != (ecpaysim.Merchant{ID: ecpaysim.StageMerchantID, HashKey: ecpaysim.StageHashKey, HashIV: ecpaysim.StageHashIV}) {
		t.Errorf("Configured() = %+v, %v", merchants, err)
	}
}
