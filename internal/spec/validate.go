package spec

import (
	"context"
	"fmt"
	"strings"

	"github.com/ecpay-go/einvoice/internal/pages"
)

// Validation is what ValidateDir found.
type Validation struct {
	// Passed has a line per check passed, e.g. "openapi/TriggerIssue.yaml: valid".
	Passed []string
	// Problems has one error per problem found, each naming its file.
	Problems []error
}

// ValidateDir checks every page of dir (pages.List): the vendor document
// alone (Load: kin-openapi and the required names), then the page with its
// overlays as the generator loads it (pages.Load), then, when every page
// passed, what the pages must agree on (pages.LoadAll). A page whose vendor
// document fails is not checked with its overlays, so that one problem gives
// one message.
func ValidateDir(ctx context.Context, dir string) Validation {
	var v Validation
	files, err := pages.List(dir)
	if err != nil {
		v.Problems = append(v.Problems, err)
		return v
	}
	for _, f := range files {
		if _, err := Load(ctx, f); err != nil {
			v.Problems = append(v.Problems, split(err)...)
			continue
		}
		v.Passed = append(v.Passed, f+": valid")
		p, err := pages.Load(ctx, f)
		if err != nil {
			v.Problems = append(v.Problems, split(err)...)
			continue
		}
		v.Passed = append(v.Passed, fmt.Sprintf("%s with %s: valid", f, strings.Join(p.Overlays, " and ")))
	}
	if len(v.Problems) > 0 {
		return v
	}
	if _, err := pages.LoadAll(ctx, dir); err != nil {
		v.Problems = append(v.Problems, split(err)...)
		return v
	}
	if len(files) > 1 {
		v.Passed = append(v.Passed, fmt.Sprintf("the %d pages of %s agree on the envelope, the servers, the Timestamp window and the RtnCode names", len(files), dir))
	}
	return v
}
