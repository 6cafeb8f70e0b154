package protocol

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// CheckBaseURL parses raw as the base URL of ECPay or of something that
// stands in for it (a simulator, a proxy) and checks it against the one rule
// the client, the CLI's --base-url and the simulator's --upstream share: an
// https URL with a host, or plain http only for a loopback host (127.0.0.0/8,
// ::1, localhost), so that requests leave the machine encrypted; no user
// information (user:password@), query or fragment. A path is kept as a
// prefix. A URL written without its scheme (127.0.0.1:8080) is refused
// with the URL to write instead (http://127.0.0.1:8080). Errors never repeat
// user information.
func CheckBaseURL(raw string) (*url.URL, error) {
	if err := missingScheme(raw); err != nil {
		return nil, err
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("the base URL does not parse as a URL; write it with a scheme and a host, e.g. %s", StageURL)
	}
	switch {
	case u.User != nil:
		return nil, errors.New("the base URL must not hold user information (user:password@)")
	case (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		return nil, fmt.Errorf("the base URL must be an https URL with a host, e.g. %s", StageURL)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return nil, fmt.Errorf("the base URL %s must not have a query or a fragment", u.Redacted())
	case u.Scheme == "http" && !IsLoopback(u.Hostname()):
		return nil, fmt.Errorf("the base URL %s: plain http is allowed only for loopback hosts (127.0.0.0/8, ::1, localhost), not %s; use https", u.Redacted(), u.Hostname())
	}
	return u, nil
}

// missingScheme returns an error for raw written as a host without a
// scheme, such as 127.0.0.1:8080 or einvoice.ecpay.com.tw, which url.Parse
// refuses or reads as a path or as a scheme of its own, naming the URL to
// write: http:// for a loopback host, https:// otherwise.
func missingScheme(raw string) error {
	if strings.Contains(raw, "://") {
		return nil
	}
	u, err := url.Parse("//" + raw)
	if err != nil || u.Host == "" {
		return nil
	}
	if u.User != nil {
		return errors.New("the base URL must not hold user information (user:password@)")
	}
	scheme := "https"
	if IsLoopback(u.Hostname()) {
		scheme = "http"
	}
	return fmt.Errorf("the base URL %s has no scheme; write %s://%s", raw, scheme, raw)
}

// IsLoopback reports whether host (a name or an address, without port) is
// this machine: localhost or a loopback address.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// maxRedirects is how many redirects CheckRedirect follows, as net/http
// does by default.
const maxRedirects = 10

// CheckRedirect is the redirect policy of the client's own http.Client, for
// an http.Client's CheckRedirect: it follows a redirect only to the same
// host (and port), never from https to plain http, and only when the request
// keeps its method (a 307 or 308, for which net/http resends the body), so
// that a request cannot be replayed to another server, leave TLS, or arrive
// as a GET without its body. The CLI uses it too.
func CheckRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	first, last := via[0], via[len(via)-1]
	switch {
	case !strings.EqualFold(req.URL.Host, first.URL.Host):
		return fmt.Errorf("refusing a redirect from %s to another host, %s", first.URL.Host, req.URL.Host)
	case first.URL.Scheme == "https" && req.URL.Scheme != "https":
		return fmt.Errorf("refusing a redirect from https to %s", req.URL.Scheme)
	case req.Method != last.Method:
		return fmt.Errorf("refusing a redirect that turns the %s into a %s without its body (only 307 and 308 keep it)", last.Method, req.Method)
	}
	return nil
}
