package ecpaysim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/generated"
)

// recordingTB is a testing.TB whose Errorf is recorded instead of failing
// the test, to test that violations fail the TB they were given.
type recordingTB struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recordingTB) recorded() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errors...)
}

func endpointRequest(body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/B2CInvoice/CancelDelayIssue", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}

// An answer that would violate the spec is never sent: it is replaced by a
// valid TransCodeInternalError answer, recorded as a violation and reported
// to the TB.
func TestViolatingAnswerIsReplacedAndFailsTheTB(t *testing.T) {
	tb := &recordingTB{TB: t}
	s, err := New(WithTB(tb))
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
	if got := tb.recorded(); len(got) != 1 || !strings.Contains(got[0], "violates the spec") {
		t.Errorf("the TB got %q, want one Errorf about the violation", got)
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
	s, err := New(WithClock(clock))
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
	if reqs := s.Requests(); len(reqs) != 1 || reqs[0].Answer.TransCode != TransCodeInternalError {
		t.Errorf("Requests() = %+v", reqs)
	}
}

// Every TransCode error the simulator can build satisfies the spec, with or
// without echoes; the panic path sends one without validating it.
func TestTransCodeErrorsSatisfyTheSpec(t *testing.T) {
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("訊", 300)
	merchant, platform := generated.LenientString("1234567890"), "P"
	for _, ex := range []*exchange{{}, {merchantID: &merchant, platformID: &platform}} {
		for code, msg := range map[int]string{
			TransCodeInvalidEnvelope:     detail(transMsgInvalidEnvelope, fmt.Errorf("%s", long)),
			TransCodeUnknownMerchant:     transMsgUnknownMerchant,
			TransCodeTimestampOutOfRange: transMsgTimestamp,
			TransCodeUndecryptableData:   transMsgUndecryptable + "it is empty",
			TransCodeInvalidData:         transMsgInvalidData + long,
			TransCodeMerchantMismatch:    transMsgMerchantMismatch,
			TransCodeInternalError:       transMsgInternalError,
		} {
			a := s.transError(ex, code, msg)
			if err := s.checkAnswer(endpointRequest(`{}`), ex, a); err != nil {
				t.Errorf("TransCode %d answer %s: %v", code, a.body.Bytes(), err)
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

func TestTruncate(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"eleven char", 10, "eleven ch…"},
		{"取消開立發票成功", 4, "取消開…"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := truncate(tt.in, tt.n)
			if got != tt.want || utf8.RuneCountInString(got) > tt.n {
				t.Errorf("truncate(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
			}
		})
	}
}

// A handler that writes nothing is a bug, answered as an internal error.
func TestHandlerWritingNothingIsAViolation(t *testing.T) {
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	silent := s.endpoint(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	w := httptest.NewRecorder()
	body := fmt.Sprintf(`{"MerchantID":"2000132","RqHeader":{"Timestamp":%d},"Data":"x"}`, time.Now().Unix())
	silent.ServeHTTP(w, endpointRequest(body))
	got, _ := io.ReadAll(w.Body)
	if !bytes.Contains(got, []byte(`"TransCode":9999`)) || len(s.Violations()) != 1 {
		t.Errorf("got %s, violations %v", got, s.Violations())
	}
}

// The table of codes in the package documentation lists every code with its
// value and message, so it cannot drift from the constants.
func TestDocumentedCodesMatchTheConstants(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile(`(?m)^//\t(\w+) +(\d+) +(ECPay|simulator) +(.+)$`)
	documented := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(string(src), -1) {
		documented[m[1]+" "+m[2]] = m[4]
	}
	codes := []struct {
		name  string
		value int
		msg   string
	}{
		{"TransCodeOK", TransCodeOK, `""`},
		{"TransCodeInvalidEnvelope", TransCodeInvalidEnvelope, transMsgInvalidEnvelope},
		{"TransCodeUnknownMerchant", TransCodeUnknownMerchant, transMsgUnknownMerchant},
		{"TransCodeTimestampOutOfRange", TransCodeTimestampOutOfRange, transMsgTimestamp},
		{"TransCodeUndecryptableData", TransCodeUndecryptableData, transMsgUndecryptable},
		{"TransCodeInvalidData", TransCodeInvalidData, transMsgInvalidData},
		{"TransCodeMerchantMismatch", TransCodeMerchantMismatch, transMsgMerchantMismatch},
		{"TransCodeInternalError", TransCodeInternalError, transMsgInternalError},
		{"RtnCodeOK", RtnCodeOK, RtnMsgOK},
		{"RtnCodeUnknownTsr", RtnCodeUnknownTsr, RtnMsgUnknownTsr},
		{"RtnCodeAlreadyCancelled", RtnCodeAlreadyCancelled, RtnMsgAlreadyCancelled},
	}
	if len(documented) != len(codes) {
		t.Errorf("the table has %d rows, want %d", len(documented), len(codes))
	}
	for _, c := range codes {
		msg, ok := documented[fmt.Sprintf("%s %d", c.name, c.value)]
		if !ok {
			t.Errorf("the table lacks %s = %d", c.name, c.value)
			continue
		}
		if !strings.Contains(msg, strings.TrimSuffix(c.msg, ": ")) {
			t.Errorf("the table gives %s the message %s, want %q", c.name, msg, c.msg)
		}
	}
}
