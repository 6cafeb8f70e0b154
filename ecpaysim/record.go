package ecpaysim

import (
	"slices"
	"time"

	"github.com/ecpay-go/einvoice/generated"
)

// ReceivedRequest is one request to the endpoint and the answer it got, as
// Requests returns it. Its slices and pointers are shared with the Server's
// record: read them, do not modify them.
type ReceivedRequest struct {
	// Received is the Server's clock when the request arrived.
	Received time.Time
	// Body is the request body as received; nil when it was not read
	// (wrong Content-Type, larger than MaxBodyBytes).
	Body []byte
	// Envelope is Body decoded into the generated envelope type; nil when
	// Body is not a JSON object that decodes into it.
	Envelope *generated.RequestEnvelope
	// Plaintext is the decrypted Data (the JSON text, URL-decoded); nil
	// when Data was not decrypted.
	Plaintext []byte
	// Data is Plaintext decoded; nil unless it matched requestBody.Data.
	Data *generated.CancelDelayIssueRequestData
	// Fault is the injected fault this request used up; nil if none.
	Fault *Fault
	// Answer is what the Server sent back.
	Answer Answer
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
	// Plaintext is the JSON text the Server encrypted into Envelope's Data;
	// nil unless TransCode is TransCodeOK.
	Plaintext []byte
	// Data is Plaintext as a value; nil unless TransCode is TransCodeOK.
	Data *generated.CancelDelayIssueResponseData
	// RtnCode is Data's RtnCode; 0 without Data.
	RtnCode int
	// Abandoned reports that the client went away during an injected
	// Delay, so nothing was sent.
	Abandoned bool
}

// Requests returns every request to the endpoint so far, oldest first (only
// the most recent ones with WithRequestLimit), each with its answer.
func (s *Server) Requests() []ReceivedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	kept := s.requests
	if s.keep > 0 && len(kept) > s.keep {
		kept = kept[len(kept)-s.keep:]
	}
	return slices.Clone(kept)
}

// record appends the finished exchange to the request log.
func (s *Server) record(ex *exchange) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, ex.rec)
	// Trimming only at twice the limit keeps the cost per request constant.
	if s.keep > 0 && len(s.requests) >= 2*s.keep {
		n := copy(s.requests, s.requests[len(s.requests)-s.keep:])
		clear(s.requests[n:])
		s.requests = s.requests[:n]
	}
}
