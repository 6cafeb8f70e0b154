package cmdline

import (
	"slices"
	"testing"

	"github.com/spf13/pflag"
)

func TestLongFlags(t *testing.T) {
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	fs.String("data", "", "")
	fs.Bool("adopt", false, "")
	tests := map[string]struct{ args, want []string }{
		"one dash":                  {[]string{"-data", "x"}, []string{"--data", "x"}},
		"one dash with its value":   {[]string{"-data=x"}, []string{"--data=x"}},
		"two dashes":                {[]string{"--data", "x"}, []string{"--data", "x"}},
		"a value that is a flag":    {[]string{"-data", "-adopt"}, []string{"--data", "-adopt"}},
		"a boolean takes no value":  {[]string{"-adopt", "-data", "x"}, []string{"--adopt", "--data", "x"}},
		"an unknown flag":           {[]string{"-frob"}, []string{"--frob"}},
		"help":                      {[]string{"-help"}, []string{"--help"}},
		"h with two dashes":         {[]string{"--h"}, []string{"--help"}},
		"cobra's -h":                {[]string{"-h"}, []string{"-h"}},
		"an argument and stdin":     {[]string{"Op", "-"}, []string{"Op", "-"}},
		"after --":                  {[]string{"--", "-data"}, []string{"--", "-data"}},
		"three dashes stay refused": {[]string{"---data"}, []string{"---data"}},
		"a flag's value at the end": {[]string{"-data"}, []string{"--data"}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := LongFlags(fs, tt.args); !slices.Equal(got, tt.want) {
				t.Errorf("LongFlags(%q) = %q, want %q", tt.args, got, tt.want)
			}
		})
	}
}

// A Repeated flag keeps every value in order and never refuses one, so
// that pflag has no error quoting a value.
func TestRepeated(t *testing.T) {
	var r Repeated
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	fs.Var(&r, "merchant", "")
	if err := fs.Parse([]string{"--merchant", "a:b:c", "--merchant=", "--merchant", "d"}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"a:b:c", "", "d"}; !slices.Equal(r, want) {
		t.Errorf("values %q, want %q", r, want)
	}
	if got := fs.Lookup("merchant").Value.Type(); got != "string" {
		t.Errorf("Type() = %q, want string", got)
	}
}
