package wrapper

import (
	"encoding/json"
	"time"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/generated"
)

// seal returns the body of one attempt's request: x's plaintext sealed in
// ECPay's envelope with a fresh Timestamp, as JSON.
func (x *exchange) seal() ([]byte, error) {
	c := x.c
	env := generated.RequestEnvelope{
		MerchantID: x.merchantID,
		PlatformID: c.platformID,
		RqHeader:   generated.RqHeader{Revision: c.revision},
	}
	if err := seal(c.codec, &env, x.plaintext, c.now()); err != nil {
		return nil, x.st.invalid(&ValidationError{Field: "Data", Rule: "encoding", Reason: "Data cannot be sealed in the envelope: " + err.Error()})
	}
	body, err := json.Marshal(&env)
	if err != nil {
		return nil, x.st.invalid(&ValidationError{Field: "Data", Rule: "encoding", Reason: "Data's envelope does not encode as JSON: " + err.Error()})
	}
	return body, nil
}

// seal turns env into its wire form: RqHeader.Timestamp becomes now in plain
// Unix seconds (ECPay's "GMT+8" wording notwithstanding: Unix time has no
// zone) and Data the encryption of plaintext.
func seal(codec *ecpaycrypto.Codec, env *generated.RequestEnvelope, plaintext []byte, now time.Time) error {
	data, err := codec.Encrypt(plaintext)
	if err != nil {
		return err
	}
	env.RqHeader.Timestamp = int(now.Unix())
	env.Data = data
	return nil
}
