package proxy

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/ecpay-go/einvoice/ecpaysim/internal/serving"
)

// Option configures a Proxy made by New: WithUpstreamTimeout and
// WithRecording, and every SharedOption.
type Option interface{ applyProxy(*config) error }

// ReplayOption configures a Replay made by NewReplay: every SharedOption.
type ReplayOption interface{ applyReplay(*config) error }

// SharedOption configures a Proxy or a Replay alike: it is both an Option
// and a ReplayOption.
type SharedOption func(*config) error

func (o SharedOption) applyProxy(c *config) error  { return o.apply(c) }
func (o SharedOption) applyReplay(c *config) error { return o.apply(c) }

// apply applies o, when it is not nil.
func (o SharedOption) apply(c *config) error {
	if o == nil {
		return nil
	}
	return o(c)
}

// proxyOption is an Option of New alone.
type proxyOption func(*config) error

func (o proxyOption) applyProxy(c *config) error {
	if o == nil {
		return nil
	}
	return o(c)
}

type config struct {
	merchants       serving.Merchants
	clock           func() time.Time
	logger          *slog.Logger
	upstreamTimeout time.Duration
	recording       io.Writer
	maxInFlight     int64
}

// WithMerchant adds a merchant whose Data the Proxy or the Replay decrypts
// and checks (a Replay: whose requests it matches), with its HashKey and
// HashIV. Repeat it for several merchants; without it they have the stage
// merchant. The merchant ID must be valid for the envelope's MerchantID
// and unique; HashKey and HashIV must be 16 bytes each. An error names the
// merchant and the length at fault, never a key.
func WithMerchant(merchantID, hashKey, hashIV string) SharedOption {
	return func(c *config) error {
		if err := c.merchants.Add(merchantID, hashKey, hashIV); err != nil {
			return fmt.Errorf("ecpaysim: %w", err)
		}
		return nil
	}
}

// WithClock makes the Proxy or the Replay read the time from now instead of
// time.Now: it checks RqHeader.Timestamp with it and stamps its exchanges;
// a Replay re-seals its answers with it too.
func WithClock(now func() time.Time) SharedOption {
	return func(c *config) error {
		if now == nil {
			return errors.New("ecpaysim: WithClock needs a non-nil function")
		}
		c.clock = now
		return nil
	}
}

// WithLogger makes the Proxy or the Replay log one line per exchange on
// logger: method, path, operation, HTTP status, TransCode, RtnCode,
// merchant, duration, its upstream failure and its count of violations
// (the keys of internal/logkeys, which the client shares); never Data,
// keys or bodies. Without it they do not log.
func WithLogger(logger *slog.Logger) SharedOption {
	return func(c *config) error {
		c.logger = logger
		return nil
	}
}

// configure applies opts, by apply, and the defaults.
func configure[O any](opts []O, apply func(O, *config) error) (*config, error) {
	cfg := &config{clock: time.Now}
	var errs []error
	for _, opt := range opts {
		if any(opt) == nil {
			continue
		}
		if err := apply(opt, cfg); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	merchants, err := cfg.merchants.OrStage()
	if err != nil {
		return nil, fmt.Errorf("ecpaysim: %w", err)
	}
	cfg.merchants = *merchants
	return cfg, nil
}
