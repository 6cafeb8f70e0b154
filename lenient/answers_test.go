package lenient_test

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/lenient"
)

// answerForm is how an answer writes the members of each schema type.
type answerForm struct{ str, integer, number string }

// answerText returns the JSON of an answer to s, a schema of an answer's
// Data, with every member written in form, nested objects and one item of
// every array included. Members of another type (none today) are left out:
// no lenient type covers them.
func answerText(s *openapi3.Schema, form answerForm) string {
	switch {
	case s.Type.Is(openapi3.TypeString):
		return form.str
	case s.Type.Is(openapi3.TypeInteger):
		return form.integer
	case s.Type.Is(openapi3.TypeNumber):
		return form.number
	case s.Type.Is(openapi3.TypeArray) && s.Items != nil:
		return "[" + answerText(s.Items.Value, form) + "]"
	}
	var members []string
	for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
		if v := answerText(s.Properties[name].Value, form); v != "" {
			members = append(members, `"`+name+`":`+v)
		}
	}
	if len(members) == 0 && !s.Type.Is(openapi3.TypeObject) {
		return ""
	}
	return "{" + strings.Join(members, ",") + "}"
}

// Every member of every page's answer Data decodes whichever way ECPay
// writes it: a number where the page says String, a quoted number, an
// integer or an amount as 50.0, quoted or not. Each decodes to the value
// the page's own form gives, and encodes as the page says.
func TestEveryAnswerMemberDecodesLeniently(t *testing.T) {
	asThePageSays := answerForm{str: `"7"`, integer: `7`, number: `50`}
	forms := map[string]struct {
		form answerForm
		want answerForm // the answer as the page writes it
	}{
		"as the page says":                 {form: asThePageSays, want: asThePageSays},
		"numbers where the page says text": {form: answerForm{str: `7`, integer: `7`, number: `50`}, want: asThePageSays},
		"quoted numbers":                   {form: answerForm{str: `"7"`, integer: `"7"`, number: `"50"`}, want: asThePageSays},
		"integers and amounts as 50.0":     {form: answerForm{str: `"7"`, integer: `7.0`, number: `50.0`}, want: asThePageSays},
		`integers and amounts as "50.0"`:   {form: answerForm{str: `"7"`, integer: `"7.0"`, number: `"50.0"`}, want: asThePageSays},
		"spaces around quoted numbers":     {form: answerForm{str: `"7"`, integer: `" 7 "`, number: `" 50.0 "`}, want: asThePageSays},
		"amounts with a fraction":          {form: answerForm{str: `7.5`, integer: `7`, number: `"10.5"`}, want: answerForm{str: `"7.5"`, integer: `7`, number: `10.5`}},
	}
	for _, op := range registry.All() {
		doc, err := op.Spec()
		if err != nil {
			t.Fatal(err)
		}
		schema := doc.Components.Schemas[op.ResponseDataSchema].Value
		for name, tc := range forms {
			t.Run(op.Name+"/"+name, func(t *testing.T) {
				in, want := answerText(schema, tc.form), answerText(schema, tc.want)
				data := reflect.New(op.ResponseType)
				if err := json.Unmarshal([]byte(in), data.Interface()); err != nil {
					t.Fatalf("%s.ResponseData does not decode %s: %v", op.Name, in, err)
				}
				out, err := json.Marshal(data.Interface())
				if err != nil {
					t.Fatal(err)
				}
				var got, wanted any
				if err := json.Unmarshal(out, &got); err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal([]byte(want), &wanted); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, wanted) {
					t.Errorf("%s decodes and encodes as\n%s\nwant\n%s", in, out, want)
				}
			})
		}
	}
}

// Every field of every page's answer Data, nested ones included, is of a
// lenient type (or a slice or struct of them): what the generator derives
// for each member, so that no page's overlay has to.
func TestEveryAnswerFieldHasALenientType(t *testing.T) {
	lenientTypes := []reflect.Type{reflect.TypeFor[lenient.String](), reflect.TypeFor[lenient.Int](), reflect.TypeFor[lenient.Number]()}
	var check func(t *testing.T, where string, typ reflect.Type)
	check = func(t *testing.T, where string, typ reflect.Type) {
		switch typ.Kind() {
		case reflect.Pointer, reflect.Slice:
			check(t, where, typ.Elem())
		case reflect.Struct:
			for f := range typ.Fields() {
				check(t, where+"."+f.Name, f.Type)
			}
		default:
			if !slices.Contains(lenientTypes, typ) {
				t.Errorf("%s is a %s, not a lenient type", where, typ)
			}
		}
	}
	for _, op := range registry.All() {
		t.Run(op.Name, func(t *testing.T) { check(t, op.ResponseType.String(), op.ResponseType) })
	}
}
