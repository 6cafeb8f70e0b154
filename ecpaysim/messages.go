package ecpaysim

import (
	"github.com/ecpay-go/einvoice/ecpaysim/internal/serving"
	"github.com/ecpay-go/einvoice/internal/violation"
)

// detail turns a validation error into a short, single-line message that fits
// after prefix within what the pages allow a TransMsg: the failing location,
// rule and reason, e.g. "at /Tsr: maxLength: maximum string length is 30",
// without the schema and the value kin-openapi appends. The simulator never
// validates anything that holds key material.
func (s *Server) detail(prefix string, err error) string {
	return serving.Truncate(prefix+violation.First(err).String(), s.limits.TransMsg)
}
