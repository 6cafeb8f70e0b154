package ecpaysim_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaysim"
)

const otherMerchant = "3085340" // a second merchant some tests configure

func TestCancelDelayIssue(t *testing.T) {
	const tsr = "201909170001"
	inner := innerJSON(ecpaysim.StageMerchantID, tsr)
	tests := []struct {
		name string
		// setup prepares the simulator, which has tsr registered.
		setup         func(t *testing.T, sim *ecpaysim.TestServer)
		body          func(t *testing.T) []byte
		wantTransCode int
		wantRtnCode   int // with TransCodeOK
		wantMsg       string
		wantCancelled bool
	}{
		{
			name:          "registered Tsr is cancelled",
			body:          func(t *testing.T) []byte { return cancelRequest(t, tsr) },
			wantTransCode: ecpaysim.TransCodeOK, wantRtnCode: ecpaysim.RtnCodeOK, wantMsg: ecpaysim.RtnMsgOK, wantCancelled: true,
		},
		{
			name:          "unknown Tsr",
			body:          func(t *testing.T) []byte { return cancelRequest(t, "NOSUCHTSR") },
			wantTransCode: ecpaysim.TransCodeOK, wantRtnCode: ecpaysim.RtnCodeUnknownTsr, wantMsg: ecpaysim.RtnMsgUnknownTsr,
		},
		{
			name: "already cancelled Tsr",
			setup: func(t *testing.T, sim *ecpaysim.TestServer) {
				if got := postJSON(t, sim.URL, cancelRequest(t, tsr)); got.rtnCode() != ecpaysim.RtnCodeOK {
					t.Fatalf("first cancel: %s", got.body)
				}
			},
			body:          func(t *testing.T) []byte { return cancelRequest(t, tsr) },
			wantTransCode: ecpaysim.TransCodeOK, wantRtnCode: ecpaysim.RtnCodeAlreadyCancelled, wantMsg: ecpaysim.RtnMsgAlreadyCancelled, wantCancelled: true,
		},
		{
			name: "Tsr of another merchant",
			body: func(t *testing.T) []byte {
				return envelope(testNow, encrypt(t, "1234567890abcdef", "fedcba0987654321", innerJSON(otherMerchant, tsr)),
					func(env map[string]any) { env["MerchantID"] = otherMerchant })
			},
			wantTransCode: ecpaysim.TransCodeOK, wantRtnCode: ecpaysim.RtnCodeUnknownTsr, wantMsg: ecpaysim.RtnMsgUnknownTsr,
		},
		{
			name: "unknown merchant",
			body: func(t *testing.T) []byte {
				return envelope(testNow, stageData(t, innerJSON("9999999", tsr)), func(env map[string]any) { env["MerchantID"] = "9999999" })
			},
			wantTransCode: ecpaysim.TransCodeUnknownMerchant, wantMsg: "not a merchant",
		},
		{
			name:          "timestamp 11 minutes in the past",
			body:          func(t *testing.T) []byte { return envelope(testNow.Add(-11*time.Minute), stageData(t, inner)) },
			wantTransCode: ecpaysim.TransCodeTimestampOutOfRange, wantMsg: "10 minutes",
		},
		{
			name:          "timestamp 11 minutes in the future",
			body:          func(t *testing.T) []byte { return envelope(testNow.Add(11*time.Minute), stageData(t, inner)) },
			wantTransCode: ecpaysim.TransCodeTimestampOutOfRange, wantMsg: "10 minutes",
		},
		{
			name:          "timestamp 9 minutes in the past is accepted",
			body:          func(t *testing.T) []byte { return envelope(testNow.Add(-9*time.Minute), stageData(t, inner)) },
			wantTransCode: ecpaysim.TransCodeOK, wantRtnCode: ecpaysim.RtnCodeOK, wantMsg: ecpaysim.RtnMsgOK, wantCancelled: true,
		},
		{
			name:          "timestamp 9 minutes in the future is accepted",
			body:          func(t *testing.T) []byte { return envelope(testNow.Add(9*time.Minute), stageData(t, inner)) },
			wantTransCode: ecpaysim.TransCodeOK, wantRtnCode: ecpaysim.RtnCodeOK, wantMsg: ecpaysim.RtnMsgOK, wantCancelled: true,
		},
		{
			name:          "timestamp exactly 10 minutes away is accepted",
			body:          func(t *testing.T) []byte { return envelope(testNow.Add(-10*time.Minute), stageData(t, inner)) },
			wantTransCode: ecpaysim.TransCodeOK, wantRtnCode: ecpaysim.RtnCodeOK, wantMsg: ecpaysim.RtnMsgOK, wantCancelled: true,
		},
		{
			name: "timestamp shifted by GMT+8 is refused",
			body: func(t *testing.T) []byte {
				return envelope(testNow.Add(8*time.Hour), stageData(t, inner))
			},
			wantTransCode: ecpaysim.TransCodeTimestampOutOfRange, wantMsg: "10 minutes",
		},
		{
			name: "Data under another key",
			body: func(t *testing.T) []byte {
				return envelope(testNow, encrypt(t, "1234567890abcdef", "fedcba0987654321", inner))
			},
			wantTransCode: ecpaysim.TransCodeUndecryptableData, wantMsg: "does not decrypt",
		},
		{
			name:          "Data not base64",
			body:          func(t *testing.T) []byte { return envelope(testNow, "not base64!") },
			wantTransCode: ecpaysim.TransCodeUndecryptableData, wantMsg: "not standard base64",
		},
		{
			name:          "Data not whole AES blocks",
			body:          func(t *testing.T) []byte { return envelope(testNow, "AAAA") },
			wantTransCode: ecpaysim.TransCodeUndecryptableData, wantMsg: "AES blocks",
		},
		{
			name:          "Data the page's placeholder",
			body:          func(t *testing.T) []byte { return envelope(testNow, "加密資料") },
			wantTransCode: ecpaysim.TransCodeUndecryptableData, wantMsg: "not standard base64",
		},
		{
			name:          "inner MerchantID differs from the envelope's",
			body:          func(t *testing.T) []byte { return envelope(testNow, stageData(t, innerJSON(otherMerchant, tsr))) },
			wantTransCode: ecpaysim.TransCodeMerchantMismatch, wantMsg: "differs",
		},
		{
			name: "inner Tsr empty",
			body: func(t *testing.T) []byte {
				return envelope(testNow, stageData(t, innerJSON(ecpaysim.StageMerchantID, "")))
			},
			wantTransCode: ecpaysim.TransCodeInvalidData, wantMsg: "minLength",
		},
		{
			name: "inner Tsr 31 characters",
			body: func(t *testing.T) []byte {
				return envelope(testNow, stageData(t, innerJSON(ecpaysim.StageMerchantID, strings.Repeat("1", 31))))
			},
			wantTransCode: ecpaysim.TransCodeInvalidData, wantMsg: "maxLength",
		},
		{
			name: "inner Tsr 30 characters is accepted",
			setup: func(t *testing.T, sim *ecpaysim.TestServer) {
				mustAdd(t, sim, ecpaysim.StageMerchantID, strings.Repeat("1", 30))
			},
			body: func(t *testing.T) []byte {
				return envelope(testNow, stageData(t, innerJSON(ecpaysim.StageMerchantID, strings.Repeat("1", 30))))
			},
			wantTransCode: ecpaysim.TransCodeOK, wantRtnCode: ecpaysim.RtnCodeOK, wantMsg: ecpaysim.RtnMsgOK,
		},
		{
			name:          "inner Tsr missing",
			body:          func(t *testing.T) []byte { return envelope(testNow, stageData(t, `{"MerchantID":"2000132"}`)) },
			wantTransCode: ecpaysim.TransCodeInvalidData, wantMsg: "Tsr",
		},
		{
			name:          "inner MerchantID missing",
			body:          func(t *testing.T) []byte { return envelope(testNow, stageData(t, `{"Tsr":"201909170001"}`)) },
			wantTransCode: ecpaysim.TransCodeInvalidData, wantMsg: "MerchantID",
		},
		{
			name: "inner Tsr a number",
			body: func(t *testing.T) []byte {
				return envelope(testNow, stageData(t, `{"MerchantID":"2000132","Tsr":201909170001}`))
			},
			wantTransCode: ecpaysim.TransCodeInvalidData, wantMsg: "must be a string",
		},
		{
			name:          "inner Data not JSON",
			body:          func(t *testing.T) []byte { return envelope(testNow, stageData(t, `MerchantID=2000132&Tsr=1`)) },
			wantTransCode: ecpaysim.TransCodeInvalidData, wantMsg: "not JSON",
		},
		{
			name:          "inner Data empty",
			body:          func(t *testing.T) []byte { return envelope(testNow, stageData(t, ``)) },
			wantTransCode: ecpaysim.TransCodeInvalidData, wantMsg: "not JSON",
		},
		{
			name: "inner Data with lowercase urlencoding",
			body: func(t *testing.T) []byte {
				// ECPay's .NET sample encodes %xx in lowercase; PHP in uppercase.
				return envelope(testNow, "ZD/z07UvdmL3aYz0tsVo+bFXF5VldNcns6ezyfea777KOmLiizrUNDYe+v1bh2QTT4AySf1NICgXxWXB6f7c6A==")
			},
			// {"Name":"Test","ID":"A123456789"}: decrypts, then fails the schema.
			wantTransCode: ecpaysim.TransCodeInvalidData, wantMsg: `property "MerchantID" is missing`,
		},
		{
			name: "RqHeader.Revision is accepted",
			body: func(t *testing.T) []byte {
				return envelope(testNow, stageData(t, inner), func(env map[string]any) {
					env["RqHeader"].(map[string]any)["Revision"] = "3.0.0"
				})
			},
			wantTransCode: ecpaysim.TransCodeOK, wantRtnCode: ecpaysim.RtnCodeOK, wantMsg: ecpaysim.RtnMsgOK, wantCancelled: true,
		},
		{
			name: "PlatformID is accepted",
			body: func(t *testing.T) []byte {
				return envelope(testNow, stageData(t, inner), func(env map[string]any) { env["PlatformID"] = "3002607" })
			},
			wantTransCode: ecpaysim.TransCodeOK, wantRtnCode: ecpaysim.RtnCodeOK, wantMsg: ecpaysim.RtnMsgOK, wantCancelled: true,
		},
		{
			name: "empty PlatformID is accepted",
			body: func(t *testing.T) []byte {
				return envelope(testNow, stageData(t, inner), func(env map[string]any) { env["PlatformID"] = "" })
			},
			wantTransCode: ecpaysim.TransCodeOK, wantRtnCode: ecpaysim.RtnCodeOK, wantMsg: ecpaysim.RtnMsgOK, wantCancelled: true,
		},
		{
			name: "PlatformID 11 characters",
			body: func(t *testing.T) []byte {
				return envelope(testNow, stageData(t, inner), func(env map[string]any) { env["PlatformID"] = "12345678901" })
			},
			wantTransCode: ecpaysim.TransCodeInvalidEnvelope, wantMsg: "PlatformID",
		},
		{
			name: "envelope without Data",
			body: func(t *testing.T) []byte {
				return envelope(testNow, "", func(env map[string]any) { delete(env, "Data") })
			},
			wantTransCode: ecpaysim.TransCodeInvalidEnvelope, wantMsg: "Data",
		},
		{
			name:          "envelope with empty Data",
			body:          func(t *testing.T) []byte { return envelope(testNow, "") },
			wantTransCode: ecpaysim.TransCodeInvalidEnvelope, wantMsg: "/Data",
		},
		{
			name: "envelope without RqHeader",
			body: func(t *testing.T) []byte {
				return envelope(testNow, stageData(t, inner), func(env map[string]any) { delete(env, "RqHeader") })
			},
			wantTransCode: ecpaysim.TransCodeInvalidEnvelope, wantMsg: "RqHeader",
		},
		{
			name: "envelope with an empty MerchantID",
			body: func(t *testing.T) []byte {
				return envelope(testNow, stageData(t, inner), func(env map[string]any) { env["MerchantID"] = "" })
			},
			wantTransCode: ecpaysim.TransCodeInvalidEnvelope, wantMsg: "MerchantID",
		},
		{
			name: "envelope MerchantID a number",
			body: func(t *testing.T) []byte {
				return envelope(testNow, stageData(t, inner), func(env map[string]any) { env["MerchantID"] = 2000132 })
			},
			wantTransCode: ecpaysim.TransCodeInvalidEnvelope, wantMsg: "must be a string",
		},
		{
			name: "Timestamp a string",
			body: func(t *testing.T) []byte {
				return envelope(testNow, stageData(t, inner), func(env map[string]any) {
					env["RqHeader"] = map[string]any{"Timestamp": "1735787045"}
				})
			},
			wantTransCode: ecpaysim.TransCodeInvalidEnvelope, wantMsg: "must be an integer",
		},
		{
			name: "Timestamp with a fraction",
			body: func(t *testing.T) []byte {
				return envelope(testNow, stageData(t, inner), func(env map[string]any) {
					env["RqHeader"] = map[string]any{"Timestamp": 1735787045.5}
				})
			},
			wantTransCode: ecpaysim.TransCodeInvalidEnvelope, wantMsg: "must be an integer",
		},
		{
			name: "Timestamp in exponent notation",
			body: func(t *testing.T) []byte {
				return []byte(`{"MerchantID":"2000132","RqHeader":{"Timestamp":1.735787045e9},"Data":"` + stageData(t, inner) + `"}`)
			},
			wantTransCode: ecpaysim.TransCodeInvalidEnvelope, wantMsg: "Timestamp",
		},
		{
			name: "Timestamp beyond int64",
			body: func(t *testing.T) []byte {
				return []byte(`{"MerchantID":"2000132","RqHeader":{"Timestamp":99999999999999999999},"Data":"` + stageData(t, inner) + `"}`)
			},
			wantTransCode: ecpaysim.TransCodeInvalidEnvelope, wantMsg: "Timestamp",
		},
		{
			name: "Timestamp far in the past",
			body: func(t *testing.T) []byte {
				return []byte(`{"MerchantID":"2000132","RqHeader":{"Timestamp":-9223372036854775808},"Data":"` + stageData(t, inner) + `"}`)
			},
			wantTransCode: ecpaysim.TransCodeTimestampOutOfRange, wantMsg: "10 minutes",
		},
		{
			name:          "JSON array",
			body:          func(t *testing.T) []byte { return []byte(`[]`) },
			wantTransCode: ecpaysim.TransCodeInvalidEnvelope, wantMsg: "must be an object",
		},
		{
			name:          "JSON null",
			body:          func(t *testing.T) []byte { return []byte(`null`) },
			wantTransCode: ecpaysim.TransCodeInvalidEnvelope, wantMsg: "not nullable",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := ecpaysim.NewServer(t, ecpaysim.WithClock(fixedClock),
				ecpaysim.WithMerchant(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV),
				ecpaysim.WithMerchant(otherMerchant, "1234567890abcdef", "fedcba0987654321"))
			mustAdd(t, sim, ecpaysim.StageMerchantID, tsr)
			if tt.setup != nil {
				tt.setup(t, sim)
			}
			body := tt.body(t)
			hashKey, hashIV := ecpaysim.StageHashKey, ecpaysim.StageHashIV
			if strings.Contains(tt.name, "another merchant") {
				hashKey, hashIV = "1234567890abcdef", "fedcba0987654321"
			}
			got := post(t, sim.URL, "application/json", bytes.NewReader(body), hashKey, hashIV)

			if got.status != http.StatusOK {
				t.Fatalf("HTTP %d, want 200: %s", got.status, got.body)
			}
			if got.transCode() != tt.wantTransCode {
				t.Fatalf("TransCode %d, want %d: %s", got.transCode(), tt.wantTransCode, got.body)
			}
			if ts := got.env.RpHeader.Timestamp; ts == nil || int64(*ts) != testNow.Unix() {
				t.Errorf("RpHeader.Timestamp = %v, want %d", ts, testNow.Unix())
			}
			msg := got.transMsg()
			if tt.wantTransCode == ecpaysim.TransCodeOK {
				if got.rtnCode() != tt.wantRtnCode {
					t.Errorf("RtnCode %d, want %d (%s)", got.rtnCode(), tt.wantRtnCode, got.rtnMsg())
				}
				msg = got.rtnMsg()
			}
			if !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("message %q, want it to contain %q", msg, tt.wantMsg)
			}
			if c := sim.Cancelled(ecpaysim.StageMerchantID, tsr); c != tt.wantCancelled {
				t.Errorf("Cancelled(%s) = %v, want %v", tsr, c, tt.wantCancelled)
			}
			if got.env.MerchantID != nil && *got.env.MerchantID == "" {
				t.Error("answer echoes an empty MerchantID")
			}
			reqs := sim.Requests()
			last := reqs[len(reqs)-1]
			if !bytes.Equal(last.Body, body) || last.Answer.TransCode != tt.wantTransCode || !bytes.Equal(last.Answer.Body, got.body) {
				t.Errorf("Requests() recorded %+v for this exchange", last)
			}
		})
	}
}

