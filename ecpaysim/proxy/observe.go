package proxy

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/ecpaysim/internal/serving"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/contract"
	"github.com/ecpay-go/einvoice/internal/logkeys"
	"github.com/ecpay-go/einvoice/internal/protocol"
)

// The modes of a Summary.
const (
	ModeProxy  = "proxy"
	ModeReplay = "replay"
)

// Summary counts what a Proxy or a Replay has seen, as GET /_sim/state
// answers it and ecpay-sim prints it when it stops.
type Summary struct {
	// Mode is ModeProxy or ModeReplay.
	Mode string
	// Upstream is the Proxy's upstream URL (it never holds user
	// information); "" for a Replay.
	Upstream string `json:",omitempty"`
	// Merchants are the IDs of the merchants whose Data is checked (never
	// their keys).
	Merchants []string
	// Exchanges counts the requests answered (the admin API's aside).
	Exchanges int
	// UpstreamFailures counts the exchanges whose upstream failed (for a
	// Replay, the recorded failures it replayed): not violations.
	UpstreamFailures int
	// Violations counts the violations of every exchange, and
	// ViolationsBySide by side and rule ("request" → "maxLength" → 2).
	Violations       int
	ViolationsBySide map[string]map[string]int
	// RecordingErrors counts the exchanges that could not be written to
	// the recording (WithRecording).
	RecordingErrors int `json:",omitempty"`
	// Replay has a Replay's counts; nil for a Proxy.
	Replay *ReplayCounts `json:",omitempty"`
}

// ReplayCounts are the counts of a Replay.
type ReplayCounts struct {
	// Loaded counts the exchanges read from the recording.
	Loaded int
	// Served counts the requests answered from the recording; Unmatched
	// those it had no answer for.
	Served, Unmatched int
}

// observer is what a Proxy and a Replay share: reading and checking each
// request, checking its answer, recording, counting and logging.
type observer struct {
	mode      string
	upstream  string // the Proxy's, for messages
	checker   *contract.Checker
	merchants map[string]*ecpaycrypto.Codec
	ids       []string
	clock     func() time.Time
	logger    *slog.Logger
	rec       *recorder // nil unless recording
	budget    *byteBudget

	mu     sync.Mutex // guards the fields below
	counts Summary
}

func newObserver(mode string, cfg *config) (*observer, error) {
	c, err := allViolations()
	if err != nil {
		return nil, fmt.Errorf("ecpaysim: loading the pages: %w", err)
	}
	o := &observer{
		mode:      mode,
		checker:   c,
		merchants: cfg.merchants.Codecs(),
		ids:       cfg.merchants.IDs(),
		clock:     cfg.clock,
		logger:    cfg.logger,
		counts:    Summary{Mode: mode, ViolationsBySide: map[string]map[string]int{}},
		budget:    &byteBudget{max: cmp.Or(cfg.maxInFlight, DefaultMaxInFlightBytes)},
	}
	if cfg.recording != nil {
		o.rec = &recorder{w: cfg.recording}
	}
	return o, nil
}

// observation is one exchange on its way through the observer.
type observation struct {
	ex         Exchange
	r          *http.Request
	start      time.Time
	op         *registry.Operation
	body       []byte             // the request body as received
	codec      *ecpaycrypto.Codec // the merchant's; nil if not configured
	keyed      []RecordedViolation
	merchantID string // the envelope's MerchantID, when a string
}

// sender produces the answer to a request: the upstream's (Proxy) or a
// recorded one (Replay). A *localAnswer error is an answer of the sender's
// own, any other error an upstream that did not answer.
type sender func(ob *observation) (*http.Response, error)

// localAnswer is an answer a Proxy or a Replay gives by itself: a text/plain
// refusal, recorded with a note, never checked against the pages.
type localAnswer struct {
	status     int
	msg        string // the body, after "ecpaysim: "
	note       string
	retryAfter string // the Retry-After header, if any
}

func (a *localAnswer) Error() string { return a.msg }

