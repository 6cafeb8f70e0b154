// Package ecpayop is what is known of an ECPay operation: its name, path,
// page, inner Data types and schemas, the RtnCodes known for it, and its
// business rules. The operations themselves are generated from openapi/ by
// internal/cmd/ecpaygen into generated/registry (registry.gen.go), which
// builds each with New, lists them with NewList and re-exports these types
// under its own name, as every caller knows them: registry.Operation,
// registry.Code, registry.Class.
//
// Everything that serves or calls more than one operation reads it: the
// wrapper's call core, the simulator, the contract checker and the CLI, each
// through the operation's Model (compiled once from its page) rather than
// reading the page (Spec) itself:
//
//	m, err := registry.TriggerIssue.Model()
//	if err != nil {
//		return err
//	}
//	limit, ok := ecpayop.MaxLength(m.RequestData, "Tsr")
package ecpayop

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ecpay-go/einvoice/internal/rules"
)

// Operation is one ECPay operation, from its page.
type Operation struct {
	// Name is the operation's name, the last segment of Path, e.g.
	// "TriggerIssue".
	Name string
	// Path is the operation's path, e.g. "/B2CInvoice/TriggerIssue"; it is
	// always a POST.
	Path string
	// Page is the vendor document it is generated from, relative to the
	// module root, e.g. "openapi/TriggerIssue.yaml".
	Page string
	// Summary and Description are the operation's, from the page.
	Summary, Description string
	// RequestType and ResponseType are the generated types of the
	// plaintext inside the request's and the answer's Data.
	RequestType, ResponseType reflect.Type
	// RequestDataSchema and ResponseDataSchema name their component
	// schemas in the page's document.
	RequestDataSchema, ResponseDataSchema string
	// PlainAnswerData is true when ECPay may answer the operation's Data
	// as a plain JSON object, the answer itself, instead of the encrypted
	// string of its envelope (x-ecpay-answer-data: plain in the page's
	// overlay): GetIssueList does, whatever its page says. The client, the
	// simulator and the contract checks read it here: for such an operation
	// an object Data is the answer and a string is still decrypted; for any
	// other, an object Data is an error.
	PlainAnswerData bool
	// Codes are the RtnCodes known for the operation, from the overlays'
	// x-ecpay-rtn-codes; Successes are those that mean success.
	Codes []Code

	spec  func() (*openapi3.T, error)
	index int
	rules func() (*rules.Set, error)  // set by New
	model func() (*Model, error)      // set by New
	doc   func() (*openapi3.T, error) // the page document Model and Rules read, loaded once
}

// New returns op, whose page document (with its overlays) spec returns, as
// embedded in the page's generated package: the registry builds each
// operation with it. Its Model and its Rules compile at their first call,
// from one load of the page.
func New(op Operation, spec func() (*openapi3.T, error)) *Operation {
	o := &op
	o.spec = spec
	o.doc = sync.OnceValues(func() (*openapi3.T, error) {
		doc, err := o.Spec()
		if err != nil {
			return nil, fmt.Errorf("%s: loading the embedded page: %w", o.Name, err)
		}
		return doc, nil
	})
	o.model = sync.OnceValues(func() (*Model, error) {
		doc, err := o.doc()
		if err != nil {
			return nil, err
		}
		return Compile(o, doc)
	})
	o.rules = sync.OnceValues(func() (*rules.Set, error) {
		doc, err := o.doc()
		if err != nil {
			return nil, err
		}
		return CompileRules(o, doc)
	})
	return o
}

// Spec returns a new copy of the page's document with its overlays, as
// embedded in the page's generated package: the caller may change it.
func (op *Operation) Spec() (*openapi3.T, error) {
	if op.spec == nil {
		return nil, fmt.Errorf("%s is not an operation of the registry: it has no embedded page", op.Name)
	}
	return op.spec()
}

// Rules returns the operation's business rules (its page's
// x-ecpay-validations, from the overlays), compiled at the first call from
// the embedded page (Spec) and shared by every later call: the one place the
// client, the simulator, the contract checker and the CLI get them from. The
// generator refuses a page whose rules do not compile, so the error, naming
// the page and each rule at fault, means a binary built from pages that
// were not regenerated; an Operation not of the registry (built by hand) has
// no page and gets an error too.
func (op *Operation) Rules() (*rules.Set, error) {
	if op.rules == nil {
		return nil, fmt.Errorf("%s is not an operation of the registry: it has no embedded page to read rules from", op.Name)
	}
	return op.rules()
}

// CompileRules returns the business rules of doc, a page document of op (its
// embedded one, or another such as a frozen copy), compiled: the rules of
// doc's request Data schema (op.RequestDataSchema), each of whose codes must
// be one of op's refusal codes. Rules calls it once per operation.
func CompileRules(op *Operation, doc *openapi3.T) (*rules.Set, error) {
	ref := doc.Components.Schemas[op.RequestDataSchema]
	if ref == nil || ref.Value == nil {
		return nil, fmt.Errorf("%s: the page has no component schema %q", op.Page, op.RequestDataSchema)
	}
	set, err := rules.Compile(op.Page, ref.Value)
	if err != nil {
		return nil, fmt.Errorf("%s's business rules: %w; regenerate with `go generate ./...`", op.Name, err)
	}
	if err := set.CheckCodes(Refusals(op.Codes)); err != nil {
		return nil, fmt.Errorf("%s's business rules: %w; regenerate with `go generate ./...`", op.Name, err)
	}
	return set, nil
}

