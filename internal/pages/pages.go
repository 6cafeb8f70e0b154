// Package pages reads ECPay's e-invoice pages: the vendor OpenAPI documents
// in openapi/ (one per operation, kept verbatim) with the overlays that
// correct them. It is the one place that knows how a page becomes the
// document the project generates from: internal/cmd/ecpaygen generates code
// from what Load returns, and the spec tools (make validate-spec, make
// spec-diff) check and compare pages with the same code.
//
// A page is openapi/<Operation>.yaml. Its document is the vendor file, with,
// in this order, the overlay common to every page (openapi/overlay.yaml), the
// page's own overlay if there is one (openapi/<Operation>.overlay.yaml), and
// the actions the project derives from the page itself (see derivedActions).
// Every action is applied strictly and page by page: one whose target
// matches nothing on this page is an error naming the page and the action,
// although the shared overlay's targets use wildcards.
package pages

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/speakeasy-api/openapi/overlay"
	"gopkg.in/yaml.v3"

	"github.com/ecpay-go/einvoice/internal/ecpayop"
	"github.com/ecpay-go/einvoice/internal/rules"
)

// Component names ECPay gives, on every page, to the schemas of the
// plaintext carried encrypted in the envelopes' Data strings.
const (
	RequestDataSchema  = "requestBody.Data"
	ResponseDataSchema = "responses.Data"
)

// File names in the openapi/ directory.
const (
	// SharedOverlay is the overlay applied to every page.
	SharedOverlay = "overlay.yaml"
	// overlaySuffix ends a page's own overlay: <Operation>.overlay.yaml.
	overlaySuffix = ".overlay.yaml"
)

// Go names of the shared envelope types, which live in package generated,
// and the import path of package lenient, whose types every answer member
// decodes into.
const (
	GeneratedImport      = "github.com/ecpay-go/einvoice/generated"
	LenientImport        = "github.com/ecpay-go/einvoice/lenient"
	RequestEnvelopeType  = "RequestEnvelope"
	ResponseEnvelopeType = "ResponseEnvelope"
)

// The server names the shared overlay gives ECPay's two hosts (x-go-name),
// which the generator requires every page to list, each exactly once.
const (
	StageServer      = "ServerURLStage"
	ProductionServer = "ServerURLProduction"
)

// Page is one ECPay page, loaded and overlaid.
type Page struct {
	// Name is the operation's name, the last segment of its path, e.g.
	// TriggerIssue for /B2CInvoice/TriggerIssue.
	Name string
	// Package is the Go package generated for the page: Name in lower case.
	Package string
	// Path is the operation's path, e.g. /B2CInvoice/TriggerIssue.
	Path string
	// File is the vendor document, e.g. openapi/TriggerIssue.yaml.
	File string
	// Overlays are the overlay files applied, in order.
	Overlays []string
	// Summary and Description are the operation's, from the page.
	Summary, Description string
	// Doc is the overlaid document: what the page's package is generated
	// from and embeds.
	Doc *openapi3.T
	// RequestEnvelope and ResponseEnvelope are the envelope schemas,
	// overlaid but not yet mapped to the shared Go types: what those types
	// are generated from.
	RequestEnvelope, ResponseEnvelope *yaml.Node
	// Servers maps StageServer and ProductionServer to their URLs, and
	// ServerDescriptions to their descriptions.
	Servers, ServerDescriptions map[string]string
	// Codes are the RtnCodes known for the operation (x-ecpay-rtn-codes),
	// the shared overlay's first.
	Codes []ecpayop.Code
	// WindowSeconds is how far RqHeader.Timestamp may be from ECPay's
	// clock (x-ecpay-window-seconds on the Timestamp schema).
	WindowSeconds int
	// PlainAnswerData is true when the operation says ExtAnswerData: plain,
	// its answer's Data may be a plain JSON object (GetIssueList).
	PlainAnswerData bool
	// Rules are ECPay's business rules for the request's Data, compiled
	// from x-ecpay-validations on its schema (package internal/rules):
	// a rule that does not compile fails Load.
	Rules *rules.Set
}

