package wrapper_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ecpay-go/einvoice/wrapper"
)

func TestCheckBaseURL(t *testing.T) {
	tests := map[string]struct {
		raw  string
		want string // in the error; "" when accepted
	}{
		"stage":                           {raw: wrapper.StageURL},
		"production":                      {raw: wrapper.ProductionURL},
		"a proxy with a path":             {raw: "https://proxy.example.test/ecpay/"},
		"loopback v4":                     {raw: "http://127.0.0.1:8080"},
		"loopback 127/8":                  {raw: "http://127.9.9.9"},
		"loopback v6":                     {raw: "http://[::1]:9"},
		"localhost":                       {raw: "http://LOCALHOST:1"},
		"plain http elsewhere":            {raw: "http://einvoice.ecpay.com.tw", want: "plain http is allowed only for loopback"},
		"plain http, a LAN":               {raw: "http://192.168.1.2", want: "loopback"},
		"a name beginning with localhost": {raw: "http://localhost.example.test", want: "loopback"},
		"user information":                {raw: "https://user:secret@proxy.example.test", want: "user information"},
		"a query":                         {raw: "https://x.test/?a=1", want: "query"},
		"an empty query":                  {raw: "https://x.test/?", want: "query"},
		"a fragment":                      {raw: "https://x.test/#top", want: "fragment"},
		"ftp":                             {raw: "ftp://x.test", want: "https URL"},
		"no scheme":                       {raw: "einvoice.ecpay.com.tw", want: "the base URL einvoice.ecpay.com.tw has no scheme; write https://einvoice.ecpay.com.tw"},
		"no scheme, loopback and a port":  {raw: "127.0.0.1:8080", want: "the base URL 127.0.0.1:8080 has no scheme; write http://127.0.0.1:8080"},
		"no scheme, localhost":            {raw: "localhost:8080/pre", want: "write http://localhost:8080/pre"},
		"no scheme, IPv6 loopback":        {raw: "[::1]:9", want: "write http://[::1]:9"},
		"no scheme, a port":               {raw: "proxy.example.test:8443", want: "write https://proxy.example.test:8443"},
		"no scheme, user information":     {raw: "user:secret@proxy.example.test", want: "user information"},
		"a relative path":                 {raw: "/B2CInvoice", want: "https URL"},
		"no host":                         {raw: "https:///B2CInvoice", want: "https URL"},
		"empty":                           {raw: "", want: "https URL"},
		"unparsable":                      {raw: "http://[::1", want: "does not parse as a URL; write it with a scheme and a host"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			u, err := wrapper.CheckBaseURL(tc.raw)
			if tc.want == "" {
				if err != nil || u == nil {
					t.Errorf("CheckBaseURL(%q) = %v, %v", tc.raw, u, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("CheckBaseURL(%q) = %v, want an error saying %q", tc.raw, err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "secret") {
				t.Errorf("the error repeats the password: %v", err)
			}
		})
	}
}

// CheckRedirect is a pure function of the redirect and the requests before
// it.
func TestCheckRedirect(t *testing.T) {
	req := func(method, raw string) *http.Request {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		return &http.Request{Method: method, URL: u}
	}
	post := func(raw string) *http.Request { return req(http.MethodPost, raw) }
	tests := map[string]struct {
		next *http.Request
		via  []*http.Request
		want string // in the error; "" when followed
	}{
		"same host, new path":       {next: post("https://x.test/v2/B2CInvoice/TriggerIssue"), via: []*http.Request{post("https://x.test/B2CInvoice/TriggerIssue")}},
		"same host in other case":   {next: post("https://X.TEST/a"), via: []*http.Request{post("https://x.test/b")}},
		"http to https, same host":  {next: post("https://127.0.0.1:80/a"), via: []*http.Request{post("http://127.0.0.1:80/a")}},
		"another host":              {next: post("https://y.test/a"), via: []*http.Request{post("https://x.test/a")}, want: "another host, y.test"},
		"another port":              {next: post("https://x.test:8443/a"), via: []*http.Request{post("https://x.test/a")}, want: "another host"},
		"back to the first host":    {next: post("https://x.test/a"), via: []*http.Request{post("https://x.test/a"), post("https://x.test/b")}},
		"https to http, same host":  {next: post("http://x.test/a"), via: []*http.Request{post("https://x.test/a")}, want: "from https to http"},
		"https to http after a hop": {next: post("http://x.test/c"), via: []*http.Request{post("https://x.test/a"), post("https://x.test/b")}, want: "from https to http"},
		"POST turned into GET":      {next: req(http.MethodGet, "https://x.test/a"), via: []*http.Request{post("https://x.test/a")}, want: "turns the POST into a GET"},
		"ten redirects":             {next: post("https://x.test/a"), via: repeat(post("https://x.test/a"), 10), want: "stopped after 10 redirects"},
		"nine redirects":            {next: post("https://x.test/a"), via: repeat(post("https://x.test/a"), 9)},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := wrapper.CheckRedirect(tc.next, tc.via)
			if tc.want == "" {
				if err != nil {
					t.Errorf("CheckRedirect = %v, want it followed", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("CheckRedirect = %v, want an error saying %q", err, tc.want)
			}
		})
	}
}

func repeat(r *http.Request, n int) []*http.Request {
	out := make([]*http.Request, n)
	for i := range out {
		out[i] = r
	}
	return out
}
