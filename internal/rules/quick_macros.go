package rules

import (
	"regexp"
	"strings"

	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
)

// The quick path's macros: optional members, matches, sums, and the
// comprehensions all and exists (see quick.go).

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
		for i := range fr.length(list) {
			fr.enter(list, i, slot, resets)
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
		for i := range fr.length(list) {
			fr.enter(list, i, iter, resets)
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
		for i := range fr.length(list) {
			fr.enter(list, i, iter, resets)
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
