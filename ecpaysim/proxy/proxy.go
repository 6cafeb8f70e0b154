package proxy

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ecpay-go/einvoice/ecpaysim/internal/serving"
	"github.com/ecpay-go/einvoice/internal/protocol"
)

// DefaultUpstreamTimeout bounds each exchange of a Proxy with its upstream,
// from sending the request to the end of the answer, unless
// WithUpstreamTimeout says otherwise.
const DefaultUpstreamTimeout = 30 * time.Second

// WithUpstreamTimeout bounds each exchange of a Proxy with its upstream
// (DefaultUpstreamTimeout by default): an upstream that has not answered
// by then gets a 502 from the Proxy, and an answer still coming is cut
// off. An option of New only.
func WithUpstreamTimeout(d time.Duration) Option {
	return proxyOption(func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("ecpaysim: WithUpstreamTimeout(%v): want a positive duration", d)
		}
		c.upstreamTimeout = d
		return nil
	})
}

// WithRecording makes a Proxy append every exchange to w as one line of
// JSON (an Exchange), in one Write per line, whatever the concurrency:
// what ReadRecording reads and NewReplay serves. The lines hold the
// decrypted Data of both sides, never a key; OpenRecording opens a file
// for it with the right mode. A failed write is counted
// (Summary.RecordingErrors) and logged; the Proxy goes on. An option of
// New only.
func WithRecording(w io.Writer) Option {
	return proxyOption(func(c *config) error {
		if w == nil {
			return errors.New("ecpaysim: WithRecording needs a non-nil io.Writer")
		}
		c.recording = w
		return nil
	})
}

// Proxy is a validating proxy in front of ECPay (or anything that stands
// in for it): an http.Handler that forwards every request unchanged to its
// upstream and passes every answer back unchanged, checking both against
// the pages as the simulator checks them, and counting, logging and
// recording each exchange. It observes; it never gates, retries or alters a
// byte. Make it with New; it is safe for concurrent use.
//
// Each request, to any path, is read (up to ecpaysim.MaxBodyBytes: a larger
// one gets 413 from the Proxy and is not forwarded, a limit of the Proxy,
// not of ECPay) and checked: its operation by path, POST, Content-Type, JSON, the
// envelope against the page, the Timestamp window, its Data decrypting with
// the merchant's keys (a merchant not configured is a note, not a
// violation: its Data is not checked), the decrypted Data against the
// page's request Data schema, and the same MerchantID inside and out. It is
// then forwarded, even when it breaks the pages: to the upstream URL's path
// prefix joined with the request's path, its dot segments resolved (a
// path that climbs above the root, out of the prefix, gets 400 and is not
// forwarded), the query kept (but never recorded), the same method
// and body bytes, the end-to-end headers (not the hop-by-hop ones), on a
// context of its own bounded by WithUpstreamTimeout, so that a caller that
// gives up does not cut off an exchange that may already have reached
// ECPay. The request is never sent twice, and redirects are passed back as
// they came, not followed.
//
// The bytes of the exchanges in flight are bounded (WithMaxInFlightBytes):
// a request beyond the bound gets 503 with Retry-After and is not
// forwarded.
//
// An answer of at most the client's MaxResponseBytes (what it reads) is
// read and checked before it is passed on: for a 2xx, its status, envelope
// and, for TransCode 1, its Data decrypting with the merchant's keys and
// against the page's response Data schema; a longer one is streamed through
// unchecked. An upstream that fails is not a violation: no answer (a
// refused connection, a timeout) gets a 502 text/plain from the Proxy
// naming the upstream and what happened, a non-2xx answer (an HTML 502,
// ECPay's 403 when called too fast) passes through as it came, and both are
// counted as upstream failures. An answer that breaks off is passed on as
// far as it came and the connection to the caller is then aborted.
type Proxy struct {
	obs       *observer
	upstream  *url.URL
	transport *http.Transport
	timeout   time.Duration
}

// New returns a Proxy to upstream, a base URL that passes
// the client's CheckBaseURL (https, or http for a loopback host), configured by
// opts: WithMerchant (the stage merchant by default), WithClock,
// WithLogger, WithUpstreamTimeout, WithRecording and
// WithMaxInFlightBytes. An upstream on ECPay's
// production host takes only merchants' own credentials: the stage
// merchant's ID, HashKey or HashIV, given or by default, is an error
// wrapping the rule's error, which the client's NewClient applies too.
func New(upstream string, opts ...Option) (*Proxy, error) {
	u, err := protocol.CheckBaseURL(upstream)
	if err != nil {
		return nil, fmt.Errorf("ecpaysim: upstream: %w", err)
	}
	cfg, err := configure(opts, Option.applyProxy)
	if err != nil {
		return nil, err
	}
	for _, m := range cfg.Merchants.List() {
		if err := protocol.CheckCredentials(u, m.ID, m.HashKey, m.HashIV); err != nil {
			return nil, fmt.Errorf("ecpaysim: upstream: %w; give the merchants' own keys with WithMerchant (without it, a Proxy has the stage merchant)", err)
		}
	}
	obs, err := newObserver(ModeProxy, cfg)
	if err != nil {
		return nil, err
	}
	obs.upstream = u.String()
	t := http.DefaultTransport.(*http.Transport).Clone()
	// The answer's bytes are passed on as they came: no transparent gzip.
	t.DisableCompression = true
	p := &Proxy{obs: obs, upstream: u, transport: t, timeout: cfg.upstreamTimeout}
	if p.timeout == 0 {
		p.timeout = DefaultUpstreamTimeout
	}
	return p, nil
}

