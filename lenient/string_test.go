package lenient_test

import (
	"encoding/json"
	"testing"

	"github.com/ecpay-go/einvoice/generated"
	"github.com/ecpay-go/einvoice/lenient"
)

func TestLenientStringDecodes(t *testing.T) {
	tests := map[string]struct {
		in      string
		want    lenient.String
		wantErr bool
	}{
		"string":           {in: `"2000132"`, want: "2000132"},
		"number":           {in: `2000132`, want: "2000132"},
		"number with sign": {in: `-7`, want: "-7"},
		"fraction kept":    {in: `1.50`, want: "1.50"},
		"escaped string":   {in: `"\u0032000132"`, want: "2000132"},
		"null keeps zero":  {in: `null`, want: ""},
		"boolean":          {in: `true`, wantErr: true},
		"object":           {in: `{"a":1}`, wantErr: true},
		"array":            {in: `[1]`, wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var got lenient.String
			err := json.Unmarshal([]byte(tc.in), &got)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("Unmarshal(%s) = %q, want an error", tc.in, got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("Unmarshal(%s) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestResponseEnvelopeTakesANumericMerchantID(t *testing.T) {
	var env generated.ResponseEnvelope
	if err := json.Unmarshal([]byte(`{"MerchantID":2000132,"TransCode":1}`), &env); err != nil {
		t.Fatal(err)
	}
	if env.MerchantID == nil || *env.MerchantID != "2000132" {
		t.Fatalf("MerchantID = %v", env.MerchantID)
	}
	out, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"MerchantID":"2000132","TransCode":1}`; string(out) != want {
		t.Errorf("re-encoded as %s, want %s (MerchantID a string)", out, want)
	}
}
