package rules

import (
	"math"

	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
)

// The quick path's values and operators: constants, the Data's members,
// calls, and CEL's operators on the values it holds (see quick.go).

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
			for i := range fr.length(list) {
				eq, ok := equal(v, fr.at(list, i))
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
