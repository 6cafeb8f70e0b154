//go:build plaindecode

package wrapper

import (
	"encoding/json"

	"github.com/ecpay-go/einvoice/generated"
)

// plainDecode, set by the build tag plaindecode, decodes every answer with
// encoding/json straight into the Result's generated types, without the
// answerStore: the alternative BENCHMARKS.md compares the store with
// (`go test -tags plaindecode -bench RoundTrip ./wrapper/`). No release is
// built with it.
const plainDecode = true

// decodeEnvelopePlain is decodeEnvelope without the store.
func decodeEnvelopePlain(body []byte) (*generated.ResponseEnvelope, error) {
	env := new(generated.ResponseEnvelope)
	if err := json.Unmarshal(body, env); err != nil {
		return nil, &DecodeError{Problem: "body is not an ECPay JSON envelope", Err: err}
	}
	if env.RpHeader != nil && env.RpHeader.Timestamp == nil {
		env.RpHeader = nil // decodeEnvelope's choice: as good as none
	}
	if env.TransCode == nil {
		return nil, &DecodeError{Problem: "envelope has no TransCode"}
	}
	return env, nil
}
