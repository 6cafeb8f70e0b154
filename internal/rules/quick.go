package rules

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"sync"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
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
type value struct {
	kind kind
	b    bool
	f    float64 // doubleKind and intKind
	x    any     // string, map[string]any or []any
}

func (v value) str() string         { return v.x.(string) }
func (v value) obj() map[string]any { return v.x.(map[string]any) }
func (v value) list() []any         { return v.x.([]any) }

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

// newFrame returns a frame for a Set's rules with self in the first slot.
func newFrame(q *quickSet, data map[string]any) *frame {
	fr := frames.Get().(*frame)
	fr.slots = resize(fr.slots, max(q.slots, 1))
	fr.memo = resize(fr.memo, q.memos)
	fr.slots[0] = value{kind: mapKind, x: data}
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
					m.v, m.found, m.isMap = lookup(fr.slots[slot], field)
				}
				return m.v
			}
			has = func(fr *frame) value {
				m := &fr.memo[idx]
				if !m.done {
					m.done = true
					m.v, m.found, m.isMap = lookup(fr.slots[slot], field)
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
		v, _, _ := lookup(of(fr), field)
		return v
	}
	has = func(fr *frame) value {
		_, found, isMap := lookup(of(fr), field)
		if !isMap {
			return unknownValue
		}
		return boolValue(found)
	}
	return get, has, ok
}

func lookup(o value, field string) (v value, found, isMap bool) {
	if o.kind != mapKind {
		return unknownValue, false, false
	}
	x, found := o.obj()[field]
	if !found {
		return unknownValue, false, true
	}
	return dataValue(x), true, true
}

// element binds a comprehension's variable to a new slot whose members
// are read once per element; forget, called as the loop moves to the next
// element, drops what was read of the last.
func (t *quickSet) element(name string) (slot int, restore func()) {
	slot, restore = t.bind(name)
	t.elements[slot] = true
	return slot, restore
}

