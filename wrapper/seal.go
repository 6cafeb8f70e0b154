package wrapper

import (
	"encoding/json"
	"strconv"
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
	// Data is Encrypt's standard base64, whose every byte JSON writes as
	// it is.
	body, err := encodeEnvelope(&env, true)
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

// encodeEnvelope returns json.Marshal(env), byte for byte (a fuzz test
// compares them), written straight into one buffer of the right size when
// every string in env needs no escaping, as the Data of Encrypt (base64)
// and ECPay's IDs never do; otherwise json.Marshal writes it. plainData
// says that env.Data is known to need none (plainJSON), so that a Data of
// kilobytes is not read once more to find out.
func encodeEnvelope(env *generated.RequestEnvelope, plainData bool) ([]byte, error) {
	platformID, revision := deref(env.PlatformID), deref(env.RqHeader.Revision)
	if !plainData && !plainJSON(env.Data) || !plainJSON(env.MerchantID) || !plainJSON(platformID) || !plainJSON(revision) {
		return json.Marshal(env)
	}
	const (
		data       = `{"Data":"`
		merchantID = `","MerchantID":"`
		platform   = `","PlatformID":"`
		header     = `","RqHeader":{`
		rev        = `"Revision":"`
		timestamp  = `"Timestamp":`
	)
	n := len(data) + len(env.Data) + len(merchantID) + len(env.MerchantID) + len(header) + len(timestamp) + 20 + 2
	if env.PlatformID != nil {
		n += len(platform) + len(platformID)
	}
	if env.RqHeader.Revision != nil {
		n += len(rev) + len(revision) + 2
	}
	b := make([]byte, 0, n)
	b = append(b, data...)
	b = append(b, env.Data...)
	b = append(b, merchantID...)
	b = append(b, env.MerchantID...)
	if env.PlatformID != nil {
		b = append(b, platform...)
		b = append(b, platformID...)
	}
	b = append(b, header...)
	if env.RqHeader.Revision != nil {
		b = append(b, rev...)
		b = append(b, revision...)
		b = append(b, `",`...)
	}
	b = append(b, timestamp...)
	b = strconv.AppendInt(b, int64(env.RqHeader.Timestamp), 10)
	return append(b, "}}"...), nil
}

// plainJSON reports whether encoding/json writes s as it is between quotes:
// printable ASCII with no quote, backslash or character it escapes for HTML
// (<, >, &).
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if !plainByte[s[i]] {
			return false
		}
	}
	return true
}

// plainByte holds plainJSON's answer for each byte, so that a long Data is
// checked with one look-up a byte.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c <= 0x7e; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()
