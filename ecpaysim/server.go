package ecpaysim

import (
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/ecpaysim/internal/ledger"
	"github.com/ecpay-go/einvoice/ecpaysim/internal/notifier"
	"github.com/ecpay-go/einvoice/ecpaysim/internal/serving"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/contract"
	"github.com/ecpay-go/einvoice/internal/logkeys"
	"github.com/ecpay-go/einvoice/internal/protocol"
	"github.com/ecpay-go/einvoice/notify"
)

// ECPay's public stage credentials for e-invoice (the client's, too).
// A Server made without WithMerchant serves this merchant alone.
const (
	StageMerchantID = protocol.StageMerchantID
	StageHashKey    = protocol.StageHashKey
	StageHashIV     = protocol.StageHashIV
)

const (
	// MaxBodyBytes is the largest request body a Server, its admin API, a
	// Proxy or a Replay reads (1 MiB); a larger one gets HTTP 413.
	MaxBodyBytes = serving.MaxBodyBytes
	// TimestampWindow is how far RqHeader.Timestamp may be from the
	// Server's clock, in either direction, as ECPay's pages say (every
	// page's x-ecpay-window-seconds).
	TimestampWindow = protocol.TimestampWindow
)

// Server is the simulator: an http.Handler that serves every operation in
// the registry (POST /B2CInvoice/<Operation>) as ECPay does. Make it with
// New; all its methods are safe for concurrent use, also while it serves
// requests.
type Server struct {
	merchants map[string]*ecpaycrypto.Codec
	ids       []string         // merchant IDs in the order they were configured
	clock     func() time.Time // WithClock's; the simulator's clock is Now
	offset    atomic.Int64     // how far Advance has moved the clock, in ns
	clockMu   sync.Mutex       // serialises Advance and AdvanceTo
	onBug     func(error)
	logger    *slog.Logger
	contract  *contract.Checker
	limits    serving.Limits
	handler   http.Handler
	// defaults are the mocked response Data of each operation, by
	// registry index (see serving.MockValue): shared, never modified.
	defaults []map[string]any
	inners   sync.Map // innerKey → *inner: the answers' Data (see innerAnswer)
	// ledger holds the issued invoices and their allowances (see
	// IssuedInvoice); it has its own lock.
	ledger *ledger.Ledger
	// baseURL is WithBaseURL's; empty to take the request's.
	baseURL string
	// notifier posts the notifications to the merchants, signed with
	// notifyKeys (see Delivery); it has its own lock.
	notifier      *notifier.Notifier
	notifyKeys    map[string]notify.Keys
	notifyAnyHost bool

	mu       sync.Mutex // guards the fields below
	invoices map[invoiceKey]*invoice
	checks   checkData
	notices  []Notice // InvoiceNotify's, at most MaxEvents
	// The delayed invoices' schedule (see issueDue): due holds their
	// times, nextDue the earliest as Unix nanoseconds (MaxInt64 for none)
	// for the lock-free check of every request; relates the RelateNumbers
	// of the waiting ones; issuedQueue the issued ones not yet told to
	// delayedIssued; issuedLog those told (DelayedIssues).
	due         dueHeap
	nextDue     atomic.Int64
	relates     map[relateKey]invoiceKey
	issuedQueue []issuedEvent
	queued      atomic.Bool // issuedQueue is not empty
	issuedLog   []DelayedIssue
	order       []invoiceKey // registration order, for Invoices
	kept        requestLog
	faults      []Fault
	violations  []error
}

// Option configures a Server made by New.
type Option func(*config) error

type config struct {
	serving.Config
	onBug     func(error)
	baseURL   string
	keep      int
	keepBytes int
	// invoiceLimit bounds each merchant's issued invoices (WithInvoiceLimit).
	invoiceLimit int
	// notifyAnyHost lets notifications go beyond loopback (WithNotifyAnyHost);
	// notifyAttempts is WithNotifyAttempts' (0 for the notifier's default).
	notifyAnyHost  bool
	notifyAttempts int
}

