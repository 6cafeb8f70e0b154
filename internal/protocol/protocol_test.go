package protocol_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/generated"
	"github.com/ecpay-go/einvoice/internal/protocol"
)

// TestCheckCredentials is the table of the production rule: the host
// decides, and on it only credentials that are none of the stage
// merchant's pass.
func TestCheckCredentials(t *testing.T) {
	const (
		ownID  = "3000111"
		ownKey = "0123456789abcdef"
		ownIV  = "fedcba9876543210"
	)
	stage := [3]string{protocol.StageMerchantID, protocol.StageHashKey, protocol.StageHashIV}
	own := [3]string{ownID, ownKey, ownIV}
	tests := map[string]struct {
		base    string
		cred    [3]string
		refused bool
	}{
		"stage host, stage merchant":            {base: generated.ServerURLStage, cred: stage},
		"stage host, own merchant":              {base: generated.ServerURLStage, cred: own},
		"a simulator, stage merchant":           {base: "http://127.0.0.1:8080", cred: stage},
		"a proxy with a path, stage merchant":   {base: "https://proxy.example.test/ecpay", cred: stage},
		"a host ending like production":         {base: "https://xeinvoice.ecpay.com.tw", cred: stage},
		"a host under production's":             {base: "https://a.einvoice.ecpay.com.tw", cred: stage},
		"production, own merchant":              {base: generated.ServerURLProduction, cred: own},
		"production, stage merchant":            {base: generated.ServerURLProduction, cred: stage, refused: true},
		"production with a path":                {base: generated.ServerURLProduction + "/B2CInvoice", cred: stage, refused: true},
		"production with a port":                {base: "https://einvoice.ecpay.com.tw:443", cred: stage, refused: true},
		"production in capitals":                {base: "https://EInvoice.ECPay.com.TW", cred: stage, refused: true},
		"production as a fully qualified name":  {base: "https://einvoice.ecpay.com.tw.", cred: stage, refused: true},
		"production over http":                  {base: "http://einvoice.ecpay.com.tw", cred: stage, refused: true},
		"production, stage ID with own keys":    {base: generated.ServerURLProduction, cred: [3]string{protocol.StageMerchantID, ownKey, ownIV}, refused: true},
		"production, own ID with the stage key": {base: generated.ServerURLProduction, cred: [3]string{ownID, protocol.StageHashKey, ownIV}, refused: true},
		"production, own ID with the stage IV":  {base: generated.ServerURLProduction, cred: [3]string{ownID, ownKey, protocol.StageHashIV}, refused: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			u, err := url.Parse(tc.base)
			if err != nil {
				t.Fatal(err)
			}
			err = protocol.CheckCredentials(u, tc.cred[0], tc.cred[1], tc.cred[2])
			if !tc.refused {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !errors.Is(err, protocol.ErrStageCredentials) {
				t.Fatalf("err = %v, want ErrStageCredentials", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, "einvoice.ecpay.com.tw is ECPay's production host") {
				t.Errorf("the message does not name the host: %s", msg)
			}
			for _, secret := range []string{protocol.StageHashKey, protocol.StageHashIV, ownKey, ownIV} {
				if strings.Contains(msg, secret) {
					t.Errorf("the message holds a key: %s", msg)
				}
			}
		})
	}
}

func TestIsProductionNil(t *testing.T) {
	if protocol.IsProduction(nil) {
		t.Error("IsProduction(nil) = true")
	}
}

func TestSleep(t *testing.T) {
	if err := protocol.Sleep(t.Context(), 0); err != nil {
		t.Errorf("Sleep(0) = %v, want nil at once", err)
	}
	if err := protocol.Sleep(t.Context(), time.Millisecond); err != nil {
		t.Errorf("Sleep(1ms) = %v, want nil", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := protocol.Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep(1h) on an ended context = %v, want context.Canceled", err)
	}
}
