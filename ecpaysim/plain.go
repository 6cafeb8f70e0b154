package ecpaysim

import (
	"encoding/json"
	"net/http"

	"github.com/ecpay-go/einvoice/generated"
)

// ECPay answers the Data of GetIssueList as a plain JSON object, the answer
// itself, not the encrypted string its page describes: an independent
// client (paid-tw/einvoice, einvoice-ecpay) reads it so in its tests against
// ECPay's stage. The page's overlay says so (x-ecpay-answer-data: plain),
// and the simulator answers every operation whose registry entry has
// PlainAnswerData so, refusals of its RtnCodes included; an injected Data
// fault and the TransCode errors stay as they are for every operation.

// plainEnvelope is an answer envelope whose Data is a JSON object: its Data
// hides the embedded one's, and is written last, as ECPay's pages list it.
type plainEnvelope struct {
	generated.ResponseEnvelope
	Data json.RawMessage `json:"Data"`
}

// plainAccepted returns the envelope of an accepted answer whose Data, in,
// is sent as it is (see above), and records it in ex: the envelope has no
// Data, and ex.plainData has the JSON the endpoint writes as Data in its
// place (plainAnswer).
func (s *Server) plainAccepted(ex *exchange, in *inner) generated.ResponseEnvelope {
	env := s.envelope(ex, TransCodeOK, transMsgOK, "", in.plaintext, in.value)
	env.Data = nil
	ex.rec.Answer.Envelope.Data = nil
	ex.plainData = in.plaintext
	return env
}

// plainAnswer returns the answer to send for an exchange whose Data is
// plain (ex.plainData): the envelope the handler answered, with that Data.
func (s *Server) plainAnswer(ex *exchange) *answer {
	a := newAnswer(true)
	a.header.Set("Content-Type", "application/json")
	a.status = http.StatusOK
	if err := json.NewEncoder(&a.body).Encode(plainEnvelope{*ex.rec.Answer.Envelope, ex.plainData}); err != nil {
		return s.internalError(ex, err)
	}
	return a
}
