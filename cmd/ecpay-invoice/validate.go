package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/internal/contract"
)

// maxEnvelopeBytes bounds the file validate reads: ECPay's bodies are far
// smaller, and the simulator refuses more than 1 MiB.
const maxEnvelopeBytes = 8 << 20

var validateHelp = help{
	usage: "validate (--request FILE | --response FILE) [--envelope-only] [credential flags]",
	about: `Checks a captured CancelDelayIssue envelope (a JSON file; - for stdin) against
ECPay's spec as this module embeds it: the request envelope, or the response
envelope as the HTTP 200 answer, and then its Data, decrypted with the
merchant's HashKey and HashIV, against the spec's requestBody.Data or
responses.Data. Each violation is printed on stdout with its JSON pointer,
in the envelope (envelope#/RqHeader/Timestamp) or in the decrypted Data
(Data#/Tsr). Exit status 1 if there is any violation, 2 if the file cannot be
read. The check of responses.Data is strict: ECPay's own example answers
"RtnCode": "1", a string, which the spec's integer type rejects (the client
accepts it).`,
	examples: []string{
		"ecpay-invoice validate --request captured-request.json",
		"ECPAY_HASH_KEY=… ECPAY_HASH_IV=… ecpay-invoice validate --env prod --response captured-response.json",
		"ecpay-invoice validate --envelope-only --request - < captured-request.json",
	},
}

// violation is one way a document breaks the spec.
type violation struct {
	doc     string // "envelope" or "Data"
	pointer string // JSON pointer into doc; "" for the whole document
	rule    string // the schema keyword, when known
	reason  string
	note    string
}

func (v violation) String() string {
	s := v.doc + "#" + v.pointer + ": "
	if v.rule != "" {
		s += v.rule + ": "
	}
	s += v.reason
	if v.note != "" {
		s += " (note: " + v.note + ")"
	}
	return oneLine(s)
}

// operationPath is the path of CancelDelayIssue, which routes a captured
// envelope to its operation in the spec.
const operationPath = "/B2CInvoice/CancelDelayIssue"

func runValidate(ctx context.Context, args []string, std stdio) int {
	fs := newFlagSet("validate")
	var cf credentialFlags
	cf.register(fs)
	requestFile := fs.String("request", "", "a captured request envelope, JSON `FILE` (- for stdin)")
	responseFile := fs.String("response", "", "a captured response envelope, JSON `FILE` (- for stdin)")
	envelopeOnly := fs.Bool("envelope-only", false, "check the envelope only, not its decrypted Data (no credentials needed)")
	if code, done := parse(fs, validateHelp, args, std); done {
		return code
	}
	fail := func(err error) int { return usageFailure(fs.Name(), err, std.stderr) }
	if (*requestFile == "") == (*responseFile == "") {
		return fail(usagef("give either --request FILE or --response FILE"))
	}
	var codec *ecpaycrypto.Codec
	if !*envelopeOnly {
		cred, err := cf.resolve(fs, std.getenv, false)
		if err != nil {
			return fail(err)
		}
		if codec, err = cred.codec(); err != nil {
			return fail(err)
		}
	}
	what, path := "request", *requestFile
	if path == "" {
		what, path = "response", *responseFile
	}
	body, err := readEnvelope(path, std.stdin)
	if err != nil {
		return fail(err)
	}
	checker, err := contract.New()
	if err != nil {
		fmt.Fprintf(std.stderr, "ecpay-invoice validate: loading the spec: %v\n", err)
		return exitFailure
	}
	vs, notes := checkEnvelope(ctx, checker, what, body, codec)
	for _, v := range vs {
		fmt.Fprintln(std.stdout, v)
	}
	for _, n := range notes {
		fmt.Fprintln(std.stdout, "note: "+n)
	}
	if len(vs) > 0 {
		// The same status as a refusal: the answer is "no".
		noun := "violations"
		if len(vs) == 1 {
			noun = "violation"
		}
		fmt.Fprintf(std.stdout, "%s: %d %s of the spec\n", what, len(vs), noun)
		return exitRefused
	}
	if codec == nil || len(notes) > 0 {
		fmt.Fprintf(std.stdout, "%s: ok: the envelope matches the spec (Data not checked)\n", what)
	} else {
		fmt.Fprintf(std.stdout, "%s: ok: the envelope and its decrypted Data match the spec\n", what)
	}
	return exitOK
}

