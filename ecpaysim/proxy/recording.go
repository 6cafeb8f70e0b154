package proxy

import (
	"encoding/json"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/ecpay-go/einvoice/internal/violation"
)

// Exchange is one request and its answer as a Proxy saw them: one line of a
// recording (see WithRecording), which ReadRecording reads back, Replay
// serves again and CheckExchange re-checks. It holds the decrypted Data of
// both sides (the merchant's business data), never a HashKey, a HashIV or a
// header.
type Exchange struct {
	// Time is when the request arrived, on the proxy's clock (WithClock's).
	Time time.Time `json:"time"`
	// Operation is the operation the path names, e.g. "TriggerIssue";
	// "" for a path that is no operation's.
	Operation string `json:"operation,omitempty"`
	// Method and Path are the request's.
	Method string `json:"method"`
	Path   string `json:"path"`
	// Query is "": a Proxy does not record the query string (ECPay's API
	// has none, and one may hold anything). A recording made before may
	// have it, without its "?".
	Query string `json:"query,omitempty"`
	// Request and Response are what the caller sent and what it got.
	Request  Message `json:"request"`
	Response Message `json:"response"`
	// Duration is how long the exchange took, from the request's arrival
	// until its answer was ready (passed on, for a streamed answer).
	Duration time.Duration `json:"duration_ns"`
	// UpstreamFailure says what went wrong with the upstream: no answer,
	// a status other than 2xx, an answer larger than the client reads
	// (the client's MaxResponseBytes) or one that broke off. "" when the
	// upstream answered. An upstream failure is not a violation.
	UpstreamFailure string `json:"upstream_failure,omitempty"`
	// Notes say what was not checked, and why (no keys for the merchant,
	// a body over a limit), and that the caller went away before the
	// answer, when the proxy noticed it in time.
	Notes []string `json:"notes,omitempty"`
	// Violations are every way the exchange breaks the pages, request
	// first (at most maxViolations; a note counts the rest).
	Violations []RecordedViolation `json:"violations,omitempty"`
}

// Message is one side of an Exchange. Its body is recorded once, in the
// first of Envelope, Text and Base64 that can hold it, and its Data, when
// it decrypted, in the first of Data, DataText and DataBase64 that can.
type Message struct {
	// Status is the HTTP status of an answer; 0 for a request.
	Status int `json:"status,omitempty"`
	// ContentType is the Content-Type header as sent.
	ContentType string `json:"content_type,omitempty"`
	// Envelope is the body when it is JSON in UTF-8 (as a JSON value:
	// whitespace may differ from the bytes sent, nothing else).
	Envelope json.RawMessage `json:"envelope,omitempty"`
	// Text is the body when it is UTF-8 but not JSON, e.g. an HTML page.
	Text string `json:"text,omitempty"`
	// Base64 is any other body.
	Base64 []byte `json:"base64,omitempty"`
	// Omitted says why the body is not recorded, e.g. that it was larger
	// than a limit; "" when it is.
	Omitted string `json:"omitted,omitempty"`
	// Decrypted reports that the envelope's Data decrypted with the
	// merchant's keys; its plaintext is in Data, DataText or DataBase64
	// (none of them for an empty plaintext).
	Decrypted bool `json:"decrypted,omitempty"`
	// Data is the decrypted Data when it is JSON in UTF-8.
	Data json.RawMessage `json:"data,omitempty"`
	// DataText is the decrypted Data when it is UTF-8 but not JSON.
	DataText string `json:"data_text,omitempty"`
	// DataBase64 is any other decrypted Data.
	DataBase64 []byte `json:"data_base64,omitempty"`
}

// Body returns the body as recorded (see Envelope); nil when it was empty
// or Omitted.
func (m *Message) Body() []byte {
	switch {
	case m.Envelope != nil:
		return m.Envelope
	case m.Text != "":
		return []byte(m.Text)
	}
	return m.Base64
}

// Plaintext returns the decrypted Data as recorded; nil unless Decrypted.
func (m *Message) Plaintext() []byte {
	switch {
	case !m.Decrypted:
		return nil
	case m.Data != nil:
		return m.Data
	case m.DataText != "":
		return []byte(m.DataText)
	case m.DataBase64 != nil:
		return m.DataBase64
	}
	return []byte{}
}

func (m *Message) setBody(b []byte) {
	m.Envelope, m.Text, m.Base64 = classify(b)
}

