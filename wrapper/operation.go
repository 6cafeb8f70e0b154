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
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ecpay-go/einvoice/generated"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/rules"
)

// opState is what the call core needs of one operation, compiled once per
// process from the operation's Model (the page's embedded spec): the rules
// come from the spec, not from limits copied into Go.
type opState struct {
	op       *registry.Operation
	envelope *openapi3.Schema // the request envelope (MerchantID, PlatformID, …)
	data     *openapi3.Schema // requestBody.Data, the plaintext inside Data
	plan     dataPlan         // data compiled against op.RequestType
	// rules are the page's business rules, compiled at the first request
	// of the operation: nil when it has none.
	rules func() (*rules.Set, error)

	// merchantID is the request type's MerchantID field, if it has one.
	merchantID        int // -1 when the request has no MerchantID
	merchantIDPointer bool
	// rtnCode and rtnMsg are the response type's fields.
	rtnCode, rtnMsg int
	// members are the JSON names of the request type's fields, sorted.
	members []string
	// presets are the response type's pointers to strings and ints,
	// which presetAnswer points into the Result's answerStore.
	presets []preset
}

// preset is a pointer field of the response type that presetAnswer points
// into an answerStore before decoding.
type preset struct {
	field, slot int // the field, and its index among the strings or the ints
	isString    bool
	typ         reflect.Type // the field's pointer type
	// convert is set when the field points into the store but typ is not
	// a pointer to the slot's type (*T to a string slot for a string type
	// T): the slot's pointer is converted to typ, a conversion Go allows.
	convert bool
}

var loadOperations = sync.OnceValues(func() ([]*opState, error) {
	var out []*opState
	for _, op := range registry.All() {
		st, err := newOpState(op)
		if err != nil {
			return nil, fmt.Errorf("ecpay: %s: %w; regenerate with `go generate ./...`", op.Name, err)
		}
		out = append(out, st)
	}
	return out, nil
})

func newOpState(op *registry.Operation) (*opState, error) {
	m, err := op.Model()
	if err != nil {
		return nil, err
	}
	st := &opState{op: op, merchantID: -1, data: m.RequestData, envelope: m.RequestEnvelope, members: m.Members}
	st.plan = compileDataPlan(st.data, op.RequestType)
	st.rules = pageRules(op)
	if f, ok := m.RequestField("MerchantID"); ok {
		switch {
		case f.Type.Kind() == reflect.String:
		case f.Type.Kind() == reflect.Pointer && f.Type.Elem().Kind() == reflect.String:
			st.merchantIDPointer = true
		default:
			return nil, fmt.Errorf("the request's MerchantID is a %s, not a string", f.Type)
		}
		st.merchantID = f.Index[0]
	}
	code, ok1 := m.ResponseField("RtnCode")
	msg, ok2 := m.ResponseField("RtnMsg")
	// RtnMsg decodes leniently as every answer member does (a
	// *generated.LenientString); any pointer to a string kind will do.
	if !ok1 || !ok2 || code.Type != reflect.TypeFor[*generated.LenientInt]() || msg.Type.Kind() != reflect.Pointer || msg.Type.Elem().Kind() != reflect.String {
		return nil, errors.New("the answer type lacks RtnCode *generated.LenientInt or RtnMsg *generated.LenientString")
	}
	st.rtnCode, st.rtnMsg = code.Index[0], msg.Index[0]
	st.compileStore()
	return st, nil
}

// fillMerchantID sets req's MerchantID to merchantID when it is empty (or
// nil), and returns the MerchantID the envelope carries: the request's, so
// that a platform sends its sub-merchant's.
func (st *opState) fillMerchantID(req any, merchantID string) string {
	if st.merchantID < 0 {
		return merchantID
	}
	f := reflect.ValueOf(req).Elem().Field(st.merchantID)
	if st.merchantIDPointer {
		if f.IsNil() || f.Elem().String() == "" {
			id := merchantID
			f.Set(reflect.ValueOf(&id))
		}
		return f.Elem().String()
	}
	if f.String() == "" {
		f.SetString(merchantID)
	}
	return f.String()
}

