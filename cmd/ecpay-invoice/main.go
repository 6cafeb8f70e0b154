// Command ecpay-invoice calls ECPay's B2C e-invoice API from the shell.
//
//	ecpay-invoice cancel-delay-issue --tsr 201909170001
//	ecpay-invoice cancel-delay-issue --file tsrs.txt --out results.jsonl --concurrency 4 --rate 5
//	echo '{"MerchantID":"2000132","Tsr":"T1"}' | ecpay-invoice encrypt
//	ecpay-invoice decrypt < data.txt
//	ecpay-invoice validate --request captured.json
//	ecpay-invoice demo
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
// 3 transport, HTTP, decode or local I/O failure; 130 interrupted before the
// batch was done. In a mixed batch the highest of 3, 2, 1 wins.
//
// Run ecpay-invoice <subcommand> --help for each subcommand's flags.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := interruptContext()
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// interruptContext returns a context that ends at the first SIGINT or
// SIGTERM, so a batch stops dispatching and lets its in-flight calls finish.
// A second signal exits at once: the results file stays consistent, because
// each line is written whole and an attempt is journalled before it is sent.
func interruptContext() (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		if _, ok := <-signals; !ok {
			return
		}
		cancel()
		if _, ok := <-signals; ok {
			os.Exit(exitInterrupted)
		}
	}()
	return ctx, func() {
		signal.Stop(signals)
		close(signals)
		cancel()
	}
}
