package lenient_test

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/ecpay-go/einvoice/lenient"
)

func TestLenientNumberDecodes(t *testing.T) {
	tests := map[string]struct {
		in      string
		want    lenient.Number
		wantErr bool
	}{
		"integer":              {in: `50`, want: 50},
		"integer as 50.0":      {in: `50.0`, want: 50},
		"fraction":             {in: `10.5`, want: 10.5},
		"quoted integer":       {in: `"50"`, want: 50},
		"quoted 50.0":          {in: `"50.0"`, want: 50},
		"quoted with spaces":   {in: `" 31.5 "`, want: 31.5},
		"negative":             {in: `-0.25`, want: -0.25},
		"exponent":             {in: `"5e1"`, want: 50},
		"escaped digits":       {in: `"\u0035\u0030"`, want: 50},
		"null keeps zero":      {in: `null`, want: 0},
		"empty string":         {in: `""`, wantErr: true},
		"word":                 {in: `"fifty"`, wantErr: true},
		"quoted null":          {in: `"null"`, wantErr: true},
		"boolean":              {in: `true`, wantErr: true},
		"array":                {in: `[50]`, wantErr: true},
		"point alone":          {in: `"50."`, wantErr: true},
		"leading point":        {in: `".5"`, wantErr: true},
		"leading plus":         {in: `"+5"`, wantErr: true},
		"leading zero":         {in: `"050"`, wantErr: true},
		"hexadecimal":          {in: `"0x32"`, wantErr: true},
		"infinity":             {in: `"Inf"`, wantErr: true},
		"not a number":         {in: `"NaN"`, wantErr: true},
		"beyond float64":       {in: `"1e400"`, wantErr: true},
		"two numbers":          {in: `"5 0"`, wantErr: true},
		"thousands separator":  {in: `"1,000"`, wantErr: true},
		"quoted quoted number": {in: `"\"50\""`, wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var got lenient.Number
			err := json.Unmarshal([]byte(tc.in), &got)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("Unmarshal(%s) = %v, want an error", tc.in, got)
				}
				// The value comes from decrypted Data: never in the message.
				if v, msg := strings.Trim(tc.in, `"`), err.Error(); len(v) > 2 && strings.Contains(msg, v) {
					t.Errorf("the error %q quotes the value", msg)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("Unmarshal(%s) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestLenientNumberEncodesANumber(t *testing.T) {
	tests := map[string]struct {
		in   lenient.Number
		want string
	}{
		"integer":        {in: 50, want: `50`},
		"fraction":       {in: 10.5, want: `10.5`},
		"negative":       {in: -0.25, want: `-0.25`},
		"tiny":           {in: 1e-7, want: `1e-7`},
		"large":          {in: 1e21, want: `1e+21`},
		"zero":           {in: 0, want: `0`},
		"largest amount": {in: 9999999999.99, want: `9999999999.99`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			out, err := json.Marshal(tc.in)
			if err != nil || string(out) != tc.want {
				t.Errorf("Marshal(%v) = %s, %v; want %s", float64(tc.in), out, err, tc.want)
			}
			var back lenient.Number
			if err := json.Unmarshal(out, &back); err != nil || back != tc.in {
				t.Errorf("%s decodes to %v, %v; want %v", out, back, err, tc.in)
			}
		})
	}
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if out, err := json.Marshal(lenient.Number(v)); err == nil {
			t.Errorf("Marshal(%v) = %s, want an error", v, out)
		}
	}
}

// Decoding an amount, quoted or not, allocates nothing, as LenientInt's
// RtnCode does not, and a string (a Chinese RtnMsg too) only the string
// itself: every answer carries a few of each.
func TestLenientDecodingDoesNotAllocate(t *testing.T) {
	tests := map[string]struct {
		in     string
		decode func([]byte) error
		allocs float64
	}{
		"LenientNumber from a number":   {`31.5`, new(lenient.Number).UnmarshalJSON, 0},
		"LenientNumber from a string":   {`"50.0"`, new(lenient.Number).UnmarshalJSON, 0},
		"LenientNumber from a long one": {`"9999999999.99"`, new(lenient.Number).UnmarshalJSON, 0},
		"LenientInt from 50.0":          {`"50.0"`, new(lenient.Int).UnmarshalJSON, 0},
		"LenientString from Chinese":    {`"取消開立發票成功"`, new(lenient.String).UnmarshalJSON, 1},
		"LenientString from a number":   {`2000132`, new(lenient.String).UnmarshalJSON, 1},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			data := []byte(tc.in)
			var err error
			allocs := testing.AllocsPerRun(100, func() { err = tc.decode(data) })
			if err != nil {
				t.Fatal(err)
			}
			if allocs != tc.allocs {
				t.Errorf("%s allocates %v times per decode, want %v", tc.in, allocs, tc.allocs)
			}
		})
	}
}
