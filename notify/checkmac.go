package notify

import (
	"crypto/md5"
	"encoding/hex"
	"net/url"
	"sort"
	"strings"
)

// FieldCheckMacValue is the form field that carries a notification's
// CheckMacValue; it is left out of its own computation.
const FieldCheckMacValue = "CheckMacValue"

// CheckMacValue returns the CheckMacValue of values under a merchant's
// HashKey and HashIV, as ECPay computes it for the e-invoice notifications
// (its appendix page ?p=38242, and CheckMacValueService and UrlService of
// its PHP SDK):
//
//  1. every field but CheckMacValue, sorted by name without regard to
//     letter case (ASCII, as PHP's strcasecmp), joined as name=value with &;
//  2. "HashKey=<key>&" before and "&HashIV=<iv>" after;
//  3. URL-encoded as PHP's urlencode does (a space becomes +; letters,
//     digits and - _ . are kept; every other byte is %XX), then lowercased,
//     then the .NET form of ECPay's table: %21 %2a %28 %29 back to ! * ( );
//  4. the MD5 of that, in upper-case hexadecimal.
//
// The e-invoice notifications use MD5 (ECPay's page and its API guide say
// so); ECPay's payment API uses SHA256 with the same steps, which this
// package does not serve. A field with several values is hashed with its
// first: the parsers refuse such a form. The result is 32 characters.
func CheckMacValue(values url.Values, hashKey, hashIV string) string {
	sum := md5.Sum([]byte(ecpayURLEncode(macSource(values, hashKey, hashIV))))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// macSource is steps 1 and 2 of CheckMacValue: the text that is encoded
// and hashed.
func macSource(values url.Values, hashKey, hashIV string) string {
	names := make([]string, 0, len(values))
	for name := range values {
		if name != FieldCheckMacValue {
			names = append(names, name)
		}
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := strings.ToLower(names[i]), strings.ToLower(names[j])
		if a != b {
			return a < b
		}
		return names[i] < names[j] // the same name in two cases: a fixed order
	})
	var sb strings.Builder
	sb.WriteString("HashKey=")
	sb.WriteString(hashKey)
	for _, name := range names {
		sb.WriteByte('&')
		sb.WriteString(name)
		sb.WriteByte('=')
		sb.WriteString(values.Get(name))
	}
	sb.WriteString("&HashIV=")
	sb.WriteString(hashIV)
	return sb.String()
}

// ecpayURLEncode is step 3 of CheckMacValue in one pass: PHP's urlencode,
// lowercased, with ECPay's .NET replacements. Every % it writes begins a
// triple of its own, so replacing %21 and the like afterwards, as the SDK
// does, can only ever touch the encodings of ! * ( ), which this writes
// unencoded at once (and - _ . , which urlencode never encodes).
func ecpayURLEncode(s string) string {
	const lowerHex = "0123456789abcdef"
	var sb strings.Builder
	sb.Grow(len(s) * 3 / 2)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			sb.WriteByte(c)
		case 'A' <= c && c <= 'Z':
			sb.WriteByte(c + 'a' - 'A')
		case strings.IndexByte("-_.!*()", c) >= 0:
			sb.WriteByte(c)
		case c == ' ':
			sb.WriteByte('+')
		default:
			sb.WriteByte('%')
			sb.WriteByte(lowerHex[c>>4])
			sb.WriteByte(lowerHex[c&0x0f])
		}
	}
	return sb.String()
}