func (m *Message) setPlaintext(p []byte) {
	m.Decrypted = true
	m.Data, m.DataText, m.DataBase64 = classify(p)
}

// classify returns b in the first of three forms that can hold it: JSON
// in UTF-8, other UTF-8 text, or bytes; nothing for an empty b.
func classify(b []byte) (json.RawMessage, string, []byte) {
	switch {
	case len(b) == 0:
		return nil, "", nil
	case isJSON(b):
		return b, "", nil
	case utf8.Valid(b):
		return nil, string(b), nil
	}
	return nil, "", b
}

// isJSON reports whether b is JSON in UTF-8 (json.Valid alone lets
// invalid UTF-8 pass inside strings): what a recording keeps as JSON and
// what a Proxy takes a body or a Data to be.
func isJSON(b []byte) bool {
	return utf8.Valid(b) && json.Valid(b)
}

// The sides of a RecordedViolation.
const (
	SideRequest  = "request"
	SideResponse = "response"
)

// Where a RecordedViolation is.
const (
	// WhereHTTP: the path, method, status, Content-Type or the body as a
	// whole (not JSON).
	WhereHTTP = "http"
	// WhereEnvelope: the JSON envelope, against the page's request or
	// response schema and the Timestamp window.
	WhereEnvelope = "envelope"
	// WhereData: the decrypted Data, against the page's request or
	// response Data schema, and its decryption.
	WhereData = "data"
)

// The rules of the violations that are not schema keywords.
const (
	rulePath        = "path"             // no operation has the path
	ruleMethod      = "method"           // not POST
	ruleStatus      = "status"           // a 2xx other than the page's 200
	ruleContentType = "content-type"     // not application/json
	ruleJSON        = "json"             // a body or a Data that is not JSON in UTF-8
	ruleWindow      = "timestamp-window" // RqHeader.Timestamp out of the window
	ruleDecrypt     = "decrypt"          // Data does not decrypt with the merchant's keys
	ruleMerchant    = "merchant-mismatch"
	ruleDataMissing = "data-missing" // TransCode 1 without Data
)

// RecordedViolation is one way an exchange breaks the pages: its side, where
// it is, and, as internal/violation formats every validation error, the JSON
// pointer of the value at fault, the rule and the reason (never the value).
// Rule is a schema keyword (type, maxLength, required, …) or one of the
// proxy's own: path, method, status, content-type, json, timestamp-window,
// decrypt, merchant-mismatch, data-missing.
type RecordedViolation struct {
	// Side is SideRequest or SideResponse.
	Side string `json:"side"`
	// Where is WhereHTTP, WhereEnvelope or WhereData.
	Where string `json:"where"`
	violation.Violation
}

// String formats v as "request data#/Tsr: maxLength: maximum string length
// is 30".
func (v RecordedViolation) String() string {
	s := v.Reason
	if v.Rule != "" {
		s = v.Rule + ": " + s
	}
	return v.Side + " " + v.Where + "#" + v.Pointer + ": " + s
}

// maxViolations bounds the violations an Exchange lists, so that a line of a
// recording stays bounded whatever the bodies.
const maxViolations = 1000

var (
	sideOrder  = map[string]int{SideRequest: 0, SideResponse: 1}
	whereOrder = map[string]int{WhereHTTP: 0, WhereEnvelope: 1, WhereData: 2}
)

// sortViolations orders vs by side and place, keeping the order within
// each (violation.List sorts by pointer).
func sortViolations(vs []RecordedViolation) {
	slices.SortStableFunc(vs, func(a, b RecordedViolation) int {
		if d := sideOrder[a.Side] - sideOrder[b.Side]; d != 0 {
			return d
		}
		return whereOrder[a.Where] - whereOrder[b.Where]
	})
}

// MaxRecordingLine is the longest line ReadRecording reads (32 MiB). A Proxy
// never writes a longer one: the bodies of an exchange that would need more
// are omitted from its line.
const MaxRecordingLine = 32 << 20

// MaxRecordingBytes bounds a whole recording read back (4 GiB): by ecpay-sim
// --replay, which loads it whole, and by ecpay-invoice validate --record. A
// recording grows by an exchange, a few KiB, per request the proxy saw: a
// million of them fit; what never ends (/dev/zero through a pipe) is not
// read forever.
const MaxRecordingBytes = 4 << 30
