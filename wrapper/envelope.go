package wrapper

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/generated"
	"github.com/ecpay-go/einvoice/internal/protocol"
)

// MaxResponseBytes bounds how much of a response body is read, so a broken
// or hostile server cannot exhaust memory. ECPay's answers are a few hundred
// bytes.
const MaxResponseBytes = protocol.MaxResponseBytes

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

// replacement is how encoding/json writes a byte that is not UTF-8 in a
// string: as the escape of U+FFFD. A real U+FFFD it writes as raw UTF-8.
var replacement = []byte(`\ufffd`)

// checkText fails on plaintext JSON that carries text the caller did not
// give: a string that held invalid UTF-8, which encoding/json silently
// replaced with U+FFFD. Sending it would cancel (or trigger, or issue) some
// other Tsr than the one meant, or none, and a rerun would never match it.
// Every request passes here, from the client, Call and the generated
// client's editor alike. The error names the member of the top-level object
// that holds it.
func checkText(plaintext []byte) error {
	if escapedReplacement(plaintext) < 0 {
		return nil
	}
	field := memberWhere(plaintext, func(raw []byte) bool { return escapedReplacement(raw) >= 0 })
	return &ValidationError{Field: field, Rule: "utf8", Reason: field + " holds bytes that are not UTF-8 (encoding/json would send them as U+FFFD); send the text as UTF-8"}
}

// checkInput fails on JSON text given by a caller (Call's data, a body
// given to the generated client) that holds what JSON decoding turns into
// U+FFFD, or what stands for bytes already replaced by it: bytes that are not
// UTF-8, the \u escape of a lone UTF-16 surrogate, or the escape \ufffd
// (which encoding/json writes for a byte that is not UTF-8, never for a
// U+FFFD). A U+FFFD written as UTF-8 passes, as does the text \ufffd
// (escaped as \\ufffd). The error names the member of the top-level object
// that holds it.
func checkInput(text []byte) error {
	if !badInput(text) {
		return checkText(text)
	}
	field := memberWhere(text, badInput)
	return &ValidationError{Field: field, Rule: "utf8", Reason: field + " holds bytes that are not UTF-8 or a lone UTF-16 surrogate escape, which JSON decoding turns into U+FFFD; send the text as UTF-8"}
}

// badInput reports whether the JSON text b holds bytes that are not UTF-8 or
// a \u escape of a surrogate that is not the first of a valid pair.
func badInput(b []byte) bool {
	if !utf8.Valid(b) {
		return true
	}
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		// Outside strings a backslash is a syntax error the decoder reports.
		r, ok := hexEscape(b, i)
		i++ // the escaped character
		if !ok || !utf16.IsSurrogate(r) {
			continue
		}
		low, ok := hexEscape(b, i+5)
		if r >= 0xdc00 || !ok || utf16.DecodeRune(r, low) == utf8.RuneError {
			return true
		}
		i += 10 // the pair's second escape
	}
	return false
}

// hexEscape decodes the escape \uXXXX at b[i:], if there is one.
func hexEscape(b []byte, i int) (rune, bool) {
	if i+6 > len(b) || b[i] != '\\' || b[i+1] != 'u' {
		return 0, false
	}
	var r rune
	for _, c := range b[i+2 : i+6] {
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// memberWhere returns the name of the first member, in document order, of
// the JSON object text whose raw value satisfies bad, or "Data" when text is
// not an object or no member's value does.
func memberWhere(text []byte, bad func(raw []byte) bool) string {
	dec := json.NewDecoder(bytes.NewReader(text))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return "Data"
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			break
		}
		var raw json.RawMessage
		if dec.Decode(&raw) != nil {
			break
		}
		if name, _ := t.(string); name != "" && bad(raw) {
			return name
		}
	}
	return "Data"
}

