package spec

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/oasdiff/oasdiff/checker"
	"github.com/oasdiff/oasdiff/diff"
	"github.com/oasdiff/oasdiff/load"
)

// generatedGoSeverity raises to "error" the changes that are compatible on
// the wire but break Go code generated from the spec: a removed property is a
// removed struct field, and every program that sets or reads it stops
// compiling after `go generate`. oasdiff rates these as warning or info.
var generatedGoSeverity = map[string]checker.Level{
	"request-property-removed":           checker.ERR,
	"response-optional-property-removed": checker.ERR,
}

// Change is one difference oasdiff found between two vendor specs.
type Change struct {
	Level     string // "error" (breaking), "warning" or "info"
	ID        string // oasdiff's rule id, e.g. request-property-max-length-decreased
	Operation string // e.g. "POST /B2CInvoice/CancelDelayIssue"
	Text      string // oasdiff's message, naming the property
}

// String formats the change as one line of the spec-diff report.
func (c Change) String() string {
	return fmt.Sprintf("%-7s %s %s: %s", c.Level, c.Operation, c.ID, c.Text)
}

// Report is the outcome of Diff.
type Report struct {
	Changes []Change
}

// Breaking reports whether any change is breaking (level "error").
func (r Report) Breaking() bool {
	return slices.ContainsFunc(r.Changes, func(c Change) bool { return c.Level == "error" })
}

// String formats the report, one change a line, most severe first.
func (r Report) String() string {
	if len(r.Changes) == 0 {
		return "no changes between the specs that oasdiff reports\n"
	}
	var b strings.Builder
	for _, c := range r.Changes {
		b.WriteString(c.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// Diff loads and validates the vendor specs at basePath and newPath, turns
// both into their InnerView, and runs oasdiff's backward-compatibility
// checks from base to new at every level (info and up), with removed
// properties raised to errors (see generatedGoSeverity). Changes inside the
// request and response Data schemas are reported as property changes of the
// operation's request or response, named Data/<property>.
func Diff(ctx context.Context, basePath, newPath string) (Report, error) {
	base, err := innerSpecInfo(ctx, basePath)
	if err != nil {
		return Report{}, err
	}
	rev, err := innerSpecInfo(ctx, newPath)
	if err != nil {
		return Report{}, err
	}
	d, sources, err := diff.GetWithOperationsSourcesMap(diff.NewConfig(), base, rev)
	if err != nil {
		return Report{}, fmt.Errorf("oasdiff: %w", err)
	}
	found := checker.CheckBackwardCompatibilityUntilLevel(
		checker.NewConfig(checker.GetAllChecks(), checker.WithSeverityLevels(generatedGoSeverity)),
		d, sources, checker.INFO)
	slices.SortFunc(found, checker.CompareChanges)
	l := checker.NewLocalizer("en")
	var r Report
	for _, c := range found {
		r.Changes = append(r.Changes, Change{
			Level:     c.GetLevel().String(),
			ID:        c.GetId(),
			Operation: strings.TrimSpace(c.GetOperation() + " " + c.GetPath()),
			Text:      c.GetUncolorizedText(l),
		})
	}
	return r, nil
}

func innerSpecInfo(ctx context.Context, path string) (*load.SpecInfo, error) {
	doc, err := Load(ctx, path)
	if err != nil {
		return nil, err
	}
	if err := InnerView(doc); err != nil {
		return nil, fmt.Errorf("spec %s: %w", path, err)
	}
	return &load.SpecInfo{Url: path, Spec: doc, Version: doc.Info.Version}, nil
}
