package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/batch"
	"github.com/ecpay-go/einvoice/internal/contract"
	"github.com/ecpay-go/einvoice/internal/violation"
)

// finding is one way a document breaks its page.
type finding struct {
	doc string // "envelope" or "Data"
	violation.Violation
	note string
}

func (f finding) String() string {
	s := f.doc + "#" + f.Pointer + ": "
	if f.Rule != "" {
		s += f.Rule + ": "
	}
	s += strings.TrimPrefix(f.Reason, "contract: ")
	if f.note != "" {
		s += " (note: " + f.note + ")"
	}
	return batch.OneLine(s)
}

// report is what validate found.
type report struct {
	// ops are the operations whose pages the findings are against: one,
	// or several that judge the envelope alike (a Data valid for each, or
	// broken alike), or none when they hold for every operation.
	ops         []*registry.Operation
	findings    []finding
	notes       []string
	dataChecked bool
}

// checkCaptured validates body, a request or response envelope, and with a
// codec the Data it carries, against op's page, or, when op is nil, against
// the page of the operation its Data matches. The error is a usage error:
// the operation cannot be told.
func checkCaptured(ctx context.Context, checker *contract.Checker, what string, body []byte, codec *ecpaycrypto.Codec, op *registry.Operation) (report, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		reason := "not JSON: " + err.Error()
		if json.Valid(body) {
			reason = "type: the envelope must be a JSON object"
		}
		rep := report{findings: []finding{{doc: "envelope", Violation: violation.Violation{Reason: reason}}}}
		if op != nil {
			rep.ops = []*registry.Operation{op}
		}
		return rep, nil
	}
	candidates := registry.All()
	if op != nil {
		candidates = []*registry.Operation{op}
	}
	envelopes := make([][]finding, len(candidates))
	for i, c := range candidates {
		envelopes[i] = envelopeFindings(ctx, checker, c, what, body)
	}

	var rep report
	plaintext, problem, note := openCapturedData(fields, what, codec)
	switch {
	case problem != nil:
		rep.findings = append(rep.findings, *problem)
	case note != "":
		rep.notes = append(rep.notes, note)
	}
	if plaintext == nil {
		// Nothing tells the operation but the envelope: fine as long as
		// every candidate judges it alike.
		if !agree(envelopes) {
			return report{}, usagef("the envelope alone does not tell which operation it is for, and the operations' pages judge it differently: give --operation (one of %s)", registry.Names())
		}
		if op != nil {
			rep.ops = []*registry.Operation{op}
		}
		rep.findings = append(envelopes[0], rep.findings...)
		return rep, nil
	}

	rep.dataChecked = true
	// The Data's members, nil unless it is a JSON object.
	var members map[string]json.RawMessage
	if json.Unmarshal(plaintext, &members) != nil {
		members = nil
	}
	data := make([][]finding, len(candidates))
	for i, c := range candidates {
		data[i] = dataFindings(checker, c, what, plaintext, members)
	}
	if op != nil {
		rep.ops = []*registry.Operation{op}
		rep.findings = append(envelopes[0], data[0]...)
		return rep, nil
	}
	// The operation is told by the Data's members' names first, so that a
	// broken member is named with the rule it breaks; then by validity, and
	// for an answer by the RtnCodes the pages list. What is still left is
	// valid for each alike (or broken alike).
	chosen := byMembers(checker, candidates, what, members)
	if len(chosen) == 0 {
		if !agree(envelopes) {
			return report{}, usagef("the decrypted Data matches the %s Data of no operation, and the operations' pages judge the envelope differently: give --operation (one of %s) to see the violations", what, registry.Names())
		}
		rep.findings = append(envelopes[0], finding{doc: "Data", Violation: violation.Violation{
			Reason: fmt.Sprintf("matches the %s Data schema of no operation (%s), declaring every member it has%s: give --operation to see its violations against one", what, registry.Names(), undeclared(checker, candidates, what, members)),
		}})
		return rep, nil
	}
	if valid := slices.DeleteFunc(slices.Clone(chosen), func(i int) bool { return len(data[i]) > 0 }); len(valid) > 0 {
		chosen = valid
	}
	if what == "response" && len(chosen) > 1 {
		if known := slices.DeleteFunc(slices.Clone(chosen), func(i int) bool { return !knowsRtnCode(candidates[i], members["RtnCode"]) }); len(known) > 0 {
			chosen = known
		}
	}
	for _, i := range chosen {
		rep.ops = append(rep.ops, candidates[i])
	}
	first := chosen[0]
	for _, i := range chosen[1:] {
		if !agree([][]finding{envelopes[first], envelopes[i]}) || !agree([][]finding{data[first], data[i]}) {
			return report{}, usagef("the decrypted Data has the members of the %s Data of %s alike, and their pages judge it differently: give --operation to say which it is for", what, opNames(rep.ops))
		}
	}
	rep.findings = append(envelopes[first], data[first]...)
	return rep, nil
}

