package wrapper

import (
	"bytes"
	"encoding/json"
	"unicode/utf16"
	"unicode/utf8"
)

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
