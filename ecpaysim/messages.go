package ecpaysim

import (
	"unicode/utf8"

	"github.com/ecpay-go/einvoice/internal/violation"
)

// detail turns a validation error into a short, single-line message that fits
// after prefix within what the pages allow a TransMsg: the failing location,
// rule and reason, e.g. "at /Tsr: maxLength: maximum string length is 30",
// without the schema and the value kin-openapi appends. The simulator never
// validates anything that holds key material.
func (s *Server) detail(prefix string, err error) string {
	return truncate(prefix+violation.First(err).String(), s.limits.transMsg)
}

// truncate shortens s to at most n runes, marking a cut with "…".
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := []rune(s)
	return string(runes[:n-1]) + "…"
}
