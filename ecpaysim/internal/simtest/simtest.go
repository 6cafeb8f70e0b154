// Package simtest holds the helpers the tests of the simulator (ecpaysim)
// and of the proxy (ecpaysim/proxy) share to build requests of the
// registry's operations: only tests import it. Helpers every package's
// tests share (Data under a merchant's keys, a locked buffer) are in
// internal/testkit.
package simtest

import (
	"encoding/json"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ecpay-go/einvoice/ecpaysim/internal/serving"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/protocol"
)

// A merchant other than the stage one, with its keys.
const (
	OtherMerchant = "3085340"
	OtherKey      = "1234567890abcdef"
	OtherIV       = "fedcba0987654321"
)

// requestSchemas are the request Data schemas of every operation, by
// operation, read once from the registry.
var requestSchemas = sync.OnceValue(func() map[*registry.Operation]map[string]any {
	out := map[*registry.Operation]map[string]any{}
	for _, op := range registry.All() {
		s := requestData(op)
		mocks := map[string]any{}
		for _, name := range s.Required {
			mocks[name] = serving.MockValue(s.Properties[name].Value)
		}
		if _, ok := s.Properties["Tsr"]; ok {
			mocks["Tsr"] = nil // named by the caller
		}
		out[op] = mocks
	}
	return out
})

// requestData is op's request Data schema, from its Model: shared, read
// only.
func requestData(op *registry.Operation) *openapi3.Schema {
	m, err := op.Model()
	if err != nil {
		panic(err)
	}
	return m.RequestData
}

// RequestMember reports whether op's request Data schema, as its page and
// overlays give it, has the member name, and whether it requires it.
func RequestMember(op *registry.Operation, name string) (has, required bool) {
	s := requestData(op)
	_, has = s.Properties[name]
	return has, slices.Contains(s.Required, name)
}

// HasTsr reports whether op's request Data has a member Tsr, as not every
// page's has (ECPay's Invalid names an invoice by InvoiceNo).
func HasTsr(op *registry.Operation) bool {
	_, ok := requestSchemas()[op]["Tsr"]
	return ok
}

// InnerJSON returns the plaintext of a valid request Data of op naming
// merchantID and tsr (when op's request has a Tsr: see HasTsr), then edits:
// the page's other required fields get the simulator's own mock value (the
// page's example, default or first allowed value, else one built from the
// member's type, so an array, an object or a patterned string is valid
// too), so that a page dropped in needs no change here, unless that breaks
// the page's business rules (see KeepingRules).
func InnerJSON(op *registry.Operation, merchantID, tsr string, edits ...func(map[string]any)) string {
	data := map[string]any{"MerchantID": merchantID}
	for name, v := range requestSchemas()[op] {
		data[name] = v
	}
	if HasTsr(op) {
		data["Tsr"] = tsr
	}
	data["MerchantID"] = merchantID
	data, err := KeepingRules(op, data)
	if err != nil {
		panic(err)
	}
	for _, edit := range edits {
		edit(data)
	}
	b, err := json.Marshal(data)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// Envelope returns a request envelope as JSON: the stage merchant, a
// Timestamp of at, the given Data, then edits, which may remove or mistype
// any field.
func Envelope(at time.Time, data string, edits ...func(map[string]any)) []byte {
	env := map[string]any{
		"MerchantID": protocol.StageMerchantID,
		"RqHeader":   map[string]any{"Timestamp": at.Unix()},
		"Data":       data,
	}
	for _, edit := range edits {
		edit(env)
	}
	b, err := json.Marshal(env)
	if err != nil {
		panic(err)
	}
	return b
}

// MustAdd registers a delayed invoice waiting for a trigger on sim (an
// ecpaysimtest.Server) or fails the test.
func MustAdd(t testing.TB, sim interface {
	AddDelayedInvoice(merchantID, tsr string) error
}, merchantID, tsr string) {
	t.Helper()
	if err := sim.AddDelayedInvoice(merchantID, tsr); err != nil {
		t.Fatal(err)
	}
}
