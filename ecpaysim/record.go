package ecpaysim

import (
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/ecpay-go/einvoice/generated"
)

// ReceivedRequest is one request to an operation and the answer it got, as
// Requests returns it. Its slices, maps and pointers are shared with the
// Server's record (Answer.Plaintext and Answer.Data with every record of the
// same answer): read them, do not modify them. Each body is kept up to
// MaxRecordedBody bytes (Truncated says when one was cut).
type ReceivedRequest struct {
	// Seq numbers the requests the Server has recorded, from 1; a record
	// keeps its number when older ones are dropped.
	Seq int64
	// Operation is the operation the path names, e.g. "TriggerIssue".
	Operation string
	// Received is the Server's clock when the request arrived.
	Received time.Time
	// Body is the request body as received; nil when it was not read
	// (wrong Content-Type, larger than MaxBodyBytes, cut off).
	Body []byte
	// Envelope is Body decoded into the generated envelope type; nil when
	// Body is not a JSON object that decodes into it.
	Envelope *generated.RequestEnvelope
	// Plaintext is the decrypted Data (the JSON text, URL-decoded); nil
	// when Data was not decrypted.
	Plaintext []byte
	// Data is Plaintext decoded into the operation's generated request
	// type (a pointer, e.g. *canceldelayissue.RequestData); nil unless it
	// matched the page's request Data schema.
	Data any
	// Fault is the injected fault this request used up; nil if none.
	Fault *Fault
	// Answer is what the Server sent back.
	Answer Answer
	// Truncated reports that a body or string of this record was cut to
	// MaxRecordedBody (the request envelope's strings to that in all) and
	// the decoded form of a cut plaintext (Data, Answer.Data) dropped.
	Truncated bool
}

// Answer is the answer to a ReceivedRequest.
type Answer struct {
	// StatusCode is the HTTP status; 0 when Abandoned.
	StatusCode int
	// Body is the body sent.
	Body []byte
	// Envelope is the ECPay answer envelope sent; nil for answers outside
	// the protocol (HTTP 4xx, injected HTTP status or malformed body).
	Envelope *generated.ResponseEnvelope
	// TransCode is Envelope's TransCode; 0 without Envelope.
	TransCode int
	// Plaintext is the JSON text the Server encrypted into Envelope's Data,
	// or sent as Data itself for an operation ECPay answers so
	// (registry.Operation.PlainAnswerData: GetIssueList), whose Envelope
	// then has no Data; nil unless TransCode is TransCodeOK.
	Plaintext []byte
	// Data is Plaintext as a value (its members by name); nil unless
	// TransCode is TransCodeOK.
	Data map[string]any
	// RtnCode is Data's RtnCode; 0 without Data.
	RtnCode int
	// Abandoned reports that the client went away during an injected
	// Delay, so nothing was sent.
	Abandoned bool
	// Lost reports that the answer was made, the work done, and then lost
	// by an injected LoseAnswer fault: the connection was closed without
	// it.
	Lost bool
}

// Requests returns the requests kept so far, oldest first, each with its
// answer: all of them, or the most recent ones within WithRequestLimit and
// WithRequestBytes.
func (s *Server) Requests() []ReceivedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kept.list()
}

// RequestBytes returns how many bytes the kept requests hold, as
// WithRequestBytes bounds them: their bodies and strings as kept (the
// capacity of each byte slice), their decoded forms, and a fixed amount per
// record for the rest.
func (s *Server) RequestBytes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kept.bytes
}

// record appends the finished exchange to the request log.
func (s *Server) record(ex *exchange) {
	rec := ex.rec
	rec.cut()
	size := rec.size()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kept.add(rec, size)
}

// requestLog is the bounded list of kept requests: a ring, so that adding a
// record and dropping the oldest cost the same whatever the limits.
type requestLog struct {
	keep      int // at most this many records; 0: no count limit
	keepBytes int // at most this many bytes in all
	ring      []ReceivedRequest
	sizes     []int // the size of each record in ring
	head, n   int   // the oldest record's index and how many there are
	bytes     int
	seq       int64 // the last record's Seq
}

// add keeps rec, whose size is size (at most MaxRecordBytes, and so at most
// keepBytes), dropping the oldest records beyond the limits.
func (l *requestLog) add(rec ReceivedRequest, size int) {
	for l.n > 0 && (l.bytes+size > l.keepBytes || (l.keep > 0 && l.n >= l.keep)) {
		l.bytes -= l.sizes[l.head]
		l.ring[l.head], l.sizes[l.head] = ReceivedRequest{}, 0
		l.head = (l.head + 1) % len(l.ring)
		l.n--
	}
	if l.n == len(l.ring) {
		l.grow()
	}
	i := (l.head + l.n) % len(l.ring)
	l.seq++
	rec.Seq = l.seq
	l.ring[i], l.sizes[i] = rec, size
	l.n++
	l.bytes += size
}