// serve handles one request: read and open it, get its answer from send,
// check both, record and count the exchange, and pass the answer on.
func (o *observer) serve(w http.ResponseWriter, r *http.Request, send sender) {
	ob := &observation{r: r, start: time.Now(), op: registry.ByPath(r.URL.Path)}
	// The query is not recorded: ECPay's API has none, and one may hold
	// anything (a token, a key).
	ob.ex = Exchange{Time: o.clock(), Method: r.Method, Path: r.URL.Path}
	ob.ex.Request.ContentType = r.Header.Get("Content-Type")
	if ob.op != nil {
		ob.ex.Operation = ob.op.Name
	}
	held := requestBytes(r)
	if !o.budget.take(held) {
		o.busy(w, ob)
		return
	}
	defer o.budget.give(held)
	body, refused := o.readRequestBody(w, r)
	if refused != nil {
		ob.ex.Request.Omitted = refused.msg
		o.answer(w, ob, refused)
		return
	}
	ob.body = body
	ob.ex.Request.setBody(body)
	o.openRequest(ob)
	resp, sendErr := send(ob)
	if sendErr != nil {
		local, ok := errors.AsType[*localAnswer](sendErr)
		if !ok {
			ob.ex.UpstreamFailure = sendErr.Error()
			local = &localAnswer{status: http.StatusBadGateway, msg: fmt.Sprintf("no answer from the upstream %s: %s", o.upstream, sendErr)}
		}
		o.answer(w, ob, local)
		return
	}
	defer resp.Body.Close()
	o.relay(w, ob, resp)
}

// readRequestBody reads a request's body, at most MaxBodyBytes, or returns
// the refusal of one that is larger or cannot be read.
func (o *observer) readRequestBody(w http.ResponseWriter, r *http.Request) ([]byte, *localAnswer) {
	not := "not forwarded"
	if o.mode == ModeReplay {
		not = "not answered"
	}
	body, err := serving.ReadLimited(w, r)
	switch {
	case errors.Is(err, serving.ErrTooLarge):
		return nil, &localAnswer{
			status: http.StatusRequestEntityTooLarge,
			msg:    fmt.Sprintf("the body is larger than %d MiB, the limit of this %s: %s", serving.MaxBodyBytes>>20, o.mode, not),
			note:   fmt.Sprintf("%s: the body is larger than %d MiB, the limit of the %s (answered 413)", not, serving.MaxBodyBytes>>20, o.mode),
		}
	case err != nil:
		return nil, &localAnswer{
			status: http.StatusBadRequest,
			msg:    "the body could not be read: " + not,
			note:   not + ": the body could not be read: " + err.Error(),
		}
	}
	return body, nil
}

// answer sends a, an answer of the observer's own, and records it.
func (o *observer) answer(w http.ResponseWriter, ob *observation, a *localAnswer) {
	if a.note != "" {
		ob.ex.Notes = append(ob.ex.Notes, a.note)
	}
	header, body := serving.Plain(a.msg)
	if a.retryAfter != "" {
		header.Set("Retry-After", a.retryAfter)
	}
	ob.ex.Response.Status = a.status
	ob.ex.Response.ContentType = header.Get("Content-Type")
	ob.ex.Response.setBody(body)
	o.finish(ob, false)
	serving.Write(w, a.status, header, body)
}

// relay passes resp on as it came, after checking it when it is at most
// protocol.MaxResponseBytes long (what the client reads); a longer one is
// streamed through unchecked, and one that breaks off is passed on as far
// as it came, then the connection to the caller is aborted.
func (o *observer) relay(w http.ResponseWriter, ob *observation, resp *http.Response) {
	m := &ob.ex.Response
	m.Status = resp.StatusCode
	m.ContentType = resp.Header.Get("Content-Type")
	const limit = protocol.MaxResponseBytes
	held := int64(limit + 1)
	if n := resp.ContentLength; n >= 0 && n <= limit {
		held = n
	}
	if !o.budget.take(held) {
		o.passUnchecked(w, ob, resp, nil, fmt.Sprintf("the %s held %d MiB of exchanges in flight, its bound", o.mode, o.budget.max>>20))
		return
	}
	defer o.budget.give(held)
	body, readErr := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	switch {
	case readErr != nil:
		m.setBody(body)
		ob.ex.UpstreamFailure = fmt.Sprintf("the answer broke off after %d bytes of its body: %s", len(body), readProblem(readErr))
		o.finish(ob, false)
		writeHead(w, resp)
		_, _ = w.Write(body)
		abort(w)
	case len(body) > limit:
		o.passUnchecked(w, ob, resp, body, "")
	default:
		o.openAnswer(ob, resp.Header, body)
		o.finish(ob, true)
		writeHead(w, resp)
		_, _ = w.Write(body)
	}
}

