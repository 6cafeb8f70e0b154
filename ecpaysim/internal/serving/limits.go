package serving

import (
	"math"
	"sync"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/ecpayop"
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

// PageLimits returns the Limits of the pages, read once from each
// operation's Model.
var PageLimits = sync.OnceValue(func() Limits {
	l := Limits{TransMsg: math.MaxInt, RtnMsg: math.MaxInt, MerchantID: math.MaxInt, Tsr: math.MaxInt}
	for _, op := range registry.All() {
		m, err := op.Model()
		if err != nil {
			continue // contract.New reports it
		}
		l.MerchantID = min(l.MerchantID, maxLength(m.RequestEnvelope, "MerchantID"))
		l.TransMsg = min(l.TransMsg, maxLength(m.ResponseEnvelope, "TransMsg"))
		l.Tsr = min(l.Tsr, maxLength(m.RequestData, "Tsr"))
		l.RtnMsg = min(l.RtnMsg, maxLength(m.ResponseData, "RtnMsg"))
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
func maxLength(s *openapi3.Schema, name string) int {
	if n, ok := ecpayop.MaxLength(s, name); ok {
		return n
	}
	return math.MaxInt
}
