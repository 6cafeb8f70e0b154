package ecpaysim

import (
	"container/heap"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/ecpay-go/einvoice/ecpaysim/internal/ledger"
	"github.com/ecpay-go/einvoice/generated/delayissue"
	"github.com/ecpay-go/einvoice/generated/editdelayissue"
	"github.com/ecpay-go/einvoice/generated/issue"
)

// DelayedIssue is the event of a delayed invoice issuing: by TriggerIssue
// (DelayDay 0) or by the simulator's clock passing its time (a scheduled
// invoice, or a triggered one with DelayDay > 0). ECPay then POSTs to the
// DelayIssue's NotifyURL; the simulator records the event (DelayedIssues)
// and posts there too (Delivery).
type DelayedIssue struct {
	MerchantID   string
	Tsr          string
	RelateNumber string
	// NotifyURL is the DelayIssue's (or EditDelayIssue's); empty when it
	// gave none, or for an invoice registered by AddInvoice.
	NotifyURL    string `json:",omitempty"`
	InvoiceNo    string
	InvoiceDate  time.Time
	RandomNumber string
}

// DelayedIssues returns the delayed invoices issued so far, oldest first
// (at most MaxEvents, the most recent).
func (s *Server) DelayedIssues() []DelayedIssue {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.issuedLog)
}

// delayedIssued is called once for each delayed invoice the simulator
// issues, after the state changed and without s.mu held: the place where
// the simulator tells the merchant, as ECPay POSTs to the DelayIssue's
// NotifyURL. It records the event for DelayedIssues and posts the
// invoiced notification (Delivery).
func (s *Server) delayedIssued(merchantID, tsr, notifyURL string, inv ledger.Invoice) {
	s.mu.Lock()
	s.issuedLog = appendBounded(s.issuedLog, DelayedIssue{MerchantID: merchantID, Tsr: tsr, RelateNumber: inv.RelateNumber,
		NotifyURL: notifyURL, InvoiceNo: inv.InvoiceNo, InvoiceDate: inv.InvoiceDate, RandomNumber: inv.RandomNumber})
	s.mu.Unlock()
	s.notifyIssued(merchantID, tsr, notifyURL, inv)
}

// issuedEvent is a delayed invoice issued under s.mu, for delayedIssued
// once s.mu is released (see flushIssued).
type issuedEvent struct {
	key       invoiceKey
	notifyURL string
	inv       ledger.Invoice
}

// flushIssued calls delayedIssued for each invoice issued since the last
// call, in order; the caller does not hold s.mu.
func (s *Server) flushIssued() {
	if !s.queued.Load() {
		return
	}
	s.mu.Lock()
	events := s.issuedQueue
	s.issuedQueue = nil
	s.queued.Store(false)
	s.mu.Unlock()
	for _, e := range events {
		s.delayedIssued(e.key.merchantID, e.key.tsr, e.notifyURL, e.inv)
	}
}

// issue issues the delayed invoice inv, of key, through the ledger, under
// s.mu: its Data's invoice, or for an invoice registered without one
// (AddInvoice) the simulator's minimal invoice (minimalInput). On success
// inv is StatusIssued with its InvoiceNo and the event is queued for
// delayedIssued; when the ledger refuses (the RelateNumber was issued
// meanwhile, the track is used up), inv is unchanged but for its schedule,
// which is dropped, and IssueError says why.
func (s *Server) issue(key invoiceKey, inv *invoice) error {
	in := minimalInput(key.tsr)
	if inv.input != nil {
		in = *inv.input
	}
	issued, err := s.ledger.Issue(key.merchantID, in)
	inv.issueAt = time.Time{}
	if err != nil {
		inv.issueError = err.Error()
		return err
	}
	s.forgetRelate(key.merchantID, inv)
	inv.status, inv.invoiceNo, inv.issueError = StatusIssued, issued.InvoiceNo, ""
	s.issuedQueue = append(s.issuedQueue, issuedEvent{key, inv.notifyURL, issued})
	s.queued.Store(true)
	return nil
}

