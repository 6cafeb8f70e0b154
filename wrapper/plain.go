package wrapper

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/ecpayop"
	"github.com/ecpay-go/einvoice/internal/protocol"
)

// ECPay answers the Data of some operations as a plain JSON object, the
// answer itself, instead of the encrypted string of its envelope:
// GetIssueList does, although its page says the Data is encrypted. The
// page's overlay says so (x-ecpay-answer-data: plain), and the registry
// carries it (registry.Operation.PlainAnswerData). For such an operation an
// object Data is taken as the plaintext and decoded as a decrypted one is;
// a string is still decrypted. For any other operation an object Data is a
// *DecodeError that names the operation and what it received.

// plainEnvelope is wireEnvelope with a Data of any JSON kind: its Data
// hides the embedded one's.
type plainEnvelope struct {
	wireEnvelope
	Data json.RawMessage `json:"Data"`
}

// decodePlainEnvelope decodes body into w again when json.Unmarshal
// refused it with err because its Data is a JSON object, and returns that
// object; ok is false, and body left as err says, for any other error. w
// holds the presets decodeEnvelope gave it, which the other members keep
// when absent.
func decodePlainEnvelope(body []byte, err error, w *wireEnvelope) (data json.RawMessage, ok bool, _ error) {
	var typeErr *json.UnmarshalTypeError
	if !errors.As(err, &typeErr) || typeErr.Field != protocol.MemberData || typeErr.Value != "object" {
		return nil, false, nil
	}
	pe := plainEnvelope{wireEnvelope: *w}
	if err := json.Unmarshal(body, &pe); err != nil {
		return nil, true, &DecodeError{Problem: "body is not an ECPay JSON envelope", Err: err}
	}
	*w = pe.wireEnvelope
	return pe.Data, true, nil
}

// openPlain decodes data, the JSON object an accepted envelope carries as
// its Data, into x.resp as decrypt decodes a decrypted Data, when the
// operation's answer Data may be plain; for any other operation it is an
// error saying what was received, by its size only: an answer's content is
// never quoted.
func (x *exchange) openPlain(a *answered, data json.RawMessage) error {
	if !x.st.op.PlainAnswerData {
		return &DecodeError{Problem: fmt.Sprintf(
			"Data is a JSON object (%d bytes), not the encrypted string of ECPay's envelope; only an operation whose page says %s: %s (%s) is answered so, and %s is not",
			len(data), ecpayop.ExtAnswerData, ecpayop.AnswerDataPlain, plainOperations(), x.st.op.Name)}
	}
	st, resp := x.st, x.resp
	st.presetAnswer(resp, x.store)
	defer st.absentAnswer(resp)
	if x.keepInner {
		a.inner = data
	}
	if err := ecpaycrypto.UnmarshalJSON(data, resp); err != nil {
		return &DecodeError{Problem: "the plain Data is not the expected JSON", Err: err}
	}
	return nil
}

// plainOperations names the operations whose answer Data may be plain.
func plainOperations() string {
	var names []string
	for _, op := range registry.All() {
		if op.PlainAnswerData {
			names = append(names, op.Name)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