// grow doubles the ring's capacity (up to keep, if set), oldest first.
func (l *requestLog) grow() {
	c := max(16, 2*len(l.ring))
	if l.keep > 0 {
		c = min(c, l.keep)
	}
	ring, sizes := make([]ReceivedRequest, c), make([]int, c)
	for i := range l.n {
		j := (l.head + i) % len(l.ring)
		ring[i], sizes[i] = l.ring[j], l.sizes[j]
	}
	l.ring, l.sizes, l.head = ring, sizes, 0
}

// list returns a copy of the records, oldest first.
func (l *requestLog) list() []ReceivedRequest {
	out := make([]ReceivedRequest, l.n)
	for i := range l.n {
		out[i] = l.ring[(l.head+i)%len(l.ring)]
	}
	return out
}

// recordOverhead is what size counts for a record beyond its bodies and
// strings: the record twice (the ring's spare capacity), its envelopes, its
// fault and its decoded Data, whose strings are counted with the plaintext.
var recordOverhead = 2*int(reflect.TypeFor[ReceivedRequest]().Size()) + 512

// MaxRecordBytes is the most bytes one record holds (see RequestBytes), and
// so the least WithRequestBytes accepts: every body and string is cut to
// MaxRecordedBody, the request envelope's strings to that in all, and each
// decoded form counts no more than what it was decoded from.
const MaxRecordBytes = 10*MaxRecordedBody + 4<<10

// cut shortens the record's bodies and strings to MaxRecordedBody each (the
// request envelope's strings to that in all), copying what it keeps so the
// rest can be freed, and drops the decoded form of a cut plaintext.
func (r *ReceivedRequest) cut() {
	short := func(b []byte) ([]byte, bool) {
		if len(b) <= MaxRecordedBody {
			if cap(b) > MaxRecordedBody {
				// A short body in a long buffer keeps the buffer alive.
				return slices.Clone(b), false
			}
			return b, false
		}
		r.Truncated = true
		return slices.Clone(b[:MaxRecordedBody]), true
	}
	var cutPlaintext, cutAnswer bool
	r.Body, _ = short(r.Body)
	r.Plaintext, cutPlaintext = short(r.Plaintext)
	r.Answer.Body, _ = short(r.Answer.Body)
	r.Answer.Plaintext, cutAnswer = short(r.Answer.Plaintext)
	if cutPlaintext {
		r.Data = nil
	}
	if cutAnswer {
		r.Answer.Data = nil
	}
	if env := r.Envelope; env != nil && envelopeBytes(env) > MaxRecordedBody {
		cp := *env
		budget := MaxRecordedBody
		// The short strings first, so that a long Data cannot hide them.
		cp.MerchantID = cutString(cp.MerchantID, &budget)
		cp.PlatformID = cutStringPtr(cp.PlatformID, &budget)
		cp.RqHeader.Revision = cutStringPtr(cp.RqHeader.Revision, &budget)
		cp.Data = cutString(cp.Data, &budget)
		r.Envelope = &cp
		r.Truncated = true
	}
	if env := r.Answer.Envelope; env != nil && env.Data != nil && len(*env.Data) > MaxRecordedBody {
		cp := *env
		budget := MaxRecordedBody
		cp.Data = cutStringPtr(cp.Data, &budget)
		r.Answer.Envelope = &cp
		r.Truncated = true
	}
	if f := r.Fault; f != nil && len(f.MalformedBody) > MaxRecordedBody {
		cp := *f
		budget := MaxRecordedBody
		cp.MalformedBody = cutString(cp.MalformedBody, &budget)
		r.Fault = &cp
		r.Truncated = true
	}
}

// cutString returns a copy of at most *budget bytes of s and takes them from
// *budget.
func cutString(s string, budget *int) string {
	if len(s) > *budget {
		s = strings.Clone(s[:*budget])
	}
	*budget -= len(s)
	return s
}

func cutStringPtr(s *string, budget *int) *string {
	if s == nil {
		return nil
	}
	c := cutString(*s, budget)
	return &c
}

func envelopeBytes(env *generated.RequestEnvelope) int {
	return len(env.MerchantID) + len(env.Data) + strLen(env.PlatformID) + strLen(env.RqHeader.Revision)
}

func strLen(s *string) int {
	if s == nil {
		return 0
	}
	return len(*s)
}

// size returns the bytes the record holds: the capacity of each byte slice
// (what it keeps alive, not just its length), the strings of its envelopes
// and fault, its decoded Data and Answer.Data counted as the plaintext they
// were decoded from (a decoded string is never longer than its JSON), and
// recordOverhead for the rest.
func (r *ReceivedRequest) size() int {
	n := recordOverhead + cap(r.Body) + cap(r.Plaintext) + cap(r.Answer.Body) + cap(r.Answer.Plaintext)
	if r.Envelope != nil {
		n += envelopeBytes(r.Envelope)
	}
	if r.Data != nil {
		n += len(r.Plaintext)
	}
	if env := r.Answer.Envelope; env != nil {
		n += strLen(env.Data) + strLen(env.TransMsg)
	}
	if r.Answer.Data != nil {
		n += len(r.Answer.Plaintext)
	}
	if f := r.Fault; f != nil {
		n += len(f.MalformedBody) + len(f.TransMsg) + len(f.RtnMsg)
	}
	return n
}
