package wrapper

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/generated"
)

// ECPay's base URLs, from the servers of its spec.
const (
	StageURL      = generated.ServerURLStage
	ProductionURL = generated.ServerURLProduction
)

// Defaults of NewClient.
const (
	DefaultTimeout  = 30 * time.Second
	DefaultRevision = "3.0.0" // what ECPay's official SDK sends as RqHeader.Revision
)

// CancelDelayIssueRequest is the plaintext inside the request's Data:
// MerchantID (filled from the client when empty) and Tsr, the transaction
// number the delayed invoice was issued with. It is the generated type
// itself, so a field ECPay adds to its spec arrives with `go generate`.
type CancelDelayIssueRequest = generated.CancelDelayIssueRequestData

// CancelDelayIssueResult is ECPay's answer to a successful cancel.
type CancelDelayIssueResult struct {
	RtnCode int    // 1
	RtnMsg  string // e.g. 取消開立發票成功

	// Data is the whole decrypted inner response, as generated from the
	// spec's responses.Data: fields ECPay adds arrive here with `go generate`.
	Data generated.CancelDelayIssueResponseData
	// Envelope is the response envelope as received (its Data still encrypted).
	Envelope generated.ResponseEnvelope
	// Timestamp is the envelope's RpHeader.Timestamp; zero when absent.
	Timestamp time.Time
}

// Option configures NewClient.
type Option func(*config)

type config struct {
	baseURL    string
	doer       generated.HttpRequestDoer
	platformID string
	revision   string
	now        func() time.Time
	timeout    time.Duration
	logger     *slog.Logger
	retry      RetryPolicy
}

// WithBaseURL sends requests to baseURL instead of StageURL: ProductionURL,
// or any http or https URL such as a local simulator's. A path in it is kept
// as a prefix.
func WithBaseURL(baseURL string) Option { return func(c *config) { c.baseURL = baseURL } }

// WithHTTPClient sends requests through doer instead of a new http.Client.
func WithHTTPClient(doer generated.HttpRequestDoer) Option { return func(c *config) { c.doer = doer } }

// WithPlatformID sets the envelope's PlatformID, for platform merchants
// contracted with ECPay (at most 10 characters). The request's MerchantID is
// then the bound sub-merchant's.
func WithPlatformID(platformID string) Option { return func(c *config) { c.platformID = platformID } }

// WithRevision sets RqHeader.Revision (default DefaultRevision); "" omits it.
func WithRevision(revision string) Option { return func(c *config) { c.revision = revision } }

// WithClock makes the client read the time from now instead of time.Now,
// for RqHeader.Timestamp and the clock-skew check.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithTimeout bounds each CancelDelayIssue call, retries included (default
// DefaultTimeout; 0 leaves only the context's deadline). ECPay's PHP SDK sets
// none and its users meet PHP's 30-second limit instead.
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithLogger makes the client write one debug record per call: operation,
// HTTP status, TransCode, RtnCode, attempts, duration and error. Records
// never hold the HashKey, the HashIV or any Data.
func WithLogger(logger *slog.Logger) Option { return func(c *config) { c.logger = logger } }

// WithRetry retries failures that provably never reached ECPay (see
// ShouldRetry) with exponential backoff and jitter, within the call's
// deadline. Each attempt gets a new Timestamp and Data. Off by default.
func WithRetry(p RetryPolicy) Option { return func(c *config) { c.retry = p } }

// Client calls ECPay's CancelDelayIssue. It is safe for concurrent use; one
// Client serves a whole program.
type Client struct {
	merchantID string
	codec      *ecpaycrypto.Codec
	api        *generated.Client
	schemas    *schemas
	platformID *string
	revision   *string
	now        func() time.Time
	timeout    time.Duration
	logger     *slog.Logger
	retry      RetryPolicy
}

