package generated_test

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/ecpay-go/einvoice/generated"
)

func TestLenientIntDecodes(t *testing.T) {
	tests := map[string]struct {
		in      string
		want    generated.LenientInt
		wantErr bool
	}{
		"number":                 {in: `1`, want: 1},
		"string":                 {in: `"1"`, want: 1},
		"negative number":        {in: `-3`, want: -3},
		"negative string":        {in: `"-3"`, want: -3},
		"string with spaces":     {in: `" 2000 "`, want: 2000},
		"large code":             {in: `"9000001"`, want: 9000001},
		"null keeps zero":        {in: `null`, want: 0},
		"fraction":               {in: `1.5`, wantErr: true},
		"exponent":               {in: `1e3`, wantErr: true},
		"empty string":           {in: `""`, wantErr: true},
		"word":                   {in: `"one"`, wantErr: true},
		"boolean":                {in: `true`, wantErr: true},
		"object":                 {in: `{}`, wantErr: true},
		"beyond int64":           {in: `"` + strconv.FormatUint(1<<63, 10) + `"`, wantErr: true},
		"string holding a float": {in: `"1.0"`, wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var got generated.LenientInt
			err := json.Unmarshal([]byte(tc.in), &got)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("Unmarshal(%s) = %d, want an error", tc.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Unmarshal(%s): %v", tc.in, err)
			}
			if got != tc.want {
				t.Errorf("Unmarshal(%s) = %d, want %d", tc.in, got, tc.want)
			}
		})
	}
}

func TestResponseDataDecodesRtnCodeNumberOrString(t *testing.T) {
	for _, body := range []string{
		`{"RtnCode":1,"RtnMsg":"取消開立發票成功"}`,
		// The form the vendor page's own example shows.
		`{"RtnCode":"1","RtnMsg":"取消開立發票成功"}`,
	} {
		var data generated.CancelDelayIssueResponseData
		if err := json.Unmarshal([]byte(body), &data); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if data.RtnCode == nil || *data.RtnCode != 1 || data.RtnMsg == nil || *data.RtnMsg != "取消開立發票成功" {
			t.Errorf("%s decoded to %+v", body, data)
		}
		out, err := json.Marshal(data)
		if err != nil {
			t.Fatal(err)
		}
		if want := `{"RtnCode":1,"RtnMsg":"取消開立發票成功"}`; string(out) != want {
			t.Errorf("re-encoded %s as %s, want %s (RtnCode a number)", body, out, want)
		}
	}
}

func TestRequestDataHasStringFieldsNamedAsOnTheWire(t *testing.T) {
	data := generated.CancelDelayIssueRequestData{MerchantID: "2000132", Tsr: "201909170001"}
	out, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"MerchantID":"2000132","Tsr":"201909170001"}`; string(out) != want {
		t.Errorf("Marshal = %s, want %s", out, want)
	}
}
