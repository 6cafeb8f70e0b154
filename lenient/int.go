package lenient

import (
	"bytes"
	"errors"
	"math"
	"strconv"
)

// Int is an integer that decodes from a JSON number or from a JSON
// string holding one, and always encodes as a JSON number.
//
// ECPay documents RtnCode as an integer, yet the CancelDelayIssue page's own
// example answers "RtnCode": "1", and its answers have been seen carrying
// integers as 50.0. The generator (internal/pages) maps every integer member
// of every answer's Data to this type so that each form decodes; the schema
// itself stays integer, so contract validation still reports the string.
type Int int

// MarshalJSON encodes n as a JSON number.
func (n Int) MarshalJSON() ([]byte, error) {
	return strconv.AppendInt(nil, int64(n), 10), nil
}

// UnmarshalJSON accepts a JSON number (1) or a string holding a base-10
// integer ("1", surrounding spaces allowed), either with a fraction of zeros
// (1.0, "1.00"), which is still that integer. Other fractions (1.5, which
// would lose its half), exponents, empty strings, booleans and values outside
// the int range are errors; null leaves n unchanged, as encoding/json does
// for numbers.
func (n *Int) UnmarshalJSON(data []byte) error {
	text, null, ok := numberText(data)
	if null {
		return nil
	}
	if !ok {
		return errLenientInt
	}
	v, ok := parseInt(text)
	if !ok {
		// The value stays out of the message: it comes from decrypted Data.
		return errLenientInt
	}
	*n = Int(v)
	return nil
}

var errLenientInt = errors.New("LenientInt: want an integer or a string holding one")

// numberText returns the text of data, a JSON value that should hold a
// number: the number itself, or the text of a string holding one, without
// surrounding spaces; null is true for JSON null, and ok is false for a
// string that does not decode.
func numberText(data []byte) (text []byte, null, ok bool) {
	data = bytes.TrimSpace(data)
	if string(data) == "null" {
		return nil, true, true
	}
	if len(data) == 0 || data[0] != '"' {
		return data, false, true
	}
	if text, ok = stringText(data); !ok {
		return nil, false, false
	}
	return bytes.TrimSpace(text), false, true
}

// parseInt parses a base-10 integer in the int range, with an optional
// sign and an optional fraction of zeros, as strconv.ParseInt does (once the
// fraction is cut) but without converting to a string (an allocation on
// every answer's RtnCode).
func parseInt(b []byte) (int, bool) {
	if i := bytes.IndexByte(b, '.'); i >= 0 {
		if !allZeros(b[i+1:]) {
			return 0, false
		}
		b = b[:i]
	}
	neg := false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg, b = b[0] == '-', b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	var u uint64
	limit := uint64(math.MaxInt)
	if neg {
		limit++
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if u > (limit-d)/10 {
			return 0, false
		}
		u = u*10 + d
	}
	if neg {
		return int(-u), true
	}
	return int(u), true
}

// allZeros reports whether b is one or more '0's.
func allZeros(b []byte) bool {
	return len(b) > 0 && len(bytes.Trim(b, "0")) == 0
}
