package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"golang.org/x/time/rate"

	"github.com/ecpay-go/einvoice/wrapper"
)

// maxTsrLine bounds a line of the Tsr file; a Tsr has at most 30 characters.
const maxTsrLine = 64 << 10

var cancelHelp = help{
	usage: "cancel-delay-issue (--tsr TSR [--tsr TSR]... | --file FILE) [--out FILE] [flags]",
	about: `Cancels the delayed issuing of invoices, one CancelDelayIssue call per Tsr.
Stdout holds one JSON object per Tsr and nothing else:
  {"tsr":"…","ok":true,"rtn_code":1,"rtn_msg":"…"}
  {"tsr":"…","ok":false,"error":{"kind":"api","message":"…"},"rtn_code":…,"rtn_msg":"…"}
error.kind is validation, http, trans, api, decode or transport, with the
codes that apply (http_status, trans_code, trans_msg, rtn_code, rtn_msg).
--file reads one Tsr per line (- is stdin; blank lines and # comments are
skipped) as a stream. --out appends the same lines to FILE, each after its
answer arrived, and before each request a synced {"tsr":"…","sending":true}
line, so that a rerun can resume: Tsrs with a final result there (ok, or
refused: validation, trans, api) are skipped and repeated on stdout with
"skipped":true; transport, HTTP and decode failures are tried again. A Tsr
whose "sending" line has no answer (the run was killed with it in flight) is
sent again with "resent":true: if ECPay then refuses it as already
cancelled, the first attempt succeeded. Progress goes to stderr; Ctrl-C stops sending, lets the
calls in flight finish and exits 130; a second Ctrl-C quits at once.
ECPay has no idempotency key and answers HTTP 403 to callers that are too
fast, so --rate is conservative and retries are off unless --retry is given.`,
	examples: []string{
		"ecpay-invoice cancel-delay-issue --tsr 201909170001",
		"ECPAY_MERCHANT_ID=… ECPAY_HASH_KEY=… ECPAY_HASH_IV=… ecpay-invoice cancel-delay-issue --env prod --file tsrs.txt --out results.jsonl",
		"ecpay-invoice cancel-delay-issue --base-url http://127.0.0.1:8080 --file - --concurrency 8 --rate 0 < tsrs.txt",
	},
}

// repeated is a flag that may be given several times.
type repeated []string

func (r *repeated) String() string { return strings.Join(*r, ",") }

func (r *repeated) Set(v string) error {
	*r = append(*r, v)
	return nil
}

