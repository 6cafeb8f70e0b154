package serving

import (
	"math"
	"sync"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ecpay-go/einvoice/generated/registry"
)

// Limits are the length limits the simulator needs when it builds answers
// and registers invoices, and the proxy when it logs, read from the pages
// (the smallest over every page that has the field), so that a page update
// moves them too.
type Limits struct {
	TransMsg   int // the answer envelope's TransMsg
	RtnMsg     int // RtnMsg inside the answer's Data
	MerchantID int // the envelope's MerchantID (and PlatformID)
	Tsr        int // Tsr inside the request's Data
}

// PageLimits returns the Limits of the pages, read once.
var PageLimits = sync.OnceValue(func() Limits {
	l := Limits{TransMsg: math.MaxInt, RtnMsg: math.MaxInt, MerchantID: math.MaxInt, Tsr: math.MaxInt}
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
				l.MerchantID = min(l.MerchantID, maxLength(mt.Schema, "MerchantID"))
			}
		}
		if r := item.Post.Responses.Status(200); r != nil && r.Value != nil {
			if mt := r.Value.Content.Get("application/json"); mt != nil {
				l.TransMsg = min(l.TransMsg, maxLength(mt.Schema, "TransMsg"))
			}
		}
		l.Tsr = min(l.Tsr, maxLength(doc.Components.Schemas[op.RequestDataSchema], "Tsr"))
		l.RtnMsg = min(l.RtnMsg, maxLength(doc.Components.Schemas[op.ResponseDataSchema], "RtnMsg"))
	}
	return l
})

// FitsMerchantID reports whether id has a length the pages allow the
// envelope's MerchantID (and PlatformID), 1 to Limits.MerchantID
// characters: what a merchant must have, and what the simulator echoes in
// an answer and a log line.
func FitsMerchantID(id string) bool {
	n := utf8.RuneCountInString(id)
	return n > 0 && n <= PageLimits().MerchantID
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
