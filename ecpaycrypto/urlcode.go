package ecpaycrypto

// bytestring lets the URL coders work on both the exported string API and the
// codec's byte buffers without converting (and so copying) either.
type bytestring interface {
	~string | ~[]byte
}

// phpLiteral marks the bytes that PHP's urlencode leaves as they are.
var phpLiteral = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
		t[c+'a'-'A'] = true
	}
	t['-'], t['_'], t['.'] = true, true, true
	return t
}()

// unhex maps a hex digit of either case to its value and every other byte to
// notHex.
var unhex = func() (t [256]byte) {
	for i := range t {
		t[i] = notHex
	}
	for c := byte('0'); c <= '9'; c++ {
		t[c] = c - '0'
	}
	for c := byte('a'); c <= 'f'; c++ {
		t[c] = c - 'a' + 10
		t[c-'a'+'A'] = c - 'a' + 10
	}
	return t
}()

const (
	notHex   = 0xff
	upperHex = "0123456789ABCDEF"
)

// URLEncode returns s encoded exactly as PHP's urlencode does, which is what
// ECPay's official SDK applies before encryption: ASCII letters, digits and
// "-_." stay literal, a space becomes '+', and every other byte becomes %XX
// with uppercase hex. Unlike url.QueryEscape it also escapes '~' (as %7E).
// Any bytes are accepted; s need not be valid UTF-8.
func URLEncode(s string) string {
	n := urlEncodedLen(s)
	if n == len(s) && !hasByte(s, ' ') {
		return s
	}
	b := make([]byte, n)
	urlEncode(b, s)
	return string(b)
}

// URLDecode returns s decoded exactly as PHP's urldecode does: '+' becomes a
// space, %XX with hex digits of either case becomes that byte, and a '%' not
// followed by two hex digits is kept literally. It never fails, so it accepts
// what PHP's urlencode, Go's url.QueryEscape and .NET's HttpUtility.UrlEncode
// (lowercase hex, "!*()" left literal) produce.
func URLDecode(s string) string {
	if !hasByte(s, '%') && !hasByte(s, '+') {
		return s
	}
	b := make([]byte, urlDecodedLen(s))
	urlDecode(b, s)
	return string(b)
}

func hasByte[T bytestring](s T, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

// urlEncodedLen returns len(URLEncode(s)) without encoding.
func urlEncodedLen[T bytestring](s T) int {
	n := len(s)
	for i := 0; i < len(s); i++ {
		if c := s[i]; !phpLiteral[c] && c != ' ' {
			n += 2
		}
	}
	return n
}

// urlEncode writes the PHP urlencode form of src to dst, which must be
// urlEncodedLen(src) bytes long.
func urlEncode[T bytestring](dst []byte, src T) {
	j := 0
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case phpLiteral[c]:
			dst[j] = c
			j++
		case c == ' ':
			dst[j] = '+'
			j++
		default:
			dst[j] = '%'
			dst[j+1] = upperHex[c>>4]
			dst[j+2] = upperHex[c&0xf]
			j += 3
		}
	}
}

// urlDecodedLen returns len(URLDecode(s)) without decoding.
func urlDecodedLen[T bytestring](s T) int {
	n := len(s)
	for i := 0; i+2 < len(s); i++ {
		if s[i] == '%' && unhex[s[i+1]]|unhex[s[i+2]] != notHex {
			n -= 2
			i += 2
		}
	}
	return n
}

// urlDecode writes the PHP urldecode form of src to dst and returns its
// length. dst may be src itself, because decoding never writes ahead of
// reading.
func urlDecode[T bytestring](dst []byte, src T) int {
	j := 0
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c == '+' {
			c = ' '
		} else if c == '%' && i+2 < len(src) {
			// A hex digit is at most 0x0f, so the OR is notHex (0xff)
			// exactly when either byte is not a hex digit.
			if v := unhex[src[i+1]]<<4 | unhex[src[i+2]]; unhex[src[i+1]]|unhex[src[i+2]] != notHex {
				c = v
				i += 2
			}
		}
		dst[j] = c
		j++
	}
	return j
}
