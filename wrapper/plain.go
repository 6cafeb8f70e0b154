package wrapper

import (
	"bytes"
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
// *DecodeError that names the operation and what it received. DecryptResponses
// does the same for the generated clients.

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
		return objectDataError(x.st.op, data)
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

// objectDataError is the error of an answer to op, an operation whose
// answer Data is the encrypted string, whose Data is the JSON object data:
// it says what was received by its size only, as an answer's content is
// never quoted.
func objectDataError(op *registry.Operation, data json.RawMessage) *DecodeError {
	return &DecodeError{Operation: op.Name, Problem: fmt.Sprintf(
		"Data is a JSON object (%d bytes), not the encrypted string of ECPay's envelope; only an operation whose page says %s: %s (%s) is answered so, and %s is not",
		len(data), ecpayop.ExtAnswerData, ecpayop.AnswerDataPlain, plainOperations(), op.Name)}
}

// plainDataText returns members, an accepted answer envelope's, with its
// Data replaced by the JSON text of that Data as a string, as
// DecryptResponses replaces a decrypted Data, when that Data is a JSON
// object and op's answer Data may be plain; ok is false when Data is no
// object, and the error an objectDataError for any other operation (none
// for nil, a path no operation has, whose body passes unchanged).
func plainDataText(op *registry.Operation, members map[string]json.RawMessage) (body []byte, ok bool, _ error) {
	data := bytes.TrimSpace(members[protocol.MemberData])
	switch {
	case len(data) == 0 || data[0] != '{' || op == nil:
		return nil, false, nil
	case !op.PlainAnswerData:
		return nil, true, objectDataError(op, data)
	}
	text, err := json.Marshal(string(data))
	if err != nil {
		return nil, true, &DecodeError{Operation: op.Name, Problem: "the plain Data", Err: err}
	}
	members[protocol.MemberData] = text
	body, err = json.Marshal(members)
	return body, true, err
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