// NewClient returns a Client for the merchant merchantID (1–10 characters)
// whose HashKey and HashIV (16 bytes each) are given, talking to StageURL
// unless WithBaseURL says otherwise. It checks every argument and option up
// front; errors never quote the key or the IV.
func NewClient(merchantID, hashKey, hashIV string, opts ...Option) (*Client, error) {
	cfg := config{
		baseURL:  StageURL,
		revision: DefaultRevision,
		now:      time.Now,
		timeout:  DefaultTimeout,
	}
	for _, opt := range opts {
		opt(&cfg)
	}
	s, err := loadSchemas()
	if err != nil {
		return nil, err
	}
	if err := s.validateEnvelopeField("MerchantID", merchantID); err != nil {
		return nil, err
	}
	if cfg.platformID != "" {
		if err := s.validateEnvelopeField("PlatformID", cfg.platformID); err != nil {
			return nil, err
		}
	}
	codec, err := ecpaycrypto.New(hashKey, hashIV)
	if err != nil {
		return nil, err
	}
	if err := checkBaseURL(cfg.baseURL); err != nil {
		return nil, err
	}
	if cfg.now == nil {
		return nil, errors.New("ecpay: WithClock needs a non-nil function")
	}
	if cfg.timeout < 0 {
		return nil, fmt.Errorf("ecpay: WithTimeout(%v): the timeout must not be negative", cfg.timeout)
	}
	if cfg.retry.MaxAttempts > 1 {
		if cfg.retry.InitialBackoff <= 0 {
			cfg.retry.InitialBackoff = 500 * time.Millisecond
		}
		if cfg.retry.MaxBackoff <= 0 {
			cfg.retry.MaxBackoff = 10 * time.Second
		}
	}
	if cfg.doer == nil {
		cfg.doer = &http.Client{}
	}
	if cfg.logger == nil {
		cfg.logger = slog.New(slog.DiscardHandler)
	}
	api, err := generated.NewClient(cfg.baseURL, generated.WithHTTPClient(cfg.doer))
	if err != nil {
		return nil, fmt.Errorf("ecpay: %w", err)
	}
	c := &Client{
		merchantID: merchantID,
		codec:      codec,
		api:        api,
		schemas:    s,
		now:        cfg.now,
		timeout:    cfg.timeout,
		logger:     cfg.logger,
		retry:      cfg.retry,
	}
	if cfg.platformID != "" {
		c.platformID = &cfg.platformID
	}
	if cfg.revision != "" {
		c.revision = &cfg.revision
	}
	return c, nil
}

func checkBaseURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("ecpay: base URL %q does not parse: %w", raw, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("ecpay: base URL %q must be an http or https URL with a host, e.g. %s", raw, StageURL)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("ecpay: base URL %q must not have a query or fragment", raw)
	}
	return nil
}

// CancelDelayIssue cancels the delayed issuing of the invoice req.Tsr. An
// empty req.MerchantID is the client's. The request is checked against
// ECPay's spec before anything is sent.
//
// On failure the error is a *ValidationError (nothing sent), *HTTPError,
// *TransError (envelope rejected), *APIError (ECPay refused the cancel),
// *DecodeError (unreadable answer) or *TransportError; see their docs.
func (c *Client) CancelDelayIssue(ctx context.Context, req CancelDelayIssueRequest) (*CancelDelayIssueResult, error) {
	start := time.Now()
	var o outcome
	res, err := c.cancelDelayIssue(ctx, req, &o)
	if c.logger.Enabled(ctx, slog.LevelDebug) {
		c.log(ctx, &o, time.Since(start), err)
	}
	return res, err
}

// outcome collects what the call's log record reports.
type outcome struct {
	attempts  int
	status    int
	transCode *int
	rtnCode   *int
}

// Validate reports whether CancelDelayIssue would send req: nil, or the
// *ValidationError it would return. Nothing is sent. A batch can use it to
// skip invalid requests before spending a rate-limit slot on them.
func (c *Client) Validate(req CancelDelayIssueRequest) error {
	_, err := c.prepare(&req)
	return err
}

// prepare fills in the client's MerchantID when req has none, and returns
// req's plaintext JSON once it passes requestBody.Data.
func (c *Client) prepare(req *CancelDelayIssueRequest) ([]byte, error) {
	if req.MerchantID == "" {
		req.MerchantID = c.merchantID
	}
	plaintext, err := json.Marshal(req)
	if err != nil {
		return nil, &ValidationError{Field: "Data", Rule: "type", Reason: err.Error()}
	}
	if err := c.schemas.validateRequest(req, plaintext); err != nil {
		return nil, err
	}
	return plaintext, nil
}

func (c *Client) cancelDelayIssue(ctx context.Context, req CancelDelayIssueRequest, o *outcome) (*CancelDelayIssueResult, error) {
	plaintext, err := c.prepare(&req)
	if err != nil {
		return nil, err
	}
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	for {
		o.attempts++
		res, err := c.attempt(ctx, req.MerchantID, plaintext, o)
		if err == nil || o.attempts >= c.retry.MaxAttempts || !retryable(o.status, err) {
			return res, err
		}
		if err := sleep(ctx, c.retry.backoff(o.attempts+1)); err != nil {
			return nil, &TransportError{Attempts: o.attempts, Err: err}
		}
	}
}