// List returns the pages in dir, sorted: every *.yaml but overlays. A
// *.yml file is an error: it would silently be no page.
func List(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading the pages in %s: %w", dir, err)
	}
	var files []string
	for _, e := range entries {
		name := e.Name()
		if base, ok := strings.CutSuffix(name, ".yml"); ok && !e.IsDir() {
			return nil, fmt.Errorf("%s: name it %s.yaml; pages and overlays end in .yaml", filepath.Join(dir, name), base)
		}
		if e.IsDir() || !strings.HasSuffix(name, ".yaml") || name == SharedOverlay || strings.HasSuffix(name, overlaySuffix) {
			continue
		}
		files = append(files, filepath.Join(dir, name))
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s holds no page: save ECPay's page YAML there as <Operation>.yaml", dir)
	}
	slices.Sort(files)
	return files, nil
}

// LoadAll loads every page of dir and checks what the pages must agree on:
// the envelope (its Go types are shared), the servers, the Timestamp window
// and the names of their RtnCodes. A page's own overlay without its page
// (renamed or deleted) is an error too: its corrections would silently stop
// applying.
func LoadAll(ctx context.Context, dir string) ([]*Page, error) {
	files, err := List(dir)
	if err != nil {
		return nil, err
	}
	var all []*Page
	errs := orphanOverlays(dir, files)
	for _, f := range files {
		p, err := Load(ctx, f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		all = append(all, p)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if err := agree(all); err != nil {
		return nil, err
	}
	return all, nil
}

// Load reads the page at file and applies the overlays of its directory
// and the derived actions; see the package documentation. The shared
// overlay must exist; the page's own is optional. The file must be named
// after the operation, <Operation>.yaml: the name is how its own overlay is
// found.
func Load(ctx context.Context, file string) (*Page, error) {
	shared, own := Overlays(file)
	return load(ctx, file, shared, own, true)
}

// Overlays returns the overlay files Load applies to the page at file: the
// shared one of its directory, and its own (<Operation>.overlay.yaml beside
// it), or "" when it has none.
func Overlays(file string) (shared, own string) {
	shared = filepath.Join(filepath.Dir(file), SharedOverlay)
	own = strings.TrimSuffix(file, ".yaml") + overlaySuffix
	if _, err := os.Stat(own); err != nil {
		own = ""
	}
	return shared, own
}

// orphanOverlays returns an error for every <Operation>.overlay.yaml of dir
// whose page is not among files.
func orphanOverlays(dir string, files []string) []error {
	entries, _ := os.ReadDir(dir) // List has read it
	var errs []error
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), overlaySuffix) {
			continue
		}
		o := filepath.Join(dir, e.Name())
		page := strings.TrimSuffix(o, overlaySuffix) + ".yaml"
		if !slices.Contains(files, page) {
			errs = append(errs, fmt.Errorf("overlay %s belongs to no page: %s is missing; rename the overlay with its page, or delete it if the page is gone", o, page))
		}
	}
	return errs
}

// LoadWith is Load with the overlay files named: shared (required) and
// own ("" for none), and a file of any name. The spec tools use it on a
// candidate vendor file kept outside openapi/.
func LoadWith(ctx context.Context, file, shared, own string) (*Page, error) {
	return load(ctx, file, shared, own, false)
}

