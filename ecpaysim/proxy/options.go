package proxy

import (
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
	serving.Config
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
	return func(c *config) error { return c.AddMerchant(merchantID, hashKey, hashIV) }
}

// WithClock makes the Proxy or the Replay read the time from now instead of
// time.Now: it checks RqHeader.Timestamp with it and stamps its exchanges;
// a Replay re-seals its answers with it too.
func WithClock(now func() time.Time) SharedOption {
	return func(c *config) error { return c.SetClock(now) }
}

// WithLogger makes the Proxy or the Replay log one line per exchange on
// logger: method, path, operation, HTTP status, TransCode, RtnCode,
// merchant, duration, its upstream failure and its count of violations
// (the keys of internal/logkeys, which the client shares); never Data,
// keys or bodies. Without it they do not log.
func WithLogger(logger *slog.Logger) SharedOption {
	return func(c *config) error {
		c.Logger = logger
		return nil
	}
}

// configure applies opts, by apply, and the defaults.
func configure[O any](opts []O, apply func(O, *config) error) (*config, error) {
	cfg := &config{}
	err := serving.Configure(&cfg.Config, opts, func(opt O) error {
		if any(opt) == nil {
			return nil
		}
		return apply(opt, cfg)
	})
	if err != nil {
		return nil, err
	}
	return cfg, nil
}
