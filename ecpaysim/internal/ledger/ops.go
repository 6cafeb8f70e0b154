package ledger

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Void voids merchantID's invoice k names (Invalid), with reason. Errors
// match ErrNotFound, ErrBadDate, ErrVoided, or ErrHasAllowance while an
// allowance of it is not voided; a refused Void changes nothing.
func (l *Ledger) Void(merchantID string, k Key, reason string) (Invoice, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, err := l.voidable(merchantID, k)
	if err != nil {
		return Invoice{}, err
	}
	l.void(l.books[merchantID], e, reason)
	return e.snapshot(), nil
}

// VoidAndIssue voids merchantID's invoice k names and issues it again
// with in's content (VoidWithReIssue: 註銷重開): the invoice keeps its
// number, RandomNumber, RelateNumber and issue time, the voided content
// becomes its Previous (for GetInvalid), and it is issued again. in's
// RelateNumber must be the invoice's (without regard to case), else
// ErrRelateNumberMismatch; k.Date, when not empty, must be the day it was
// issued, as for Lookup (VoidWithReIssue's IssueModel.InvoiceDate, with
// its time). Errors are also those of Void; a refused VoidAndIssue changes
// nothing.
func (l *Ledger) VoidAndIssue(merchantID string, k Key, reason string, in Input) (Invoice, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, err := l.voidable(merchantID, k)
	if err != nil {
		return Invoice{}, err
	}
	if !strings.EqualFold(in.RelateNumber, e.inv.RelateNumber) {
		return Invoice{}, fmt.Errorf("%w: %q, the invoice's is %q", ErrRelateNumberMismatch, in.RelateNumber, e.inv.RelateNumber)
	}
	old := e.snapshot()
	old.Status, old.VoidReason, old.VoidDate = Voided, reason, l.now().In(Taipei)
	in.RelateNumber = e.inv.RelateNumber
	in.Items = slices.Clone(in.Items)
	e.inv.Input = in
	e.inv.Previous = &old
	return e.snapshot(), nil
}

// voidable returns the entry k names when it can be voided; l.mu is held.
func (l *Ledger) voidable(merchantID string, k Key) (*entry, error) {
	e, err := l.find(merchantID, k)
	if err != nil {
		return nil, err
	}
	switch {
	case e.inv.Status == Voided:
		return nil, fmt.Errorf("%w: %s", ErrVoided, e.inv.InvoiceNo)
	case e.live():
		return nil, fmt.Errorf("%w: %s; void its allowances first", ErrHasAllowance, e.inv.InvoiceNo)
	}
	return e, nil
}

// void voids e, which is then settled; l.mu is held.
func (l *Ledger) void(b *book, e *entry, reason string) {
	e.inv.Status = Voided
	e.inv.VoidReason = reason
	e.inv.VoidDate = l.now().In(Taipei)
	e.settled = b.settled.PushBack(e)
}

func (e *entry) live() bool {
	return slices.ContainsFunc(e.allows, func(a *allowance) bool { return a.Status == AllowanceIssued })
}

// Allow makes an allowance of in.Amount against merchantID's invoice k
// names, and returns it with the invoice after it. Errors match
// ErrNotFound, ErrBadDate, ErrVoided, ErrBadAmount, or ErrExceedsRemaining
// when in.Amount is more than the invoice's remaining amount; a refused
// Allow changes nothing. An online allowance (in.Collegiate) counts
// against the remaining amount from the start, agreed or not.
func (l *Ledger) Allow(merchantID string, k Key, in AllowanceInput) (Allowance, Invoice, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, err := l.find(merchantID, k)
	if err != nil {
		return Allowance{}, Invoice{}, err
	}
	remaining := e.remaining()
	switch {
	case e.inv.Status == Voided:
		return Allowance{}, Invoice{}, fmt.Errorf("%w: %s", ErrVoided, e.inv.InvoiceNo)
	case in.Amount <= 0:
		return Allowance{}, Invoice{}, fmt.Errorf("%w: %d", ErrBadAmount, in.Amount)
	case in.Amount > remaining:
		return Allowance{}, Invoice{}, fmt.Errorf("%w: %d asked, %d left of invoice %s", ErrExceedsRemaining, in.Amount, remaining, e.inv.InvoiceNo)
	}
	b := l.books[merchantID]
	now := l.now().In(Taipei)
	b.allowSeq++
	in.Items = slices.Clone(in.Items)
	a := &allowance{entry: e, Allowance: Allowance{
		MerchantID:     merchantID,
		AllowanceNo:    fmt.Sprintf("%s%08d", now.Format("20060102"), b.allowSeq%100_000_000),
		InvoiceNo:      e.inv.InvoiceNo,
		Date:           now,
		AllowanceInput: in,
		Status:         AllowanceIssued,
		Remaining:      remaining - in.Amount,
	}}
	e.allows = append(e.allows, a)
	b.allowances[a.AllowanceNo] = a
	return a.snapshot(), e.snapshot(), nil
}

// VoidAllowance voids merchantID's allowance allowanceNo of invoice
// invoiceNo (AllowanceInvalid), giving its amount back to the invoice.
// Errors match ErrAllowanceNotFound (no such allowance of that invoice)
// or ErrAllowanceVoided.
func (l *Ledger) VoidAllowance(merchantID, invoiceNo, allowanceNo, reason string) (Allowance, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a, err := l.allowance(merchantID, invoiceNo, allowanceNo)
	if err != nil {
		return Allowance{}, err
	}
	l.voidAllowance(a, reason)
	return a.snapshot(), nil
}

