package wrapper

import (
	"net/http"
	"net/url"

	"github.com/ecpay-go/einvoice/internal/protocol"
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
func CheckBaseURL(raw string) (*url.URL, error) { return protocol.CheckBaseURL(raw) }

// IsLoopback reports whether host (a name or an address, without port) is
// this machine: localhost or a loopback address.
func IsLoopback(host string) bool { return protocol.IsLoopback(host) }

// CheckRedirect is the redirect policy of the client's own http.Client, for
// an http.Client's CheckRedirect: it follows a redirect only to the same
// host (and port), never from https to plain http, and only when the request
// keeps its method (a 307 or 308, for which net/http resends the body), so
// that a request cannot be replayed to another server, leave TLS, or arrive
// as a GET without its body. The CLI uses it too.
func CheckRedirect(req *http.Request, via []*http.Request) error {
	return protocol.CheckRedirect(req, via)
}

// newHTTPClient returns the http.Client of NewClient and DecryptResponses
// when they are given none: the default transport, with CheckRedirect.
func newHTTPClient() *http.Client { return &http.Client{CheckRedirect: CheckRedirect} }
