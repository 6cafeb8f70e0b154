package redact

import (
	"strings"
	"testing"
	"unicode"
)

// FuzzOnOneLine checks oneLine's shortcut against its full rewrite: a text
// onOneLine lets through unchanged is one the rewrite leaves as it is, and
// every text the rewrite leaves as it is takes the shortcut.
func FuzzOnOneLine(f *testing.F) {
	for _, s := range []string{
		"", "開立發票成功", "取消開立發票成功", "a b", " a", "a ", "a  b", "a\tb", "a\u00a0b",
		"a\u3000b", "a\u0085b", "a\u202eb", "a\ufeffb", "a\ufffdb", "a\xffb", "a\x7fb", "\x1b[2J",
		"RtnMsg: 查無此發票 (1)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := rewriteLine(s, len(s))
		if onOneLine(s) != (got == s) {
			t.Errorf("onOneLine(%q) = %v, but the rewrite gives %q", s, onOneLine(s), got)
		}
	})
}

func TestOnOneLine(t *testing.T) {
	for s, want := range map[string]bool{
		"開立發票成功":                true,
		"Invoice issued (1)":    true,
		"":                      true,
		"a  b":                  false,
		" a":                    false,
		"a ":                    false,
		"a\tb":                  false,
		"a\u3000b":              false,
		"a\u202eb":              false,
		"a\xffb":                false,
		"a\ufffdb":              true, // U+FFFD itself is what the rewrite would write
		strings.Repeat("訊", 10): true,
	} {
		if got := onOneLine(s); got != want {
			t.Errorf("onOneLine(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestNoSpecialRuneBetweenIdeographicSpaceAndByteOrderMark(t *testing.T) {
	for r := ideographicSpace + 1; r < byteOrderMark; r++ {
		if unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			t.Errorf("%U is white space, a control or a format character: onOneLine must look it up", r)
		}
	}
}
