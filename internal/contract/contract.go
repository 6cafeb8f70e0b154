// Package contract checks both sides of an exchange with ECPay against the
// page of its operation, as embedded in the page's generated package (ECPay's
// spec with our overlays): the request and response envelopes with
// kin-openapi's openapi3filter, and the decrypted inner Data against the
// page's component schemas for them (registry.Operation.RequestDataSchema
// and ResponseDataSchema). A request Data that matches its schema is then
// checked against the page's business rules (x-ecpay-validations, see
// registry.Operation.Rules): a rule it breaks is a *RuleError. The operation
// is found by the request's path in the registry, so every page in openapi/
// is checked with no code of its own.
// The simulator and the proxy validate every exchange with it, and the tests
// of the client and the CLI check what they send and receive with it, so
// that the contract is checked, not hand-written assertions.
//
// # Which validator
//
// The pages are OpenAPI 3.1, for which openapi3filter switches to
// kin-openapi's JSON Schema 2020-12 engine; kin-openapi v0.153.0 compiles
// that engine's validator anew on every call (170-400 µs each, four per
// exchange), which caps a validating server below 1,000 requests/s on two
// cores. The pages use no keyword whose meaning differs between OpenAPI 3.0
// and 3.1 (type, required, enum, minLength, maxLength, properties), so the
// checker routes a copy of each document marked 3.0.3, and kin-openapi
// validates with its native validator, which needs no compilation. New
// refuses a page that uses 3.1-only features, and a test runs a corpus of
// valid and invalid envelopes and Data through both engines and requires
// the same verdicts.
package contract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/ecpayop"
	"github.com/ecpay-go/einvoice/internal/rules"
	"github.com/ecpay-go/einvoice/internal/violation"
)

// ErrNotJSON is returned by RequestData and ResponseData for plaintext that
// is not JSON.
var ErrNotJSON = errors.New("it is not JSON")

// Checker validates exchanges of every operation in the registry. It is
// safe for concurrent use.
type Checker struct {
	ops         map[*registry.Operation]*operation
	byPath      map[string]*operation
	names       string // of the operations, for messages
	options     *openapi3filter.Options
	dataOptions []openapi3.SchemaValidationOption
	every       bool // AllViolations: every rule broken, not the first
}

// operation is what the Checker holds for one operation.
type operation struct {
	op           *registry.Operation
	router       routers.Router
	requestData  *openapi3.Schema
	responseData *openapi3.Schema
	// rules are the page's business rules, compiled at first use.
	rules func() (*rules.Set, error)
}

// New returns the Checker of every operation in the registry, over the
// page documents embedded in their generated packages, built once per
// process.
var New = sync.OnceValues(func() (*Checker, error) {
	var pages []Page
	for _, op := range registry.All() {
		doc, err := op.Spec()
		if err != nil {
			return nil, fmt.Errorf("contract: %s: %w", op.Name, err)
		}
		pages = append(pages, Page{op, doc})
	}
	if err := prepare(pages); err != nil {
		return nil, err
	}
	// The embedded pages' rules are the registry's, compiled once per
	// process and shared with the client.
	return build(pages, func(p Page) func() (*rules.Set, error) { return p.Op.Rules })
})

// Page is an operation and its overlaid page document.
type Page struct {
	Op  *registry.Operation
	Doc *openapi3.T
}

// NewFor returns a Checker of the given pages, for checking against
// documents other than the embedded ones, such as frozen copies in tests.
// It changes the caller's documents: each is marked OpenAPI 3.0.3 (see
// "Which validator") and loses its servers (see build); a page that uses a
// 3.1-only feature is refused. The business rules are those of the given
// documents (registry.CompileRules), compiled at first use.
func NewFor(pages []Page) (*Checker, error) {
	if err := prepare(pages); err != nil {
		return nil, err
	}
	return build(pages, rulesOfDoc)
}

// prepare marks each page's document OpenAPI 3.0.3 (see "Which validator"
// in the package doc), refusing a page that uses a 3.1-only feature.
func prepare(pages []Page) error {
	for _, p := range pages {
		if err := rejectJSONSchema2020Features(p.Doc); err != nil {
			return fmt.Errorf("contract: %s: %w", p.Op.Name, err)
		}
		p.Doc.OpenAPI = "3.0.3"
	}
	return nil
}

// rulesOfDoc compiles the rules of a page's own document, at first use.
func rulesOfDoc(p Page) func() (*rules.Set, error) {
	return sync.OnceValues(func() (*rules.Set, error) { return registry.CompileRules(p.Op, p.Doc) })
}

