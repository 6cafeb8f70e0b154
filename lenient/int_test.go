package lenient_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/ecpay-go/einvoice/generated/canceldelayissue"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/lenient"
)

func TestLenientIntDecodes(t *testing.T) {
	tests := map[string]struct {
		in      string
		want    lenient.Int
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
		"fraction of zeros":      {in: `50.0`, want: 50},
		"string with zeros":      {in: `"50.00"`, want: 50},
		"negative with a zero":   {in: `"-3.0"`, want: -3},
		"string with a fraction": {in: `"1.5"`, wantErr: true},
		"fraction after zeros":   {in: `1.05`, wantErr: true},
		"point alone":            {in: `"1."`, wantErr: true},
		"fraction alone":         {in: `".0"`, wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var got lenient.Int
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

// Every page's ResponseData decodes RtnCode as ECPay documents it (a
// number) and as its own example sends it (a string), and encodes a number.
func TestResponseDataDecodesRtnCodeNumberOrString(t *testing.T) {
	for _, body := range []string{
		`{"RtnCode":1,"RtnMsg":"取消開立發票成功"}`,
		// The form the vendor page's own example shows.
		`{"RtnCode":"1","RtnMsg":"取消開立發票成功"}`,
	} {
		t.Run(body, func(t *testing.T) {
			var data canceldelayissue.ResponseData
			if err := json.Unmarshal([]byte(body), &data); err != nil {
				t.Fatal(err)
			}
			if data.RtnCode == nil || *data.RtnCode != 1 || data.RtnMsg == nil || *data.RtnMsg != "取消開立發票成功" {
				t.Errorf("decoded to %+v", data)
			}
			out, err := json.Marshal(data)
			if err != nil {
				t.Fatal(err)
			}
			if want := `{"RtnCode":1,"RtnMsg":"取消開立發票成功"}`; string(out) != want {
				t.Errorf("re-encoded as %s, want %s (RtnCode a number)", out, want)
			}
			for _, op := range registry.All() {
				data := reflect.New(op.ResponseType)
				if err := json.Unmarshal([]byte(body), data.Interface()); err != nil {
					t.Errorf("%s.ResponseData: %v", op.Name, err)
					continue
				}
				rtn, ok := data.Elem().FieldByName("RtnCode").Interface().(*lenient.Int)
				if !ok || rtn == nil || *rtn != 1 {
					t.Errorf("%s.ResponseData decoded RtnCode to %v", op.Name, data.Elem().FieldByName("RtnCode"))
				}
			}
		})
	}
}

func TestRequestDataHasStringFieldsNamedAsOnTheWire(t *testing.T) {
	data := canceldelayissue.RequestData{MerchantID: "2000132", Tsr: "201909170001"}
	out, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"MerchantID":"2000132","Tsr":"201909170001"}`; string(out) != want {
		t.Errorf("Marshal = %s, want %s", out, want)
	}
}

// The hand-rolled parsers of LenientInt and LenientNumber and the
// plain-string and number paths of LenientString must decide exactly as the
// encoding/json + strconv references do, for any bytes an answer may carry.
func FuzzLenientDecoding(f *testing.F) {
	for _, seed := range []string{`1`, `"1"`, `-3`, `" 2000 "`, `"9223372036854775807"`, `9223372036854775808`, `"-9223372036854775808"`, `+5`, `"\u0031"`, `1e3`, `"2000132"`, `"\u00e9"`, `null`, `"a\"b"`, `""`, `50.0`, `"50.0"`, `"1.05"`, `"-0.5e-3"`, `01`, `"1e400"`, `"\u00350"`, `" -.5"`, `"取消開立發票成功"`, "\"\xff\"", "\"\x7f\"", "\"a\xe5\x8f\""} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var got lenient.Int
		gotErr := got.UnmarshalJSON(data)
		want, wantOK := referenceLenientInt(data)
		if (gotErr == nil) != wantOK || (wantOK && int(got) != want) {
			t.Errorf("LenientInt(%q) = %d, %v; the reference says %d, ok=%v", data, got, gotErr, want, wantOK)
		}
		var num lenient.Number
		numErr := num.UnmarshalJSON(data)
		wantNum, wantNumOK := referenceLenientNumber(data)
		if (numErr == nil) != wantNumOK || (wantNumOK && float64(num) != wantNum) {
			t.Errorf("LenientNumber(%q) = %v, %v; the reference says %v, ok=%v", data, num, numErr, wantNum, wantNumOK)
		}
		var s lenient.String
		sErr := s.UnmarshalJSON(data)
		var ref string
		trimmed := bytes.TrimSpace(data)
		switch {
		case len(trimmed) > 0 && trimmed[0] == '"':
			refErr := json.Unmarshal(trimmed, &ref)
			if (sErr == nil) != (refErr == nil) || (sErr == nil && string(s) != ref) {
				t.Errorf("LenientString(%q) = %q, %v; encoding/json says %q, %v", data, s, sErr, ref, refErr)
			}
		case string(trimmed) != "null":
			// A number keeps its text, as json.Number does.
			var n json.Number
			refErr := json.Unmarshal(trimmed, &n)
			if (sErr == nil) != (refErr == nil) || (sErr == nil && string(s) != n.String()) {
				t.Errorf("LenientString(%q) = %q, %v; encoding/json says %q, %v", data, s, sErr, n, refErr)
			}
		}
	})
}

// referenceLenientInt is LenientInt's rule written with encoding/json and
// strconv.
func referenceLenientInt(data []byte) (int, bool) {
	data = bytes.TrimSpace(data)
	if string(data) == "null" {
		return 0, true
	}
	text := string(data)
	if len(data) > 0 && data[0] == '"' {
		var s string
		if json.Unmarshal(data, &s) != nil {
			return 0, false
		}
		text = strings.TrimSpace(s)
	}
	if whole, fraction, ok := strings.Cut(text, "."); ok {
		if fraction == "" || strings.Trim(fraction, "0") != "" {
			return 0, false
		}
		text = whole
	}
	v, err := strconv.ParseInt(text, 10, strconv.IntSize)
	return int(v), err == nil
}

// referenceLenientNumber is LenientNumber's rule written with encoding/json:
// what it decodes into a float64, or a string holding a JSON number.
func referenceLenientNumber(data []byte) (float64, bool) {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '"' {
		var s string
		if json.Unmarshal(data, &s) != nil {
			return 0, false
		}
		data = []byte(strings.TrimSpace(s))
		// A number, not null, a boolean or a string inside the string.
		if len(data) == 0 || (data[0] != '-' && (data[0] < '0' || data[0] > '9')) {
			return 0, false
		}
	}
	var f float64
	err := json.Unmarshal(data, &f)
	return f, err == nil
}
