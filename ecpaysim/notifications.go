package ecpaysim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/ecpay-go/einvoice/ecpaysim/internal/ledger"
	"github.com/ecpay-go/einvoice/ecpaysim/internal/notifier"
	"github.com/ecpay-go/einvoice/ecpaysim/internal/serving"
	"github.com/ecpay-go/einvoice/internal/protocol"
	"github.com/ecpay-go/einvoice/notify"
)

// Delivery is the record of a notification the simulator posted to the
// merchant, as ECPay does: the invoiced notification to a DelayIssue's
// NotifyURL when the delayed invoice issues, the allowance notification to
// an AllowanceByCollegiate's ReturnURL when the buyer agrees (AgreeAllowance).
// Each is a form signed with the merchant's keys (package notify, whose
// handlers receive it), posted without blocking the simulator, and tried
// again when not answered 1|OK: 4 attempts 1, 2 and 4 seconds apart, 10
// seconds each, the simulator's own choice since ECPay publishes no policy
// for these notifications (package ecpaysim/internal/notifier).
type Delivery = notifier.Delivery

// Deliveries returns the notifications the simulator posted, oldest first
// (at most MaxEvents, the most recent finished ones kept first).
func (s *Server) Deliveries() []Delivery { return s.notifier.Deliveries() }

// WaitDeliveries returns once every notification posted so far is
// delivered or given up: in tests, before looking at what the receiver got.
func (s *Server) WaitDeliveries() { s.notifier.Wait() }

// Close stops the Server's notifications: those under way are cut short,
// and none is posted after it. The Server still answers requests.
// ecpaysimtest closes its Server when the test ends.
func (s *Server) Close() { s.notifier.Close() }

// WithNotifyAttempts makes the Server post each notification at most
// attempts times (4 by default; less than 1 is 1): 1 in a test that wants
// a refused notification recorded at once, without waiting for retries.
func WithNotifyAttempts(attempts int) Option {
	return func(c *config) error { c.notifyAttempts = max(1, attempts); return nil }
}

// newNotifier returns the notifier of a Server: the simulator's clock, at
// most MaxEvents records, attempts per notification (0: the default).
func newNotifier(s *Server, merchants []serving.Merchant, attempts int) (*notifier.Notifier, map[string]notify.Keys) {
	keys := make(map[string]notify.Keys, len(merchants))
	for _, m := range merchants {
		keys[m.ID] = notify.Keys{MerchantID: m.ID, HashKey: m.HashKey, HashIV: m.HashIV}
	}
	opts := []notifier.Option{notifier.WithClock(s.Now), notifier.WithLimit(MaxEvents)}
	if attempts > 0 {
		opts = append(opts, notifier.WithAttempts(attempts))
	}
	return notifier.New(opts...), keys
}

// WithNotifyAnyHost lets the Server post notifications to any host. By
// default it posts only to loopback hosts (localhost, 127.0.0.1, ::1), where
// a test's or a developer's receiver listens, so that a NotifyURL or
// ReturnURL from ECPay's examples never makes the simulator call the
// internet; the others are skipped (and logged with WithLogger).
func WithNotifyAnyHost() Option {
	return func(c *config) error { c.notifyAnyHost = true; return nil }
}

// sendNotification posts n to target for merchantID, without waiting; a
// target the notifier refuses, or beyond loopback without
// WithNotifyAnyHost, is logged and otherwise ignored.
func (s *Server) sendNotification(merchantID, target string, n notify.Notification) {
	k, ok := s.notifyKeys[merchantID]
	if !ok || target == "" {
		return
	}
	if u, err := url.Parse(target); !s.notifyAnyHost && (err != nil || !protocol.IsLoopback(u.Hostname())) {
		if s.logger != nil {
			s.logger.WarnContext(context.Background(), "notification not sent: not a loopback host (WithNotifyAnyHost)", "notification", n.Kind(), "merchant", merchantID)
		}
		return
	}
	if _, err := s.notifier.Send(target, n, k); err != nil && s.logger != nil {
		s.logger.WarnContext(context.Background(), "notification not sent", "notification", n.Kind(), "merchant", merchantID, "err", err)
	}
}