// escapedReplacement returns the offset of the first \ufffd escape in the
// JSON text b, or -1: the six characters preceded by an even number of
// backslashes, so that an escaped backslash followed by "ufffd" (the text
// `\ufffd` itself) does not count.
func escapedReplacement(b []byte) int {
	for off := 0; ; {
		i := bytes.Index(b[off:], replacement)
		if i < 0 {
			return -1
		}
		i += off
		n := 0
		for j := i - 1; j >= 0 && b[j] == '\\'; j-- {
			n++
		}
		if n%2 == 0 {
			return i
		}
		off = i + 1
	}
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

// decodeEnvelope decodes a response envelope, which must carry a TransCode,
// into st.
//
// The generated envelope has a pointer for every member (each is optional in
// the spec), which encoding/json would allocate one by one, looking for
// unmarshalers at every level. Here the body is decoded into plain values
// in st, set beforehand to values no JSON gives (absent), and the envelope's
// pointers are then pointed at those that are no longer absent: JSON null,
// like an absent member, gives nil, as it would in the generated type. st is
// part of the Result the call returns, so the envelope costs no allocation
// of its own.
func decodeEnvelope(body []byte, st *answerStore) (*generated.ResponseEnvelope, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, &DecodeError{Problem: "empty body"}
	}
	if plainDecode {
		return decodeEnvelopePlain(body)
	}
	w := &st.wire
	w.MerchantID, w.PlatformID, w.TransMsg, w.Data = absentString, absentString, absentString, absentString
	w.RpHeader.Timestamp, w.TransCode = absentInt, absentInt
	if err := json.Unmarshal(body, w); err != nil {
		return nil, &DecodeError{Problem: "body is not an ECPay JSON envelope", Err: err}
	}
	st.env = generated.ResponseEnvelope{
		MerchantID: present((*generated.LenientString)(&w.MerchantID), string(w.MerchantID) != absentString),
		PlatformID: present(&w.PlatformID, w.PlatformID != absentString),
		TransCode:  present(&w.TransCode, w.TransCode != absentInt),
		TransMsg:   present(&w.TransMsg, w.TransMsg != absentString),
		Data:       present(&w.Data, w.Data != absentString),
	}
	if w.RpHeader.Timestamp != absentInt {
		// An RpHeader without a Timestamp is as good as none: the spec
		// gives it no other member.
		st.rpHeader = generated.RpHeader{Timestamp: &w.RpHeader.Timestamp}
		st.env.RpHeader = &st.rpHeader
	}
	if st.env.TransCode == nil {
		return nil, &DecodeError{Problem: "envelope has no TransCode"}
	}
	return &st.env, nil
}

// wireEnvelope is the answer envelope as plain values, for decodeEnvelope:
// the members of generated.ResponseEnvelope, by the same JSON names.
type wireEnvelope struct {
	MerchantID generated.LenientString `json:"MerchantID"`
	PlatformID string                  `json:"PlatformID"`
	RpHeader   struct {
		Timestamp int `json:"Timestamp"`
	} `json:"RpHeader"`
	TransCode int    `json:"TransCode"`
	TransMsg  string `json:"TransMsg"`
	Data      string `json:"Data"`
}

// present returns p when ok, else nil.
func present[T any](p *T, ok bool) *T {
	if !ok {
		return nil
	}
	return p
}

// answerStore holds a decoded answer's envelope and the values its pointers
// point to, and room for the strings and ints of the inner answer's pointer
// fields (see opState.presetAnswer): every Result has one, so that decoding
// an answer allocates no pointer of its own.
type answerStore struct {
	env      generated.ResponseEnvelope
	wire     wireEnvelope
	rpHeader generated.RpHeader
	strs     [storeSlots]string
	// ints are of RtnCode's type, so that the one int every answer has is
	// pointed to without a conversion.
	ints [storeSlots]generated.LenientInt
}

// storeSlots is how many strings, and how many ints, of an inner answer an
// answerStore holds; an answer type with more gets the rest allocated.
const storeSlots = 4

// Values decoding cannot produce: encoding/json gives only valid UTF-8, and
// no ECPay code, count or Timestamp is the smallest int (an answer that
// sends it is read as not having the member).
const (
	absentString = "\xff"
	absentInt    = math.MinInt
)

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
