// Package ecpaysim is a local ECPay e-invoice server for tests: it serves
// every operation of the pages in openapi/ (the registry of package
// generated/registry) at POST /B2CInvoice/<Operation>, as ECPay answers
// them, with the real wire format (the JSON envelope and its AES-encrypted
// Data), and checks every request and every answer against the page of its
// operation, the same spec the client is generated from. Use it as
// stripe-mock is used for stripe-go.
//
// In a test, start one with ecpaysimtest.NewServer (package
// ecpaysim/ecpaysimtest, apart so that programs serving the simulator do
// not link package testing), register the delayed invoices the test needs,
// call it with the client it comes with, and inspect what the server saw:
//
//	func TestTrigger(t *testing.T) {
//		sim := ecpaysimtest.NewServer(t) // stage merchant 2000132, closed by t.Cleanup
//		if err := sim.AddDelayedInvoice(ecpaysim.StageMerchantID, "TSR0001"); err != nil {
//			t.Fatal(err)
//		}
//		res, err := sim.Client.TriggerIssue(t.Context(), wrapper.TriggerIssueRequest{Tsr: "TSR0001", PayType: "2"})
//		if err != nil || res.RtnCode != wrapper.RtnCodeIssued {
//			t.Fatalf("TriggerIssue: %v, %v", res, err)
//		}
//	}
//
// Outside tests, New returns the Server, an http.Handler; its Handler serves
// it with the admin API (AdminHandler), and the command cmd/ecpay-sim serves
// both over TCP. InjectNext makes the next answers fail in a chosen way;
// Requests returns each request with its decrypted Data and its answer,
// within bounds (WithRequestLimit, WithRequestBytes). To check ECPay itself
// rather than the pages, put the validating proxy of package ecpaysim/proxy
// in front of it; it records what it sees and replays it.
//
// The simulator remembers: Issue issues an invoice under the merchant's
// RelateNumber with an invoice number of its own track, and GetIssue,
// Invalid, Allowance and the rest answer from it, as ECPay would; a test
// inspects it with IssuedInvoices, or through the admin API's state:
//
//	res, _ := sim.Client.Issue(t.Context(), req) // InvoiceNo, InvoiceDate, RandomNumber
//	inv, _ := sim.IssuedInvoice(ecpaysim.StageMerchantID, string(*res.Data.InvoiceNo))
//
// A delayed invoice is stored by DelayIssue under its Tsr and issued into
// the same book by TriggerIssue or, when scheduled, by the simulator's
// clock, which a test moves forward (Now, Advance, AdvanceTo; POST
// /_sim/clock) on top of WithClock:
//
//	sim.Client.DelayIssue(ctx, req)      // DelayFlag "1", DelayDay 3: RtnCode 1, pending
//	sim.Advance(72 * time.Hour)          // it issues: InvoiceNo, in GetIssue
//	events := sim.DelayedIssues()        // and its NotifyURL is notified
//
// As ECPay does, the simulator posts the notifications of package notify,
// signed with the merchant's keys, to a loopback NotifyURL when a delayed
// invoice issues, and to an online allowance's ReturnURL when a test plays
// the buyer who agrees to it (AgreeAllowance, POST
// /_sim/allowances/{no}/agree); it retries, and records each delivery
// (Deliveries, WaitDeliveries; Close stops them; WithNotifyAttempts,
// WithNotifyAnyHost). An application's notify handlers receive them.
//
// InvoiceNotify records the notice it would send (Notices); InvoicePrint
// answers the URL of a printable page of the invoice that the simulator
// serves itself (PrintPrefix, WithBaseURL). CheckBarcode, CheckLoveCode and
// GetCompanyNameByTaxID (ECPay's CheckCompanyIdentifier) answer from a few
// built-in values and those a test registers (RegisterBarcode,
// RegisterLoveCode, RegisterCompany, or the admin API), the company
// identifier's check digit checked by the Ministry of Finance's rule (see
// BuiltinBarcode).
//
// Where the facts are:
//
//   - the issued invoice's lifecycle (Issue, GetIssue, GetIssueList,
//     Invalid, GetInvalid, VoidWithReIssue, the allowances), every RtnCode
//     it answers and where each comes from, ECPay's or the simulator's
//     own: IssuedInvoice; its bound in memory: WithInvoiceLimit;
//   - the delayed-invoice lifecycle (DelayIssue, EditDelayIssue,
//     TriggerIssue, CancelDelayIssue, the clock), the checks of a buyer's
//     data, InvoiceNotify and InvoicePrint, every RtnCode they answer with
//     ECPay's RtnMsg and where each comes from, ECPay's (page, stage,
//     assumed from a sibling) or the simulator's own (RtnCodeRuleBroken,
//     where the table says so): InvoiceStatus; what is bounded in memory:
//     MaxEvents;
//   - the TransCodes of the envelope checks and their TransMsgs: TransCodeOK
//     and the constants beside it;
//   - what is checked: the request envelope against the page, the Timestamp
//     window (TimestampWindow), the merchant, the Data's decryption, the
//     decrypted Data against the page and its business rules (the page's
//     x-ecpay-validations: a broken rule is answered with ECPay's RtnCode
//     for it, else RtnCodeRuleBroken), the same MerchantID inside and out;
//     every answer before it is sent (an answer that would break the
//     page is a bug of the simulator: see Server.Violations);
//   - the RtnCodes of every operation, success and refusal: the registry
//     (registry.Operation.Codes) and the client's RtnCode constants;
//   - which operations ECPay answers with a plain JSON object as Data, not
//     the encrypted string: registry.Operation.PlainAnswerData, from the
//     page's overlay (x-ecpay-answer-data). GetIssueList is one, although
//     its page says its Data is encrypted: an independent client
//     (paid-tw/einvoice, einvoice-ecpay) reads it so from ECPay's stage.
//     The simulator answers such an operation so, refusals included; an
//     injected Data fault is encrypted for every operation.
//
// An operation without a lifecycle (a page dropped into openapi/ and
// generated) is served at once with the same checks and a default answer,
// as Stoplight Prism mocks from a spec: TransCode 1 and a Data holding the
// operation's first success code with its RtnMsg, and a value for every
// other member of its response Data schema (its example, default or first
// enum value, else one built from its type). Nothing changes state.
package ecpaysim