// build makes a Checker over the pages' documents at the OpenAPI version
// they declare, dropping their servers: the pages list ECPay's https hosts,
// which a local server never matches, so requests are routed on the path
// alone.
func build(pages []Page, rulesOf func(Page) func() (*rules.Set, error)) (*Checker, error) {
	c := &Checker{
		ops:    make(map[*registry.Operation]*operation, len(pages)),
		byPath: make(map[string]*operation, len(pages)),
		options: &openapi3filter.Options{
			// An answer with a status the spec does not declare is a violation.
			IncludeResponseStatus: true,
			// The envelope has no defaults; never rewrite the body.
			SkipSettingDefaults: true,
			// The pages declare no security schemes.
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		},
	}
	var names []string
	for _, p := range pages {
		o, err := newOperation(p.Op, p.Doc)
		if err != nil {
			return nil, fmt.Errorf("contract: %s: %w", p.Op.Name, err)
		}
		o.rules = rulesOf(p)
		if p.Doc.IsOpenAPI31OrLater() && c.dataOptions == nil {
			c.dataOptions = []openapi3.SchemaValidationOption{openapi3.EnableJSONSchema2020()}
		}
		c.ops[p.Op], c.byPath[p.Op.Path] = o, o
		names = append(names, p.Op.Name)
	}
	c.names = strings.Join(names, ", ")
	return c, nil
}

// newOperation routes doc on the path alone, dropping its servers (see
// build), and reads its Data schemas from the operation's Model of doc.
func newOperation(op *registry.Operation, doc *openapi3.T) (*operation, error) {
	doc.Servers = nil
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("routing the page: %w", err)
	}
	m, err := ecpayop.Compile(op, doc)
	if err != nil {
		return nil, err
	}
	return &operation{op: op, router: router, requestData: m.RequestData, responseData: m.ResponseData}, nil
}

// rejectJSONSchema2020Features fails when a schema of doc uses a keyword
// whose validation differs between OpenAPI 3.0 and 3.1, so that validating
// with the 3.0 engine would be wrong.
func rejectJSONSchema2020Features(doc *openapi3.T) error {
	var found string
	var visit func(where string, s *openapi3.SchemaRef)
	visit = func(where string, s *openapi3.SchemaRef) {
		if s == nil || s.Value == nil || found != "" {
			return
		}
		v := s.Value
		switch {
		case len(v.Type.Slice()) > 1:
			found = where + ": a list of types"
		case v.Const != nil:
			found = where + ": const"
		case v.ExclusiveMin.Value != nil || v.ExclusiveMax.Value != nil:
			found = where + ": numeric exclusiveMinimum/exclusiveMaximum"
		case len(v.PrefixItems) > 0 || v.Contains != nil || v.If != nil || v.PatternProperties != nil ||
			v.DependentSchemas != nil || v.UnevaluatedProperties.Has != nil || v.UnevaluatedProperties.Schema != nil ||
			v.UnevaluatedItems.Has != nil || v.UnevaluatedItems.Schema != nil || v.PropertyNames != nil:
			found = where + ": a JSON Schema 2020-12 keyword"
		}
		for name, p := range v.Properties {
			visit(where+"/"+name, p)
		}
		visit(where+"/items", v.Items)
		for _, group := range [][]*openapi3.SchemaRef{v.AllOf, v.AnyOf, v.OneOf} {
			for _, sub := range group {
				visit(where, sub)
			}
		}
	}
	for name, s := range doc.Components.Schemas {
		visit("components/schemas/"+name, s)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				for ct, mt := range op.RequestBody.Value.Content {
					visit(method+" "+path+" request "+ct, mt.Schema)
				}
			}
			for status, resp := range op.Responses.Map() {
				if resp.Value != nil {
					for ct, mt := range resp.Value.Content {
						visit(method+" "+path+" response "+status+" "+ct, mt.Schema)
					}
				}
			}
		}
	}
	if found != "" {
		return fmt.Errorf("the spec uses a JSON Schema 2020-12 feature (%s); validate with EnableJSONSchema2020 instead of the 3.0 engine", found)
	}
	return nil
}

// AllViolations returns a Checker that reports every violation it finds, as
// kin-openapi's MultiError, instead of stopping at the first: for tools that
// show a captured exchange's every problem at once.
func (c *Checker) AllViolations() *Checker {
	all := *c
	opts := *c.options
	opts.MultiError = true
	all.options = &opts
	all.dataOptions = append(slices.Clone(c.dataOptions), openapi3.MultiErrors())
	all.every = true
	return &all
}

// Route is a request matched to its operation: what Response needs.
type Route struct {
	Op    *registry.Operation
	input *openapi3filter.RequestValidationInput
}

// ErrUnknownPath is the cause of Route's error for a path that is no
// operation's.
var ErrUnknownPath = errors.New("no ECPay operation has this path")

// Route finds the operation of r by its path.
func (c *Checker) Route(r *http.Request) (*Route, error) {
	o := c.byPath[r.URL.Path]
	if o == nil {
		return nil, fmt.Errorf("contract: %s %s: %w (the operations are %s)", r.Method, r.URL.Path, ErrUnknownPath, c.names)
	}
	route, params, err := o.router.FindRoute(r)
	if err != nil {
		return nil, fmt.Errorf("contract: %s %s: %w", r.Method, r.URL.Path, err)
	}
	return &Route{Op: o.op, input: &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: c.options}}, nil
}

