package rules_test

import (
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ecpay-go/einvoice/internal/rules"
)

func Example() {
	// A page's request Data schema with one rule, as an overlay leaves it
	// (internal/pages compiles the rules of every page it loads).
	schema := openapi3.NewObjectSchema().
		WithProperty("Donation", openapi3.NewStringSchema()).
		WithProperty("LoveCode", openapi3.NewStringSchema())
	schema.Extensions = map[string]any{rules.Extension: []any{map[string]any{
		"rule":    "self.Donation != '1' || (has(self.LoveCode) && self.LoveCode != '')",
		"message": "Donation 1 (donated) needs a LoveCode: give the receiving organisation's love code",
		"fields":  []any{"Donation", "LoveCode"},
	}}}
	set, err := rules.Compile("Issue", schema)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, data := range []string{`{"Donation":"1","LoveCode":"168001"}`, `{"Donation":"1"}`} {
		violations, err := set.CheckJSON([]byte(data))
		fmt.Println(data, violations, err)
	}
	// Output:
	// {"Donation":"1","LoveCode":"168001"} [] <nil>
	// {"Donation":"1"} [Donation 1 (donated) needs a LoveCode: give the receiving organisation's love code (Donation, LoveCode)] <nil>
}

func ExampleCompile_error() {
	schema := openapi3.NewObjectSchema().WithProperty("Donation", openapi3.NewStringSchema())
	schema.Extensions = map[string]any{rules.Extension: []any{map[string]any{
		"rule": "self.Donaton == '1'", "message": "…",
	}}}
	_, err := rules.Compile("openapi/Issue.yaml", schema)
	fmt.Println(err)
	// Output:
	// page openapi/Issue.yaml: x-ecpay-validations[0] "self.Donaton == '1'": at 1:5: Donaton is not a member of the request (Donation)
}