func runCancel(ctx context.Context, args []string, std stdio) int {
	fs := newFlagSet("cancel-delay-issue")
	var cf credentialFlags
	cf.register(fs)
	var nf networkFlags
	nf.register(fs)
	var tsrs repeated
	fs.Var(&tsrs, "tsr", "a `Tsr` to cancel; repeatable")
	file := fs.String("file", "", "read Tsrs from `FILE`, one per line (- for stdin)")
	out := fs.String("out", "", "append results to `FILE` and skip Tsrs it already settles (resume)")
	concurrency := fs.Int("concurrency", 4, "make at most `N` calls at once")
	rps := fs.Float64("rate", 5, "at most `R` requests per second; 0 for no limit")
	attempts := fs.Int("retry", 1, "make up to `N` attempts per Tsr, repeating only failures that provably never reached ECPay (a failed dial, HTTP 429 or 503)")
	if code, done := parse(fs, cancelHelp, args, std); done {
		return code
	}
	fail := func(err error) int { return usageFailure(fs.Name(), err, std.stderr) }
	switch {
	case len(tsrs) == 0 && *file == "":
		return fail(usagef("give --tsr or --file"))
	case len(tsrs) > 0 && *file != "":
		return fail(usagef("give --tsr or --file, not both"))
	case *concurrency < 1 || *concurrency > 256:
		return fail(usagef("--concurrency must be 1 to 256"))
	case *rps < 0:
		return fail(usagef("--rate must not be negative"))
	case *attempts < 0:
		return fail(usagef("--retry must not be negative"))
	}
	cred, err := cf.resolve(fs, std.getenv, true)
	if err != nil {
		return fail(err)
	}
	baseURL, err := nf.resolve(cf.env)
	if err != nil {
		return fail(err)
	}

	src, err := openTsrSource(tsrs, *file, std.stdin)
	if err != nil {
		return fail(err)
	}
	defer src.close()

	stop, abort := context.WithCancelCause(ctx)
	defer abort(nil)
	b := &batch{concurrency: *concurrency, stdout: std.stdout, stop: stop, abort: abort}
	if *rps > 0 {
		b.limiter = rate.NewLimiter(rate.Limit(*rps), 1)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = *concurrency
	send := &sender{next: &http.Client{Transport: transport}, stop: stop, abort: abort}
	opts := []wrapper.Option{wrapper.WithBaseURL(baseURL), wrapper.WithTimeout(nf.timeout), wrapper.WithHTTPClient(send)}
	if cred.platformID != "" {
		opts = append(opts, wrapper.WithPlatformID(cred.platformID))
	}
	if *attempts > 1 {
		opts = append(opts, wrapper.WithRetry(wrapper.RetryPolicy{MaxAttempts: *attempts}))
	}
	if b.client, err = wrapper.NewClient(cred.merchantID, cred.hashKey, cred.hashIV, opts...); err != nil {
		// wrapper's errors never quote the key or the IV.
		return fail(err)
	}
	// Last, once nothing else can fail: the journal holds the file's lock.
	if *out != "" {
		if b.journal, err = openJournal(*out, std.stderr); err != nil {
			return fail(usagef("--out: %v", err))
		}
		send.journal = b.journal
	}
	b.progress = newProgress(std.stderr)
	return b.run(src)
}

// tsrSource yields the Tsrs of a batch: the --tsr values, or the lines of
// --file, streamed.
type tsrSource struct {
	list  []string
	lines *lineReader
	name  string    // the file's name, for messages
	file  io.Closer // nil for stdin and --tsr
	count func() int64
}

// openTsrSource opens the Tsrs to process. count, when set, counts them in
// a second streaming pass (a regular file only), for the progress total.
func openTsrSource(list []string, path string, stdin io.Reader) (*tsrSource, error) {
	if path == "" {
		n := int64(len(list))
		return &tsrSource{list: list, count: func() int64 { return n }}, nil
	}
	src := &tsrSource{name: path}
	r := stdin
	if path == "-" {
		src.name = "stdin"
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, usagef("--file: %v", err)
		}
		src.file, r = f, f
	}
	src.lines = newLineReader(r, maxTsrLine)
	if f, ok := r.(*os.File); ok {
		if info, err := f.Stat(); err == nil && info.Mode().IsRegular() {
			if offset, err := f.Seek(0, io.SeekCurrent); err == nil {
				size := info.Size()
				src.count = func() int64 { return countTsrs(io.NewSectionReader(f, offset, size-offset)) }
			}
		}
	}
	return src, nil
}

func (s *tsrSource) close() {
	if s.file != nil {
		s.file.Close()
	}
}

// countTsrs counts the lines of r that next would yield as Tsrs.
func countTsrs(r io.Reader) int64 {
	lr := newLineReader(r, maxTsrLine)
	var n int64
	for {
		line, err := lr.next()
		if err != nil {
			return n
		}
		if _, ok := tsrOf(line, lr.tooLong); ok {
			n++
		}
	}
}

// tsrOf returns the Tsr a line holds: ok is false for blank lines and
// comments.
func tsrOf(line []byte, tooLong bool) (string, bool) {
	if tooLong {
		return "", true
	}
	s := strings.TrimSpace(string(line))
	if s == "" || strings.HasPrefix(s, "#") {
		return "", false
	}
	return s, true
}

// next returns the next Tsr, with the line it came from (0 for --tsr). A
// line too long to be a Tsr comes back with tooLong set and no Tsr.
func (s *tsrSource) next() (tsr string, line int, tooLong bool, err error) {
	if s.lines == nil {
		if len(s.list) == 0 {
			return "", 0, false, io.EOF
		}
		tsr, s.list = s.list[0], s.list[1:]
		return tsr, 0, false, nil
	}
	for {
		text, err := s.lines.next()
		if err != nil {
			if err != io.EOF {
				err = fmt.Errorf("reading %s: %w", s.name, err)
			}
			return "", 0, false, err
		}
		if tsr, ok := tsrOf(text, s.lines.tooLong); ok {
			return tsr, s.lines.number, s.lines.tooLong, nil
		}
	}
}
