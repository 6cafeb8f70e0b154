package inspect

import (
	"fmt"
	"strings"
	"testing"
)

func TestPretty(t *testing.T) {
	tests := []struct {
		raw  string
		want []string // pointer TAB text, one per line
	}{
		{`{"a":1,"b":{"c/d":"x","e~f":[true,null]},"g":[]}`, []string{
			"\t{", "/a\t  \"a\": 1,", "/b\t  \"b\": {", "/b/c~1d\t    \"c/d\": \"x\",", "/b/e~0f\t    \"e~f\": [",
			"/b/e~0f/0\t      true,", "/b/e~0f/1\t      null", "/b/e~0f\t    ]", "/b\t  },", "/g\t  \"g\": []", "\t}"}},
		{`"<b>"`, []string{"\t\"<b>\""}},
		{`not json <b>`, []string{"\tnot json <b>"}},
		{`{"a":1} {"b":2}`, []string{"\t{\"a\":1} {\"b\":2}"}},
		{`{"n":1.50e3}`, []string{"\t{", "/n\t  \"n\": 1.50e3", "\t}"}},
	}
	for _, tt := range tests {
		var got []string
		for _, l := range pretty([]byte(tt.raw)) {
			got = append(got, l.Pointer+"\t"+l.Text)
		}
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("pretty(%s):\n%s\nwant:\n%s", tt.raw, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
		}
	}
}

func TestPinTo(t *testing.T) {
	lines := pretty([]byte(`{"RqHeader":{"Timestamp":1},"Data":"x"}`))
	tests := []struct {
		pointer string
		want    string // the pointer of the line it is pinned to
	}{
		{"/RqHeader/Timestamp", "/RqHeader/Timestamp"},
		{"/RqHeader/Revision", "/RqHeader"}, // a missing member: its object
		{"/Nothing/deeper", ""},
		{"", ""},
	}
	for _, tt := range tests {
		ls := append([]line(nil), lines...)
		for i := range ls {
			ls[i].Pins = nil
		}
		if !pinTo(ls, pin{Pointer: tt.pointer}) {
			t.Errorf("%q: not pinned", tt.pointer)
			continue
		}
		for _, l := range ls {
			if len(l.Pins) > 0 {
				if l.Pointer != tt.want {
					t.Errorf("%q: pinned to %q, want %q", tt.pointer, l.Pointer, tt.want)
				}
				break
			}
		}
	}
	if pinTo(nil, pin{Pointer: "/a"}) {
		t.Error("pinned to no line")
	}
}

func TestStateNode(t *testing.T) {
	n := stateNode([]byte(`{"Merchants":["1","2"],"Invoices":[{"Tsr":"A","Status":"issued"},{"Tsr":"B","Allowances":[{"No":1}]}],"Empty":[],"Requests":3}`))
	if len(n.Fields) != 4 || n.Fields[0].Name != "Merchants" || n.Fields[3].Name != "Requests" {
		t.Fatalf("members %+v, want them in order", n.Fields)
	}
	inv := n.Fields[1].Value
	if strings.Join(inv.Columns, ",") != "Tsr,Status,Allowances" || len(inv.Rows) != 2 {
		t.Errorf("Invoices: columns %v, %d rows", inv.Columns, len(inv.Rows))
	}
	if nested := inv.Rows[1][2]; len(nested.Columns) != 1 || nested.Rows[0][0].Scalar != "1" {
		t.Errorf("a nested table: %+v", nested)
	}
	if len(n.Fields[0].Value.Items) != 2 || !n.Fields[2].Value.Empty {
		t.Errorf("Merchants %+v, Empty %+v", n.Fields[0].Value, n.Fields[2].Value)
	}
	links := stateNode([]byte(`["/_sim/print/2000132/SM00000001","/elsewhere","javascript:alert(1)",17]`))
	for i, want := range []bool{true, false, false, false} {
		if got := links.Items[i].Link; got != want {
			t.Errorf("%s: link %v, want %v", links.Items[i].Scalar, got, want)
		}
	}
	if s := stateNode([]byte("not json")); !s.IsScalar || s.Scalar != "not json" {
		t.Errorf("not JSON: %+v", s)
	}
}

func TestNewest(t *testing.T) {
	list := []int64{3, 4, 5, 6}
	tests := []struct {
		after int64
		n     int
		want  string
	}{
		{0, 0, "[3 4 5 6]"},
		{0, 2, "[5 6]"},
		{4, 0, "[5 6]"},
		{4, 1, "[6]"},
		{6, 0, "[]"},
		{9, 0, "[]"},
	}
	for _, tt := range tests {
		got := newest(list, func(s int64) int64 { return s }, tt.after, tt.n)
		if s := fmt.Sprint(got); s != tt.want {
			t.Errorf("newest(after %d, n %d) = %s, want %s", tt.after, tt.n, s, tt.want)
		}
	}
}
