package inspect

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/ecpaysim/proxy"
)

// Source is what an inspector shows: the exchanges seen so far, the state
// as the admin API answers GET /_sim/state, and, for the simulator, the
// faults it can arm.
type Source struct {
	// Mode names what is inspected: "simulator", "proxy" or "replay".
	Mode string
	// Exchanges returns the kept exchanges numbered after after, oldest
	// first: the newest n of them (all for n 0), each made into an Entry
	// only when returned (a page asks for what is new twice a second), and
	// how many are kept in all.
	Exchanges func(after int64, n int) ([]Entry, int)
	// State returns the JSON body of GET /_sim/state.
	State func() []byte
	// Inject arms faults for the next requests; nil when the source has
	// none to arm (a proxy forwards to the real ECPay).
	Inject func(...ecpaysim.Fault) error
	// Pending returns how many armed faults no request has used yet.
	Pending func() int
}

// Simulator is the Source of sim: its kept requests, each made into an
// Exchange and checked with proxy.CheckExchange as a Proxy checks ECPay's,
// so that a request that breaks the pages shows its violations pinned to
// their fields; its state; its faults.
func Simulator(sim *ecpaysim.Server) Source {
	return Source{
		Mode: "simulator",
		Exchanges: func(after int64, n int) ([]Entry, int) {
			all := sim.Requests()
			reqs := newest(all, func(r ecpaysim.ReceivedRequest) int64 { return r.Seq }, after, n)
			out := make([]Entry, len(reqs))
			for i, r := range reqs {
				ex := simulatorExchange(r)
				vs, err := proxy.CheckExchange(ex)
				if err != nil {
					ex.Notes = append(ex.Notes, "not checked: "+err.Error())
				}
				out[i] = Entry{Seq: r.Seq, Exchange: ex, Violations: vs}
			}
			return out, len(all)
		},
		State:   adminState(sim.AdminHandler()),
		Inject:  sim.InjectNext,
		Pending: sim.PendingFaults,
	}
}

// Observer is what a Proxy and a Replay offer an inspector.
type Observer interface {
	Exchanges() []proxy.KeptExchange
	AdminHandler() http.Handler
}

// Proxy is the Source of a Proxy or a Replay (mode "proxy" or "replay"):
// its kept exchanges with their violations as checked, upstream failures
// apart, and its summary as the state.
func Proxy(mode string, o Observer) Source {
	return Source{
		Mode: mode,
		Exchanges: func(after int64, n int) ([]Entry, int) {
			all := o.Exchanges()
			kept := newest(all, func(k proxy.KeptExchange) int64 { return k.Seq }, after, n)
			out := make([]Entry, len(kept))
			for i, k := range kept {
				out[i] = Entry{Seq: k.Seq, Exchange: k.Exchange, Violations: k.Violations}
			}
			return out, len(all)
		},
		State: adminState(o.AdminHandler()),
	}
}

// newest returns the items of list (oldest first, numbered by seq in
// order) numbered after after: the newest n of them, all for n 0.
func newest[T any](list []T, seq func(T) int64, after int64, n int) []T {
	i := len(list)
	for i > 0 && seq(list[i-1]) > after && (n == 0 || len(list)-i < n) {
		i--
	}
	return list[i:]
}

// adminState returns the body of GET /_sim/state from admin, as a client
// of the admin API sees it, whatever the state holds.
func adminState(admin http.Handler) func() []byte {
	return func() []byte {
		w := &answer{header: http.Header{}, status: http.StatusOK}
		admin.ServeHTTP(w, &http.Request{Method: http.MethodGet, URL: &url.URL{Path: ecpaysim.AdminPrefix + "state"}, Header: http.Header{}})
		if w.status != http.StatusOK {
			return fmt.Appendf(nil, "%q", fmt.Sprintf("the state is not available: HTTP %d", w.status))
		}
		return bytes.TrimSpace(w.body.Bytes())
	}
}

// answer is an http.ResponseWriter that keeps what it is given (not
// httptest's: commands must not link it).
type answer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (a *answer) Header() http.Header         { return a.header }
func (a *answer) Write(b []byte) (int, error) { return a.body.Write(b) }
func (a *answer) WriteHeader(status int)      { a.status = status }

// simulatorExchange is a request of the simulator as a Proxy would have
// recorded it: the simulator reads only POST to an operation's path, with
// a JSON Content-Type (else the body is not kept), and answers JSON, or
// text/plain for an HTTP error.
func simulatorExchange(r ecpaysim.ReceivedRequest) proxy.Exchange {
	ex := proxy.Exchange{Time: r.Received, Operation: r.Operation, Method: http.MethodPost, Path: "/B2CInvoice/" + r.Operation}
	ex.Request = proxy.NewMessage(0, "application/json", r.Body, r.Plaintext, r.Plaintext != nil)
	if r.Body == nil {
		ex.Request.Omitted = "not read by the simulator: not JSON, larger than its limit, or cut off"
	}
	a := r.Answer
	contentType := "application/json"
	if a.Envelope == nil && (r.Fault == nil || r.Fault.MalformedBody == "") {
		contentType = "text/plain; charset=utf-8"
	}
	ex.Response = proxy.NewMessage(a.StatusCode, contentType, a.Body, a.Plaintext, a.Plaintext != nil)
	switch {
	case a.Abandoned:
		ex.Response.Omitted = "nothing sent: the client went away during an injected Delay"
	case a.StatusCode < 200 || a.StatusCode > 299:
		ex.UpstreamFailure = fmt.Sprintf("HTTP %d %s", a.StatusCode, http.StatusText(a.StatusCode))
	}
	if f := r.Fault; f != nil {
		ex.Notes = append(ex.Notes, "answered with an armed fault: "+faultName(*f))
	}
	if r.Truncated {
		ex.Notes = append(ex.Notes, fmt.Sprintf("cut to %d bytes a body as the simulator keeps it", ecpaysim.MaxRecordedBody))
	}
	return ex
}

// faultName says what a fault does.
func faultName(f ecpaysim.Fault) string {
	var s string
	switch {
	case f.HTTPStatus != 0:
		s = fmt.Sprintf("HTTP %d", f.HTTPStatus)
	case f.MalformedBody != "":
		s = "a malformed body"
	case f.TransCode != 0:
		s = fmt.Sprintf("TransCode %d", f.TransCode)
	case f.RtnCode != 0:
		s = fmt.Sprintf("RtnCode %d", f.RtnCode)
	case f.Data != "":
		s = "an answer Data off its page"
	}
	if f.Delay > 0 {
		if s != "" {
			s += ", "
		}
		s += "delayed " + f.Delay.String()
	}
	return s
}
