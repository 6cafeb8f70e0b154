package ecpayop_test

import (
	"reflect"
	"testing"

	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/ecpayop"
)

type tagged struct {
	MerchantID string  `json:"MerchantID"`
	Tsr        *string `json:"Tsr,omitempty"`
	Skipped    string  `json:"-"`
	Untagged   string
	OnlyOpts   string `json:",omitempty"`
}

func TestFieldByJSONName(t *testing.T) {
	for name, tc := range map[string]struct {
		typ       reflect.Type
		member    string
		wantField string // "" when there is none
	}{
		"plain":                  {reflect.TypeFor[tagged](), "MerchantID", "MerchantID"},
		"with options":           {reflect.TypeFor[tagged](), "Tsr", "Tsr"},
		"through a pointer":      {reflect.TypeFor[*tagged](), "Tsr", "Tsr"},
		"case matters":           {reflect.TypeFor[tagged](), "tsr", ""},
		"tagged -":               {reflect.TypeFor[tagged](), "-", ""},
		"tagged - by Go name":    {reflect.TypeFor[tagged](), "Skipped", ""},
		"untagged":               {reflect.TypeFor[tagged](), "Untagged", ""},
		"options only":           {reflect.TypeFor[tagged](), "OnlyOpts", ""},
		"no name":                {reflect.TypeFor[tagged](), "", ""},
		"an operation's request": {registry.TriggerIssue.RequestType, "PayType", "PayType"},
		"an operation's answer":  {registry.CancelDelayIssue.ResponseType, "RtnCode", "RtnCode"},
	} {
		t.Run(name, func(t *testing.T) {
			f, ok := ecpayop.FieldByJSONName(tc.typ, tc.member)
			if ok != (tc.wantField != "") || f.Name != tc.wantField {
				t.Errorf("FieldByJSONName(%s, %q) = %q, %v; want %q", tc.typ, tc.member, f.Name, ok, tc.wantField)
			}
		})
	}
}