// passUnchecked passes resp on as it came, head the body of which was read
// already, without checking it: because it is larger than the client reads
// (why is ""), or for why.
func (o *observer) passUnchecked(w http.ResponseWriter, ob *observation, resp *http.Response, head []byte, why string) {
	m := &ob.ex.Response
	const limit = protocol.MaxResponseBytes
	writeHead(w, resp)
	_, _ = w.Write(head)
	src := &errReader{r: resp.Body}
	n, _ := io.Copy(w, src)
	if why == "" {
		m.Omitted = fmt.Sprintf("larger than %d MiB: passed on unchecked", limit>>20)
		ob.ex.UpstreamFailure = fmt.Sprintf("the answer is larger than %d MiB, what the client reads: passed on unchecked", limit>>20)
	} else {
		m.Omitted = "passed on unchecked: " + why
		ob.ex.Notes = append(ob.ex.Notes, "answer not checked: "+why)
		if m.Status < 200 || m.Status > 299 {
			ob.ex.UpstreamFailure = "HTTP " + statusLine(m.Status)
		}
	}
	if src.err != nil {
		broke := fmt.Sprintf("it broke off after %d bytes: %s", int64(len(head))+n, readProblem(src.err))
		if ob.ex.UpstreamFailure != "" {
			ob.ex.UpstreamFailure += "; " + broke
		} else {
			ob.ex.UpstreamFailure = "the answer broke off: " + broke
		}
	}
	o.finish(ob, false)
	if src.err != nil {
		abort(w)
	}
}

// openAnswer records a whole answer body and, for a 2xx, decrypts its Data.
func (o *observer) openAnswer(ob *observation, header http.Header, body []byte) {
	m := &ob.ex.Response
	decoded, omitted := decodeContent(header, body)
	if omitted != "" {
		m.Omitted = omitted
		ob.ex.Notes = append(ob.ex.Notes, "answer not checked: "+omitted)
	} else {
		m.setBody(decoded)
	}
	if m.Status < 200 || m.Status > 299 {
		if ob.ex.UpstreamFailure == "" { // a Replay's says what was recorded
			ob.ex.UpstreamFailure = "HTTP " + statusLine(m.Status)
		}
		return
	}
	if ob.codec == nil || m.Envelope == nil {
		return
	}
	env := members(m.Envelope)
	data, ok := unquote(env["Data"])
	if !transCodeOK(env) || !ok || data == "" {
		return
	}
	plaintext, err := ob.codec.Decrypt(data)
	if err != nil {
		ob.keyed = append(ob.keyed, decryptViolation(SideResponse, ob.merchantID, err))
		return
	}
	m.setPlaintext(plaintext)
}

// decodeContent returns body without its Content-Encoding, for checking
// and recording: gzip is decoded (up to protocol.MaxResponseBytes); any
// other encoding gives omitted, why it is not.
func decodeContent(header http.Header, body []byte) (decoded []byte, omitted string) {
	enc := strings.TrimSpace(strings.ToLower(header.Get("Content-Encoding")))
	switch enc {
	case "", "identity":
		return body, ""
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err == nil {
			decoded, err = io.ReadAll(io.LimitReader(zr, protocol.MaxResponseBytes+1))
		}
		switch {
		case err != nil:
			return nil, "its gzip Content-Encoding does not decode"
		case len(decoded) > protocol.MaxResponseBytes:
			return nil, fmt.Sprintf("decoded from gzip, it is larger than %d MiB", protocol.MaxResponseBytes>>20)
		}
		return decoded, ""
	}
	return nil, fmt.Sprintf("its Content-Encoding %q is not decoded here", serving.Truncate(enc, 40))
}

