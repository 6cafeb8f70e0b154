package ecpaysim

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ecpay-go/einvoice/ecpaysim/internal/ledger"
	"github.com/ecpay-go/einvoice/generated/issue"
	"github.com/ecpay-go/einvoice/generated/registry"
)

// The behaviours of the issued invoice's lifecycle (see IssuedInvoice).
var (
	issueBehaviour = issued(func(s *Server, req request) outcome {
		d, ok := req.data.(*issue.RequestData)
		if !ok {
			return s.misfit(req, "*issue.RequestData")
		}
		inv, err := s.ledger.Issue(req.merchantID, issueInput(d))
		if err != nil {
			return s.refusal(registry.Issue, err)
		}
		return outcome{code: rtnCodeOK, fields: issuedFields(inv)}
	})

	getIssueBehaviour = issued(func(s *Server, req request) outcome {
		inv, err := s.ledger.Lookup(req.merchantID, keyOf(req, "InvoiceDate"))
		if err != nil {
			return s.refusal(registry.GetIssue, err)
		}
		return outcome{code: rtnCodeOK, fields: getIssueFields(inv)}
	})

	getIssueListBehaviour = issued(func(s *Server, req request) outcome {
		f, page := listFilter(req)
		var invoices []ledger.Invoice
		total := 0
		if award, _ := stringField(req.data, "Query_Award"); award != "1" { // nothing is awarded
			invoices, total = s.ledger.List(req.merchantID, f)
		}
		rows := make([]any, len(invoices))
		for i, inv := range invoices {
			rows[i] = listedFields(inv)
		}
		return outcome{code: rtnCodeOK, fields: map[string]any{"TotalCount": total, "ShowingPage": page, "InvoiceData": rows}}
	})

	invalidBehaviour = issued(func(s *Server, req request) outcome {
		reason, _ := stringField(req.data, "Reason")
		inv, err := s.ledger.Void(req.merchantID, keyOf(req, "InvoiceDate"), reason)
		if err != nil {
			return s.refusal(registry.Invalid, err)
		}
		return outcome{code: rtnCodeOK, fields: map[string]any{"InvoiceNo": inv.InvoiceNo}}
	})

	getInvalidBehaviour = issued(func(s *Server, req request) outcome {
		inv, err := s.ledger.Lookup(req.merchantID, keyOf(req, "InvoiceDate"))
		if err != nil {
			return s.refusal(registry.GetInvalid, err)
		}
		if inv.Status != ledger.Voided {
			if inv.Previous == nil {
				return outcome{code: RtnCodeNotVoided, msg: ownRtnMsgs[RtnCodeNotVoided]}
			}
			inv = *inv.Previous // voided and reissued
		}
		return outcome{code: rtnCodeOK, fields: getInvalidFields(inv)}
	})

	voidWithReIssueBehaviour = issued(func(s *Server, req request) outcome {
		var d struct {
			VoidModel struct {
				InvoiceNo  string
				VoidReason string
			}
			IssueModel struct {
				issue.RequestData
				InvoiceDate string
			}
		}
		if err := json.Unmarshal(req.plaintext, &d); err != nil {
			return s.misfit(req, err.Error())
		}
		key := ledger.Key{InvoiceNo: d.VoidModel.InvoiceNo, Date: d.IssueModel.InvoiceDate}
		inv, err := s.ledger.VoidAndIssue(req.merchantID, key, d.VoidModel.VoidReason, issueInput(&d.IssueModel.RequestData))
		if err != nil {
			return s.refusal(registry.VoidWithReIssue, err)
		}
		return outcome{code: rtnCodeOK, fields: issuedFields(inv)}
	})

	allowanceBehaviour             = allowanceOf(registry.Allowance, false)
	allowanceByCollegiateBehaviour = allowanceOf(registry.AllowanceByCollegiate, true)

	allowanceInvalidBehaviour = issued(func(s *Server, req request) outcome {
		invoiceNo, allowanceNo, reason := allowanceNamed(req)
		if _, err := s.ledger.VoidAllowance(req.merchantID, invoiceNo, allowanceNo, reason); err != nil {
			return s.refusal(registry.AllowanceInvalid, err)
		}
		return outcome{code: rtnCodeOK, fields: map[string]any{"IA_Invoice_No": invoiceNo}}
	})

	allowanceInvalidByCollegiateBehaviour = issued(func(s *Server, req request) outcome {
		invoiceNo, allowanceNo, reason := allowanceNamed(req)
		if _, err := s.ledger.CancelAllowance(req.merchantID, invoiceNo, allowanceNo, reason); err != nil {
			return s.refusal(registry.AllowanceInvalidByCollegiate, err)
		}
		return outcome{code: rtnCodeOK, fields: map[string]any{"IA_Invoice_No": invoiceNo}}
	})

	getAllowanceBehaviour = issued(func(s *Server, req request) outcome {
		a, inv, err := s.findAllowance(req)
		if err != nil {
			return s.refusal(registry.GetAllowance, err)
		}
		return outcome{code: rtnCodeOK, fields: getAllowanceFields(a, inv)}
	})

	getAllowanceInvalidBehaviour = issued(func(s *Server, req request) outcome {
		invoiceNo, allowanceNo, _ := allowanceNamed(req)
		a, inv, err := s.ledger.AllowanceByNo(req.merchantID, invoiceNo, allowanceNo)
		if err != nil {
			return s.refusal(registry.GetAllowanceInvalid, err)
		}
		if a.Status != ledger.AllowanceVoided {
			return outcome{code: RtnCodeNotVoided, msg: ownRtnMsgs[RtnCodeNotVoided]}
		}
		return outcome{code: rtnCodeOK, fields: getAllowanceInvalidFields(a, inv)}
	})
)