// readEnvelope reads the file at path (- for stdin), up to maxEnvelopeBytes.
func readEnvelope(path string, stdin io.Reader) ([]byte, error) {
	r := stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, usagef("%v", err)
		}
		defer f.Close()
		r = f
	}
	body, err := io.ReadAll(io.LimitReader(r, maxEnvelopeBytes+1))
	if err != nil {
		return nil, usagef("reading %s: %v", path, err)
	}
	if len(body) > maxEnvelopeBytes {
		return nil, usagef("%s is larger than %s: not an ECPay envelope", path, sizeName(maxEnvelopeBytes))
	}
	return body, nil
}

// checkEnvelope validates body, a request or response envelope, and with a
// codec the Data it carries. It returns the violations and notes about what
// could not be checked.
func checkEnvelope(ctx context.Context, checker *contract.Checker, what string, body []byte, codec *ecpaycrypto.Codec) (vs []violation, notes []string) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		reason := "not JSON: " + err.Error()
		if json.Valid(body) {
			reason = "type: the envelope must be a JSON object"
		}
		return []violation{{doc: "envelope", reason: reason}}, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://localhost"+operationPath, bytes.NewReader(body))
	if err != nil {
		return []violation{{doc: "envelope", reason: err.Error()}}, nil
	}
	req.Header.Set("Content-Type", "application/json")
	checker = checker.AllViolations()
	input, err := checker.Route(req)
	if err != nil {
		return []violation{{doc: "envelope", reason: err.Error()}}, nil
	}
	if what == "request" {
		_, err = checker.Request(ctx, req)
	} else {
		err = checker.Response(ctx, input, http.StatusOK, http.Header{"Content-Type": {"application/json"}}, body)
	}
	vs = violations("envelope", err)
	if codec == nil {
		return vs, nil
	}

	var data string
	if raw, ok := fields["Data"]; !ok || json.Unmarshal(raw, &data) != nil || data == "" {
		return vs, append(notes, "Data not checked: the envelope carries no Data string")
	}
	if what == "response" {
		var transCode json.Number
		if err := json.Unmarshal(fields["TransCode"], &transCode); err != nil || transCode != "1" {
			return vs, append(notes, "Data not checked: ECPay's Data is meaningful only when TransCode is 1")
		}
	}
	plaintext, err := codec.Decrypt(data)
	if err != nil {
		// ecpaycrypto's errors hold neither key nor plaintext.
		return append(vs, violation{doc: "Data", reason: "does not decrypt with the given HashKey and HashIV: " + err.Error()}), notes
	}
	if what == "request" {
		err = checker.RequestData(plaintext)
	} else {
		err = checker.ResponseData(plaintext)
	}
	for _, v := range violations("Data", err) {
		if what == "response" && v.pointer == "/RtnCode" && isQuotedInteger(plaintext, "RtnCode") {
			v.note = `ECPay's own example on its CancelDelayIssue page sends "RtnCode": "1" as a string; the spec says integer; the Go client accepts both`
		}
		vs = append(vs, v)
	}
	return vs, notes
}

// isQuotedInteger reports whether the JSON object plaintext has member name
// holding a string, such as "1".
func isQuotedInteger(plaintext []byte, name string) bool {
	var fields map[string]json.RawMessage
	if json.Unmarshal(plaintext, &fields) != nil {
		return false
	}
	var s json.Number
	raw := fields[name]
	return len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, &s) == nil
}

// violations flattens a validation error of kin-openapi into violations
// of doc, each with its JSON pointer, sorted by pointer.
func violations(doc string, err error) []violation {
	if err == nil {
		return nil
	}
	var out []violation
	leaf := func(msg string) {
		out = append(out, violation{doc: doc, reason: strings.TrimPrefix(msg, "contract: ")})
	}
	var walk func(err error)
	walk = func(err error) {
		switch e := err.(type) {
		case openapi3.MultiError:
			for _, member := range e {
				walk(member)
			}
		case *openapi3.SchemaError:
			reason := e.Reason
			if reason == "" {
				reason = "does not match the schema"
			}
			out = append(out, violation{doc: doc, pointer: pointer(e.JSONPointer()), rule: e.SchemaField, reason: reason})
		default:
			// Wrappers (openapi3filter's RequestError and ResponseError,
			// fmt's %w) are opened only down to schema errors; any
			// other cause keeps the wrapper's whole message.
			if inner := errors.Unwrap(err); inner != nil && hasSchemaError(inner) {
				walk(inner)
			} else {
				leaf(err.Error())
			}
		}
	}
	walk(err)
	// kin-openapi's order follows map iteration; a stable order reads better.
	slices.SortStableFunc(out, func(a, b violation) int { return strings.Compare(a.pointer, b.pointer) })
	return out
}

func hasSchemaError(err error) bool {
	var se *openapi3.SchemaError
	return errors.As(err, &se)
}

// pointer writes a JSON pointer (RFC 6901) from its reference tokens.
func pointer(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(t))
	}
	return b.String()
}
