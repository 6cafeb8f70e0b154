package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/spf13/pflag"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/batch"
	"github.com/ecpay-go/einvoice/internal/contract"
	"github.com/ecpay-go/einvoice/internal/input"
	"github.com/ecpay-go/einvoice/internal/violation"
)

// maxEnvelopeBytes bounds the file validate reads: ECPay's bodies are far
// smaller, and the simulator refuses more than 1 MiB.
const maxEnvelopeBytes = 8 << 20

func validateHelp() help {
	return help{
		usage: "validate (--request FILE | --response FILE) [--operation OP] [--envelope-only] [credential flags] | validate --record FILE",
		about: `Checks a captured envelope (a JSON file; - for stdin) of any operation
against its page as this module embeds it: the request envelope, or the
response envelope as the HTTP 200 answer, and then its Data, decrypted with
the merchant's HashKey and HashIV, against the page's request or response
Data schema, and a request's Data that matches it against the page's
business rules (x-ecpay-validations in its overlay, as the client checks
them before sending: a rule broken is printed at its first field with
the rule's message, Data#/SalesAmount: x-ecpay-validations: …).
--operation names the operation (` + registry.Names() + `,
or in kebab case); without it, the operation is told first by the names of
the decrypted Data's members (the operations whose Data schema declares
every one of them and requires the fewest that are missing), then checked,
so that a broken member is named with the rule it breaks. Of several, those
the Data is valid for count (for a response, those whose pages know its
RtnCode): a Data valid for several operations is valid, and validate names
them. If no operation declares every member, or those left judge the Data
differently, validate says so and asks for --operation.
Offline, validate cannot check whether a request's RqHeader.Timestamp is
within ` + timestampWindow + ` of ECPay's clock (that depends on when it is
sent): a request found ok is printed with a note that says so.
Each violation is printed on stdout with its JSON pointer, in the envelope
(envelope#/RqHeader/Timestamp) or in the decrypted Data (Data#/Tsr). Exit
status 1 if there is any violation, 2 if the file cannot be read or the
operation cannot be told. The check of the response Data is strict: ECPay's
own example answers "RtnCode": "1", a string, which the pages' integer type
rejects (the client accepts it).

--record FILE re-checks a recording of ecpay-sim --upstream --record (or -
for stdin) against the pages as this build embeds them, for instance after
a spec update: every exchange, both sides, from the decrypted Data the
recording holds, so no keys are needed (a Data that did not decrypt when it
was recorded keeps its recorded verdict). Each violation is printed as
"line N: Operation: side where#pointer: rule: reason", marked "(new since
the recording)" when the recording did not hold it; a violation the
recording holds that the pages no longer find is printed as "no longer a
violation". Exchanges whose upstream failed are counted, not checked. Exit
status 1 if any violation is found, 2 if a line of FILE is not an exchange.

Each FILE is a regular file or a pipe (a directory or a device such as
/dev/zero is refused) and is read up to a bound: 8 MiB for an envelope,
4 GiB for a recording. SIGINT or SIGTERM stops validate at once, with exit
status 130, even while it waits on a pipe.`,
		examples: []string{
			"ecpay-invoice validate --request captured-request.json",
			"ECPAY_HASH_KEY=… ECPAY_HASH_IV=… ecpay-invoice validate --env prod --response captured-response.json --operation TriggerIssue",
			"ecpay-invoice validate --envelope-only --request - < captured-request.json",
			"ecpay-invoice validate --record ecpay-contract.jsonl",
		},
	}
}

// timestampWindow is how far ECPay lets RqHeader.Timestamp be from its clock,
// from the pages, for the messages that say validate does not check it.
var timestampWindow = fmt.Sprintf("%d minutes", int(registry.TimestampWindow.Minutes()))

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

// validateFlags are the flags of validate, parsed into by fs.
type validateFlags struct {
	fs                                               *pflag.FlagSet
	cf                                               credentialFlags
	requestFile, responseFile, operation, recordFile string
	envelopeOnly                                     bool
}

// defineValidate registers the flags of validate on fs and returns its run.
func defineValidate(fs *pflag.FlagSet) runFunc {
	v := &validateFlags{fs: fs}
	v.cf.register(fs)
	fs.StringVar(&v.requestFile, "request", "", "a captured request envelope, JSON `FILE` (- for stdin)")
	fs.StringVar(&v.responseFile, "response", "", "a captured response envelope, JSON `FILE` (- for stdin)")
	fs.StringVar(&v.operation, "operation", "", "`OP`, the operation the envelope is for (default: the one its decrypted Data matches)")
	fs.BoolVar(&v.envelopeOnly, "envelope-only", false, "check the envelope only, not its decrypted Data (no credentials needed)")
	fs.StringVar(&v.recordFile, "record", "", "re-check every exchange of a recording of ecpay-sim --record, `FILE` (- for stdin)")
	return v.run
}

