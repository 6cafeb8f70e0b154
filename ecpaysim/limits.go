package ecpaysim

import (
	"math"
	"sync"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ecpay-go/einvoice/generated/registry"
)

// limits are the length limits the simulator needs when it builds answers
// and registers invoices, read from the pages (the smallest over every page
// that has the field), so that a page update moves them too.
type limits struct {
	transMsg   int // the answer envelope's TransMsg
	rtnMsg     int // RtnMsg inside the answer's Data
	merchantID int // the envelope's MerchantID (and PlatformID)
	tsr        int // Tsr inside the request's Data
}

var pageLimits = sync.OnceValue(func() limits {
	l := limits{transMsg: math.MaxInt, rtnMsg: math.MaxInt, merchantID: math.MaxInt, tsr: math.MaxInt}
	for _, op := range registry.All() {
		doc, err := op.Spec()
		if err != nil {
			continue // contract.New reports it
		}
		item := doc.Paths.Find(op.Path)
		if item == nil || item.Post == nil {
			continue
		}
		if rb := item.Post.RequestBody; rb != nil && rb.Value != nil {
			if mt := rb.Value.Content.Get("application/json"); mt != nil {
				l.merchantID = min(l.merchantID, maxLength(mt.Schema, "MerchantID"))
			}
		}
		if r := item.Post.Responses.Status(200); r != nil && r.Value != nil {
			if mt := r.Value.Content.Get("application/json"); mt != nil {
				l.transMsg = min(l.transMsg, maxLength(mt.Schema, "TransMsg"))
			}
		}
		l.tsr = min(l.tsr, maxLength(doc.Components.Schemas[op.RequestDataSchema], "Tsr"))
		l.rtnMsg = min(l.rtnMsg, maxLength(doc.Components.Schemas[op.ResponseDataSchema], "RtnMsg"))
	}
	return l
})

// fitsMerchantID reports whether id has a length the pages allow the
// envelope's MerchantID (and PlatformID), 1 to limits.merchantID
// characters: what a merchant of WithMerchant must have, and what the
// simulator echoes in an answer and a log line.
func fitsMerchantID(id string) bool {
	n := utf8.RuneCountInString(id)
	return n > 0 && n <= pageLimits().merchantID
}

// maxLength is the maxLength of property name of s; no limit when s has no
// such property or it has no maxLength.
func maxLength(s *openapi3.SchemaRef, name string) int {
	if s == nil || s.Value == nil {
		return math.MaxInt
	}
	p := s.Value.Properties[name]
	if p == nil || p.Value == nil || p.Value.MaxLength == nil {
		return math.MaxInt
	}
	return int(*p.Value.MaxLength)
}
