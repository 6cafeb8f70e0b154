package jsonview

import (
	"math"
	"reflect"
	"strconv"
	"unicode/utf8"
)

// Append appends to b the encoding of v, a struct value of o's type, as
// json.Marshal writes it, byte for byte (a differential fuzz test holds
// it to that), and reports whether it did. It does not, and the caller is
// to use json.Marshal, when json.Marshal would fail or write what Append
// is not sure of: a float64 that is NaN or infinite (json's error), a
// member name other than letters, digits, '_', '-' and '.', a value
// nested deeper than maxDepth. What it appended is then left in b past
// its old length.
//
// Strings are escaped as json.Marshal escapes them: '"', '\\' and the
// control characters, '<', '>' and '&' as \u003c, \u003e and \u0026,
// U+2028 and U+2029, and each byte that is not UTF-8 as \ufffd.
func (o *ObjectType) Append(b []byte, v reflect.Value) ([]byte, bool) {
	return o.append(b, v, 0)
}

// maxDepth bounds the nesting Append follows, so that a value which
// points into itself ends (json.Marshal reports such a cycle as an error).
const maxDepth = 64

func (o *ObjectType) append(b []byte, v reflect.Value, depth int) ([]byte, bool) {
	if !o.plainNames || depth > maxDepth {
		return b, false
	}
	b = append(b, '{')
	first := true
	for i := range o.Members {
		m := &o.Members[i]
		f, present, null := m.Read(v)
		if !present {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, '"')
		b = append(b, m.Name...)
		b = append(b, '"', ':')
		if null {
			b = append(b, "null"...)
			continue
		}
		var ok bool
		if b, ok = appendValue(b, m.Kind, m.Elem, m.Object, f, depth); !ok {
			return b, false
		}
	}
	return append(b, '}'), true
}

// appendValue appends v, of Kind k (with elements of Kind elem, objects of
// type obj).
func appendValue(b []byte, k, elem Kind, obj *ObjectType, v reflect.Value, depth int) ([]byte, bool) {
	switch k {
	case String:
		return appendString(b, v.String()), true
	case Number:
		return appendNumber(b, v)
	case Bool:
		if v.Bool() {
			return append(b, "true"...), true
		}
		return append(b, "false"...), true
	case Object:
		return obj.append(b, v, depth+1)
	case Array:
		if v.IsNil() { // through a pointer that is not nil
			return append(b, "null"...), true
		}
		b = append(b, '[')
		for i := range v.Len() {
			if i > 0 {
				b = append(b, ',')
			}
			var ok bool
			if b, ok = appendValue(b, elem, Unsupported, obj, v.Index(i), depth+1); !ok {
				return b, false
			}
		}
		return append(b, ']'), true
	}
	return b, false
}

// appendNumber writes v as encoding/json's encoders of integers and of
// float64 do: the shortest decimal that reads back as v, in exponent form
// (with at least one digit of exponent) below 1e-6 and from 1e21 in
// magnitude. NaN and ±Inf are not written: json.Marshal refuses them.
func appendNumber(b []byte, v reflect.Value) ([]byte, bool) {
	switch v.Kind() {
	case reflect.Float64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return b, false
		}
		// An integer below 2⁵³ in magnitude, which an amount or a count
		// mostly is, has its digits for its shortest decimal: AppendInt
		// writes them faster. -0 keeps its sign by AppendFloat.
		if i := int64(f); float64(i) == f && -1<<53 < i && i < 1<<53 && (i != 0 || !math.Signbit(f)) {
			return strconv.AppendInt(b, i, 10), true
		}
		format := byte('f')
		if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
			format = 'e'
		}
		b = strconv.AppendFloat(b, f, format, -1, 64)
		if format == 'e' {
			// e-07 becomes e-7, as json writes it.
			if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
				b[n-2] = b[n-1]
				b = b[:n-1]
			}
		}
		return b, true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.AppendUint(b, v.Uint(), 10), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.AppendInt(b, v.Int(), 10), true
	}
	return b, false
}

// appendString writes s quoted and escaped as json.Marshal does, with its
// HTML escaping.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if asIs[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default: // the other control characters, '<', '>', '&'
				b = append(b, '\\', 'u', '0', '0', hexDigit[c>>4], hexDigit[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigit[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

const hexDigit = "0123456789abcdef"

// asIs holds, for each ASCII byte, whether json.Marshal writes it in a
// string as it is: from space to DEL but for '"', '\\', '<', '>' and '&'.
var asIs = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// plainName reports whether encoding/json writes name, a member's name, as
// it is (it escapes some bytes, and takes the Go field's name instead of a
// tag's that is not valid): letters, digits, '_', '-' and '.' are.
func plainName(name string) bool {
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return name != ""
}
