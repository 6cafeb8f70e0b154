package main

import (
	"fmt"
	"sync"

	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/batch"
	"github.com/ecpay-go/einvoice/internal/input"
)

// issueBatch is the issue subcommand: Issue over a file of request Data,
// keyed by RelateNumber (batch.IssueOperation).
var issueBatch = sync.OnceValue(func() *batchOp {
	return &batchOp{Operation: batch.IssueOperation(), command: "issue"}
})

// issueSubcommand is issue as a verb of the command line.
func issueSubcommand() subcommand {
	bop := issueBatch()
	return subcommand{name: bop.command, summary: "Issue as a resumable batch that never issues an invoice twice: one Issue Data per line, keyed by RelateNumber",
		help: issueHelp, define: bop.define}
}

// issueHelp is issue's --help.
func issueHelp() help {
	op, lookup := registry.Issue, registry.GetIssue
	return help{
		usage: "issue --file FILE [--out FILE] [flags]",
		about: wrap(fmt.Sprintf("Calls %s (%s) once per line of --file, each line the inner request Data of one invoice as `ecpay-invoice call %s --data` takes it, a JSON object: MerchantID may be left out (it is the client's). Each line is checked as the client checks it (the page's schema and its business rules) before anything is sent; a line that fails, is not a JSON object or has no RelateNumber is reported with its line number and not sent (exit 2). It succeeds with %s.",
			op.Name, op.Summary, op.Name, successes(op)), "") + `

The key is RelateNumber, the merchant's own number for the invoice, which
ECPay refuses to see twice: a RelateNumber given again in the same run is
reported with "outcome":"duplicate" and not sent (exit 2). Stdout holds one
JSON object per RelateNumber and nothing else:
  {"relate_number":"…","ok":true,"rtn_code":1,"rtn_msg":"…","invoice_no":"AB12345678","invoice_date":"…","random_number":"1234"}
  {"relate_number":"…","ok":false,"error":{"kind":"validation","message":"line 3 of invoices.jsonl: …"}}
error.kind is validation, http, trans, api, decode or transport, with the
codes that apply, as for the Tsr batches (cancel-delay-issue --help).

No invoice is issued twice. An attempt whose answer was lost (a timeout, a
broken connection, an answer that does not decode) is settled before
anything is sent again: ` + lookup.Name + ` by RelateNumber finds the invoice (the
line then carries its invoice_no, invoice_date and random_number with
"outcome":"issued_earlier", a success) or not (Issue is sent again, once in
the run, with "resent":true). A resend that ECPay refuses as a repeated
RelateNumber is settled by ` + lookup.Name + ` too. When ` + lookup.Name + ` itself fails, the
line says "outcome":"unsettled" (exit 3) and a rerun asks again first.

--file reads one JSON object per line (- is stdin; blank lines and #
comments are skipped; a UTF-8 byte-order mark is dropped) as a stream, up
to ` + input.SizeName(batch.MaxSourceBytes) + `, each line up to ` + input.SizeName(batch.MaxDataBytes) + `.

--out FILE keeps the final result lines, one per RelateNumber across runs,
and its journal FILE.journal (0600) records the target and a synced intent
line before each Issue, as for the Tsr batches: a rerun with the same --out
(after a crash, SIGKILL, Ctrl-C) skips the RelateNumbers it settles, repeats
them on stdout with "skipped":true, and settles by ` + lookup.Name + ` those whose
Issue may have reached ECPay unanswered before sending anything.

Progress goes to stderr. SIGINT (Ctrl-C) or SIGTERM stops sending, lets the
calls in flight finish and exits 130; a second signal quits at once. ECPay
answers HTTP 403 to callers that are too fast, so --rate is conservative and
retries are off unless --retry is given.`,
		examples: []string{
			"ecpay-invoice issue --file invoices.jsonl --out results.jsonl",
			"ECPAY_MERCHANT_ID=… ECPAY_HASH_KEY=… ECPAY_HASH_IV=… ecpay-invoice issue --env prod --file invoices.jsonl --out results.jsonl",
			"ecpay-invoice issue --base-url http://127.0.0.1:8080 --file - --concurrency 8 --rate 0 < invoices.jsonl",
		},
	}
}
