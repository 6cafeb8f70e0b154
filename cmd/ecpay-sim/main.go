// Command ecpay-sim serves the ECPay e-invoice simulator of package ecpaysim
// over HTTP, for clients in any language and for manual testing:
//
//	go run ./cmd/ecpay-sim --addr 127.0.0.1:8080 \
//		--merchant 2000132:ejCk326UnaZWKisg:q9jcZX8Ib9LM8wYk --delayed TSR1 --delayed TSR2
//
// The first line on stdout, printed once it listens, is the base URL, e.g.
// http://127.0.0.1:8080 (with --addr 127.0.0.1:0 the port is a free one).
// POST {URL}/B2CInvoice/CancelDelayIssue is ECPay's endpoint; the admin API
// (not ECPay's) registers invoices and shows the state:
//
//	curl -d '{"MerchantID":"2000132","Tsr":"TSR3"}' -H 'Content-Type: application/json' {URL}/_sim/delayed
//	curl {URL}/_sim/state
//
// Flags:
//
//	--addr host:port   where to listen (default 127.0.0.1:8080)
//	--merchant ID:HashKey:HashIV
//	                   a merchant to accept; repeatable (default the stage
//	                   merchant 2000132)
//	--delayed Tsr      a pending delayed invoice of the first merchant; repeatable
//	--quiet            do not log each answer on stderr
//
// Logs go to stderr and never hold keys or Data. SIGINT or SIGTERM shuts the
// server down gracefully, with exit status 0; bad flags exit with status 2
// after one line on stderr.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/ecpay-go/einvoice/ecpaysim"
)

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1 // the server could not run, e.g. the port is taken
	exitUsage = 2 // bad flags
)

// shutdownTimeout bounds the graceful shutdown after a signal.
const shutdownTimeout = 5 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// repeated is a flag that may be given several times. Its Set never fails,
// so the flag package never quotes a value (which could hold a key) in an
// error; values are checked after parsing.
type repeated []string

func (r *repeated) String() string { return strings.Join(*r, ",") }

func (r *repeated) Set(v string) error {
	*r = append(*r, v)
	return nil
}

// run parses args, serves until ctx ends and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ecpay-sim", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addr := fs.String("addr", "127.0.0.1:8080", "host:port to listen on; port 0 picks a free port")
	var merchants, delayed repeated
	fs.Var(&merchants, "merchant", "a merchant to accept, as `ID:HashKey:HashIV`; repeatable (default the stage merchant "+ecpaysim.StageMerchantID+")")
	fs.Var(&delayed, "delayed", "register `Tsr` as a pending delayed invoice of the first merchant; repeatable")
	quiet := fs.Bool("quiet", false, "do not log each answer on stderr")
	fail := func(format string, args ...any) int {
		msg := strings.ReplaceAll(fmt.Sprintf(format, args...), "\n", "; ")
		fmt.Fprintf(stderr, "ecpay-sim: %s (ecpay-sim -h for help)\n", msg)
		return exitUsage
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fmt.Fprintln(stdout, "usage: ecpay-sim [--addr host:port] [--merchant ID:HashKey:HashIV]... [--delayed Tsr]... [--quiet]")
			fs.PrintDefaults()
			return exitOK
		}
		return fail("%v", err)
	}
	if fs.NArg() > 0 {
		return fail("unexpected argument %q", fs.Arg(0))
	}
	if _, _, err := net.SplitHostPort(*addr); err != nil {
		return fail("--addr %q: %v", *addr, err)
	}

	opts := []ecpaysim.Option{ecpaysim.WithRequestLimit(1000)}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	if !*quiet {
		opts = append(opts, ecpaysim.WithLogger(logger))
	}
	firstMerchant := ecpaysim.StageMerchantID
	for i, m := range merchants {
		parts := strings.Split(m, ":")
		if len(parts) != 3 {
			// The value is not repeated: it may hold a key.
			return fail("--merchant #%d: want ID:HashKey:HashIV, three parts separated by ':', got %d parts", i+1, len(parts))
		}
		if i == 0 {
			firstMerchant = parts[0]
		}
		opts = append(opts, ecpaysim.WithMerchant(parts[0], parts[1], parts[2]))
	}
	sim, err := ecpaysim.New(opts...)
	if err != nil {
		// ecpaysim's errors name the merchant and the length at fault, never a key.
		return fail("%v", err)
	}
	for _, tsr := range delayed {
		if err := sim.AddDelayedInvoice(firstMerchant, tsr); err != nil {
			return fail("--delayed: %v", err)
		}
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "ecpay-sim: %v\n", err)
		return exitError
	}
	mux := http.NewServeMux()
	mux.Handle(ecpaysim.AdminPrefix, sim.AdminHandler())
	mux.Handle("/", sim)
	server := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          log.New(stderr, "ecpay-sim: ", 0),
	}
	served := make(chan error, 1)
	go func() { served <- server.Serve(ln) }()
	fmt.Fprintf(stdout, "http://%s\n", ln.Addr())

	select {
	case err := <-served:
		fmt.Fprintf(stderr, "ecpay-sim: %v\n", err)
		return exitError
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := server.Shutdown(shutdownCtx); err != nil {
		fmt.Fprintf(stderr, "ecpay-sim: shutting down: %v\n", err)
		return exitError
	}
	if !*quiet {
		logger.Info("ecpay-sim stopped", slog.Int("requests", len(sim.Requests())), slog.Int("violations", len(sim.Violations())))
	}
	return exitOK
}