// Requests records the envelope, the decrypted Data and the answer, and the
// answer echoes the request's MerchantID and PlatformID.
func TestRequestsRecordsTheExchange(t *testing.T) {
	sim := ecpaysim.NewServer(t, ecpaysim.WithClock(fixedClock))
	mustAdd(t, sim, ecpaysim.StageMerchantID, "TSR1")
	inner := innerJSON(ecpaysim.StageMerchantID, "TSR1")
	body := envelope(testNow, stageData(t, inner), func(env map[string]any) { env["PlatformID"] = "3002607" })
	got := postJSON(t, sim.URL, body)
	if got.env.MerchantID == nil || *got.env.MerchantID != ecpaysim.StageMerchantID ||
		got.env.PlatformID == nil || *got.env.PlatformID != "3002607" {
		t.Errorf("answer does not echo MerchantID and PlatformID: %s", got.body)
	}

	reqs := sim.Requests()
	if len(reqs) != 1 {
		t.Fatalf("Requests() has %d entries, want 1", len(reqs))
	}
	r := reqs[0]
	if !r.Received.Equal(testNow) {
		t.Errorf("Received = %v, want %v", r.Received, testNow)
	}
	if r.Envelope == nil || r.Envelope.MerchantID != ecpaysim.StageMerchantID || r.Envelope.PlatformID == nil || *r.Envelope.PlatformID != "3002607" {
		t.Errorf("Envelope = %+v", r.Envelope)
	}
	if string(r.Plaintext) != inner {
		t.Errorf("Plaintext = %q, want %q", r.Plaintext, inner)
	}
	if r.Data == nil || r.Data.Tsr != "TSR1" || r.Data.MerchantID != ecpaysim.StageMerchantID {
		t.Errorf("Data = %+v", r.Data)
	}
	a := r.Answer
	if a.StatusCode != http.StatusOK || a.TransCode != ecpaysim.TransCodeOK || a.RtnCode != ecpaysim.RtnCodeOK ||
		a.Envelope == nil || a.Data == nil || *a.Data.RtnMsg != ecpaysim.RtnMsgOK || !bytes.Equal(a.Body, got.body) {
		t.Errorf("Answer = %+v", a)
	}
	if want := `{"RtnCode":1,"RtnMsg":"取消開立發票成功"}`; string(a.Plaintext) != want {
		t.Errorf("Answer.Plaintext = %s, want %s", a.Plaintext, want)
	}
	if r.Fault != nil || a.Abandoned {
		t.Errorf("Fault = %v, Abandoned = %v", r.Fault, a.Abandoned)
	}
	invoices := sim.Invoices()
	want := ecpaysim.Invoice{MerchantID: ecpaysim.StageMerchantID, Tsr: "TSR1", Status: ecpaysim.StatusCancelled, CancelRequests: 1}
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
		{"not JSON", http.MethodPost, endpointPath, "application/json", func() io.Reader { return strings.NewReader("MerchantID=2000132") }, http.StatusBadRequest},
		{"truncated JSON", http.MethodPost, endpointPath, "application/json", func() io.Reader { return strings.NewReader(`{"MerchantID":`) }, http.StatusBadRequest},
		{"JSON then garbage", http.MethodPost, endpointPath, "application/json", func() io.Reader { return strings.NewReader(`{} {}`) }, http.StatusBadRequest},
		{"empty body", http.MethodPost, endpointPath, "application/json", func() io.Reader { return http.NoBody }, http.StatusBadRequest},
		{"binary", http.MethodPost, endpointPath, "application/json", func() io.Reader { return bytes.NewReader([]byte{0xff, 0xfe, 0, 1}) }, http.StatusBadRequest},
		{"text/plain", http.MethodPost, endpointPath, "text/plain", func() io.Reader { return bytes.NewReader(cancelRequest(t, "T")) }, http.StatusUnsupportedMediaType},
		{"form", http.MethodPost, endpointPath, "application/x-www-form-urlencoded", func() io.Reader { return strings.NewReader("a=b") }, http.StatusUnsupportedMediaType},
		{"no Content-Type", http.MethodPost, endpointPath, "", func() io.Reader { return bytes.NewReader(cancelRequest(t, "T")) }, http.StatusUnsupportedMediaType},
		{"bad Content-Type", http.MethodPost, endpointPath, "application/json; =", func() io.Reader { return bytes.NewReader(cancelRequest(t, "T")) }, http.StatusUnsupportedMediaType},
		{"over 1 MiB", http.MethodPost, endpointPath, "application/json", func() io.Reader { return bytes.NewReader(big) }, http.StatusRequestEntityTooLarge},
		{"over 1 MiB chunked", http.MethodPost, endpointPath, "application/json", func() io.Reader { return io.MultiReader(bytes.NewReader(big)) }, http.StatusRequestEntityTooLarge},
		{"GET", http.MethodGet, endpointPath, "", func() io.Reader { return http.NoBody }, http.StatusMethodNotAllowed},
		{"other path", http.MethodPost, "/B2CInvoice/Issue", "application/json", func() io.Reader { return strings.NewReader(`{}`) }, http.StatusNotFound},
	}
	sim := ecpaysim.NewServer(t, ecpaysim.WithClock(fixedClock))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := do(t, tt.method, sim.URL+tt.path, tt.contentType, tt.body())
			if status != tt.want {
				t.Errorf("HTTP %d, want %d: %s", status, tt.want, body)
			}
			// Still serving, and a 4xx used up no fault.
			mustAdd(t, sim, ecpaysim.StageMerchantID, "OK-"+tt.name)
			if got := postJSON(t, sim.URL, cancelRequest(t, "OK-"+tt.name)); got.rtnCode() != ecpaysim.RtnCodeOK {
				t.Errorf("the next request failed: %s", got.body)
			}
		})
	}
	if got := len(sim.Requests()); got != 2*len(tests)-2 {
		// GET and the other path are not requests to the endpoint.
		t.Errorf("Requests() has %d entries, want %d", got, 2*len(tests)-2)
	}
}

