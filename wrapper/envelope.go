package wrapper

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/generated"
)

// MaxResponseBytes bounds how much of a response body is read, so a broken
// or hostile server cannot exhaust memory. ECPay's answers are a few hundred
// bytes.
const MaxResponseBytes = 1 << 20

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

// readBody reads r up to MaxResponseBytes; a longer body is an error, not a
// truncation.
func readBody(r io.Reader) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r, MaxResponseBytes+1))
	if err != nil {
		return nil, err
	}
	if len(body) > MaxResponseBytes {
		return nil, &DecodeError{Problem: fmt.Sprintf("body exceeds %d bytes", MaxResponseBytes)}
	}
	return body, nil
}

// decodeEnvelope decodes a response envelope, which must carry a TransCode.
func decodeEnvelope(body []byte) (generated.ResponseEnvelope, error) {
	var env generated.ResponseEnvelope
	if len(bytes.TrimSpace(body)) == 0 {
		return env, &DecodeError{Problem: "empty body"}
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return env, &DecodeError{Problem: "body is not an ECPay JSON envelope", Err: err}
	}
	if env.TransCode == nil {
		return env, &DecodeError{Problem: "envelope has no TransCode"}
	}
	return env, nil
}

// openData decrypts data, the Data of an envelope whose TransCode is 1.
func openData(codec *ecpaycrypto.Codec, data *string) ([]byte, error) {
	if data == nil || *data == "" {
		return nil, &DecodeError{Problem: "TransCode is 1 but Data is empty"}
	}
	plaintext, err := codec.Decrypt(*data)
	if err != nil {
		return nil, &DecodeError{Problem: "Data does not decrypt with this merchant's HashKey/HashIV", Err: err}
	}
	return plaintext, nil
}

// responseTime is the envelope's RpHeader.Timestamp, or the zero time.
func responseTime(env *generated.ResponseEnvelope) time.Time {
	if env.RpHeader == nil || env.RpHeader.Timestamp == nil {
		return time.Time{}
	}
	return time.Unix(int64(*env.RpHeader.Timestamp), 0)
}
