package rules

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"sync"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
	"cel.dev/cel-go/ext"
	"cel.dev/cel-go/parser"
)

// self is the name the rules give the request's Data object.
const self = "self"

// environment is the one CEL environment every rule is compiled in: what
// the package documentation promises rule authors, and nothing more.
var environment = sync.OnceValues(func() (*cel.Env, error) {
	return cel.NewEnv(
		cel.Variable(self, cel.MapType(cel.StringType, cel.DynType)),
		cel.CustomTypeAdapter(adapter),
		// Every number of the Data is a double (see adapter), while a
		// rule's literals are often ints: self.SalesAmount > 0.
		cel.CrossTypeNumericComparisons(true),
		cel.OptionalTypes(),
		ext.Strings(),
		ext.Math(),
		ext.Lists(),
		ext.Sets(),
		ext.Bindings(),
		ext.TwoVarComprehensions(),
		ecpayLibrary(),
	)
})

// ecpayLibrary declares the functions CEL lacks for ECPay's amounts: a
// list's sum, and ECPay's rounding.
func ecpayLibrary() cel.EnvOption {
	return cel.Lib(ecpayLib{})
}

type ecpayLib struct{}

func (ecpayLib) LibraryName() string { return "ecpay" }

func (ecpayLib) ProgramOptions() []cel.ProgramOption { return nil }

func (ecpayLib) CompileOptions() []cel.EnvOption {
	return []cel.EnvOption{
		cel.Macros(cel.ReceiverMacro("sum", 2, sumOf)),
		cel.Function("sum",
			cel.MemberOverload("list_sum", []*cel.Type{cel.ListType(cel.DynType)}, cel.DoubleType,
				cel.UnaryBinding(sum))),
		cel.Function("ecpay.round",
			cel.Overload("ecpay_round_double", []*cel.Type{cel.DoubleType}, cel.DoubleType,
				cel.UnaryBinding(func(x ref.Val) ref.Val { return roundTo(x, types.Int(0)) })),
			cel.Overload("ecpay_round_double_int", []*cel.Type{cel.DoubleType, cel.IntType}, cel.DoubleType,
				cel.BinaryBinding(roundTo))),
	}
}

// sumOf expands list.sum(x, expr), the sum of expr over the elements x of
// list, into a fold that adds as it goes: unlike list.map(x, expr).sum(),
// it builds no list, which on ten items is most of the rule's time.
func sumOf(eh parser.ExprHelper, target ast.Expr, args []ast.Expr) (ast.Expr, *common.Error) {
	if args[0].Kind() != ast.IdentKind {
		return nil, eh.NewError(args[0].ID(), "sum(x, expr): x must be a name for each element")
	}
	x, accu := args[0].AsIdent(), eh.AccuIdentName()
	if x == accu || x == parser.AccumulatorName {
		return nil, eh.NewError(args[0].ID(), "sum(x, expr): x cannot be the accumulator's name")
	}
	step := eh.NewCall(operators.Add, eh.NewAccuIdent(), args[1])
	return eh.NewComprehension(target, x, accu, eh.NewLiteral(types.Double(0)), eh.NewLiteral(types.True), step, eh.NewAccuIdent()), nil
}

// sum adds the numbers of a list as doubles; an element that is no number
// is an error naming its position.
func sum(list ref.Val) ref.Val {
	l, ok := list.(traits.Lister)
	if !ok {
		return types.NewErr("sum() takes a list, not a %s", list.Type().TypeName())
	}
	total := 0.0
	it := l.Iterator()
	for i := 0; it.HasNext() == types.True; i++ {
		x, ok := number(it.Next())
		if !ok {
			return types.NewErr("sum(): element %d is not a number", i)
		}
		total += x
	}
	return types.Double(total)
}

// roundTo is Round for CEL: ecpay.round(x) and ecpay.round(x, digits).
func roundTo(x, digits ref.Val) ref.Val {
	v, ok := number(x)
	if !ok {
		return types.NewErr("ecpay.round() takes a number, not a %s", x.Type().TypeName())
	}
	d, ok := digits.(types.Int)
	if !ok || d < 0 || d > maxDigits {
		return types.NewErr("ecpay.round(): digits must be an int from 0 to %d", maxDigits)
	}
	return types.Double(Round(v, int(d)))
}

// maxDigits is the most decimals Round keeps: a double has 15 significant
// decimal digits.
const maxDigits = 15

// Round returns x rounded to digits decimals (0 to 15) as ECPay rounds
// amounts: half away from zero, as PHP's round() and ECPay's SDK example
// (3 × 10.5 = 31.5 → 32) do, on the decimal the double stands for. The
// product 0.58 × 25 is the double 14.499999999999998, which a plain
// math.Round takes to 14; ECPay's 14.5 rounds to 15. A value within
// rounding noise of a half is therefore read at 15 significant digits, as
// PHP's pre-rounding did; any other is rounded at once.
func Round(x float64, digits int) float64 {
	scale := math.Pow10(min(max(digits, 0), maxDigits))
	y := x * scale
	frac := math.Abs(y - math.Trunc(y))
	if frac == 0.5 || math.Abs(frac-0.5) > math.Abs(y)*1e-13 {
		return math.Round(y) / scale
	}
	return math.Round(decimal(decimal(x)*scale)) / scale
}

// decimal returns x as read at 15 significant digits.
func decimal(x float64) float64 {
	d, err := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 15, 64), 64)
	if err != nil {
		return x // ±Inf and NaN, which JSON cannot carry
	}
	return d
}

// number returns v as a float64, if it is a CEL number.
func number(v ref.Val) (float64, bool) {
	switch n := v.(type) {
	case types.Double:
		return float64(n), true
	case types.Int:
		return float64(n), true
	case types.Uint:
		return float64(n), true
	}
	return 0, false
}

// adapter presents the decoded JSON to CEL with every number a double,
// whether encoding/json gave a float64, a json.Number (UseNumber) or the
// caller built the map with ints: a rule then meets one numeric type, and
// self.ItemCount * self.ItemPrice never fails for want of an int × double
// overload. Maps and lists stay lazy (nothing is converted that no rule
// reads; see object and array), and adapt their members with this adapter
// in turn.
var adapter types.Adapter = doubleAdapter{}

type doubleAdapter struct{}

func (a doubleAdapter) NativeToValue(value any) ref.Val {
	switch v := value.(type) {
	case map[string]any:
		return &object{v}
	case []any:
		return &array{v}
	case string:
		return types.String(v)
	case float64:
		return types.Double(v)
	case bool:
		return types.Bool(v)
	case nil:
		return types.NullValue
	}
	if f, ok, err := dataNumber(value); ok {
		if err != nil {
			return types.NewErr("%v", err)
		}
		return types.Double(f)
	}
	return types.DefaultTypeAdapter.NativeToValue(value)
}

// dataNumber returns a number of the Data, other than a float64, as the
// double every rule sees: ok is false when x is no number; err says why a
// json.Number is out of range.
func dataNumber(x any) (f float64, ok bool, err error) {
	switch v := x.(type) {
	case json.Number:
		f, err := v.Float64()
		if err != nil {
			return 0, true, fmt.Errorf("the number %s is out of range: %w", v, err)
		}
		return f, true, nil
	case int:
		return float64(v), true, nil
	case int64:
		return float64(v), true, nil
	case int32:
		return float64(v), true, nil
	case uint:
		return float64(v), true, nil
	case uint64:
		return float64(v), true, nil
	case uint32:
		return float64(v), true, nil
	case float32:
		return float64(v), true, nil
	}
	return 0, false, nil
}
