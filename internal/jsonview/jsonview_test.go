package jsonview_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/internal/jsonview"
)

type code string

type inner struct {
	N int `json:"N"`
}

type viewed struct {
	S      string   `json:"S"`
	SOmit  string   `json:"SOmit,omitempty"`
	P      *string  `json:"P"`
	POmit  *code    `json:"POmit,omitempty"`
	F      float64  `json:"F,omitempty"`
	I      int64    `json:"I"`
	U      uint8    `json:"U,omitempty"`
	B      bool     `json:"B,omitempty"`
	L      []inner  `json:"L"`
	LOmit  []string `json:"LOmit,omitempty"`
	O      inner    `json:"O"`
	OP     *inner   `json:"OP,omitempty"`
	NoTag  string
	Skip   string `json:"-"`
	hidden string
}

// Read presents each member as encoding/json encodes it and decodes it
// back: present or left out, null, and the value, for zero and non-zero
// values of every kind.
func TestReadAgreesWithEncodingJSON(t *testing.T) {
	o, ok := jsonview.Of(reflect.TypeFor[viewed]())
	if !ok {
		t.Fatal("viewed is not viewed")
	}
	s, c := "x", code("")
	for name, v := range map[string]viewed{
		"zero":     {},
		"non-zero": {S: "a", SOmit: "b", P: &s, POmit: &c, F: -0.5, I: 1 << 60, U: 3, B: true, L: []inner{{1}}, LOmit: []string{"a"}, O: inner{2}, OP: &inner{3}, NoTag: "n", Skip: "s", hidden: "h"},
		"empty":    {L: []inner{}, LOmit: []string{}, F: 0},
	} {
		t.Run(name, func(t *testing.T) {
			text, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			var want map[string]any
			if err := json.Unmarshal(text, &want); err != nil {
				t.Fatal(err)
			}
			rv := reflect.ValueOf(&v).Elem()
			if len(o.Members) != 13 {
				t.Errorf("%d members, want 13 (not Skip, not hidden)", len(o.Members))
			}
			for _, m := range o.Members {
				got, present, null := m.Read(rv)
				w, inJSON := want[m.Name]
				if present != inJSON || null != (inJSON && w == nil) {
					t.Errorf("%s: present %t null %t; the JSON %s", m.Name, present, null, text)
					continue
				}
				if !present || null {
					continue
				}
				switch m.Kind {
				case jsonview.String:
					if s, ok := jsonview.Str(got); !ok || s != w {
						t.Errorf("%s: %q, want %v", m.Name, s, w)
					}
				case jsonview.Number:
					if f, ok := jsonview.Num(got); !ok || f != w {
						t.Errorf("%s: %v, want %v", m.Name, f, w)
					}
				case jsonview.Bool:
					if got.Bool() != w {
						t.Errorf("%s: %v, want %v", m.Name, got.Bool(), w)
					}
				case jsonview.Array:
					if got.Len() != len(w.([]any)) {
						t.Errorf("%s: %d elements, want %v", m.Name, got.Len(), w)
					}
				}
			}
		})
	}
}

// Of refuses the types whose encoding it does not follow.
func TestOfRefuses(t *testing.T) {
	type embedded struct{ inner }
	type stringOpt struct {
		N int `json:"N,string"`
	}
	type withMap struct{ M map[string]string }
	type withFloat32 struct{ F float32 }
	type withBytes struct{ B []byte }
	type withTime struct{ T time.Time }
	type withRaw struct{ R json.RawMessage }
	type withAny struct{ A any }
	for name, typ := range map[string]reflect.Type{
		"embedded":         reflect.TypeFor[embedded](),
		",string":          reflect.TypeFor[stringOpt](),
		"a map":            reflect.TypeFor[withMap](),
		"a float32":        reflect.TypeFor[withFloat32](),
		"a []byte":         reflect.TypeFor[withBytes](),
		"a TextMarshaler":  reflect.TypeFor[withTime](),
		"a json.Marshaler": reflect.TypeFor[withRaw](),
		"an interface":     reflect.TypeFor[withAny](),
		"not a struct":     reflect.TypeFor[string](),
	} {
		if _, ok := jsonview.Of(typ); ok {
			t.Errorf("%s: viewed", name)
		}
	}
}

// cycleA holds cycleB, which holds cycleA again; cycleA also holds a map,
// which the view does not follow.
type cycleA struct {
	B *cycleB        `json:"B"`
	M map[string]int `json:"M"`
}

type cycleB struct {
	C *cycleC `json:"C"`
}

type cycleC struct {
	A *cycleA `json:"A"`
}

// A type that holds, through a cycle, one that is not viewed is not viewed
// either, whichever of them is asked for first.
func TestOfRefusesThroughACycle(t *testing.T) {
	if _, ok := jsonview.Of(reflect.TypeFor[cycleA]()); ok {
		t.Error("cycleA viewed")
	}
	for name, typ := range map[string]reflect.Type{"cycleB": reflect.TypeFor[cycleB](), "cycleC": reflect.TypeFor[cycleC]()} {
		if _, ok := jsonview.Of(typ); ok {
			t.Errorf("%s viewed: it holds cycleA", name)
		}
	}
}
