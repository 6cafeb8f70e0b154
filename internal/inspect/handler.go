package inspect

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/internal/protocol"
)

// Path is where ecpay-sim serves the inspector, beside the admin API.
const Path = ecpaysim.AdminPrefix + "ui"

// maxShown bounds the exchanges the served page lists (the newest).
const maxShown = 200

// Handler returns the inspector of src, served at Path: the exchanges,
// newest first, with live updates; the state, and the form that arms a
// fault. It answers only requests from this machine (a loopback peer
// naming a loopback host, so that no other machine and no DNS-rebound name
// reaches it), sets a Content-Security-Policy that allows no inline script,
// and takes a POST only from its own origin, so that no other page open in
// the browser can arm a fault.
func Handler(src Source) http.Handler {
	h := &inspector{src: src}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+Path, h.exchanges)
	mux.HandleFunc("GET "+Path+"/{$}", h.exchanges)
	mux.HandleFunc("GET "+Path+"/rows", h.rows)
	mux.HandleFunc("GET "+Path+"/state", h.state)
	mux.HandleFunc("GET "+Path+"/state/fragment", h.stateFragment)
	mux.HandleFunc("POST "+Path+"/fault", h.fault)
	mux.HandleFunc("GET "+Path+"/static/ui.css", static("text/css; charset=utf-8", styleSheet))
	mux.HandleFunc("GET "+Path+"/static/ui.js", static("text/javascript; charset=utf-8", script))
	return guard(mux)
}

type inspector struct{ src Source }

// guard refuses what the inspector must not answer and sets its security
// headers on every answer.
func guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", servedCSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		// Not no-referrer: a form would then send Origin: null, refused.
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		if msg := refusal(r); msg != "" {
			http.Error(w, msg, http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// refusal says why r is refused; "" when it is not.
func refusal(r *http.Request) string {
	peer, _, _ := net.SplitHostPort(r.RemoteAddr)
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if !protocol.IsLoopback(peer) || !protocol.IsLoopback(host) {
		return "ecpaysim: the inspector answers only this machine: open it at http://127.0.0.1:PORT" + Path
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return ""
	}
	// A browser names the page a POST comes from; anything else (no
	// Origin, another port, another name) is not this page's form.
	if origin := r.Header.Get("Origin"); origin != "http://"+r.Host {
		return "ecpaysim: the inspector takes a POST only from its own page (Origin " + strconv.Quote(origin) + " is not http://" + r.Host + ")"
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" {
		return "ecpaysim: the inspector takes a POST only from its own page (Sec-Fetch-Site " + strconv.Quote(site) + ")"
	}
	return ""
}

func static(contentType string, body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Write(body)
	}
}

func (h *inspector) page(view string) *pageData {
	return &pageData{Title: "ECPay " + h.src.Mode + " inspector", Mode: h.src.Mode, Base: Path, View: view, Verdicts: Verdicts, Operations: operations()}
}

func (h *inspector) exchanges(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := h.page("exchanges")
	d.Filter = filter{Op: q.Get("op"), Verdict: q.Get("verdict"), Q: q.Get("q")}
	entries, total := h.src.Exchanges(0, maxShown)
	d.Total = total
	if n := len(entries); n > 0 {
		d.LastSeq = entries[n-1].Seq
	}
	d.Rows = rows(entries, d.Filter)
	d.Live = Path + "/rows"
	writePage(w, http.StatusOK, "page", d)
}

// rows answers the rows of the exchanges after the one numbered by the
// query's after, newest first, as HTML for the page's script to add; the
// header X-Last-Seq numbers the newest.
func (h *inspector) rows(w http.ResponseWriter, r *http.Request) {
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	entries, _ := h.src.Exchanges(after, maxShown)
	last := after
	if n := len(entries); n > 0 {
		last = entries[n-1].Seq
	}
	d := h.page("exchanges")
	d.Rows = rows(entries, filter{})
	w.Header().Set("X-Last-Seq", strconv.FormatInt(last, 10))
	writePage(w, http.StatusOK, "rows", d)
}

func (h *inspector) statePage(r *http.Request) *pageData {
	d := h.page("state")
	d.State = stateNode(h.src.State())
	d.Live = Path + "/rows"
	if h.src.Inject != nil {
		d.Faults = true
		d.Pending = h.src.Pending()
	}
	if r.URL.Query().Get("armed") != "" {
		d.Message = "Armed: the next request is answered with it."
	}
	return d
}

func (h *inspector) state(w http.ResponseWriter, r *http.Request) {
	writePage(w, http.StatusOK, "page", h.statePage(r))
}

func (h *inspector) stateFragment(w http.ResponseWriter, r *http.Request) {
	writePage(w, http.StatusOK, "statebody", h.statePage(r))
}

// fault arms the fault of the form and goes back to the state page.
func (h *inspector) fault(w http.ResponseWriter, r *http.Request) {
	if h.src.Inject == nil {
		http.Error(w, "ecpaysim: a "+h.src.Mode+" has no faults to arm", http.StatusNotFound)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, ecpaysim.MaxBodyBytes)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "ecpaysim: the form could not be read", http.StatusBadRequest)
		return
	}
	f, err := parseFault(r.PostForm)
	if err == nil {
		err = h.src.Inject(f)
	}
	if err != nil {
		d := h.statePage(r)
		d.Error = strings.TrimPrefix(err.Error(), "ecpaysim: ")
		writePage(w, http.StatusBadRequest, "page", d)
		return
	}
	http.Redirect(w, r, Path+"/state?armed=1", http.StatusSeeOther)
}

// parseFault reads the fault form: kind, value, message and delay.
func parseFault(form url.Values) (ecpaysim.Fault, error) {
	var f ecpaysim.Fault
	value, msg := form.Get("value"), form.Get("message")
	if d := strings.TrimSpace(form.Get("delay")); d != "" {
		var err error
		if f.Delay, err = time.ParseDuration(d); err != nil {
			return f, errors.New("the Delay must be a duration such as 2s or 500ms")
		}
	}
	code := func(name string) (int, error) {
		n, err := strconv.Atoi(strings.TrimSpace(value))
		if err != nil {
			return 0, fmt.Errorf("%s: want a whole number as the value", name)
		}
		return n, nil
	}
	var err error
	switch form.Get("kind") {
	case "rtncode":
		f.RtnCode, err = code("RtnCode")
		f.RtnMsg = msg
	case "transcode":
		f.TransCode, err = code("TransCode")
		f.TransMsg = msg
	case "http":
		f.HTTPStatus, err = code("HTTP status")
	case "malformed":
		f.MalformedBody = value
	case "data":
		f.Data = value
	case "delay":
		if f.Delay == 0 {
			err = errors.New("a delay only needs a Delay")
		}
	default:
		err = errors.New("choose a kind of fault")
	}
	return f, err
}

// writePage renders the template name of d, or a plain error.
func writePage(w http.ResponseWriter, status int, name string, d *pageData) {
	var b bytes.Buffer
	if err := render(&b, name, d); err != nil {
		http.Error(w, "ecpaysim: rendering the inspector: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}
