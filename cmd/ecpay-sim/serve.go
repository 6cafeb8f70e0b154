package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/ecpaysim/proxy"
	"github.com/ecpay-go/einvoice/internal/input"
	"github.com/ecpay-go/einvoice/internal/inspect"
	"github.com/ecpay-go/einvoice/internal/protocol"
)

// shutdownTimeout bounds the graceful shutdown after a signal (for a
// proxy, after the upstream timeout: an exchange in flight may have
// reached ECPay, and is waited for).
const shutdownTimeout = 5 * time.Second

// keepRequests is how many requests the simulator keeps (within
// ecpaysim.DefaultRequestBytes): only their count is shown, in /_sim/state
// and on shutdown.
const keepRequests = 1000

// service is what ecpay-sim serves in its mode: the simulator, a proxy or
// a replay.
type service struct {
	handler http.Handler
	// shutdown bounds the graceful shutdown.
	shutdown time.Duration
	// finish runs after the shutdown and returns the exit status.
	finish func() int
	// release frees what finish would, when there was nothing to serve.
	release func()
}

// serve listens on f.addr and serves svc until ctx ends.
func serve(ctx context.Context, f *flags, svc *service, logger *slog.Logger, stdout, stderr io.Writer) int {
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		hint := ""
		if errors.Is(err, syscall.EADDRINUSE) {
			hint = "; give another --addr, e.g. --addr 127.0.0.1:0 for a free port (the URL is the first line on stdout)"
		}
		fmt.Fprintf(stderr, "ecpay-sim: %v%s\n", err, hint)
		svc.release()
		return exitError
	}
	server := &http.Server{
		Handler:           svc.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          log.New(stderr, "ecpay-sim: ", 0),
	}
	served := make(chan error, 1)
	go func() { served <- server.Serve(ln) }()
	fmt.Fprintf(stdout, "http://%s\n", ln.Addr())
	if !f.quiet {
		// Not on stdout, whose one line scripts read.
		fmt.Fprintf(stderr, "ecpay-sim: the inspector is at http://%s%s (it answers this machine only)\n", ln.Addr(), inspect.Path)
	}

	select {
	case err := <-served:
		fmt.Fprintf(stderr, "ecpay-sim: %v\n", err)
		svc.release()
		return exitError
	case <-ctx.Done():
	}
	// One signal is enough: the calls in flight finish, within the
	// shutdown's bound, and ecpay-sim exits.
	if !f.quiet {
		logger.Info("ecpay-sim stopping", slog.String("reason", stopReason(ctx)))
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), svc.shutdown)
	defer cancel()
	code := exitOK
	if err := server.Shutdown(shutdownCtx); err != nil {
		fmt.Fprintf(stderr, "ecpay-sim: shutting down: %v\n", err)
		code = exitError
	}
	return max(code, svc.finish())
}

// simulatorService is the simulator, with the --delayed invoices.
func simulatorService(f *flags, firstMerchant string, opts []ecpaysim.Option, logger *slog.Logger, fail func(string, ...any) int) (*service, int) {
	if f.invoiceLimit < 1 {
		return nil, fail("--invoice-limit: want a whole number of at least 1, the issued invoices kept per merchant")
	}
	opts = append(opts, ecpaysim.WithRequestLimit(keepRequests), ecpaysim.WithInvoiceLimit(f.invoiceLimit))
	if f.notifyAnyHost {
		opts = append(opts, ecpaysim.WithNotifyAnyHost())
	}
	sim, err := ecpaysim.New(opts...)
	if err != nil {
		return nil, fail("%s", libraryMessage(err))
	}
	given := map[string]int{} // the --delayed of each Tsr
	for i, d := range f.delayed {
		inv, err := parseDelayed(firstMerchant, d)
		if first, ok := given[inv.Tsr]; ok && err == nil {
			// The library's error would quote the Tsr, a value.
			return nil, fail("--delayed #%d: its Tsr is already registered, by --delayed #%d", i+1, first)
		}
		given[inv.Tsr] = i + 1
		if err == nil {
			err = sim.AddInvoice(inv)
		}
		if err != nil {
			return nil, fail("--delayed #%d: %s", i+1, libraryMessage(err))
		}
	}
	return &service{handler: withInspector(sim.Handler(), inspect.Simulator(sim)), shutdown: shutdownTimeout, release: sim.Close, finish: func() int {
		sim.Close() // the notifications under way are cut short
		if !f.quiet {
			logger.Info("ecpay-sim stopped", slog.Int("requests", len(sim.Requests())), slog.Int("violations", len(sim.Violations())))
		}
		return exitOK
	}}, 0
}

