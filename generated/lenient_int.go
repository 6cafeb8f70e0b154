package generated

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
)

// LenientInt is an integer that decodes from a JSON number or from a JSON
// string holding one, and always encodes as a JSON number.
//
// ECPay documents RtnCode as an integer, yet the CancelDelayIssue page's own
// example answers "RtnCode": "1". The overlay (openapi/overlay.yaml) maps
// RtnCode to this type so that both forms decode; the schema itself stays
// integer, so contract validation still reports the string form.
type LenientInt int

// MarshalJSON encodes n as a JSON number.
func (n LenientInt) MarshalJSON() ([]byte, error) {
	return strconv.AppendInt(nil, int64(n), 10), nil
}

// UnmarshalJSON accepts a JSON number (1) or a string holding a base-10
// integer ("1", surrounding spaces allowed). Fractions, exponents, empty
// strings, booleans and values outside the int range are errors; null leaves
// n unchanged, as encoding/json does for numbers.
func (n *LenientInt) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if string(data) == "null" {
		return nil
	}
	text := data
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return errors.New("LenientInt: want an integer or a string holding one")
		}
		text = bytes.TrimSpace([]byte(s))
	}
	v, err := strconv.ParseInt(string(text), 10, strconv.IntSize)
	if err != nil {
		// The value stays out of the message: it comes from decrypted Data.
		return errors.New("LenientInt: want an integer or a string holding one")
	}
	*n = LenientInt(v)
	return nil
}
