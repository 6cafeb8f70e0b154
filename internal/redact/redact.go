// Package redact makes text that came from elsewhere — a server's TransMsg
// or RtnMsg, the start of an error page — safe to keep and to print: the
// merchant's HashKey and HashIV redacted, on one line with no control
// character, and capped. The client's errors, the CLI's result lines and
// the simulator's recordings all go through Text, so the rule is written
// once.
package redact

import (
	"crypto/aes"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
)

// Limit is the most bytes Text returns: enough for any message ECPay sends
// (a few dozen Chinese characters), little enough that a hostile server
// cannot make a line of a results file or an error message grow.
const Limit = 256

// secretLen is the length of a HashKey or a HashIV: an AES-128 key or IV.
const secretLen = aes.BlockSize

// ReadLimit is how much of a longer text Text needs to see to return its
// first limit bytes: a secret that begins within them must be read whole to
// be recognised.
func ReadLimit(limit int) int { return limit + secretLen - 1 }

// Text returns the start of s, at most limit bytes: codec's HashKey and
// HashIV replaced by "[redacted]" before anything else is changed (a secret
// that would straddle the cut is left out whole, so that not even a part of
// one shows), white space collapsed to single spaces, and control and format
// characters (ESC, CR, LF, U+202E) and invalid UTF-8 replaced by U+FFFD. A
// nil codec redacts nothing.
func Text(codec *ecpaycrypto.Codec, s string, limit int) string {
	cut := min(len(s), limit)
	for cut < len(s) && cut > 0 && !utf8.RuneStart(s[cut]) {
		cut-- // not half a character
	}
	for i := max(0, cut-secretLen+1); i < cut; i++ {
		if w := s[i:min(i+secretLen, len(s))]; len(w) == secretLen && codec.Redact(w) != w {
			cut = i
			i = max(0, cut-secretLen+1) - 1 // an overlapping secret may begin earlier
		}
	}
	return oneLine(codec.Redact(s[:cut]), limit)
}

// oneLine makes s safe to print on one line, at most limit bytes long:
// spaces collapsed, control and format characters and invalid UTF-8
// replaced by U+FFFD.
func oneLine(s string, limit int) string {
	if len(s) <= limit && onOneLine(s) {
		return s // nothing to change, and no copy: ECPay's usual message
	}
	return rewriteLine(s, limit)
}

// rewriteLine is oneLine's work on a text that needs changing.
func rewriteLine(s string, limit int) string {
	var sb strings.Builder
	sb.Grow(min(len(s), limit))
	space := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case unicode.IsSpace(r):
			space = sb.Len() > 0
			continue
		case r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			r = utf8.RuneError
		}
		n := utf8.RuneLen(r)
		if space {
			n++
		}
		if sb.Len()+n > limit {
			break
		}
		if space {
			sb.WriteByte(' ')
			space = false
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

// ideographicSpace and byteOrderMark bound the runes between them, none of
// which is white space, a control or a format character (a test checks
// every one), so that onOneLine need not look them up.
const (
	ideographicSpace = '\u3000'
	byteOrderMark    = '\ufeff'
)

// onOneLine reports whether oneLine would return s unchanged (given that s
// is within its limit): valid UTF-8 with no control or format character
// and no white space but single ASCII spaces between other characters.
func onOneLine(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == ' ':
				if i == 0 || i == len(s)-1 || s[i+1] == ' ' {
					return false
				}
			case c < 0x20 || c == 0x7f:
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r > ideographicSpace && r < byteOrderMark {
			continue // CJK and most scripts: no space, control or format character
		}
		if r == utf8.RuneError && size == 1 || unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return false
		}
	}
	return true
}