// openRequest decrypts the request's Data with its merchant's keys.
func (o *observer) openRequest(ob *observation) {
	env := members(ob.ex.Request.Envelope)
	id, ok := unquote(env["MerchantID"])
	if !ok {
		return // the schema's to report
	}
	ob.merchantID = id
	ob.codec = o.merchants[id]
	if ob.codec == nil {
		ob.ex.Notes = append(ob.ex.Notes, fmt.Sprintf("Data not checked, of the request or the answer: no keys for merchant %q", serving.Truncate(id, 40)))
		return
	}
	data, ok := unquote(env["Data"])
	if !ok || data == "" {
		return // the schema's to report
	}
	plaintext, err := ob.codec.Decrypt(data)
	if err != nil {
		ob.keyed = append(ob.keyed, decryptViolation(SideRequest, id, err))
		return
	}
	ob.ex.Request.setPlaintext(plaintext)
}

// decryptViolation is a Data that does not decrypt with the keys of the
// merchant (the request's).
func decryptViolation(side, merchantID string, err error) RecordedViolation {
	var f found
	f.add(side, WhereData, "", ruleDecrypt, fmt.Sprintf("Data does not decrypt with the HashKey and HashIV of merchant %s: %s", merchantID, serving.DecryptProblem(err)))
	return f[0]
}

// readProblem names why an answer's body broke off.
func readProblem(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "the upstream timeout ran out"
	}
	return err.Error()
}

// finish checks the exchange (the answer too when response is true: it is
// the upstream's), then records, counts and logs it.
func (o *observer) finish(ob *observation, response bool) {
	ob.ex.Duration = time.Since(ob.start)
	if ob.r.Context().Err() != nil {
		ob.ex.Notes = append(ob.ex.Notes, "the caller went away before the answer was ready")
	}
	vs, left := mergeViolations(ob.keyed, checkExchange(o.checker, &ob.ex, response))
	ob.ex.Violations = vs
	if left > 0 {
		ob.ex.Notes = append(ob.ex.Notes, fmt.Sprintf("%d more violations, not listed", left))
	}
	var recErr error
	if o.rec != nil {
		recErr = o.rec.write(safeMessages(&ob.ex, ob.codec))
	}
	o.mu.Lock()
	c := &o.counts
	c.Exchanges++
	if ob.ex.UpstreamFailure != "" {
		c.UpstreamFailures++
	}
	for _, v := range vs {
		byRule := c.ViolationsBySide[v.Side]
		if byRule == nil {
			byRule = map[string]int{}
			c.ViolationsBySide[v.Side] = byRule
		}
		byRule[ruleName(v.Rule)]++
		c.Violations++
	}
	if recErr != nil {
		c.RecordingErrors++
	}
	o.mu.Unlock()
	o.log(ob, recErr)
}

// ruleName is the key of a rule in Summary.ViolationsBySide.
func ruleName(rule string) string {
	if rule == "" {
		return "other"
	}
	return rule
}

// summary returns a copy of the counts.
func (o *observer) summary() Summary {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := o.counts
	s.Upstream = o.upstream
	s.Merchants = slices.Clone(o.ids)
	s.ViolationsBySide = make(map[string]map[string]int, len(o.counts.ViolationsBySide))
	for side, rules := range o.counts.ViolationsBySide {
		s.ViolationsBySide[side] = maps.Clone(rules)
	}
	if s.Replay != nil {
		r := *s.Replay
		s.Replay = &r
	}
	return s
}

