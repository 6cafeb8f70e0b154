// Package violation turns kin-openapi's validation errors into violations
// that name where the document breaks the spec and which rule, without the
// schema and the value kin-openapi appends (the value may be the plaintext
// of an encrypted Data). It is the one formatter of those errors: the
// client's ValidationError, the simulator's TransMsg, the proxy's records and
// the CLI's validate all use it.
package violation

import (
	"errors"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Violation is one way a document breaks a schema.
type Violation struct {
	// Pointer is the JSON pointer (RFC 6901) of the value at fault, "" for
	// the whole document.
	Pointer string `json:"pointer"`
	// Rule is the schema keyword broken, e.g. "maxLength"; "" when unknown.
	Rule string `json:"rule,omitempty"`
	// Reason is kin-openapi's explanation, without the value.
	Reason string `json:"reason"`
}

// String formats v as "at /Tsr: maxLength: maximum string length is 30".
func (v Violation) String() string {
	s := v.Reason
	if v.Rule != "" {
		s = v.Rule + ": " + s
	}
	if v.Pointer != "" {
		s = "at " + v.Pointer + ": " + s
	}
	return s
}

// Error is an error that is a violation of a check other than a schema's,
// such as a page's business rule (package contract's RuleError): List gives
// its Violation as it is.
type Error interface {
	error
	Violation() Violation
}

// List flattens err, a validation error of kin-openapi (a MultiError, a
// SchemaError, openapi3filter's RequestError or ResponseError, an Error, or
// any of them wrapped or joined), into its violations, sorted by pointer. An error that holds
// no schema error is one violation with its message, folded onto one line.
// nil gives nil.
func List(err error) []Violation {
	if err == nil {
		return nil
	}
	var out []Violation
	var visit func(err error)
	visit = func(err error) {
		switch e := err.(type) {
		case openapi3.MultiError:
			for _, member := range e {
				visit(member)
			}
		case *openapi3.SchemaError:
			reason := e.Reason
			if reason == "" {
				reason = "does not match the schema"
			}
			out = append(out, Violation{Pointer: Pointer(e.JSONPointer()), Rule: e.SchemaField, Reason: oneLine(reason)})
		case Error:
			out = append(out, e.Violation())
		default:
			// Wrappers are opened only down to schema errors; any other
			// cause keeps the wrapper's whole message.
			if inner := errors.Unwrap(err); inner != nil && hasSchemaError(inner) {
				visit(inner)
				return
			}
			if joined, ok := err.(interface{ Unwrap() []error }); ok && slices.ContainsFunc(joined.Unwrap(), hasSchemaError) {
				for _, member := range joined.Unwrap() {
					visit(member)
				}
				return
			}
			out = append(out, Violation{Reason: message(err)})
		}
	}
	visit(err)
	slices.SortStableFunc(out, func(a, b Violation) int { return strings.Compare(a.Pointer, b.Pointer) })
	return out
}

// First returns the first violation of err (see List), for a one-line message.
func First(err error) Violation {
	if vs := List(err); len(vs) > 0 {
		return vs[0]
	}
	return Violation{}
}

// hasSchemaError reports whether err holds a schema error or an Error.
func hasSchemaError(err error) bool {
	var se *openapi3.SchemaError
	var e Error
	return errors.As(err, &se) || errors.As(err, &e)
}

// message is err's text on one line, without the schema and value that
// kin-openapi's filter errors append.
func message(err error) string {
	msg := oneLine(err.Error())
	msg, _, _ = strings.Cut(msg, " Schema:")
	msg, _, _ = strings.Cut(msg, " Value:")
	return strings.TrimPrefix(msg, "validation failed due to: ")
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Pointer writes a JSON pointer from its reference tokens.
func Pointer(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(escapeToken.Replace(t))
	}
	return b.String()
}

// escapeToken escapes a reference token as RFC 6901 says: ~ as ~0, / as ~1.
var escapeToken = strings.NewReplacer("~", "~0", "/", "~1")
