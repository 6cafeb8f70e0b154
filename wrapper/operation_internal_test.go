package wrapper

import (
	"reflect"
	"testing"
)

// TestEveryPageHasTheSameEnvelope checks what NewClient relies on when it
// checks the MerchantID and the PlatformID against the first page's
// envelope alone: every page gives them the same schema, and every page
// compiles.
func TestEveryPageHasTheSameEnvelope(t *testing.T) {
	ops, err := loadOperations()
	if err != nil {
		t.Fatal(err)
	}
	first := ops[0]
	for _, name := range []string{"MerchantID", "PlatformID"} {
		want := first.envelope.Properties[name]
		if want == nil || want.Value == nil {
			t.Fatalf("%s's envelope has no %s", first.op.Name, name)
		}
		for _, st := range ops[1:] {
			got := st.envelope.Properties[name]
			if got == nil || !reflect.DeepEqual(got.Value, want.Value) {
				t.Errorf("%s's envelope gives %s another schema than %s's", st.op.Name, name, first.op.Name)
			}
		}
	}
}
