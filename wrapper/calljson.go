package wrapper

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"

	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/jsonview"
)

// requestOf finds the operation of req, an <Operation>Request or a pointer
// to one, and returns a pointer to a copy the call may change.
func (c *Client) requestOf(req any) (*opState, any, error) {
	t := reflect.TypeOf(req)
	op := registry.ByRequestType(t)
	if op == nil {
		return nil, nil, fmt.Errorf("ecpay: %T is not the request type of an operation (%s)", req, registry.Names())
	}
	v := reflect.ValueOf(req)
	if t.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil, nil, fmt.Errorf("ecpay: %s: the request is a nil pointer", op.Name)
		}
		v = v.Elem()
	}
	ptr := reflect.New(op.RequestType)
	ptr.Elem().Set(v)
	return c.ops[op.Index()], ptr.Interface(), nil
}

// decodeCall decodes data, strictly, into a new request of operation: a
// JSON object whose members are the request type's, each named exactly (the
// case-insensitive matching of encoding/json would let "tsr" through) and
// once, with nothing after it, and whose text is what the caller wrote (see
// checkInput).
func (c *Client) decodeCall(operation string, data json.RawMessage) (*opState, any, error) {
	op := registry.Lookup(operation)
	if op == nil {
		return nil, nil, fmt.Errorf("ecpay: no operation is named %q; nothing was sent (the operations are %s)", operation, registry.Names())
	}
	st := c.ops[op.Index()]
	if err := checkInput(data); err != nil {
		return nil, nil, st.invalid(err)
	}
	if err := st.checkMembers(data); err != nil {
		return nil, nil, st.invalid(err)
	}
	req := reflect.New(op.RequestType).Interface()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(req); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return nil, nil, st.invalid(&ValidationError{Field: te.Field, Rule: "type", Reason: fmt.Sprintf("%s must be a JSON %s, not %s", te.Field, jsonview.TypeName(te.Type), jsonview.WithArticle(te.Value))})
		}
		return nil, nil, st.invalid(callJSONError(op, "does not decode: "+strings.TrimPrefix(err.Error(), "json: ")))
	}
	return st, req, nil
}

// checkMembers checks the shape of data: one JSON object, nothing after it,
// whose member names are those of the request type, each at most once.
func (st *opState) checkMembers(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	t, err := dec.Token()
	if err == io.EOF {
		return callJSONError(st.op, "is empty")
	}
	if err != nil {
		return notJSON(st.op, err)
	}
	if t != json.Delim('{') {
		return callJSONError(st.op, "is not a JSON object")
	}
	seen := make(map[string]bool, len(st.members))
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return notJSON(st.op, err)
		}
		name, _ := t.(string)
		if !slices.Contains(st.members, name) {
			return &ValidationError{Field: "Data", Rule: "json", Reason: fmt.Sprintf("%s's request Data has no member %q (its members are %s, spelt exactly so)", st.op.Name, name, strings.Join(st.members, ", "))}
		}
		if seen[name] {
			return &ValidationError{Field: name, Rule: "json", Reason: fmt.Sprintf("the member %s appears more than once; give it once", name)}
		}
		seen[name] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return notJSON(st.op, err)
		}
	}
	if _, err := dec.Token(); err != nil {
		return notJSON(st.op, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return &ValidationError{Field: "Data", Rule: "json", Reason: "Data has something that follows its JSON object; give exactly one object"}
	}
	return nil
}

// callJSONError says that the request Data (the JSON given to Call) has
// problem, e.g. "is empty", and what to give instead.
func callJSONError(op *registry.Operation, problem string) *ValidationError {
	return &ValidationError{Field: "Data", Rule: "json", Reason: "Data " + problem + "; give one JSON object of " + op.Name + "'s members"}
}

// notJSON is callJSONError for JSON that does not parse, with the error of
// encoding/json.
func notJSON(op *registry.Operation, err error) *ValidationError {
	problem := strings.TrimPrefix(err.Error(), "json: ")
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		problem = "it ends too soon"
	}
	return callJSONError(op, "is not valid JSON ("+problem+")")
}
