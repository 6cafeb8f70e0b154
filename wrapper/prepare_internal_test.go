package wrapper

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/ecpay-go/einvoice/internal/testkit"
)

// TestEveryRequestTypeIsViewed checks that the plaintext of every
// operation's request is written by jsonview.Append, not json.Marshal.
func TestEveryRequestTypeIsViewed(t *testing.T) {
	ops, err := loadOperations()
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range ops {
		if st.view == nil {
			t.Errorf("%s: the request type %s is not viewed: its plaintext takes json.Marshal", st.op.Name, st.op.RequestType)
		}
	}
	_, st, _, req := passIssue(t, 10)
	want, err := json.Marshal(&req)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := st.view.Append(nil, reflect.ValueOf(&req).Elem())
	if !ok || string(got) != string(want) {
		t.Fatalf("Append(Issue of 10 items) = %s, %t; want %s", got, ok, want)
	}
}

// FuzzEncodeRequest fills the request of every operation from the input
// and holds encode to json.Marshal, byte for byte or the same error, and
// jsonview.Append to writing exactly what json.Marshal writes without
// error.
func FuzzEncodeRequest(f *testing.F) {
	ops, err := loadOperations()
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{"", "\x05<&>\u2028\x01\x01\x00", "\x03\xff\xfe\x80\x01\x02\x03\x04\x05\x06\x07\x08\x00\x02", "\x00\x00\x00\x00\x00\x00\x00\x00"} {
		for i := range ops {
			f.Add(uint8(i), []byte(seed))
		}
	}
	f.Fuzz(func(t *testing.T, op uint8, data []byte) {
		st := ops[int(op)%len(ops)]
		req := reflect.New(st.op.RequestType)
		testkit.Fill(req.Elem(), data)
		want, wantErr := json.Marshal(req.Interface())
		got, err := st.encode(req.Interface())
		if string(got) != string(want) || (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
			t.Fatalf("%s: encode = %s, %v; json.Marshal gives %s, %v", st.op.Name, got, err, want, wantErr)
		}
		if st.view == nil {
			return
		}
		appended, ok := st.view.Append(nil, req.Elem())
		if ok != (wantErr == nil) || ok && string(appended) != string(want) {
			t.Fatalf("%s: Append = %s, %t; json.Marshal gives %s, %v", st.op.Name, appended, ok, want, wantErr)
		}
	})
}

// BenchmarkEncodeRequest measures the plaintext of Issue with 10 items:
// impl=append as encode writes it (jsonview.Append), impl=marshal by
// json.Marshal.
func BenchmarkEncodeRequest(b *testing.B) {
	_, st, _, req := passIssue(b, 10)
	b.Run("impl=append", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := st.encode(&req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(&req); err != nil {
				b.Fatal(err)
			}
		}
	})
}