// run is validate once its flags are parsed.
func (v *validateFlags) run(ctx context.Context, _ []string, std stdio) int {
	fail := func(err error) int { return usageFailure("validate", err, std.stderr) }
	if v.recordFile != "" {
		var others []string
		v.fs.Visit(func(f *pflag.Flag) {
			if f.Name != "record" {
				others = append(others, "--"+f.Name)
			}
		})
		if len(others) > 0 {
			return fail(usagef("--record takes no other flag (%s): the recording names each operation and holds its decrypted Data", strings.Join(others, ", ")))
		}
		return validateRecording(ctx, v.recordFile, std)
	}
	if (v.requestFile == "") == (v.responseFile == "") {
		return fail(usagef("give either --request FILE, --response FILE or --record FILE"))
	}
	var op *registry.Operation
	if v.operation != "" {
		if op = lookupOperation(v.operation); op == nil {
			return fail(usagef("--operation: unknown operation: give one of %s", registry.Names()))
		}
	}
	var codec *ecpaycrypto.Codec
	if !v.envelopeOnly {
		cred, err := v.cf.resolve(v.fs, std.getenv, false)
		if err != nil {
			return fail(err)
		}
		if codec, err = cred.codec(); err != nil {
			return fail(err)
		}
	}
	what, path := "request", v.requestFile
	if path == "" {
		what, path = "response", v.responseFile
	}
	body, err := readEnvelope(ctx, "--"+what, path, std.stdin)
	switch {
	case ctx.Err() != nil:
		return interrupted(std, context.Cause(ctx))
	case err != nil:
		var tooLarge *input.TooLargeError
		if errors.As(err, &tooLarge) {
			return fail(usagef("%s is larger than %s: not an ECPay envelope", path, input.SizeName(maxEnvelopeBytes)))
		}
		return fail(err)
	}
	checker, err := contract.New()
	if err != nil {
		fmt.Fprintf(std.stderr, "ecpay-invoice validate: loading the pages: %v\n", err)
		return exitFailure
	}
	rep, err := checkCaptured(ctx, checker.AllViolations(), what, body, codec, op)
	if err != nil {
		return fail(err)
	}
	for _, f := range rep.findings {
		fmt.Fprintln(std.stdout, f)
	}
	for _, n := range rep.notes {
		fmt.Fprintln(std.stdout, "note: "+n)
	}
	of := ""
	if len(rep.ops) > 0 {
		of = " of " + opNames(rep.ops)
	}
	if len(rep.findings) > 0 {
		// The same status as a refusal: the answer is "no".
		noun := "violations"
		if len(rep.findings) == 1 {
			noun = "violation"
		}
		fmt.Fprintf(std.stdout, "%s: %d %s of the spec%s\n", what, len(rep.findings), noun, of)
		return exitRefused
	}
	if what == "request" {
		fmt.Fprintf(std.stdout, "note: not checked offline: whether RqHeader.Timestamp is within %s of ECPay's clock when the request reaches it\n", timestampWindow)
	}
	if !rep.dataChecked {
		fmt.Fprintf(std.stdout, "%s: ok: the envelope matches the spec%s (Data not checked)\n", what, of)
	} else {
		fmt.Fprintf(std.stdout, "%s: ok: the envelope and its decrypted Data match the spec%s\n", what, of)
	}
	return exitOK
}

// readEnvelope reads the file at path (- for stdin), which the flag named
// flag gave, up to maxEnvelopeBytes. What is neither a regular file nor a
// pipe is refused; a wait on a pipe ends with ctx. A file too long is a
// *input.TooLargeError.
func readEnvelope(ctx context.Context, flag, path string, stdin io.Reader) ([]byte, error) {
	var in *input.File
	if path == "-" {
		in = input.Stream(ctx, flag, "stdin", stdin, maxEnvelopeBytes)
	} else {
		var err error
		if in, err = input.Open(ctx, flag, path, maxEnvelopeBytes); err != nil {
			return nil, err
		}
		defer in.Close()
	}
	return io.ReadAll(in)
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
// checked.
func openCapturedData(fields map[string]json.RawMessage, what string, codec *ecpaycrypto.Codec) (plaintext []byte, problem *finding, note string) {
	if codec == nil {
		return nil, nil, ""
	}
	var data string
	if raw, ok := fields["Data"]; !ok || json.Unmarshal(raw, &data) != nil || data == "" {
		return nil, nil, "Data not checked: the envelope carries no Data string"
	}
	if what == "response" {
		var transCode json.Number
		if err := json.Unmarshal(fields["TransCode"], &transCode); err != nil || transCode != "1" {
			return nil, nil, "Data not checked: ECPay's Data is meaningful only when TransCode is 1"
		}
	}
	plaintext, err := codec.Decrypt(data)
	if err != nil {
		// ecpaycrypto's errors hold neither key nor plaintext.
		return nil, &finding{doc: "Data", Violation: violation.Violation{Reason: "does not decrypt with the given HashKey and HashIV: " + err.Error()}}, ""
	}
	return plaintext, nil, ""
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
