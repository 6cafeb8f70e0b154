package ecpayop_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/ecpayop"
)

// Every operation's Model compiles once from its embedded page, and says
// what the page and the generated types say: no reader digs in Spec again.
func TestModelOfEveryOperation(t *testing.T) {
	for _, op := range registry.All() {
		t.Run(op.Name, func(t *testing.T) {
			m, err := op.Model()
			if err != nil {
				t.Fatal(err)
			}
			if again, _ := op.Model(); again != m {
				t.Error("a second call compiled the model again")
			}
			doc, err := op.Spec()
			if err != nil {
				t.Fatal(err)
			}
			data := doc.Components.Schemas[op.RequestDataSchema].Value
			if !slices.Equal(m.Required, data.Required) {
				t.Errorf("Required = %v, the page's %v", m.Required, data.Required)
			}
			if !reflect.DeepEqual(m.Defaults, ecpayop.RequestDefaults(data)) {
				t.Errorf("Defaults = %v, the page's %v", m.Defaults, ecpayop.RequestDefaults(data))
			}
			if len(m.Members) != len(m.RequestData.Properties) || !slices.IsSorted(m.Members) {
				t.Errorf("Members = %v, want the %d members of the page, sorted", m.Members, len(m.RequestData.Properties))
			}
			for _, name := range m.Members {
				f, ok := m.RequestField(name)
				if want, _ := ecpayop.FieldByJSONName(op.RequestType, name); !ok || f.Name != want.Name {
					t.Errorf("RequestField(%q) = %q, %v; want %q", name, f.Name, ok, want.Name)
				}
			}
			if _, ok := m.ResponseField("RtnCode"); !ok {
				t.Error("the answer has no field RtnCode")
			}
			if m.RequestEnvelope.Properties["Data"] == nil || m.ResponseEnvelope.Properties["TransCode"] == nil {
				t.Error("the envelope schemas are not the request's and the answer's JSON bodies")
			}
			if !reflect.DeepEqual(m.Successes(), op.Successes()) || len(m.Refusals())+len(m.Successes()) != len(op.Codes) {
				t.Errorf("Successes %v and Refusals %v do not split the codes %v", m.Successes(), m.Refusals(), op.Codes)
			}
		})
	}
}

func TestModelOfAnOperationNotInTheRegistry(t *testing.T) {
	op := &ecpayop.Operation{Name: "Handmade"}
	if _, err := op.Model(); err == nil || !strings.Contains(err.Error(), "Handmade is not an operation of the registry") {
		t.Errorf("Model() = %v", err)
	}
}

func TestMaxLength(t *testing.T) {
	m, err := registry.TriggerIssue.Model()
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		member string
		want   int
		ok     bool
	}{
		"a member with a maxLength": {"MerchantID", 10, true},
		"no such member":            {"NoSuchMember", 0, false},
		"the envelope itself":       {"RqHeader", 0, false},
	} {
		t.Run(name, func(t *testing.T) {
			if n, ok := ecpayop.MaxLength(m.RequestEnvelope, tc.member); n != tc.want || ok != tc.ok {
				t.Errorf("MaxLength(%q) = %d, %v; want %d, %v", tc.member, n, ok, tc.want, tc.ok)
			}
		})
	}
	if _, ok := ecpayop.MaxLength(nil, "MerchantID"); ok {
		t.Error("a nil schema has a maxLength")
	}
}
