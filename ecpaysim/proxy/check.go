package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/ecpay-go/einvoice/ecpaysim/internal/serving"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/contract"
	"github.com/ecpay-go/einvoice/internal/protocol"
	"github.com/ecpay-go/einvoice/internal/violation"
)

// allViolations is the Checker of the embedded pages that lists every
// violation, built once.
var allViolations = sync.OnceValues(func() (*contract.Checker, error) {
	c, err := contract.New()
	if err != nil {
		return nil, err
	}
	return c.AllViolations(), nil
})

// CheckExchange re-checks ex, an exchange of a recording, against the pages
// as this binary embeds them, and returns its violations in the order a
// Proxy records them: for a recording made before the pages changed, what
// the current pages say of it. It checks what needs no keys: the path,
// method, Content-Type and JSON of both sides, the request envelope and its
// Timestamp window (against ex.Time), the decrypted request Data (as
// recorded) and its MerchantID, and, unless the request was not forwarded
// or the upstream failed, the answer's status, envelope and decrypted Data.
// A Data that did not decrypt cannot be tried again without the keys: such
// violations are kept as recorded. An answer's Data that is a plain JSON
// object, as ECPay answers GetIssueList (registry.Operation.PlainAnswerData),
// is checked as it is, from the envelope recording it; for any other
// operation the page's envelope schema reports it. The error is for pages
// that do not load, a bug of the build.
//
// A Proxy's live checks are this one, after decrypting both sides with the
// merchant's keys: a recording checked again by the same binary gives the
// violations it holds.
func CheckExchange(ex Exchange) ([]RecordedViolation, error) {
	c, err := allViolations()
	if err != nil {
		return nil, fmt.Errorf("ecpaysim: loading the pages: %w", err)
	}
	var carried []RecordedViolation
	for _, v := range ex.Violations {
		if v.Rule == ruleDecrypt {
			carried = append(carried, v)
		}
	}
	vs, _ := mergeViolations(carried, checkExchange(c, &ex, true))
	return vs, nil
}

// mergeViolations returns keyed (what needed the keys) and checked (what
// checkExchange found) in a Proxy's order, at most maxViolations of them,
// and how many it left out.
func mergeViolations(keyed, checked []RecordedViolation) ([]RecordedViolation, int) {
	vs := append(keyed, checked...)
	sortViolations(vs)
	if len(vs) > maxViolations {
		return vs[:maxViolations], len(vs) - maxViolations
	}
	return vs, 0
}

// found collects violations.
type found []RecordedViolation

func (f *found) add(side, where, pointer, rule, reason string) {
	*f = append(*f, RecordedViolation{Side: side, Where: where, Violation: violation.Violation{Pointer: pointer, Rule: rule, Reason: reason}})
}

// addErr adds every violation of a validation error.
func (f *found) addErr(side, where string, err error) {
	for _, v := range violation.List(err) {
		*f = append(*f, RecordedViolation{Side: side, Where: where, Violation: v})
	}
}

// checkExchange checks ex with what needs no keys: see CheckExchange.
// response is false for an answer that is the Proxy's or the Replay's own,
// not the upstream's; the recorded fields tell the others (a request not
// forwarded has Request.Omitted, an upstream failure UpstreamFailure).
func checkExchange(c *contract.Checker, ex *Exchange, response bool) []RecordedViolation {
	var f found
	op := registry.ByPath(ex.Path)
	req := &ex.Request
	if op == nil {
		f.add(SideRequest, WhereHTTP, "", rulePath, "no operation of the pages has this path; theirs are "+operationPaths())
	}
	if ex.Method != http.MethodPost {
		f.add(SideRequest, WhereHTTP, "", ruleMethod, fmt.Sprintf("the method is %s; ECPay's operations take POST", ex.Method))
	}
	if req.Omitted != "" {
		// Not read, not forwarded: nothing else to check.
		return f
	}
	f.mediaType(SideRequest, req.ContentType)
	if req.Envelope == nil {
		f.add(SideRequest, WhereHTTP, "", ruleJSON, "the body "+notJSON(req.Body()))
	}
	if op == nil {
		return f
	}
	var envelope map[string]json.RawMessage
	if req.Envelope != nil {
		_, err := c.Request(context.Background(), post(op, req.Envelope))
		f.addErr(SideRequest, WhereEnvelope, err)
		envelope = members(req.Envelope)
		f.window(ex.Time, members(envelope["RqHeader"]))
	}
	if req.Decrypted {
		p := req.Plaintext()
		if f.data(SideRequest, p, func() error { return c.RequestData(op, p) }) {
			f.merchant(envelope, members(p))
		}
	}
	if !response || ex.UpstreamFailure != "" || ex.Response.Omitted != "" {
		return f
	}
	f.response(c, op, &ex.Response)
	return f
}

