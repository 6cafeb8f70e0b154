package ecpaysim

import (
	"slices"
	"time"

	"github.com/ecpay-go/einvoice/generated/invoicenotify"
)

// MaxEvents is how many of the most recent notices (Notices) and delayed
// issues (DelayedIssues) a Server keeps; older ones are dropped, so a
// long-running simulator stays bounded (the simulator's own bound).
const MaxEvents = 10_000

// Notice is what InvoiceNotify asked ECPay to send, and the simulator
// recorded instead of sending: ECPay sends an e-mail or SMS; its stage, as
// the simulator, sends nothing (an independent client saw the stage accept
// the request and deliver nothing).
type Notice struct {
	MerchantID string
	InvoiceNo  string
	// AllowanceNo is the allowance's, for InvoiceTag A, AI and OA.
	AllowanceNo string `json:",omitempty"`
	// InvoiceTag is what the notice is about: I issued, II voided, A
	// allowance, AI allowance voided, AW won, OA online allowance.
	InvoiceTag string
	// Notify is how: E e-mail, S SMS, A both.
	Notify string
	// Notified is to whom: C the customer, M the merchant, A both.
	Notified   string
	NotifyMail string `json:",omitempty"`
	Phone      string `json:",omitempty"`
	// Time is the simulator's clock when it was asked.
	Time time.Time
}

// Notices returns the notices InvoiceNotify recorded, oldest first (at most
// MaxEvents, the most recent).
func (s *Server) Notices() []Notice {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.notices)
}

// msgNotWon is the RtnMsg of InvoiceNotify's refusal of InvoiceTag AW: the
// message an independent client saw on ECPay's stage for an invoice that
// did not win (its code was not recorded; the simulator answers 2).
const msgNotWon = "查無發票中獎資料，請確認!"

// invoiceNotify is InvoiceNotify's behaviour: for an invoice of the
// merchant (and, for the allowance notices, an allowance of it) it records
// the Notice and answers 1; an unknown invoice or allowance is 2, and so is
// InvoiceTag AW, with msgNotWon, since no invoice of the simulator wins.
func invoiceNotify(s *Server, req request) outcome {
	d, ok := req.data.(*invoicenotify.RequestData)
	if !ok || req.injected {
		return outcome{}
	}
	if _, found := s.ledger.ByNumber(req.merchantID, d.InvoiceNo); !found {
		return outcome{code: rtnCodeInvoiceNotFound}
	}
	n := Notice{MerchantID: req.merchantID, InvoiceNo: d.InvoiceNo, AllowanceNo: str(d.AllowanceNo),
		InvoiceTag: string(d.InvoiceTag), Notify: string(d.Notify), Notified: string(d.Notified),
		NotifyMail: str(d.NotifyMail), Phone: str(d.Phone), Time: s.Now()}
	switch d.InvoiceTag {
	case invoicenotify.InvoiceTagWon:
		return outcome{code: rtnCodeInvoiceNotFound, msg: msgNotWon}
	case invoicenotify.InvoiceTagAllowance, invoicenotify.InvoiceTagAllowanceVoided, invoicenotify.InvoiceTagOnlineAllowance:
		if _, _, err := s.ledger.AllowanceByNo(req.merchantID, d.InvoiceNo, n.AllowanceNo); err != nil {
			return outcome{code: rtnCodeInvoiceNotFound}
		}
	}
	s.mu.Lock()
	s.notices = appendBounded(s.notices, n)
	s.mu.Unlock()
	return outcome{code: rtnCodeOK}
}

// appendBounded appends e to events, dropping the oldest beyond MaxEvents.
func appendBounded[E any](events []E, e E) []E {
	if len(events) >= MaxEvents {
		events = slices.Delete(events, 0, len(events)-MaxEvents+1)
	}
	return append(events, e)
}