// forget drops the members read from the element in slot.
func forget(fr *frame, resets []int) {
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

// literal returns a rule's constant, if the quick path holds its type.
func literal(e ast.Expr) (value, bool) {
	switch v := e.AsLiteral().(type) {
	case types.Bool:
		return boolValue(bool(v)), true
	case types.Double:
		return value{kind: doubleKind, f: float64(v)}, true
	case types.Int:
		if v < -1<<53 || v > 1<<53 {
			return unknownValue, false
		}
		return value{kind: intKind, f: float64(v)}, true
	case types.String:
		return value{kind: stringKind, x: string(v)}, true
	case types.Null:
		return value{kind: nullKind}, true
	}
	return unknownValue, false
}

// list translates a list of constants (['1', '2'], cel.bind's []): the
// only lists the quick path builds.
func (t *quickSet) list(l ast.ListExpr) (quick, bool) {
	if len(l.OptionalIndices()) > 0 {
		return nil, false
	}
	// The constants as the Data would hold them: dataValue reads them back
	// as literal makes them (an int as a double, which compares the same).
	vals := make([]any, 0, l.Size())
	for _, el := range l.Elements() {
		if el.Kind() != ast.LiteralKind {
			return nil, false
		}
		v, ok := literal(el)
		if !ok {
			return nil, false
		}
		switch v.kind {
		case boolKind:
			vals = append(vals, v.b)
		case doubleKind, intKind:
			vals = append(vals, v.f)
		case stringKind:
			vals = append(vals, v.x)
		default:
			vals = append(vals, nil)
		}
	}
	v := value{kind: listKind, x: vals}
	return func(*frame) value { return v }, true
}

// dataValue returns a member or element of the Data as a quick value: the
// number types the adapter turns into doubles, the same way.
func dataValue(x any) value {
	switch v := x.(type) {
	case string:
		return value{kind: stringKind, x: x}
	case float64:
		return value{kind: doubleKind, f: v}
	case bool:
		return boolValue(v)
	case nil:
		return value{kind: nullKind}
	case map[string]any:
		return value{kind: mapKind, x: x}
	case []any:
		return value{kind: listKind, x: x}
	}
	if f, ok, err := dataNumber(x); ok && err == nil {
		return value{kind: doubleKind, f: f}
	}
	return unknownValue
}

func (t *quickSet) args(exprs []ast.Expr) ([]quick, bool) {
	out := make([]quick, len(exprs))
	for i, e := range exprs {
		q, ok := t.expr(e)
		if !ok {
			return nil, false
		}
		out[i] = q
	}
	return out, true
}

func (t *quickSet) call(c ast.CallExpr) (quick, bool) {
	fn, target := c.FunctionName(), c.Target()
	if c.IsMemberFunction() {
		switch {
		case fn == "orValue" && len(c.Args()) == 1:
			return t.orValue(target, c.Args()[0])
		case fn == "round" && target.Kind() == ast.IdentKind && target.AsIdent() == "ecpay" && !t.bound("ecpay"):
			fn = "ecpay.round"
		case fn == "matches" && len(c.Args()) == 1:
			return t.matches(target, c.Args()[0])
		case fn == "sum" && len(c.Args()) == 0:
			return t.sumOfMap(target)
		default:
			return nil, false
		}
	}
	if fn == "matches" && len(c.Args()) == 2 {
		return t.matches(c.Args()[0], c.Args()[1])
	}
	args, ok := t.args(c.Args())
	if !ok {
		return nil, false
	}
	switch len(args) {
	case 1:
		return unary(fn, args[0])
	case 2:
		if c.Args()[1].Kind() == ast.LiteralKind {
			if lit, ok := literal(c.Args()[1]); ok {
				if q, ok := compareTo(fn, args[0], lit); ok {
					return q, true
				}
			}
		}
		return binary(fn, args[0], args[1])
	case 3:
		if fn == operators.Conditional {
			cond, yes, no := args[0], args[1], args[2]
			return func(fr *frame) value {
				if c := cond(fr); c.kind == boolKind {
					if c.b {
						return yes(fr)
					}
					return no(fr)
				}
				return unknownValue
			}, true
		}
	}
	return nil, false
}

func unary(fn string, x quick) (quick, bool) {
	switch fn {
	case operators.LogicalNot:
		return func(fr *frame) value {
			if v := x(fr); v.kind == boolKind {
				return boolValue(!v.b)
			}
			return unknownValue
		}, true
	case operators.NotStrictlyFalse:
		// CEL's @not_strictly_false(error) is true; an unknown may be an
		// error or not.
		return func(fr *frame) value {
			if v := x(fr); v.kind == boolKind {
				return v
			}
			return unknownValue
		}, true
	case operators.Negate:
		return func(fr *frame) value {
			if v := x(fr); v.kind == doubleKind {
				return value{kind: doubleKind, f: -v.f}
			}
			return unknownValue
		}, true
	case "double":
		return func(fr *frame) value {
			switch v := x(fr); v.kind {
			case doubleKind, intKind:
				return value{kind: doubleKind, f: v.f}
			}
			return unknownValue
		}, true
	case "ecpay.round":
		return func(fr *frame) value {
			if v := x(fr); v.kind == doubleKind {
				return value{kind: doubleKind, f: Round(v.f, 0)}
			}
			return unknownValue
		}, true
	}
	return nil, false
}

func binary(fn string, x, y quick) (quick, bool) {
	switch fn {
	case operators.LogicalAnd:
		// As CEL: false if either is false, whatever the other is.
		return func(fr *frame) value {
			a := x(fr)
			if a.kind == boolKind && !a.b {
				return falseValue
			}
			b := y(fr)
			if b.kind == boolKind && !b.b {
				return falseValue
			}
			if a.kind == boolKind && b.kind == boolKind {
				return trueValue
			}
			return unknownValue
		}, true
	case operators.LogicalOr:
		return func(fr *frame) value {
			a := x(fr)
			if a.kind == boolKind && a.b {
				return trueValue
			}
			b := y(fr)
			if b.kind == boolKind && b.b {
				return trueValue
			}
			if a.kind == boolKind && b.kind == boolKind {
				return falseValue
			}
			return unknownValue
		}, true
	case operators.Equals, operators.NotEquals:
		negate := fn == operators.NotEquals
		return func(fr *frame) value {
			eq, ok := equal(x(fr), y(fr))
			if !ok {
				return unknownValue
			}
			return boolValue(eq != negate)
		}, true
	case operators.Less, operators.LessEquals, operators.Greater, operators.GreaterEquals:
		return func(fr *frame) value {
			a, b := x(fr), y(fr)
			if !isNumber(a) || !isNumber(b) || math.IsNaN(a.f) || math.IsNaN(b.f) {
				return unknownValue
			}
			switch fn {
			case operators.Less:
				return boolValue(a.f < b.f)
			case operators.LessEquals:
				return boolValue(a.f <= b.f)
			case operators.Greater:
				return boolValue(a.f > b.f)
			}
			return boolValue(a.f >= b.f)
		}, true
	case operators.Add, operators.Subtract, operators.Multiply, operators.Divide:
		// Doubles only: an int's arithmetic has CEL's overflow errors, and
		// a double with an int is no overload.
		return func(fr *frame) value {
			a, b := x(fr), y(fr)
			if a.kind != doubleKind || b.kind != doubleKind {
				return unknownValue
			}
			switch fn {
			case operators.Add:
				return value{kind: doubleKind, f: a.f + b.f}
			case operators.Subtract:
				return value{kind: doubleKind, f: a.f - b.f}
			case operators.Multiply:
				return value{kind: doubleKind, f: a.f * b.f}
			}
			return value{kind: doubleKind, f: a.f / b.f}
		}, true
	case operators.In:
		return func(fr *frame) value {
			v, list := x(fr), y(fr)
			if list.kind != listKind {
				return unknownValue
			}
			for _, x := range list.list() {
				eq, ok := equal(v, dataValue(x))
				if !ok {
					return unknownValue
				}
				if eq {
					return trueValue
				}
			}
			return falseValue
		}, true
	case "ecpay.round":
		return func(fr *frame) value {
			v, d := x(fr), y(fr)
			if v.kind != doubleKind || d.kind != intKind || d.f < 0 || d.f > maxDigits {
				return unknownValue
			}
			return value{kind: doubleKind, f: Round(v.f, int(d.f))}
		}, true
	}
	return nil, false
}

// compareTo is binary for a comparison with a constant of the rule
// (self.Print == '0', x < 1.0), the commonest call of the pages' rules: the
// same answers, without evaluating the constant and looking up its type.
func compareTo(fn string, x quick, lit value) (quick, bool) {
	switch {
	case (fn == operators.Equals || fn == operators.NotEquals) && lit.kind == stringKind:
		s, negate := lit.str(), fn == operators.NotEquals
		return func(fr *frame) value {
			if v := x(fr); v.kind == stringKind {
				return boolValue((v.str() == s) != negate)
			}
			return unknownValue
		}, true
	case fn == operators.Less && isNumber(lit) && !math.IsNaN(lit.f):
		return func(fr *frame) value {
			if v := x(fr); isNumber(v) && !math.IsNaN(v.f) {
				return boolValue(v.f < lit.f)
			}
			return unknownValue
		}, true
	}
	return nil, false
}

func isNumber(v value) bool { return v.kind == doubleKind || v.kind == intKind }

// equal is CEL's == on the values the quick path knows how to compare:
// strings, bools, null, and numbers (an int and a double compare as
// numbers, as in CEL; a NaN equals nothing). Any other pair is not known:
// CEL says false for a type mix, and compares lists and maps deeply.
func equal(a, b value) (eq, ok bool) {
	switch {
	case isNumber(a) && isNumber(b):
		return a.f == b.f, true
	case a.kind != b.kind:
		return false, false
	case a.kind == stringKind:
		return a.str() == b.str(), true
	case a.kind == boolKind:
		return a.b == b.b, true
	case a.kind == nullKind:
		return true, true
	}
	return false, false
}

// orValue translates x.?f.orValue(d), the optional member with a default.
func (t *quickSet) orValue(target, def ast.Expr) (quick, bool) {
	if target.Kind() != ast.CallKind {
		return nil, false
	}
	sel := target.AsCall()
	if sel.FunctionName() != operators.OptSelect || len(sel.Args()) != 2 || sel.Args()[1].Kind() != ast.LiteralKind {
		return nil, false
	}
	field, ok := sel.Args()[1].AsLiteral().(types.String)
	if !ok {
		return nil, false
	}
	get, has, ok1 := t.member(sel.Args()[0], string(field))
	fallback, ok2 := t.expr(def)
	return func(fr *frame) value {
		h := has(fr)
		switch {
		case h.kind != boolKind:
			return unknownValue
		case h.b:
			return get(fr)
		}
		return fallback(fr)
	}, ok1 && ok2
}

// matches translates s.matches(pattern) for a constant pattern, compiled
// once with regexp, as cel-go does.
func (t *quickSet) matches(s, pattern ast.Expr) (quick, bool) {
	if pattern.Kind() != ast.LiteralKind {
		return nil, false
	}
	p, ok := pattern.AsLiteral().(types.String)
	if !ok {
		return nil, false
	}
	re, err := regexp.Compile(string(p))
	if err != nil {
		return nil, false
	}
	str, ok := t.expr(s)
	return func(fr *frame) value {
		if v := str(fr); v.kind == stringKind {
			return boolValue(re.MatchString(v.str()))
		}
		return unknownValue
	}, ok
}

// sumOfMap translates list.map(x, expr).sum() without building the list:
// the same additions, in the same order, from 0.0, as sum() does.
func (t *quickSet) sumOfMap(target ast.Expr) (quick, bool) {
	if target.Kind() != ast.ComprehensionKind {
		return nil, false
	}
	c := target.AsComprehension()
	elem, ok := mapElement(c)
	if !ok {
		return nil, false
	}
	iterRange, ok := t.expr(c.IterRange())
	if !ok {
		return nil, false
	}
	slot, restore := t.element(c.IterVar())
	defer restore()
	step, ok := t.expr(elem)
	if !ok {
		return nil, false
	}
	resets := t.resets[slot]
	return func(fr *frame) value {
		list := iterRange(fr)
		if list.kind != listKind {
			return unknownValue
		}
		total := 0.0
		for _, x := range list.list() {
			fr.slots[slot] = dataValue(x)
			forget(fr, resets)
			v := step(fr)
			if v.kind != doubleKind {
				return unknownValue
			}
			total += v.f
		}
		return value{kind: doubleKind, f: total}
	}, true
}

// mapElement returns expr of a comprehension that is the map macro's
// expansion, list.map(x, expr): accumulate [] + [expr] for every x.
func mapElement(c ast.ComprehensionExpr) (ast.Expr, bool) {
	if c.IterVar2() != "" || c.AccuInit().Kind() != ast.ListKind || c.AccuInit().AsList().Size() != 0 ||
		c.Result().Kind() != ast.IdentKind || c.Result().AsIdent() != c.AccuVar() {
		return nil, false
	}
	if cond := c.LoopCondition(); cond.Kind() != ast.LiteralKind || cond.AsLiteral() != types.True {
		return nil, false
	}
	step := c.LoopStep()
	if step.Kind() != ast.CallKind || step.AsCall().FunctionName() != operators.Add || len(step.AsCall().Args()) != 2 {
		return nil, false
	}
	accu, add := step.AsCall().Args()[0], step.AsCall().Args()[1]
	if accu.Kind() != ast.IdentKind || accu.AsIdent() != c.AccuVar() || add.Kind() != ast.ListKind || add.AsList().Size() != 1 ||
		len(add.AsList().OptionalIndices()) > 0 {
		return nil, false
	}
	return add.AsList().Elements()[0], true
}

func (t *quickSet) bound(name string) bool {
	_, ok := t.scope[name]
	return ok
}

// bind gives name a new slot, hiding an outer one of the same name until
// restore.
func (t *quickSet) bind(name string) (slot int, restore func()) {
	outer, shadows := t.scope[name]
	slot = t.slots
	t.slots++
	t.scope[name] = slot
	return slot, func() {
		if shadows {
			t.scope[name] = outer
		} else {
			delete(t.scope, name)
		}
	}
}

// comprehension translates a fold over a list (all, exists, sum(x, expr),
// cel.bind, …): CEL's loop, stopping where the condition is false; an
// unknown condition makes the whole fold unknown.
func (t *quickSet) comprehension(c ast.ComprehensionExpr) (quick, bool) {
	if c.IterVar2() != "" {
		return nil, false
	}
	iterRange, ok1 := t.expr(c.IterRange())
	accuInit, ok2 := t.expr(c.AccuInit())
	accu, restoreAccu := t.bind(c.AccuVar())
	defer restoreAccu()
	result, ok3 := t.expr(c.Result())
	iter, restoreIter := t.element(c.IterVar())
	defer restoreIter()
	if !ok1 || !ok2 || !ok3 {
		return nil, false
	}
	if predicate, stop, matched, ok := t.quantifier(c); matched {
		return t.quantify(iterRange, iter, t.resets[iter], predicate, stop), ok
	}
	cond, ok4 := t.expr(c.LoopCondition())
	step, ok5 := t.expr(c.LoopStep())
	if !ok4 || !ok5 {
		return nil, false
	}
	resets := t.resets[iter]
	return func(fr *frame) value {
		list := iterRange(fr)
		if list.kind != listKind {
			return unknownValue
		}
		fr.slots[accu] = accuInit(fr)
		for _, x := range list.list() {
			fr.slots[iter] = dataValue(x)
			forget(fr, resets)
			c := cond(fr)
			if c.kind != boolKind {
				return unknownValue
			}
			if !c.b {
				break
			}
			fr.slots[accu] = step(fr)
		}
		return result(fr)
	}, true
}

// quantifier recognises the expansions of all(x, p) and exists(x, p)
// (matched), and returns p translated (ok) and the answer it stops at
// (false for all, true for exists). The generic fold would evaluate the
// accumulator, the loop condition and the step around p for every element.
func (t *quickSet) quantifier(c ast.ComprehensionExpr) (predicate quick, stop, matched, ok bool) {
	init, cond, step, result := c.AccuInit(), c.LoopCondition(), c.LoopStep(), c.Result()
	accu := c.AccuVar()
	isAccu := func(e ast.Expr) bool { return e.Kind() == ast.IdentKind && e.AsIdent() == accu }
	if init.Kind() != ast.LiteralKind || !isAccu(result) || cond.Kind() != ast.CallKind || step.Kind() != ast.CallKind {
		return nil, false, false, false
	}
	start, isBool := init.AsLiteral().(types.Bool)
	condCall, stepCall := cond.AsCall(), step.AsCall()
	if !isBool || condCall.FunctionName() != operators.NotStrictlyFalse || len(condCall.Args()) != 1 || len(stepCall.Args()) != 2 ||
		!isAccu(stepCall.Args()[0]) {
		return nil, false, false, false
	}
	var b strings.Builder
	p := stepCall.Args()[1]
	if fingerprint(&b, p, nil); strings.Contains(b.String(), accu) {
		return nil, false, false, false
	}
	tested := condCall.Args()[0]
	switch {
	case start == types.True && stepCall.FunctionName() == operators.LogicalAnd && isAccu(tested): // all
		stop = false
	case start == types.False && stepCall.FunctionName() == operators.LogicalOr && tested.Kind() == ast.CallKind &&
		tested.AsCall().FunctionName() == operators.LogicalNot && len(tested.AsCall().Args()) == 1 && isAccu(tested.AsCall().Args()[0]): // exists
		stop = true
	default:
		return nil, false, false, false
	}
	predicate, ok = t.expr(p)
	return predicate, stop, true, ok
}

// quantify is all (stop false) or exists (stop true): the answer stop at
// the first element whose predicate gives it, else !stop; an unknown
// predicate before that makes the answer unknown (CEL's may be an error,
// or the stop answer at a later element).
func (t *quickSet) quantify(iterRange quick, iter int, resets []int, predicate quick, stop bool) quick {
	return func(fr *frame) value {
		list := iterRange(fr)
		if list.kind != listKind {
			return unknownValue
		}
		for _, x := range list.list() {
			fr.slots[iter] = dataValue(x)
			forget(fr, resets)
			p := predicate(fr)
			if p.kind != boolKind {
				return unknownValue
			}
			if p.b == stop {
				return boolValue(stop)
			}
		}
		return boolValue(!stop)
	}
}
