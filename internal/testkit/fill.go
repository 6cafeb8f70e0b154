package testkit

import (
	"encoding/binary"
	"math"
	"reflect"
)

// Fill sets v, a settable value, from data, so that a fuzz target can
// build a value of any struct type from its input: each exported field,
// string, number, bool, pointer (nil or not) and slice (nil, or of up to
// 3 elements) takes the next bytes of data, and is zero once they run out.
// A float64 is one of its special cases (±0, NaN, ±Inf, the limits of
// encoding/json's exponent form), a decimal, or any bits. Maps and
// interfaces are left as they are.
func Fill(v reflect.Value, data []byte) {
	f := filler{data: data}
	f.fill(v, 0)
}

type filler struct{ data []byte }

func (f *filler) byte() byte {
	if len(f.data) == 0 {
		return 0
	}
	c := f.data[0]
	f.data = f.data[1:]
	return c
}

func (f *filler) uint64() uint64 {
	var b [8]byte
	n := copy(b[:], f.data)
	f.data = f.data[n:]
	return binary.LittleEndian.Uint64(b[:])
}

var specialFloats = []float64{
	0, math.Copysign(0, -1), math.NaN(), math.Inf(1), math.Inf(-1), 1e-6, 1e-7, -1e-7, 1e21, 1e20,
	999999999999999999999, 0.000001234, 5e-324, math.MaxFloat64, 1e-100, 123456789e-15, 1.5e300, 1 << 53, 1<<53 + 2, 1<<53 - 1, -(1 << 53), 1 << 62,
}

func (f *filler) fill(v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.String:
		b := make([]byte, int(f.byte()%24))
		for i := range b {
			b[i] = f.byte()
		}
		v.SetString(string(b))
	case reflect.Bool:
		v.SetBool(f.byte()&1 == 1)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(f.uint64())) // truncated to the kind's size
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		v.SetUint(f.uint64())
	case reflect.Float32, reflect.Float64:
		switch f.byte() % 4 {
		case 0:
			v.SetFloat(specialFloats[int(f.byte())%len(specialFloats)])
		case 1:
			v.SetFloat(float64(int64(f.uint64())) / math.Pow10(int(f.byte()%12)))
		default:
			v.SetFloat(math.Float64frombits(f.uint64()))
		}
	case reflect.Pointer:
		if f.byte()&1 == 0 || depth > 8 {
			v.SetZero()
			return
		}
		p := reflect.New(v.Type().Elem())
		f.fill(p.Elem(), depth+1)
		v.Set(p)
	case reflect.Slice:
		n := int(f.byte() % 5)
		if n == 0 || depth > 8 {
			v.SetZero()
			return
		}
		s := reflect.MakeSlice(v.Type(), n-1, n-1)
		for i := range n - 1 {
			f.fill(s.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.Array:
		for i := range v.Len() {
			f.fill(v.Index(i), depth+1)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				f.fill(v.Field(i), depth+1)
			}
		}
	}
}
