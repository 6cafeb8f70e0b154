package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/ecpaysim/proxy"
	"github.com/ecpay-go/einvoice/internal/cmdline"
	"github.com/ecpay-go/einvoice/internal/suggest"
)

// flags are the values of the command line.
type flags struct {
	addr               string
	merchants, delayed cmdline.Repeated
	quiet, version     bool
	upstream           string
	upstreamTimeout    time.Duration
	record, replay     string
	merchantsFile      string
	maxInFlight        string
	failOnViolation    bool
	invoiceLimit       int
	notifyAnyHost      bool
	given              map[string]bool // the flags given, by name
}

// newFlagSet returns the flags ecpay-sim takes, which usage documents, and
// where Parse puts their values. Like package flag, which parsed them
// first, it stops at the first argument that is not a flag.
func newFlagSet() (*pflag.FlagSet, *flags) {
	f := &flags{}
	fs := pflag.NewFlagSet("ecpay-sim", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SetInterspersed(false)
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8080", "")
	fs.Var(&f.merchants, "merchant", "")
	fs.StringVar(&f.merchantsFile, "merchants-file", "", "")
	fs.Var(&f.delayed, "delayed", "")
	fs.StringVar(&f.upstream, "upstream", "", "")
	fs.DurationVar(&f.upstreamTimeout, "upstream-timeout", proxy.DefaultUpstreamTimeout, "")
	fs.StringVar(&f.record, "record", "", "")
	fs.StringVar(&f.replay, "replay", "", "")
	fs.StringVar(&f.maxInFlight, "max-in-flight", "", "")
	fs.BoolVar(&f.failOnViolation, "fail-on-violation", false, "")
	fs.IntVar(&f.invoiceLimit, "invoice-limit", ecpaysim.DefaultInvoiceLimit, "")
	fs.BoolVar(&f.notifyAnyHost, "notify-any-host", false, "")
	fs.BoolVar(&f.quiet, "quiet", false, "")
	fs.BoolVar(&f.version, "version", false, "")
	return fs, f
}

// modeProblem names a flag given in a mode it is not for, or "".
func (f *flags) modeProblem() string {
	proxy, replay := f.given["upstream"], f.given["replay"]
	switch {
	case proxy && replay:
		return "--replay and --upstream exclude each other: replay a recording, or proxy to an upstream"
	case f.given["record"] && !proxy:
		return "--record is for --upstream: it records what the proxy forwards (a replay already has its recording)"
	case f.given["upstream-timeout"] && !proxy:
		return "--upstream-timeout is for --upstream"
	case f.given["delayed"] && proxy:
		return "--delayed is for the simulator: with --upstream, the invoices are the upstream's"
	case f.given["delayed"] && replay:
		return "--delayed is for the simulator: with --replay, the answers are the recording's"
	case (f.given["invoice-limit"] || f.notifyAnyHost) && (proxy || replay):
		return "--invoice-limit and --notify-any-host are for the simulator: with --upstream or --replay, the invoices are the upstream's or the recording's"
	case f.given["max-in-flight"] && !proxy && !replay:
		return "--max-in-flight is for --upstream and --replay"
	case f.failOnViolation && !proxy && !replay:
		return "--fail-on-violation is for --upstream and --replay: the simulator's own answers never break the pages"
	}
	return ""
}

// parseSize reads a size as --max-in-flight takes it: a whole number of
// bytes, or of KiB, MiB or GiB ("64MiB").
func parseSize(s string) (int64, bool) {
	shift := 0
	for suffix, sh := range map[string]int{"KiB": 10, "MiB": 20, "GiB": 30} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			s, shift = n, sh
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64>>shift {
		return 0, false
	}
	return n << shift, true
}

// parseDelayed reads a --delayed value, TSR, TSR:FLAG or TSR:FLAG:DAYS, as
// an invoice of merchantID. A Tsr holding ':' cannot be given this way (use
// the admin API).
func parseDelayed(merchantID, v string) (ecpaysim.DelayedInvoice, error) {
	parts := strings.Split(v, ":")
	inv := ecpaysim.DelayedInvoice{MerchantID: merchantID, Tsr: parts[0]}
	if len(parts) > 3 {
		return inv, errors.New("want TSR, TSR:FLAG or TSR:FLAG:DAYS, at most three parts separated by ':'")
	}
	if len(parts) > 1 {
		switch parts[1] {
		case string(ecpaysim.DelayScheduled), string(ecpaysim.DelayTrigger):
			inv.DelayFlag = ecpaysim.DelayFlag(parts[1])
		default:
			return inv, errors.New("FLAG, the second part: want 1 (scheduled) or 2 (waits for a trigger)")
		}
	}
	if len(parts) > 2 {
		days, err := strconv.Atoi(parts[2])
		if err != nil || days < 0 {
			return inv, errors.New("DAYS, the third part: want a whole number of days, 0 or more")
		}
		inv.DelayDay = days
	}
	return inv, nil
}

// flagName is what a flag's name looks like; what does not may be a value
// given as a flag, and is not repeated.
var flagName = regexp.MustCompile(`^[a-z][a-z-]{0,30}$`)

// flagHint suggests the flag of fs nearest to the one err says fs does not
// have, or is "".
func flagHint(fs *pflag.FlagSet, err error) string {
	if notExist, ok := errors.AsType[*pflag.NotExistError](err); ok {
		return nearestFlag(fs, notExist.GetSpecifiedName())
	}
	return ""
}

// nearestFlag is "; did you mean --NAME?" for the flag of fs nearest to
// name (a flag mistyped, or written without its dashes), or "".
func nearestFlag(fs *pflag.FlagSet, name string) string {
	var names []string
	fs.VisitAll(func(f *pflag.Flag) { names = append(names, "--"+f.Name) })
	if near, ok := suggest.Closest(name, names); ok {
		return "; did you mean " + near + "?"
	}
	return ""
}

// flagProblem is the message of a parse error of args, naming the flag as
// --help spells it and the argument's position, never its value, which may
// hold a key.
func flagProblem(err error, args []string) string {
	if notExist, ok := errors.AsType[*pflag.NotExistError](err); ok {
		name := notExist.GetSpecifiedName()
		if !flagName.MatchString(name) {
			// Not a name: maybe a value given as a flag.
			return fmt.Sprintf("unknown flag in argument #%d (not shown)", failingArgument(args, err))
		}
		return fmt.Sprintf("unknown flag --%s", name)
	}
	if noValue, ok := errors.AsType[*pflag.ValueRequiredError](err); ok {
		return fmt.Sprintf("flag --%s needs a value", noValue.GetFlag().Name)
	}
	if invalid, ok := errors.AsType[*pflag.InvalidValueError](err); ok {
		want := "see --help"
		switch invalid.GetFlag().Value.Type() {
		case "duration":
			want = "want a duration, e.g. 30s"
		case "bool":
			want = "want true or false, or the flag alone"
		case "int":
			want = "want a whole number, e.g. 1000"
		}
		return fmt.Sprintf("--%s: invalid value in argument #%d (not shown): %s", invalid.GetFlag().Name, failingArgument(args, err), want)
	}
	return err.Error()
}

// failingArgument is the position in args (from 1) of the argument at
// which parsing them fails with err: the end of the shortest prefix of
// args that fails so.
func failingArgument(args []string, err error) int {
	for n := 1; n <= len(args); n++ {
		fs, _ := newFlagSet()
		if e := fs.Parse(args[:n]); e != nil && e.Error() == err.Error() {
			return n
		}
	}
	return len(args)
}
