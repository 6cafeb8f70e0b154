package input

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestLineReader(t *testing.T) {
	tests := map[string]struct {
		input string
		max   int
		want  []string // "!" marks a line too long
	}{
		"LF":                      {"a\nb\n", 10, []string{"a", "b"}},
		"CRLF":                    {"a\r\nb\r\n", 10, []string{"a", "b"}},
		"no final newline":        {"a\nb", 10, []string{"a", "b"}},
		"lone CR stays":           {"a\rb\n", 10, []string{"a\rb"}},
		"empty lines":             {"\n\na\n", 10, []string{"", "", "a"}},
		"exactly max":             {"12345\n", 5, []string{"12345"}},
		"too long":                {"123456\nok\n", 5, []string{"!", "ok"}},
		"too long past a buffer":  {strings.Repeat("x", 200<<10) + "\nok", 100 << 10, []string{"!", "ok"}},
		"long within the maximum": {strings.Repeat("x", 200<<10) + "\n", 300 << 10, []string{strings.Repeat("x", 200<<10)}},
		"empty input":             {"", 10, nil},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			lr := NewLineReader(strings.NewReader(tt.input), tt.max)
			var got []string
			for {
				line, err := lr.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if lr.TooLong {
					got = append(got, "!")
				} else {
					got = append(got, string(line))
				}
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
				t.Errorf("got %.40q, want %.40q", got, tt.want)
			}
		})
	}
}
