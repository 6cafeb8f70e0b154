package ecpayop_test

import (
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/ecpayop"
	"github.com/ecpay-go/einvoice/internal/rules"
)

// Every operation's rules compile from its embedded page, which carries the
// overlays' x-ecpay-validations, once: every call shares the same Set.
func TestRulesFromTheEmbeddedPage(t *testing.T) {
	for _, op := range registry.All() {
		t.Run(op.Name, func(t *testing.T) {
			set, err := op.Rules()
			if err != nil {
				t.Fatal(err)
			}
			if again, _ := op.Rules(); again != set {
				t.Error("a second call compiled the rules again")
			}
			doc, err := op.Spec()
			if err != nil {
				t.Fatal(err)
			}
			entries, _ := doc.Components.Schemas[op.RequestDataSchema].Value.Extensions[rules.Extension].([]any)
			if got := len(set.Rules()); got != len(entries) {
				t.Errorf("%d rules, but the embedded page's %s has %d entries", got, rules.Extension, len(entries))
			}
			if set.Page() != op.Page {
				t.Errorf("the set's page is %q, want %q", set.Page(), op.Page)
			}
		})
	}
}

// An Operation built by hand has no embedded page: an error, not a panic.
func TestRulesOfAnOperationNotInTheRegistry(t *testing.T) {
	op := &ecpayop.Operation{Name: "Handmade"}
	if _, err := op.Rules(); err == nil || !strings.Contains(err.Error(), "Handmade is not an operation of the registry") {
		t.Errorf("Rules() = %v", err)
	}
}

// A rule that does not compile, or names a code the operation does not
// refuse with, is an error naming the operation, the page and the rule.
func TestCompileRulesErrors(t *testing.T) {
	op := registry.TriggerIssue
	for name, tc := range map[string]struct {
		entry map[string]any
		want  []string
	}{
		"a rule that does not compile": {
			entry: map[string]any{"rule": "self.Tsr ==", "message": "m"},
			want:  []string{"TriggerIssue's business rules", "page openapi/TriggerIssue.yaml: x-ecpay-validations[0] \"self.Tsr ==\"", "Syntax error"},
		},
		"an unknown code": {
			entry: map[string]any{"rule": "true", "message": "m", "code": 1234567},
			want:  []string{"page openapi/TriggerIssue.yaml: x-ecpay-validations[0]", "code 1234567 is not a refusal"},
		},
		"a success code": {
			entry: map[string]any{"rule": "true", "message": "m", "code": 4000004},
			want:  []string{"code 4000004 is not a refusal"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			doc, err := op.Spec()
			if err != nil {
				t.Fatal(err)
			}
			withRules(doc.Components.Schemas[op.RequestDataSchema].Value, tc.entry)
			_, err = ecpayop.CompileRules(op, doc)
			if err == nil {
				t.Fatal("compiled")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not say %q: %v", w, err)
				}
			}
		})
	}
	doc, _ := op.Spec()
	withRules(doc.Components.Schemas[op.RequestDataSchema].Value, map[string]any{"rule": "true", "message": "m", "code": 4000001})
	if _, err := ecpayop.CompileRules(op, doc); err != nil {
		t.Errorf("a refusal code of the operation: %v", err)
	}
}

func withRules(s *openapi3.Schema, entries ...any) {
	if s.Extensions == nil {
		s.Extensions = map[string]any{}
	}
	s.Extensions[rules.Extension] = entries
}
