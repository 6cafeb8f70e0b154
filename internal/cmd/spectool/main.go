// Command spectool backs the Makefile's spec targets (see package
// internal/spec):
//
//	spectool validate DIR   every page of DIR alone with kin-openapi, then with its
//	                        overlays as the generator applies them, then that the
//	                        pages agree (make validate-spec: DIR is openapi)
//	spectool diff DIR NEW   the page of DIR that NEW is a version of, found by NEW's
//	                        path, against its committed version: oasdiff's report,
//	                        Data schemas and servers included, and whether the
//	                        overlays still apply to NEW; a NEW matching no page is
//	                        a new page (make spec-diff NEW=path: DIR is openapi)
//
// Exit status: 0 fine; 1 a page fails validation, NEW breaks clients or the
// overlays no longer apply to it; 2 usage error.
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/ecpay-go/einvoice/internal/spec"
)

const usage = `usage:
  spectool validate DIR
  spectool diff DIR NEW`

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 2 && args[0] == "validate":
		return validate(ctx, args[1], stdout, stderr)
	case len(args) == 3 && args[0] == "diff":
		return diffPage(ctx, args[1], args[2], stdout, stderr)
	default:
		fmt.Fprintln(stderr, usage)
		return 2
	}
}

func validate(ctx context.Context, dir string, stdout, stderr io.Writer) int {
	v := spec.ValidateDir(ctx, dir)
	for _, line := range v.Passed {
		fmt.Fprintln(stdout, line)
	}
	for _, err := range v.Problems {
		fmt.Fprintf(stderr, "spectool: %v\n", err)
	}
	if len(v.Problems) > 0 {
		noun := "problems"
		if len(v.Problems) == 1 {
			noun = "problem"
		}
		fmt.Fprintf(stderr, "spectool: %d %s in %s\n", len(v.Problems), noun, dir)
		return 1
	}
	return 0
}

func diffPage(ctx context.Context, dir, newFile string, stdout, stderr io.Writer) int {
	d, err := spec.ComparePage(ctx, dir, newFile)
	if err != nil {
		fmt.Fprintf(stderr, "spectool: %v\n", err)
		return 1
	}
	fmt.Fprint(stdout, d)
	if d.Breaking() {
		fmt.Fprintf(stderr, "spectool: %s needs a look before `go generate`: see the errors above\n", newFile)
		return 1
	}
	return 0
}
