package ecpaysim

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
)

// AdminPrefix is the path prefix of the admin API served by AdminHandler.
const AdminPrefix = "/_sim/"

// DelayedInvoiceRequest is the body of POST /_sim/delayed.
type DelayedInvoiceRequest struct {
	MerchantID string
	Tsr        string
}

// State is the body of GET /_sim/state.
type State struct {
	// Merchants are the IDs of the configured merchants (never their keys).
	Merchants []string
	// Invoices are the registered delayed invoices, in registration order.
	Invoices []Invoice
	// Requests counts the requests kept for Requests.
	Requests int
	// Violations counts the simulator's own bugs; see Server.Violations.
	Violations int
}

// AdminHandler returns the simulator's admin API, which is not ECPay's and
// is not validated against the spec. Mount it at AdminPrefix beside the
// Server:
//
//	mux := http.NewServeMux()
//	mux.Handle(ecpaysim.AdminPrefix, sim.AdminHandler())
//	mux.Handle("/", sim)
//
// POST /_sim/delayed with {"MerchantID":"…","Tsr":"…"} registers a pending
// delayed invoice: 201 with the Invoice, 400 for a bad body or Tsr, 404 for
// an unknown merchant, 409 for a Tsr already registered, 413 and 415 as for
// the endpoint. GET /_sim/state answers a State. Errors are text/plain.
func (s *Server) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+AdminPrefix+"delayed", s.adminDelayed)
	mux.HandleFunc("GET "+AdminPrefix+"state", s.adminState)
	return mux
}

func (s *Server) adminDelayed(w http.ResponseWriter, r *http.Request) {
	body, status, msg := readBody(w, r)
	if status != 0 {
		writeAnswer(w, plainAnswer(status, msg))
		return
	}
	var req DelayedInvoiceRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeAnswer(w, plainAnswer(http.StatusBadRequest, `want {"MerchantID":"…","Tsr":"…"}`))
		return
	}
	if err := s.AddDelayedInvoice(req.MerchantID, req.Tsr); err != nil {
		status := http.StatusBadRequest
		switch {
		case errors.Is(err, ErrUnknownMerchant):
			status = http.StatusNotFound
		case errors.Is(err, ErrDuplicateInvoice):
			status = http.StatusConflict
		}
		writeAnswer(w, plainAnswer(status, err.Error()))
		return
	}
	writeJSON(w, http.StatusCreated, Invoice{MerchantID: req.MerchantID, Tsr: req.Tsr, Status: StatusPending})
}

func (s *Server) adminState(w http.ResponseWriter, _ *http.Request) {
	state := State{Merchants: s.Merchants(), Invoices: s.Invoices()}
	s.mu.Lock()
	state.Requests = len(s.requests)
	if s.keep > 0 {
		state.Requests = min(state.Requests, s.keep)
	}
	state.Violations = len(s.violations)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, state)
}

// writeJSON sends v, an Invoice or a State: strings and ints only, which
// encoding/json cannot fail on.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, _ := json.Marshal(v)
	a := newAnswer(false)
	a.header.Set("Content-Type", "application/json")
	a.status = status
	a.body.Write(body)
	a.body.WriteByte('\n')
	writeAnswer(w, a)
}

// writeAnswer sends a as it is.
func writeAnswer(w http.ResponseWriter, a *answer) {
	for k, v := range a.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(a.body.Len()))
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body.Bytes())
}
