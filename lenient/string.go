package lenient

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// String is a string that also decodes from a JSON number, keeping
// the number's text, and always encodes as a JSON string.
//
// ECPay's page declares the response envelope's MerchantID a String(10), but
// production traffic has been reported carrying it as a number (2000132),
// and GetIssue's status flags likewise. The shared overlay
// (openapi/overlay.yaml) maps MerchantID to this type, and the generator
// (internal/pages) every string member of every answer's Data, so that such
// an answer still decodes — a cancel ECPay has made must not be lost to a
// decoding error. The schema stays a string, so contract validation still
// reports the number.
type String string

// MarshalJSON encodes s as a JSON string.
func (s String) MarshalJSON() ([]byte, error) {
	return json.Marshal(string(s))
}

// UnmarshalJSON accepts a JSON string or a JSON number (whose text it
// keeps, e.g. 2000132 becomes "2000132"). null leaves s unchanged.
func (s *String) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	switch {
	case string(data) == "null":
		return nil
	case len(data) > 0 && data[0] == '"':
		text, ok := stringText(data)
		if !ok {
			return errLenientString
		}
		*s = String(text)
		return nil
	}
	if !isJSONNumber(data) {
		// The value stays out of the message: it comes from a response.
		return errLenientString
	}
	*s = String(data)
	return nil
}

var errLenientString = errors.New("LenientString: want a string or a number")

// stringText returns the text of data, a JSON string, read in place when it
// needs no unescaping (see plainString) and by encoding/json otherwise; ok is
// false when data is not a JSON string.
func stringText(data []byte) (text []byte, ok bool) {
	if len(data) < 2 || data[0] != '"' || data[len(data)-1] != '"' {
		return nil, false
	}
	if text = data[1 : len(data)-1]; plainString(text) {
		return text, true
	}
	var s string
	if json.Unmarshal(data, &s) != nil {
		return nil, false
	}
	return []byte(s), true
}

// plainString reports whether the inside of a JSON string needs no
// unescaping: no backslash, quote or control character, and valid UTF-8
// (encoding/json replaces invalid bytes), as every MerchantID and every
// Chinese RtnMsg is. Anything else goes through encoding/json.
func plainString(b []byte) bool {
	ascii := true
	for _, c := range b {
		switch {
		case c < 0x20 || c == '\\' || c == '"':
			return false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return ascii || utf8.Valid(b)
}
