package ecpayop

import (
	"maps"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"
)

// Default is a member of an operation's request Data whose value the page
// gives when the caller leaves it empty: its schema's default or, without
// one, the single value its enum allows.
type Default struct {
	Name  string // the member's JSON name
	Value any    // as the page's JSON gives it: a string, a float64, …
	// Why says where Value comes from, for help texts: "the page's
	// default" or "the only value the page allows".
	Why string
}

// RequestDefaults returns the Defaults of data, an operation's request Data
// schema (the component RequestDataSchema of the page's document), sorted
// by name. It is the one reading of this rule: the client fills an empty
// member with its Default before checking a request, and the CLI's batches
// count on it for every required member but Tsr and MerchantID.
func RequestDefaults(data *openapi3.Schema) []Default {
	if data == nil {
		return nil
	}
	var out []Default
	for _, name := range slices.Sorted(maps.Keys(data.Properties)) {
		p := data.Properties[name]
		switch {
		case p == nil || p.Value == nil:
		case p.Value.Default != nil:
			out = append(out, Default{Name: name, Value: p.Value.Default, Why: "the page's default"})
		case len(p.Value.Enum) == 1 && p.Value.Enum[0] != nil:
			out = append(out, Default{Name: name, Value: p.Value.Enum[0], Why: "the only value the page allows"})
		}
	}
	return out
}
