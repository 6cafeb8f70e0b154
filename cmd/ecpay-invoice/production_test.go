package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ecpay-go/einvoice/wrapper"
)

// trapProxy is an HTTPS proxy the command is pointed at (HTTPS_PROXY), so
// that a request for ECPay's production host comes here, never to the
// network: it records the hosts asked for and refuses each.
type trapProxy struct {
	*httptest.Server
	mu    sync.Mutex
	hosts []string
}

func newTrapProxy(t *testing.T) *trapProxy {
	p := &trapProxy{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.hosts = append(p.hosts, r.Host)
		p.mu.Unlock()
		http.Error(w, "the test's trap: nothing leaves", http.StatusBadGateway)
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *trapProxy) asked() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.hosts...)
}

// TestProductionNeedsOwnCredentials runs the command against ECPay's
// production host, named by --env prod or by --base-url in any spelling:
// without credentials, or with the stage merchant's, it is refused with
// exit status 2 before anything is sent or written; with the merchant's own
// given by the environment, it sends (into the trap).
func TestProductionNeedsOwnCredentials(t *testing.T) {
	own := []string{"ECPAY_MERCHANT_ID=" + otherMerchantID, "ECPAY_HASH_KEY=" + otherHashKey, "ECPAY_HASH_IV=" + otherHashIV}
	stage := []string{"ECPAY_MERCHANT_ID=" + wrapper.StageMerchantID, "ECPAY_HASH_KEY=" + wrapper.StageHashKey, "ECPAY_HASH_IV=" + wrapper.StageHashIV}
	const hostRule = "einvoice.ecpay.com.tw is ECPay's production host, which needs the merchant's own credentials"
	data := []string{"--data", `{"Tsr":"T1","PayType":"2"}`}
	tests := []struct {
		name string
		args []string
		env  []string
		want string // in the one line on stderr; "" when it is sent
	}{
		{"call, --base-url, no credentials", append([]string{"call", "TriggerIssue", "--base-url", wrapper.ProductionURL}, data...), nil, hostRule},
		{"call, --base-url with a path and a port", append([]string{"call", "TriggerIssue", "--base-url", "https://EInvoice.ECPay.com.tw.:443/"}, data...), nil, hostRule},
		{"call, --env prod, no credentials", append([]string{"call", "TriggerIssue", "--env", "prod"}, data...), nil, "--env prod needs credentials"},
		{"call, --base-url, the stage merchant given", append([]string{"call", "TriggerIssue", "--base-url", wrapper.ProductionURL}, data...), stage, hostRule},
		{"call, --env prod, the stage merchant given", append([]string{"call", "TriggerIssue", "--env", "prod"}, data...), stage, hostRule},
		{"call, the stage key with another merchant", append([]string{"call", "TriggerIssue", "--env", "prod", "--merchant-id", otherMerchantID}, data...), stage, hostRule},
		{"batch, --base-url, no credentials", []string{"trigger-issue", "--base-url", wrapper.ProductionURL, "--tsr", "T1"}, nil, hostRule},
		{"call, own credentials", append([]string{"call", "TriggerIssue", "--base-url", wrapper.ProductionURL}, data...), own, ""},
		{"batch, --env prod, own credentials", []string{"trigger-issue", "--env", "prod", "--tsr", "T1"}, own, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			trap := newTrapProxy(t)
			out := filepath.Join(t.TempDir(), "results.jsonl")
			args := tt.args
			if !strings.HasPrefix(args[0], "call") {
				args = append(args, "--out", out)
			}
			res := runBinary(t, invocation{args: args, env: append([]string{"HTTPS_PROXY=" + trap.URL}, tt.env...)})
			asked := trap.asked()
			if tt.want == "" {
				// Sent: the request left for production, into the trap.
				if len(asked) == 0 || !strings.HasPrefix(asked[0], "einvoice.ecpay.com.tw") {
					t.Errorf("the trap saw %q, want the production host; exit %d: %s", asked, res.code, res.stderr)
				}
				return
			}
			if res.code != exitInvalid || res.stdout != "" {
				t.Errorf("exit status %d, stdout %q; want %d and nothing", res.code, res.stdout, exitInvalid)
			}
			if strings.Count(res.stderr, "\n") != 1 || !strings.Contains(res.stderr, tt.want) {
				t.Errorf("stderr is not one line saying %q:\n%s", tt.want, res.stderr)
			}
			if tt.want == hostRule && !strings.Contains(res.stderr, "--merchant-id, --hash-key and --hash-iv") {
				t.Errorf("stderr does not say how to give credentials:\n%s", res.stderr)
			}
			if len(asked) > 0 {
				t.Errorf("a request left for %q", asked)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("--out was created: %v", err)
			}
		})
	}
}