// proxyService is the proxy to --upstream, recording to --record.
func proxyService(f *flags, shared []proxy.SharedOption, stderr io.Writer, fail func(string, ...any) int) (*service, int) {
	upstream, err := protocol.CheckBaseURL(f.upstream)
	if err != nil {
		return nil, fail("--upstream: %s", err)
	}
	if f.upstreamTimeout <= 0 {
		return nil, fail("--upstream-timeout: want a positive duration, e.g. 30s")
	}
	opts := []proxy.Option{proxy.WithUpstreamTimeout(f.upstreamTimeout)}
	for _, o := range shared {
		opts = append(opts, o)
	}
	var rec *os.File
	if f.record != "" {
		torn, err := proxy.RepairRecording(f.record)
		if err != nil {
			return nil, fail("--record: %s", libraryMessage(err))
		}
		if torn != nil {
			fmt.Fprintln(stderr, tornMessage(f.record, torn))
		}
		if rec, err = proxy.OpenRecording(f.record); err != nil {
			return nil, fail("--record: %s", libraryMessage(err))
		}
		opts = append(opts, proxy.WithRecording(rec))
	}
	p, err := proxy.New(upstream.String(), opts...)
	if err != nil {
		if rec != nil {
			rec.Close()
		}
		if errors.Is(err, protocol.ErrStageCredentials) {
			return nil, fail("--upstream: %v; give the merchant's own keys with ECPAY_SIM_MERCHANTS, --merchants-file or --merchant ID:HashKey:HashIV (without any, the proxy has the stage merchant)", errors.Unwrap(err))
		}
		return nil, fail("%s", libraryMessage(err))
	}
	closeRecording := func() error {
		if rec == nil {
			return nil
		}
		return rec.Close()
	}
	return &service{
		handler:  withInspector(p.Handler(), inspect.Proxy(proxy.ModeProxy, p)),
		shutdown: f.upstreamTimeout + shutdownTimeout,
		release:  func() { _ = closeRecording() },
		finish: func() int {
			p.CloseIdleConnections()
			code := printSummary(stderr, "proxy to "+upstream.String(), p.Summary(), f.failOnViolation)
			if err := closeRecording(); err != nil {
				fmt.Fprintf(stderr, "ecpay-sim: closing the recording: %v\n", err)
				code = exitError
			}
			return code
		},
	}, 0
}

// tornMessage says how RepairRecording mended the recording at path.
func tornMessage(path string, torn *proxy.TornLine) string {
	if torn.Whole {
		return fmt.Sprintf("ecpay-sim: --record %s: line %d, a whole exchange, had no newline: added one before appending", path, torn.Line)
	}
	return fmt.Sprintf("ecpay-sim: --record %s: line %d was cut off (%s without a newline, from an interrupted run): removed it before appending", path, torn.Line, plural(int(torn.Bytes), "byte"))
}

// maxReplayBytes bounds what --replay reads, proxy.MaxRecordingBytes; a
// variable so that a test can lower it.
var maxReplayBytes int64 = proxy.MaxRecordingBytes

