package main

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/ecpay-go/einvoice/ecpaysim"
)

// validateRecording re-checks every exchange of the recording at path (-
// for stdin) with ecpaysim.CheckExchange, the check the proxy makes, and
// compares the verdicts with those recorded. An exchange whose upstream
// failed is counted, not checked.
func validateRecording(path string, std stdio) int {
	r := std.stdin
	name := "stdin"
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return usageFailure("validate", usagef("--record: %v", err), std.stderr)
		}
		if info, err := f.Stat(); err == nil && info.IsDir() {
			f.Close()
			return usageFailure("validate", usagef("--record: %s is a directory, not a recording", path), std.stderr)
		}
		defer f.Close()
		r, name = f, path
	}
	var exchanges, found, withViolations, added, gone, failures, bad int
	for line, err := range ecpaysim.ReadRecording(r) {
		if err != nil {
			bad++
			fmt.Fprintf(std.stderr, "ecpay-invoice validate: %s: %s\n", name, strings.TrimPrefix(err.Error(), "ecpaysim: "))
			if !isLineError(err) {
				return exitFailure
			}
			continue
		}
		exchanges++
		ex := line.Exchange
		if ex.UpstreamFailure != "" {
			failures++
			continue
		}
		vs, err := ecpaysim.CheckExchange(ex)
		if err != nil {
			fmt.Fprintf(std.stderr, "ecpay-invoice validate: loading the pages: %v\n", err)
			return exitFailure
		}
		what := ex.Operation
		if what == "" {
			what = ex.Method + " " + ex.Path
		}
		recorded := verdicts(ex.Violations)
		now := verdicts(vs)
		for _, v := range vs {
			mark := ""
			if !slices.Contains(recorded, v.String()) {
				mark, added = " (new since the recording)", added+1
			}
			fmt.Fprintf(std.stdout, "line %d: %s: %s%s\n", line.Number, what, oneLine(v.String()), mark)
		}
		for _, v := range ex.Violations {
			if !slices.Contains(now, v.String()) {
				gone++
				fmt.Fprintf(std.stdout, "line %d: %s: no longer a violation: %s\n", line.Number, what, oneLine(v.String()))
			}
		}
		if len(vs) > 0 {
			found += len(vs)
			withViolations++
		}
	}
	fmt.Fprintf(std.stdout, "record: %d %s, %d %s in %d of them (%d new since the recording, %d gone); %d upstream %s, not checked\n",
		exchanges, plural(exchanges, "exchange", "exchanges"), found, plural(found, "violation", "violations"),
		withViolations, added, gone, failures, plural(failures, "failure", "failures"))
	switch {
	case bad > 0:
		return exitInvalid
	case found > 0:
		// The same status as a refusal: the answer is "no".
		return exitRefused
	}
	return exitOK
}

// isLineError reports whether err is about one line of the recording, after
// which reading goes on, rather than a failure to read it at all.
func isLineError(err error) bool {
	var le *ecpaysim.RecordingError
	return errors.As(err, &le)
}

func verdicts(vs []ecpaysim.RecordedViolation) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.String()
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