// byMembers returns, of the candidates whose Data schema of what declares
// every member of a Data (members: nil unless it is a JSON object), those
// whose required members it lacks the fewest of, by their index: the
// operations the names of its members point to.
func byMembers(checker *contract.Checker, candidates []*registry.Operation, what string, members map[string]json.RawMessage) []int {
	var out []int
	fewest := 0
	for i, c := range candidates {
		schema := dataSchema(checker, c, what)
		if !declares(schema, members) {
			continue
		}
		missing := 0
		for _, name := range schema.Required {
			if _, ok := members[name]; !ok {
				missing++
			}
		}
		switch {
		case len(out) == 0 || missing < fewest:
			out, fewest = []int{i}, missing
		case missing == fewest:
			out = append(out, i)
		}
	}
	return out
}

// undeclared names, for a message, the members of a Data that no
// candidate's Data schema of what declares; "" when there are none.
func undeclared(checker *contract.Checker, candidates []*registry.Operation, what string, members map[string]json.RawMessage) string {
	var names []string
	for name := range members {
		if !slices.ContainsFunc(candidates, func(c *registry.Operation) bool {
			schema := dataSchema(checker, c, what)
			return schema != nil && schema.Properties[name] != nil
		}) {
			names = append(names, strconv.Quote(name))
		}
	}
	if len(names) == 0 {
		return ""
	}
	slices.Sort(names)
	return " (none declares " + strings.Join(names, ", ") + ")"
}