// log writes the allow-listed summary of one exchange: never Data, bodies
// or keys.
func (o *observer) log(ob *observation, recErr error) {
	if o.logger == nil {
		return
	}
	ctx := ob.r.Context()
	if recErr != nil {
		o.logger.LogAttrs(ctx, slog.LevelError, "ecpaysim recording failed", slog.String(logkeys.Error, recErr.Error()))
	}
	attrs := []slog.Attr{
		slog.String(logkeys.Method, ob.ex.Method),
		slog.String(logkeys.Path, ob.ex.Path),
		slog.Int(logkeys.HTTPStatus, ob.ex.Response.Status),
		slog.Duration(logkeys.Duration, ob.ex.Duration),
	}
	if ob.ex.Operation != "" {
		attrs = append(attrs, slog.String(logkeys.Operation, ob.ex.Operation))
	}
	if serving.FitsMerchantID(ob.merchantID) {
		attrs = append(attrs, slog.String(logkeys.MerchantID, ob.merchantID))
	}
	env := members(ob.ex.Response.Envelope)
	if code, ok := jsonNumber(env["TransCode"]); ok {
		attrs = append(attrs, slog.Int(logkeys.TransCode, int(code)))
	}
	if code, ok := rtnCode(ob.ex.Response.Data); ok {
		attrs = append(attrs, slog.Int(logkeys.RtnCode, code))
	}
	if ob.ex.UpstreamFailure != "" {
		attrs = append(attrs, slog.String(logkeys.Upstream, ob.ex.UpstreamFailure))
	}
	attrs = append(attrs, slog.Int(logkeys.Violations, len(ob.ex.Violations)))
	o.logger.LogAttrs(ctx, slog.LevelInfo, "ecpaysim "+o.mode+" exchange", attrs...)
}

// rtnCode reads the RtnCode of a decrypted answer Data, a number or a
// string holding one.
func rtnCode(data []byte) (int, bool) {
	raw := members(data)["RtnCode"]
	if s, ok := unquote(raw); ok {
		raw = []byte(s)
	}
	n, err := strconv.Atoi(string(raw))
	return n, err == nil
}

// adminHandler serves GET /_sim/state with the Summary and refuses POST
// /_sim/delayed, which only the simulator has.
func (o *observer) adminHandler(refusal string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+serving.AdminPrefix+"state", func(w http.ResponseWriter, _ *http.Request) {
		serving.WriteJSON(w, http.StatusOK, o.summary())
	})
	mux.HandleFunc(serving.AdminPrefix+"delayed", func(w http.ResponseWriter, _ *http.Request) {
		header, body := serving.Plain(refusal)
		serving.Write(w, http.StatusNotFound, header, body)
	})
	return mux
}

// withAdmin serves the paths under AdminPrefix with admin and every other
// path with h, without a ServeMux, which would redirect a path that is not
// clean instead of letting h have it.
func withAdmin(admin, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, serving.AdminPrefix) {
			admin.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// writeHead sends the status and end-to-end headers of resp as they came,
// and no header of net/http's own (Date, a sniffed Content-Type).
func writeHead(w http.ResponseWriter, resp *http.Response) {
	h := w.Header()
	for k, v := range endToEnd(resp.Header) {
		h[k] = v
	}
	for _, k := range []string{"Content-Type", "Date"} {
		if _, ok := resp.Header[k]; !ok {
			h[k] = nil
		}
	}
	w.WriteHeader(resp.StatusCode)
}

// hopByHop are the headers that concern one connection, not the exchange
// (RFC 9110, section 7.6.1), which a proxy does not pass on.
var hopByHop = []string{"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// endToEnd returns a copy of h without its hop-by-hop headers, those the
// Connection header names included.
func endToEnd(h http.Header) http.Header {
	out := h.Clone()
	if out == nil {
		out = http.Header{}
	}
	for _, v := range h.Values("Connection") {
		for name := range strings.SplitSeq(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				out.Del(name)
			}
		}
	}
	for _, k := range hopByHop {
		out.Del(k)
	}
	return out
}

// abort sends what was written and breaks the connection to the caller,
// so that it sees an answer that broke off, as it did.
func abort(w http.ResponseWriter) {
	_ = http.NewResponseController(w).Flush()
	panic(http.ErrAbortHandler)
}

// errReader remembers the error of its reader, so that a copy tells a
// read error from a write error.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		e.err = err
	}
	return n, err
}

// statusLine is "502 Bad Gateway".
func statusLine(code int) string {
	if text := http.StatusText(code); text != "" {
		return strconv.Itoa(code) + " " + text
	}
	return strconv.Itoa(code)
}