// minimalInput is the invoice the simulator issues for a delayed invoice
// registered without one (AddDelayedInvoice, AddInvoice, POST
// /_sim/delayed, ecpay-sim --delayed): its Tsr as RelateNumber, one item of
// 100 (tax included) on ECPay's own carrier of a placeholder e-mail address.
// The simulator's own choice.
func minimalInput(tsr string) ledger.Input {
	return ledger.Input{RelateNumber: tsr, CustomerEmail: "ecpaysim@example.com", Print: "0", Donation: "0", CarrierType: "1",
		TaxType: "1", InvType: "07", Vat: "1", SalesAmount: 100,
		Items: []ledger.Item{{Seq: 1, Name: "ecpaysim delayed invoice", Count: 1, Word: "件", Price: 100, Amount: 100}}}
}

// schedule makes inv, of key, issue by itself at at.
func (s *Server) schedule(key invoiceKey, inv *invoice, at time.Time) {
	inv.issueAt = at
	heap.Push(&s.due, dueEntry{at, key})
	s.nextDue.Store(s.due[0].at.UnixNano())
}

// issueDue issues every delayed invoice whose time is not after now, in the
// order of their times: a scheduled one (DelayFlag "1") still pending, a
// triggered one. The Server calls it on every request and every move of its
// clock; a request pays only an atomic load when nothing is due.
func (s *Server) issueDue(now time.Time) {
	if now.UnixNano() < s.nextDue.Load() {
		return
	}
	s.mu.Lock()
	for len(s.due) > 0 && !s.due[0].at.After(now) {
		e := heap.Pop(&s.due).(dueEntry)
		inv := s.invoices[e.key]
		// An entry is stale once its invoice was cancelled, issued or
		// rescheduled (EditDelayIssue): only the current time counts.
		if inv != nil && inv.issueAt.Equal(e.at) && (inv.status == StatusPending || inv.status == StatusTriggered) {
			_ = s.issue(e.key, inv) // a refusal is kept in the invoice's IssueError
		}
	}
	next := int64(math.MaxInt64)
	if len(s.due) > 0 {
		next = s.due[0].at.UnixNano()
	}
	s.nextDue.Store(next)
	s.mu.Unlock()
	s.flushIssued()
}

// dueEntry is a delayed invoice's time to issue.
type dueEntry struct {
	at  time.Time
	key invoiceKey
}

// dueHeap orders the times to issue, earliest first (container/heap).
type dueHeap []dueEntry

