package inspect_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/ecpaysim/ecpaysimtest"
	"github.com/ecpay-go/einvoice/ecpaysim/proxy"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/browsertest"
	"github.com/ecpay-go/einvoice/internal/inspect"
	"github.com/ecpay-go/einvoice/internal/testkit"
	"github.com/ecpay-go/einvoice/wrapper"
)

func TestMain(m *testing.M) { os.Exit(browsertest.Run(m)) }

// The hostile values: each would run a script if a page put it in its HTML
// unescaped, setting window.__pwned.
const (
	hostileScript = `<script>window.__pwned=1</script>`
	hostileAttr   = `"><img src=x onerror="window.__pwned=2">`
)

// sendBroken posts a CancelDelayIssue whose Data breaks the page (its Tsr,
// hostileScript, is longer than the page allows), as a merchant's own code
// might send it past the client's checks.
func sendBroken(t *testing.T, baseURL string) {
	t.Helper()
	data := testkit.StageData(t, fmt.Sprintf(`{"MerchantID":"2000132","Tsr":%q}`, hostileScript))
	body := fmt.Sprintf(`{"MerchantID":"2000132","RqHeader":{"Timestamp":%d},"Data":%q}`, time.Now().Unix(), data)
	if status, _ := testkit.Do(t, http.MethodPost, baseURL+registry.CancelDelayIssue.Path, "application/json", strings.NewReader(body)); status != http.StatusOK {
		t.Fatalf("the broken request got HTTP %d", status)
	}
}

// newInspector starts a simulator with the invoice T1 and its inspector on
// a port of its own.
func newInspector(t *testing.T) (*ecpaysimtest.Server, string) {
	t.Helper()
	sim := ecpaysimtest.NewServer(t)
	if err := sim.AddDelayedInvoice(ecpaysim.StageMerchantID, "T1"); err != nil {
		t.Fatal(err)
	}
	ui := httptest.NewServer(inspect.Handler(inspect.Simulator(sim.Server)))
	t.Cleanup(ui.Close)
	return sim, ui.URL
}

func get(t *testing.T, u string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// TestPageEscapesAndFilters checks the served HTML itself: the decrypted
// Data of both sides, a violation pinned to its line, every hostile value
// escaped, the policy on every answer, and the filters of the query (the
// page without JavaScript).
func TestPageEscapesAndFilters(t *testing.T) {
	sim, base := newInspector(t)
	if _, err := sim.Client.TriggerIssue(t.Context(), wrapper.TriggerIssueRequest{Tsr: "T1", PayType: "2"}); err != nil {
		t.Fatal(err)
	}
	sendBroken(t, sim.URL)

	status, header, page := get(t, base+inspect.Path)
	if status != http.StatusOK {
		t.Fatalf("HTTP %d: %s", status, page)
	}
	for _, h := range []string{"/_sim/ui", "/_sim/ui/state", "/_sim/ui/rows", "/_sim/ui/static/ui.js", "/_sim/ui/static/ui.css"} {
		_, hh, _ := get(t, base+h)
		if csp := hh.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: Content-Security-Policy %q, want script-src 'self' and no unsafe-inline", h, csp)
		}
	}
	if header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("X-Frame-Options %q", header.Get("X-Frame-Options"))
	}
	for _, want := range []string{
		`<span class="ln pinned" data-pointer="/Tsr">  &#34;Tsr&#34;: &#34;&lt;script&gt;window.__pwned=1&lt;/script&gt;&#34;</span>`,
		`↑ data#/Tsr: <b>maxLength</b> maximum string length is 30`,
		`&#34;RtnCode&#34;: 4000004`,
		`<b>4000004</b> issued now`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if strings.Contains(page, hostileScript) || strings.Contains(page, "<script>window") {
		t.Errorf("the page holds the hostile value unescaped")
	}
	_, _, state := get(t, base+inspect.Path+"/state")
	// The triggered invoice is issued: the state links to its printable
	// proof, which the simulator serves.
	issued := sim.IssuedInvoices(ecpaysim.StageMerchantID)
	if len(issued) != 1 {
		t.Fatalf("%d invoices issued, want T1's", len(issued))
	}
	print := ecpaysim.PrintPrefix + ecpaysim.StageMerchantID + "/" + issued[0].InvoiceNo
	if !strings.Contains(state, `<a href="`+print+`"`) {
		t.Errorf("the state view does not link to %s", print)
	}
	// The proof prints the number as the tax office does: SM-00000001.
	if status, _, proof := get(t, sim.URL+print); status != http.StatusOK || !strings.Contains(proof, issued[0].InvoiceNo[:2]+"-"+issued[0].InvoiceNo[2:]) {
		t.Errorf("%s: HTTP %d, want the printable invoice %s", print, status, issued[0].InvoiceNo)
	}
	for _, key := range []string{ecpaysim.StageHashKey, ecpaysim.StageHashIV} {
		if strings.Contains(page, key) || strings.Contains(state, key) {
			t.Errorf("a page holds a key")
		}
	}
	for _, tt := range []struct {
		query string
		want  []string // the operations of the rows, newest first
	}{
		{"", []string{"CancelDelayIssue", "TriggerIssue"}},
		{"?verdict=violation", []string{"CancelDelayIssue"}},
		{"?verdict=ok", []string{"TriggerIssue"}},
		{"?op=TriggerIssue", []string{"TriggerIssue"}},
		{"?q=" + url.QueryEscape("pwned"), []string{"CancelDelayIssue"}},
		{"?q=nothing-like-it", nil},
	} {
		_, _, page := get(t, base+inspect.Path+tt.query)
		var got []string
		for _, part := range strings.Split(page, `<span class="op">`)[1:] {
			got = append(got, part[:strings.Index(part, "<")])
		}
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("%s: rows %v, want %v", tt.query, got, tt.want)
		}
	}
}

