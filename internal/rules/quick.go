package rules

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
)

// The quick path: each rule's checked CEL expression, translated once into
// Go closures that read the Data in place, answers the one question asked
// of every request — does it keep the rule? — at a fraction of the
// interpreter's cost (BENCHMARKS.md), and without allocating.
//
// It only ever answers "it holds". Its values are CEL's exactly, or
// unknown, where it does not follow CEL (a type mix, an error, NaN, a
// member the request lacks, …); any answer other than a known true sends
// the rule to cel-go's program, which decides: every violation, message and
// evaluation error comes from CEL. A rule using a part of CEL the quick path
// does not translate (translate says which: the parts the pages' rules use)
// is always evaluated by cel-go. TestQuickAgreesWithCEL and
// FuzzQuickAgreesWithCEL hold the two to the same answers.

// kind is what a quick value is; unknown is "ask CEL".
type kind uint8

const (
	unknown kind = iota
	boolKind
	doubleKind
	// intKind is an int literal of a rule, |v| ≤ 2^53 so that its float64
	// is exact: the Data has no ints (see adapter).
	intKind
	stringKind
	nullKind
	mapKind  // the Data's map[string]any
	listKind // the Data's []any, or a list of constants
)

// value is a CEL value as the quick path holds it: small, on the stack; a
// string, map or list of the Data stays in the interface the Data holds it
// in, so that reading it allocates nothing.
//
// It has four fields so that the compiler keeps it in registers (a struct
// of more is handled in memory: the quick path took 3-4× as long).
type value struct {
	kind kind
	b    bool
	// f is the number of doubleKind and intKind; for an object or a list
	// of a Go value (see CheckEncoded), its type's id in the frame's
	// goView.
	f float64
	// x is a string, map[string]any or []any of the Data; of a Go value, a
	// *string into it, or a pointer to its struct or slice.
	x any
}

// id is the goView id of v, an object or a list of a Go value.
func (v value) id() int { return int(v.f) }

func (v value) str() string {
	if p, ok := v.x.(*string); ok {
		return *p
	}
	return v.x.(string)
}

var (
	unknownValue = value{}
	trueValue    = value{kind: boolKind, b: true}
	falseValue   = value{kind: boolKind}
)

func boolValue(b bool) value { return value{kind: boolKind, b: b} }

// frame holds what one quick evaluation of a Set's rules on a request
// needs: the values of self and of the comprehensions' variables, a slot
// per name (self first), and the shared sub-expressions' values, each
// computed once per request.
type frame struct {
	slots []value
	memo  []memo
	view  *goView // the Go value's types, when the Data is one
}

// memo is a value computed once: a shared sub-expression's, or a member
// read (found says whether the member is there, isMap whether what it was
// read from is an object).
type memo struct {
	done, found, isMap bool
	v                  value
}

// frames recycles frames across checks: a check then allocates nothing.
var frames = sync.Pool{New: func() any { return new(frame) }}

// newFrame returns a frame for a Set's rules with self, the Data (a
// map[string]any, or a Go value of view's root type), in the first slot.
func newFrame(q *quickSet, self value, view *goView) *frame {
	fr := frames.Get().(*frame)
	fr.slots = resize(fr.slots, max(q.slots, 1))
	fr.memo = resize(fr.memo, q.memos)
	fr.slots[0] = self
	fr.view = view
	return fr
}

func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// release returns fr to the pool, holding no part of the Data.
func (fr *frame) release() {
	clear(fr.slots)
	clear(fr.memo)
	fr.view = nil
	frames.Put(fr)
}

type quick func(*frame) value

// holds reports whether a rule's quick form knows the rule to hold. A
// panic, which would be a bug of the quick path, is "not known": CEL
// decides, as on any other doubt.
func (q quick) holds(fr *frame) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	v := q(fr)
	return v.kind == boolKind && v.b
}