// load is Load and LoadWith; named says whether the file must be named
// after its operation.
func load(ctx context.Context, file, shared, own string, named bool) (*Page, error) {
	root, err := loadNode(file)
	if err != nil {
		return nil, err
	}
	p := &Page{File: file}
	if err := p.identify(root, named); err != nil {
		return nil, fmt.Errorf("page %s: %w", file, err)
	}
	var failures []string
	for _, path := range []string{shared, own} {
		if path == "" {
			continue
		}
		o, err := overlay.Parse(path)
		if err != nil {
			return nil, fmt.Errorf("overlay %s: %w", path, err)
		}
		if err := o.Validate(); err != nil {
			return nil, fmt.Errorf("overlay %s is not a valid Overlay document: %w", path, err)
		}
		p.Overlays = append(p.Overlays, path)
		failures = append(failures, apply(root, o, path)...)
	}
	if len(failures) > 0 {
		err := error(&UnmatchedError{Page: file, Actions: failures})
		// A server the shared overlay does not know leaves its action for
		// the host it replaced unmatched; say which URL is unknown too.
		if serverErr := p.readServers(root); serverErr != nil {
			err = errors.Join(fmt.Errorf("page %s: %w", file, serverErr), err)
		}
		return nil, err
	}
	if err := p.readFacts(root); err != nil {
		return nil, fmt.Errorf("page %s: %w", file, err)
	}
	// The derived actions come last: "required" is complete only once the
	// page's own overlay has run, and the envelopes are copied out before
	// they are mapped to the shared types.
	corrections, mapping := p.derivedActions(root)
	if failures := apply(root, corrections, "(derived)"); len(failures) > 0 {
		return nil, &UnmatchedError{Page: file, Actions: failures}
	}
	req, resp := p.envelopes(root)
	p.RequestEnvelope, p.ResponseEnvelope = cloneNode(req), cloneNode(resp)
	if failures := apply(root, mapping, "(derived)"); len(failures) > 0 {
		return nil, &UnmatchedError{Page: file, Actions: failures}
	}
	doc, err := loadDoc(ctx, file, root)
	if err != nil {
		return nil, err
	}
	if err := CheckRequired(doc); err != nil {
		return nil, fmt.Errorf("page %s: %w", file, err)
	}
	if p.Rules, err = compileRules(file, doc); err != nil {
		return nil, err
	}
	if err := p.Rules.CheckCodes(ecpayop.Refusals(p.Codes)); err != nil {
		return nil, err
	}
	p.Doc = doc
	return p, nil
}

// UnmatchedError reports overlay actions that match nothing on a page:
// typically ECPay renamed or moved what they correct.
type UnmatchedError struct {
	Page    string
	Actions []string // each "overlay file action N (description): target"
}

func (e *UnmatchedError) Error() string {
	return fmt.Sprintf("page %s: %sECPay has probably changed the page. Run `make spec-diff NEW=%s` to see what changed against the committed version, then fix the overlay", e.Page, e.List(), e.Page)
}

// List returns what Error says of the actions, for a report that names the
// page itself: how many match nothing, then a line for each, e.g.
// "1 overlay action matches nothing on it:\n  - ...\n".
func (e *UnmatchedError) List() string {
	var b strings.Builder
	noun := "actions match"
	if len(e.Actions) == 1 {
		noun = "action matches"
	}
	fmt.Fprintf(&b, "%d overlay %s nothing on it:\n", len(e.Actions), noun)
	for _, a := range e.Actions {
		fmt.Fprintf(&b, "  - %s\n", a)
	}
	return b.String()
}

// LoadVendor returns the vendor document at file alone, as kin-openapi
// loads it: no overlay applied, not validated. The error names the file.
// Load starts from it, and make validate-spec checks it (spec.Load).
func LoadVendor(file string) (*openapi3.T, error) {
	if _, err := os.Stat(file); err != nil {
		return nil, fmt.Errorf("page %s: %w", file, err)
	}
	doc, err := openapi3.NewLoader().LoadFromFile(file)
	if err != nil {
		return nil, fmt.Errorf("page %s does not load: %w", file, err)
	}
	return doc, nil
}

// loadNode reads a vendor document the way oapi-codegen does before it
// applies an overlay: kin-openapi loads it (LoadVendor), and its YAML
// encoding is what the actions apply to.
func loadNode(file string) (*yaml.Node, error) {
	doc, err := LoadVendor(file)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("page %s: %w", file, err)
	}
	var root yaml.Node
	if err := yaml.NewDecoder(&buf).Decode(&root); err != nil {
		return nil, fmt.Errorf("page %s: %w", file, err)
	}
	return &root, nil
}

