package ecpaysim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"time"
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
	// Prints are the paths of the issued invoices' printable pages (see
	// PrintPrefix), in the order of Issued: what InvoicePrint's URL serves.
	Prints []string
	// DelayedIssues are the delayed invoices issued, and Notices the
	// notices InvoiceNotify recorded, oldest first (at most MaxEvents
	// each): Server.DelayedIssues, Server.Notices.
	DelayedIssues []DelayedIssue `json:",omitempty"`
	Notices       []Notice       `json:",omitempty"`
	// Deliveries are the notifications posted to the merchants
	// (Server.Deliveries).
	Deliveries []Delivery `json:",omitempty"`
	// Requests counts the requests kept for Requests.
	Requests int
	// Violations counts the simulator's own bugs; see Server.Violations.
	Violations int
	// Now is the simulator's clock (Server.Now).
	Now time.Time
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
// and the issued invoices with their allowances, the clock.
//
// GET /_sim/clock answers the simulator's clock as a ClockState,
// {"Now":"2026-06-17T12:00:00+08:00"}; POST /_sim/clock with a ClockMove,
// {"advance":"72h"} or {"now":"2026-06-20T12:00:00+08:00"}, moves it
// forward (Server.Advance, Server.AdvanceTo): 200 with the ClockState, 400
// for a bad body, 409 for a move into the past (the clock does not move).
//
// POST /_sim/barcodes with a Barcode, {"BarCode":"/ABC+123"}, POST
// /_sim/lovecodes with a LoveCode, {"LoveCode":"5678","OrganName":"…"}, and
// POST /_sim/companies with a Company,
// {"UnifiedBusinessNo":"04595252","CompanyName":"…"}, make the checks of a
// buyer's data know them (RegisterBarcode, RegisterLoveCode,
// RegisterCompany): 201 with the body, 400 for a bad body or a value that
// breaks its page's format (or check digit).
//
// POST /_sim/allowances/{AllowanceNo}/agree?MerchantID=… (MerchantID may
// be left out when the simulator has one merchant) plays the buyer who
// agrees to an online allowance (AgreeAllowance): 200 with the Allowance,
// and the allowance notification posted to its ReturnURL; 400 without a
// merchant, 404 for an allowance the merchant does not have or that is
// voided, 409 for one that is not online.
//
// Errors are text/plain. The admin API has no authentication: serve it
// only where the simulator's clients may change its state (ecpay-sim
// serves it beside the operations, on the address it is given).
func (s *Server) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+AdminPrefix+"delayed", s.adminDelayed)
	mux.HandleFunc("GET "+AdminPrefix+"state", s.adminState)
	mux.HandleFunc("GET "+AdminPrefix+"clock", s.adminClock)
	mux.HandleFunc("POST "+AdminPrefix+"clock", s.adminMoveClock)
	mux.HandleFunc("POST "+AdminPrefix+"allowances/{no}/agree", s.adminAgree)
	mux.HandleFunc("GET "+PrintPrefix+"{merchant}/{invoiceNo}", s.servePrint)
	mux.HandleFunc("POST "+AdminPrefix+"barcodes", adminRegister(func(b Barcode) error { return s.RegisterBarcode(b.BarCode) }))
	mux.HandleFunc("POST "+AdminPrefix+"lovecodes", adminRegister(func(l LoveCode) error { return s.RegisterLoveCode(l.LoveCode, l.OrganName) }))
	mux.HandleFunc("POST "+AdminPrefix+"companies", adminRegister(func(c Company) error { return s.RegisterCompany(c.UnifiedBusinessNo, c.CompanyName) }))
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

// readAdmin decodes the JSON body of an admin request into v, members it
// does not know refused; it answers a bad body itself (problem names what is
// wrong with one that is JSON) and then returns false.
func readAdmin(w http.ResponseWriter, r *http.Request, v any, problem func(error) string) bool {
	body, status, msg := readBody(w, r)
	if status != 0 {
		writeAnswer(w, plainAnswer(status, msg))
		return false
	}
	if !utf8.Valid(body) {
		// encoding/json would register U+FFFD in place of the bytes given.
		writeAnswer(w, plainAnswer(http.StatusBadRequest, "the body is not valid UTF-8"))
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeAnswer(w, plainAnswer(http.StatusBadRequest, problem(err)))
		return false
	}
	return true
}

// adminError answers err, an error of the Server's whose message starts
// with "ecpaysim: ", as text with status.
func adminError(w http.ResponseWriter, status int, err error) {
	// plainAnswer adds the "ecpaysim: " the error starts with.
	writeAnswer(w, plainAnswer(status, strings.TrimPrefix(err.Error(), "ecpaysim: ")))
}

func (s *Server) adminDelayed(w http.ResponseWriter, r *http.Request) {
	var req DelayedInvoice
	if !readAdmin(w, r, &req, adminBodyProblem) {
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
		adminError(w, status, err)
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
	state := State{Merchants: s.Merchants(), Invoices: s.Invoices(), Issued: []IssuedInvoice{}, Now: s.Now(),
		DelayedIssues: s.DelayedIssues(), Notices: s.Notices(), Deliveries: s.Deliveries()}
	for _, id := range state.Merchants {
		state.Issued = append(state.Issued, s.IssuedInvoices(id)...)
	}
	state.Prints = make([]string, len(state.Issued))
	for i, inv := range state.Issued {
		state.Prints[i] = PrintPrefix + url.PathEscape(inv.MerchantID) + "/" + url.PathEscape(inv.InvoiceNo)
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

func (s *Server) adminClock(w http.ResponseWriter, _ *http.Request) {
	serving.WriteJSON(w, http.StatusOK, ClockState{s.Now()})
}

func (s *Server) adminMoveClock(w http.ResponseWriter, r *http.Request) {
	var m ClockMove
	if !readAdmin(w, r, &m, func(error) string { return clockUsage }) {
		return
	}
	now, err := s.move(m)
	switch {
	case errors.Is(err, ErrClockBackwards):
		adminError(w, http.StatusConflict, err)
	case err != nil:
		adminError(w, http.StatusBadRequest, err)
	default:
		serving.WriteJSON(w, http.StatusOK, ClockState{now})
	}
}

// Barcode is the body of POST /_sim/barcodes: a mobile barcode for
// CheckBarcode to know.
type Barcode struct{ BarCode string }

// LoveCode is the body of POST /_sim/lovecodes: a love code and its
// organisation's name for CheckLoveCode to know.
type LoveCode struct{ LoveCode, OrganName string }

// Company is the body of POST /_sim/companies: a company identifier and its
// name for GetCompanyNameByTaxID to know.
type Company struct{ UnifiedBusinessNo, CompanyName string }

// adminRegister returns the handler of an admin endpoint that registers a
// T: 201 with it, 400 for a bad body or what register refuses.
func adminRegister[T any](register func(T) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var v T
		if !readAdmin(w, r, &v, func(error) string { return registerUsage[T]() }) {
			return
		}
		if err := register(v); err != nil {
			adminError(w, http.StatusBadRequest, err)
			return
		}
		serving.WriteJSON(w, http.StatusCreated, v)
	}
}

// registerUsage is what an adminRegister endpoint wants: T's members, all
// strings, e.g. {"LoveCode":"…","OrganName":"…"}.
func registerUsage[T any]() string {
	t := reflect.TypeFor[T]()
	members := make([]string, t.NumField())
	for i := range members {
		members[i] = fmt.Sprintf("%q:\"…\"", t.Field(i).Name)
	}
	return "want {" + strings.Join(members, ",") + "}, strings"
}