// TestRowsAfter checks the live rows: only those after the one given.
func TestRowsAfter(t *testing.T) {
	sim, base := newInspector(t)
	for range 2 {
		sim.Client.TriggerIssue(t.Context(), wrapper.TriggerIssueRequest{Tsr: "T1", PayType: "2"})
	}
	_, header, body := get(t, base+inspect.Path+"/rows?after=1")
	if header.Get("X-Last-Seq") != "2" || !strings.Contains(body, `id="ex-2"`) || strings.Contains(body, `id="ex-1"`) {
		t.Errorf("X-Last-Seq %q, rows:\n%s", header.Get("X-Last-Seq"), body)
	}
	_, header, body = get(t, base+inspect.Path+"/rows?after=2")
	if header.Get("X-Last-Seq") != "2" || strings.TrimSpace(body) != "" {
		t.Errorf("nothing new: X-Last-Seq %q, rows %q", header.Get("X-Last-Seq"), body)
	}
}

// TestGuard checks who the inspector answers: this machine only, by a
// loopback name, and a POST only from its own page.
func TestGuard(t *testing.T) {
	sim, base := newInspector(t)
	host := strings.TrimPrefix(base, "http://")
	form := "kind=rtncode&value=9000001"
	tests := []struct {
		name       string
		method     string
		remote     string
		host       string
		header     map[string]string
		wantStatus int
		wantArmed  bool
	}{
		{name: "page from loopback", method: "GET", wantStatus: http.StatusOK},
		{name: "page from another machine", method: "GET", remote: "192.0.2.7:5000", wantStatus: http.StatusForbidden},
		{name: "a rebound name", method: "GET", host: "attacker.example:80", wantStatus: http.StatusForbidden},
		{name: "POST from its own page", method: "POST", header: map[string]string{"Origin": "http://" + host, "Sec-Fetch-Site": "same-origin"}, wantStatus: http.StatusSeeOther, wantArmed: true},
		{name: "POST without Origin", method: "POST", wantStatus: http.StatusForbidden},
		{name: "POST from another port", method: "POST", header: map[string]string{"Origin": "http://127.0.0.1:1"}, wantStatus: http.StatusForbidden},
		{name: "POST from another site", method: "POST", header: map[string]string{"Origin": "http://" + host, "Sec-Fetch-Site": "cross-site"}, wantStatus: http.StatusForbidden},
		{name: "POST from a null origin", method: "POST", header: map[string]string{"Origin": "null"}, wantStatus: http.StatusForbidden},
	}
	h := inspect.Handler(inspect.Simulator(sim.Server))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := sim.PendingFaults()
			path := inspect.Path
			var body io.Reader
			if tt.method == "POST" {
				path += "/fault"
				body = strings.NewReader(form)
			}
			r := httptest.NewRequest(tt.method, "http://"+host+path, body)
			r.RemoteAddr = "127.0.0.1:40000"
			if tt.remote != "" {
				r.RemoteAddr = tt.remote
			}
			if tt.host != "" {
				r.Host = tt.host
			}
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.wantStatus {
				t.Errorf("HTTP %d, want %d: %s", w.Code, tt.wantStatus, w.Body)
			}
			if armed := sim.PendingFaults() > before; armed != tt.wantArmed {
				t.Errorf("armed %v, want %v", armed, tt.wantArmed)
			}
			if w.Header().Get("Content-Security-Policy") == "" {
				t.Error("no Content-Security-Policy")
			}
		})
	}
}

