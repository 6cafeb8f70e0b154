//go:build !plaindecode

package wrapper

import (
	"errors"

	"github.com/ecpay-go/einvoice/generated"
)

// plainDecode is false in every build but the benchmark's comparison (see
// decode_plain.go): answers are decoded through the answerStore.
const plainDecode = false

func decodeEnvelopePlain([]byte) (*generated.ResponseEnvelope, error) {
	return nil, errors.New("ecpay: the plain decode is built only with the tag plaindecode")
}
