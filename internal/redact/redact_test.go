package redact_test

import (
	"strings"
	"testing"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/internal/redact"
)

const (
	key = "0123456789abcdef"
	iv  = "fedcba9876543210"
)

func TestText(t *testing.T) {
	codec, err := ecpaycrypto.New(key, iv)
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		in    string
		limit int
		want  string
	}{
		"the keys":                  {"k=" + key + " iv=" + iv, 256, "k=[redacted] iv=[redacted]"},
		"a key cut by the limit":    {strings.Repeat("x", 10) + key, 20, strings.Repeat("x", 10)},
		"terminal escapes":          {"a\x1b[2Jb\r\nc\x07d", 256, "a\uFFFD[2Jb c\uFFFDd"},
		"format characters":         {"a\u202eb\ufeffc", 256, "a\uFFFDb\uFFFDc"},
		"invalid UTF-8":             {"a\xffb", 256, "a\uFFFDb"},
		"a character not cut":       {"ab訊", 4, "ab"},
		"1 MB of text":              {strings.Repeat("訊", 1<<20/3), redact.Limit, strings.Repeat("訊", redact.Limit/3)},
		"white space collapsed":     {"  a \t\n b  ", 256, "a b"},
		"nothing to change":         {"查無此發票", 256, "查無此發票"},
		"a key after the limit":     {strings.Repeat("x", 300) + key, 256, strings.Repeat("x", 256)},
		"a key across the limit":    {strings.Repeat("x", 250) + key, 256, strings.Repeat("x", 250)},
		"a key whole, the next cut": {strings.Repeat("x", 240) + key + iv, 256, strings.Repeat("x", 240) + "[redacted]"},
	} {
		t.Run(name, func(t *testing.T) {
			if got := redact.Text(codec, tc.in, tc.limit); got != tc.want {
				t.Errorf("Text(%.40q, %d) = %.80q, want %.80q", tc.in, tc.limit, got, tc.want)
			}
		})
	}
	if got := redact.Text(nil, "k="+key+"\x1b", 256); got != "k="+key+"\uFFFD" {
		t.Errorf("Text with no codec = %q, want the text on one line, nothing redacted", got)
	}
}
