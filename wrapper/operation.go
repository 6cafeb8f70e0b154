package wrapper

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/jsonview"
	"github.com/ecpay-go/einvoice/internal/rules"
	"github.com/ecpay-go/einvoice/lenient"
)

// opState is what the call core needs of one operation, compiled once per
// process from the operation's Model (the page's embedded spec): the rules
// come from the spec, not from limits copied into Go.
type opState struct {
	op       *registry.Operation
	envelope *openapi3.Schema // the request envelope (MerchantID, PlatformID, …)
	data     *openapi3.Schema // requestBody.Data, the plaintext inside Data
	plan     dataPlan         // data compiled against op.RequestType
	// view is op.RequestType as encoding/json encodes it, nil when
	// jsonview does not view it; plainSize is the length of the last
	// plaintext it wrote, the capacity of the next (see encode).
	view      *jsonview.ObjectType
	plainSize int64 // read and written with sync/atomic
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
	// scan is set when every field of the response type is a preset, so
	// that scanAnswer may decode answers of ECPay's plain shape.
	scan bool
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
	name    string // the field's JSON name, for scanAnswer
}

// opStates compiles each operation's opState at its first use, once per
// process, by registry index: a program that calls two operations holds
// the pages of two in memory, not of every one (each page's schemas are
// tens of kilobytes that every garbage collection walks).
var opStates = func() []func() (*opState, error) {
	var out []func() (*opState, error)
	for _, op := range registry.All() {
		out = append(out, sync.OnceValues(func() (*opState, error) {
			st, err := newOpState(op)
			if err != nil {
				return nil, fmt.Errorf("ecpay: %s: %w; regenerate with `go generate ./...`", op.Name, err)
			}
			return st, nil
		}))
	}
	return out
}()

// stateOf returns the opState of op, an operation of the registry.
func stateOf(op *registry.Operation) (*opState, error) { return opStates[op.Index()]() }

// loadOperations returns the opState of every operation, by registry index.
func loadOperations() ([]*opState, error) {
	out := make([]*opState, 0, len(opStates))
	for _, load := range opStates {
		st, err := load()
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

func newOpState(op *registry.Operation) (*opState, error) {
	m, err := op.Model()
	if err != nil {
		return nil, err
	}
	st := &opState{op: op, merchantID: -1, data: m.RequestData, envelope: m.RequestEnvelope, members: m.Members}
	st.plan = compileDataPlan(st.data, op.RequestType)
	if view, ok := jsonview.Of(op.RequestType); ok {
		st.view = view
	}
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
	// *lenient.String); any pointer to a string kind will do.
	if !ok1 || !ok2 || code.Type != reflect.TypeFor[*lenient.Int]() || msg.Type.Kind() != reflect.Pointer || msg.Type.Elem().Kind() != reflect.String {
		return nil, errors.New("the answer type lacks RtnCode *lenient.Int or RtnMsg *lenient.String")
	}
	st.rtnCode, st.rtnMsg = code.Index[0], msg.Index[0]
	st.compileStore()
	st.compileScan()
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
	c := v.Field(st.rtnCode).Interface().(*lenient.Int)
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
			st.presets = append(st.presets, preset{field: i, slot: ints, typ: ft, convert: ints < storeSlots && ft != reflect.TypeFor[*lenient.Int]()})
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

// checkEnvelopeField checks one string member of the request envelope,
// such as MerchantID or PlatformID, against its schema in st's page: the
// schema of every page, which all take their envelope from the shared
// overlay (TestEveryPageHasTheSameEnvelope).
func checkEnvelopeField(st *opState, name, value string) error {
	prop := st.envelope.Properties[name]
	if prop == nil || prop.Value == nil {
		return fmt.Errorf("the spec of %s has no request field %s", st.op.Name, name)
	}
	if err := prop.Value.VisitJSON(value); err != nil {
		ve := toValidationError(name, err).(*ValidationError)
		return fmt.Errorf("%s %s", name, strings.TrimPrefix(ve.Reason, name+" "))
	}
	return nil
}