// Index is the operation's position in its List (the registry's All), for
// tables indexed by operation.
func (op *Operation) Index() int { return op.index }

// Code returns what is known of rtnCode for the operation.
func (op *Operation) Code(rtnCode int) (Code, bool) {
	i := slices.IndexFunc(op.Codes, func(c Code) bool { return c.Code == rtnCode })
	if i < 0 {
		return Code{}, false
	}
	return op.Codes[i], true
}

// Success reports whether rtnCode means the operation succeeded: RtnCode 1
// unless the page says otherwise (TriggerIssue succeeds with 4000003 and
// 4000004).
func (op *Operation) Success(rtnCode int) bool {
	c, ok := op.Code(rtnCode)
	return ok && c.Success
}

// Successes returns the operation's success codes.
func (op *Operation) Successes() []Code { return Successes(op.Codes) }

// ExtAnswerData is the extension, on a page's operation, that says how
// ECPay answers its Data; its one value, AnswerDataPlain, says that the
// answer's Data may be a plain JSON object, the answer itself, rather than
// the encrypted string of ECPay's envelope (PlainAnswerData). ECPay's
// GetIssueList answers so, though its page says the Data is AES-encrypted.
// Without it, an operation's answer Data is the encrypted string.
const (
	ExtAnswerData   = "x-ecpay-answer-data"
	AnswerDataPlain = "plain"
)

// Code is an RtnCode an operation answers, as its page's overlay records it
// (x-ecpay-rtn-codes, whose keys the yaml tags name): the generator reads it
// from the overlays (internal/pages) and writes it into the registry.
type Code struct {
	Code        int     `yaml:"code"`
	Name        string  `yaml:"name"`        // a Go name, e.g. "NoUpdatableTsr"; wrapper has a constant RtnCode<Name>
	Message     string  `yaml:"message"`     // ECPay's RtnMsg as seen, e.g. "不存在此交易單號"
	Description string  `yaml:"description"` // what it means, in English
	Success     bool    `yaml:"success"`
	Classes     []Class `yaml:"class"` // for refusals
}

// Successes returns the codes of codes that mean success.
func Successes(codes []Code) []Code {
	var out []Code
	for _, c := range codes {
		if c.Success {
			out = append(out, c)
		}
	}
	return out
}

// Refusals returns the RtnCodes of codes that are not successes: the codes
// a business rule (x-ecpay-validations' code) may name.
func Refusals(codes []Code) []int {
	var out []int
	for _, c := range codes {
		if !c.Success {
			out = append(out, c.Code)
		}
	}
	return out
}

// Class is a class of refusal, for callers that do not want to know codes.
type Class string

// The classes of refusal.
const (
	NotFound    Class = "not_found"   // no such invoice or Tsr
	Conflict    Class = "conflict"    // already done: cancelled, issued, triggered, a duplicate
	Credentials Class = "credentials" // keys or signature
	Busy        Class = "busy"        // ECPay asks to slow down or try later
	Transient   Class = "transient"   // a temporary failure, e.g. the tax ministry's system
)

// Classes returns every class of refusal, the only ones a Code may name.
func Classes() []Class { return []Class{NotFound, Conflict, Credentials, Busy, Transient} }

// List is a list of operations, such as the registry's: the lookups every
// caller of more than one operation needs.
type List struct{ ops []*Operation }

// NewList returns the list of ops, in their order, and sets each one's Index
// to its position.
func NewList(ops ...*Operation) *List {
	for i, op := range ops {
		op.index = i
	}
	return &List{ops: ops}
}

// All returns every operation of l, in its order.
func (l *List) All() []*Operation { return slices.Clone(l.ops) }

// Lookup returns the operation named name, or nil.
func (l *List) Lookup(name string) *Operation {
	for _, op := range l.ops {
		if op.Name == name {
			return op
		}
	}
	return nil
}

// ByPath returns the operation whose path is path, or nil. A trailing slash
// is not the same path, as it is not for ECPay.
func (l *List) ByPath(path string) *Operation {
	for _, op := range l.ops {
		if op.Path == path {
			return op
		}
	}
	return nil
}

// ByRequestType returns the operation whose request Data type is t (or a
// pointer to it), or nil.
func (l *List) ByRequestType(t reflect.Type) *Operation {
	if t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	for _, op := range l.ops {
		if op.RequestType == t {
			return op
		}
	}
	return nil
}

// Names returns the names of every operation, comma-separated, for messages.
func (l *List) Names() string {
	names := make([]string, len(l.ops))
	for i, op := range l.ops {
		names[i] = op.Name
	}
	return strings.Join(names, ", ")
}

// FieldByJSONName returns the field of the struct type t (or of the struct a
// pointer type t points to) whose JSON name (see JSONName) is name, such as
// "MerchantID" of an operation's RequestType.
func FieldByJSONName(t reflect.Type, name string) (reflect.StructField, bool) {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	for f := range t.Fields() {
		if n, ok := JSONName(f); ok && n == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// JSONName returns the member name of the struct field f in JSON, as the
// generated types tag every field: the name its json tag gives. ok is false
// when the tag gives none, or is "-".
func JSONName(f reflect.StructField) (name string, ok bool) {
	name, _, _ = strings.Cut(f.Tag.Get("json"), ",")
	return name, name != "" && name != "-"
}
