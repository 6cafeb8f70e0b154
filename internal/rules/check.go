package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
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
	fr := newFrame(s.quick, data)
	defer fr.release()
	var act *activation // made only when a rule goes to CEL
	var out []Violation
	for i := range s.rules {
		r := &s.rules[i]
		if r.quick != nil && r.quick.holds(fr) {
			continue
		}
		if act == nil {
			act = &activation{self: data}
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
	return out
}

// CheckJSON is Check on the request's Data as JSON text; the error says
// why data is no JSON object.
func (s *Set) CheckJSON(data []byte) ([]Violation, error) {
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
	return s.Check(obj), nil
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
