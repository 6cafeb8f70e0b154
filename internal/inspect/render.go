package inspect

import (
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"html/template"
	"io"
	"slices"
	"strings"

	"github.com/ecpay-go/einvoice/generated/registry"
)

//go:embed assets
var assets embed.FS

// pages are the templates of the inspector and the report: one rendering
// for both.
var pages = template.Must(template.ParseFS(assets, "assets/page.html"))

// asset returns an embedded file, which is there by construction.
func asset(name string) []byte {
	b, err := assets.ReadFile("assets/" + name)
	if err != nil {
		panic(err)
	}
	return b
}

var (
	styleSheet = asset("ui.css")
	script     = asset("ui.js")
)

// pageData is what the page template shows.
type pageData struct {
	Title      string
	Mode       string
	Base       string // the inspector's path, e.g. /_sim/ui
	View       string // "exchanges" or "state"
	Standalone bool   // a report file: its style and script inline
	CSP        string
	CSS        template.CSS
	JS         template.JS
	Live       string // the URL of new rows; "" for no live updates
	LastSeq    int64

	Rows       []row
	Total      int
	Operations []string
	Verdicts   []string
	Filter     filter
	Summary    *summary

	State   node
	Faults  bool
	Pending int
	Message string
	Error   string
}

// filter is the filter of the exchanges the page shows, from its query.
type filter struct{ Op, Verdict, Q string }

// keep reports whether r passes f.
func (f filter) keep(r *row, text func() string) bool {
	switch {
	case f.Op != "" && r.Operation != f.Op, f.Verdict != "" && r.Verdict != f.Verdict:
		return false
	case f.Q != "":
		return strings.Contains(strings.ToLower(text()), strings.ToLower(f.Q))
	}
	return true
}

// operations lists every operation of the registry, for the filter.
func operations() []string {
	var names []string
	for _, op := range registry.All() {
		names = append(names, op.Name)
	}
	return names
}

// rows makes the rows of entries, newest first, that pass f.
func rows(entries []Entry, f filter) []row {
	out := make([]row, 0, len(entries))
	for _, e := range slices.Backward(entries) {
		r := newRow(e)
		if f.keep(&r, func() string { return rowText(&r) }) {
			out = append(out, r)
		}
	}
	return out
}

// rowText is the text a search looks in: what the row shows.
func rowText(r *row) string {
	var b strings.Builder
	for _, s := range []string{r.Time, r.Operation, r.Merchant, r.TransCode, r.TransMsg, r.RtnCode, r.RtnMsg, r.Meaning, r.Class, r.Verdict, r.Failure} {
		b.WriteString(s + "\n")
	}
	for _, n := range r.Notes {
		b.WriteString(n + "\n")
	}
	for _, s := range r.Sides {
		for _, l := range append(slices.Clone(s.Data), s.Envelope...) {
			b.WriteString(l.Text + "\n")
			for _, p := range l.Pins {
				b.WriteString(p.Rule + " " + p.Reason + "\n")
			}
		}
		for _, p := range s.Loose {
			b.WriteString(p.Rule + " " + p.Reason + "\n")
		}
		b.WriteString(s.DataNote + "\n" + s.Body + "\n")
	}
	return b.String()
}

// hashSource is a CSP source allowing exactly the inline text s.
func hashSource(s []byte) string {
	sum := sha256.Sum256(s)
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// reportCSP is the policy of a report file: nothing from anywhere, and
// only its own inline style and script, by their hashes, so that no
// script a value could smuggle in would run.
var reportCSP = "default-src 'none'; style-src " + hashSource(styleSheet) + "; script-src " + hashSource(script) + "; img-src data:; base-uri 'none'; form-action 'none'"

// servedCSP is the policy of the served inspector: its script and style
// only from its own files, no inline script.
const servedCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func render(w io.Writer, name string, d *pageData) error {
	return pages.ExecuteTemplate(w, name, d)
}

// cssText and jsText are the style and script a report holds inline, as
// its policy's hashes allow them.
var (
	cssText = template.CSS(styleSheet)
	jsText  = template.JS(script)
)