// opNames joins the operations' names for a message: "A", "A and B",
// "A, B and C".
func opNames(ops []*registry.Operation) string {
	names := make([]string, len(ops))
	for i, op := range ops {
		names[i] = op.Name
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// agree reports whether every candidate operation's page judges the
// envelope alike: envelopes holds the findings of each.
func agree(envelopes [][]finding) bool {
	for _, e := range envelopes[1:] {
		if !slices.EqualFunc(e, envelopes[0], func(a, b finding) bool { return a.String() == b.String() }) {
			return false
		}
	}
	return true
}

// envelopeFindings checks body, an envelope of what, against op's page.
func envelopeFindings(ctx context.Context, checker *contract.Checker, op *registry.Operation, what string, body []byte) []finding {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://localhost"+op.Path, bytes.NewReader(body))
	if err != nil {
		return []finding{{doc: "envelope", Violation: violation.Violation{Reason: err.Error()}}}
	}
	req.Header.Set("Content-Type", "application/json")
	route, err := checker.Route(req)
	if err != nil {
		return []finding{{doc: "envelope", Violation: violation.Violation{Reason: err.Error()}}}
	}
	if what == "request" {
		_, err = checker.Request(ctx, req)
	} else {
		err = checker.Response(ctx, route, http.StatusOK, http.Header{"Content-Type": {"application/json"}}, body)
	}
	return findings("envelope", err)
}

// openCapturedData decrypts the envelope's Data: plaintext, or nil with a
// problem (a finding: it does not decrypt) or a note on why it is not
// checked. An answer's Data that is a JSON object is its plaintext as it
// is, with a note: ECPay answers GetIssueList so (PlainAnswerData), and the
// page of any other operation reports it in the envelope.
func openCapturedData(fields map[string]json.RawMessage, what string, codec *ecpaycrypto.Codec) (plaintext []byte, problem *finding, note string) {
	const notAccepted = "Data not checked: ECPay's Data is meaningful only when TransCode is 1"
	if codec == nil {
		return nil, nil, ""
	}
	if raw := bytes.TrimSpace(fields["Data"]); what == "response" && len(raw) > 0 && raw[0] == '{' {
		if !transCodeOne(fields) {
			return nil, nil, notAccepted
		}
		return raw, nil, "the answer's Data is a plain JSON object, checked as it is: ECPay answers " + plainOperations() + " so, every other operation with the encrypted string"
	}
	var data string
	if raw, ok := fields["Data"]; !ok || json.Unmarshal(raw, &data) != nil || data == "" {
		return nil, nil, "Data not checked: the envelope carries no Data string"
	}
	if what == "response" && !transCodeOne(fields) {
		return nil, nil, notAccepted
	}
	plaintext, err := codec.Decrypt(data)
	if err != nil {
		// ecpaycrypto's errors hold neither key nor plaintext.
		return nil, &finding{doc: "Data", Violation: violation.Violation{Reason: "does not decrypt with the given HashKey and HashIV: " + err.Error()}}, ""
	}
	return plaintext, nil, ""
}

// transCodeOne reports whether an envelope's TransCode is 1.
func transCodeOne(fields map[string]json.RawMessage) bool {
	var transCode json.Number
	return json.Unmarshal(fields["TransCode"], &transCode) == nil && transCode == "1"
}

// plainOperations names the operations whose answer Data may be a plain
// JSON object (registry.Operation.PlainAnswerData).
func plainOperations() string {
	var plain []*registry.Operation
	for _, op := range registry.All() {
		if op.PlainAnswerData {
			plain = append(plain, op)
		}
	}
	if len(plain) == 0 {
		return "no operation"
	}
	return opNames(plain)
}

// dataFindings checks plaintext, the decrypted Data of what, against op's
// Data schema; members are its members, nil unless it is a JSON object.
func dataFindings(checker *contract.Checker, op *registry.Operation, what string, plaintext []byte, members map[string]json.RawMessage) []finding {
	var err error
	if what == "request" {
		err = checker.RequestData(op, plaintext)
	} else {
		err = checker.ResponseData(op, plaintext)
	}
	out := findings("Data", err)
	for i, f := range out {
		if what == "response" && f.Pointer == "/RtnCode" && isQuotedNumber(members["RtnCode"]) {
			out[i].note = `ECPay's own example on its CancelDelayIssue page sends "RtnCode": "1" as a string; the spec says integer; the Go client accepts both`
		}
	}
	return out
}

// findings formats a validation error of doc with the one formatter of
// kin-openapi errors.
func findings(doc string, err error) []finding {
	var out []finding
	for _, v := range violation.List(err) {
		out = append(out, finding{doc: doc, Violation: v})
	}
	return out
}

// dataSchema returns op's Data schema of what, "request" or "response".
func dataSchema(checker *contract.Checker, op *registry.Operation, what string) *openapi3.Schema {
	if what == "response" {
		return checker.ResponseDataSchema(op)
	}
	return checker.RequestDataSchema(op)
}

// declares reports whether schema, an operation's Data schema, declares
// every one of members, those of a Data that is a JSON object (nil: it is
// not): a Data with a member its page does not know (which the client would
// refuse to send) is not that operation's.
func declares(schema *openapi3.Schema, members map[string]json.RawMessage) bool {
	if schema == nil || members == nil {
		return false
	}
	for name := range members {
		if _, ok := schema.Properties[name]; !ok {
			return false
		}
	}
	return true
}

// knowsRtnCode reports whether op's page lists rtnCode, the RtnCode member
// of a Data, a number or a quoted one.
func knowsRtnCode(op *registry.Operation, rtnCode json.RawMessage) bool {
	code, err := strconv.Atoi(string(bytes.Trim(rtnCode, `"`)))
	if err != nil {
		return false
	}
	_, ok := op.Code(code)
	return ok
}

// isQuotedNumber reports whether raw, a member of a Data, is a string
// holding a number, such as "1".
func isQuotedNumber(raw json.RawMessage) bool {
	var n json.Number
	return len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, &n) == nil
}
