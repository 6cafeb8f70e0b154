package spec

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
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
		return "no changes (oasdiff, the Data schemas and the servers included)\n"
	}
	var b strings.Builder
	for _, c := range r.Changes {
		b.WriteString(c.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// Diff loads and validates the vendor specs at basePath and newPath (Load),
// turns both into their InnerView, and runs oasdiff's backward-compatibility
// checks from base to new at every level (info and up), with removed
// properties raised to errors (see generatedGoSeverity). Changes inside the
// request and response Data schemas are reported as property changes of the
// operation's request or response, named Data/<property>. Any change of the
// servers, which oasdiff does not report, comes first, as breaking (see
// serverChanges).
func Diff(ctx context.Context, basePath, newPath string) (Report, error) {
	base, err := innerSpecInfo(ctx, basePath)
	if err != nil {
		return Report{}, err
	}
	rev, err := innerSpecInfo(ctx, newPath)
	if err != nil {
		return Report{}, err
	}
	r := Report{Changes: serverChanges(base.Spec.Servers, rev.Spec.Servers)}
	d, sources, err := diff.GetWithOperationsSourcesMap(diff.NewConfig(), base, rev)
	if err != nil {
		return Report{}, fmt.Errorf("oasdiff: %w", err)
	}
	found := checker.CheckBackwardCompatibilityUntilLevel(
		checker.NewConfig(checker.GetAllChecks(), checker.WithSeverityLevels(generatedGoSeverity)),
		d, sources, checker.INFO)
	slices.SortFunc(found, checker.CompareChanges)
	l := checker.NewLocalizer("en")
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
		return nil, fmt.Errorf("page %s: %w", path, err)
	}
	return &load.SpecInfo{Url: path, Spec: doc, Version: doc.Info.Version}, nil
}

// serversOperation is the Operation of a Change of the servers.
const serversOperation = "servers"

// serverChanges reports every change of the servers' URLs from base to rev
// as breaking: a URL removed, added or listed another number of times, or
// the same URLs in another order. The generated ServerURLStage and
// ServerURLProduction come from the servers by host (the shared overlay
// names them), so a changed list may mean ECPay moved a host, or that the
// overlay now names the wrong one; someone must look before regenerating.
func serverChanges(base, rev openapi3.Servers) []Change {
	before, after := serverURLs(base), serverURLs(rev)
	countIn := func(urls []string, u string) int {
		n := 0
		for _, v := range urls {
			if v == u {
				n++
			}
		}
		return n
	}
	change := func(id, format string, args ...any) Change {
		return Change{Level: checker.ERR.String(), ID: id, Operation: serversOperation, Text: fmt.Sprintf(format, args...)}
	}
	var out []Change
	seen := map[string]bool{}
	for _, u := range append(slices.Clone(before), after...) {
		if seen[u] {
			continue
		}
		seen[u] = true
		switch b, a := countIn(before, u), countIn(after, u); {
		case a == 0:
			out = append(out, change("server-removed", "server %s was removed", u))
		case b == 0:
			out = append(out, change("server-added", "server %s was added", u))
		case a != b:
			out = append(out, change("server-repeated", "server %s is listed %d times, was %d", u, a, b))
		}
	}
	if len(out) == 0 && !slices.Equal(before, after) {
		for i, u := range after {
			if before[i] != u {
				out = append(out, change("server-moved", "server %s moved from position %d to %d", u, slices.Index(before, u)+1, i+1))
			}
		}
	}
	return out
}

func serverURLs(servers openapi3.Servers) []string {
	var urls []string
	for _, s := range servers {
		if s != nil {
			urls = append(urls, s.URL)
		}
	}
	return urls
}
