package wrapper

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/generated"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/logkeys"
	"github.com/ecpay-go/einvoice/internal/protocol"
)

// ECPay's base URLs, from the servers every page lists (the shared overlay
// names them by host).
const (
	StageURL      = protocol.StageURL
	ProductionURL = protocol.ProductionURL
)

// ECPay's public stage merchant for e-invoice (MerchantID 2000132), from
// ECPay's developer pages: for trying the client against StageURL, never for
// production; NewClient refuses them with ProductionURL.
const (
	StageMerchantID = protocol.StageMerchantID
	StageHashKey    = protocol.StageHashKey
	StageHashIV     = protocol.StageHashIV
)

// Defaults of NewClient.
const (
	DefaultTimeout  = 30 * time.Second
	DefaultRevision = "3.0.0" // what ECPay's official SDK sends as RqHeader.Revision
)

// Result is ECPay's answer to a successful call whose inner answer type is
// T: <Operation>Result is Result of the operation's generated response type.
type Result[T any] struct {
	// RtnCode is a success code of the operation: 1, or for TriggerIssue
	// RtnCodeTriggered or RtnCodeIssued, which say what happened.
	RtnCode int
	// RtnMsg is the answer's, e.g. 取消開立發票成功, made safe to print as
	// APIError.RtnMsg is; Data holds it as sent.
	RtnMsg string

	// Data is the whole decrypted inner answer, as generated from the
	// page's responses.Data: fields ECPay adds arrive here with `go generate`.
	Data T
	// Envelope is the response envelope as received (its Data still
	// encrypted); its Data is nil when the answer's Data was a plain JSON
	// object, as ECPay answers GetIssueList (registry.Operation.PlainAnswerData).
	Envelope generated.ResponseEnvelope
	// Timestamp is the envelope's RpHeader.Timestamp; zero when absent.
	Timestamp time.Time

	// store holds what Envelope and Data point to.
	store answerStore
}

// HTTPDoer sends HTTP requests: an *http.Client, or anything wrapping one.
// It is the HttpRequestDoer of every generated page package.
type HTTPDoer interface {
	Do(req *http.Request) (*http.Response, error)
}

// Option configures NewClient.
type Option func(*config)

type config struct {
	baseURL    string
	doer       HTTPDoer
	platformID string
	revision   string
	now        func() time.Time
	timeout    time.Duration
	logger     *slog.Logger
	retry      RetryPolicy
	hooks      []AttemptHook
}

// WithBaseURL sends requests to baseURL instead of StageURL: ProductionURL
// (with the merchant's own credentials: NewClient refuses the stage
// merchant's on ECPay's production host), or another https URL, such as a
// proxy's; plain http only for a loopback host, such as a local
// simulator's (see CheckBaseURL). A path in it is kept as a prefix.
func WithBaseURL(baseURL string) Option { return func(c *config) { c.baseURL = baseURL } }

// WithHTTPClient sends requests through doer instead of the client's own
// http.Client, which follows redirects only within the same host and never
// from https to http (see CheckRedirect); doer's own policy applies instead.
func WithHTTPClient(doer HTTPDoer) Option { return func(c *config) { c.doer = doer } }

// WithPlatformID sets the envelope's PlatformID, for platform merchants
// contracted with ECPay (at most 10 characters). The request's MerchantID is
// then the bound sub-merchant's.
func WithPlatformID(platformID string) Option { return func(c *config) { c.platformID = platformID } }

// WithRevision sets RqHeader.Revision (default DefaultRevision); "" omits it.
func WithRevision(revision string) Option { return func(c *config) { c.revision = revision } }

// WithClock makes the client read the time from now instead of time.Now,
// for RqHeader.Timestamp and the clock-skew check.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithTimeout bounds each call, retries included (default DefaultTimeout; 0
// leaves only the context's deadline). ECPay's PHP SDK sets none and its
// users meet PHP's 30-second limit instead.
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithLogger makes the client write one debug record per call: operation,
// HTTP status, TransCode, RtnCode, attempts, duration and the kind of error.
// Records never hold the HashKey, the HashIV or any Data.
func WithLogger(logger *slog.Logger) Option { return func(c *config) { c.logger = logger } }

// WithRetry retries failures that provably never reached ECPay (see
// ShouldRetry) with exponential backoff and jitter, within the call's
// deadline. Each attempt gets a new Timestamp and Data. Off by default.
func WithRetry(p RetryPolicy) Option { return func(c *config) { c.retry = p } }

