package wrapper

import (
	"encoding/json"
	"reflect"

	"github.com/ecpay-go/einvoice/generated/registry"
)

// compileScan prepares scanAnswer for the response type: the JSON name of
// each preset field. It leaves st.scan false, and the answer to
// encoding/json alone, when the type has a field that is not a preset
// (an object, a list, a number) or more presets than a bit set holds.
func (st *opState) compileScan() {
	t := st.op.ResponseType
	if len(st.presets) != t.NumField() || len(st.presets) > 64 {
		return
	}
	for i := range st.presets {
		name, ok := registry.JSONName(t.Field(st.presets[i].field))
		if !ok {
			return
		}
		st.presets[i].name = name
	}
	st.scan = true
}

// answerDecoder decodes a decrypted inner answer into resp (a pointer to the
// response type, preset into store): by scanAnswer when it can, else by
// encoding/json. encoding/json calls it, once it has checked that the answer
// is JSON.
type answerDecoder struct {
	st    *opState
	resp  any
	store *answerStore
}

func (d *answerDecoder) UnmarshalJSON(b []byte) error {
	if d.st.scan && d.st.scanAnswer(b, d.resp) {
		return nil
	}
	d.st.presetAnswer(d.resp, d.store)
	return json.Unmarshal(b, d.resp)
}

// scanAnswer decodes b into resp, preset by presetAnswer, exactly as
// json.Unmarshal would (a fuzz test compares them), when b is a flat object
// of ECPay's plain shape: each member one of the response type's, named
// exactly and at most once, a string member a string without escapes in
// valid UTF-8, an int member an integer in plain decimal, white space only
// around tokens. It reports false for any other b, having set some members
// perhaps.
func (st *opState) scanAnswer(b []byte, resp any) bool {
	v := reflect.ValueOf(resp).Elem()
	s := envScanner{b: b}
	var seen uint64
	return s.object(func(key []byte) bool {
		i := st.presetNamed(key)
		if i < 0 || seen&(1<<i) != 0 {
			return false
		}
		seen |= 1 << i
		p := &st.presets[i]
		f := v.Field(p.field).Elem()
		if p.isString {
			str, ok := s.str()
			if ok {
				f.SetString(str)
			}
			return ok
		}
		n, ok := s.int()
		if ok {
			f.SetInt(int64(n))
		}
		return ok
	})
}

// presetNamed returns the index of the preset whose JSON name is key, or -1.
func (st *opState) presetNamed(key []byte) int {
	for i := range st.presets {
		if st.presets[i].name == string(key) {
			return i
		}
	}
	return -1
}
