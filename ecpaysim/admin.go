package ecpaysim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/ecpay-go/einvoice/ecpaysim/internal/serving"
)

// AdminPrefix is the path prefix of the admin API served by AdminHandler.
const AdminPrefix = serving.AdminPrefix

// State is the body of GET /_sim/state.
type State struct {
	// Merchants are the IDs of the configured merchants (never their keys).
	Merchants []string
	// Invoices are the registered delayed invoices, in registration order.
	Invoices []Invoice
	// Issued are the issued invoices of every merchant, with their
	// allowances (IssuedInvoice.Allowances): by merchant in the order of
	// Merchants, each merchant's oldest first.
	Issued []IssuedInvoice
	// Requests counts the requests kept for Requests.
	Requests int
	// Violations counts the simulator's own bugs; see Server.Violations.
	Violations int
}

// AdminHandler returns the simulator's admin API, which is not ECPay's and
// is not validated against the spec. Handler serves it at AdminPrefix
// beside the Server; to mount it yourself:
//
//	mux := http.NewServeMux()
//	mux.Handle(ecpaysim.AdminPrefix, sim.AdminHandler())
//	mux.Handle("/", sim)
//
// POST /_sim/delayed with a DelayedInvoice,
// {"MerchantID":"…","Tsr":"…","DelayFlag":"2","DelayDay":3} (DelayFlag, a
// string as in DelayIssue, and DelayDay, a number, are optional: "2", waiting
// for a trigger, and 0), registers a pending delayed invoice: 201 with the
// Invoice, 400 for a bad body, Tsr, DelayFlag or DelayDay, 404 for an unknown
// merchant, 409 for a Tsr already registered, 413 and 415 as for the
// operations. GET /_sim/state answers a State: the merchants, the delayed
// and the issued invoices with their allowances. Errors are text/plain.
func (s *Server) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+AdminPrefix+"delayed", s.adminDelayed)
	mux.HandleFunc("GET "+AdminPrefix+"state", s.adminState)
	return mux
}

// Handler returns the Server with its admin API: AdminHandler for the
// paths under AdminPrefix, the Server for every other path.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(AdminPrefix, s.AdminHandler())
	mux.Handle("/", s)
	return mux
}

func (s *Server) adminDelayed(w http.ResponseWriter, r *http.Request) {
	body, status, msg := readBody(w, r)
	if status != 0 {
		writeAnswer(w, plainAnswer(status, msg))
		return
	}
	if !utf8.Valid(body) {
		// encoding/json would register U+FFFD in place of the bytes given.
		writeAnswer(w, plainAnswer(http.StatusBadRequest, "the body is not valid UTF-8"))
		return
	}
	var req DelayedInvoice
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeAnswer(w, plainAnswer(http.StatusBadRequest, adminBodyProblem(err)))
		return
	}
	if err := s.AddInvoice(req); err != nil {
		status := http.StatusBadRequest
		switch {
		case errors.Is(err, ErrUnknownMerchant):
			status = http.StatusNotFound
		case errors.Is(err, ErrDuplicateInvoice):
			status = http.StatusConflict
		}
		// plainAnswer adds the "ecpaysim: " the error starts with.
		writeAnswer(w, plainAnswer(status, strings.TrimPrefix(err.Error(), "ecpaysim: ")))
		return
	}
	inv, _ := s.invoice(req.MerchantID, req.Tsr)
	serving.WriteJSON(w, http.StatusCreated, inv)
}

// adminUsage is what POST /_sim/delayed wants.
const adminUsage = `want {"MerchantID":"…","Tsr":"…"} and optionally "DelayFlag": "1" (scheduled) or "2" (waits for a trigger, the default) and "DelayDay": a number of days (0 by default)`

// adminBodyProblem names what is wrong with a POST /_sim/delayed body that
// is JSON but does not decode into a DelayedInvoice: the field at fault when
// there is one.
func adminBodyProblem(err error) string {
	if e, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		switch e.Field {
		case "DelayFlag":
			return `DelayFlag must be a string, "1" (scheduled) or "2" (waits for a trigger)`
		case "DelayDay":
			return "DelayDay must be a whole number of days, 0 or more"
		case "MerchantID", "Tsr":
			return e.Field + " must be a string"
		}
	}
	if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return fmt.Sprintf("unknown field %s; %s", serving.Truncate(field, 40), adminUsage)
	}
	return adminUsage
}

func (s *Server) adminState(w http.ResponseWriter, _ *http.Request) {
	state := State{Merchants: s.Merchants(), Invoices: s.Invoices(), Issued: []IssuedInvoice{}}
	for _, id := range state.Merchants {
		state.Issued = append(state.Issued, s.IssuedInvoices(id)...)
	}
	s.mu.Lock()
	state.Requests = s.kept.n
	state.Violations = len(s.violations)
	s.mu.Unlock()
	serving.WriteJSON(w, http.StatusOK, state)
}

// writeAnswer sends a as it is.
func writeAnswer(w http.ResponseWriter, a *answer) {
	serving.Write(w, a.status, a.header, a.body.Bytes())
}
