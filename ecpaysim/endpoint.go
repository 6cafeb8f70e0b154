package ecpaysim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/ecpay-go/einvoice/ecpaysim/internal/serving"
	"github.com/ecpay-go/einvoice/generated"
	"github.com/ecpay-go/einvoice/internal/contract"
	"github.com/ecpay-go/einvoice/internal/logkeys"
	"github.com/ecpay-go/einvoice/internal/protocol"
	"github.com/ecpay-go/einvoice/lenient"
)

// exchange is one request to the endpoint on its way through the Server: the
// record being built and what the later steps need from the earlier ones.
type exchange struct {
	// lost is the connection of an answer a LoseAnswer fault loses, closed
	// once the exchange is recorded.
	lost  net.Conn
	rec   ReceivedRequest
	route *contract.Route
	// plainData is the Data of an accepted answer sent as it is, not
	// encrypted (see plain.go); nil for every other answer.
	plainData []byte
	// echo is what error answers repeat from the request envelope.
	merchantID *lenient.String
	platformID *string
	// baseURL is the URL the client reached the Server at.
	baseURL string
}

type exchangeKey struct{}

// exchangeFrom returns the exchange the endpoint middleware put in ctx, or a
// fresh one, so the handler works even if it were called another way.
func exchangeFrom(ctx context.Context) *exchange {
	if ex, ok := ctx.Value(exchangeKey{}).(*exchange); ok {
		return ex
	}
	return &exchange{}
}

// answer is an HTTP answer built in memory, so that it can be validated
// before a byte of it is sent.
type answer struct {
	status int
	header http.Header
	body   bytes.Buffer
	// checked answers are ECPay answers and must satisfy the spec; the
	// simulator's HTTP 4xx and injected faults are not.
	checked bool
}

func (a *answer) Header() http.Header { return a.header }

func (a *answer) Write(p []byte) (int, error) {
	if a.status == 0 {
		a.status = http.StatusOK
	}
	return a.body.Write(p)
}

func (a *answer) WriteHeader(status int) {
	if a.status == 0 {
		a.status = status
	}
}

func newAnswer(checked bool) *answer {
	return &answer{header: make(http.Header), checked: checked}
}

// endpoint is the middleware around the generated strict handler. It reads
// and screens the body (4xx for what is not a JSON request), applies an
// injected fault, validates the envelope against the spec, lets the handler
// answer into memory, validates that answer and only then sends it. It
// records every request, and turns a panic into a TransCodeInternalError
// answer and a violation instead of a broken connection or a 500.
func (s *Server) endpoint(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ex := &exchange{}
		tw := &trackingWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				s.violation(fmt.Errorf("panic while answering %s %s: %v", r.Method, r.URL.Path, p))
				if !tw.wrote {
					// Unchecked: validation may be what panicked. The
					// internal-error answer's validity is tested instead.
					s.write(tw, ex, s.transError(ex, TransCodeInternalError, transMsgInternalError))
				}
			}
			s.record(ex)
			s.log(r, ex, time.Since(start))
			if ex.lost != nil {
				ex.lost.Close()
			}
		}()
		ex.rec.Received = s.Now()
		ex.baseURL = s.base(r)
		s.serveExchange(tw, r, ex, next)
	})
}

// serveExchange does the endpoint's work for one request; see endpoint.
func (s *Server) serveExchange(w *trackingWriter, r *http.Request, ex *exchange, next http.Handler) {
	// The unwrapped writer lets MaxBytesReader close the connection
	// after a too-large body.
	body, status, msg := readBody(w.ResponseWriter, r)
	ex.rec.Body = body
	if status != 0 {
		s.send(w, r, ex, plainAnswer(status, msg))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r = r.WithContext(context.WithValue(r.Context(), exchangeKey{}, ex))

	// The envelope is decoded here only for the answers given before the
	// handler, which decodes it for the others (see serve): one decode
	// per request.
	if f, ok := s.nextFault(); ok {
		ex.decodeEnvelope(body)
		s.recordFaulted(ex, r.URL.Path)
		ex.rec.Fault = &f
		if protocol.Sleep(r.Context(), f.Delay) != nil {
			ex.rec.Answer.Abandoned = true
			return
		}
		if a := s.faultAnswer(ex, f); a != nil {
			s.send(w, r, ex, a)
			return
		}
	}

	route, err := s.contract.Request(r.Context(), r)
	ex.route = route
	if route != nil {
		ex.rec.Operation = route.Op.Name
	}
	if err != nil {
		ex.decodeEnvelope(body)
		s.send(w, r, ex, s.transError(ex, TransCodeInvalidEnvelope, s.detail(transMsgInvalidEnvelope, err)))
		return
	}
	a := newAnswer(true)
	next.ServeHTTP(a, r)
	switch {
	case a.status == 0:
		a = s.internalError(ex, errors.New("the handler wrote no answer"))
	case ex.plainData != nil:
		a = s.plainAnswer(ex)
	}
	if f := ex.rec.Fault; f != nil && f.LoseAnswer {
		s.loseAnswer(w.ResponseWriter, ex, a)
		return
	}
	s.send(w, r, ex, a)
}

// trackingWriter remembers whether anything was sent, so that a panic
// is answered only when no answer has begun.
type trackingWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *trackingWriter) WriteHeader(status int) {
	w.wrote = true
	w.ResponseWriter.WriteHeader(status)
}

