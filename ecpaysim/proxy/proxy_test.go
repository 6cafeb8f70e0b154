package proxy_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaysim/proxy"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/ecpaysim/ecpaysimtest"
	"github.com/ecpay-go/einvoice/wrapper"
)

// The client, through the Proxy, to ecpay-sim in another process: the
// answers are the simulator's, every exchange is counted and recorded with
// both sides' decrypted Data, and re-checking the recording gives what it
// holds.
func TestProxyInFrontOfTheSimulator(t *testing.T) {
	sim := startSimProcess(t, "--quiet", "--delayed", "C1", "--delayed", "T1", "--delayed", "T2:2:3")
	p := newTestProxy(t, sim.URL)
	client, err := wrapper.NewClient(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV, wrapper.WithBaseURL(p.URL))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	res, err := client.CancelDelayIssue(ctx, wrapper.CancelDelayIssueRequest{Tsr: "C1"})
	if err != nil || res.RtnCode != wrapper.RtnCodeOK {
		t.Fatalf("CancelDelayIssue C1: %+v, %v", res, err)
	}
	if _, err := client.CancelDelayIssue(ctx, wrapper.CancelDelayIssueRequest{Tsr: "C1"}); !errors.Is(err, wrapper.ErrConflict) {
		t.Errorf("CancelDelayIssue C1 again: %v, want a conflict", err)
	}
	for tsr, want := range map[string]int{"T1": wrapper.RtnCodeIssued, "T2": wrapper.RtnCodeTriggered} {
		res, err := client.TriggerIssue(ctx, wrapper.TriggerIssueRequest{Tsr: tsr, PayType: "2"})
		if err != nil || res.RtnCode != want {
			t.Errorf("TriggerIssue %s: %+v, %v; want %d", tsr, res, err, want)
		}
	}
	_, err = client.Call(ctx, "TriggerIssue", json.RawMessage(`{"Tsr":"NONE","PayType":"2"}`))
	if apiErr, ok := errors.AsType[*wrapper.APIError](err); !ok || apiErr.RtnCode != wrapper.RtnCodeUnknownTsr {
		t.Errorf("Call TriggerIssue NONE: %v, want RtnCode %d", err, wrapper.RtnCodeUnknownTsr)
	}

	s := p.Summary()
	if s.Mode != proxy.ModeProxy || s.Upstream != sim.URL || s.Exchanges != 5 || s.Violations != 0 || s.UpstreamFailures != 0 || s.RecordingErrors != 0 {
		t.Errorf("summary %+v", s)
	}
	exs := p.exchanges(t)
	if len(exs) != 5 {
		t.Fatalf("%d exchanges recorded, want 5", len(exs))
	}
	for i, ex := range exs {
		if want := map[bool]string{true: "CancelDelayIssue", false: "TriggerIssue"}[i < 2]; ex.Operation != want {
			t.Errorf("exchange %d: operation %q", i+1, ex.Operation)
		}
		if ex.Method != http.MethodPost || ex.Response.Status != http.StatusOK || ex.Duration <= 0 || ex.Time.IsZero() {
			t.Errorf("exchange %d: %+v", i+1, ex)
		}
		var in struct{ MerchantID, Tsr string }
		var out struct{ RtnCode int }
		if !ex.Request.Decrypted || json.Unmarshal(ex.Request.Data, &in) != nil || in.MerchantID != ecpaysim.StageMerchantID || in.Tsr == "" {
			t.Errorf("exchange %d: request Data %s", i+1, ex.Request.Data)
		}
		if !ex.Response.Decrypted || json.Unmarshal(ex.Response.Data, &out) != nil || out.RtnCode == 0 {
			t.Errorf("exchange %d: response Data %s", i+1, ex.Response.Data)
		}
		if len(ex.Violations) != 0 || len(ex.Notes) != 0 || ex.UpstreamFailure != "" {
			t.Errorf("exchange %d: violations %v, notes %q, failure %q", i+1, ex.Violations, ex.Notes, ex.UpstreamFailure)
		}
		again, err := proxy.CheckExchange(ex)
		if err != nil || len(again) != 0 {
			t.Errorf("exchange %d checked again: %v, %v", i+1, again, err)
		}
	}
	noKeys(t, map[string]string{"the recording": p.Recording.String(), "the upstream's stderr": sim.Stderr.String()})
}

// proxyCase is a request sent through the Proxy and what it must record.
type proxyCase struct {
	name        string
	method      string
	path        string
	contentType string
	body        []byte
	// want are the violations, as "side where#pointer rule".
	want []string
	// note is part of a note the exchange must have; forwarded false
	// for a request the upstream must not see.
	note      string
	notSent   bool
	wantProxy int // the Proxy's own status, for a request not forwarded
}

