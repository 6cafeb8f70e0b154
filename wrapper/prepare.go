package wrapper

import (
	"encoding/json"
	"reflect"
	"sync/atomic"
)

// prepare fills in the client's MerchantID when req has none and the
// page's value of each empty member that has one (see
// registry.RequestDefaults), checks req against the page's
// requestBody.Data and then its business rules (x-ecpay-validations, see
// checkRules), and returns its plaintext JSON and the MerchantID for the
// envelope. Every request passes here: the methods, Call, Validate and
// ValidateCall, and so the CLI's call and batches.
func (c *Client) prepare(st *opState, req any) ([]byte, string, error) {
	merchantID := st.fillMerchantID(req, c.merchantID)
	st.plan.fillDefaults(req)
	if err := st.plan.validate(req); err != nil {
		return nil, "", st.invalid(err)
	}
	plaintext, err := st.encode(req)
	if err != nil {
		return nil, "", st.invalid(&ValidationError{Field: "Data", Rule: "type", Reason: "Data does not encode as JSON: " + err.Error()})
	}
	if err := checkText(plaintext); err != nil {
		return nil, "", st.invalid(err)
	}
	var decoded any
	if !st.plan.usable && !st.plan.passes(req) {
		if decoded, err = st.validateData(plaintext); err != nil {
			return nil, "", st.invalid(err)
		}
	}
	if err := st.checkRules(req, plaintext, decoded); err != nil {
		return nil, "", st.invalid(err)
	}
	return plaintext, merchantID, nil
}

// encode returns json.Marshal(req), byte for byte: written by
// jsonview.Append when req is a pointer to the request type that jsonview
// views (every generated request type) and holds only what Append writes
// exactly (FuzzEncodeRequest compares them), and by json.Marshal
// otherwise, which also gives json's own error.
func (st *opState) encode(req any) ([]byte, error) {
	v := reflect.ValueOf(req)
	if st.view == nil || v.Kind() != reflect.Pointer || v.IsNil() || v.Type().Elem() != st.op.RequestType {
		return json.Marshal(req)
	}
	size := atomic.LoadInt64(&st.plainSize)
	b, ok := st.view.Append(make([]byte, 0, size+size/8), v.Elem())
	if !ok {
		return json.Marshal(req)
	}
	if int64(len(b)) != size {
		atomic.StoreInt64(&st.plainSize, int64(len(b)))
	}
	return b, nil
}
