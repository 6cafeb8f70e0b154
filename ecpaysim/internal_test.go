package ecpaysim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/generated"
	"github.com/ecpay-go/einvoice/generated/registry"
)

// violations collects what WithViolationFunc reports.
type violations struct {
	mu   sync.Mutex
	errs []string
}

func (v *violations) report(err error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.errs = append(v.errs, err.Error())
}

func (v *violations) recorded() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]string(nil), v.errs...)
}

// testServer returns a Server made with opts whose violations fail t.
func testServer(t *testing.T, opts ...Option) *Server {
	t.Helper()
	s, err := New(append([]Option{WithViolationFunc(func(err error) { t.Errorf("%v", err) })}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func endpointRequest(body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, registry.CancelDelayIssue.Path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}

// An answer that would violate the spec is never sent: it is replaced by a
// valid TransCodeInternalError answer, recorded as a violation and reported
// to the violation function, once, with one prefix.
func TestViolatingAnswerIsReplacedAndReported(t *testing.T) {
	var got violations
	s, err := New(WithViolationFunc(got.report))
	if err != nil {
		t.Fatal(err)
	}
	bad := newAnswer(true)
	bad.header.Set("Content-Type", "application/json")
	bad.status = http.StatusOK
	bad.body.WriteString(`{"TransCode":"1","TransMsg":"` + strings.Repeat("x", 201) + `"}`)

	w := httptest.NewRecorder()
	r := endpointRequest(`{}`)
	s.send(w, r, &exchange{}, bad)

	var env generated.ResponseEnvelope
	if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil {
		t.Fatal(err)
	}
	if w.Code != http.StatusOK || env.TransCode == nil || *env.TransCode != TransCodeInternalError {
		t.Errorf("sent HTTP %d %s, want the internal-error answer", w.Code, w.Body)
	}
	if v := s.Violations(); len(v) != 1 || !strings.Contains(v[0].Error(), "violates the spec") {
		t.Errorf("Violations() = %v, want the violation", v)
	}
	if got := got.recorded(); len(got) != 1 || !strings.Contains(got[0], "violates the spec") || strings.Count(got[0], "ecpaysim: ") != 1 {
		t.Errorf("the violation function got %q, want one report about the violation", got)
	}
}

// A panic while answering becomes a TransCodeInternalError answer and a
// violation, not a 500 or a dropped connection.
func TestPanicIsAnsweredAsInternalError(t *testing.T) {
	var calls atomic.Int32
	clock := func() time.Time {
		if calls.Add(1) == 2 { // the handler's timestamp check
			panic("clock failure")
		}
		return time.Now()
	}
	var got violations
	s, err := New(WithClock(clock), WithViolationFunc(got.report))
	if err != nil {
		t.Fatal(err)
	}
	codec, err := ecpaycrypto.New(StageHashKey, StageHashIV)
	if err != nil {
		t.Fatal(err)
	}
	data, err := codec.Encrypt([]byte(`{"MerchantID":"2000132","Tsr":"T1"}`))
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, endpointRequest(fmt.Sprintf(`{"MerchantID":"2000132","RqHeader":{"Timestamp":%d},"Data":%q}`, time.Now().Unix(), data)))

	var env generated.ResponseEnvelope
	if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil {
		t.Fatalf("answer %q: %v", w.Body, err)
	}
	if w.Code != http.StatusOK || env.TransCode == nil || *env.TransCode != TransCodeInternalError ||
		*env.TransMsg != transMsgInternalError || env.Data == nil || *env.Data != "" {
		t.Errorf("got HTTP %d %s", w.Code, w.Body)
	}
	if strings.Contains(w.Body.String(), "clock failure") {
		t.Error("the answer reveals the panic")
	}
	if v := s.Violations(); len(v) != 1 || !strings.Contains(v[0].Error(), "clock failure") {
		t.Errorf("Violations() = %v", v)
	}
	if got := got.recorded(); len(got) != 1 || !strings.Contains(got[0], "clock failure") {
		t.Errorf("the violation function got %q", got)
	}
	if reqs := s.Requests(); len(reqs) != 1 || reqs[0].Answer.TransCode != TransCodeInternalError {
		t.Errorf("Requests() = %+v", reqs)
	}
}

// Every TransCode error the simulator can build satisfies the spec, with or
// without echoes; the panic path sends one without validating it.
func TestTransCodeErrorsSatisfyTheSpec(t *testing.T) {
	s := testServer(t)
	long := strings.Repeat("訊", 300)
	merchant, platform := generated.LenientString("1234567890"), "P"
	for _, ex := range []*exchange{{}, {merchantID: &merchant, platformID: &platform}} {
		for code, msg := range map[int]string{
			TransCodeInvalidEnvelope:     s.detail(transMsgInvalidEnvelope, fmt.Errorf("%s", long)),
			TransCodeUnknownMerchant:     transMsgUnknownMerchant,
			TransCodeTimestampOutOfRange: transMsgTimestamp,
			TransCodeUndecryptableData:   transMsgUndecryptable + "it is empty",
			TransCodeInvalidData:         transMsgInvalidData + long,
			TransCodeMerchantMismatch:    transMsgMerchantMismatch,
			TransCodeInternalError:       transMsgInternalError,
		} {
			a := s.transError(ex, code, msg)
			for _, op := range registry.All() {
				r := httptest.NewRequest(http.MethodPost, op.Path, strings.NewReader(`{}`))
				if err := s.checkAnswer(r, ex, a); err != nil {
					t.Errorf("%s: TransCode %d answer %s: %v", op.Name, code, a.body.Bytes(), err)
				}
			}
			if !bytes.Contains(a.body.Bytes(), []byte(`"Data":""`)) {
				t.Errorf("TransCode %d answer %s lacks \"Data\": \"\"", code, a.body.Bytes())
			}
		}
	}
	if v := s.Violations(); len(v) != 0 {
		t.Errorf("Violations() = %v", v)
	}
}

// A handler that writes nothing is a bug, answered as an internal error.
func TestHandlerWritingNothingIsAViolation(t *testing.T) {
	var reported violations
	s, err := New(WithViolationFunc(reported.report))
	if err != nil {
		t.Fatal(err)
	}
	silent := s.endpoint(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	w := httptest.NewRecorder()
	body := fmt.Sprintf(`{"MerchantID":"2000132","RqHeader":{"Timestamp":%d},"Data":"x"}`, time.Now().Unix())
	silent.ServeHTTP(w, endpointRequest(body))
	got, _ := io.ReadAll(w.Body)
	if !bytes.Contains(got, []byte(`"TransCode":9999`)) || len(s.Violations()) != 1 || len(reported.recorded()) != 1 {
		t.Errorf("got %s, violations %v, reported %q", got, s.Violations(), reported.recorded())
	}
}

// The request log keeps the latest records within its count and byte
// limits, oldest first, through the ring's wrap-arounds and growth.
func TestRequestLog(t *testing.T) {
	tests := []struct {
		name            string
		keep, keepBytes int
		sizes           []int
		wantKept        []int // indexes of sizes
	}{
		{"all", 0, 1000, []int{10, 20, 30}, []int{0, 1, 2}},
		{"count limit", 2, 1000, []int{10, 20, 30, 40, 50}, []int{3, 4}},
		{"byte limit", 0, 100, []int{40, 40, 40, 10, 10, 30}, []int{2, 3, 4, 5}},
		{"both", 3, 100, []int{10, 10, 10, 10, 90}, []int{3, 4}},
		{"exactly the bytes", 0, 100, []int{50, 50}, []int{0, 1}},
		{"past the ring's first size", 20, 1 << 20, make([]int, 45), []int{25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44}},
		{"growing past 16", 0, 1 << 20, make([]int, 40), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.wantKept == nil {
				for i := range tt.sizes {
					tt.wantKept = append(tt.wantKept, i)
				}
			}
			l := requestLog{keep: tt.keep, keepBytes: tt.keepBytes}
			for i, size := range tt.sizes {
				l.add(ReceivedRequest{Operation: fmt.Sprint(i)}, size)
			}
			var got []string
			for _, r := range l.list() {
				got = append(got, r.Operation)
			}
			var want []string
			bytes := 0
			for _, i := range tt.wantKept {
				want = append(want, fmt.Sprint(i))
				bytes += tt.sizes[i]
			}
			if strings.Join(got, ",") != strings.Join(want, ",") || l.bytes != bytes {
				t.Errorf("kept %v holding %d bytes, want %v holding %d", got, l.bytes, want, bytes)
			}
		})
	}
}

// The lifecycle's RtnCodes are found in the registry by name: none is the
// 0 of a name the overlays no longer have.
func TestLifecycleCodesAreKnown(t *testing.T) {
	for name, code := range map[string]int{
		"OK": rtnCodeOK, "NoUpdatableTsr": rtnCodeNoUpdatableTsr, "UnknownTsr": rtnCodeUnknownTsr,
		"Issued": rtnCodeIssued, "Triggered": rtnCodeTriggered,
	} {
		if code == 0 {
			t.Errorf("the registry has no RtnCode named %s for the lifecycle", name)
		}
	}
}