func (h dueHeap) Len() int           { return len(h) }
func (h dueHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h dueHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *dueHeap) Push(x any)        { *h = append(*h, x.(dueEntry)) }
func (h *dueHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// relateKey names a RelateNumber of a merchant, without regard to case as
// ECPay compares them.
type relateKey struct{ merchantID, relate string }

func relateOf(merchantID, relate string) relateKey {
	return relateKey{merchantID, strings.ToUpper(relate)}
}

// relateTaken returns why merchantID cannot store a delayed invoice with
// RelateNumber relate for key: another waiting delayed invoice has it, or an
// issued invoice does; "" when it can.
func (s *Server) relateTaken(key invoiceKey, relate string) string {
	if other, ok := s.relates[relateOf(key.merchantID, relate)]; ok && other != key {
		return fmt.Sprintf("RelateNumber %q is the delayed invoice %q's", relate, other.tsr)
	}
	if _, err := s.ledger.Lookup(key.merchantID, ledger.Key{RelateNumber: relate}); err == nil {
		return fmt.Sprintf("RelateNumber %q is already issued", relate)
	}
	return ""
}

// forgetRelate frees inv's RelateNumber once it no longer waits (issued:
// the ledger holds it; cancelled).
func (s *Server) forgetRelate(merchantID string, inv *invoice) {
	if inv.input != nil {
		delete(s.relates, relateOf(merchantID, inv.input.RelateNumber))
	}
}

// delayIssue is DelayIssue's behaviour: it stores the invoice of its Data
// under its Tsr, pending (see InvoiceStatus), and answers 1 with the
// RelateNumber as OrderNumber. A Tsr the merchant already stored, or a
// RelateNumber another delayed invoice waits with or an invoice was issued
// with, is refused with RtnCodeRuleBroken (the simulator's own: ECPay's
// codes for them are not known).
func delayIssue(s *Server, req request) outcome {
	d, ok := req.data.(*delayissue.RequestData)
	if !ok || req.injected {
		return outcome{}
	}
	in, err := delayedInput(req.plaintext)
	if err != nil {
		return outcome{code: RtnCodeRuleBroken, msg: err.Error()}
	}
	key := invoiceKey{req.merchantID, d.Tsr}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.invoices[key]; dup {
		return outcome{code: RtnCodeRuleBroken, msg: fmt.Sprintf("Tsr %q is already stored; a Tsr is never reused (the simulator's own refusal)", d.Tsr)}
	}
	if why := s.relateTaken(key, in.RelateNumber); why != "" {
		return outcome{code: RtnCodeRuleBroken, msg: why + " (the simulator's own refusal)"}
	}
	now := s.Now()
	inv := &invoice{flag: DelayFlag(d.DelayFlag), days: d.DelayDay, status: StatusPending, stored: now,
		input: &in, notifyURL: str(d.NotifyURL)}
	s.store(key, inv)
	return outcome{code: rtnCodeOK, fields: map[string]any{"OrderNumber": d.RelateNumber}}
}

// store registers inv under key, under s.mu, and schedules it when it is
// DelayScheduled.
func (s *Server) store(key invoiceKey, inv *invoice) {
	s.invoices[key] = inv
	s.order = append(s.order, key)
	if inv.input != nil {
		s.relates[relateOf(key.merchantID, inv.input.RelateNumber)] = key
	}
	if inv.flag == DelayScheduled {
		s.schedule(key, inv, inv.stored.AddDate(0, 0, inv.days))
	}
}

// editDelayIssue is EditDelayIssue's behaviour: it replaces the invoice of
// a pending delayed invoice with its Data's, and its DelayFlag, DelayDay and
// NotifyURL with those the Data gives (a scheduled invoice's time counts
// from when it was stored). An unknown Tsr is 4000001, and so, by the
// simulator's choice, is one no longer pending (triggered, issued,
// cancelled): ECPay's answer to those is not known. A RelateNumber taken
// as for DelayIssue is refused with RtnCodeRuleBroken.
func editDelayIssue(s *Server, req request) outcome {
	d, ok := req.data.(*editdelayissue.RequestData)
	if !ok || req.injected {
		return outcome{}
	}
	in, err := delayedInput(req.plaintext)
	if err != nil {
		return outcome{code: RtnCodeRuleBroken, msg: err.Error()}
	}
	key := invoiceKey{req.merchantID, d.Tsr}
	s.mu.Lock()
	defer s.mu.Unlock()
	inv := s.invoices[key]
	if inv == nil || inv.status != StatusPending {
		return outcome{code: rtnCodeUnknownTsr}
	}
	if why := s.relateTaken(key, in.RelateNumber); why != "" {
		return outcome{code: RtnCodeRuleBroken, msg: why + " (the simulator's own refusal)"}
	}
	s.forgetRelate(key.merchantID, inv)
	inv.input = &in
	s.relates[relateOf(key.merchantID, in.RelateNumber)] = key
	if d.NotifyURL != nil {
		inv.notifyURL = *d.NotifyURL
	}
	if d.DelayFlag != nil {
		inv.flag = DelayFlag(*d.DelayFlag)
	}
	if d.DelayDay != nil {
		inv.days = *d.DelayDay
	}
	inv.issueAt = time.Time{}
	if inv.flag == DelayScheduled {
		s.schedule(key, inv, inv.stored.AddDate(0, 0, inv.days))
	}
	return outcome{code: rtnCodeOK}
}

// delayedInput returns the invoice of a DelayIssue's or EditDelayIssue's
// Data, whose members are Issue's, as Issue reads it (issueInput).
func delayedInput(plaintext []byte) (ledger.Input, error) {
	var d issue.RequestData
	if err := json.Unmarshal(plaintext, &d); err != nil {
		return ledger.Input{}, fmt.Errorf("reading the invoice: %w", err)
	}
	return issueInput(&d), nil
}