// Merchant is a merchant a Server accepts. The key and IV are for making
// clients (ecpaysimtest does); the Server itself keeps only their codec.
type Merchant struct {
	ID              string
	HashKey, HashIV string
}

// WithMerchant adds a merchant the Server accepts, with the HashKey and HashIV
// its Data is encrypted under. Repeat it for several merchants; without it the
// Server has the stage merchant (StageMerchantID). The merchant ID must be
// valid for the envelope's MerchantID and unique; HashKey and HashIV must be
// 16 bytes each. An error names the merchant and the length at fault, never
// a key.
func WithMerchant(merchantID, hashKey, hashIV string) Option {
	return func(c *config) error { return c.AddMerchant(merchantID, hashKey, hashIV) }
}

// WithClock makes the Server read the time from now instead of time.Now: it
// checks RqHeader.Timestamp and stamps RpHeader.Timestamp with it. Advance
// and AdvanceTo move the simulator's clock on from it (see Now).
func WithClock(now func() time.Time) Option {
	return func(c *config) error { return c.SetClock(now) }
}

// WithBaseURL gives the URL clients reach the Server at, for the URLs it
// answers with (InvoicePrint's InvoiceHtml, a page the Server serves under
// AdminPrefix): an http or https URL with a host, and a path prefix if the
// Server is mounted under one. Without it, the Server answers URLs on the
// scheme and Host its request came with, right for a client that reaches it
// directly, not for one behind a proxy that changes the host.
func WithBaseURL(u string) Option {
	return func(c *config) error {
		parsed, err := url.Parse(u)
		if err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Host == "" || parsed.RawQuery != "" || parsed.Fragment != "" {
			return fmt.Errorf("ecpaysim: WithBaseURL(%q): want an http or https URL with a host and no query, such as http://127.0.0.1:8080", serving.Truncate(u, 80))
		}
		c.baseURL = strings.TrimSuffix(parsed.String(), "/")
		return nil
	}
}

// WithViolationFunc makes every violation (see Server.Violations) also call
// f, so that a simulator bug cannot pass unnoticed: ecpaysimtest.NewServer
// fails the test with it.
func WithViolationFunc(f func(error)) Option {
	return func(c *config) error {
		c.onBug = f
		return nil
	}
}

// WithLogger makes the Server log one line per answer on logger: method,
// path, operation, HTTP status, TransCode, RtnCode, merchant, Tsr and
// duration (the keys of internal/logkeys, which the client shares); never
// Data, keys or bodies. Without it the Server does not log.
func WithLogger(logger *slog.Logger) Option {
	return func(c *config) error {
		c.Logger = logger
		return nil
	}
}

// WithRequestLimit makes the Server keep only the n most recent requests for
// Requests, so a long-running simulator does not grow without bound. Zero,
// the default, keeps them all (within WithRequestBytes).
func WithRequestLimit(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return fmt.Errorf("ecpaysim: WithRequestLimit(%d): want 0 (no limit) or more", n)
		}
		c.keep = n
		return nil
	}
}

// DefaultRequestBytes is how many bytes of request records a Server keeps
// by default: the oldest records are dropped beyond it.
const DefaultRequestBytes = 64 << 20

// MaxRecordedBody is how much of each body (request, decrypted Data,
// answer) a record keeps; a longer one is cut and marked Truncated.
const MaxRecordedBody = 64 << 10

// WithRequestBytes bounds the bytes the Server's request records hold in
// total (DefaultRequestBytes by default; each record keeps at most
// MaxRecordedBody of each body): whatever the requests, its memory stays
// bounded. n must be at least MaxRecordBytes, the largest record (see
// RequestBytes for what counts).
func WithRequestBytes(n int) Option {
	return func(c *config) error {
		if n < MaxRecordBytes {
			return fmt.Errorf("ecpaysim: WithRequestBytes(%d): want at least %d (MaxRecordBytes), one record's worth", n, MaxRecordBytes)
		}
		c.keepBytes = n
		return nil
	}
}

