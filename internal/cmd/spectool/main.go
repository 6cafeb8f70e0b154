// Command spectool backs the Makefile's spec targets.
//
//	spectool validate SPEC [OVERLAY]   kin-openapi validates SPEC, then SPEC with OVERLAY applied strictly
//	spectool diff BASE NEW [OVERLAY]   oasdiff report from BASE to NEW, Data schemas included;
//	                                   exit 1 on a breaking change or when OVERLAY no longer applies to NEW
//
// Exit status: 0 fine, 1 the specs fail the check, 2 usage error.
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/ecpay-go/einvoice/internal/spec"
)

const usage = `usage:
  spectool validate SPEC [OVERLAY]
  spectool diff BASE NEW [OVERLAY]`

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	switch cmd, rest := args[0], args[1:]; {
	case cmd == "validate" && (len(rest) == 1 || len(rest) == 2):
		return validate(ctx, rest, stdout, stderr)
	case cmd == "diff" && (len(rest) == 2 || len(rest) == 3):
		return diffSpecs(ctx, rest, stdout, stderr)
	default:
		fmt.Fprintln(stderr, usage)
		return 2
	}
}

func validate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if _, err := spec.Load(ctx, args[0]); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: valid\n", args[0])
	if len(args) == 2 {
		if _, err := spec.LoadOverlaid(ctx, args[0], args[1]); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		fmt.Fprintf(stdout, "%s with %s: valid\n", args[0], args[1])
	}
	return 0
}

func diffSpecs(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	report, err := spec.Diff(ctx, args[0], args[1])
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprint(stdout, report)
	status := 0
	if report.Breaking() {
		fmt.Fprintf(stderr, "%s breaks clients of %s: review the errors above before regenerating\n", args[1], args[0])
		status = 1
	}
	if len(args) == 3 {
		if _, err := spec.LoadOverlaid(ctx, args[1], args[2]); err != nil {
			fmt.Fprintf(stderr, "the overlay no longer applies to %s; fix %s before `go generate`: %v\n", args[1], args[2], err)
			status = 1
		} else {
			fmt.Fprintf(stdout, "%s still applies to %s\n", args[2], args[1])
		}
	}
	return status
}
