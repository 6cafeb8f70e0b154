package wrapper

import (
	"unicode/utf8"

	"github.com/ecpay-go/einvoice/lenient"
)

// scanEnvelope decodes body into w exactly as json.Unmarshal would, without
// encoding/json's reflection, when body has the plain shape of ECPay's
// answers: one object whose members are wireEnvelope's, each named exactly
// and at most once; strings without escapes, in valid UTF-8; integers in
// plain decimal; RpHeader an object holding Timestamp alone; white space
// only around tokens. It reports false for any other body, having written
// part of w perhaps: decodeEnvelope then decodes it again with json.Unmarshal,
// which gives any other body its meaning or its error.
func scanEnvelope(body []byte, w *wireEnvelope) bool {
	s := envScanner{b: body}
	var seen uint8
	return s.object(func(key []byte) bool {
		var bit uint8
		ok := true
		switch string(key) {
		case "MerchantID":
			bit = 1
			var v string
			v, ok = s.str()
			w.MerchantID = lenient.String(v)
		case "PlatformID":
			bit = 2
			w.PlatformID, ok = s.str()
		case "RpHeader":
			bit = 4
			ok = s.byte('{')
			if ok {
				var name []byte
				name, ok = s.text()
				ok = ok && string(name) == "Timestamp" && s.byte(':')
			}
			if ok {
				w.RpHeader.Timestamp, ok = s.int()
				ok = ok && s.byte('}')
			}
		case "TransCode":
			bit = 8
			w.TransCode, ok = s.int()
		case "TransMsg":
			bit = 16
			w.TransMsg, ok = s.str()
		case "Data":
			bit = 32
			w.Data, ok = s.str()
		}
		if bit == 0 || !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
		return true
	})
}

// object reads one JSON object that is the whole of the rest of b: for
// each member, its name to member, which reads the value and reports
// whether it took it. It reports false at the first member refused or
// token out of place, or when anything but white space follows.
func (s *envScanner) object(member func(key []byte) bool) bool {
	if !s.byte('{') {
		return false
	}
	for first := true; ; first = false {
		if s.byte('}') {
			return s.end()
		}
		if !first && !s.byte(',') {
			return false
		}
		key, ok := s.text()
		if !ok || !s.byte(':') || !member(key) {
			return false
		}
	}
}

// envScanner reads the tokens scanEnvelope accepts from b, skipping the
// white space JSON allows before each.
type envScanner struct {
	b []byte
	i int
}

func (s *envScanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// byte consumes c, the next token, if it is next.
func (s *envScanner) byte(c byte) bool {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// end reports whether only white space is left.
func (s *envScanner) end() bool {
	s.space()
	return s.i == len(s.b)
}

// str reads a string without escapes or control characters, in valid
// UTF-8: what JSON decodes to its bytes as they are.
func (s *envScanner) str() (string, bool) {
	text, ok := s.text()
	if !ok {
		return "", false
	}
	return string(text), true
}

// text is str's string in b, not copied.
func (s *envScanner) text() ([]byte, bool) {
	if !s.byte('"') {
		return nil, false
	}
	start := s.i
	ascii := true
	for ; s.i < len(s.b); s.i++ {
		switch c := s.b[s.i]; {
		case c == '"':
			text := s.b[start:s.i]
			s.i++
			return text, ascii || utf8.Valid(text)
		case c < 0x20 || c == '\\':
			return nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, false
}

// int reads an integer in plain decimal (no fraction, no exponent, no
// leading zero) of at most 18 digits, which any int holds.
func (s *envScanner) int() (int, bool) {
	s.space()
	neg := s.i < len(s.b) && s.b[s.i] == '-'
	if neg {
		s.i++
	}
	start, n := s.i, 0
	for ; s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9'; s.i++ {
		n = n*10 + int(s.b[s.i]-'0')
	}
	digits := s.i - start
	if digits == 0 || digits > 18 || digits > 1 && s.b[start] == '0' {
		return 0, false
	}
	if s.i < len(s.b) {
		switch s.b[s.i] {
		case '.', 'e', 'E':
			return 0, false
		}
	}
	if neg {
		n = -n
	}
	return n, true
}
