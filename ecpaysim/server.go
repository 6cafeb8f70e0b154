package ecpaysim

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/generated"
	"github.com/ecpay-go/einvoice/internal/contract"
)

// ECPay's public stage credentials for e-invoice. A Server made without
// WithMerchant serves this merchant alone.
const (
	StageMerchantID = "2000132"
	StageHashKey    = "ejCk326UnaZWKisg"
	StageHashIV     = "q9jcZX8Ib9LM8wYk"
)

const (
	// MaxBodyBytes is the largest request body a Server reads (1 MiB);
	// a larger one gets HTTP 413.
	MaxBodyBytes = 1 << 20
	// TimestampWindow is how far RqHeader.Timestamp may be from the
	// Server's clock, in either direction, as ECPay documents.
	TimestampWindow = 10 * time.Minute
)

// Length limits of the spec the simulator needs when it builds answers and
// registers invoices.
const (
	maxMessageRunes    = 200 // TransMsg and RtnMsg
	maxMerchantIDRunes = 10  // MerchantID and PlatformID
	maxTsrRunes        = 30  // Tsr
)

// Server is the simulator: an http.Handler that serves
// POST /B2CInvoice/CancelDelayIssue as ECPay does. Make it with New; all its
// methods are safe for concurrent use, also while it serves requests.
type Server struct {
	merchants map[string]*ecpaycrypto.Codec
	ids       []string // merchant IDs in the order they were configured
	clock     func() time.Time
	tb        testing.TB
	logger    *slog.Logger
	keep      int // WithRequestLimit; 0 keeps every request
	contract  *contract.Checker
	handler   http.Handler

	mu         sync.Mutex // guards the fields below
	invoices   map[invoiceKey]*invoice
	order      []invoiceKey // registration order, for Invoices
	requests   []ReceivedRequest
	faults     []Fault
	violations []error
}

// Option configures a Server made by New or NewServer.
type Option func(*config) error

type config struct {
	merchants []merchant
	clock     func() time.Time
	tb        testing.TB
	logger    *slog.Logger
	keep      int
}

// merchant is a configured merchant. The key and IV stay in the config,
// which lives only while a Server is made, for NewServer's client; the
// Server keeps the codec alone.
type merchant struct {
	id              string
	hashKey, hashIV string
	codec           *ecpaycrypto.Codec
}

// WithMerchant adds a merchant the Server accepts, with the HashKey and HashIV
// its Data is encrypted under. Repeat it for several merchants; without it the
// Server has the stage merchant (StageMerchantID). The merchant ID must be 1
// to 10 characters and unique; HashKey and HashIV must be 16 bytes each. An
// error names the merchant and the length at fault, never a key.
func WithMerchant(merchantID, hashKey, hashIV string) Option {
	return func(c *config) error {
		if n := utf8.RuneCountInString(merchantID); n == 0 || n > maxMerchantIDRunes {
			return fmt.Errorf("ecpaysim: merchant ID %q must be 1 to %d characters", merchantID, maxMerchantIDRunes)
		}
		for _, m := range c.merchants {
			if m.id == merchantID {
				return fmt.Errorf("ecpaysim: merchant %s is configured twice", merchantID)
			}
		}
		codec, err := ecpaycrypto.New(hashKey, hashIV)
		if err != nil {
			return fmt.Errorf("ecpaysim: merchant %s: %w", merchantID, err)
		}
		c.merchants = append(c.merchants, merchant{id: merchantID, hashKey: hashKey, hashIV: hashIV, codec: codec})
		return nil
	}
}

// WithClock makes the Server read the time from now instead of time.Now: it
// checks RqHeader.Timestamp and stamps RpHeader.Timestamp with it.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("ecpaysim: WithClock needs a non-nil function")
		}
		c.clock = now
		return nil
	}
}

// WithTB makes every violation (see Server.Violations) also fail tb with
// tb.Errorf, so a simulator bug cannot pass unnoticed. NewServer sets it.
func WithTB(tb testing.TB) Option {
	return func(c *config) error {
		c.tb = tb
		return nil
	}
}

// WithLogger makes the Server log one line per answer on logger: method,
// path, HTTP status, TransCode, RtnCode, merchant, Tsr and duration; never
// Data, keys or bodies. Without it the Server does not log.
func WithLogger(logger *slog.Logger) Option {
	return func(c *config) error {
		c.logger = logger
		return nil
	}
}

// WithRequestLimit makes the Server keep only the n most recent requests for
// Requests, so a long-running simulator does not grow without bound. Zero,
// the default, keeps them all.
func WithRequestLimit(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return fmt.Errorf("ecpaysim: WithRequestLimit(%d): want 0 (no limit) or more", n)
		}
		c.keep = n
		return nil
	}
}

// New returns a Server configured by opts, with the spec loaded and its
// validators built. It fails only on a bad option or, which would be a bug in
// package generated, a spec that does not load.
func New(opts ...Option) (*Server, error) {
	cfg, err := configure(opts)
	if err != nil {
		return nil, err
	}
	return newServer(cfg)
}

// configure applies opts and the defaults.
func configure(opts []Option) (*config, error) {
	cfg := &config{clock: time.Now}
	var errs []error
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(cfg); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(cfg.merchants) == 0 {
		if err := WithMerchant(StageMerchantID, StageHashKey, StageHashIV)(cfg); err != nil {
			return nil, err
		}
	}
	return cfg, nil
}

func newServer(cfg *config) (*Server, error) {
	c, err := contract.New()
	if err != nil {
		return nil, err
	}
	s := &Server{
		merchants: make(map[string]*ecpaycrypto.Codec, len(cfg.merchants)),
		clock:     cfg.clock,
		tb:        cfg.tb,
		logger:    cfg.logger,
		keep:      cfg.keep,
		contract:  c,
		invoices:  make(map[invoiceKey]*invoice),
	}
	for _, m := range cfg.merchants {
		s.merchants[m.id] = m.codec
		s.ids = append(s.ids, m.id)
	}
	strict := generated.NewStrictHandlerWithOptions(strictAPI{s}, nil, generated.StrictHTTPServerOptions{
		RequestErrorHandlerFunc:  s.answerUndecodable,
		ResponseErrorHandlerFunc: s.answerHandlerError,
	})
	s.handler = generated.HandlerWithOptions(strict, generated.StdHTTPServerOptions{
		BaseRouter:  http.NewServeMux(),
		Middlewares: []generated.MiddlewareFunc{s.endpoint},
	})
	return s, nil
}

// ServeHTTP answers POST /B2CInvoice/CancelDelayIssue; other paths get 404
// and other methods 405. See the package documentation for what it checks.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// Merchants returns the IDs of the configured merchants, in the order they
// were given to New.
func (s *Server) Merchants() []string {
	return slices.Clone(s.ids)
}

// Violations returns the simulator's own bugs seen so far, oldest first: each
// answer that would have violated the spec (it was replaced by a
// TransCodeInternalError answer) and each panic while answering. A test of
// the simulator expects none.
func (s *Server) Violations() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.violations)
}

// violation records err and fails the Server's testing.TB, if it has one.
func (s *Server) violation(err error) {
	s.mu.Lock()
	s.violations = append(s.violations, err)
	s.mu.Unlock()
	if s.tb != nil {
		s.tb.Errorf("ecpaysim: %v", err)
	}
	if s.logger != nil {
		s.logger.Error("ecpaysim violation", slog.String("error", err.Error()))
	}
}
