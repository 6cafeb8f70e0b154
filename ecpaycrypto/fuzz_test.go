package ecpaycrypto

import (
	"bytes"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// The fuzz targets check this package against the properties it promises
// and against the straightforward implementation in bench_test.go. Run one
// with, for example:
//
//	go test -run='^$' -fuzz='^FuzzDecrypt$' -fuzztime=20s ./ecpaycrypto/

func fuzzCodec(f *testing.F) *Codec {
	f.Helper()
	c, err := New(stageKey, stageIV)
	if err != nil {
		f.Fatal(err)
	}
	return c
}

// urlSeeds are inputs worth starting from for both URL targets.
var urlSeeds = []string{
	"", " ", "+", "%", "%4", "%zz", "%%41", "%2b%2B", "%e4%b8%ad", "%E4%B8%AD", "a+b%20c",
	"~!*()'_.-+/&=%#", "取消開立發票成功", "🧾", "\x00\n\t\x7f\xff", `{"RtnCode":1}`,
}

func FuzzDecrypt(f *testing.F) {
	c := fuzzCodec(f)
	for _, seed := range []string{
		"", "AAAA", "====", "\r\n", "not base64!", "AAAAAAAAAAAAAAAAAAAAAA==",
		"uvI4yrErM37XNQkXGAgRgJAgHn2t72jahaMZzYhWL1HmvH4WV18VJDP2i9pTbC+tby5nxVExLLFyAkbjbS2Dvg==",
		"ZD/z07UvdmL3aYz0tsVo+bFXF5VldNcns6ezyfea777KOmLiizrUNDYe+v1bh2QTT4AySf1NICgXxWXB6f7c6A==",
		"gVwWJnIpl1m3ZDypcRAjiCctilYnQhHn4h8OzJP5IxQPov7HuysXX+jPONvrHS7Z",
		"3au+nzVEzNK4WZBgdWAorQ==",
	} {
		f.Add(seed)
	}
	known := []error{ErrEmptyData, ErrBase64, ErrBlockSize, ErrPadding}
	f.Fuzz(func(t *testing.T, data string) {
		plain, err := c.Decrypt(data)
		var v any
		jsonErr := c.DecryptJSON(data, &v)
		if err != nil {
			if !isOneOf(err, known) {
				t.Fatalf("Decrypt(%q) error %v is none of the documented ones", data, err)
			}
			for _, target := range known {
				if errors.Is(jsonErr, target) != errors.Is(err, target) {
					t.Fatalf("DecryptJSON(%q) error %v, Decrypt error %v", data, jsonErr, err)
				}
			}
			return
		}
		if jsonErr != nil && !isOneOf(jsonErr, []error{ErrInvalidUTF8, ErrJSON}) {
			t.Fatalf("DecryptJSON(%q) error %v after Decrypt succeeded", data, jsonErr)
		}
		if want, err := baselineDecrypt(stageKey, stageIV, data); err == nil && !bytes.Equal(plain, want) {
			t.Fatalf("Decrypt(%q) = %q, baseline %q", data, plain, want)
		}
		again, err := c.Encrypt(plain)
		if err != nil {
			t.Fatal(err)
		}
		if back, err := c.Decrypt(again); err != nil || !bytes.Equal(back, plain) {
			t.Fatalf("Decrypt(Encrypt(%q)) = %q, %v", plain, back, err)
		}
	})
}

func isOneOf(err error, targets []error) bool {
	for _, target := range targets {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

func FuzzRoundTrip(f *testing.F) {
	c := fuzzCodec(f)
	for _, s := range urlSeeds {
		f.Add([]byte(s))
	}
	f.Add(bytes.Repeat([]byte("a"), 16))
	f.Add(bytes.Repeat([]byte("~"), 33))
	f.Fuzz(func(t *testing.T, plain []byte) {
		data, err := c.Encrypt(plain)
		if err != nil {
			t.Fatal(err)
		}
		if want, err := baselineEncrypt(stageKey, stageIV, plain); err != nil || data != want {
			t.Fatalf("Encrypt(%q) = %q, baseline %q (%v)", plain, data, want, err)
		}
		got, err := c.Decrypt(data)
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("Decrypt(Encrypt(%q)) = %q, %v", plain, got, err)
		}
	})
}

// referenceURLDecode is PHP's urldecode written as plainly as possible, to
// compare the table-driven URLDecode against.
func referenceURLDecode(s string) string {
	var out strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '+':
			out.WriteByte(' ')
		case s[i] == '%' && i+2 < len(s) && isHexDigit(s[i+1]) && isHexDigit(s[i+2]):
			v, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			out.WriteByte(byte(v))
			i += 2
		default:
			out.WriteByte(s[i])
		}
	}
	return out.String()
}

func isHexDigit(c byte) bool { return strings.IndexByte("0123456789abcdefABCDEF", c) >= 0 }

func FuzzURLDecode(f *testing.F) {
	for _, s := range urlSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := URLDecode(s)
		if want := referenceURLDecode(s); got != want {
			t.Fatalf("URLDecode(%q) = %q, reference %q", s, got, want)
		}
		if n := urlDecodedLen(s); n != len(got) {
			t.Fatalf("urlDecodedLen(%q) = %d, decoded %d bytes", s, n, len(got))
		}
		if want, err := url.QueryUnescape(s); err == nil && got != want {
			t.Fatalf("URLDecode(%q) = %q, url.QueryUnescape %q", s, got, want)
		}
	})
}

func FuzzURLRoundTrip(f *testing.F) {
	for _, s := range urlSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		enc := URLEncode(s)
		if want := strings.ReplaceAll(url.QueryEscape(s), "~", "%7E"); enc != want {
			t.Fatalf("URLEncode(%q) = %q, url.QueryEscape with ~ fixed %q", s, enc, want)
		}
		if n := urlEncodedLen(s); n != len(enc) {
			t.Fatalf("urlEncodedLen(%q) = %d, encoded %d bytes", s, n, len(enc))
		}
		if got := URLDecode(enc); got != s {
			t.Fatalf("URLDecode(URLEncode(%q)) = %q", s, got)
		}
	})
}