// ServeHTTP forwards r to the upstream and passes its answer back, checking
// both (see Proxy). Handler serves it beside its admin API.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.obs.serve(w, r, func(ob *observation) (*http.Response, error) { return p.forward(ob) })
}

// Handler returns the Proxy with its admin API: AdminHandler for the paths
// under ecpaysim.AdminPrefix, the Proxy for every other path, as it came. (A
// ServeMux in front of the Proxy would answer a path that is not clean,
// such as "//x", with a redirect of its own instead of passing it on.)
func (p *Proxy) Handler() http.Handler { return withAdmin(p.AdminHandler(), p) }

// AdminHandler returns the admin API of the Proxy: GET /_sim/state answers
// its Summary; POST /_sim/delayed, which registers invoices on the
// simulator, is refused with 404 and a text/plain line saying so.
func (p *Proxy) AdminHandler() http.Handler {
	return p.obs.adminHandler(fmt.Sprintf("this is a proxy to %s, not the simulator: delayed invoices are the upstream's, register them there", p.obs.upstream))
}

// Summary returns the counts of the exchanges so far.
func (p *Proxy) Summary() Summary { return p.obs.summary() }

// CloseIdleConnections closes the idle connections to the upstream; the
// Proxy goes on working.
func (p *Proxy) CloseIdleConnections() { p.transport.CloseIdleConnections() }

// forward sends the request of ob to the upstream, unchanged, once.
func (p *Proxy) forward(ob *observation) (*http.Response, error) {
	r := ob.r
	target, err := p.target(r.URL)
	if err != nil {
		return nil, &localAnswer{status: http.StatusBadRequest, msg: err.Error() + ": not forwarded", note: "not forwarded: " + err.Error()}
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), p.timeout)
	out, err := http.NewRequestWithContext(ctx, r.Method, target, bytes.NewReader(ob.body))
	if err != nil {
		cancel()
		return nil, fmt.Errorf("the request cannot be forwarded: %w", err)
	}
	// Without GetBody, net/http cannot send the body a second time: it
	// never resends a request of which a byte may have left.
	out.GetBody = nil
	out.Header = endToEnd(r.Header)
	out.Header.Del("Host")
	if _, ok := r.Header["User-Agent"]; !ok {
		out.Header["User-Agent"] = []string{""} // no Go-http-client of net/http's
	}
	resp, err := p.transport.RoundTrip(out)
	if err != nil {
		cancel()
		return nil, errors.New(p.noAnswer(err))
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// target returns the upstream URL of a request to u: the upstream's path
// prefix joined with u's path, u's query kept. A path with dot segments
// ("..", "%2e%2e", "..%2F" decode to them; a backslash counts as a slash,
// as some servers take it) is cleaned first, and refused when it climbs
// above the root, which would leave the prefix; any other path is kept as
// it came, escapes included.
func (p *Proxy) target(u *url.URL) (string, error) {
	t := *p.upstream
	prefix, rawPrefix := strings.TrimSuffix(p.upstream.Path, "/"), strings.TrimSuffix(p.upstream.EscapedPath(), "/")
	t.Path, t.RawPath = prefix+u.Path, rawPrefix+u.EscapedPath()
	if clean, dotted, ok := cleanPath(u.Path); !ok {
		return "", fmt.Errorf("the path %q climbs above the root with \"..\", out of the upstream's path prefix %q", serving.Truncate(u.Path, 200), serving.OrDefault(p.upstream.Path, "/"))
	} else if dotted {
		t.Path, t.RawPath = prefix+clean, ""
	}
	t.RawQuery, t.ForceQuery = u.RawQuery, u.ForceQuery
	return t.String(), nil
}

// cleanPath resolves the dot segments of the decoded path p, a backslash
// taken as a slash: dotted reports that it had any (clean is then p
// resolved); ok is false when a ".." climbs above the root.
func cleanPath(p string) (clean string, dotted, ok bool) {
	segs := strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '\\' })
	var out []string
	for _, s := range segs {
		switch s {
		case ".":
			dotted = true
		case "..":
			dotted = true
			if len(out) == 0 {
				return "", true, false
			}
			out = out[:len(out)-1]
		default:
			out = append(out, s)
		}
	}
	if !dotted {
		return p, false, true
	}
	clean = "/" + strings.Join(out, "/")
	if strings.HasSuffix(p, "/") || strings.HasSuffix(p, "\\") || strings.HasSuffix(p, "/.") || strings.HasSuffix(p, "/..") {
		clean = strings.TrimSuffix(clean, "/") + "/"
	}
	return clean, true, true
}

// noAnswer says why the upstream gave no answer, and whether the request
// may have reached it.
func (p *Proxy) noAnswer(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("no answer within %v, the upstream timeout; the request may have reached it", p.timeout)
	case protocol.NotSent(err):
		return fmt.Sprintf("could not connect: %v; nothing was sent", err)
	case isTLSFailure(err):
		return fmt.Sprintf("the TLS handshake failed: %v; nothing was sent", err)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return "the connection was closed without an answer; the request may have reached it"
	}
	return fmt.Sprintf("%v; the request may have reached it", err)
}

// isTLSFailure reports an error of the TLS handshake, before any byte of
// the request was sent: a certificate refused, a TLS alert, a peer that
// does not speak TLS.
func isTLSFailure(err error) bool {
	var (
		verify *tls.CertificateVerificationError
		alert  tls.AlertError
		record tls.RecordHeaderError
		host   x509.HostnameError
	)
	return errors.As(err, &verify) || errors.As(err, &alert) || errors.As(err, &record) || errors.As(err, &host)
}

// cancelOnClose ends the exchange's context when its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}