// loadDoc turns the overlaid node back into a validated document.
func loadDoc(ctx context.Context, file string, root *yaml.Node) (*openapi3.T, error) {
	data, err := yaml.Marshal(root)
	if err != nil {
		return nil, fmt.Errorf("page %s: %w", file, err)
	}
	loader := openapi3.NewLoader()
	loader.IncludeOrigin = true
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("page %s with its overlays does not load: %w", file, err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("page %s with its overlays is invalid: %w", file, err)
	}
	return doc, nil
}

// apply applies the actions of o to root one by one, each strictly, and
// returns a line for each action that matched nothing.
func apply(root *yaml.Node, o *overlay.Overlay, source string) []string {
	var failures []string
	for i, action := range o.Actions {
		where := fmt.Sprintf("%s action %d", source, i+1)
		if d := firstLine(action.Description); d != "" {
			where += " (" + d + ")"
		}
		path, err := o.NewPath(action.Target, nil)
		if err != nil {
			failures = append(failures, fmt.Sprintf("%s: target %s is not a JSONPath: %v", where, action.Target, err))
			continue
		}
		if len(path.Query(root)) == 0 {
			failures = append(failures, fmt.Sprintf("%s: %s", where, action.Target))
			continue
		}
		one := &overlay.Overlay{Version: o.Version, JSONPathVersion: o.JSONPathVersion, Info: o.Info, Actions: []overlay.Action{action}}
		if _, err := one.ApplyToStrict(root); err != nil {
			failures = append(failures, fmt.Sprintf("%s: %s: %v", where, action.Target, err))
		}
	}
	return failures
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if r := []rune(s); len(r) > 72 {
		s = string(r[:71]) + "…"
	}
	return s
}

var goIdentifier = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)

// reservedNames cannot name an operation: the methods every wrapper.Client
// has besides the generated ones, the identifiers of package registry
// (registry.<Operation> is a variable beside them), and, in lower case, the
// packages the generated files import beside generated/<operation>.
var reservedNames = []string{
	"Call", "Validate", "ValidateCall",
	"All", "Lookup", "ByPath", "ByRequestType", "Names", "Operation", "Code", "Class", "Default", "TimestampWindow",
	"CompileRules", "FieldByJSONName", "JSONName", "RequestDefaults",
	"NotFound", "Conflict", "Credentials", "Busy", "Transient",
	"context", "http", "reflect", "time", "registry", "generated", "wrapper", "ecpaysim", "ecpayop", "rules", "openapi3",
}

// identify finds the page's one operation, which names the page; named
// says whether the file must be named after it.
func (p *Page) identify(root *yaml.Node, named bool) error {
	paths := mapValue(docNode(root), "paths")
	if paths == nil || len(paths.Content) != 2 {
		return errors.New("an ECPay page documents exactly one path; this one has " + count(paths))
	}
	p.Path = paths.Content[0].Value
	item := paths.Content[1]
	if item.Kind != yaml.MappingNode || len(item.Content) != 2 || item.Content[0].Value != "post" {
		return fmt.Errorf("path %s: an ECPay page documents one POST operation", p.Path)
	}
	p.Name = p.Path[strings.LastIndex(p.Path, "/")+1:]
	if !goIdentifier.MatchString(p.Name) {
		return fmt.Errorf("path %s: its last segment %q must be a Go name (a capital letter, then letters and digits) to name the operation", p.Path, p.Name)
	}
	if slices.Contains(reservedNames, p.Name) || slices.Contains(reservedNames, strings.ToLower(p.Name)) {
		return fmt.Errorf("path %s: the operation name %s is taken by the code generated for every page (a method of wrapper.Client, a name in package registry, or a package the generated files import), so it cannot name an operation; ECPay has no such operation yet: tell the project", p.Path, p.Name)
	}
	if base := strings.TrimSuffix(filepath.Base(p.File), ".yaml"); named && base != p.Name {
		return fmt.Errorf("the page documents %s, so save it as %s.yaml, not %s.yaml", p.Path, p.Name, base)
	}
	p.Package = strings.ToLower(p.Name)
	return nil
}

func count(n *yaml.Node) string {
	if n == nil {
		return "none"
	}
	return fmt.Sprint(len(n.Content) / 2)
}