func TestAddDelayedInvoice(t *testing.T) {
	sim := ecpaysim.NewServer(t)
	mustAdd(t, sim, ecpaysim.StageMerchantID, "DUP")
	tests := []struct {
		name, merchantID, tsr string
		want                  error
	}{
		{"new", ecpaysim.StageMerchantID, "NEW", nil},
		{"30 characters", ecpaysim.StageMerchantID, strings.Repeat("9", 30), nil},
		{"unicode counts characters", ecpaysim.StageMerchantID, strings.Repeat("單", 30), nil},
		{"duplicate", ecpaysim.StageMerchantID, "DUP", ecpaysim.ErrDuplicateInvoice},
		{"unknown merchant", "1", "X", ecpaysim.ErrUnknownMerchant},
		{"empty Tsr", ecpaysim.StageMerchantID, "", ecpaysim.ErrInvalidTsr},
		{"31 characters", ecpaysim.StageMerchantID, strings.Repeat("9", 31), ecpaysim.ErrInvalidTsr},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := sim.AddDelayedInvoice(tt.merchantID, tt.tsr)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Errorf("AddDelayedInvoice(%q, %q) = %v, want %v", tt.merchantID, tt.tsr, err, tt.want)
			}
		})
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
		{"long IV", []ecpaysim.Option{ecpaysim.WithMerchant("2000132", "1234567890abcdef", secretIV+"X")}, "HashIV is 17 bytes"},
		{"empty merchant", []ecpaysim.Option{ecpaysim.WithMerchant("", "1234567890abcdef", "1234567890abcdef")}, "1 to 10 characters"},
		{"long merchant", []ecpaysim.Option{ecpaysim.WithMerchant("12345678901", "1234567890abcdef", "1234567890abcdef")}, "1 to 10 characters"},
		{"merchant twice", []ecpaysim.Option{
			ecpaysim.WithMerchant("1", "1234567890abcdef", "1234567890abcdef"),
			ecpaysim.WithMerchant("1", "1234567890abcdef", "1234567890abcdef"),
		}, "configured twice"},
		{"nil clock", []ecpaysim.Option{ecpaysim.WithClock(nil)}, "non-nil"},
		{"negative request limit", []ecpaysim.Option{ecpaysim.WithRequestLimit(-1)}, "WithRequestLimit(-1)"},
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
}