// retryable applies ShouldRetry to an attempt's error.
func retryable(status int, err error) bool {
	var te *TransportError
	if errors.As(err, &te) {
		return ShouldRetry(0, te.Err)
	}
	var he *HTTPError
	return errors.As(err, &he) && ShouldRetry(status, nil)
}

// attempt makes one exchange with ECPay.
func (c *Client) attempt(ctx context.Context, merchantID string, plaintext []byte, o *outcome) (*CancelDelayIssueResult, error) {
	env := generated.RequestEnvelope{
		MerchantID: merchantID,
		PlatformID: c.platformID,
		RqHeader:   generated.RqHeader{Revision: c.revision},
	}
	if err := seal(c.codec, &env, plaintext, c.now()); err != nil {
		return nil, &ValidationError{Field: "Data", Rule: "encoding", Reason: err.Error()}
	}
	body, err := json.Marshal(&env)
	if err != nil {
		return nil, &ValidationError{Field: "Data", Rule: "encoding", Reason: err.Error()}
	}
	resp, err := c.api.CancelDelayIssueWithBody(ctx, "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, &TransportError{Attempts: o.attempts, Err: err}
	}
	defer resp.Body.Close()
	o.status = resp.StatusCode
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// Drain a little so the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		return nil, &HTTPError{StatusCode: resp.StatusCode}
	}
	raw, err := readBody(resp.Body)
	if err != nil {
		var de *DecodeError
		if errors.As(err, &de) {
			return nil, err
		}
		return nil, &TransportError{Attempts: o.attempts, Err: err}
	}
	renv, err := decodeEnvelope(raw)
	if err != nil {
		return nil, err
	}
	o.transCode = renv.TransCode
	when := responseTime(&renv)
	var clockSkew time.Duration
	if !when.IsZero() {
		clockSkew = skew(when, c.now())
	}
	if *renv.TransCode != 1 {
		return nil, &TransError{TransCode: *renv.TransCode, TransMsg: deref(renv.TransMsg), ClockSkew: clockSkew}
	}
	inner, err := openData(c.codec, renv.Data)
	if err != nil {
		return nil, err
	}
	res := &CancelDelayIssueResult{Envelope: renv, Timestamp: when}
	if err := json.Unmarshal(inner, &res.Data); err != nil {
		return nil, &DecodeError{Problem: "decrypted Data is not the expected JSON", Err: err}
	}
	if res.Data.RtnCode == nil {
		return nil, &DecodeError{Problem: "decrypted Data has no RtnCode"}
	}
	res.RtnCode = int(*res.Data.RtnCode)
	o.rtnCode = &res.RtnCode
	res.RtnMsg = deref(res.Data.RtnMsg)
	if res.RtnCode != 1 {
		return nil, &APIError{RtnCode: res.RtnCode, RtnMsg: res.RtnMsg, ClockSkew: clockSkew}
	}
	return res, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// log writes the call's one debug record. Only these allow-listed values go
// in: no key, IV, Data or Tsr.
func (c *Client) log(ctx context.Context, o *outcome, d time.Duration, err error) {
	attrs := []slog.Attr{
		slog.String("operation", "CancelDelayIssue"),
		slog.Int("attempts", o.attempts),
		slog.Int("http_status", o.status),
		slog.Duration("duration", d),
	}
	if o.transCode != nil {
		attrs = append(attrs, slog.Int("trans_code", *o.transCode))
	}
	if o.rtnCode != nil {
		attrs = append(attrs, slog.Int("rtn_code", *o.rtnCode))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", errorKind(err)))
	}
	c.logger.LogAttrs(ctx, slog.LevelDebug, "ecpay call", attrs...)
}

// errorKind names the class of err: validation, http, trans, api, decode
// or transport.
func errorKind(err error) string {
	var (
		ve *ValidationError
		he *HTTPError
		te *TransError
		ae *APIError
		de *DecodeError
	)
	switch {
	case errors.As(err, &ve):
		return "validation"
	case errors.As(err, &he):
		return "http"
	case errors.As(err, &te):
		return "trans"
	case errors.As(err, &ae):
		return "api"
	case errors.As(err, &de):
		return "decode"
	default:
		return "transport"
	}
}