// codes reads RtnCode and RtnMsg from resp, a pointer to the answer type.
func (st *opState) codes(resp any) (code int, msg string, ok bool) {
	v := reflect.ValueOf(resp).Elem()
	c := v.Field(st.rtnCode).Interface().(*generated.LenientInt)
	if c == nil {
		return 0, "", false
	}
	if m := v.Field(st.rtnMsg); !m.IsNil() {
		msg = m.Elem().String()
	}
	return int(*c), msg, true
}

func (st *opState) newResponse() any { return reflect.New(st.op.ResponseType).Interface() }

// compileStore finds the response type's pointers to strings and ints.
func (st *opState) compileStore() {
	t := st.op.ResponseType
	strs, ints := 0, 0
	for i := range t.NumField() {
		ft := t.Field(i).Type
		if ft.Kind() != reflect.Pointer {
			continue
		}
		switch ft.Elem().Kind() {
		case reflect.String:
			st.presets = append(st.presets, preset{field: i, slot: strs, isString: true, typ: ft, convert: strs < storeSlots && ft != reflect.TypeFor[*string]()})
			strs++
		case reflect.Int:
			st.presets = append(st.presets, preset{field: i, slot: ints, typ: ft, convert: ints < storeSlots && ft != reflect.TypeFor[*generated.LenientInt]()})
			ints++
		}
	}
}

// presetAnswer points the string and int pointer fields of resp (a pointer
// to the response type) into the store (or, beyond its slots, to new
// values), holding values no JSON gives, so that encoding/json fills them
// in place instead of allocating each one, as decodeEnvelope does for the
// envelope. absentAnswer then sets back to nil the fields the answer did
// not have.
func (st *opState) presetAnswer(resp any, store *answerStore) {
	v := reflect.ValueOf(resp).Elem()
	for _, p := range st.presets {
		var slot reflect.Value
		switch {
		case p.slot >= storeSlots:
			slot = reflect.New(p.typ.Elem())
			if p.isString {
				slot.Elem().SetString(absentString)
			} else {
				slot.Elem().SetInt(absentInt)
			}
		case p.isString:
			store.strs[p.slot] = absentString
			slot = reflect.ValueOf(&store.strs[p.slot])
		default:
			store.ints[p.slot] = absentInt
			slot = reflect.ValueOf(&store.ints[p.slot])
		}
		if p.convert {
			slot = slot.Convert(p.typ)
		}
		v.Field(p.field).Set(slot)
	}
}

// absentAnswer sets to nil the preset fields of resp the answer did not set.
func (st *opState) absentAnswer(resp any) {
	v := reflect.ValueOf(resp).Elem()
	for _, p := range st.presets {
		f := v.Field(p.field)
		if f.IsNil() {
			continue
		}
		if e := f.Elem(); (p.isString && e.String() == absentString) || (!p.isString && e.Int() == absentInt) {
			f.SetZero()
		}
	}
}

// invalid names the operation in a *ValidationError.
func (st *opState) invalid(err error) error {
	var ve *ValidationError
	if errors.As(err, &ve) {
		ve.Operation = st.op.Name
	}
	return err
}

// decodeError names the operation in a *DecodeError.
func (st *opState) decodeError(err error) error {
	var de *DecodeError
	if errors.As(err, &de) {
		de.Operation = st.op.Name
	}
	return err
}

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
			return nil, nil, st.invalid(&ValidationError{Field: te.Field, Rule: "type", Reason: fmt.Sprintf("%s must be a JSON %s, not %s", te.Field, jsonKind(te.Type), withArticle(te.Value))})
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

// withArticle puts "a" or "an" before a JSON type's name.
func withArticle(kind string) string {
	if kind != "" && strings.ContainsRune("aeiou", rune(kind[0])) {
		return "an " + kind
	}
	return "a " + kind
}

// jsonKind names the JSON type that decodes into t.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	default:
		return "object"
	}
}

// checkEnvelopeField checks one string member of the request envelope,
// such as MerchantID or PlatformID, against its schema on every page.
func checkEnvelopeField(ops []*opState, name, value string) error {
	for _, st := range ops {
		prop := st.envelope.Properties[name]
		if prop == nil || prop.Value == nil {
			return fmt.Errorf("the spec of %s has no request field %s", st.op.Name, name)
		}
		if err := prop.Value.VisitJSON(value); err != nil {
			ve := toValidationError(name, err).(*ValidationError)
			return fmt.Errorf("%s %s", name, strings.TrimPrefix(ve.Reason, name+" "))
		}
	}
	return nil
}
