package proxy_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ecpay-go/einvoice/ecpaysim/proxy"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/internal/testkit"
)

func TestMain(m *testing.M) {
	code := m.Run()
	for _, built := range []func() (string, error){simBinary, invoiceBinary} {
		if bin, err := built(); err == nil {
			_ = os.RemoveAll(filepath.Dir(bin))
		}
	}
	os.Exit(code)
}

// simBinary builds cmd/ecpay-sim once per test binary, to serve as an
// upstream in another process.
var simBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "ecpaysim-upstream")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "ecpay-sim")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/ecpay-go/einvoice/cmd/ecpay-sim").CombinedOutput(); err != nil {
		return "", errors.New(string(out))
	}
	return bin, nil
})

// startSimProcess runs the built ecpay-sim with args on a free loopback
// port and returns once it prints its URL; t's cleanup kills it.
func startSimProcess(t *testing.T, args ...string) *testkit.Process {
	t.Helper()
	bin, err := simBinary()
	if err != nil {
		t.Fatalf("building ecpay-sim: %v", err)
	}
	return testkit.Start(t, bin, append([]string{"--addr", "127.0.0.1:0"}, args...)...)
}

// testProxy is a Proxy on a local port, recording into Recording.
type testProxy struct {
	*proxy.Proxy
	URL       string
	Recording *testkit.Buffer
}

// newTestProxy starts a Proxy to upstream with opts and a recording, closed
// by t's cleanup.
func newTestProxy(t *testing.T, upstream string, opts ...proxy.Option) *testProxy {
	t.Helper()
	rec := &testkit.Buffer{}
	p, err := proxy.New(upstream, append([]proxy.Option{proxy.WithRecording(rec)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(p.Handler())
	t.Cleanup(func() {
		hs.Close()
		p.CloseIdleConnections()
	})
	return &testProxy{Proxy: p, URL: hs.URL, Recording: rec}
}

// exchanges reads the recording, failing t on a bad line.
func (p *testProxy) exchanges(t *testing.T) []proxy.Exchange {
	t.Helper()
	return readExchanges(t, p.Recording.String())
}

// readExchanges reads a recording, failing t on a bad line.
func readExchanges(t *testing.T, recording string) []proxy.Exchange {
	t.Helper()
	var out []proxy.Exchange
	for line, err := range proxy.ReadRecording(strings.NewReader(recording)) {
		if err != nil {
			t.Fatalf("reading the recording: %v\n%s", err, recording)
		}
		out = append(out, line.Exchange)
	}
	return out
}

// rawAnswer is an HTTP answer as the caller got it.
type rawAnswer struct {
	status int
	header http.Header
	body   []byte
	err    error // reading the body
}

// send posts body with contentType (none if "") to url and returns the
// answer, the body as far as it came.
func send(t *testing.T, method, url, contentType string, body []byte) rawAnswer {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	got := rawAnswer{status: resp.StatusCode, header: resp.Header}
	got.body, got.err = io.ReadAll(resp.Body)
	return got
}

// noKeys fails t if any of texts holds a stage key.
func noKeys(t *testing.T, texts map[string]string) {
	t.Helper()
	for name, text := range texts {
		for _, secret := range []string{ecpaysim.StageHashKey, ecpaysim.StageHashIV, otherKey, otherIV} {
			if strings.Contains(text, secret) {
				t.Errorf("%s holds a HashKey or HashIV", name)
			}
		}
	}
}
