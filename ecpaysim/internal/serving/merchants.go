package serving

import (
	"fmt"
	"slices"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/internal/protocol"
)

// Merchant is a merchant with its keys, as given.
type Merchant struct {
	ID              string
	HashKey, HashIV string
}

// Merchants are the merchants a simulator, a proxy or a replay knows, in
// the order they were given, with the codec of each. The zero value has
// none.
type Merchants struct {
	list   []Merchant
	codecs map[string]*ecpaycrypto.Codec
}

// Add adds a merchant: its ID must fit the envelope's MerchantID and be
// new, its HashKey and HashIV 16 bytes each. An error names the merchant
// and the length at fault, never a key; it does not start with a package's
// name.
func (m *Merchants) Add(merchantID, hashKey, hashIV string) error {
	if !FitsMerchantID(merchantID) {
		return fmt.Errorf("merchant ID %q must be 1 to %d characters", merchantID, PageLimits().MerchantID)
	}
	if _, ok := m.codecs[merchantID]; ok {
		return fmt.Errorf("merchant %s is configured twice", merchantID)
	}
	codec, err := ecpaycrypto.New(hashKey, hashIV)
	if err != nil {
		return fmt.Errorf("merchant %s: %w", merchantID, err)
	}
	if m.codecs == nil {
		m.codecs = make(map[string]*ecpaycrypto.Codec)
	}
	m.codecs[merchantID] = codec
	m.list = append(m.list, Merchant{ID: merchantID, HashKey: hashKey, HashIV: hashIV})
	return nil
}

// OrStage returns m, or the stage merchant alone when m has none.
func (m *Merchants) OrStage() (*Merchants, error) {
	if len(m.list) > 0 {
		return m, nil
	}
	var stage Merchants
	if err := stage.Add(protocol.StageMerchantID, protocol.StageHashKey, protocol.StageHashIV); err != nil {
		return nil, err
	}
	return &stage, nil
}

// List returns the merchants, in the order they were added.
func (m *Merchants) List() []Merchant { return slices.Clone(m.list) }

// IDs returns the merchants' IDs, in the order they were added.
func (m *Merchants) IDs() []string {
	ids := make([]string, len(m.list))
	for i, x := range m.list {
		ids[i] = x.ID
	}
	return ids
}

// Codecs returns the codec of each merchant, by ID: shared, not to be
// modified.
func (m *Merchants) Codecs() map[string]*ecpaycrypto.Codec { return m.codecs }
