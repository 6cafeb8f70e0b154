package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/interpreter"
)

// Violation is a rule a request breaks, or one that could not be evaluated
// on it.
type Violation struct {
	// Index is the rule's position in the page's x-ecpay-validations.
	Index int
	// Rule, Message, Quote and Fields are the rule's, from the overlay.
	Rule, Message, Quote string
	Fields               []string
	// Code is the rule's RtnCode, ECPay's answer to it; 0 when not known.
	Code int
	// Err is nil when the rule evaluated to false. Otherwise the rule could
	// not be evaluated on this request, e.g. it reads a member the request
	// lacks without guarding it with has(), or one of another type than
	// the page says: Err is CEL's explanation.
	Err error
}

// String returns the message, the fields and, when the rule could not be
// evaluated, why.
func (v Violation) String() string {
	var b strings.Builder
	b.WriteString(v.Message)
	if len(v.Fields) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(v.Fields, ", "))
	}
	if v.Err != nil {
		fmt.Fprintf(&b, "; the rule %q could not be evaluated on this request: %v", v.Rule, v.Err)
	}
	return b.String()
}

// Check evaluates every rule of s on data, the request's Data object as
// encoding/json decodes it into a map[string]any (numbers as float64, or
// json.Number with UseNumber; ints are accepted too), and returns the
// rules it breaks, in the overlay's order: none when it keeps them all.
// A rule that cannot be evaluated on data is a Violation with Err set.
func (s *Set) Check(data map[string]any) []Violation {
	if s == nil || len(s.rules) == 0 {
		return nil
	}
	vs, _ := s.check(value{kind: mapKind, x: data}, nil, func() (map[string]any, error) { return data, nil })
	return vs
}

// CheckEncoded is CheckJSON on plaintext, the JSON encoding of v (a
// pointer to a struct, as encoding/json encodes it), with the same
// answers, without decoding plaintext when every rule is known to hold:
// the rules read v in place (internal/jsonview). When v's type is not
// one jsonview reads, or a rule needs CEL, plaintext is decoded.
func (s *Set) CheckEncoded(v any, plaintext []byte) ([]Violation, error) {
	if s == nil || len(s.rules) == 0 {
		return nil, nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return s.CheckJSON(plaintext)
	}
	view := viewOf(rv.Type().Elem())
	if view == nil {
		return s.CheckJSON(plaintext)
	}
	return s.check(value{kind: mapKind, x: v}, view, func() (map[string]any, error) { return decodeObject(plaintext) })
}

// check evaluates the rules on self: the quick path first, then CEL, on
// the Data as data gives it, for any rule the quick path does not know to
// hold.
func (s *Set) check(self value, view *goView, data func() (map[string]any, error)) ([]Violation, error) {
	fr := newFrame(s.quick, self, view)
	defer fr.release()
	var act *activation // made only when a rule goes to CEL
	var out []Violation
	for i := range s.rules {
		r := &s.rules[i]
		if r.quick != nil && r.quick.holds(fr) {
			continue
		}
		if act == nil {
			m, err := data()
			if err != nil {
				return nil, err
			}
			act = &activation{self: m}
		}
		val, _, err := r.program.Eval(act)
		if err == nil && val == types.True {
			continue
		}
		if err == nil && val != types.False {
			err = fmt.Errorf("the rule gave %v, not a bool", val)
		}
		out = append(out, Violation{Index: i, Rule: r.Rule.Rule, Message: r.Message, Quote: r.Quote, Fields: slices.Clone(r.Fields), Code: r.Code, Err: err})
	}
	return out, nil
}

// CheckJSON is Check on the request's Data as JSON text; the error says
// why data is no JSON object.
func (s *Set) CheckJSON(data []byte) ([]Violation, error) {
	obj, err := decodeObject(data)
	if err != nil {
		return nil, err
	}
	return s.Check(obj), nil
}

// decodeObject decodes the request's Data, which must be one JSON object.
func decodeObject(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return nil, fmt.Errorf("the request's Data does not decode as a JSON object: %w", err)
	}
	if obj == nil {
		return nil, errors.New("the request's Data is null, not a JSON object")
	}
	if dec.More() {
		return nil, errors.New("the request's Data holds more than one JSON value")
	}
	return obj, nil
}

// activation holds self for every rule of one Check. It stays the decoded
// map: CEL reads a member of a map[string]any directly, and adapts only the
// member read.
type activation struct {
	self map[string]any
}

func (a *activation) ResolveName(name string) (any, bool) {
	if name == self {
		return a.self, true
	}
	return nil, false
}

func (a *activation) Parent() interpreter.Activation { return nil }
