package serving

import (
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// MockValue returns a value that satisfies schema, for the default answer of
// an operation the simulator has no behaviour for (as Stoplight Prism mocks
// from a spec): the schema's example, default or first enum value that
// satisfies it (a vendor page's example may not); otherwise, by type, a
// string of minLength "x"s, the smallest number the bounds allow (0 when
// they allow it), false, an array of minItems items, and an object with
// every declared property. A schema it cannot satisfy this way (a pattern, a
// format, uniqueItems) gives a value the contract check rejects, which the
// Server reports as a violation rather than sends.
//
// The value is built from the schema alone, so New builds it once per
// operation and every default answer shares it; callers must not modify it.
func MockValue(s *openapi3.Schema) any {
	if s == nil {
		return nil
	}
	for _, v := range append([]any{s.Example, s.Default}, s.Enum...) {
		if v != nil && s.VisitJSON(v) == nil {
			return v
		}
	}
	switch {
	case s.Type.Is(openapi3.TypeString):
		return strings.Repeat("x", int(s.MinLength))
	case s.Type.Is(openapi3.TypeInteger):
		return int64(mockNumber(s, true))
	case s.Type.Is(openapi3.TypeNumber):
		return mockNumber(s, false)
	case s.Type.Is(openapi3.TypeBoolean):
		return false
	case s.Type.Is(openapi3.TypeArray):
		items := []any{}
		if s.Items != nil {
			for range s.MinItems {
				items = append(items, MockValue(s.Items.Value))
			}
		}
		return items
	case s.Type.Is(openapi3.TypeObject), len(s.Properties) > 0:
		obj := make(map[string]any, len(s.Properties))
		for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
			if p := s.Properties[name]; p != nil {
				obj[name] = MockValue(p.Value)
			}
		}
		return obj
	case s.Type.Is(openapi3.TypeNull), s.Nullable:
		return nil
	}
	// No type: any value but null satisfies it.
	return ""
}

// mockNumber returns the number closest to 0 that s's bounds allow (3.0's
// boolean exclusiveMinimum/Maximum and 3.1's numeric ones alike), a whole
// one when integer, rounded away from 0 to multipleOf.
func mockNumber(s *openapi3.Schema, integer bool) float64 {
	lo, loExclusive := math.Inf(-1), false
	if s.Min != nil {
		lo, loExclusive = *s.Min, s.ExclusiveMin.Bool != nil && *s.ExclusiveMin.Bool
	}
	if v := s.ExclusiveMin.Value; v != nil && *v >= lo {
		lo, loExclusive = *v, true
	}
	hi, hiExclusive := math.Inf(1), false
	if s.Max != nil {
		hi, hiExclusive = *s.Max, s.ExclusiveMax.Bool != nil && *s.ExclusiveMax.Bool
	}
	if v := s.ExclusiveMax.Value; v != nil && *v <= hi {
		hi, hiExclusive = *v, true
	}
	v := 0.0
	switch {
	case lo > 0 || (lo == 0 && loExclusive):
		v = lo
		if loExclusive {
			v = inside(lo, hi, integer)
		}
		if integer {
			v = math.Ceil(v)
		}
	case hi < 0 || (hi == 0 && hiExclusive):
		v = hi
		if hiExclusive {
			v = -inside(-hi, -lo, integer)
		}
		if integer {
			v = math.Floor(v)
		}
	}
	if m := s.MultipleOf; m != nil && *m > 0 {
		if v >= 0 {
			v = math.Ceil(v / *m) * *m
		} else {
			v = math.Floor(v / *m) * *m
		}
	}
	return v
}

// inside returns a number above the exclusive bound lo and below hi: the
// next whole number for integers, else lo+1 or, when that reaches hi, the
// midpoint.
func inside(lo, hi float64, integer bool) float64 {
	switch {
	case integer:
		return math.Floor(lo) + 1
	case lo+1 < hi:
		return lo + 1
	}
	return lo + (hi-lo)/2
}
