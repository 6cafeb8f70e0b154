package ecpaysim

import (
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// detail turns a validation error into a short, single-line message that fits
// after prefix within the 200 characters the spec allows a TransMsg: the
// failing location, rule and reason, e.g. "at /Tsr: maxLength: maximum string
// length is 30", without the schema and the value kin-openapi appends. The
// simulator never validates anything that holds key material.
func detail(prefix string, err error) string {
	if se, ok := errors.AsType[*openapi3.SchemaError](err); ok {
		msg := se.Reason
		if se.SchemaField != "" {
			msg = se.SchemaField + ": " + msg
		}
		if p := se.JSONPointer(); len(p) > 0 {
			msg = "at /" + strings.Join(p, "/") + ": " + msg
		}
		return truncate(prefix+msg, maxMessageRunes)
	}
	if reqErr, ok := errors.AsType[*openapi3filter.RequestError](err); ok && reqErr.Err != nil {
		err = reqErr.Err
	}
	msg := strings.Join(strings.Fields(err.Error()), " ")
	msg, _, _ = strings.Cut(msg, " Schema:")
	msg = strings.TrimPrefix(msg, "validation failed due to: ")
	return truncate(prefix+msg, maxMessageRunes)
}

// truncate shortens s to at most n runes, marking a cut with "…".
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := []rune(s)
	return string(runes[:n-1]) + "…"
}
