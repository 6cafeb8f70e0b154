package lenient

import (
	"encoding/json"
	"errors"
	"strconv"
)

// Number is a number that decodes from a JSON number or from a JSON
// string holding one, and always encodes as a JSON number.
//
// ECPay's pages declare amounts as Number, yet its answers have been seen
// carrying them as 50, as 50.0 and quoted ("50", "50.0"). The generator
// (internal/pages) maps every number member of every answer's Data to this
// type, so that each form decodes; the schema stays number, so contract
// validation still reports a quoted amount.
type Number float64

// MarshalJSON encodes n as a JSON number, as encoding/json encodes a
// float64. NaN and ±Inf, which no JSON decodes to, are an error.
func (n Number) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(float64(n))
	if err != nil {
		return nil, errLenientNumberEncode
	}
	return b, nil
}

// UnmarshalJSON accepts a JSON number (50, 50.0, 5e1) or a string holding
// one ("50", "50.0", surrounding spaces allowed). Anything else (an empty
// string, a word, a boolean, a number beyond float64's range) is an error;
// null leaves n unchanged, as encoding/json does for numbers.
func (n *Number) UnmarshalJSON(data []byte) error {
	text, null, ok := numberText(data)
	if null {
		return nil
	}
	if !ok || !isJSONNumber(text) {
		return errLenientNumber
	}
	// strconv keeps its argument from escaping, so a short amount converts
	// on the stack: no allocation per answer.
	v, err := strconv.ParseFloat(string(text), 64)
	if err != nil {
		// The value stays out of the message: it comes from decrypted Data.
		return errLenientNumber
	}
	*n = Number(v)
	return nil
}

var (
	errLenientNumber       = errors.New("LenientNumber: want a number or a string holding one")
	errLenientNumberEncode = errors.New("LenientNumber: NaN and infinities have no JSON encoding")
)

// isJSONNumber reports whether b is a number as JSON writes it:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, the text encoding/json
// hands to strconv.ParseFloat for a float64.
func isJSONNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = skipDigits(b, i)
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		if i = skipDigits(b, i+1); b[i-1] == '.' {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		start := i
		if i = skipDigits(b, i); i == start {
			return false
		}
	}
	return i == len(b)
}

// skipDigits returns the index of the first byte of b from i on that is
// not a decimal digit.
func skipDigits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}