// replayService is the replay of --replay. A signal (the end of ctx) while
// the recording loads, or while a FIFO waits for its writer, ends it before
// anything is served: nil and exitOK, as a signal ends ecpay-sim.
func replayService(ctx context.Context, f *flags, shared []proxy.SharedOption, stderr io.Writer, fail func(string, ...any) int) (*service, int) {
	in, err := input.Open(ctx, "--replay", f.replay, maxReplayBytes)
	var rp *proxy.Replay
	if err == nil {
		opts := make([]proxy.ReplayOption, len(shared))
		for i, o := range shared {
			opts[i] = o
		}
		rp, err = proxy.NewReplay(in, opts...)
		in.Close()
		if tooLarge, ok := errors.AsType[*input.TooLargeError](err); ok {
			err = tooLarge
		} else if err != nil {
			err = fmt.Errorf("--replay %s: %s", f.replay, libraryMessage(err))
		}
	}
	switch {
	case ctx.Err() != nil: // the load may have ended first: nothing is served all the same
		fmt.Fprintf(stderr, "ecpay-sim: --replay %s: stopped while loading the recording (%s): nothing served\n", f.replay, stopReason(ctx))
		return nil, exitOK
	case err != nil:
		// input's errors name the flag.
		return nil, fail("%s", err)
	}
	return &service{handler: withInspector(rp.Handler(), inspect.Proxy(proxy.ModeReplay, rp)), shutdown: shutdownTimeout, release: func() {}, finish: func() int {
		return printSummary(stderr, "replay of "+f.replay, rp.Summary(), f.failOnViolation)
	}}, 0
}

// printSummary writes what a proxy or a replay saw on w and returns the
// exit status it calls for.
func printSummary(w io.Writer, what string, s proxy.Summary, failOnViolation bool) int {
	fmt.Fprintf(w, "ecpay-sim: %s: %s, %s, %s\n", what,
		plural(s.Exchanges, "exchange"), plural(s.UpstreamFailures, "upstream failure"), plural(s.Violations, "violation"))
	if r := s.Replay; r != nil {
		fmt.Fprintf(w, "ecpay-sim:   %d served from the recording, %d unmatched; %s loaded\n", r.Served, r.Unmatched, plural(r.Loaded, "recorded exchange"))
	}
	for _, side := range []string{proxy.SideRequest, proxy.SideResponse} {
		rules := s.ViolationsBySide[side]
		if len(rules) == 0 {
			continue
		}
		var parts []string
		for _, rule := range slices.Sorted(maps.Keys(rules)) {
			parts = append(parts, fmt.Sprintf("%s %d", rule, rules[rule]))
		}
		fmt.Fprintf(w, "ecpay-sim:   %s violations by rule: %s\n", side, strings.Join(parts, ", "))
	}
	code := exitOK
	if s.RecordingErrors > 0 {
		fmt.Fprintf(w, "ecpay-sim: %s could not be written to the recording: it is incomplete\n", plural(s.RecordingErrors, "exchange"))
		code = exitError
	}
	if failOnViolation && s.Violations > 0 {
		fmt.Fprintf(w, "ecpay-sim: exit status 1: --fail-on-violation, and %s\n", plural(s.Violations, "violation"))
		code = exitError
	}
	return code
}

// plural is "1 exchange" or "2 exchanges".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// stopReason names what ended ctx: the signal, as signal.NotifyContext
// records it, or the context's error.
func stopReason(ctx context.Context) string {
	if cause := context.Cause(ctx); cause != nil {
		return cause.Error()
	}
	return "stopped"
}

// libraryMessage is err's message without the "ecpaysim: " every error of
// the library starts with, which would repeat ecpay-sim's own prefix.
func libraryMessage(err error) string {
	return strings.ReplaceAll(err.Error(), "ecpaysim: ", "")
}

// withInspector serves the inspector of src at inspect.Path and below it,
// and every other path with h.
func withInspector(h http.Handler, src inspect.Source) http.Handler {
	ui := inspect.Handler(src)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == inspect.Path || strings.HasPrefix(r.URL.Path, inspect.Path+"/") {
			ui.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}
