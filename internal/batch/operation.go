package batch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/ecpay-go/einvoice/generated/registry"
)

// Operation is an operation of the registry that a batch runs, one request
// per key. Either (For) its request Data has the key member (a string), and
// every other required field but MerchantID has a default or a single
// allowed value in the page's schema (registry.RequestDefaults), so that a
// request is the key alone and the client fills in MerchantID and those
// fields; or (IssueOperation) each line of the input is a whole request
// Data that holds its key.
type Operation struct {
	Op *registry.Operation
	// Key names the request member that tells one request of a batch from
	// another: Tsr, RelateNumber. KeyMember is the member that names it in
	// the result and journal lines: tsr, relate_number.
	Key, KeyMember string
	// Fields are the other required members, sent with the same value for
	// every key.
	Fields []Field
	// Whole reports that each line of the input is a whole request Data,
	// a JSON object, rather than a key.
	Whole bool
	// settle, when set, asks ECPay whether the work of an attempt whose
	// answer was lost was done (see IssueOperation); without it, such a key
	// is resent, marked resent.
	settle *settler
}

// Field is a required member a batch sends with the same value for every
// key.
type Field struct {
	Name  string
	Value json.RawMessage
	Why   string // where the value comes from
}

// batchKey is the key member of every batch today; For says which
// operations have it.
const batchKey = "Tsr"

// Operations returns the batch operations of the registry, in its order,
// read from the pages' schemas once.
var Operations = sync.OnceValue(func() []*Operation {
	var out []*Operation
	for _, op := range registry.All() {
		if bop, _ := For(op); bop != nil {
			out = append(out, bop)
		}
	}
	return out
})

// For returns the batch of op, or nil and why op cannot have one. It reads
// op's request Data schema, required members and defaults from its Model,
// compiled once per process.
func For(op *registry.Operation) (*Operation, string) {
	m, err := op.Model()
	if err != nil {
		return nil, "the pages do not load: " + err.Error()
	}
	if p := m.RequestData.Properties[batchKey]; p == nil || p.Value == nil || !p.Value.Type.Is("string") {
		return nil, "its request Data has no " + batchKey
	}
	bop := &Operation{Op: op, Key: batchKey, KeyMember: snake(batchKey)}
	defaults := m.Defaults
	for _, name := range m.Required {
		if name == bop.Key || name == "MerchantID" {
			continue
		}
		i := slices.IndexFunc(defaults, func(d registry.Default) bool { return d.Name == name })
		if i < 0 {
			return nil, fmt.Sprintf("its required field %s has neither a default nor a single allowed value", name)
		}
		value, err := json.Marshal(defaults[i].Value)
		if err != nil {
			return nil, fmt.Sprintf("the value of its field %s does not encode: %v", name, err)
		}
		bop.Fields = append(bop.Fields, Field{Name: name, Value: value, Why: defaults[i].Why})
	}
	return bop, ""
}

// snake writes a member's name as a line's member: Tsr is tsr,
// RelateNumber relate_number.
func snake(name string) string {
	var b strings.Builder
	for i, r := range name {
		if unicode.IsUpper(r) && i > 0 {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// Request returns the request Data for key: the key member alone, as the
// client fills in the rest from the page (see Operation).
func (bop *Operation) Request(key string) json.RawMessage {
	name, _ := json.Marshal(bop.Key)
	quoted, _ := json.Marshal(key) // a string always encodes
	data := make([]byte, 0, len(name)+len(quoted)+3)
	data = append(append(append(data, '{'), name...), ':')
	data = append(data, quoted...)
	return append(data, '}')
}

// keyOf returns the key member of data, a request's inner Data as the
// client sends it.
func (bop *Operation) keyOf(data []byte) (string, error) {
	raw, err := bop.keyMember(data)
	if err != nil {
		return "", fmt.Errorf("the request Data of %s does not decode: %w", bop.Op.Name, err)
	}
	if raw == nil {
		return "", errors.New("the request Data of " + bop.Op.Name + " has no " + bop.Key)
	}
	var key string
	if err := json.Unmarshal(raw, &key); err != nil {
		return "", fmt.Errorf("the %s of a request of %s is not a string: %w", bop.Key, bop.Op.Name, err)
	}
	return key, nil
}

// keyMember returns the raw key member of data, a JSON object (nil when it
// has none). It decodes no other member, so that a large request (an
// Issue's items) costs a scan, not a map.
func (bop *Operation) keyMember(data []byte) (json.RawMessage, error) {
	if i := bytes.IndexFunc(data, func(r rune) bool { return !unicode.IsSpace(r) }); i < 0 || data[i] != '{' {
		return nil, errors.New("it does not start with {")
	}
	holder := reflect.New(keyHolder(bop.Key))
	if err := json.Unmarshal(data, holder.Interface()); err != nil {
		return nil, err
	}
	return holder.Elem().Field(0).Interface().(json.RawMessage), nil
}

// keyHolders are the struct types that decode a key member alone, by its
// name.
var keyHolders sync.Map

// keyHolder returns struct{ Key json.RawMessage `json:"<name>"` }.
func keyHolder(name string) reflect.Type {
	if t, ok := keyHolders.Load(name); ok {
		return t.(reflect.Type)
	}
	t := reflect.StructOf([]reflect.StructField{{Name: "Key", Type: reflect.TypeFor[json.RawMessage](), Tag: reflect.StructTag(`json:"` + name + `"`)}})
	keyHolders.Store(name, t)
	return t
}
