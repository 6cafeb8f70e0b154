// Package cmdline holds what the commands share about their command lines
// on top of cobra: they took their flags with package flag, which accepts
// a long flag with one dash as with two (-tsr A, -rate=5), and still do.
package cmdline

import (
	"strings"

	"github.com/spf13/pflag"
)

// LongFlags returns args, the arguments of a command whose flags are fs,
// with every flag spelled with one dash and more than one letter (-tsr,
// -rate=5, -frob) spelled with two, as pflag wants it; -h and -help, --h
// and --help all ask for help, as they did. A flag's value (--data -x) and
// what follows "--" are left as they are.
func LongFlags(fs *pflag.FlagSet, args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			return append(out, args[i:]...)
		}
		if len(arg) < 2 || arg[0] != '-' || arg == "-h" {
			out = append(out, arg) // an argument, "-", or cobra's -h
			continue
		}
		body := strings.TrimPrefix(arg[1:], "-")
		if body == "" || body[0] == '-' {
			out = append(out, arg) // pflag refuses ---x as package flag did
			continue
		}
		name, value, hasValue := strings.Cut(body, "=")
		if name == "h" {
			name = "help"
		}
		if hasValue {
			out = append(out, "--"+name+"="+value)
			continue
		}
		out = append(out, "--"+name)
		if f := fs.Lookup(name); f != nil && f.NoOptDefVal == "" && i+1 < len(args) {
			i++ // its value, whatever it looks like
			out = append(out, args[i])
		}
	}
	return out
}

// Repeated is a flag that may be given several times, its values in the
// order given. Its Set never fails, so pflag never quotes a value (which
// could hold a key) in an error; the command checks the values after
// parsing.
type Repeated []string

// String returns the values joined with commas.
func (r *Repeated) String() string { return strings.Join(*r, ",") }

// Set adds v to the values.
func (r *Repeated) Set(v string) error {
	*r = append(*r, v)
	return nil
}

// Type is what pflag calls the flag's value.
func (r *Repeated) Type() string { return "string" }
