package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/ecpay-go/einvoice/internal/input"
)

// maxDataLine bounds a line of encrypt and decrypt: ECPay reads request
// bodies of at most 1 MiB, so a few MiB leaves room for any real Data.
const maxDataLine = 4 << 20

// lineCommand is encrypt or decrypt: stdin to stdout, one item per line.
// Output line n answers input line n; a bad line prints an empty line, is
// reported on stderr with its number, and makes the exit status 2.
type lineCommand struct {
	name string
	help help
	// setup returns the conversion of one line for the credentials.
	setup func(cred credentials) (func(line []byte) ([]byte, error), error)
}

// subcommand is lc as a subcommand of the command line, with summary.
func (lc lineCommand) subcommand(summary string) subcommand {
	return subcommand{name: lc.name, summary: summary, help: func() help { return lc.help }, define: lc.define}
}

// define registers the credential flags on fs and returns the run of lc.
func (lc lineCommand) define(fs *pflag.FlagSet) runFunc {
	var cf credentialFlags
	cf.register(fs)
	return func(ctx context.Context, _ []string, std stdio) int { return lc.run(ctx, fs, &cf, std) }
}

// run is lc once its flags, cf, are parsed by fs.
func (lc lineCommand) run(ctx context.Context, fs *pflag.FlagSet, cf *credentialFlags, std stdio) int {
	cred, err := cf.resolve(fs, std.getenv, false)
	if err != nil {
		return usageFailure(lc.name, err, std.stderr)
	}
	convert, err := lc.setup(cred)
	if err != nil {
		return usageFailure(lc.name, err, std.stderr)
	}
	code := exitOK
	interrupted, err := eachLine(ctx, std.stdin, maxDataLine, func(number int, line []byte, tooLong bool) {
		var out []byte
		var problem error
		if tooLong {
			problem = fmt.Errorf("longer than %s, the limit of %s; skipped", input.SizeName(maxDataLine), lc.name)
		} else {
			out, problem = convert(line)
		}
		if problem != nil {
			fmt.Fprintf(std.stderr, "ecpay-invoice %s: line %d: %v\n", lc.name, number, problem)
			code = exitInvalid
			out = nil
		}
		_, _ = std.stdout.Write(append(out, '\n'))
	})
	switch {
	case err != nil:
		fmt.Fprintf(std.stderr, "ecpay-invoice %s: reading stdin: %v\n", lc.name, err)
		return exitFailure
	case interrupted:
		return exitInterrupted
	}
	return code
}

// eachLine calls fn with each line of r, in order, until r ends or ctx
// does. The reading happens on another goroutine so that a signal is
// noticed even while stdin blocks.
func eachLine(ctx context.Context, r io.Reader, max int, fn func(number int, line []byte, tooLong bool)) (interrupted bool, err error) {
	type item struct {
		number  int
		line    []byte
		tooLong bool
		err     error
	}
	items := make(chan item)
	more := make(chan struct{})
	go func() {
		defer close(items)
		lr := input.NewLineReader(r, max)
		for {
			line, err := lr.Next()
			select {
			case items <- item{lr.Number, line, lr.TooLong, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
			// The line's buffer is reused: wait until fn is done with it.
			select {
			case <-more:
			case <-ctx.Done():
				return
			}
		}
	}()
	for {
		select {
		case it, ok := <-items:
			if !ok {
				return true, nil
			}
			if it.err == io.EOF {
				return false, nil
			}
			if it.err != nil {
				return false, it.err
			}
			fn(it.number, it.line, it.tooLong)
			select {
			case more <- struct{}{}:
			case <-ctx.Done():
				return true, nil
			}
		case <-ctx.Done():
			return true, nil
		}
	}
}
