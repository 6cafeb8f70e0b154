package jsonview_test

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"

	"github.com/ecpay-go/einvoice/internal/jsonview"
	"github.com/ecpay-go/einvoice/internal/testkit"
)

type number float64

type item struct {
	Name  string    `json:"Name"`
	Price float64   `json:"Price"`
	Count int       `json:"Count,omitempty"`
	Tags  []string  `json:"Tags,omitempty"`
	Flags []bool    `json:"Flags"`
	Next  *item     `json:"Next,omitempty"`
	Sizes []float64 `json:"Sizes,omitempty"`
}

// encoded has a member of every kind Append writes.
type encoded struct {
	S       string    `json:"S"`
	SOmit   string    `json:"S_omit,omitempty"`
	Code    code      `json:"Code"`
	P       *string   `json:"P"`
	POmit   *code     `json:"P.omit,omitempty"`
	F       float64   `json:"F"`
	FOmit   number    `json:"F-omit,omitempty"`
	FP      *float64  `json:"FP,omitempty"`
	I       int       `json:"I"`
	I8      int8      `json:"I8,omitempty"`
	I16     int16     `json:"I16"`
	I32     int32     `json:"I32,omitempty"`
	I64     int64     `json:"I64"`
	U       uint      `json:"U"`
	U8      uint8     `json:"U8,omitempty"`
	U16     uint16    `json:"U16"`
	U32     uint32    `json:"U32"`
	U64     uint64    `json:"U64,omitempty"`
	B       bool      `json:"B"`
	BOmit   bool      `json:"BOmit,omitempty"`
	BP      *bool     `json:"BP"`
	Items   []item    `json:"Items"`
	ItemsP  *[]item   `json:"ItemsP,omitempty"`
	Ints    []int     `json:"Ints,omitempty"`
	Floats  []float64 `json:"Floats"`
	Strings []code    `json:"Strings,omitempty"`
	O       item      `json:"O"`
	OP      *item     `json:"OP"`
	NoTag   string
	Skip    string `json:"-"`
}

// checkAppend holds Append to json.Marshal for v: the same bytes when it
// writes v, and json's error when it does not.
func checkAppend(t *testing.T, o *jsonview.ObjectType, v any) {
	t.Helper()
	want, err := json.Marshal(v)
	got, ok := o.Append([]byte("prefix"), reflect.ValueOf(v).Elem())
	switch {
	case ok && err != nil:
		t.Fatalf("Append writes %s for %+v, which json.Marshal refuses: %v", got, v, err)
	case !ok && err == nil:
		t.Fatalf("Append does not write %+v, which json.Marshal writes as %s", v, want)
	case ok && string(got) != "prefix"+string(want):
		t.Fatalf("Append writes\n%s\njson.Marshal\n%s", got, want)
	}
}

// TestAppendAgreesWithMarshal holds Append to json.Marshal for the cases
// where encoding/json's writing is particular: its escaping of strings
// (HTML, U+2028, bytes that are not UTF-8, control characters) and its
// forms of float64.
func TestAppendAgreesWithMarshal(t *testing.T) {
	o, ok := jsonview.Of(reflect.TypeFor[encoded]())
	if !ok {
		t.Fatal("encoded is not viewed")
	}
	for _, s := range []string{
		"", "plain", "<script>alert(1)</script>", "a&b", `quote " and \ backslash`,
		"\u2028\u2029", "x\u2028y", "\xff", "a\xfe\xffb", "\xe2\x80", "\xe2\x80\xa8", "\xed\xa0\x80",
		"\x00\x01\x1f", "\b\f\n\r\t", "\x7f", "日本語 ümlaut 🙂", "\U0010ffff", "\xf4\x90\x80\x80",
	} {
		t.Run("string "+s, func(t *testing.T) {
			c := code(s)
			checkAppend(t, o, &encoded{S: s, SOmit: s, P: &s, POmit: &c, Strings: []code{c, ""}, NoTag: s,
				Items: []item{{Name: s, Tags: []string{s}}}})
		})
	}
	for _, f := range []float64{
		0, math.Copysign(0, -1), 1, -1, 0.1, 1e-6, 9.99e-7, 1e-7, -1e-7, 1.5e-10, 1e20, 1e21, -1e21, 999999999999999999999,
		123456789, 1e100, 5e-324, math.MaxFloat64, -math.MaxFloat64, 1.0000000000000002, 100, 1e-300,
		1<<53 - 1, 1 << 53, 1<<53 + 2, -(1<<53 - 1), 4503599627370497, 1e15, -42, 1 << 60, 1e20 + 65536, 0.5, -2.5,
	} {
		t.Run("float "+json.Number(fmtFloat(f)).String(), func(t *testing.T) {
			n := number(f)
			checkAppend(t, o, &encoded{F: f, FOmit: n, FP: &f, Floats: []float64{f}, O: item{Price: f, Sizes: []float64{f, -f}}})
		})
	}
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		checkAppend(t, o, &encoded{F: f})
		checkAppend(t, o, &encoded{Items: []item{{Next: &item{Sizes: []float64{f}}}}})
	}
	empty := []item{}
	checkAppend(t, o, &encoded{})
	checkAppend(t, o, &encoded{Items: empty, ItemsP: &empty, Ints: []int{}, Floats: []float64{}})
	checkAppend(t, o, &encoded{ItemsP: new([]item), OP: &item{Next: &item{Flags: []bool{true, false}}}})
	checkAppend(t, o, &encoded{
		I: math.MinInt, I8: math.MinInt8, I16: math.MaxInt16, I32: math.MinInt32, I64: math.MaxInt64,
		U: math.MaxUint, U8: math.MaxUint8, U16: math.MaxUint16, U32: math.MaxUint32, U64: math.MaxUint64,
		B: true, BOmit: true, BP: new(bool), Ints: []int{-1, 0, 1},
	})
}

func fmtFloat(f float64) string {
	b, err := json.Marshal(f)
	if err != nil {
		return "NaN or Inf"
	}
	return string(b)
}

// TestAppendRefuses checks that Append leaves to json.Marshal a type
// whose member names json writes otherwise than as they are.
func TestAppendRefuses(t *testing.T) {
	type html struct {
		A string `json:"a<b"`
	}
	type spaced struct {
		A string `json:"a b"`
	}
	type nested struct {
		In []html `json:"In"`
	}
	for _, v := range []any{&html{}, &spaced{}, &nested{In: []html{{}}}} {
		o, ok := jsonview.Of(reflect.TypeOf(v).Elem())
		if !ok {
			t.Fatalf("%T is not viewed", v)
		}
		if got, ok := o.Append(nil, reflect.ValueOf(v).Elem()); ok {
			want, _ := json.Marshal(v)
			t.Errorf("Append(%T) = %s, true; want false (json.Marshal writes %s)", v, got, want)
		}
	}
}

// FuzzAppend fills an encoded value from the input and holds Append to
// json.Marshal for it.
func FuzzAppend(f *testing.F) {
	o, ok := jsonview.Of(reflect.TypeFor[encoded]())
	if !ok {
		f.Fatal("encoded is not viewed")
	}
	for _, seed := range []string{"", "\x03<a>\x01\x00\x00\x00", "\x05\xff\xfe\xe2\x80\xa8\x01", "\x00\x01\x00\x06\x00\x00\x00\x00"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v encoded
		testkit.Fill(reflect.ValueOf(&v).Elem(), data)
		checkAppend(t, o, &v)
	})
}