// TestFaultForm checks the form's faults against InjectNext's.
func TestFaultForm(t *testing.T) {
	tests := []struct {
		form    string
		want    ecpaysim.Fault
		wantErr string
	}{
		{form: "kind=rtncode&value=9000001&message=busy", want: ecpaysim.Fault{RtnCode: 9000001, RtnMsg: "busy"}},
		{form: "kind=transcode&value=9002", want: ecpaysim.Fault{TransCode: 9002}},
		{form: "kind=http&value=503&delay=10ms", want: ecpaysim.Fault{HTTPStatus: 503, Delay: 10 * time.Millisecond}},
		{form: "kind=malformed&value=%7B", want: ecpaysim.Fault{MalformedBody: "{"}},
		{form: "kind=data&value=x", want: ecpaysim.Fault{Data: "x"}},
		{form: "kind=delay&delay=1s", want: ecpaysim.Fault{Delay: time.Second}},
		{form: "kind=rtncode&value=abc", wantErr: "RtnCode: want a whole number"},
		{form: "kind=rtncode&value=1", wantErr: "RtnCode 1 is success"},
		{form: "kind=http&value=200", wantErr: "not an HTTP error status"},
		{form: "kind=delay", wantErr: "a delay only needs a Delay"},
		{form: "kind=http&value=503&delay=soon", wantErr: "the Delay must be a duration"},
		{form: "", wantErr: "choose a kind of fault"},
	}
	for _, tt := range tests {
		t.Run(tt.form, func(t *testing.T) {
			var got []ecpaysim.Fault
			src := inspect.Source{Mode: "simulator", Exchanges: func(int64, int) ([]inspect.Entry, int) { return nil, 0 }, State: func() []byte { return []byte("{}") }, Pending: func() int { return 0 },
				Inject: func(f ...ecpaysim.Fault) error {
					sim, err := ecpaysim.New()
					if err != nil {
						return err
					}
					if err := sim.InjectNext(f...); err != nil {
						return err
					}
					got = append(got, f...)
					return nil
				}}
			r := httptest.NewRequest("POST", "http://127.0.0.1:9"+inspect.Path+"/fault", strings.NewReader(tt.form))
			r.RemoteAddr = "127.0.0.1:40000"
			r.Header.Set("Origin", "http://127.0.0.1:9")
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			w := httptest.NewRecorder()
			inspect.Handler(src).ServeHTTP(w, r)
			if tt.wantErr != "" {
				if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), tt.wantErr) {
					t.Errorf("HTTP %d, want 400 saying %q:\n%s", w.Code, tt.wantErr, w.Body)
				}
				return
			}
			if w.Code != http.StatusSeeOther || len(got) != 1 || got[0] != tt.want {
				t.Errorf("HTTP %d, armed %+v, want %+v", w.Code, got, tt.want)
			}
		})
	}
}

// TestProxyPage checks the page of a proxy: the traffic to the upstream
// (here a simulator standing in for ECPay) with its decrypted Data, an
// upstream failure apart from the violations, the proxy's summary as the
// state, and no fault to arm.
func TestProxyPage(t *testing.T) {
	sim := ecpaysimtest.NewServer(t)
	if err := sim.AddDelayedInvoice(ecpaysim.StageMerchantID, "T1"); err != nil {
		t.Fatal(err)
	}
	p, err := proxy.New(sim.URL)
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(p)
	defer front.Close()
	ui := httptest.NewServer(inspect.Handler(inspect.Proxy(proxy.ModeProxy, p)))
	defer ui.Close()
	c, err := wrapper.NewClient(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV, wrapper.WithBaseURL(front.URL))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.TriggerIssue(t.Context(), wrapper.TriggerIssueRequest{Tsr: "T1", PayType: "2"}); err != nil {
		t.Fatal(err)
	}
	if err := sim.InjectNext(ecpaysim.Fault{HTTPStatus: http.StatusBadGateway}); err != nil {
		t.Fatal(err)
	}
	c.CancelDelayIssue(t.Context(), wrapper.CancelDelayIssueRequest{Tsr: "T1"})

	_, _, page := get(t, ui.URL+inspect.Path)
	for _, want := range []string{
		`id="ex-2" data-seq="2" data-op="CancelDelayIssue" data-verdict="failure"`,
		`<b>Failure</b> (not a violation): HTTP 502 Bad Gateway`,
		`id="ex-1" data-seq="1" data-op="TriggerIssue" data-verdict="ok"`,
		`&#34;Tsr&#34;: &#34;T1&#34;`,
		`&#34;RtnMsg&#34;: &#34;開立發票成功&#34;`,
		"ECPay proxy inspector",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the proxy's page lacks %s", want)
		}
	}
	_, _, state := get(t, ui.URL+inspect.Path+"/state")
	if !strings.Contains(state, "<dt>UpstreamFailures</dt><dd>1</dd>") || strings.Contains(state, "fault-form") {
		t.Errorf("the proxy's state: %s", state)
	}
}