// allowanceOf returns the behaviour of Allowance (collegiate false) or
// AllowanceByCollegiate (true).
func allowanceOf(op *registry.Operation, collegiate bool) behaviour {
	return issued(func(s *Server, req request) outcome {
		key, in, err := allowanceInput(req.plaintext, collegiate)
		if err != nil {
			return s.misfit(req, err.Error())
		}
		a, inv, err := s.ledger.Allow(req.merchantID, key, in)
		if errors.Is(err, ledger.ErrVoided) {
			return outcome{code: RtnCodeInvoiceVoided, msg: ownRtnMsgs[RtnCodeInvoiceVoided]}
		}
		if err != nil {
			return s.refusal(op, err)
		}
		return outcome{code: rtnCodeOK, fields: allowanceFields(a, inv, collegiate)}
	})
}

// keyOf names the invoice of a request by its InvoiceNo and date member
// (when it has them) or its RelateNumber.
func keyOf(req request, dateMember string) ledger.Key {
	no, _ := stringField(req.data, "InvoiceNo")
	date, _ := stringField(req.data, dateMember)
	relate, _ := stringField(req.data, "RelateNumber")
	return ledger.Key{InvoiceNo: no, Date: date, RelateNumber: relate}
}

// allowanceNamed returns the InvoiceNo, AllowanceNo and Reason of a request.
func allowanceNamed(req request) (invoiceNo, allowanceNo, reason string) {
	invoiceNo, _ = stringField(req.data, "InvoiceNo")
	allowanceNo, _ = stringField(req.data, "AllowanceNo")
	reason, _ = stringField(req.data, "Reason")
	return invoiceNo, allowanceNo, reason
}

// findAllowance finds the allowance a GetAllowance names: by AllowanceNo
// (SearchType 0, or none with InvoiceNo), or by InvoiceNo and the
// invoice's date (SearchType 1) or the allowance's (2), the latest of
// that invoice then (the simulator's choice: the page answers one).
func (s *Server) findAllowance(req request) (ledger.Allowance, ledger.Invoice, error) {
	searchType, _ := stringField(req.data, "SearchType")
	invoiceNo, allowanceNo, _ := allowanceNamed(req)
	date, _ := stringField(req.data, "Date")
	switch searchType {
	case "0":
		return s.ledger.AllowanceByNo(req.merchantID, "", allowanceNo)
	case "1", "2":
		key := ledger.Key{InvoiceNo: invoiceNo}
		if searchType == "1" {
			key.Date = date
		}
		inv, err := s.ledger.Lookup(req.merchantID, key)
		if err != nil {
			return ledger.Allowance{}, ledger.Invoice{}, fmt.Errorf("%w: %w", ledger.ErrAllowanceNotFound, err)
		}
		day, err := ledger.ParseDate(date)
		for i := len(inv.Allowances) - 1; i >= 0 && err == nil; i-- {
			a := inv.Allowances[i]
			if searchType == "1" || a.Date.Format(ledger.DateLayout) == day.Format(ledger.DateLayout) {
				return a, inv, nil
			}
		}
		return ledger.Allowance{}, ledger.Invoice{}, fmt.Errorf("%w: invoice %s on %s", ledger.ErrAllowanceNotFound, invoiceNo, date)
	}
	return s.ledger.AllowanceByNo(req.merchantID, invoiceNo, allowanceNo)
}

// listFilter reads GetIssueList's filter and the page it asks.
func listFilter(req request) (ledger.Filter, int) {
	var f ledger.Filter
	begin, _ := stringField(req.data, "BeginDate")
	end, _ := stringField(req.data, "EndDate")
	f.From, _ = ledger.ParseDate(begin)
	f.To, _ = ledger.ParseDate(end)
	f.PerPage, _ = intField(req.data, "NumPerPage")
	f.Page, _ = intField(req.data, "ShowingPage")
	f.Page = max(f.Page, 1)
	switch invalid, _ := stringField(req.data, "Query_Invalid"); invalid {
	case "1", "0":
		voided := invalid == "1"
		f.Voided = &voided
	}
	return f, f.Page
}

// misfit records a request Data of an unexpected shape, which the checks
// before the behaviour should have refused: a bug of the simulator.
func (s *Server) misfit(req request, what string) outcome {
	s.violation(fmt.Errorf("a behaviour got a Data it cannot read (%T): %s", req.data, what))
	return outcome{code: RtnCodeSimulatorError, msg: ownRtnMsgs[RtnCodeSimulatorError]}
}