// Request validates r, a request envelope, against its operation's page.
// r's body is read and put back (openapi3filter restores it). The returned
// Route is for Response, even when the request is invalid (but routed).
func (c *Checker) Request(ctx context.Context, r *http.Request) (*Route, error) {
	route, err := c.Route(r)
	if err != nil {
		return nil, err
	}
	return route, openapi3filter.ValidateRequest(ctx, route.input)
}

// Response validates an answer (status, header, body) to the request of
// route against its operation's page; an undeclared status is a violation.
func (c *Checker) Response(ctx context.Context, route *Route, status int, header http.Header, body []byte) error {
	if route == nil {
		return errors.New("contract: Response needs the Route of Route or Request")
	}
	input := *route.input
	input.Options = c.options
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &input,
		Status:                 status,
		Header:                 header,
		Options:                c.options,
	}
	return openapi3filter.ValidateResponse(ctx, out.SetBodyBytes(body))
}

// RequestData validates the decrypted plaintext of a request's Data against
// the operation's request Data schema and, when it matches, against the
// page's business rules: the first rule broken is a *RuleError (every one,
// joined, for a Checker of AllViolations). A page's rules that do not
// compile (a binary built from pages not regenerated) are an error naming
// the page and the rule.
func (c *Checker) RequestData(op *registry.Operation, plaintext []byte) error {
	o, err := c.operation(op)
	if err != nil {
		return err
	}
	var value any
	if err := json.Unmarshal(plaintext, &value); err != nil {
		return ErrNotJSON
	}
	if err := o.requestData.VisitJSON(value, c.dataOptions...); err != nil {
		return err
	}
	set, err := o.rules()
	if err != nil {
		return fmt.Errorf("contract: %w", err)
	}
	data, ok := value.(map[string]any)
	if !ok {
		return nil // the schema, an object's, has said so
	}
	var errs []error
	for _, v := range set.Check(data) {
		errs = append(errs, &RuleError{Op: op, Broken: v, Pointer: fieldPointer(o.requestData, v.Fields)})
		if !c.every {
			break
		}
	}
	return errors.Join(errs...)
}

// RuleError is a request Data that matches its schema but breaks a
// business rule of its page (x-ecpay-validations).
type RuleError struct {
	Op     *registry.Operation
	Broken rules.Violation
	// Pointer is the JSON pointer of the rule's first field, down to its
	// first array (Items.ItemTaxType is /Items); "" when the rule names no
	// field.
	Pointer string
}

// Error gives the operation, the extension and the rule's message with its
// fields.
func (e *RuleError) Error() string {
	return fmt.Sprintf("%s: %s: %s", e.Op.Name, rules.Extension, e.Broken.String())
}

// Violation returns the broken rule as a violation: the pointer of its first
// field, the rule x-ecpay-validations and the rule's message with its
// fields, which is how violation.List reports it.
func (e *RuleError) Violation() violation.Violation {
	return violation.Violation{Pointer: e.Pointer, Rule: rules.Extension, Reason: e.Broken.String()}
}

// fieldPointer returns the JSON pointer of the first of fields (a member
// path such as IssueModel.SalesAmount or Items.ItemTaxType) in schema, down
// to the first array on the way, which a pointer would need an index into.
func fieldPointer(schema *openapi3.Schema, fields []string) string {
	if len(fields) == 0 {
		return ""
	}
	var tokens []string
	s := schema
	for part := range strings.SplitSeq(fields[0], ".") {
		tokens = append(tokens, part)
		prop := s.Properties[part]
		if prop == nil || prop.Value == nil || prop.Value.Type.Is(openapi3.TypeArray) {
			break
		}
		s = prop.Value
	}
	return violation.Pointer(tokens)
}

// ResponseData validates the decrypted plaintext of a response's Data
// against the operation's response Data schema, strictly: ECPay's documented
// "RtnCode": "1" fails here, by design.
func (c *Checker) ResponseData(op *registry.Operation, plaintext []byte) error {
	o, err := c.operation(op)
	if err != nil {
		return err
	}
	return c.visit(o.responseData, plaintext)
}

// RequestDataSchema returns the operation's request Data schema; nil for
// an operation the Checker does not know.
func (c *Checker) RequestDataSchema(op *registry.Operation) *openapi3.Schema {
	if o := c.ops[op]; o != nil {
		return o.requestData
	}
	return nil
}

// ResponseDataSchema returns the operation's response Data schema, for
// building answers that satisfy it; nil for an operation the Checker does
// not know.
func (c *Checker) ResponseDataSchema(op *registry.Operation) *openapi3.Schema {
	if o := c.ops[op]; o != nil {
		return o.responseData
	}
	return nil
}

func (c *Checker) operation(op *registry.Operation) (*operation, error) {
	o := c.ops[op]
	if o == nil {
		return nil, fmt.Errorf("contract: %s is not one of the operations checked (%s)", op.Name, c.names)
	}
	return o, nil
}

func (c *Checker) visit(schema *openapi3.Schema, plaintext []byte) error {
	var value any
	if err := json.Unmarshal(plaintext, &value); err != nil {
		return ErrNotJSON
	}
	return schema.VisitJSON(value, c.dataOptions...)
}
