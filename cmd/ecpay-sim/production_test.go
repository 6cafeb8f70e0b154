package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/wrapper"
)

// TestRunProxyToProductionNeedsOwnKeys: --upstream on ECPay's production
// host without --merchant, or with the stage merchant's keys, exits 2 with
// one line saying what to give, before listening; with the merchant's own
// keys it serves. The context is already done, so a proxy that is made
// stops at once and nothing is ever forwarded.
func TestRunProxyToProductionNeedsOwnKeys(t *testing.T) {
	stage := ecpaysim.StageMerchantID + ":" + ecpaysim.StageHashKey + ":" + ecpaysim.StageHashIV
	tests := []struct {
		name    string
		args    []string
		refused bool
	}{
		{"no --merchant", []string{"--upstream", wrapper.ProductionURL}, true},
		{"the stage merchant", []string{"--upstream", wrapper.ProductionURL, "--merchant", stage}, true},
		{"own and the stage merchant", []string{"--upstream", "https://einvoice.ecpay.com.tw/pre", "--merchant", "3000111:0123456789abcdef:fedcba9876543210", "--merchant", stage}, true},
		{"own merchant", []string{"--upstream", wrapper.ProductionURL, "--merchant", "3000111:0123456789abcdef:fedcba9876543210"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			var stdout, stderr bytes.Buffer
			code := run(ctx, append(tt.args, "--addr", "127.0.0.1:0", "--quiet"), &stdout, &stderr)
			msg := stderr.String()
			if strings.Contains(msg, ecpaysim.StageHashKey) || strings.Contains(msg, "0123456789abcdef") {
				t.Errorf("stderr repeats a key: %s", msg)
			}
			if !tt.refused {
				if code != exitOK || stdout.Len() == 0 {
					t.Errorf("exit status %d, stdout %q, stderr %q; want it served", code, stdout.String(), msg)
				}
				return
			}
			if code != exitUsage || stdout.Len() != 0 {
				t.Errorf("exit status %d, stdout %q; want %d and nothing", code, stdout.String(), exitUsage)
			}
			for _, want := range []string{"--upstream: einvoice.ecpay.com.tw is ECPay's production host", "--merchant ID:HashKey:HashIV"} {
				if strings.Count(msg, "\n") != 1 || !strings.Contains(msg, want) {
					t.Errorf("stderr is not one line saying %q: %s", want, msg)
				}
			}
		})
	}
}