// quickSet translates the rules of a Set, and says how large a frame they
// need.
type quickSet struct {
	scope map[string]int // name → slot
	slots int
	// shared holds the translated comprehensions that read no variable but
	// self, by fingerprint: one that several rules state (the Issue page's
	// "an item of ItemTaxType 2" is in three) is evaluated once per
	// request, in the memo slot its closure keeps.
	shared map[string]quick
	memos  int
	// reads are the memo slots of the members read from self and from the
	// comprehensions' elements, by the variable's slot and the member;
	// resets lists them by the variable's slot, for the loop to forget
	// them at each element.
	reads  map[read]int
	resets map[int][]int
	// elements are the slots whose members are read once: self, and the
	// variables of comprehensions (not their accumulators, which change).
	elements map[int]bool
}

type read struct {
	slot  int
	field string
}

func newQuickSet() *quickSet {
	return &quickSet{
		scope: map[string]int{self: 0}, slots: 1, shared: map[string]quick{},
		reads: map[read]int{}, resets: map[int][]int{}, elements: map[int]bool{0: true},
	}
}

// member returns operand's member field (unknown when missing: CEL's "no
// such key"), and has(operand.field) (unknown when operand is no object).
// A member of self or of a comprehension's element is read from the Data
// once, and kept in the frame: the Issue page's rules read self.TaxType
// eight times, and each item's ItemTaxType twice in a loop.
func (t *quickSet) member(operand ast.Expr, field string) (get, has quick, ok bool) {
	if operand.Kind() == ast.IdentKind {
		if slot, ok := t.scope[operand.AsIdent()]; ok && t.elements[slot] {
			idx, ok := t.reads[read{slot, field}]
			if !ok {
				idx = t.memos
				t.memos++
				t.reads[read{slot, field}] = idx
				t.resets[slot] = append(t.resets[slot], idx)
			}
			get = func(fr *frame) value {
				m := &fr.memo[idx]
				if !m.done {
					m.done = true
					m.v, m.found, m.isMap = fr.lookup(fr.slots[slot], field)
				}
				return m.v
			}
			has = func(fr *frame) value {
				m := &fr.memo[idx]
				if !m.done {
					m.done = true
					m.v, m.found, m.isMap = fr.lookup(fr.slots[slot], field)
				}
				if !m.isMap {
					return unknownValue
				}
				return boolValue(m.found)
			}
			return get, has, true
		}
	}
	of, ok := t.expr(operand)
	get = func(fr *frame) value {
		v, _, _ := fr.lookup(of(fr), field)
		return v
	}
	has = func(fr *frame) value {
		_, found, isMap := fr.lookup(of(fr), field)
		if !isMap {
			return unknownValue
		}
		return boolValue(found)
	}
	return get, has, ok
}

func (fr *frame) lookup(o value, field string) (v value, found, isMap bool) {
	if o.kind != mapKind {
		return unknownValue, false, false
	}
	m, ok := o.x.(map[string]any)
	if !ok {
		return fr.view.member(o, field)
	}
	x, found := m[field]
	if !found {
		return unknownValue, false, true
	}
	return dataValue(x), true, true
}

// element binds a comprehension's variable to a new slot whose members
// are read once per element; enter, called as the loop moves to the next
// element, drops what was read of the last.
func (t *quickSet) element(name string) (slot int, restore func()) {
	slot, restore = t.bind(name)
	t.elements[slot] = true
	return slot, restore
}

// enter moves a comprehension's loop to element i of list: the variable's
// slot holds it, and what was read of the last element (resets) is
// dropped.
func (fr *frame) enter(list value, i, slot int, resets []int) {
	fr.slots[slot] = fr.at(list, i)
	for _, idx := range resets {
		fr.memo[idx].done = false
	}
}

// rule returns the quick form of a checked rule, or false when it uses a
// part of CEL the quick path does not translate.
func (t *quickSet) rule(checked *cel.Ast) (quick, bool) {
	return t.expr(checked.NativeRep().Expr())
}