// Every request is forwarded as it came, however it breaks the pages, and
// each of its violations is recorded with its side, place, pointer and
// rule.
func TestProxyChecksEveryRequest(t *testing.T) {
	now := time.Now()
	data := func(plaintext string) string { return stageData(t, plaintext) }
	valid := innerJSON(cancelOp, ecpaysim.StageMerchantID, "R1")
	at := func(tm time.Time, d string) []byte { return envelope(tm, d) }
	cases := []proxyCase{
		{name: "valid", body: at(now, data(valid))},
		{name: "unknown path", path: "/B2CInvoice/Nope", body: at(now, data(valid)), want: []string{"request http# path"}},
		{name: "GET", method: http.MethodGet, body: at(now, data(valid)), want: []string{"request http# method"}},
		{name: "text/plain", contentType: "text/plain", body: at(now, data(valid)), want: []string{"request http# content-type"}},
		{name: "no content type", contentType: "-", body: at(now, data(valid)), want: []string{"request http# content-type"}},
		{name: "not JSON", body: []byte("MerchantID=2000132"), want: []string{"request http# json"}},
		{name: "empty", body: nil, want: []string{"request http# json"}},
		{
			name: "envelope breaks the page",
			body: envelope(now, data(valid), func(m map[string]any) {
				m["MerchantID"] = "12345678901"
				m["RqHeader"] = map[string]any{"Timestamp": "now"}
			}),
			want: []string{"request envelope#/MerchantID maxLength", "request envelope#/RqHeader/Timestamp type"},
			note: `no keys for merchant "12345678901"`,
		},
		{name: "stale Timestamp", body: at(now.Add(-11*time.Minute), data(valid)), want: []string{"request envelope#/RqHeader/Timestamp timestamp-window"}},
		{name: "Timestamp ahead", body: at(now.Add(11*time.Minute), data(valid)), want: []string{"request envelope#/RqHeader/Timestamp timestamp-window"}},
		{name: "Data not base64", body: at(now, "not base64!"), want: []string{"request data# decrypt"}},
		{name: "Data under other keys", body: at(now, encrypt(t, otherKey, otherIV, valid)), want: []string{"request data# decrypt"}},
		{name: "Data not JSON", body: at(now, data("Tsr=R1")), want: []string{"request data# json"}},
		{
			name: "Data breaks the schema",
			body: at(now, data(`{"MerchantID":"2000132","Tsr":"`+strings.Repeat("T", 31)+`","PayType":2}`)),
			want: []string{"request data#/Tsr maxLength"},
		},
		{
			name: "TriggerIssue Data breaks the schema twice",
			path: triggerOp.Path,
			body: at(now, data(`{"MerchantID":"2000132","Tsr":""}`)),
			want: []string{"request data#/PayType required", "request data#/Tsr minLength"},
		},
		{name: "MerchantID differs inside", body: at(now, data(innerJSON(cancelOp, "2000133", "R1"))), want: []string{"request data#/MerchantID merchant-mismatch"}},
		{
			name: "merchant without keys",
			body: envelope(now, data(valid), func(m map[string]any) { m["MerchantID"] = "2000133" }),
			note: `Data not checked, of the request or the answer: no keys for merchant "2000133"`,
		},
		{
			name: "larger than MaxBodyBytes", body: bytes.Repeat([]byte(" "), ecpaysim.MaxBodyBytes+1),
			note: "not forwarded: the body is larger than 1 MiB", notSent: true, wantProxy: http.StatusRequestEntityTooLarge,
		},
	}
	var got atomic.Value
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got.Store(r.Method + " " + r.URL.RequestURI() + " " + r.Header.Get("Content-Type") + " " + string(body))
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"TransCode":9001,"TransMsg":"rejected","Data":"","RpHeader":{"Timestamp":%d}}`, time.Now().Unix())
	}))
	defer upstream.Close()
	p := newTestProxy(t, upstream.URL)
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			method, path, ct := orDefault(tc.method, http.MethodPost), orDefault(tc.path, cancelOp.Path), orDefault(tc.contentType, "application/json")
			if ct == "-" {
				ct = ""
			}
			got.Store("")
			a := send(t, method, p.URL+path+"?q=1", ct, tc.body)
			sent := method + " " + path + "?q=1 " + ct + " " + string(tc.body)
			switch {
			case tc.notSent:
				if a.status != tc.wantProxy || got.Load() != "" {
					t.Errorf("HTTP %d, upstream saw %.80q; want %d from the proxy, nothing forwarded", a.status, got.Load(), tc.wantProxy)
				}
			case got.Load() != sent:
				t.Errorf("the upstream saw %.200q, want %.200q", got.Load(), sent)
			case a.status != http.StatusOK || !strings.Contains(string(a.body), `"TransCode":9001`):
				t.Errorf("the caller got HTTP %d %s", a.status, a.body)
			}
			exs := p.exchanges(t)
			if len(exs) != i+1 {
				t.Fatalf("%d exchanges recorded, want %d", len(exs), i+1)
			}
			ex := exs[i]
			if gotV := brief(ex.Violations); !slices.Equal(gotV, tc.want) {
				t.Errorf("violations %q, want %q\n%v", gotV, tc.want, ex.Violations)
			}
			if tc.note != "" && !slices.ContainsFunc(ex.Notes, func(n string) bool { return strings.Contains(n, tc.note) }) {
				t.Errorf("notes %q, want one with %q", ex.Notes, tc.note)
			}
			if ex.Query != "" || ex.Path != path || ex.Method != method || ex.UpstreamFailure != "" {
				t.Errorf("recorded %s %s?%s, failure %q", ex.Method, ex.Path, ex.Query, ex.UpstreamFailure)
			}
			again, err := proxy.CheckExchange(ex)
			if err != nil || !reflect.DeepEqual(again, ex.Violations) && !(len(again) == 0 && len(ex.Violations) == 0) {
				t.Errorf("checked again: %v, %v; recorded %v", again, err, ex.Violations)
			}
			for _, v := range ex.Violations {
				if v.Reason == "" || strings.Contains(v.Reason, "R1") {
					t.Errorf("violation %v: want a reason without the value", v)
				}
			}
		})
	}
}

// brief formats violations as "side where#pointer rule".
func brief(vs []proxy.RecordedViolation) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Side+" "+v.Where+"#"+v.Pointer+" "+v.Rule)
	}
	return out
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// sealedAnswer returns an answer envelope with TransCode 1 and Data
// encrypting plaintext under key and iv, then edits.
func sealedAnswer(t *testing.T, key, iv, plaintext string, edits ...func(map[string]any)) []byte {
	t.Helper()
	env := map[string]any{
		"MerchantID": ecpaysim.StageMerchantID,
		"RpHeader":   map[string]any{"Timestamp": time.Now().Unix()},
		"TransCode":  1,
		"TransMsg":   "",
		"Data":       encrypt(t, key, iv, plaintext),
	}
	for _, edit := range edits {
		edit(env)
	}
	b, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Upstreams that fail or break the pages: a failure passes through as it
// came (or, when nothing came, becomes a 502 of the proxy's naming the
// upstream) and is recorded as an upstream failure, never a violation; an
// answer that breaks the pages passes through unchanged and is recorded
// with its violations.
func TestProxyHostileUpstreams(t *testing.T) {
	ok := func(t *testing.T) []byte {
		return sealedAnswer(t, ecpaysim.StageHashKey, ecpaysim.StageHashIV, `{"RtnCode":1,"RtnMsg":"ok"}`)
	}
	tests := []struct {
		name    string
		handler func(t *testing.T) http.HandlerFunc
		// status is what the caller gets; body, if set, exactly.
		status  int
		body    func(t *testing.T) []byte
		inBody  string // part of the body, when it is the proxy's
		failure string // part of the upstream failure; "" for none
		want    []string
	}{
		{
			name: "HTML 502",
			handler: func(*testing.T) http.HandlerFunc {
				return func(w http.ResponseWriter, _ *http.Request) {
					w.Header().Set("Content-Type", "text/html")
					w.WriteHeader(http.StatusBadGateway)
					_, _ = io.WriteString(w, "<html><h1>502 Bad Gateway</h1></html>")
				}
			},
			status: http.StatusBadGateway, body: func(*testing.T) []byte { return []byte("<html><h1>502 Bad Gateway</h1></html>") },
			failure: "HTTP 502 Bad Gateway",
		},
		{
			name: "403 rate limit",
			handler: func(*testing.T) http.HandlerFunc {
				return func(w http.ResponseWriter, _ *http.Request) {
					w.Header().Set("Retry-After", "1800")
					w.WriteHeader(http.StatusForbidden)
					_, _ = io.WriteString(w, "Forbidden")
				}
			},
			status: http.StatusForbidden, body: func(*testing.T) []byte { return []byte("Forbidden") }, failure: "HTTP 403 Forbidden",
		},
		{
			name: "slow",
			handler: func(*testing.T) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					// net/http notices the caller gone only once the body is read.
					_, _ = io.Copy(io.Discard, r.Body)
					<-r.Context().Done()
				}
			},
			status: http.StatusBadGateway, inBody: "no answer within 200ms, the upstream timeout; the request may have reached it",
			failure: "no answer within 200ms",
		},
		{
			name: "redirect",
			handler: func(*testing.T) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, "https://elsewhere.example/B2CInvoice/CancelDelayIssue", http.StatusTemporaryRedirect)
				}
			},
			status: http.StatusTemporaryRedirect, failure: "HTTP 307 Temporary Redirect",
		},
		{
			name: "wrong key",
			handler: func(t *testing.T) http.HandlerFunc {
				body := sealedAnswer(t, otherKey, otherIV, `{"RtnCode":1,"RtnMsg":"ok"}`)
				return func(w http.ResponseWriter, _ *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					_, _ = w.Write(body)
				}
			},
			status: http.StatusOK, want: []string{"response data# decrypt"},
		},
		{
			name: "answer breaks the pages",
			handler: func(t *testing.T) http.HandlerFunc {
				body := sealedAnswer(t, ecpaysim.StageHashKey, ecpaysim.StageHashIV, `{"RtnCode":"1","RtnMsg":"ok"}`, func(m map[string]any) {
					m["TransMsg"] = strings.Repeat("x", 201)
				})
				return func(w http.ResponseWriter, _ *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					_, _ = w.Write(body)
				}
			},
			status: http.StatusOK, want: []string{"response envelope#/TransMsg maxLength", "response data#/RtnCode type"},
		},
		{
			name: "HTML 200",
			handler: func(*testing.T) http.HandlerFunc {
				return func(w http.ResponseWriter, _ *http.Request) {
					w.Header().Set("Content-Type", "text/html")
					_, _ = io.WriteString(w, "<html>maintenance</html>")
				}
			},
			status: http.StatusOK, want: []string{"response http# content-type", "response http# json"},
		},
		{
			name: "TransCode 1 without Data",
			handler: func(t *testing.T) http.HandlerFunc {
				return func(w http.ResponseWriter, _ *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					_, _ = io.WriteString(w, `{"TransCode":1,"TransMsg":"","Data":""}`)
				}
			},
			status: http.StatusOK, want: []string{"response envelope#/Data data-missing"},
		},
		{
			name: "201",
			handler: func(t *testing.T) http.HandlerFunc {
				body := ok(t)
				return func(w http.ResponseWriter, _ *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusCreated)
					_, _ = w.Write(body)
				}
			},
			status: http.StatusCreated, want: []string{"response http# status"},
		},
		{
			name: "gzip",
			handler: func(t *testing.T) http.HandlerFunc {
				var zipped bytes.Buffer
				zw := gzip.NewWriter(&zipped)
				_, _ = zw.Write(sealedAnswer(t, ecpaysim.StageHashKey, ecpaysim.StageHashIV, `{"RtnCode":"x","RtnMsg":"ok"}`))
				_ = zw.Close()
				return func(w http.ResponseWriter, _ *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					w.Header().Set("Content-Encoding", "gzip")
					_, _ = w.Write(zipped.Bytes())
				}
			},
			status: http.StatusOK, want: []string{"response data#/RtnCode type"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			upstream := httptest.NewServer(tt.handler(t))
			defer upstream.Close()
			p := newTestProxy(t, upstream.URL+"/prefix/", proxy.WithUpstreamTimeout(200*time.Millisecond))
			req := envelope(time.Now(), stageData(t, innerJSON(cancelOp, ecpaysim.StageMerchantID, "H1")))
			httpReq, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, p.URL+cancelOp.Path, bytes.NewReader(req))
			httpReq.Header.Set("Content-Type", "application/json")
			httpReq.Header.Set("Accept-Encoding", "gzip") // as it is, so that the test sees the bytes
			resp, err := http.DefaultTransport.RoundTrip(httpReq)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != tt.status {
				t.Fatalf("HTTP %d %q, %v; want %d", resp.StatusCode, body, err, tt.status)
			}
			if tt.body != nil && !bytes.Equal(body, tt.body(t)) {
				t.Errorf("body %q, want %q", body, tt.body(t))
			}
			if tt.inBody != "" && (!strings.Contains(string(body), tt.inBody) || !strings.Contains(string(body), upstream.URL+"/prefix/")) {
				t.Errorf("body %q, want one naming the upstream and %q", body, tt.inBody)
			}
			exs := p.exchanges(t)
			if len(exs) != 1 {
				t.Fatalf("%d exchanges recorded", len(exs))
			}
			ex := exs[0]
			if tt.failure == "" && ex.UpstreamFailure != "" || !strings.Contains(ex.UpstreamFailure, tt.failure) {
				t.Errorf("upstream failure %q, want %q", ex.UpstreamFailure, tt.failure)
			}
			if got := brief(ex.Violations); !slices.Equal(got, tt.want) {
				t.Errorf("violations %q, want %q\n%v", got, tt.want, ex.Violations)
			}
			s := p.Summary()
			wantFailures := 0
			if tt.failure != "" {
				wantFailures = 1
			}
			if s.UpstreamFailures != wantFailures || s.Violations != len(tt.want) || s.Exchanges != 1 {
				t.Errorf("summary %+v", s)
			}
			again, err := proxy.CheckExchange(ex)
			if err != nil || len(again) != len(ex.Violations) || (len(again) > 0 && !reflect.DeepEqual(again, ex.Violations)) {
				t.Errorf("checked again: %v, %v; recorded %v", again, err, ex.Violations)
			}
		})
	}
}

// Upstreams that fail below HTTP: a refused connection, a connection
// closed after the request (the request is not sent twice), an endless
// body (streamed until the timeout, then cut off) and a body that breaks
// off.
func TestProxyBrokenUpstreams(t *testing.T) {
	req := func(t *testing.T) []byte {
		return envelope(time.Now(), stageData(t, innerJSON(cancelOp, ecpaysim.StageMerchantID, "B1")))
	}
	t.Run("refused", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		p := newTestProxy(t, "http://"+addr)
		a := send(t, http.MethodPost, p.URL+cancelOp.Path, "application/json", req(t))
		if a.status != http.StatusBadGateway || !strings.Contains(string(a.body), "could not connect") || !strings.Contains(string(a.body), "nothing was sent") {
			t.Errorf("HTTP %d %q", a.status, a.body)
		}
		if ex := p.exchanges(t)[0]; !strings.HasPrefix(ex.UpstreamFailure, "could not connect") || len(ex.Violations) != 0 {
			t.Errorf("recorded %+v", ex)
		}
	})
	t.Run("a certificate not trusted", func(t *testing.T) {
		var hits atomic.Int32
		upstream := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
		upstream.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
		upstream.StartTLS()
		defer upstream.Close()
		p := newTestProxy(t, upstream.URL)
		a := send(t, http.MethodPost, p.URL+cancelOp.Path, "application/json", req(t))
		if a.status != http.StatusBadGateway || !strings.Contains(string(a.body), "the TLS handshake failed") || !strings.Contains(string(a.body), "nothing was sent") || hits.Load() != 0 {
			t.Errorf("HTTP %d %q; the upstream got %d requests", a.status, a.body, hits.Load())
		}
	})
	t.Run("closed after the request, never resent", func(t *testing.T) {
		// Each connection answers its first request and closes on its
		// second once read: net/http would send that one again on a new
		// connection, were it replayable (it is, to net/http, with an
		// Idempotency-Key) and its body rewindable.
		var hits atomic.Int32
		answer := sealedAnswer(t, ecpaysim.StageHashKey, ecpaysim.StageHashIV, `{"RtnCode":1,"RtnMsg":"ok"}`)
		up := rawUpstream(t, func(c net.Conn, _ []byte) {
			hits.Add(1)
			_, _ = fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(answer), answer)
			if _, err := readRawRequest(c); err == nil {
				hits.Add(1)
			}
		})
		p := newTestProxy(t, up)
		for i, want := range []int{http.StatusOK, http.StatusBadGateway} {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, p.URL+cancelOp.Path, bytes.NewReader(req(t)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Idempotency-Key", strconv.Itoa(i))
			a, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(a.Body)
			a.Body.Close()
			if a.StatusCode != want || (want == http.StatusBadGateway && !strings.Contains(string(body), "may have reached it")) {
				t.Errorf("request %d: HTTP %d %q, want %d", i+1, a.StatusCode, body, want)
			}
		}
		if n := hits.Load(); n != 2 {
			t.Errorf("the upstream got %d requests for 2 sent", n)
		}
	})
	t.Run("endless body", func(t *testing.T) {
		upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			chunk := bytes.Repeat([]byte("x"), 32<<10)
			for r.Context().Err() == nil {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}))
		defer upstream.Close()
		p := newTestProxy(t, upstream.URL, proxy.WithUpstreamTimeout(300*time.Millisecond))
		a := send(t, http.MethodPost, p.URL+cancelOp.Path, "application/json", req(t))
		if a.status != http.StatusOK || a.err == nil || len(a.body) <= wrapper.MaxResponseBytes {
			t.Errorf("HTTP %d, %d bytes, %v; want more than 1 MiB, then the connection broken", a.status, len(a.body), a.err)
		}
		ex := p.exchanges(t)[0]
		if !strings.Contains(ex.UpstreamFailure, "larger than 1 MiB") || !strings.Contains(ex.UpstreamFailure, "the upstream timeout ran out") || ex.Response.Omitted == "" || len(ex.Violations) != 0 {
			t.Errorf("recorded %q, omitted %q, %v", ex.UpstreamFailure, ex.Response.Omitted, ex.Violations)
		}
	})
	t.Run("body breaks off", func(t *testing.T) {
		up := rawUpstream(t, func(c net.Conn, _ []byte) {
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"TransCode\":1,")
			c.Close()
		})
		p := newTestProxy(t, up)
		a := send(t, http.MethodPost, p.URL+cancelOp.Path, "application/json", req(t))
		if a.status != http.StatusOK || string(a.body) != `{"TransCode":1,` || a.err == nil {
			t.Errorf("HTTP %d %q, %v; want the 15 bytes that came, then the connection broken", a.status, a.body, a.err)
		}
		ex := p.exchanges(t)[0]
		if !strings.Contains(ex.UpstreamFailure, "broke off after 15 bytes") || len(ex.Violations) != 0 {
			t.Errorf("recorded %q, %v", ex.UpstreamFailure, ex.Violations)
		}
	})
}

// Exchanges through the Proxy at once are each recorded whole, in one
// write of one line.
func TestProxyRecordsConcurrentExchanges(t *testing.T) {
	sim := ecpaysimtest.NewServer(t)
	w := &lineWriter{}
	p, err := proxy.New(sim.URL, proxy.WithRecording(w))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(p)
	defer hs.Close()
	client, err := wrapper.NewClient(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV, wrapper.WithBaseURL(hs.URL))
	if err != nil {
		t.Fatal(err)
	}
	const callers, calls = 8, 10
	done := make(chan struct{})
	for c := range callers {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range calls {
				_, _ = client.TriggerIssue(t.Context(), wrapper.TriggerIssueRequest{Tsr: fmt.Sprintf("C%dN%d", c, i), PayType: "2"})
			}
		}()
	}
	for range callers {
		<-done
	}
	hs.Close()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.bad != "" {
		t.Fatal(w.bad)
	}
	tsrs := map[string]bool{}
	for _, ex := range readExchanges(t, w.buf.String()) {
		var in struct{ Tsr string }
		_ = json.Unmarshal(ex.Request.Data, &in)
		tsrs[in.Tsr] = true
	}
	if len(tsrs) != callers*calls || w.writes != callers*calls {
		t.Errorf("%d distinct requests recorded in %d writes, want %d", len(tsrs), w.writes, callers*calls)
	}
}

// lineWriter collects a recording and checks that each write is one line.
type lineWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes int
	bad    string
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes++
	if bytes.Count(p, []byte("\n")) != 1 || p[len(p)-1] != '\n' {
		w.bad = fmt.Sprintf("write %d is not one line: %.100q", w.writes, p)
	}
	return w.buf.Write(p)
}

// rawUpstream serves each connection with serve after reading one request
// (its bytes as they came, up to the end of its body); it returns the base
// URL.
func rawUpstream(t *testing.T, serve func(c net.Conn, request []byte)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				raw, err := readRawRequest(c)
				if err != nil {
					return
				}
				serve(c, raw)
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// readRawRequest reads one HTTP/1.1 request with a Content-Length from c,
// byte for byte.
func readRawRequest(c net.Conn) ([]byte, error) {
	var raw bytes.Buffer
	r := bufio.NewReader(io.TeeReader(c, &raw))
	req, err := http.ReadRequest(r)
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(io.Discard, req.Body); err != nil {
		return nil, err
	}
	return raw.Bytes()[:raw.Len()-r.Buffered()], nil
}

// What the caller sends is what the upstream receives, and what the
// upstream sends is what the caller receives: the body bytes, the method,
// the path under the upstream's prefix, the query and every end-to-end
// header, in both directions; hop-by-hop headers stop at the proxy.
func TestProxyPassesBytesUnchanged(t *testing.T) {
	requestBody := []byte("{ \"MerchantID\" : \"2000132\",\n  \"RqHeader\":{\"Timestamp\":" + strconv.FormatInt(time.Now().Unix(), 10) +
		"}, \"Data\":\"" + stageData(t, `{"MerchantID":"2000132","Tsr":"B\u00e9"}`) + "\", \"Extra\": 1.50 }\n")
	answerBody := "{\"TransCode\" : 1 ,\"TransMsg\":\"\\u00e9\\u003c\",  \"RpHeader\":{\"Timestamp\":1},\"Data\":\"" +
		stageData(t, `{"RtnCode":1,"RtnMsg":"<ok>"}`) + "\"}\r\n"
	answer := "HTTP/1.1 200 OK\r\n" +
		"Content-Type: application/json;charset=UTF-8\r\n" +
		"X-Upstream: a\r\nX-Upstream: b\r\n" +
		"Set-Cookie: s=1; Path=/\r\n" +
		"Date: Mon, 02 Jan 2006 15:04:05 GMT\r\n" +
		"Cache-Control: no-store\r\n" +
		"Keep-Alive: timeout=5\r\n" +
		"Connection: X-Hop-Answer\r\nX-Hop-Answer: 1\r\n" +
		"Content-Length: " + strconv.Itoa(len(answerBody)) + "\r\n\r\n" + answerBody
	received := make(chan *http.Request, 1)
	receivedBody := make(chan []byte, 1)
	up := rawUpstream(t, func(c net.Conn, raw []byte) {
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
		if err != nil {
			t.Error(err)
			return
		}
		body, _ := io.ReadAll(req.Body)
		received <- req
		receivedBody <- body
		_, _ = io.WriteString(c, answer)
	})
	p := newTestProxy(t, up+"/prefix")

	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, p.URL+cancelOp.Path+"?a=1&b=%2F", bytes.NewReader(requestBody))
	if err != nil {
		t.Fatal(err)
	}
	sentHeader := http.Header{
		"Content-Type":    {"application/json; charset=utf-8"},
		"User-Agent":      {"merchant-app/1.0"},
		"Accept-Encoding": {"identity"},
		"X-Request-Id":    {"one", "two"},
		"Cookie":          {"session=abc"},
		"Connection":      {"X-Hop"},
		"X-Hop":           {"stop here"},
	}
	req.Header = sentHeader.Clone()
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	gotBody, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	up2 := <-received
	if body := <-receivedBody; !bytes.Equal(body, requestBody) {
		t.Errorf("the upstream received the body %q, the caller sent %q", body, requestBody)
	}
	if up2.Method != http.MethodPost || up2.RequestURI != "/prefix"+cancelOp.Path+"?a=1&b=%2F" {
		t.Errorf("the upstream received %s %s", up2.Method, up2.RequestURI)
	}
	wantHeader := sentHeader.Clone()
	wantHeader.Del("Connection")
	wantHeader.Del("X-Hop")
	wantHeader.Set("Content-Length", strconv.Itoa(len(requestBody)))
	if !reflect.DeepEqual(up2.Header, wantHeader) {
		t.Errorf("the upstream received the headers\n%v\nwant\n%v", up2.Header, wantHeader)
	}

	if !bytes.Equal(gotBody, []byte(answerBody)) {
		t.Errorf("the caller received the body %q, the upstream sent %q", gotBody, answerBody)
	}
	wantAnswerHeader := http.Header{
		"Content-Type":   {"application/json;charset=UTF-8"},
		"X-Upstream":     {"a", "b"},
		"Set-Cookie":     {"s=1; Path=/"},
		"Date":           {"Mon, 02 Jan 2006 15:04:05 GMT"},
		"Cache-Control":  {"no-store"},
		"Content-Length": {strconv.Itoa(len(answerBody))},
	}
	if resp.StatusCode != http.StatusOK || !reflect.DeepEqual(resp.Header, wantAnswerHeader) {
		t.Errorf("the caller received HTTP %d with the headers\n%v\nwant\n%v", resp.StatusCode, resp.Header, wantAnswerHeader)
	}
	ex := p.exchanges(t)[0]
	if len(ex.Violations) != 0 || ex.UpstreamFailure != "" || string(ex.Request.Data) != `{"MerchantID":"2000132","Tsr":"B\u00e9"}` {
		t.Errorf("recorded %+v", ex)
	}
}

// An answer without Date or Content-Type reaches the caller without them:
// net/http adds neither.
func TestProxyAddsNoHeaders(t *testing.T) {
	up := rawUpstream(t, func(c net.Conn, _ []byte) {
		_, _ = io.WriteString(c, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\n\r\noops!")
	})
	p := newTestProxy(t, up)
	a := send(t, http.MethodPost, p.URL+cancelOp.Path, "application/json", []byte("{}"))
	if a.status != http.StatusInternalServerError || string(a.body) != "oops!" || !reflect.DeepEqual(a.header, http.Header{"Content-Length": {"5"}}) {
		t.Errorf("HTTP %d %q with %v", a.status, a.body, a.header)
	}
}

// A caller that gives up does not cut off the exchange with the upstream,
// which may already have reached ECPay: it is completed and recorded.
func TestProxyOutlivesTheCaller(t *testing.T) {
	arrived, release := make(chan struct{}), make(chan struct{})
	var done atomic.Bool
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-release
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(sealedAnswer(t, ecpaysim.StageHashKey, ecpaysim.StageHashIV, `{"RtnCode":1,"RtnMsg":"ok"}`))
		done.Store(r.Context().Err() == nil)
	}))
	defer upstream.Close()
	p := newTestProxy(t, upstream.URL)
	ctx, cancel := context.WithCancel(t.Context())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, p.URL+cancelOp.Path, bytes.NewReader(envelope(time.Now(), stageData(t, innerJSON(cancelOp, ecpaysim.StageMerchantID, "G1")))))
	req.Header.Set("Content-Type", "application/json")
	errs := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errs <- err
	}()
	<-arrived
	cancel()
	if err := <-errs; !errors.Is(err, context.Canceled) {
		t.Fatalf("the caller got %v, want its cancellation", err)
	}
	close(release)
	deadline := time.Now().Add(10 * time.Second)
	for p.Summary().Exchanges == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	exs := p.exchanges(t)
	if len(exs) != 1 || !done.Load() || exs[0].Response.Status != http.StatusOK || !exs[0].Response.Decrypted {
		t.Fatalf("recorded %+v; the upstream finished: %v", exs, done.Load())
	}
}

// GET /_sim/state reports the counts; POST /_sim/delayed is refused.
func TestProxyAdminAPI(t *testing.T) {
	sim := ecpaysimtest.NewServer(t)
	p := newTestProxy(t, sim.URL)
	send(t, http.MethodPost, p.URL+cancelOp.Path, "application/json", []byte(`{"MerchantID":"12345678901"}`))
	send(t, http.MethodPost, p.URL+"/B2CInvoice/Nope", "application/json", []byte(`{}`))
	a := send(t, http.MethodGet, p.URL+"/_sim/state", "", nil)
	var s proxy.Summary
	if err := json.Unmarshal(a.body, &s); err != nil || a.status != http.StatusOK {
		t.Fatalf("GET /_sim/state: HTTP %d %s", a.status, a.body)
	}
	want := proxy.Summary{
		Mode: proxy.ModeProxy, Upstream: sim.URL, Merchants: []string{ecpaysim.StageMerchantID},
		Exchanges: 2, UpstreamFailures: 1, Violations: 4,
		ViolationsBySide: map[string]map[string]int{"request": {"maxLength": 1, "required": 2, "path": 1}},
	}
	if !reflect.DeepEqual(s, want) || !reflect.DeepEqual(p.Summary(), want) {
		t.Errorf("state %+v\nwant %+v", s, want)
	}
	a = send(t, http.MethodPost, p.URL+"/_sim/delayed", "application/json", []byte(`{"MerchantID":"2000132","Tsr":"X"}`))
	if a.status != http.StatusNotFound || !strings.Contains(string(a.body), "not the simulator") || !strings.Contains(string(a.body), sim.URL) {
		t.Errorf("POST /_sim/delayed: HTTP %d %q", a.status, a.body)
	}
	if n := len(sim.Invoices()); n != 0 {
		t.Errorf("the upstream has %d invoices", n)
	}
}

// Handler passes every path but the admin API's on, one that is not clean
// too (a ServeMux would redirect it), to a Proxy and a Replay; the Proxy
// resolves dot segments (see TestProxyKeepsRequestsUnderThePrefix) and
// keeps the rest as it came.
func TestHandlerPassesUncleanPaths(t *testing.T) {
	paths := make(chan string, 1)
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths <- r.URL.Path
		http.Error(w, "no", http.StatusNotFound)
	}))
	defer upstream.Close()
	p := newTestProxy(t, upstream.URL)
	_, replayURL := newTestReplay(t, "")
	for path, forwarded := range map[string]string{"//B2CInvoice/CancelDelayIssue": "//B2CInvoice/CancelDelayIssue", "/B2CInvoice/../_sim/state": "/_sim/state"} {
		a := send(t, http.MethodPost, p.URL+path, "application/json", []byte(`{}`))
		got := "nothing"
		select {
		case got = <-paths: // sent before the upstream answered
		default:
		}
		if a.status != http.StatusNotFound || got != forwarded {
			t.Errorf("POST %s through the proxy: HTTP %d; the upstream got %q, want %q", path, a.status, got, forwarded)
		}
		a = send(t, http.MethodPost, replayURL+path, "application/json", []byte(`{}`))
		if a.status != http.StatusNotFound || !strings.Contains(string(a.body), "replay: ") {
			t.Errorf("POST %s to the replay: HTTP %d %q, want its own 404", path, a.status, a.body)
		}
	}
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name     string
		upstream string
		opts     []proxy.Option
		want     string
	}{
		{"plain http to another host", "http://einvoice-stage.ecpay.com.tw", nil, "plain http is allowed only for loopback hosts"},
		{"user information", "https://user:secret@einvoice-stage.ecpay.com.tw", nil, "user information"},
		{"not a URL", "einvoice-stage.ecpay.com.tw", nil, "has no scheme; write https://einvoice-stage.ecpay.com.tw"},
		{"a query", "https://einvoice-stage.ecpay.com.tw/?x=1", nil, "query"},
		{"zero timeout", wrapper.StageURL, []proxy.Option{proxy.WithUpstreamTimeout(0)}, "want a positive duration"},
		{"nil recording", wrapper.StageURL, []proxy.Option{proxy.WithRecording(nil)}, "non-nil io.Writer"},
		{"a bound on bytes in flight under 2 MiB", wrapper.StageURL, []proxy.Option{proxy.WithMaxInFlightBytes(2*ecpaysim.MaxBodyBytes - 1)}, "want at least 2097152 (2 MiB)"},
		{"a bad merchant", wrapper.StageURL, []proxy.Option{proxy.WithMerchant("1", "short", otherIV)}, "HashKey is 5 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := proxy.New(tt.upstream, tt.opts...)
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "secret") {
				t.Errorf("New: %v, want an error with %q", err, tt.want)
			}
		})
	}
}

// A merchant configured with its keys has its Data checked on both sides;
// the recording never holds the keys of any merchant.
func TestProxyOtherMerchant(t *testing.T) {
	sim := ecpaysimtest.NewServer(t, ecpaysim.WithMerchant(otherMerchant, otherKey, otherIV))
	mustAdd(t, sim, otherMerchant, "M1")
	p := newTestProxy(t, sim.URL, proxy.WithMerchant(otherMerchant, otherKey, otherIV))
	client, err := wrapper.NewClient(otherMerchant, otherKey, otherIV, wrapper.WithBaseURL(p.URL))
	if err != nil {
		t.Fatal(err)
	}
	if res, err := client.CancelDelayIssue(t.Context(), wrapper.CancelDelayIssueRequest{Tsr: "M1"}); err != nil || res.RtnCode != wrapper.RtnCodeOK {
		t.Fatalf("CancelDelayIssue: %+v, %v", res, err)
	}
	ex := p.exchanges(t)[0]
	if !ex.Request.Decrypted || !ex.Response.Decrypted || len(ex.Violations) != 0 {
		t.Errorf("recorded %+v", ex)
	}
	state := send(t, http.MethodGet, p.URL+"/_sim/state", "", nil)
	noKeys(t, map[string]string{"the recording": p.Recording.String(), "the state": string(state.body)})
}

// BenchmarkProxy measures a TriggerIssue call of the client straight to the
// simulator and through a Proxy (which checks, decrypts and records both
// sides) in front of it, over loopback.
func BenchmarkProxy(b *testing.B) {
	sim, err := ecpaysim.New()
	if err != nil {
		b.Fatal(err)
	}
	upstream := httptest.NewServer(sim)
	defer upstream.Close()
	p, err := proxy.New(upstream.URL, proxy.WithRecording(io.Discard))
	if err != nil {
		b.Fatal(err)
	}
	front := httptest.NewServer(p)
	defer front.Close()
	for _, target := range []struct{ name, url string }{{"direct", upstream.URL}, {"proxied", front.URL}} {
		b.Run(target.name, func(b *testing.B) {
			client, err := wrapper.NewClient(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV, wrapper.WithBaseURL(target.url))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := client.TriggerIssue(b.Context(), wrapper.TriggerIssueRequest{Tsr: "NONE", PayType: "2"}); !errors.Is(err, wrapper.ErrNotFound) {
					b.Fatal(err)
				}
			}
		})
	}
}

// A request's path stays under the upstream's path prefix: dot segments,
// escaped or not, are resolved before the path is joined to the prefix,
// and a path that climbs above the root is refused with 400, not
// forwarded. The query is forwarded but never recorded.
func TestProxyKeepsRequestsUnderThePrefix(t *testing.T) {
	var got atomic.Value
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.RequestURI)
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusNotFound)
	}))
	t.Cleanup(upstream.Close)
	p := newTestProxy(t, upstream.URL+"/pre/fix/")
	for _, tt := range []struct {
		name, path string
		want       string // what the upstream gets; "" for a refusal
	}{
		{"a clean path", cancelOp.Path, "/pre/fix" + cancelOp.Path},
		{"dot dot above the root", "/B2CInvoice/../..", ""},
		{"dot dot above the root, then a path", "/B2CInvoice/../../etc/passwd", ""},
		{"escaped dots", "/B2CInvoice/%2e%2e/%2E%2E/x", ""},
		{"escaped slashes", "/B2CInvoice/..%2F..%2Fx", ""},
		{"escaped backslashes", "/B2CInvoice/..%5C..%5Cx", ""},
		{"dot dot within the prefix", "/B2CInvoice/../B2CInvoice/x", "/pre/fix/B2CInvoice/x"},
		{"escaped dot dot within the prefix", "/B2CInvoice/%2e%2e/x", "/pre/fix/x"},
		{"a dot segment", "/a/./b", "/pre/fix/a/b"},
		{"dot dot to the root", "/B2CInvoice/..", "/pre/fix/"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got.Store("")
			a := send(t, http.MethodPost, p.URL+tt.path+"?k=QUERYSECRET", "application/json", []byte("{}"))
			switch {
			case tt.want == "" && (a.status != http.StatusBadRequest || got.Load() != "" || !strings.Contains(string(a.body), "climbs above the root")):
				t.Errorf("HTTP %d %q, the upstream got %q; want 400 naming the climb, nothing forwarded", a.status, a.body, got.Load())
			case tt.want != "" && got.Load() != tt.want+"?k=QUERYSECRET":
				t.Errorf("the upstream got %q, want %q", got.Load(), tt.want+"?k=QUERYSECRET")
			}
		})
	}
	if rec := p.Recording.String(); strings.Contains(rec, "QUERYSECRET") {
		t.Errorf("the recording holds the query: %s", rec)
	}
}

// Many large requests at once against a small bound on the bytes in
// flight: those beyond it get 503 with Retry-After and are not forwarded,
// the heap holds the bound's worth, not the callers', and a request right
// after is served.
func TestProxyBoundsTheBytesInFlight(t *testing.T) {
	const (
		clients = 100
		bound   = 4 << 20
	)
	release := make(chan struct{})
	arrived := make(chan struct{}, clients+1)
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-release
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(upstream.Close)
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	p := newTestProxy(t, upstream.URL, proxy.WithMaxInFlightBytes(bound))
	transport := &http.Transport{}
	t.Cleanup(transport.CloseIdleConnections)
	post := func(body []byte) (int, http.Header, error) {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, p.URL+cancelOp.Path, bytes.NewReader(body))
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := transport.RoundTrip(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		_, err = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, resp.Header, err
	}

	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	large := bytes.Repeat([]byte("x"), ecpaysim.MaxBodyBytes) // shared: the callers hold one copy
	type result struct {
		status     int
		retryAfter string
		err        error
	}
	results := make(chan result, clients)
	for range clients {
		go func() {
			status, h, err := post(large)
			results <- result{status, h.Get("Retry-After"), err}
		}()
	}
	// Each request is either refused or held at the upstream: wait for all.
	var refused, held int
	var done []result
	for refused+held < clients {
		select {
		case r := <-results:
			done = append(done, r)
			if r.status == http.StatusServiceUnavailable && r.retryAfter != "" {
				refused++
			} else {
				t.Fatalf("before the upstream answered: HTTP %d, Retry-After %q, %v", r.status, r.retryAfter, r.err)
			}
		case <-arrived:
			held++
		}
	}
	var during runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&during)
	growth := int64(during.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("%d requests of %d MiB at once, %d MiB in flight at most: %d forwarded, %d refused; the live heap grew by %.1f MiB",
		clients, ecpaysim.MaxBodyBytes>>20, bound>>20, held, refused, float64(growth)/(1<<20))
	if refused == 0 || held*ecpaysim.MaxBodyBytes > bound {
		t.Errorf("%d forwarded, %d refused: want at most %d forwarded", held, refused, bound/ecpaysim.MaxBodyBytes)
	}
	for _, r := range done {
		if r.retryAfter != "1" {
			t.Errorf("Retry-After %q, want 1", r.retryAfter)
		}
	}
	// Unbounded, each request held would hold its body (and more):
	// clients MiB.
	if growth > 8*bound {
		t.Errorf("the live heap grew by %d MiB with %d MiB in flight at most", growth>>20, bound>>20)
	}

	close(release)
	for range held {
		if r := <-results; r.status != http.StatusOK || r.err != nil {
			t.Errorf("a request forwarded: HTTP %d, %v", r.status, r.err)
		}
	}
	if status, _, err := post([]byte(`{}`)); status != http.StatusOK || err != nil {
		t.Errorf("a request right after: HTTP %d, %v", status, err)
	}
	if s := p.Summary(); s.Exchanges != clients+1 {
		t.Errorf("%d exchanges counted, want %d", s.Exchanges, clients+1)
	}
}