// CancelAllowance cancels merchantID's online allowance allowanceNo of
// invoice invoiceNo that the buyer has not agreed to
// (AllowanceInvalidByCollegiate). Errors match those of VoidAllowance,
// ErrNotCollegiate, or ErrAllowanceAgreed once the buyer agreed.
func (l *Ledger) CancelAllowance(merchantID, invoiceNo, allowanceNo, reason string) (Allowance, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a, err := l.allowance(merchantID, invoiceNo, allowanceNo)
	switch {
	case err != nil:
		return Allowance{}, err
	case !a.Collegiate:
		return Allowance{}, fmt.Errorf("%w: %s", ErrNotCollegiate, allowanceNo)
	case a.Agreed:
		return Allowance{}, fmt.Errorf("%w: %s; void it instead", ErrAllowanceAgreed, allowanceNo)
	}
	l.voidAllowance(a, reason)
	return a.snapshot(), nil
}

// Agree records that the buyer agreed to merchantID's online allowance
// allowanceNo (ECPay tells the merchant at the allowance's ReturnURL; the
// simulator's notifications call this). Errors match ErrAllowanceNotFound, ErrNotCollegiate or
// ErrAllowanceVoided; agreeing twice is no error.
func (l *Ledger) Agree(merchantID, allowanceNo string) (Allowance, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a, err := l.allowance(merchantID, "", allowanceNo)
	switch {
	case err != nil:
		return Allowance{}, err
	case !a.Collegiate:
		return Allowance{}, fmt.Errorf("%w: %s", ErrNotCollegiate, allowanceNo)
	}
	a.Agreed = true
	return a.snapshot(), nil
}

// allowance returns the live allowance allowanceNo of merchantID's
// invoice invoiceNo (of any invoice when invoiceNo is empty); l.mu is held.
func (l *Ledger) allowance(merchantID, invoiceNo, allowanceNo string) (*allowance, error) {
	var a *allowance
	if b := l.books[merchantID]; b != nil {
		a = b.allowances[allowanceNo]
	}
	if a == nil || (invoiceNo != "" && a.InvoiceNo != invoiceNo) {
		return nil, fmt.Errorf("%w: AllowanceNo %q of invoice %q", ErrAllowanceNotFound, allowanceNo, invoiceNo)
	}
	if a.Status == AllowanceVoided {
		return nil, fmt.Errorf("%w: %s", ErrAllowanceVoided, allowanceNo)
	}
	return a, nil
}

func (l *Ledger) voidAllowance(a *allowance, reason string) {
	a.Status = AllowanceVoided
	a.VoidReason = reason
	a.VoidDate = l.now().In(Taipei)
}

// AllowanceByNo returns merchantID's allowance allowanceNo, voided or not,
// of invoice invoiceNo (of any invoice when invoiceNo is empty), and the
// invoice. Errors match ErrAllowanceNotFound.
func (l *Ledger) AllowanceByNo(merchantID, invoiceNo, allowanceNo string) (Allowance, Invoice, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var a *allowance
	if b := l.books[merchantID]; b != nil {
		a = b.allowances[allowanceNo]
	}
	if a == nil || (invoiceNo != "" && a.InvoiceNo != invoiceNo) {
		return Allowance{}, Invoice{}, fmt.Errorf("%w: AllowanceNo %q of invoice %q", ErrAllowanceNotFound, allowanceNo, invoiceNo)
	}
	return a.snapshot(), a.entry.snapshot(), nil
}

// Filter selects invoices for List.
type Filter struct {
	// From and To bound the issue dates (Taipei), both days included; a
	// zero time leaves that side open.
	From, To time.Time
	// Voided, when not nil, keeps only the voided (true) or the not
	// voided (false) invoices.
	Voided *bool
	// Page, from 1, of PerPage invoices; Page 0 is 1, PerPage 0 is all.
	Page, PerPage int
}

// List returns the page f asks of merchantID's invoices that f selects,
// newest first (as GetIssueList pages), and how many f selects in all.
func (l *Ledger) List(merchantID string, f Filter) (page []Invoice, total int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.books[merchantID]
	if b == nil {
		return nil, 0
	}
	if f.Page < 1 {
		f.Page = 1
	}
	skip := (f.Page - 1) * f.PerPage
	for el := b.issued.Back(); el != nil; el = el.Prev() {
		e := el.Value.(*entry)
		if !f.selects(e.inv) {
			continue
		}
		total++
		if total > skip && (f.PerPage == 0 || len(page) < f.PerPage) {
			page = append(page, e.snapshot())
		}
	}
	return page, total
}

func (f Filter) selects(inv Invoice) bool {
	if f.Voided != nil && *f.Voided != (inv.Status == Voided) {
		return false
	}
	day := inv.InvoiceDate.In(Taipei)
	day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, Taipei)
	if !f.From.IsZero() && day.Before(dayOf(f.From)) {
		return false
	}
	return f.To.IsZero() || !day.After(dayOf(f.To))
}

func dayOf(t time.Time) time.Time {
	t = t.In(Taipei)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, Taipei)
}

// Invoices returns every invoice of merchantID's book, oldest issued first.
func (l *Ledger) Invoices(merchantID string) []Invoice {
	page, _ := l.List(merchantID, Filter{})
	slices.Reverse(page)
	return page
}
