// Package ecpaysim is a local ECPay e-invoice server for tests, as
// stripe-mock is for stripe-go: it serves every operation of the pages in
// openapi/ at POST /B2CInvoice/<Operation> with ECPay's wire format (the
// JSON envelope, its AES-encrypted Data), checks every request and answer
// against the operation's page, and remembers what it was asked, as ECPay
// does: the invoices issued, voided and allowed, the delayed invoices, the
// notifications it sent.
//
// In a test, start one with ecpaysimtest.NewServer, call it with the client
// it comes with, and inspect what it holds:
//
//	sim := ecpaysimtest.NewServer(t) // stage merchant 2000132, closed by t.Cleanup
//	res, err := sim.Client.Issue(t.Context(), req)
//	if err != nil {
//		t.Fatal(err)
//	}
//	inv, _ := sim.IssuedInvoice(ecpaysim.StageMerchantID, string(*res.Data.InvoiceNo))
//	sim.Advance(72 * time.Hour) // a scheduled delayed invoice issues, its NotifyURL is told
//
// Outside tests, New returns the Server, an http.Handler; Handler adds the
// admin API (AdminHandler: state, faults, the clock, registered values), and
// the command cmd/ecpay-sim serves both. To check ECPay itself rather than
// the pages, put the validating proxy of package ecpaysim/proxy in front.
//
// Where the facts are, each with where it comes from (ECPay's page, its SDK,
// its stage as an independent client saw it, or the simulator's own choice):
//
//   - issued invoices (Issue, GetIssue, GetIssueList, Invalid, GetInvalid,
//     VoidWithReIssue, the allowances), their RtnCodes, their bound in
//     memory: IssuedInvoice, WithInvoiceLimit;
//   - delayed invoices (DelayIssue, EditDelayIssue, TriggerIssue,
//     CancelDelayIssue) and the clock that issues them (Advance), the
//     checks of a buyer's data (CheckBarcode, CheckLoveCode,
//     GetCompanyNameByTaxID), InvoiceNotify and InvoicePrint: InvoiceStatus;
//     the events kept: MaxEvents;
//   - ECPay's notifications, posted to a loopback NotifyURL or ReturnURL
//     with package notify's signature, retried and recorded: AgreeAllowance,
//     Deliveries;
//   - the TransCodes of the envelope checks: TransCodeOK and beside it;
//   - what is checked: the envelope, the Timestamp window (TimestampWindow),
//     the merchant, the decryption, the Data against the page and its
//     business rules (RtnCodeRuleBroken), every answer before it is sent
//     (Server.Violations);
//   - faults to inject: Fault; what was received: Requests;
//   - every operation's RtnCodes: registry.Operation.Codes; which answer a
//     plain Data (GetIssueList): registry.Operation.PlainAnswerData.
//
// An operation without a lifecycle (a page dropped into openapi/) is served
// at once with the same checks and a default answer, as Stoplight Prism
// mocks from a spec: its first success code and a value for every member
// of its response Data schema. Nothing changes state.
package ecpaysim
