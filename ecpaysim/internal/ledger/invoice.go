package ledger

import (
	"math"
	"slices"
	"time"
)

// Input is what Issue needs of an invoice: the members of Issue's request
// Data (and of DelayIssue's, and VoidWithReIssue's IssueModel) that the
// invoice keeps, by their names there.
type Input struct {
	RelateNumber       string
	CustomerID         string
	CustomerIdentifier string
	CustomerName       string
	CustomerAddr       string
	CustomerPhone      string
	CustomerEmail      string
	ClearanceMark      string
	Print              string
	Donation           string
	LoveCode           string
	CarrierType        string
	CarrierNum         string
	CarrierNum2        string
	TaxType            string
	ZeroTaxRateReason  string
	SpecialTaxType     float64
	InvType            string
	// Vat is "0" when the prices exclude tax; "1" (included) otherwise.
	Vat           string
	SalesAmount   int64
	InvoiceRemark string
	Items         []Item
}

// Item is one item of an invoice or an allowance.
type Item struct {
	Seq     int
	Name    string
	Count   float64
	Word    string
	Price   float64
	TaxType string
	Amount  float64
	Remark  string
}

// Status is the state of an invoice.
type Status string

// The states of an invoice.
const (
	// Issued: issued and not voided.
	Issued Status = "issued"
	// Voided: voided by Invalid or VoidWithReIssue.
	Voided Status = "voided"
)

// Invoice is a snapshot of an issued invoice.
type Invoice struct {
	MerchantID string
	InvoiceNo  string
	// InvoiceDate is when it was issued, in Taipei.
	InvoiceDate  time.Time
	RandomNumber string
	Input
	Status Status
	// VoidReason and VoidDate are set once voided.
	VoidReason string
	VoidDate   time.Time
	// Allowances are its allowances, oldest first, voided ones included.
	Allowances []Allowance
	// Remaining is SalesAmount less the amounts of its live (not voided)
	// allowances.
	Remaining int64
	// Previous is the content a VoidAndIssue voided and replaced (with
	// its own Previous, if reissued before); nil if never reissued.
	Previous *Invoice
}

// TaxRate is the invoice's tax rate: 0.05 for a taxable invoice (TaxType
// 1, or 9 mixed), 0 for zero rate and tax free; for special tax (4) the
// rate of its SpecialTaxType is not modelled: 0. The simulator's own
// computation, as are TaxAmount's.
func (inv Invoice) TaxRate() float64 {
	switch inv.TaxType {
	case "1", "9":
		return 0.05
	}
	return 0
}

// TaxAmount is the tax in SalesAmount: with prices including tax (Vat not
// "0"), SalesAmount less SalesAmount/1.05 rounded; excluding it,
// SalesAmount × 0.05 rounded.
func (inv Invoice) TaxAmount() int64 {
	return taxOf(inv.SalesAmount, inv.TaxRate(), inv.Vat != "0")
}

func taxOf(amount int64, rate float64, included bool) int64 {
	if rate == 0 {
		return 0
	}
	if included {
		return amount - int64(math.Round(float64(amount)/(1+rate)))
	}
	return int64(math.Round(float64(amount) * rate))
}

// AllowanceStatus is the state of an allowance.
type AllowanceStatus string

// The states of an allowance.
const (
	// AllowanceIssued: made and not voided.
	AllowanceIssued AllowanceStatus = "issued"
	// AllowanceVoided: voided by AllowanceInvalid or cancelled by
	// AllowanceInvalidByCollegiate.
	AllowanceVoided AllowanceStatus = "voided"
)

// AllowanceInput is what Allow needs of an allowance: the members of
// Allowance's request Data (and AllowanceByCollegiate's) it keeps.
type AllowanceInput struct {
	AllowanceNotify string
	CustomerName    string
	NotifyMail      string
	NotifyPhone     string
	Amount          int64
	Reason          string
	Items           []Item
	// Collegiate is true for an online allowance the buyer must agree to
	// (AllowanceByCollegiate); ReturnURL is where ECPay tells the merchant.
	Collegiate bool
	ReturnURL  string
}

// Allowance is a snapshot of an allowance (折讓) against an invoice.
type Allowance struct {
	MerchantID  string
	AllowanceNo string
	InvoiceNo   string
	// Date is when it was made, in Taipei.
	Date time.Time
	AllowanceInput
	Status AllowanceStatus
	// Agreed is true once the buyer agreed to an online allowance.
	Agreed bool
	// VoidReason and VoidDate are set once voided.
	VoidReason string
	VoidDate   time.Time
	// Remaining is the invoice's remaining amount just after the
	// allowance was made.
	Remaining int64
}

// TempExpireDate is until when the buyer can agree to an online
// allowance: 72 hours after it was made, as the AllowanceByCollegiate page
// says (the simulator does not lapse it then).
func (a Allowance) TempExpireDate() time.Time { return a.Date.Add(72 * time.Hour) }

// TaxAmount is the tax in the allowance's Amount, at the invoice's rate,
// prices including tax.
func (a Allowance) TaxAmount(inv Invoice) int64 {
	return taxOf(a.Amount, inv.TaxRate(), inv.Vat != "0")
}

// allowance is an allowance in a book.
type allowance struct {
	Allowance
	entry *entry
}

// snapshot returns e's invoice with copies of its items and allowances.
func (e *entry) snapshot() Invoice {
	inv := e.inv
	inv.Items = slices.Clone(inv.Items)
	if inv.Previous != nil {
		p := *inv.Previous
		inv.Previous = &p
	}
	inv.Remaining = inv.SalesAmount
	inv.Allowances = nil
	for _, a := range e.allows {
		if a.Status == AllowanceIssued {
			inv.Remaining -= a.Amount
		}
		inv.Allowances = append(inv.Allowances, a.snapshot())
	}
	return inv
}

// remaining is e's SalesAmount less its live allowances.
func (e *entry) remaining() int64 {
	r := e.inv.SalesAmount
	for _, a := range e.allows {
		if a.Status == AllowanceIssued {
			r -= a.Amount
		}
	}
	return r
}

func (a *allowance) snapshot() Allowance {
	s := a.Allowance
	s.Items = slices.Clone(s.Items)
	return s
}