// Client calls ECPay's e-invoice operations: one method per operation
// generated from the pages in openapi/ (CancelDelayIssue, TriggerIssue, …),
// and Call for any of them by name. It is safe for concurrent use; one Client
// serves a whole program.
//
// Every call goes through the same core: an empty inner MerchantID is filled
// with the client's, and any other empty member (absent, nil or "") whose
// page gives it a default or allows it a single value is filled with that
// value (a value the caller gave is never changed); the request is checked against the page's spec before
// anything is sent (a *ValidationError otherwise); it is sealed in ECPay's
// envelope with a fresh Timestamp; the answer is read up to
// MaxResponseBytes, its envelope checked (TransCode), its Data decrypted and
// decoded, and its RtnCode compared with the operation's success codes.
//
// A failure is a *ValidationError (nothing sent), *HTTPError, *TransError
// (envelope rejected), *APIError (ECPay refused), *DecodeError (unreadable
// answer) or *TransportError; each names the operation.
type Client struct {
	merchantID string
	codec      *ecpaycrypto.Codec
	doer       HTTPDoer
	ops        []*opState // by registry index
	endpoints  []string   // by registry index
	platformID *string
	revision   *string
	now        func() time.Time
	timeout    time.Duration
	logger     *slog.Logger
	retry      RetryPolicy
	hooks      []AttemptHook
}

// NewClient returns a Client for the merchant merchantID (1–10 characters)
// whose HashKey and HashIV (16 bytes each) are given, talking to StageURL
// unless WithBaseURL says otherwise. It checks every argument and option up
// front; errors never quote the key or the IV. A base URL on ECPay's
// production host (that of ProductionURL) with the stage merchant's ID, key
// or IV is an error: production is reached only with a merchant's own
// credentials.
func NewClient(merchantID, hashKey, hashIV string, opts ...Option) (*Client, error) {
	cfg := config{
		baseURL:  StageURL,
		revision: DefaultRevision,
		now:      time.Now,
		timeout:  DefaultTimeout,
	}
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	ops, err := loadOperations()
	if err != nil {
		return nil, err
	}
	if merchantID == "" {
		return nil, errors.New("ecpay: NewClient: the MerchantID is empty; give the merchant's ECPay MerchantID (StageMerchantID for ECPay's stage)")
	}
	for _, field := range []struct{ name, value string }{{"MerchantID", merchantID}, {"PlatformID", cfg.platformID}, {"Revision", cfg.revision}} {
		if !utf8.ValidString(field.value) {
			return nil, fmt.Errorf("ecpay: NewClient: the %s holds bytes that are not UTF-8 (JSON would send them as U+FFFD); give it as UTF-8", field.name)
		}
		if field.value == "" || field.name == "Revision" {
			continue
		}
		if err := checkEnvelopeField(ops, field.name, field.value); err != nil {
			return nil, fmt.Errorf("ecpay: NewClient: %w", err)
		}
	}
	codec, err := ecpaycrypto.New(hashKey, hashIV)
	if err != nil {
		return nil, err
	}
	base, err := CheckBaseURL(cfg.baseURL)
	if err != nil {
		return nil, fmt.Errorf("ecpay: WithBaseURL: %w", err)
	}
	if err := protocol.CheckCredentials(base, merchantID, hashKey, hashIV); err != nil {
		return nil, fmt.Errorf("ecpay: NewClient: %w", err)
	}
	if cfg.now == nil {
		return nil, errors.New("ecpay: WithClock needs a non-nil function")
	}
	if cfg.timeout < 0 {
		return nil, fmt.Errorf("ecpay: WithTimeout(%v): the timeout must not be negative", cfg.timeout)
	}
	if err := cfg.retry.check(); err != nil {
		return nil, err
	}
	if cfg.doer == nil {
		cfg.doer = newHTTPClient()
	}
	if cfg.logger == nil {
		cfg.logger = slog.New(slog.DiscardHandler)
	}
	c := &Client{
		merchantID: merchantID,
		codec:      codec,
		doer:       cfg.doer,
		ops:        ops,
		now:        cfg.now,
		timeout:    cfg.timeout,
		logger:     cfg.logger,
		retry:      cfg.retry.withDefaults(),
		hooks:      cfg.hooks,
	}
	prefix := strings.TrimSuffix(base.String(), "/")
	for _, st := range ops {
		c.endpoints = append(c.endpoints, prefix+st.op.Path)
	}
	if cfg.platformID != "" {
		c.platformID = &cfg.platformID
	}
	if cfg.revision != "" {
		c.revision = &cfg.revision
	}
	return c, nil
}

