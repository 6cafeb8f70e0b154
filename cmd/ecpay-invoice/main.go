// Command ecpay-invoice calls ECPay's B2C e-invoice API from the shell, for
// every operation generated from the pages in openapi/ (see package
// generated/registry): one call with the JSON you give, a resumable batch
// over a file of Tsrs for each operation that needs nothing but a Tsr, or
// the issue batch over a file of Issue Data.
//
//	ecpay-invoice call TriggerIssue --data '{"Tsr":"201909170001","PayType":"2"}'
//	ecpay-invoice cancel-delay-issue --tsr 201909170001
//	ecpay-invoice trigger-issue --file tsrs.txt --out results.jsonl --concurrency 4 --rate 5
//	ecpay-invoice issue --file invoices.jsonl --out results.jsonl
//	echo '{"MerchantID":"2000132","Tsr":"T1"}' | ecpay-invoice encrypt
//	ecpay-invoice decrypt < data.txt
//	ecpay-invoice validate --request captured.json
//	ecpay-invoice demo
//
// The batch subcommands are named after their operation in kebab case
// (CancelDelayIssue is cancel-delay-issue, TriggerIssue is trigger-issue)
// and are made from the registry: an operation whose request Data has a Tsr,
// and whose other required fields (MerchantID aside, which the client fills
// in) each have a default or a single allowed value in its page, gets one
// when its page is added, with no code of its own. They share one engine:
// one JSON line per Tsr on stdout, and with --out a results file that a rerun
// resumes from, beside its crash-safety journal FILE.journal.
//
// issue runs the same engine over a file of Issue request Data, one JSON
// object per line, keyed by RelateNumber (package internal/batch,
// IssueOperation): each line is checked as the client checks it before it is
// sent, and an Issue whose answer was lost is settled by GetIssue by
// RelateNumber before anything is resent, so that no invoice is issued
// twice, however the run ends; each results line carries the InvoiceNo.
//
// Credentials come from --merchant-id, --hash-key, --hash-iv and
// --platform-id or from ECPAY_MERCHANT_ID, ECPAY_HASH_KEY, ECPAY_HASH_IV and
// ECPAY_PLATFORM_ID (flags win; prefer the environment, flags show in ps).
// Without any, --env stage (the default) uses ECPay's public test merchant;
// --env prod never defaults them. --base-url replaces the environment's URL,
// e.g. with a local simulator (cmd/ecpay-sim).
//
// Exit status: 0 all succeeded; 1 ECPay refused at least one request
// (TransCode or RtnCode); 2 usage error or invalid input, nothing sent for it;
// 3 transport, HTTP, decode or local I/O failure; 130 interrupted by SIGINT
// or SIGTERM before the command was done (every subcommand, even while it
// waits on a pipe). In a mixed batch the highest of 3, 2, 1 wins.
//
// Run ecpay-invoice <subcommand> --help for each subcommand's flags, and
// ecpay-invoice --version for the build. The command line is parsed by
// cobra: `ecpay-invoice completion bash` (zsh, fish, powershell) prints a
// script that completes, in that shell, the subcommands, each one's flags
// and, after call, the operations of the registry. A flag may be written
// with one dash (-tsr) as with two.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/ecpay-go/einvoice/internal/batch"
)

func main() {
	ctx, stop := interruptContext()
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// interruptContext returns a context that ends at the first SIGINT or
// SIGTERM, with an interruption as its cause, so a batch stops dispatching
// and lets its in-flight calls finish. A second signal exits at once: the
// results file and the journal stay consistent, because each line is written
// whole and an attempt is journalled before it is sent.
//
// SIGXFSZ (a file-size limit reached) needs nothing here: the Go runtime
// ignores it, so the write fails with EFBIG and the batch stops as for a full
// disk.
func interruptContext() (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig, ok := <-signals
		if !ok {
			return
		}
		cancel(batch.Interruption{Signal: sig})
		if again, ok := <-signals; ok {
			fmt.Fprintf(os.Stderr, "ecpay-invoice: %s again: quitting now\n", batch.SignalName(again))
			os.Exit(exitInterrupted)
		}
	}()
	return ctx, func() {
		signal.Stop(signals)
		close(signals)
		cancel(nil)
	}
}
