package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"cel.dev/cel-go/cel"
	"github.com/getkin/kin-openapi/openapi3"
)

// Extension is the schema extension that carries a page's rules, on its
// inner request schema (components.schemas['requestBody.Data']).
const Extension = "x-ecpay-validations"

// Rule is one entry of x-ecpay-validations, as the overlay writes it.
type Rule struct {
	// Rule is the CEL expression, true when the request keeps the rule.
	Rule string `json:"rule"`
	// Message says, in English, what is wrong and what to do.
	Message string `json:"message"`
	// Quote is the sentence of ECPay's page the rule comes from.
	Quote string `json:"quote,omitempty"`
	// Fields are the members the rule is about, e.g. [Donation, LoveCode];
	// a member of an array's objects is written through the array:
	// Items.ItemTaxType.
	Fields []string `json:"fields,omitempty"`
	// Code is the RtnCode ECPay answers a request breaking the rule with,
	// when the page's x-ecpay-rtn-codes records one (Issue's AmountMismatch,
	// 5000022, for SalesAmount); 0 when ECPay's code for it is not known.
	// It must be one of the page's refusal codes: see CheckCodes.
	Code int `json:"code,omitempty"`
}

// Set is a page's rules, compiled: safe for concurrent use.
type Set struct {
	page  string
	rules []compiled
	quick *quickSet
}

type compiled struct {
	Rule
	program cel.Program
	// quick is the rule's quick form (see quick.go), nil when the rule uses
	// a part of CEL it does not translate.
	quick quick
}

// CompileError is a rule of a page that cannot be used: its entry is
// malformed, names a field the schema lacks, or CEL refuses its expression.
type CompileError struct {
	// Page is the page as the caller of Compile named it.
	Page string
	// Index is the rule's position in x-ecpay-validations, from 0.
	Index int
	// Rule is the rule's expression.
	Rule string
	// Err says what is wrong; for an expression, it is CEL's message, which
	// points at the place in the expression.
	Err error
}

func (e *CompileError) Error() string {
	return fmt.Sprintf("page %s: %s[%d] %q: %v", e.Page, Extension, e.Index, e.Rule, e.Err)
}

func (e *CompileError) Unwrap() error { return e.Err }

// Compile returns the rules of the schema's x-ecpay-validations, each
// checked and compiled once: an empty Set when it has none. page names the
// page in errors. Every rule must have a rule and a message, name only the
// schema's members in fields and in the expression (self.X, and the members
// of an array's objects reached through it), and be a bool expression; the
// error has a *CompileError for each rule that fails, all of them joined.
func Compile(page string, schema *openapi3.Schema) (*Set, error) {
	set := &Set{page: page, quick: newQuickSet()}
	if schema == nil {
		return set, nil
	}
	raw, ok := schema.Extensions[Extension]
	if !ok {
		return set, nil
	}
	entries, err := decode(raw)
	if err != nil {
		return nil, fmt.Errorf("page %s: %s must be a list of {rule, message, quote, fields, code}: %w", page, Extension, err)
	}
	env, err := environment()
	if err != nil {
		return nil, fmt.Errorf("the rules' CEL environment: %w", err)
	}
	var errs []error
	for i, r := range entries {
		program, checked, err := compileRule(env, r, schema)
		if err != nil {
			errs = append(errs, &CompileError{Page: page, Index: i, Rule: r.Rule, Err: err})
			continue
		}
		c := compiled{Rule: r, program: program}
		if q, ok := set.quick.rule(checked); ok {
			c.quick = q
		}
		set.rules = append(set.rules, c)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return set, nil
}

// decode reads the extension's value, which kin-openapi leaves as decoded
// JSON, strictly: a misspelt key (mesage) is an error, not a rule without
// a message.
func decode(raw any) ([]Rule, error) {
	b, err := json.Marshal(raw)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var entries []Rule
	if err := dec.Decode(&entries); err != nil {
		return nil, err
	}
	return entries, nil
}

// compileRule returns the rule's program and its checked expression.
func compileRule(env *cel.Env, r Rule, schema *openapi3.Schema) (cel.Program, *cel.Ast, error) {
	switch {
	case strings.TrimSpace(r.Rule) == "":
		return nil, nil, errors.New("has no rule: give the CEL expression that is true when a request keeps it")
	case strings.TrimSpace(r.Message) == "":
		return nil, nil, errors.New("has no message: say what is wrong and what to do")
	}
	for _, f := range r.Fields {
		if _, err := member(schema, f); err != nil {
			return nil, nil, fmt.Errorf("fields: %w", err)
		}
	}
	ast, issues := env.Compile(r.Rule)
	if issues.Err() != nil {
		return nil, nil, issues.Err()
	}
	if !ast.OutputType().IsExactType(cel.BoolType) {
		return nil, nil, fmt.Errorf("is a %s, not a bool: compare what it reads, e.g. self.Print == '1'", ast.OutputType())
	}
	if err := checkMembers(ast, schema); err != nil {
		return nil, nil, err
	}
	program, err := env.Program(ast, cel.EvalOptions(cel.OptOptimize))
	return program, ast, err
}

// member returns the schema of the member at path (Items.ItemAmount), or
// an error naming the part that is not a member.
func member(schema *openapi3.Schema, path string) (*openapi3.Schema, error) {
	s := schema
	for part := range strings.SplitSeq(path, ".") {
		s = elements(s)
		prop, ok := s.Properties[part]
		if !ok || prop.Value == nil {
			return nil, fmt.Errorf("%q is not a member of the request (%s)", path, strings.Join(slices.Sorted(maps.Keys(s.Properties)), ", "))
		}
		s = prop.Value
	}
	return s, nil
}

// elements returns the schema of an array's elements, or s itself when it
// is no array: a path steps through arrays to their objects' members.
func elements(s *openapi3.Schema) *openapi3.Schema {
	for s != nil && s.Items != nil && s.Items.Value != nil {
		s = s.Items.Value
	}
	return s
}

// CheckCodes returns an error naming each rule of s whose code is not one
// of refusals, the RtnCodes the page's x-ecpay-rtn-codes lists as refusals:
// a *CompileError for each, joined; nil when every code is known. Compile
// cannot check it, as the codes are the operation's, not the request
// schema's: the generator (internal/pages) and the registry call it after
// Compile, so that a code the page does not know fails go generate.
func (s *Set) CheckCodes(refusals []int) error {
	if s == nil {
		return nil
	}
	var errs []error
	for i, r := range s.rules {
		if r.Code != 0 && !slices.Contains(refusals, r.Code) {
			known := make([]string, len(refusals))
			for j, c := range refusals {
				known[j] = strconv.Itoa(c)
			}
			errs = append(errs, &CompileError{Page: s.page, Index: i, Rule: r.Rule.Rule,
				Err: fmt.Errorf("code %d is not a refusal the page's x-ecpay-rtn-codes lists (%s): add it there or give the rule no code", r.Code, strings.Join(known, ", "))})
		}
	}
	return errors.Join(errs...)
}

// Page returns the page the set was compiled for, as Compile was given it.
func (s *Set) Page() string {
	if s == nil {
		return ""
	}
	return s.page
}

// Rules returns the set's rules, in the overlay's order.
func (s *Set) Rules() []Rule {
	if s == nil {
		return nil
	}
	out := make([]Rule, len(s.rules))
	for i, r := range s.rules {
		out[i] = r.Rule
		out[i].Fields = slices.Clone(r.Fields)
	}
	return out
}
