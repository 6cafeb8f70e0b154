package serving

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Config is the configuration the simulator, the proxy and the replay
// share: what their WithMerchant, WithClock and WithLogger set, each
// package's config embedding it.
type Config struct {
	Merchants Merchants
	Clock     func() time.Time
	Logger    *slog.Logger
}

// AddMerchant adds a merchant as every WithMerchant does (see
// Merchants.Add), its error in the packages' terms.
func (c *Config) AddMerchant(merchantID, hashKey, hashIV string) error {
	if err := c.Merchants.Add(merchantID, hashKey, hashIV); err != nil {
		return fmt.Errorf("ecpaysim: %w", err)
	}
	return nil
}

// SetClock makes now the clock, as every WithClock does; a nil now is
// refused.
func (c *Config) SetClock(now func() time.Time) error {
	if now == nil {
		return errors.New("ecpaysim: WithClock needs a non-nil function")
	}
	c.Clock = now
	return nil
}

// Configure sets c's default clock, time.Now, then calls apply with each of
// opts, all of them, and returns their errors joined; when none failed and
// none added a merchant, c gets the stage merchant.
func Configure[O any](c *Config, opts []O, apply func(O) error) error {
	c.Clock = time.Now
	var errs []error
	for _, opt := range opts {
		if err := apply(opt); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	merchants, err := c.Merchants.OrStage()
	if err != nil {
		return fmt.Errorf("ecpaysim: %w", err)
	}
	c.Merchants = *merchants
	return nil
}
