package inspect

import (
	"bytes"
	"io"
	"maps"
	"slices"
)

// MaxReported is how many exchanges a report shows: the latest; its
// summary counts them all.
const MaxReported = 2000

// Report is the HTML report of a recording's check, one self-contained
// file (no external asset, a policy that lets only its own style and script
// run): a summary, then each exchange as the inspector shows it. Add the
// exchanges in order, then write it with WriteTo.
type Report struct {
	sum     summary
	ops     map[string]int
	entries []Entry
}

// summary is what a report says first.
type summary struct {
	Source                    string
	Exchanges, Violations     int
	WithViolations, New, Gone int
	Failures                  int
	Operations                []opCount
	Unread                    []string
	Shown, Left               int
}

type opCount struct {
	Name  string
	Count int
}

// NewReport returns an empty report of the recording named source.
func NewReport(source string) *Report {
	return &Report{sum: summary{Source: source}, ops: map[string]int{}}
}

// Add adds an exchange as checked: e.Violations are the violations found
// now, of which added were not in the recording, and gone counts those
// of the recording no longer found.
func (r *Report) Add(e Entry, added, gone int) {
	s := &r.sum
	s.Exchanges++
	s.New += added
	s.Gone += gone
	if e.UpstreamFailure != "" {
		s.Failures++
	}
	if len(e.Violations) > 0 {
		s.Violations += len(e.Violations)
		s.WithViolations++
	}
	name := e.Operation
	if name == "" {
		name = e.Method + " " + e.Path
	}
	r.ops[name]++
	if len(r.entries) == MaxReported {
		r.entries = slices.Delete(r.entries, 0, 1)
	}
	r.entries = append(r.entries, e)
}

// Unread notes a line of the recording that could not be read.
func (r *Report) Unread(msg string) { r.sum.Unread = append(r.sum.Unread, msg) }

// WriteTo writes the report's HTML to w.
func (r *Report) WriteTo(w io.Writer) (int64, error) {
	s := r.sum
	for _, name := range slices.Sorted(maps.Keys(r.ops)) {
		s.Operations = append(s.Operations, opCount{name, r.ops[name]})
	}
	s.Shown = len(r.entries)
	s.Left = s.Exchanges - s.Shown
	d := &pageData{
		Title: "ECPay contract report: " + s.Source, Mode: "report", View: "exchanges", Standalone: true,
		CSP: reportCSP, CSS: cssText, JS: jsText,
		Verdicts: Verdicts, Operations: operations(), Summary: &s,
		Rows: rows(r.entries, filter{}),
	}
	var b bytes.Buffer
	if err := render(&b, "page", d); err != nil {
		return 0, err
	}
	n, err := w.Write(b.Bytes())
	return int64(n), err
}
