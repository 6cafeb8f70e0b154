package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/ecpay-go/einvoice/ecpaysim/proxy"
	"github.com/ecpay-go/einvoice/internal/batch"
	"github.com/ecpay-go/einvoice/internal/input"
	"github.com/ecpay-go/einvoice/internal/inspect"
)

// validateRecording re-checks every exchange of the recording at path (-
// for stdin), read up to proxy.MaxRecordingBytes, with proxy.CheckExchange, the
// check the proxy makes, and compares the verdicts with those recorded. An
// exchange whose upstream failed is counted, not checked. With htmlPath, it
// also writes the check as an inspect.Report there. It ends with ctx, even
// while it waits on a pipe.
func validateRecording(ctx context.Context, path, htmlPath string, std stdio) int {
	var in *input.File
	if path == "-" {
		in = input.Stream(ctx, "--record", "stdin", std.stdin, proxy.MaxRecordingBytes)
	} else {
		var err error
		if in, err = input.Open(ctx, "--record", path, proxy.MaxRecordingBytes); err != nil {
			if ctx.Err() != nil {
				return interrupted(std, err)
			}
			return usageFailure("validate", err, std.stderr)
		}
		defer in.Close()
	}
	name := in.Name
	report := inspect.NewReport(name)
	var exchanges, found, withViolations, added, gone, failures, bad int
	for line, err := range proxy.ReadRecording(in) {
		if err != nil {
			if ctx.Err() != nil {
				return interrupted(std, err)
			}
			bad++
			var tooLarge *input.TooLargeError
			if errors.As(err, &tooLarge) {
				fmt.Fprintf(std.stderr, "ecpay-invoice validate: %v\n", tooLarge)
				return exitInvalid
			}
			fmt.Fprintf(std.stderr, "ecpay-invoice validate: %s: %s\n", name, strings.TrimPrefix(err.Error(), "ecpaysim: "))
			report.Unread(strings.TrimPrefix(err.Error(), "ecpaysim: "))
			if !isLineError(err) {
				return exitFailure
			}
			continue
		}
		if ctx.Err() != nil {
			return interrupted(std, context.Cause(ctx))
		}
		exchanges++
		ex := line.Exchange
		entry := inspect.Entry{Seq: int64(line.Number), Exchange: ex}
		if ex.UpstreamFailure != "" {
			failures++
			report.Add(entry, 0, 0)
			continue
		}
		vs, err := proxy.CheckExchange(ex)
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
		addedBefore, goneBefore := added, gone
		for _, v := range vs {
			mark := ""
			if !slices.Contains(recorded, v.String()) {
				mark, added = " (new since the recording)", added+1
			}
			fmt.Fprintf(std.stdout, "line %d: %s: %s%s\n", line.Number, what, batch.OneLine(v.String()), mark)
		}
		for _, v := range ex.Violations {
			if !slices.Contains(now, v.String()) {
				gone++
				fmt.Fprintf(std.stdout, "line %d: %s: no longer a violation: %s\n", line.Number, what, batch.OneLine(v.String()))
			}
		}
		if len(vs) > 0 {
			found += len(vs)
			withViolations++
		}
		entry.Violations = vs
		report.Add(entry, added-addedBefore, gone-goneBefore)
	}
	fmt.Fprintf(std.stdout, "record: %d %s, %d %s in %d of them (%d new since the recording, %d gone); %d upstream %s, not checked\n",
		exchanges, plural(exchanges, "exchange", "exchanges"), found, plural(found, "violation", "violations"),
		withViolations, added, gone, failures, plural(failures, "failure", "failures"))
	if htmlPath != "" {
		if err := writeReport(htmlPath, report); err != nil {
			fmt.Fprintf(std.stderr, "ecpay-invoice validate: --html: %v\n", err)
			return exitFailure
		}
		fmt.Fprintf(std.stdout, "report: %s\n", htmlPath)
	}
	switch {
	case bad > 0:
		return exitInvalid
	case found > 0:
		// The same status as a refusal: the answer is "no".
		return exitRefused
	}
	return exitOK
}

// writeReport writes report to path, readable by its owner only: it holds
// the recording's decrypted Data.
func writeReport(path string, report *inspect.Report) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := report.WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// interrupted reports on stderr that validate was stopped, by err, and
// returns the status of an interruption.
func interrupted(std stdio, err error) int {
	fmt.Fprintf(std.stderr, "ecpay-invoice validate: stopped: %v\n", err)
	return exitInterrupted
}

// isLineError reports whether err is about one line of the recording, after
// which reading goes on, rather than a failure to read it at all.
func isLineError(err error) bool {
	var le *proxy.RecordingError
	return errors.As(err, &le)
}

func verdicts(vs []proxy.RecordedViolation) []string {
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
