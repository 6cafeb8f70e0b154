package main

import (
	"context"
	"fmt"

	"github.com/ecpay-go/einvoice/internal/demo"
	"github.com/spf13/pflag"
)

var demoHelp = help{
	usage: "demo",
	about: `Starts the ECPay simulator (package ecpaysim) in this process on a loopback
port and tells the life of an invoice through the typed client (package
wrapper), one call a step: each step is one narrated line, then ECPay's
answer, its Data decrypted from the envelope, as compact JSON. ECPay's SDK
example invoice is issued (Issue) and looked up (GetIssue); an allowance is
made against it (Allowance); a void is refused while the allowance stands
(Invalid, RtnCode 5070450, a *wrapper.APIError that errors.Is classifies as
wrapper.ErrConflict); the allowance is voided (AllowanceInvalid), then the
invoice (Invalid). Then two delayed invoices (DelayIssue): one is triggered
and issued (TriggerIssue, RtnCode 4000004, a success though not 1) and found
by its RelateNumber (GetIssue), the other cancelled (CancelDelayIssue).
The simulator checks every request and every answer
against its operation's page; the demo fails if an answer broke one. It uses
ECPay's public stage merchant and needs no network and no credentials.`,
	examples: []string{"ecpay-invoice demo"},
}

// defineDemo returns the run of demo, which has no flags.
func defineDemo(*pflag.FlagSet) runFunc { return runDemo }

func runDemo(ctx context.Context, _ []string, std stdio) int {
	if err := demo.Run(ctx, std.stdout); err != nil {
		if ctx.Err() != nil {
			fmt.Fprintf(std.stderr, "ecpay-invoice demo: stopped: %v\n", context.Cause(ctx))
			return exitInterrupted
		}
		fmt.Fprintf(std.stderr, "ecpay-invoice demo: %v\n", err)
		return exitFailure
	}
	return exitOK
}
