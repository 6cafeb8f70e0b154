package proxy_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ecpay-go/einvoice/ecpaysim/proxy"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/internal/protocol"
	"github.com/ecpay-go/einvoice/wrapper"
)

// TestNewToProductionNeedsOwnKeys: a Proxy to ECPay's production host
// is refused with the stage merchant, given or by default, and made with a
// merchant's own keys. Nothing is served, so nothing is sent.
func TestNewToProductionNeedsOwnKeys(t *testing.T) {
	own := proxy.WithMerchant("3000111", "0123456789abcdef", "fedcba9876543210")
	stage := proxy.WithMerchant(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV)
	tests := map[string]struct {
		upstream string
		opts     []proxy.Option
		refused  bool
	}{
		"production, no merchant":          {upstream: wrapper.ProductionURL, refused: true},
		"production, the stage merchant":   {upstream: wrapper.ProductionURL, opts: []proxy.Option{stage}, refused: true},
		"production, own and stage":        {upstream: wrapper.ProductionURL, opts: []proxy.Option{own, stage}, refused: true},
		"production's host with a prefix":  {upstream: "https://einvoice.ecpay.com.tw/pre/fix", refused: true},
		"production, the stage key":        {upstream: wrapper.ProductionURL, opts: []proxy.Option{proxy.WithMerchant("3000111", ecpaysim.StageHashKey, "fedcba9876543210")}, refused: true},
		"production, own merchant":         {upstream: wrapper.ProductionURL, opts: []proxy.Option{own}},
		"stage, no merchant":               {upstream: wrapper.StageURL},
		"a local upstream, stage merchant": {upstream: "http://127.0.0.1:1", opts: []proxy.Option{stage}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p, err := proxy.New(tc.upstream, tc.opts...)
			if !tc.refused {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				p.CloseIdleConnections()
				return
			}
			if !errors.Is(err, protocol.ErrStageCredentials) {
				t.Fatalf("err = %v, want ErrStageCredentials", err)
			}
			if msg := err.Error(); !strings.Contains(msg, "production host") || strings.Contains(msg, ecpaysim.StageHashKey) || strings.Contains(msg, ecpaysim.StageHashIV) {
				t.Errorf("message: %s", msg)
			}
		})
	}
}