// call is the typed core behind every generated method.
func call[Req, Resp any](ctx context.Context, c *Client, op *registry.Operation, req *Req) (*Result[Resp], error) {
	res := new(Result[Resp])
	a, err := c.run(ctx, c.ops[op.Index()], req, &res.Data, &res.store, false)
	if err != nil {
		return nil, err
	}
	res.RtnCode, res.RtnMsg, res.Envelope, res.Timestamp = a.rtnCode, a.rtnMsg, *a.envelope, a.when
	return res, nil
}

// Call calls the operation named operation (see registry.Names) with data,
// the JSON of its request Data: the typed core of the generated methods, for
// callers that hold JSON, such as the CLI. data is decoded strictly into the
// operation's generated request type: one JSON object, nothing after it,
// each member named exactly as the page names it and given once; text that
// JSON decoding would turn into U+FFFD (bytes that are not UTF-8, a lone
// surrogate escape) or that stands for bytes already replaced (the escape
// \ufffd, which encoding/json writes for them) is refused. Each of these is
// a *ValidationError naming the member, and nothing is sent; an operation
// of another name is a plain error. An absent or empty MerchantID is the
// client's, and another absent or empty member is filled from the page when
// it gives a default or a single allowed value (see Client). The result's Data is the decrypted answer exactly as ECPay sent
// it.
func (c *Client) Call(ctx context.Context, operation string, data json.RawMessage) (*Result[json.RawMessage], error) {
	st, req, err := c.decodeCall(operation, data)
	if err != nil {
		return nil, err
	}
	resp := st.newResponse()
	res := new(Result[json.RawMessage])
	a, err := c.run(ctx, st, req, resp, &res.store, true)
	if err != nil {
		return nil, err
	}
	res.RtnCode, res.RtnMsg, res.Data, res.Envelope, res.Timestamp = a.rtnCode, a.rtnMsg, a.inner, *a.envelope, a.when
	return res, nil
}

// ValidateCall reports whether Call would send data for operation: nil, or
// the error Call would return before sending anything. Nothing is sent.
func (c *Client) ValidateCall(operation string, data json.RawMessage) error {
	st, req, err := c.decodeCall(operation, data)
	if err != nil {
		return err
	}
	_, _, err = c.prepare(st, req)
	return err
}

// Validate reports whether the method for req's operation would send req: nil,
// or the *ValidationError it would return. req is an <Operation>Request (or a
// pointer to one, which is not changed); any other value, or a nil pointer,
// is a plain error. Nothing is sent; a batch uses it to keep invalid requests
// off its rate limit.
func (c *Client) Validate(req any) error {
	st, ptr, err := c.requestOf(req)
	if err != nil {
		return err
	}
	_, _, err = c.prepare(st, ptr)
	return err
}

// run makes the call of st with req (a pointer to its request type),
// decoding the answer into resp (a pointer to its response type) and store
// (the Result's), and logs it. keepInner keeps the decrypted Data in
// answered.inner. The call goes through its phases in x: prepare
// (prepare.go), then per attempt seal (seal.go), send (send.go) and open
// (open.go).
func (c *Client) run(ctx context.Context, st *opState, req, resp any, store *answerStore, keepInner bool) (answered, error) {
	start := time.Now()
	x := exchange{c: c, st: st, resp: resp, store: store, keepInner: keepInner}
	err := x.do(ctx, req)
	if c.logger.Enabled(ctx, slog.LevelDebug) {
		c.log(ctx, st, &x.out, time.Since(start), err)
	}
	if err != nil {
		return answered{}, err
	}
	return x.ans, nil
}

// log writes the call's one debug record. Only these allow-listed values go
// in: no key, IV, Data or Tsr.
func (c *Client) log(ctx context.Context, st *opState, o *outcome, d time.Duration, err error) {
	attrs := []slog.Attr{
		slog.String(logkeys.Operation, st.op.Name),
		slog.Int(logkeys.Attempts, o.attempts),
		slog.Int(logkeys.HTTPStatus, o.status),
		slog.Duration(logkeys.Duration, d),
	}
	if o.transCode != nil {
		attrs = append(attrs, slog.Int(logkeys.TransCode, *o.transCode))
	}
	if o.rtnCode != nil {
		attrs = append(attrs, slog.Int(logkeys.RtnCode, *o.rtnCode))
	}
	if err != nil {
		attrs = append(attrs, slog.String(logkeys.Error, ErrorKind(err)))
	}
	c.logger.LogAttrs(ctx, slog.LevelDebug, "ecpay call", attrs...)
}
