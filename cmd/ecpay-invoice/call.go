package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/batch"
	"github.com/ecpay-go/einvoice/internal/input"
	"github.com/ecpay-go/einvoice/internal/suggest"
)

// maxCallData bounds the request Data call reads: ECPay reads request bodies
// of at most 1 MiB, and the Data is encrypted into one.
const maxCallData = 1 << 20

// callResult is the line call prints.
type callResult struct {
	Operation string `json:"operation"`
	batch.Answer
	// Data is the decrypted answer as ECPay sent it, compacted onto one
	// line, on success, with the merchant's HashKey and HashIV redacted.
	Data json.RawMessage `json:"data,omitempty"`
}

func callHelp() help {
	var ops strings.Builder
	for _, op := range registry.All() {
		fmt.Fprintf(&ops, "\n  %s\n%s", op.Name, wrap(fmt.Sprintf("%s: %s It succeeds with %s.", op.Summary, op.Description, successes(op)), "      "))
	}
	return help{
		usage: "call OPERATION [--data JSON] [flags]",
		about: `Calls one operation of ECPay's B2C e-invoice API with the request Data you
give: --data JSON, or the JSON on stdin when --data is absent or -. The
Data is the inner plaintext (e.g. {"Tsr":"…","PayType":"2"}); MerchantID may
be left out, it is the client's. It goes through the same typed core as
every batch: checked against the operation's page before anything is sent
(an unknown member is refused), sealed in ECPay's envelope, and the answer
decrypted. Stdout holds one JSON object:
  {"operation":"…","ok":true,"rtn_code":…,"rtn_msg":"…","data":{…}}
  {"operation":"…","ok":false,"error":{"kind":"api","message":"…"},"rtn_code":…,"rtn_msg":"…"}
data is the decrypted answer as received, on one line; error.kind is
validation, http, trans, api, decode or transport, with the codes that apply
(http_status, trans_code, trans_msg, rtn_code, rtn_msg). Exit status 0 ok,
1 refused, 2 invalid (nothing was sent), 3 transport, HTTP or decode failure.

The operations, from the pages in openapi/ (an OPERATION may also be
written in kebab case, e.g. trigger-issue):` + ops.String(),
		examples: []string{
			`ecpay-invoice call TriggerIssue --data '{"Tsr":"201909170001","PayType":"2"}'`,
			`echo '{"Tsr":"201909170001"}' | ecpay-invoice call CancelDelayIssue --env prod`,
		},
	}
}

// lookupOperation finds an operation by its name or its kebab-case name.
func lookupOperation(name string) *registry.Operation {
	if op := registry.Lookup(name); op != nil {
		return op
	}
	for _, op := range registry.All() {
		if kebab(op.Name) == name {
			return op
		}
	}
	return nil
}

// callFlags are the flags of call, parsed into by fs.
type callFlags struct {
	fs   *pflag.FlagSet
	cf   clientFlags
	data string
}

// defineCall registers the flags of call on fs and returns its run. The
// operation comes before the flags (call OP --data …) or after them.
func defineCall(fs *pflag.FlagSet) runFunc {
	f := &callFlags{fs: fs}
	f.cf.register(fs)
	fs.StringVar(&f.data, "data", "", "the request Data, a JSON object (- or absent: read it from stdin)")
	return f.run
}

// run is call once its flags are parsed; args holds the operation if it
// was given.
func (f *callFlags) run(ctx context.Context, args []string, std stdio) int {
	fail := func(err error) int { return usageFailure("call", err, std.stderr) }
	var name string
	if len(args) > 0 {
		name = args[0]
	}
	cf, data := &f.cf, f.data
	if name == "" {
		return fail(usagef("give the operation to call: one of %s", registry.Names()))
	}
	op := lookupOperation(name)
	if op == nil {
		return fail(unknownOperation("", name))
	}
	cred, baseURL, err := cf.resolve(f.fs, std.getenv)
	if err != nil {
		return fail(err)
	}
	body := []byte(data)
	if data == "" || data == "-" {
		// Stdin may be a terminal nobody types at: a signal ends the wait.
		body, err = io.ReadAll(input.Stream(ctx, "--data", "stdin", std.stdin, maxCallData))
		var tooLarge *input.TooLargeError
		switch {
		case ctx.Err() != nil:
			fmt.Fprintf(std.stderr, "ecpay-invoice call: stopped reading the request Data from stdin: %v\n", context.Cause(ctx))
			return exitInterrupted
		case errors.As(err, &tooLarge):
			return fail(usagef("the request Data on stdin is larger than %s", input.SizeName(maxCallData)))
		case err != nil:
			return fail(usagef("reading the request Data from stdin: %v", err))
		}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return fail(usagef("give the request Data: --data JSON, or the JSON on stdin"))
	}
	client, err := newClient(cred, baseURL, cf.timeout, newHTTPClient(1))
	if err != nil {
		return fail(err)
	}
	res, err := client.Call(ctx, op.Name, body)
	line := callResult{Operation: op.Name, Answer: batch.NewAnswer(res, err, cf.timeout)}
	if err == nil {
		// A server may echo the keys into any member of its answer.
		codec, _ := cred.codec()
		line.Data = compactJSON([]byte(codec.Redact(string(res.Data))))
	}
	var buf bytes.Buffer
	batch.AppendJSON(&buf, &line)
	_, _ = std.stdout.Write(buf.Bytes())
	if err != nil && ctx.Err() != nil {
		// The line says whether the request may have reached ECPay.
		fmt.Fprintf(std.stderr, "ecpay-invoice call: stopped: %v\n", context.Cause(ctx))
		return exitInterrupted
	}
	return line.ExitCode()
}

// compactJSON returns raw on one line when it is JSON, as data must not
// break the line; anything else is kept as a JSON string.
func compactJSON(raw []byte) json.RawMessage {
	var buf bytes.Buffer
	if json.Compact(&buf, raw) == nil {
		return buf.Bytes()
	}
	s, _ := json.Marshal(string(raw))
	return s
}

// unknownOperation is the usage error for name, which names no operation of
// the registry, given as flag (empty for an argument): it repeats the name,
// suggests the closest operation and lists them all.
func unknownOperation(flag, name string) error {
	var names []string
	for _, op := range registry.All() {
		names = append(names, op.Name)
	}
	list := ": give one of "
	if _, near := suggest.Closest(name, names); near {
		list = " Give one of "
	}
	if flag != "" {
		flag += ": "
	}
	return usagef("%s%s%s%s", flag, suggest.Unknown("operation", name, names), list, registry.Names())
}