// DefaultInvoiceLimit is how many issued invoices a Server keeps per
// merchant by default (see WithInvoiceLimit).
const DefaultInvoiceLimit = ledger.DefaultLimit

// WithInvoiceLimit makes the Server keep at most n issued invoices per
// merchant (DefaultInvoiceLimit by default), so that its memory stays
// bounded whatever the traffic: issuing one more forgets the invoice
// voided longest ago, else the oldest issued, with its allowances and its
// RelateNumber (see IssuedInvoice). n must be at least 1.
func WithInvoiceLimit(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("ecpaysim: WithInvoiceLimit(%d): want 1 or more", n)
		}
		c.invoiceLimit = n
		return nil
	}
}

// New returns a Server configured by opts, with the specs loaded and their
// validators built. It fails only on a bad option or, which would be a bug in
// the generated packages, a spec that does not load.
func New(opts ...Option) (*Server, error) {
	cfg, err := configure(opts)
	if err != nil {
		return nil, err
	}
	return newServer(cfg)
}

// Configured returns the merchants New would configure from opts (with
// their keys), for helpers that make clients of them.
func Configured(opts ...Option) ([]Merchant, error) {
	cfg, err := configure(opts)
	if err != nil {
		return nil, err
	}
	var out []Merchant
	for _, m := range cfg.Merchants.List() {
		out = append(out, Merchant(m))
	}
	return out, nil
}

// configure applies opts and the defaults.
func configure(opts []Option) (*config, error) {
	cfg := &config{keepBytes: DefaultRequestBytes}
	err := serving.Configure(&cfg.Config, opts, func(opt Option) error {
		if opt == nil {
			return nil
		}
		return opt(cfg)
	})
	if err != nil {
		return nil, err
	}
	return cfg, nil
}

func newServer(cfg *config) (*Server, error) {
	c, err := contract.New()
	if err != nil {
		return nil, err
	}
	s := &Server{
		merchants: cfg.Merchants.Codecs(),
		ids:       cfg.Merchants.IDs(),
		clock:     cfg.Clock,
		onBug:     cfg.onBug,
		logger:    cfg.Logger,
		contract:  c,
		limits:    serving.PageLimits(),
		invoices:  make(map[invoiceKey]*invoice),
		checks:    newCheckData(),
		relates:   make(map[relateKey]invoiceKey),
		kept:      requestLog{keep: cfg.keep, keepBytes: cfg.keepBytes},
		baseURL:   cfg.baseURL,
	}
	s.nextDue.Store(math.MaxInt64)
	s.notifier, s.notifyKeys = newNotifier(s, cfg.Merchants.List(), cfg.notifyAttempts)
	s.notifyAnyHost = cfg.notifyAnyHost
	// The ledger dates invoices by the simulator's clock, moved or not.
	if s.ledger, err = ledger.New(ledger.Config{Now: s.Now, Limit: cfg.invoiceLimit}); err != nil {
		return nil, err
	}
	for _, op := range registry.All() {
		d, _ := serving.MockValue(c.ResponseDataSchema(op)).(map[string]any)
		s.defaults = append(s.defaults, d)
	}
	mux := http.NewServeMux()
	s.mount(mux, s.endpoint)
	s.handler = mux
	return s, nil
}

// ServeHTTP answers POST on the path of every operation in the registry;
// other paths get 404 and other methods 405. See the package documentation
// for what it checks.
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

// violation records err and reports it to the violation function, if any.
func (s *Server) violation(err error) {
	s.mu.Lock()
	s.violations = append(s.violations, err)
	s.mu.Unlock()
	if s.onBug != nil {
		s.onBug(fmt.Errorf("ecpaysim: %w", err))
	}
	if s.logger != nil {
		s.logger.Error("ecpaysim violation", slog.String(logkeys.Error, err.Error()))
	}
}