func (t *quickSet) expr(e ast.Expr) (quick, bool) {
	if !expensive(e) {
		return t.translate(e)
	}
	var b strings.Builder
	if fingerprint(&b, e, nil) {
		return t.translate(e) // it reads a variable of an enclosing comprehension
	}
	key := b.String()
	if q, ok := t.shared[key]; ok {
		return q, true
	}
	inner, ok := t.translate(e)
	if !ok {
		return nil, false
	}
	slot := t.memos
	t.memos++
	q := func(fr *frame) value {
		m := &fr.memo[slot]
		if !m.done {
			m.v, m.done = inner(fr), true
		}
		return m.v
	}
	t.shared[key] = q
	return q, true
}

// expensive reports whether e is a loop over a list, worth evaluating once.
func expensive(e ast.Expr) bool {
	return e.Kind() == ast.ComprehensionKind ||
		(e.Kind() == ast.CallKind && e.AsCall().FunctionName() == "sum" && e.AsCall().IsMemberFunction())
}

// fingerprint writes e's structure to b, the same for the same expression
// wherever it is written, and reports whether e reads a name other than
// self that it does not bind itself.
func fingerprint(b *strings.Builder, e ast.Expr, bound []string) (free bool) {
	all := func(es ...ast.Expr) {
		for _, x := range es {
			free = fingerprint(b, x, bound) || free
			b.WriteByte(',')
		}
	}
	switch e.Kind() {
	case ast.LiteralKind:
		fmt.Fprintf(b, "%T:%q", e.AsLiteral(), fmt.Sprint(e.AsLiteral().Value()))
	case ast.IdentKind:
		b.WriteString(e.AsIdent())
		return e.AsIdent() != self && !slices.Contains(bound, e.AsIdent())
	case ast.SelectKind:
		sel := e.AsSelect()
		free = fingerprint(b, sel.Operand(), bound)
		fmt.Fprintf(b, ".%s/%t", sel.FieldName(), sel.IsTestOnly())
	case ast.CallKind:
		c := e.AsCall()
		fmt.Fprintf(b, "%s/%t(", c.FunctionName(), c.IsMemberFunction())
		if c.IsMemberFunction() {
			all(c.Target())
		}
		all(c.Args()...)
		b.WriteByte(')')
	case ast.ListKind:
		b.WriteByte('[')
		all(e.AsList().Elements()...)
		fmt.Fprintf(b, "]%v", e.AsList().OptionalIndices())
	case ast.ComprehensionKind:
		c := e.AsComprehension()
		fmt.Fprintf(b, "fold(%s,%s,%s;", c.IterVar(), c.IterVar2(), c.AccuVar())
		all(c.IterRange(), c.AccuInit())
		outer := bound
		bound = append(slices.Clip(bound), c.AccuVar())
		all(c.Result())
		bound = append(bound, c.IterVar(), c.IterVar2())
		all(c.LoopCondition(), c.LoopStep())
		bound = outer
		b.WriteByte(')')
	default:
		// Maps and structs are not translated; any key will do.
		fmt.Fprintf(b, "?%d", e.ID())
	}
	return free
}

func (t *quickSet) translate(e ast.Expr) (quick, bool) {
	switch e.Kind() {
	case ast.LiteralKind:
		v, ok := literal(e)
		return func(*frame) value { return v }, ok
	case ast.IdentKind:
		slot, ok := t.scope[e.AsIdent()]
		return func(fr *frame) value { return fr.slots[slot] }, ok
	case ast.SelectKind:
		sel := e.AsSelect()
		get, has, ok := t.member(sel.Operand(), sel.FieldName())
		if sel.IsTestOnly() {
			return has, ok
		}
		return get, ok
	case ast.ListKind:
		return t.list(e.AsList())
	case ast.CallKind:
		return t.call(e.AsCall())
	case ast.ComprehensionKind:
		return t.comprehension(e.AsComprehension())
	}
	return nil, false
}
