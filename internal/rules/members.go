package rules

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
	"github.com/getkin/kin-openapi/openapi3"
)

// node is what the schema says of a value a rule reads: its schema, and
// where it is, for messages ("" for the request itself, "Items" for an
// element of Items).
type node struct {
	schema *openapi3.Schema
	path   string
}

// checkMembers returns an error for the first member a rule reads that the
// schema does not declare, e.g. self.Donaton, or i.ItemAmout inside
// self.Items.all(i, …). CEL types self as a map and cannot see a misspelt
// name, which would otherwise only show when a request is checked: as a
// missing member, on every request. Members of what the schema leaves
// open (no properties) are not checked.
func checkMembers(checked *cel.Ast, schema *openapi3.Schema) error {
	a := checked.NativeRep()
	w := walker{info: a.SourceInfo()}
	return w.walk(a.Expr(), map[string]*node{self: {schema: schema}})
}

type walker struct {
	info *ast.SourceInfo
}

func (w walker) walk(e ast.Expr, scope map[string]*node) error {
	switch e.Kind() {
	case ast.SelectKind:
		sel := e.AsSelect()
		if err := w.member(e, sel.Operand(), sel.FieldName(), scope); err != nil {
			return err
		}
		return w.walk(sel.Operand(), scope)
	case ast.CallKind:
		call := e.AsCall()
		if call.FunctionName() == operators.OptSelect && len(call.Args()) == 2 {
			if name, ok := call.Args()[1].AsLiteral().(types.String); ok {
				if err := w.member(e, call.Args()[0], string(name), scope); err != nil {
					return err
				}
			}
		}
		if call.IsMemberFunction() {
			if err := w.walk(call.Target(), scope); err != nil {
				return err
			}
		}
		for _, arg := range call.Args() {
			if err := w.walk(arg, scope); err != nil {
				return err
			}
		}
	case ast.ComprehensionKind:
		c := e.AsComprehension()
		for _, outer := range []ast.Expr{c.IterRange(), c.AccuInit()} {
			if err := w.walk(outer, scope); err != nil {
				return err
			}
		}
		inner := maps.Clone(scope)
		element := elementOf(resolve(c.IterRange(), scope))
		if c.IterVar2() != "" {
			// Over a list, the first of two variables is the index.
			inner[c.IterVar()], inner[c.IterVar2()] = nil, element
		} else {
			inner[c.IterVar()] = element
		}
		// cel.bind names its value with the accumulator.
		inner[c.AccuVar()] = resolve(c.AccuInit(), scope)
		for _, in := range []ast.Expr{c.LoopCondition(), c.LoopStep(), c.Result()} {
			if err := w.walk(in, inner); err != nil {
				return err
			}
		}
	case ast.ListKind:
		for _, el := range e.AsList().Elements() {
			if err := w.walk(el, scope); err != nil {
				return err
			}
		}
	case ast.MapKind:
		for _, entry := range e.AsMap().Entries() {
			m := entry.AsMapEntry()
			for _, x := range []ast.Expr{m.Key(), m.Value()} {
				if err := w.walk(x, scope); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// member checks that field is a member of what operand is, when the schema
// declares its members.
func (w walker) member(at, operand ast.Expr, field string, scope map[string]*node) error {
	n := resolve(operand, scope)
	if n == nil || len(n.schema.Properties) == 0 {
		return nil
	}
	if _, ok := n.schema.Properties[field]; ok {
		return nil
	}
	of := "the request"
	if n.path != "" {
		of = "the objects of " + n.path
	}
	loc := w.info.GetStartLocation(at.ID())
	return fmt.Errorf("at %d:%d: %s is not a member of %s (%s)", loc.Line(), loc.Column()+1, field, of,
		strings.Join(slices.Sorted(maps.Keys(n.schema.Properties)), ", "))
}

// resolve returns what the schema says of the value e, or nil when it
// says nothing (a literal, a computed value, a name it does not know).
func resolve(e ast.Expr, scope map[string]*node) *node {
	switch e.Kind() {
	case ast.IdentKind:
		return scope[e.AsIdent()]
	case ast.SelectKind:
		sel := e.AsSelect()
		return property(resolve(sel.Operand(), scope), sel.FieldName())
	case ast.CallKind:
		call := e.AsCall()
		if len(call.Args()) != 2 {
			return nil
		}
		switch call.FunctionName() {
		case operators.OptSelect:
			if name, ok := call.Args()[1].AsLiteral().(types.String); ok {
				return property(resolve(call.Args()[0], scope), string(name))
			}
		case operators.Index:
			return elementOf(resolve(call.Args()[0], scope))
		}
	}
	return nil
}

func property(n *node, name string) *node {
	if n == nil {
		return nil
	}
	p, ok := n.schema.Properties[name]
	if !ok || p.Value == nil {
		return nil
	}
	return &node{schema: p.Value, path: strings.TrimPrefix(n.path+"."+name, ".")}
}

// elementOf returns what the schema says of an array's elements.
func elementOf(n *node) *node {
	if n == nil || n.schema.Items == nil || n.schema.Items.Value == nil {
		return nil
	}
	return &node{schema: n.schema.Items.Value, path: n.path}
}