// response checks an answer of the upstream to op.
func (f *found) response(c *contract.Checker, op *registry.Operation, resp *Message) {
	if resp.Status != http.StatusOK {
		f.add(SideResponse, WhereHTTP, "", ruleStatus, fmt.Sprintf("HTTP %d: the page declares only 200", resp.Status))
	}
	f.mediaType(SideResponse, resp.ContentType)
	if resp.Envelope == nil {
		f.add(SideResponse, WhereHTTP, "", ruleJSON, "the body "+notJSON(resp.Body()))
		return
	}
	route, err := c.Route(post(op, nil))
	if err != nil {
		// Every operation of the registry is routed.
		f.add(SideResponse, WhereEnvelope, "", "", err.Error())
		return
	}
	f.addErr(SideResponse, WhereEnvelope, c.Response(context.Background(), route, http.StatusOK, jsonHeader(), resp.Envelope))
	envelope := members(resp.Envelope)
	if !transCodeOK(envelope) {
		return
	}
	switch raw, ok := envelope["Data"]; {
	case !ok || string(raw) == `""` || string(raw) == "null":
		f.add(SideResponse, WhereEnvelope, "/Data", ruleDataMissing, "TransCode is 1 but the answer carries no Data")
	case plainData(op, raw):
		// ECPay's plain Data for such an operation is its answer as it is;
		// for any other, the page's envelope schema has reported it.
		f.data(SideResponse, raw, func() error { return c.ResponseData(op, raw) })
	case resp.Decrypted:
		p := resp.Plaintext()
		f.data(SideResponse, p, func() error { return c.ResponseData(op, p) })
	}
}

// plainData reports whether raw, an answer envelope's Data, is the plain
// JSON object ECPay answers an operation with PlainAnswerData (GetIssueList)
// instead of the encrypted string: the answer itself, checked with no keys.
func plainData(op *registry.Operation, raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return op.PlainAnswerData && len(raw) > 0 && raw[0] == '{'
}

// mediaType checks a Content-Type.
func (f *found) mediaType(side, contentType string) {
	if serving.IsJSONType(contentType) {
		return
	}
	reason := fmt.Sprintf("the Content-Type is %q; the pages take application/json", contentType)
	if contentType == "" {
		reason = "there is no Content-Type; the pages take application/json"
	}
	f.add(side, WhereHTTP, "", ruleContentType, reason)
}

// data checks a decrypted Data: JSON in UTF-8, and then schema; it reports
// whether the Data is JSON.
func (f *found) data(side string, p []byte, schema func() error) bool {
	if !isJSON(p) {
		f.add(side, WhereData, "", ruleJSON, "the decrypted Data "+notJSON(p))
		return false
	}
	f.addErr(side, WhereData, schema())
	return true
}

// window checks the request's RqHeader.Timestamp (its members) against the
// time the request arrived; a Timestamp that is no number is the schema's.
func (f *found) window(arrived time.Time, header map[string]json.RawMessage) {
	ts, ok := jsonNumber(header["Timestamp"])
	if !ok || protocol.InWindow(ts, arrived) {
		return
	}
	dir := "before"
	if ts > float64(arrived.Unix()) {
		dir = "after"
	}
	f.add(SideRequest, WhereEnvelope, "/RqHeader/Timestamp", ruleWindow,
		fmt.Sprintf("%s %s the time the request arrived; ECPay accepts %d minutes either way", offset(math.Abs(ts-float64(arrived.Unix()))), dir, int(protocol.TimestampWindow.Minutes())))
}

// offset names a number of seconds as a duration, in days beyond two.
func offset(seconds float64) string {
	if days := seconds / 86400; days >= 2 {
		return fmt.Sprintf("%.0f days", days)
	}
	return (time.Duration(seconds) * time.Second).String()
}

// merchant checks that the MerchantID of the decrypted request Data, if it
// has one, is the envelope's.
func (f *found) merchant(envelope, data map[string]json.RawMessage) {
	outer, ok := unquote(envelope["MerchantID"])
	inner, ok2 := unquote(data["MerchantID"])
	if ok && ok2 && outer != inner {
		f.add(SideRequest, WhereData, "/MerchantID", ruleMerchant, "differs from the envelope's MerchantID")
	}
}

// transCodeOK reports whether an answer envelope's TransCode is 1, as a
// number or (which the schema reports) a string.
func transCodeOK(envelope map[string]json.RawMessage) bool {
	raw := envelope["TransCode"]
	if s, ok := unquote(raw); ok {
		raw = json.RawMessage(s)
	}
	n, ok := jsonNumber(raw)
	return ok && n == protocol.TransCodeOK
}

// notJSON says how b, which is not JSON in UTF-8, fails.
func notJSON(b []byte) string {
	switch {
	case len(b) == 0:
		return "is empty, not JSON"
	case !utf8.Valid(b):
		return "is not UTF-8 text"
	}
	return "is not JSON"
}

func jsonHeader() http.Header { return http.Header{"Content-Type": {"application/json"}} }

// post returns a POST of body to op, for the Checker.
func post(op *registry.Operation, body []byte) *http.Request {
	// A host and a registry path always make a request.
	r, _ := http.NewRequest(http.MethodPost, "http://ecpay"+op.Path, bytes.NewReader(body))
	r.Header = jsonHeader()
	return r
}

// members returns the members of the JSON object raw; nil when it is none.
func members(raw []byte) map[string]json.RawMessage {
	var m map[string]json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &m) != nil {
		return nil
	}
	return m
}

// operationPaths lists the paths of the registry's operations.
func operationPaths() string {
	var paths []string
	for _, op := range registry.All() {
		paths = append(paths, op.Path)
	}
	return strings.Join(paths, ", ")
}