func (w *trackingWriter) Write(p []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(p)
}

// readBody returns the body of a request to the endpoint or the admin API,
// or the HTTP status and message to reject it with: 415 unless it is
// application/json, 413 if it is larger than MaxBodyBytes, 400 if it cannot
// be read or is not JSON.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, int, string) {
	if !serving.IsJSONType(r.Header.Get("Content-Type")) {
		return nil, http.StatusUnsupportedMediaType, httpMsgContentType
	}
	body, err := serving.ReadLimited(w, r)
	switch {
	case errors.Is(err, serving.ErrTooLarge):
		return nil, http.StatusRequestEntityTooLarge, httpMsgTooLarge
	case err != nil:
		return nil, http.StatusBadRequest, httpMsgUnreadable
	case !json.Valid(body):
		return body, http.StatusBadRequest, httpMsgNotJSON
	}
	return body, 0, ""
}

// decodeEnvelope records body as a request envelope when it decodes as one
// (see setEnvelope).
func (ex *exchange) decodeEnvelope(body []byte) {
	var env generated.RequestEnvelope
	if json.Unmarshal(body, &env) == nil {
		ex.setEnvelope(&env)
	}
}

// setEnvelope records env as the request envelope and keeps the MerchantID
// and PlatformID that answers may echo: only values the response schema
// allows, so an echo cannot make an answer invalid.
func (ex *exchange) setEnvelope(env *generated.RequestEnvelope) {
	ex.rec.Envelope = env
	if serving.FitsMerchantID(env.MerchantID) {
		id := lenient.String(env.MerchantID)
		ex.merchantID = &id
	}
	if env.PlatformID != nil && serving.FitsMerchantID(*env.PlatformID) {
		ex.platformID = env.PlatformID
	}
}

// send validates a (if it is an ECPay answer), replaces it with a
// TransCodeInternalError answer if it violates the spec, writes it to w and
// records it.
func (s *Server) send(w http.ResponseWriter, r *http.Request, ex *exchange, a *answer) {
	if a.checked {
		if err := s.checkAnswer(r, ex, a); err != nil {
			a = s.internalError(ex, fmt.Errorf("answer violates the spec: %w", err))
			if err := s.checkAnswer(r, ex, a); err != nil {
				s.violation(fmt.Errorf("the internal-error answer violates the spec: %w", err))
			}
		}
	}
	s.write(w, ex, a)
}

// write sends a as it is and records it in ex.
func (s *Server) write(w http.ResponseWriter, ex *exchange, a *answer) {
	ex.rec.Answer.StatusCode = a.status
	ex.rec.Answer.Body = a.body.Bytes()
	writeAnswer(w, a)
}

// checkAnswer validates a against the spec as an answer to r.
func (s *Server) checkAnswer(r *http.Request, ex *exchange, a *answer) error {
	route := ex.route
	if route == nil {
		// The request was answered before it was validated (an injected
		// TransCode error, a panic): route it now, for the answer's sake.
		var err error
		if route, err = s.contract.Route(r); err != nil {
			return err
		}
	}
	return s.contract.Response(r.Context(), route, a.status, a.header, a.body.Bytes())
}

// internalError records err as a violation and returns the
// TransCodeInternalError answer that replaces the faulty one.
func (s *Server) internalError(ex *exchange, err error) *answer {
	s.violation(err)
	return s.transError(ex, TransCodeInternalError, transMsgInternalError)
}

// plainAnswer is an HTTP error outside the ECPay protocol.
func plainAnswer(status int, msg string) *answer {
	a := newAnswer(false)
	var body []byte
	a.header, body = serving.Plain(msg)
	a.status = status
	a.body.Write(body)
	return a
}

