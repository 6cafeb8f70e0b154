package ecpaysim

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// Errors of AddDelayedInvoice, matched with errors.Is.
var (
	// ErrUnknownMerchant: the merchant is not configured on the Server.
	ErrUnknownMerchant = errors.New("ecpaysim: unknown merchant")
	// ErrInvalidTsr: the Tsr is empty or longer than the 30 characters
	// ECPay allows, so no valid request could name it.
	ErrInvalidTsr = errors.New("ecpaysim: Tsr must be 1 to 30 characters")
	// ErrDuplicateInvoice: the merchant already has an invoice with this
	// Tsr; ECPay's Tsr values are unique and never reused.
	ErrDuplicateInvoice = errors.New("ecpaysim: Tsr already registered")
)

// InvoiceStatus is the state of a delayed invoice.
type InvoiceStatus string

// The states of a delayed invoice.
const (
	StatusPending   InvoiceStatus = "pending"
	StatusCancelled InvoiceStatus = "cancelled"
)

// Invoice is a snapshot of one delayed invoice registered on a Server.
type Invoice struct {
	MerchantID string
	Tsr        string
	Status     InvoiceStatus
	// CancelRequests counts the cancel requests for this Tsr that passed
	// every envelope check, successful or not.
	CancelRequests int
}

type invoiceKey struct{ merchantID, tsr string }

type invoice struct {
	status         InvoiceStatus
	cancelRequests int
}

// AddDelayedInvoice registers a pending delayed invoice of merchantID with
// transaction number tsr, which a later CancelDelayIssue request can cancel.
// Errors match ErrUnknownMerchant, ErrInvalidTsr or ErrDuplicateInvoice.
func (s *Server) AddDelayedInvoice(merchantID, tsr string) error {
	if _, ok := s.merchants[merchantID]; !ok {
		return fmt.Errorf("%w %q", ErrUnknownMerchant, merchantID)
	}
	if n := utf8.RuneCountInString(tsr); n == 0 || n > maxTsrRunes {
		return fmt.Errorf("%w, got %d", ErrInvalidTsr, n)
	}
	key := invoiceKey{merchantID, tsr}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.invoices[key]; ok {
		return fmt.Errorf("%w: merchant %s, Tsr %q", ErrDuplicateInvoice, merchantID, tsr)
	}
	s.invoices[key] = &invoice{status: StatusPending}
	s.order = append(s.order, key)
	return nil
}

// Cancelled reports whether merchantID's delayed invoice tsr exists and has
// been cancelled.
func (s *Server) Cancelled(merchantID, tsr string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	inv := s.invoices[invoiceKey{merchantID, tsr}]
	return inv != nil && inv.status == StatusCancelled
}

// Invoices returns every registered delayed invoice, in registration order.
func (s *Server) Invoices() []Invoice {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Invoice, 0, len(s.order))
	for _, key := range s.order {
		inv := s.invoices[key]
		out = append(out, Invoice{MerchantID: key.merchantID, Tsr: key.tsr, Status: inv.status, CancelRequests: inv.cancelRequests})
	}
	return out
}

// cancel applies one cancel request that passed every envelope check and
// returns the RtnCode and RtnMsg to answer. An injected RtnCode fault
// answers with its own code and leaves the invoice as it is.
func (s *Server) cancel(merchantID, tsr string, fault *Fault) (int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inv := s.invoices[invoiceKey{merchantID, tsr}]
	if inv != nil {
		inv.cancelRequests++
	}
	switch {
	case fault != nil && fault.RtnCode != 0:
		return fault.RtnCode, orDefault(fault.RtnMsg, msgInjected)
	case inv == nil:
		return RtnCodeUnknownTsr, RtnMsgUnknownTsr
	case inv.status == StatusCancelled:
		return RtnCodeAlreadyCancelled, RtnMsgAlreadyCancelled
	}
	inv.status = StatusCancelled
	return RtnCodeOK, RtnMsgOK
}
