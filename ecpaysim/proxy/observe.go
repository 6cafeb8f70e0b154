package proxy

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/ecpaysim/internal/serving"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/contract"
	"github.com/ecpay-go/einvoice/internal/logkeys"
)

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
	kept      keptLog

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
		merchants: cfg.Merchants.Codecs(),
		ids:       cfg.Merchants.IDs(),
		clock:     cfg.Clock,
		logger:    cfg.Logger,
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
	safe := safeMessages(&ob.ex, ob.codec)
	if o.rec != nil {
		recErr = o.rec.write(safe)
	}
	o.kept.add(*safe)
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