// transError returns an ECPay answer rejecting the envelope: HTTP 200, the
// TransCode and TransMsg, "Data": "" and an RpHeader with the time.
func (s *Server) transError(ex *exchange, code int, msg string) *answer {
	a := newAnswer(true)
	a.header.Set("Content-Type", "application/json")
	a.status = http.StatusOK
	if err := json.NewEncoder(&a.body).Encode(s.rejection(ex, code, msg)); err != nil {
		// Encoding a struct of strings and ints cannot fail; should it
		// ever, the empty answer fails validation and is replaced.
		a.body.Reset()
	}
	return a
}

// rejection returns the envelope of a TransCode error and records it in ex.
func (s *Server) rejection(ex *exchange, code int, msg string) generated.ResponseEnvelope {
	return s.envelope(ex, code, serving.Truncate(msg, s.limits.TransMsg), "", nil, nil)
}

// envelope returns an ECPay answer envelope and records it in ex. ECPay's
// Data is empty, never null, when TransCode is not 1.
func (s *Server) envelope(ex *exchange, transCode int, transMsg, data string, plaintext []byte, inner map[string]any) generated.ResponseEnvelope {
	ts := int(s.Now().Unix())
	env := generated.ResponseEnvelope{
		MerchantID: ex.merchantID,
		PlatformID: ex.platformID,
		RpHeader:   &generated.RpHeader{Timestamp: &ts},
		TransCode:  &transCode,
		TransMsg:   &transMsg,
		Data:       &data,
	}
	ex.rec.Answer.Envelope = &env
	ex.rec.Answer.TransCode = transCode
	ex.rec.Answer.Plaintext = plaintext
	ex.rec.Answer.Data = inner
	ex.rec.Answer.RtnCode = 0
	if code, ok := inner["RtnCode"].(int); ok {
		ex.rec.Answer.RtnCode = code
	}
	return env
}

// answerUndecodable is the strict handler's RequestErrorHandlerFunc: the body
// matched the schema but does not decode into the generated envelope (for
// example a Timestamp of 1e3 or beyond the int range). ECPay rejects such an
// envelope with a TransCode, not an HTTP error.
func (s *Server) answerUndecodable(w http.ResponseWriter, r *http.Request, err error) {
	ex := exchangeFrom(r.Context())
	writeAnswer(w, s.transError(ex, TransCodeInvalidEnvelope, s.detail(transMsgInvalidEnvelope, err)))
}

// answerHandlerError is the strict handler's ResponseErrorHandlerFunc. The
// handler never returns an error, so reaching it is a bug: a violation and a
// TransCodeInternalError answer instead of the generated 500.
func (s *Server) answerHandlerError(w http.ResponseWriter, r *http.Request, err error) {
	ex := exchangeFrom(r.Context())
	writeAnswer(w, s.internalError(ex, fmt.Errorf("the strict handler failed: %w", err)))
}

// log writes the allow-listed summary of one exchange.
func (s *Server) log(r *http.Request, ex *exchange, d time.Duration) {
	if s.logger == nil {
		return
	}
	attrs := []slog.Attr{
		slog.String(logkeys.Method, r.Method),
		slog.String(logkeys.Path, r.URL.Path),
		slog.Int(logkeys.HTTPStatus, ex.rec.Answer.StatusCode),
		slog.Duration(logkeys.Duration, d),
	}
	if ex.rec.Operation != "" {
		attrs = append(attrs, slog.String(logkeys.Operation, ex.rec.Operation))
	}
	if ex.merchantID != nil {
		attrs = append(attrs, slog.String(logkeys.MerchantID, string(*ex.merchantID)))
	}
	if tsr, ok := stringField(ex.rec.Data, "Tsr"); ok {
		attrs = append(attrs, slog.String(logkeys.Tsr, tsr))
	}
	if ex.rec.Answer.TransCode != 0 {
		attrs = append(attrs, slog.Int(logkeys.TransCode, ex.rec.Answer.TransCode))
	}
	if ex.rec.Answer.RtnCode != 0 {
		attrs = append(attrs, slog.Int(logkeys.RtnCode, ex.rec.Answer.RtnCode))
	}
	if ex.rec.Fault != nil {
		attrs = append(attrs, slog.Bool(logkeys.Fault, true))
	}
	if ex.rec.Answer.Abandoned {
		attrs = append(attrs, slog.Bool(logkeys.Abandoned, true))
	}
	s.logger.LogAttrs(r.Context(), slog.LevelInfo, "ecpaysim answer", attrs...)
}

// base returns the URL the client of r reached the Server at: WithBaseURL's,
// else the scheme and Host of r.
func (s *Server) base(r *http.Request) string {
	if s.baseURL != "" {
		return s.baseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