// notifyIssued posts the invoiced notification of a delayed invoice that
// issued to its NotifyURL, if it gave one.
func (s *Server) notifyIssued(merchantID, tsr, notifyURL string, inv ledger.Invoice) {
	s.sendNotification(merchantID, notifyURL, notify.Invoiced{
		MerchantID: merchantID, RtnCode: notify.RtnCodeOK, RtnMsg: msgDelayedIssued, Tsr: tsr, RelateNumber: inv.RelateNumber,
		InvoiceNo: inv.InvoiceNo, InvoiceDate: inv.InvoiceDate, RandomNumber: inv.RandomNumber,
	})
}

// msgDelayedIssued is the RtnMsg of the invoiced notification, the
// simulator's own (ECPay's is not published).
const msgDelayedIssued = "延遲開立發票成功"

// ErrNotCollegiate is AgreeAllowance's error for an allowance that is not
// an online one (made by Allowance, not AllowanceByCollegiate).
var ErrNotCollegiate = errors.New("ecpaysim: the allowance is not an online one (AllowanceByCollegiate)")

// ErrAllowanceNotFound is AgreeAllowance's error for an allowance the
// merchant does not have, or that is voided.
var ErrAllowanceNotFound = errors.New("ecpaysim: no such live allowance")

// AgreeAllowance plays the buyer who agrees, by the link ECPay mailed, to
// merchantID's online allowance allowanceNo: the allowance is agreed, and
// the allowance notification is posted to its ReturnURL, if it has one
// (see Delivery), dated now by the simulator's clock, as ECPay makes the
// allowance at the buyer's click. Agreeing twice posts again. Errors match
// ErrAllowanceNotFound or ErrNotCollegiate.
func (s *Server) AgreeAllowance(merchantID, allowanceNo string) (Allowance, error) {
	a, err := s.ledger.Agree(merchantID, allowanceNo)
	switch {
	case errors.Is(err, ledger.ErrNotCollegiate):
		return Allowance{}, fmt.Errorf("%w: %s", ErrNotCollegiate, allowanceNo)
	case err != nil:
		return Allowance{}, fmt.Errorf("%w: %s of merchant %s", ErrAllowanceNotFound, allowanceNo, merchantID)
	}
	_, inv, err := s.ledger.AllowanceByNo(merchantID, a.InvoiceNo, a.AllowanceNo)
	if err != nil {
		return Allowance{}, fmt.Errorf("%w: %s of merchant %s", ErrAllowanceNotFound, allowanceNo, merchantID)
	}
	s.sendNotification(merchantID, a.ReturnURL, notify.AllowanceAgreed{
		MerchantID: merchantID, RtnCode: notify.RtnCodeOK, AllowanceNo: a.AllowanceNo, InvoiceNo: a.InvoiceNo,
		Date: s.Now(), RemainingAmount: inv.Remaining,
	})
	return a, nil
}

// agreeUsage is what POST /_sim/allowances/{no}/agree wants.
const agreeUsage = `give the merchant as ?MerchantID=…, or configure one merchant only`

// adminAgree serves POST /_sim/allowances/{no}/agree[?MerchantID=…].
func (s *Server) adminAgree(w http.ResponseWriter, r *http.Request) {
	merchantID := r.URL.Query().Get("MerchantID")
	if ids := s.Merchants(); merchantID == "" && len(ids) == 1 {
		merchantID = ids[0]
	}
	if merchantID == "" {
		writeAnswer(w, plainAnswer(http.StatusBadRequest, agreeUsage))
		return
	}
	a, err := s.AgreeAllowance(merchantID, r.PathValue("no"))
	switch {
	case errors.Is(err, ErrNotCollegiate):
		adminError(w, http.StatusConflict, err)
	case err != nil:
		adminError(w, http.StatusNotFound, err)
	default:
		serving.WriteJSON(w, http.StatusOK, a)
	}
}
